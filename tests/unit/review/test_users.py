"""The users file, password checks, the `users` CLI and the UI's refusal to start unsafely."""

from __future__ import annotations

import asyncio
import io
import stat
import statistics
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.api import ReviewAssistant
from assistant.apps.cli.main import main
from assistant.apps.ui.app import UiStartError, users_for_launch
from assistant.apps.ui.auth import gradio_auth
from assistant.apps.ui.format import OFFLINE_LABEL, header_markdown
from assistant.apps.ui.session import LOCAL_USER
from assistant.domain.labels import role_label
from assistant.domain.models import User
from assistant.review.users import MAX_PASSWORD_LENGTH, UsersFileError, UserStore
from assistant.settings import Settings, get_settings, is_loopback_host

PASSWORD = "correct horse battery"


@pytest.fixture
def store(tmp_path: Path) -> UserStore:
    return UserStore(tmp_path / "data" / "users.toml")


def test_added_users_sign_in_with_their_password_only(store: UserStore) -> None:
    store.add("tanaka", PASSWORD, role="prefecture", prefecture="東雲県")
    store.add("sato", "another-password", role="reviewer")

    assert store.verify("tanaka", PASSWORD)
    assert not store.verify("tanaka", "another-password")
    assert not store.verify("tanaka", "")
    assert not store.verify("nobody", PASSWORD)
    assert store.get("tanaka") == User(name="tanaka", role="prefecture", prefecture="東雲県")
    assert [u.name for u in store.users()] == ["sato", "tanaka"]


def test_file_is_private_toml_with_hashes_not_passwords(store: UserStore) -> None:
    store.add('田中 "課長"'.replace(" ", "_"), PASSWORD, role="prefecture", prefecture="西海県")
    mode = stat.S_IMODE(store.path.stat().st_mode)
    assert mode == 0o600
    text = store.path.read_text(encoding="utf-8")
    assert PASSWORD not in text
    data = tomllib.loads(text)
    record = data["users"]['田中_"課長"']
    assert record["role"] == "prefecture" and record["prefecture"] == "西海県"
    assert record["password_hash"].startswith("$argon2id$")
    assert not list(store.path.parent.glob(".users-*")), "no temporary file is left behind"


def test_roles_and_prefectures_are_validated(store: UserStore) -> None:
    with pytest.raises(ValueError, match="prefecture"):
        store.add("a", PASSWORD, role="prefecture")
    with pytest.raises(ValueError, match="prefecture"):
        store.add("b", PASSWORD, role="reviewer", prefecture="東雲県")
    with pytest.raises(ValueError, match="8"):
        store.add("c", "short", role="reviewer")
    with pytest.raises(ValueError):
        store.add("has space", PASSWORD, role="reviewer")
    assert not store.exists()


def test_existing_user_is_replaced_only_on_request(store: UserStore) -> None:
    store.add("sato", PASSWORD, role="reviewer")
    with pytest.raises(ValueError, match="replace"):
        store.add("sato", "new-password-1", role="reviewer")
    assert store.verify("sato", PASSWORD)
    store.add("sato", "new-password-1", role="prefecture", prefecture="東雲県", replace=True)
    assert store.verify("sato", "new-password-1")
    assert not store.verify("sato", PASSWORD)
    assert store.get("sato") == User(name="sato", role="prefecture", prefecture="東雲県")


def test_changes_by_another_process_apply_without_restart(store: UserStore) -> None:
    store.add("sato", PASSWORD, role="reviewer")
    assert store.get("sato") is not None
    other = UserStore(store.path)
    other.add("suzuki", PASSWORD, role="reviewer")
    store.path.write_text(
        store.path.read_text(encoding="utf-8").replace('[users."sato"]', '[users."sato2"]'), encoding="utf-8"
    )
    assert store.get("sato") is None, "a removed user loses access on the next request"
    assert store.get("suzuki") is not None


def test_invalid_record_is_skipped_and_reported_not_a_lockout(store: UserStore) -> None:
    store.add("sato", PASSWORD, role="reviewer")
    store.add("tanaka", PASSWORD, role="prefecture", prefecture="東雲県")
    check = gradio_auth(store)
    assert asyncio.run(check("sato", PASSWORD)) is True
    text = store.path.read_text(encoding="utf-8")
    store.path.write_text(text.replace('role = "reviewer"', 'role = "admin"'), encoding="utf-8")
    assert store.get("sato") is None
    assert asyncio.run(check("sato", PASSWORD)) is False
    assert asyncio.run(check("tanaka", PASSWORD)) is True, "one bad record must not lock everyone out"
    (problem,) = store.problems()
    assert "'sato'" in problem and "skipped invalid user" in problem

    with pytest.raises(ValueError, match="fix them first"):
        store.add("suzuki", PASSWORD, role="reviewer")
    assert 'role = "admin"' in store.path.read_text(encoding="utf-8"), (
        "the bad record is not silently dropped"
    )
    store.add("sato", "new-password-1", role="reviewer", replace=True)
    assert store.problems() == [] and store.verify("sato", "new-password-1")
    assert store.verify("tanaka", PASSWORD)


@pytest.mark.parametrize(
    "record",
    [
        'role = "prefecture"\nprefecture = "東雲県\\u0007"',
        'role = "prefecture"\nprefecture = "東雲県\\u202e"',
        'role = "prefecture"\nprefecture = "' + "県" * 33 + '"',
        'role = "prefecture"\nprefecture = " 東雲県"',
    ],
    ids=["bell", "bidi-override", "too-long", "padded"],
)
def test_hand_edited_prefecture_with_bad_characters_is_skipped(store: UserStore, record: str) -> None:
    store.add("sato", PASSWORD, role="reviewer")
    hashed = store.records()["sato"].password_hash
    with store.path.open("a", encoding="utf-8") as f:
        f.write(f'\n[users.mallory]\n{record}\npassword_hash = "{hashed}"\n')
    assert store.get("mallory") is None and not store.verify("mallory", PASSWORD)
    assert store.verify("sato", PASSWORD)
    assert [p for p in store.problems() if "'mallory'" in p]


@pytest.mark.parametrize("name", ["ab\u200bc", "a\u202eb", "a\u3000b", "a\x7fb", "x" * 65, ""])
def test_names_with_invisible_or_control_characters_are_refused(store: UserStore, name: str) -> None:
    with pytest.raises(ValueError, match="name"):
        store.add(name, PASSWORD, role="reviewer")
    assert not store.exists()


@pytest.mark.parametrize(
    "prefecture", ["東雲県\x7f", "東雲県\x01", "東\u200d雲県", "県" * 33, "東\u2028雲県"]
)
def test_prefectures_with_control_characters_are_refused_so_the_file_stays_readable(
    store: UserStore, prefecture: str
) -> None:
    store.add("sato", PASSWORD, role="reviewer")
    with pytest.raises(ValueError, match="prefecture"):
        store.add("tanaka", PASSWORD, role="prefecture", prefecture=prefecture)
    assert UserStore(store.path).verify("sato", PASSWORD), "everyone else can still sign in"
    assert UserStore(store.path).problems() == []


def test_password_length_is_capped(store: UserStore) -> None:
    longest = "p" * MAX_PASSWORD_LENGTH
    store.add("sato", longest, role="reviewer")
    assert store.verify("sato", longest)
    with pytest.raises(ValueError, match="too long"):
        store.add("suzuki", longest + "p", role="reviewer")
    assert store.get("suzuki") is None
    assert not store.verify("sato", longest + "p")
    assert not store.verify("sato", "p" * 10_000_000), "refused before argon2 sees it"


def test_unreadable_file_refuses_everyone(store: UserStore) -> None:
    store.add("sato", PASSWORD, role="reviewer")
    check = gradio_auth(store)
    assert asyncio.run(check("sato", PASSWORD)) is True
    store.path.write_text("not toml [", encoding="utf-8")
    with pytest.raises(UsersFileError):
        store.verify("sato", PASSWORD)
    assert asyncio.run(check("sato", PASSWORD)) is False


def test_gradio_callback_checks_passwords(store: UserStore) -> None:
    store.add("sato", PASSWORD, role="reviewer")
    check = gradio_auth(store)
    assert asyncio.run(check("sato", PASSWORD)) is True
    assert asyncio.run(check("sato", "wrong-password")) is False
    assert asyncio.run(check("ghost", PASSWORD)) is False


def test_unknown_names_cost_as_much_as_wrong_passwords(store: UserStore) -> None:
    """Timing must not reveal which names exist: an unknown name still runs an argon2 verify."""
    store.add("sato", PASSWORD, role="reviewer")
    store.prepare()

    def median_seconds(name: str) -> float:
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            store.verify(name, "wrong-password")
            runs.append(time.perf_counter() - start)
        return statistics.median(runs)

    known, unknown = median_seconds("sato"), median_seconds("ghost")
    assert known > 0.005, "argon2 verification is deliberately slow"
    assert unknown > 0.5 * known, (known, unknown)


def test_role_labels() -> None:
    assert role_label(User(name="a", role="reviewer")) == "審査担当"
    assert role_label(User(name="b", role="prefecture", prefecture="東雲県")) == "都道府県担当（東雲県）"


# --- CLI --------------------------------------------------------------------------------------
@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("RA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RA_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.delenv("RA_USERS_FILE", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "data"
    get_settings.cache_clear()


def test_users_cli_adds_and_lists(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert (
        main(["users", "add", "tanaka", "--role", "prefecture", "--prefecture", "東雲県", "--password-stdin"])
        == 0
    )
    assert UserStore(env / "users.toml").verify("tanaka", PASSWORD)
    capsys.readouterr()
    assert main(["users", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == ["tanaka\t都道府県担当（東雲県）"]


def test_users_cli_lists_skipped_records(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = UserStore(env / "users.toml")
    store.add("sato", PASSWORD, role="reviewer")
    with store.path.open("a", encoding="utf-8") as f:
        f.write('\n[users.mallory]\nrole = "prefecture"\nprefecture = "東雲県\\u007f"\npassword_hash = "x"\n')
    assert main(["users", "list"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == ["sato\t審査担当"]
    assert "mallory" in captured.err and "skipped invalid user" in captured.err


def test_users_cli_rejects_bad_combinations_before_asking_for_a_password(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["users", "add", "x", "--role", "prefecture", "--password-stdin"]) == 2
    assert (
        main(["users", "add", "x", "--role", "reviewer", "--prefecture", "東雲県", "--password-stdin"]) == 2
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "add", "x", "--role", "reviewer", "--password-stdin"]) == 1
    assert "8文字以上" in capsys.readouterr().err
    assert not (env / "users.toml").exists()


def test_ui_refuses_a_public_address_without_users(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    start = time.perf_counter()
    assert main(["ui", "--host", "0.0.0.0", "--port", "1"]) == 2
    assert time.perf_counter() - start < 30, "it must refuse before loading models"
    assert "users add" in capsys.readouterr().err
    assert not (env / "chroma").exists()


# --- launch modes -----------------------------------------------------------------------------
def test_launch_mode_follows_users_and_address(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", users_file=tmp_path / "users.toml")
    assert users_for_launch(settings, "127.0.0.1") is None
    assert users_for_launch(settings, "localhost") is None
    assert users_for_launch(settings, "::1") is None
    for public in ("0.0.0.0", "192.168.1.10", "example.org"):
        with pytest.raises(UiStartError):
            users_for_launch(settings, public)
    UserStore(settings.users_path).add("sato", PASSWORD, role="reviewer")
    for host in ("127.0.0.1", "0.0.0.0"):
        store = users_for_launch(settings, host)
        assert store is not None and store.verify("sato", PASSWORD)


def test_loopback_detection() -> None:
    assert all(
        is_loopback_host(h) for h in ("127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST")
    )
    assert not any(is_loopback_host(h) for h in ("0.0.0.0", "10.0.0.1", "::", "example.org", ""))


def test_header_says_who_and_which_backend(tmp_path: Path) -> None:
    offline = ReviewAssistant(Settings(data_dir=tmp_path))
    local = header_markdown(LOCAL_USER, offline, local=True)
    assert "local" in local and "ローカル単独モード" in local and "審査担当" in local
    assert OFFLINE_LABEL in local and "ログアウト" not in local
    llm = ReviewAssistant(
        Settings(data_dir=tmp_path, llm_model="qwen-test", llm_base_url="http://127.0.0.1:9/v1")
    )
    staff = header_markdown(User(name="tanaka", role="prefecture", prefecture="東雲県"), llm, local=False)
    assert "都道府県担当（東雲県）" in staff and "llm:qwen-test" in staff and "ログアウト" in staff
