"""Several reviewers and processes on one review store: real processes, real SQLite locks, the real CLI.

A second process holding ``BEGIN IMMEDIATE`` is how SQLite sees any other writer (a batch saving,
another reviewer's UI request), so the lock tests start one and run the installed console script
beside it. Waits are bounded by the ``store_busy_timeout`` setting, set to one second here; no test
measures time, each checks what the command answered.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from support.pdfgen import write_plan_pdf

from assistant.domain.models import Assessment, ChecklistItem, PlanCitation, Verdict
from assistant.domain.rubric import load_rubric
from assistant.review.conflicts import JST
from assistant.review.records import SubmissionView
from assistant.review.store import ReviewStore
from assistant.settings import Settings

CLI = Path(sys.executable).parent / "review-assistant"
B = load_rubric(Settings().rubric_file).for_type("B")
LABELS = {c.id: c.label for c in B}

#: Decides one item as soon as the test says go; both racers are fully started (store open, rubric
#: read) before either is told, so the two writes really meet.
_RACER = """
import json, sys, time
from pathlib import Path
from assistant.api import ReviewAssistant
from assistant.domain.errors import DecisionConflictError
from assistant.settings import Settings

data_dir, submission, criterion, reviewer, verdict, version, sync = sys.argv[1:]
ra = ReviewAssistant(Settings(data_dir=Path(data_dir)))
_ = ra.reviews, ra.rubric
Path(sync, "ready-" + reviewer).touch()
while not Path(sync, "go").exists():
    time.sleep(0.001)
try:
    item = ra.decide(int(submission), criterion, verdict=verdict, comment=reviewer + "の判断",
                     reviewer=reviewer, expected_version=None if version == "none" else int(version))
    print(json.dumps({"outcome": "ok", "version": item.version}))
except DecisionConflictError as exc:
    print(json.dumps({"outcome": "conflict", "winner": exc.reviewer, "verdict": exc.verdict,
                      "version": exc.current_version, "message": str(exc)}, ensure_ascii=False))
"""

#: Another writer: takes the write lock, says so, and keeps it until its stdin closes.
_HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.read()
conn.execute("ROLLBACK")
"""


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def submission(data_dir: Path) -> SubmissionView:
    assessment = Assessment(
        plan="秋田県_地域産業クラスター計画.pdf",
        plan_type="B",
        backend="offline",
        items=[
            ChecklistItem(
                criterion_id=c.id,
                verdict=Verdict.meets,
                rationale=f"{c.label}の記載あり",
                citations=[PlanCitation(page=1, quote="計画書の記述")],
            )
            for c in B
        ],
    )
    return ReviewStore(data_dir / "reviews.sqlite").save_assessment(
        assessment, content_hash="c" * 64, prefecture="秋田県"
    )


def _env(data_dir: Path, busy_timeout: str = "1") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RA_")}
    return {
        **env,
        "RA_DATA_DIR": str(data_dir),
        "RA_CONFIG": str(data_dir.parent / "absent.toml"),
        "RA_STORE_BUSY_TIMEOUT": busy_timeout,
    }


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CLI), *args], env=_env(data_dir), capture_output=True, text=True, check=False, timeout=300
    )


@contextmanager
def _write_lock_held(db: Path) -> Iterator[None]:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdin is not None
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    assert holder.returncode == 0


def _race(
    data_dir: Path, sub: int, criterion: str, racers: list[tuple[str, str, str]], sync: Path
) -> list[dict]:
    sync.mkdir()
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _RACER,
                str(data_dir),
                str(sub),
                criterion,
                name,
                verdict,
                version,
                str(sync),
            ],
            # The racers queue for the lock by design; a busy machine must not turn that into a failure.
            env=_env(data_dir, busy_timeout="60"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, verdict, version in racers
    ]
    ready = {sync / f"ready-{name}" for name, _, _ in racers}
    while not all(p.exists() for p in ready):
        assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
        time.sleep(0.05)
    (sync / "go").touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    return results


@pytest.mark.parametrize(
    "versions",
    [("0", "none"), ("none", "0"), ("none", "none")],
    ids=["first-names-version", "second-names-version", "neither-names-version"],
)
def test_two_processes_deciding_one_item_one_wins_the_other_is_told_by_whom(
    data_dir: Path, submission: SubmissionView, tmp_path: Path, versions: tuple[str, str]
) -> None:
    criterion = B[3].id
    racers = [("佐藤", "does_not_meet", versions[0]), ("鈴木", "partially_meets", versions[1])]
    results = dict(
        zip(
            ("佐藤", "鈴木"),
            _race(data_dir, submission.id, criterion, racers, tmp_path / "sync"),
            strict=True,
        )
    )
    winners = [name for name, r in results.items() if r["outcome"] == "ok"]
    assert len(winners) == 1, results
    (winner,) = winners
    (loser,) = [name for name in results if name != winner]
    lost = results[loser]
    assert lost["outcome"] == "conflict" and lost["winner"] == winner and lost["version"] == 1

    item = ReviewStore(data_dir / "reviews.sqlite").get(submission.id).items[3]
    assert item.decision is not None and item.decision.reviewer == winner and item.version == 1
    verdict_ja = {"does_not_meet": "満たさない", "partially_meets": "一部満たす"}[item.decision.verdict.value]
    when = item.decision.decided_at.astimezone(JST).strftime("%Y-%m-%d %H:%M JST")
    message = lost["message"]
    assert f"{winner} さん" in message and f"「{verdict_ja}」" in message and when in message
    assert f"「{LABELS[criterion]}」" in message and criterion not in message
    audit = ReviewStore(data_dir / "reviews.sqlite").audit_log(submission.id)
    assert [e.actor for e in audit if e.action == "decision.set"] == [winner], "the loser wrote nothing"


def test_cli_decide_over_someone_elses_decision_needs_the_version(
    data_dir: Path, submission: SubmissionView
) -> None:
    criterion = B[5].id
    first = _cli(data_dir, "review", "decide", str(submission.id), criterion, "--verdict", "meets",
                 "--comment", "", "--reviewer", "佐藤")  # fmt: skip
    assert first.returncode == 0, first.stderr
    second = _cli(data_dir, "review", "decide", str(submission.id), criterion, "--verdict", "does_not_meet",
                  "--comment", "根拠不足", "--reviewer", "鈴木")  # fmt: skip
    assert second.returncode == 1 and second.stdout == ""
    assert "Traceback" not in second.stderr
    assert "佐藤 さん" in second.stderr and "「満たす」" in second.stderr and "JST" in second.stderr
    assert f"「{LABELS[criterion]}」" in second.stderr and "already decided by 佐藤" in second.stderr
    own = _cli(data_dir, "review", "decide", str(submission.id), criterion, "--verdict", "meets",
               "--comment", "再確認", "--reviewer", "佐藤")  # fmt: skip
    assert own.returncode == 0, "re-deciding one's own decision needs no version"
    named = _cli(data_dir, "review", "decide", str(submission.id), criterion, "--verdict", "does_not_meet",
                 "--comment", "根拠不足", "--reviewer", "鈴木", "--expected-version", "2")  # fmt: skip
    assert named.returncode == 0, named.stderr
    assert "版 3" in named.stdout


def test_reading_while_another_process_writes_needs_no_lock(
    data_dir: Path, submission: SubmissionView
) -> None:
    """With a one-second wait for the lock, a read that needed it would fail; it must answer."""
    with _write_lock_held(data_dir / "reviews.sqlite"):
        listed = _cli(data_dir, "review", "list", "--json")
        assert listed.returncode == 0, listed.stderr
        assert [s["id"] for s in json.loads(listed.stdout)] == [submission.id]
        shown = _cli(data_dir, "review", "show", str(submission.id), "--json")
        assert shown.returncode == 0, shown.stderr
        assert SubmissionView.model_validate_json(shown.stdout) == submission


def test_writing_while_another_process_writes_gives_up_with_a_message(
    data_dir: Path, submission: SubmissionView
) -> None:
    decide = ("review", "decide", str(submission.id), B[0].id, "--verdict", "meets", "--comment", "",
              "--reviewer", "佐藤")  # fmt: skip
    with _write_lock_held(data_dir / "reviews.sqlite"):
        refused = _cli(data_dir, *decide)
    assert refused.returncode == 1 and refused.stdout == ""
    assert "Traceback" not in refused.stderr
    assert "書き込み中" in refused.stderr and "locked by another writer" in refused.stderr
    assert ReviewStore(data_dir / "reviews.sqlite").get(submission.id).decided_count == 0
    again = _cli(data_dir, *decide)
    assert again.returncode == 0, again.stderr


def _garbage(db: Path) -> None:
    db.write_bytes(bytes(range(256)) * 64)


def _not_sqlite(db: Path) -> None:
    db.write_text("審査記録ではありません\n" * 200, encoding="utf-8")


def _truncated(db: Path) -> None:
    """A real store cut in half, as a copy interrupted mid-way leaves it."""
    store = ReviewStore(db)
    for n in range(20):
        store.save_assessment(
            Assessment(
                plan=f"p{n}.pdf",
                plan_type="B",
                backend="offline",
                items=[
                    ChecklistItem(criterion_id=c.id, verdict=Verdict.meets, rationale="r" * 300) for c in B
                ],
            ),
            content_hash=f"{n:064x}",
        )
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 2])
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


@pytest.mark.parametrize(
    "damage", [_garbage, _not_sqlite, _truncated], ids=["garbage", "not-sqlite", "truncated"]
)
def test_a_damaged_store_is_reported_not_a_traceback(data_dir: Path, tmp_path: Path, damage: object) -> None:
    data_dir.mkdir(parents=True)
    damage(data_dir / "reviews.sqlite")  # type: ignore[operator]
    commands = [("review", "list", "--json")]
    if damage is _garbage:
        commands += [
            ("review", "show", "1"),
            ("review", "decide", "1", B[0].id, "--verdict", "meets", "--comment", "", "--reviewer", "佐藤"),
            ("review", "export", "1", "--format", "csv", "--out", str(tmp_path / "x.csv")),
        ]
    for command in commands:
        result = _cli(data_dir, *command)
        assert result.returncode == 1, (command, result.stdout)
        assert "Traceback" not in result.stderr, (command, result.stderr)
        assert "壊れている" in result.stderr and "restore it from a backup" in result.stderr, command
    assert not (tmp_path / "x.csv").exists()


def test_batch_save_keeps_its_sheets_when_the_store_is_locked_or_broken(
    data_dir: Path, submission: SubmissionView, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    write_plan_pdf(inbox / "北浜県_計画.pdf", ["# 北浜県 計画\n蓄電池部材の地域産業クラスターを形成する。"])
    out = tmp_path / "out"
    sheets = [out / name for name in ("files.csv", "checklist.csv", "summary.xlsx")]
    batch = ("batch", str(inbox), "--out", str(out), "--workers", "1", "--backend", "offline", "--save")

    with _write_lock_held(data_dir / "reviews.sqlite"):
        locked = _cli(data_dir, *batch)
    assert locked.returncode == 1 and "Traceback" not in locked.stderr, locked.stderr
    assert all(p.is_file() for p in sheets)
    files = (out / "files.csv").read_text(encoding="utf-8-sig")
    assert "save: 審査記録に保存できませんでした" in files and "locked by another writer" in files
    assert [s.id for s in ReviewStore(data_dir / "reviews.sqlite").list_submissions()] == [submission.id]

    for sheet in sheets:
        sheet.unlink()
    _garbage(data_dir / "reviews.sqlite")
    for suffix in ("-wal", "-shm"):
        Path(f"{data_dir / 'reviews.sqlite'}{suffix}").unlink(missing_ok=True)
    broken = _cli(data_dir, *batch)
    assert broken.returncode == 1 and "Traceback" not in broken.stderr, broken.stderr
    assert "壊れている" in broken.stderr
    assert all(p.is_file() for p in sheets), "the sheets are written before the store is touched"
