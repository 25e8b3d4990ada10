"""Personal downloads: the owner (or a reviewer) gets the file, briefly; nobody else, never anonymously."""

from __future__ import annotations

import pytest

from assistant.api.downloads import MAX_PER_USER, PersonalFiles
from assistant.domain.errors import AccessDeniedError, NotVisibleError
from assistant.domain.models import User

TANAKA = User(name="tanaka", role="prefecture", prefecture="東雲県")
YAMADA = User(name="yamada", role="prefecture", prefecture="西海県")
SATO = User(name="sato", role="reviewer")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def files(clock: Clock) -> PersonalFiles:
    return PersonalFiles(ttl=600, clock=clock)


def test_a_once_file_goes_to_its_owner_once(files: PersonalFiles) -> None:
    token = files.offer(TANAKA, "審査結果.xlsx", b"xlsx", "application/x", once=True)
    assert len(token) >= 40, "tokens are unguessable"
    with pytest.raises(NotVisibleError):
        files.take(token, YAMADA)
    got = files.take(token, TANAKA)
    assert (got.name, got.data) == ("審査結果.xlsx", b"xlsx")
    with pytest.raises(NotVisibleError):
        files.take(token, TANAKA)


def test_anonymous_is_refused_and_others_cannot_tell_a_file_exists(files: PersonalFiles) -> None:
    token = files.offer(TANAKA, "p.png", b"png", "image/png", once=False)
    with pytest.raises(AccessDeniedError) as anonymous:
        files.take(token, None)
    assert not isinstance(anonymous.value, NotVisibleError)
    with pytest.raises(NotVisibleError) as foreign:
        files.take(token, YAMADA)
    with pytest.raises(NotVisibleError) as unknown:
        files.take("no-such-token", YAMADA)
    assert str(unknown.value) == str(foreign.value)


def test_reviewers_may_fetch_and_images_last_until_withdrawn_or_expired(
    files: PersonalFiles, clock: Clock
) -> None:
    image = files.offer(TANAKA, "p.png", b"png", "image/png", once=False, slot="tab1:pages")
    other_tab = files.offer(TANAKA, "q.png", b"png", "image/png", once=False, slot="tab2:pages")
    assert files.take(image, SATO).data == b"png"
    assert files.take(image, TANAKA).data == b"png", "an image may load again (re-render, zoom)"
    files.withdraw(TANAKA, "tab1:pages")
    with pytest.raises(NotVisibleError):
        files.take(image, TANAKA)
    assert files.take(other_tab, TANAKA).name == "q.png", "another tab's images stay"
    clock.now += 601
    with pytest.raises(NotVisibleError):
        files.take(other_tab, TANAKA)


def test_a_user_holds_a_bounded_number_of_files(files: PersonalFiles, clock: Clock) -> None:
    tokens = []
    for n in range(MAX_PER_USER + 5):
        clock.now += 1
        tokens.append(files.offer(TANAKA, f"{n}.png", b"x", "image/png", once=False))
    with pytest.raises(NotVisibleError):
        files.take(tokens[0], TANAKA)
    assert files.take(tokens[-1], TANAKA).name == f"{MAX_PER_USER + 4}.png"
    assert files.take(files.offer(SATO, "s.png", b"x", "image/png", once=False), SATO).name == "s.png"
