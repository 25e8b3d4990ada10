"""The review store against a real SQLite file: rules, versioning, audit and crash safety."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

from assistant.domain.errors import (
    AccessDeniedError,
    ConflictError,
    DecisionConflictError,
    InvalidRequestError,
    NotFoundError,
    StoreBusyError,
    StoreCorruptError,
)
from assistant.domain.models import Assessment, ChecklistItem, PlanCitation, Verdict
from assistant.domain.rubric import load_rubric
from assistant.review.conflicts import JST
from assistant.review.migrations import MIGRATIONS
from assistant.review.records import SubmissionSummary
from assistant.review.store import ReviewStore, SchemaTooNewError
from assistant.settings import Settings

B_IDS = [c.id for c in load_rubric(Settings().rubric_file).for_type("B")]
HASH = "a" * 64


def b_assessment(ids: list[str] = B_IDS, *, verdict: Verdict = Verdict.meets, tag: str = "") -> Assessment:
    return Assessment(
        plan="山形県_計画.pdf",
        plan_type="B",
        backend="offline",
        warnings=[f"3頁はOCRで読み取りました{tag}"],
        items=[
            ChecklistItem(
                criterion_id=cid,
                verdict=verdict,
                rationale=f"{cid} の根拠{tag}",
                citations=[PlanCitation(page=n + 1, quote=f"引用 {n}{tag}")],
            )
            for n, cid in enumerate(ids)
        ],
    )


@pytest.fixture
def store(tmp_path: Path) -> ReviewStore:
    return ReviewStore(tmp_path / "data" / "reviews.sqlite")


def test_new_store_is_wal_and_migrated_once(store: ReviewStore) -> None:
    with sqlite3.connect(store.db_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    store.save_assessment(b_assessment(), content_hash=HASH)
    reopened = ReviewStore(store.db_path)
    assert [s.id for s in reopened.list_submissions()] == [1]


def test_store_written_by_a_newer_release_is_refused(store: ReviewStore) -> None:
    with sqlite3.connect(store.db_path) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(SchemaTooNewError, match="newer"):
        ReviewStore(store.db_path)


def test_save_assessment_records_draft_and_audit(store: ReviewStore) -> None:
    view = store.save_assessment(
        b_assessment(),
        content_hash=HASH,
        prefecture="山形県",
        model="m1",
        pdf_path="/plans/p.pdf",
        actor="田中",
    )
    assert (view.id, view.status, view.prefecture, view.pdf_path) == (1, "draft", "山形県", "/plans/p.pdf")
    assert [i.criterion_id for i in view.items] == B_IDS
    assert view.items[3].citations == [PlanCitation(page=4, quote="引用 3")]
    assert all(i.decision is None and i.version == 0 for i in view.items)
    assert (view.draft.backend, view.draft.model, view.draft.warnings) == (
        "offline",
        "m1",
        ["3頁はOCRで読み取りました"],
    )
    assert (view.item_count, view.decided_count) == (15, 0)
    assert [(e.action, e.actor) for e in store.audit_log(view.id)] == [
        ("submission.create", "田中"),
        ("draft.add", "田中"),
    ]


def test_reassessing_same_pdf_keeps_old_drafts_and_decisions(store: ReviewStore) -> None:
    first = store.save_assessment(b_assessment(), content_hash=HASH, prefecture="山形県")
    store.decide(first.id, B_IDS[0], verdict=Verdict.does_not_meet, comment="根拠不足", reviewer="佐藤")
    second = store.save_assessment(
        b_assessment(verdict=Verdict.needs_review, tag="（再）"), content_hash=HASH
    )

    assert second.id == first.id
    assert second.prefecture == "山形県"
    assert [s.id for s in store.list_submissions()] == [first.id]
    runs = store.drafts(first.id)
    assert [r.id for r in runs] == [first.draft.id, second.draft.id]
    assert runs[0].items[0].rationale == f"{B_IDS[0]} の根拠"
    assert runs[1].items[0].rationale == f"{B_IDS[0]} の根拠（再）"
    assert second.items[0].draft_verdict == Verdict.needs_review
    kept = second.items[0].decision
    assert kept is not None
    assert (kept.verdict, kept.reviewer, kept.draft_run_id) == (Verdict.does_not_meet, "佐藤", first.draft.id)
    assert second.status == "in_review"


def test_status_follows_decisions_on_latest_draft(store: ReviewStore) -> None:
    view = store.save_assessment(b_assessment(B_IDS[:-1]), content_hash=HASH)
    for n, cid in enumerate(B_IDS[:-1]):
        store.decide(view.id, cid, verdict=Verdict.meets, comment="", reviewer="佐藤")
        assert store.get(view.id).status == ("final" if n == len(B_IDS) - 2 else "in_review")
    reopened = store.save_assessment(b_assessment(), content_hash=HASH)
    assert (reopened.status, reopened.decided_count, reopened.item_count) == ("in_review", 14, 15)
    store.decide(view.id, B_IDS[-1], verdict=Verdict.not_applicable, comment="誘致なし", reviewer="鈴木")
    assert store.get(view.id).status == "final"
    status_changes = [(e.before, e.after) for e in store.audit_log(view.id) if e.action == "status.change"]
    assert [(b["status"], a["status"]) for b, a in status_changes] == [
        ("draft", "in_review"),
        ("in_review", "final"),
        ("final", "in_review"),
        ("in_review", "final"),
    ]


def test_list_filters_by_status_and_prefecture(store: ReviewStore) -> None:
    a = store.save_assessment(b_assessment(), content_hash="1" * 64, prefecture="山形県")
    b = store.save_assessment(b_assessment(), content_hash="2" * 64, prefecture="秋田県")
    store.decide(b.id, B_IDS[0], verdict=Verdict.meets, comment="", reviewer="佐藤")
    assert [s.id for s in store.list_submissions(status="draft")] == [a.id]
    assert [s.id for s in store.list_submissions(status="in_review")] == [b.id]
    assert [s.id for s in store.list_submissions(prefecture="山形県")] == [a.id]
    assert store.list_submissions(status="final") == []


def test_decide_bumps_version_and_audits_before_after(store: ReviewStore) -> None:
    view = store.save_assessment(b_assessment(), content_hash=HASH)
    cid = B_IDS[2]
    first = store.decide(view.id, cid, verdict=Verdict.partially_meets, comment="一部", reviewer="佐藤")
    second = store.decide(
        view.id, cid, verdict=Verdict.meets, comment="確認済", reviewer="鈴木", expected_version=first.version
    )
    assert (first.version, second.version) == (1, 2)
    assert second.decision is not None
    assert (second.decision.verdict, second.decision.reviewer) == (Verdict.meets, "鈴木")
    entries = [e for e in store.audit_log(view.id) if e.action == "decision.set"]
    assert [(e.actor, e.criterion_id) for e in entries] == [("佐藤", cid), ("鈴木", cid)]
    assert entries[0].before is None
    assert entries[1].before is not None and entries[1].after is not None
    assert (entries[1].before["verdict"], entries[1].after["verdict"]) == ("partially_meets", "meets")


def test_stale_version_is_refused_and_names_who_changed_it(store: ReviewStore) -> None:
    view = store.save_assessment(b_assessment(), content_hash=HASH)
    cid = B_IDS[0]
    read_version = store.get(view.id).items[0].version
    store.decide(
        view.id, cid, verdict=Verdict.meets, comment="", reviewer="佐藤", expected_version=read_version
    )
    with pytest.raises(ConflictError) as caught:
        store.decide(
            view.id,
            cid,
            verdict=Verdict.does_not_meet,
            comment="",
            reviewer="鈴木",
            expected_version=read_version,
        )
    message = str(caught.value)
    assert "佐藤" in message and "変更" in message and "changed by" in message
    decided_at = store.get(view.id).items[0].decision.decided_at.astimezone(JST)  # type: ignore[union-attr]
    assert decided_at.strftime("%Y-%m-%d %H:%M JST") in message, "Japan time, whatever the server's zone"
    item = store.get(view.id).items[0]
    assert (item.version, item.decision.verdict) == (1, Verdict.meets)  # type: ignore[union-attr]


def test_concurrent_reviewers_cannot_both_win(store: ReviewStore) -> None:
    view = store.save_assessment(b_assessment(), content_hash=HASH)
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def reviewer(name: str) -> None:
        own = ReviewStore(store.db_path)
        barrier.wait()
        try:
            own.decide(
                view.id, B_IDS[0], verdict=Verdict.meets, comment=name, reviewer=name, expected_version=0
            )
            outcomes.append("ok")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=reviewer, args=(f"審査者{n}",)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 5 + ["ok"]
    assert store.get(view.id).items[0].version == 1
    assert len([e for e in store.audit_log(view.id) if e.action == "decision.set"]) == 1


def test_unknown_submission_criterion_and_blank_reviewer(store: ReviewStore) -> None:
    view = store.save_assessment(b_assessment(), content_hash=HASH)
    with pytest.raises(NotFoundError, match="99"):
        store.get(99)
    with pytest.raises(NotFoundError, match="99"):
        store.decide(99, B_IDS[0], verdict=Verdict.meets, comment="", reviewer="佐藤")
    with pytest.raises(NotFoundError, match="C.ebpm.kpi"):
        store.decide(view.id, "C.ebpm.kpi", verdict=Verdict.meets, comment="", reviewer="佐藤")
    with pytest.raises(ValueError, match="reviewer"):
        store.decide(view.id, B_IDS[0], verdict=Verdict.meets, comment="", reviewer="  ")
    assert store.get(view.id).decided_count == 0


def test_duplicate_criteria_write_nothing(store: ReviewStore) -> None:
    with pytest.raises(ValueError, match="duplicate"):
        store.save_assessment(b_assessment([B_IDS[0], B_IDS[0]]), content_hash=HASH)
    assert store.list_submissions() == []


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = 'x'",
        "DELETE FROM audit_log",
        "UPDATE draft_items SET verdict = 'meets'",
        "DELETE FROM draft_items",
        "DELETE FROM draft_runs",
    ],
)
def test_audit_log_and_drafts_are_append_only(store: ReviewStore, statement: str) -> None:
    view = store.save_assessment(b_assessment(), content_hash=HASH)
    store.decide(view.id, B_IDS[0], verdict=Verdict.meets, comment="", reviewer="佐藤")
    with sqlite3.connect(store.db_path) as conn, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute(statement)
    assert len(store.audit_log(view.id)) == 4
    assert len(store.drafts(view.id)[0].items) == 15


_WRITER = """
import sys
from pathlib import Path
from assistant.domain.models import Assessment, ChecklistItem, PlanCitation, Verdict
from assistant.review.store import ReviewStore

ids = sys.argv[2].split(",")
store = ReviewStore(Path(sys.argv[1]))
for n in range(100000):
    assessment = Assessment(plan=f"p{n}.pdf", plan_type="B", backend="offline", items=[
        ChecklistItem(criterion_id=c, verdict=Verdict.meets, rationale="r" * 200,
                      citations=[PlanCitation(page=1, quote="q" * 200)]) for c in ids])
    view = store.save_assessment(assessment, content_hash=f"{n % 7:064x}")
    item = view.items[n % len(ids)]
    store.decide(view.id, item.criterion_id, verdict=Verdict.does_not_meet, comment="c", reviewer="w",
                 expected_version=item.version)
    print(n, flush=True)
"""


def test_sigkill_during_writes_leaves_store_consistent(tmp_path: Path) -> None:
    db = tmp_path / "reviews.sqlite"
    # Kill at points spread over one write cycle (timed on this machine), so every step of
    # save_assessment and decide gets interrupted in some run.
    for fraction in (0.05, 0.17, 0.29, 0.41, 0.53, 0.65, 0.77, 0.89):
        child = subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(db), ",".join(B_IDS)], stdout=subprocess.PIPE, text=True
        )
        assert child.stdout is not None
        for _ in range(2):
            assert child.stdout.readline(), "writer died before it got going"
        started = time.perf_counter()
        assert child.stdout.readline(), "writer died before it got going"
        time.sleep(fraction * (time.perf_counter() - started))
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        assert child.returncode == -signal.SIGKILL

    store = ReviewStore(db)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        run_sizes = conn.execute(
            "SELECT r.id, COUNT(i.criterion_id) FROM draft_runs r"
            " LEFT JOIN draft_items i ON i.run_id = r.id GROUP BY r.id"
        ).fetchall()
        assert run_sizes and {size for _, size in run_sizes} == {len(B_IDS)}
        decisions = conn.execute("SELECT submission_id, criterion_id, version FROM decisions").fetchall()
        audited = dict(
            ((s, c), n)
            for s, c, n in conn.execute(
                "SELECT submission_id, criterion_id, COUNT(*) FROM audit_log"
                " WHERE action = 'decision.set' GROUP BY submission_id, criterion_id"
            )
        )
        assert decisions and {(s, c): v for s, c, v in decisions} == audited
        drafts_audited = conn.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'draft.add'").fetchone()[
            0
        ]
        assert drafts_audited == len(run_sizes)
    for summary in store.list_submissions():
        expected = (
            "final"
            if summary.decided_count == summary.item_count
            else "in_review"
            if summary.decided_count
            else "draft"
        )
        assert summary.status == expected
    assert len(store.list_submissions()) <= 7
    after = store.save_assessment(b_assessment(), content_hash="f" * 64)
    assert after.item_count == len(B_IDS)


def test_hash_identity_is_exact(store: ReviewStore) -> None:
    ids = [store.save_assessment(b_assessment(), content_hash=h).id for h in ("a" * 64, "b" * 64, "a" * 64)]
    assert ids == [1, 2, 1]
    assert [len(store.drafts(i)) for i in (1, 2)] == [2, 1]


def test_someone_elses_decision_is_not_replaced_without_naming_its_version(store: ReviewStore) -> None:
    """The CLI's default is no version: before this rule the second reviewer silently won."""
    view = store.save_assessment(b_assessment(), content_hash=HASH)
    cid = B_IDS[1]
    first = store.decide(view.id, cid, verdict=Verdict.does_not_meet, comment="根拠なし", reviewer="佐藤")
    with pytest.raises(DecisionConflictError) as caught:
        store.decide(view.id, cid, verdict=Verdict.meets, comment="", reviewer="鈴木", label="市場の有望性")
    conflict = caught.value
    assert first.decision is not None
    assert (conflict.reviewer, conflict.verdict, conflict.decided_at) == (
        "佐藤",
        Verdict.does_not_meet,
        first.decision.decided_at,
    )
    assert (conflict.current_version, conflict.expected_version, conflict.criterion_id) == (1, None, cid)
    message = str(conflict)
    when = first.decision.decided_at.astimezone(JST).strftime("%Y-%m-%d %H:%M JST")
    assert "「市場の有望性」" in message and "佐藤" in message and "「満たさない」" in message
    assert when in message and "already decided by 佐藤" in message
    assert cid not in message, "the criterion is named by its label, not its internal id"
    kept = store.get(view.id).items[1]
    assert (kept.version, kept.decision.reviewer) == (1, "佐藤")  # type: ignore[union-attr]

    replaced = store.decide(
        view.id, cid, verdict=Verdict.meets, comment="", reviewer="鈴木", expected_version=1
    )
    assert (replaced.version, replaced.decision.reviewer) == (2, "鈴木")  # type: ignore[union-attr]


def test_own_decision_is_redecided_without_a_version(store: ReviewStore) -> None:
    view = store.save_assessment(b_assessment(), content_hash=HASH)
    cid = B_IDS[2]
    store.decide(view.id, cid, verdict=Verdict.meets, comment="", reviewer="佐藤")
    again = store.decide(view.id, cid, verdict=Verdict.partially_meets, comment="一部のみ", reviewer="佐藤")
    assert (again.version, again.final_verdict) == (2, Verdict.partially_meets)


def test_a_version_for_an_undecided_item_is_refused(store: ReviewStore) -> None:
    view = store.save_assessment(b_assessment(), content_hash=HASH)
    with pytest.raises(DecisionConflictError) as caught:
        store.decide(
            view.id, B_IDS[0], verdict=Verdict.meets, comment="", reviewer="佐藤", expected_version=3
        )
    assert (caught.value.reviewer, caught.value.current_version, caught.value.expected_version) == (
        None,
        0,
        3,
    )
    assert "まだ判定がありません" in str(caught.value)


def _hold_write_lock(db: Path) -> sqlite3.Connection:
    """Another writer, as SQLite sees it: a connection inside ``BEGIN IMMEDIATE``."""
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_reads_need_no_write_lock_and_writes_give_up_clearly(store: ReviewStore) -> None:
    view = store.save_assessment(b_assessment(), content_hash=HASH)
    holder = _hold_write_lock(store.db_path)
    try:
        reader = ReviewStore(store.db_path, busy_timeout=0.1)
        assert [s.id for s in reader.list_submissions()] == [view.id]
        assert reader.get(view.id).item_count == len(B_IDS)
        assert len(reader.drafts(view.id)) == 1 and reader.audit_log(view.id)
        with pytest.raises(StoreBusyError) as caught:
            reader.decide(view.id, B_IDS[0], verdict=Verdict.meets, comment="", reviewer="佐藤")
        assert "書き込み中" in str(caught.value) and "locked by another writer" in str(caught.value)
        with pytest.raises(StoreBusyError):
            reader.save_assessment(b_assessment(), content_hash="b" * 64)
    finally:
        holder.rollback()
        holder.close()
    assert reader.decide(view.id, B_IDS[0], verdict=Verdict.meets, comment="", reviewer="佐藤").version == 1
    assert [s.id for s in reader.list_submissions()] == [view.id]


def test_an_older_store_is_migrated_once_the_writer_lets_go(tmp_path: Path) -> None:
    db = tmp_path / "reviews.sqlite"
    with closing(sqlite3.connect(db, isolation_level=None)) as conn:
        conn.execute("PRAGMA journal_mode = WAL")
        for statement in MIGRATIONS[0]:
            conn.execute(statement)
        conn.execute("PRAGMA user_version = 1")
    holder = _hold_write_lock(db)
    try:
        with pytest.raises(StoreBusyError):
            ReviewStore(db, busy_timeout=0.1)
    finally:
        holder.rollback()
        holder.close()
    migrated = ReviewStore(db, busy_timeout=0.1)
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert migrated.save_assessment(b_assessment(), content_hash=HASH).item_count == len(B_IDS)


def _truncated(db: Path) -> None:
    store = ReviewStore(db)
    for n in range(20):
        store.save_assessment(b_assessment(tag=str(n) * 50), content_hash=f"{n:064x}")
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 2])


@pytest.mark.parametrize(
    "damage",
    [
        lambda db: db.write_bytes(bytes(range(256)) * 40),
        lambda db: db.write_text("山形県の計画書ではありません\n" * 100, encoding="utf-8"),
        lambda db: db.write_bytes(b"%PDF-1.7\n" + b"\x00" * 4000),
        lambda db: db.write_bytes(b"SQLite format 3\x00" + b"\x10\x00\x02\x02"),
        _truncated,
    ],
    ids=["garbage", "text", "pdf", "cut-header", "truncated"],
)
def test_a_damaged_file_is_a_typed_error(tmp_path: Path, damage: object) -> None:
    db = tmp_path / "reviews.sqlite"
    damage(db)  # type: ignore[operator]
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    with pytest.raises(StoreCorruptError) as caught:
        ReviewStore(db).list_submissions()
    message = str(caught.value)
    assert "壊れている" in message and "restore it from a backup" in message and "reviews.sqlite" in message


def test_guard_refuses_inside_the_write_and_leaves_nothing(store: ReviewStore) -> None:
    view = store.save_assessment(b_assessment(), content_hash=HASH, prefecture="山形県")
    seen: list[SubmissionSummary] = []

    def refuse(existing: SubmissionSummary) -> None:
        seen.append(existing)
        raise AccessDeniedError("no")

    with pytest.raises(AccessDeniedError):
        store.save_assessment(b_assessment(tag="再"), content_hash=HASH, prefecture="秋田県", guard=refuse)
    assert [(s.id, s.prefecture, s.status) for s in seen] == [(view.id, "山形県", "draft")]
    assert len(store.drafts(view.id)) == 1 and store.get(view.id).prefecture == "山形県"
    assert [e.action for e in store.audit_log(view.id)] == ["submission.create", "draft.add"]
    store.save_assessment(b_assessment(), content_hash="b" * 64, guard=refuse)
    assert len(seen) == 1, "a new submission has nothing to guard"


def test_needs_review_is_never_a_final_verdict(store: ReviewStore) -> None:
    """要確認 hands the item to a person: confirming it as drafted would record no judgement at all."""
    view = store.save_assessment(b_assessment(verdict=Verdict.needs_review), content_hash=HASH)
    for comment in ("", "確認しました"):
        with pytest.raises(InvalidRequestError, match="「要確認」のまま確定することはできません"):
            store.decide(view.id, B_IDS[0], verdict=Verdict.needs_review, comment=comment, reviewer="佐藤")
    assert store.get(view.id).decided_count == 0
    assert not [e for e in store.audit_log(view.id) if e.action == "decision.set"]
    chosen = store.decide(
        view.id, B_IDS[0], verdict=Verdict.partially_meets, comment="一部のみ", reviewer="佐藤"
    )
    assert chosen.final_verdict == Verdict.partially_meets
