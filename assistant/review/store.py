"""Persistent record of drafted checklists and the human decisions that confirm them.

A drafted checklist has no standing until a reviewer confirms it, so this store is the system of
record: drafts are kept forever (a re-assessment adds a run, it never replaces one), decisions carry
a version so two reviewers cannot silently overwrite each other, and every change lands in an audit
log that the database itself refuses to alter. SQLite in WAL mode with each multi-statement write in
one ``BEGIN IMMEDIATE`` transaction keeps the file consistent even if the process is killed mid-write.

Only writes take the write lock: in WAL mode readers never wait for a writer, so ``review list`` answers
while a batch is saving. A writer waits at most ``busy_timeout`` seconds for another writer, then gets
:class:`StoreBusyError`; a file that is not a usable database gives :class:`StoreCorruptError`. Both
are typed errors with a message, never a traceback.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.domain.errors import (
    InvalidRequestError,
    NotFoundError,
    ReviewAssistantError,
    StoreBusyError,
    StoreCorruptError,
)
from assistant.domain.models import Assessment, Verdict

from . import rows
from .conflicts import conflict
from .migrations import MIGRATIONS
from .records import (
    AuditEntry,
    DraftRun,
    ItemView,
    SubmissionStatus,
    SubmissionSummary,
    SubmissionView,
)


class SchemaTooNewError(ReviewAssistantError):
    """Refuse to write to a store that a newer release has migrated: its rules may differ."""

    code = "schema_too_new"


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


#: 要確認 is the draft handing the item to a person: a decision must say what the person concluded.
NEEDS_REVIEW_IS_NOT_FINAL = (
    "「要確認」のまま確定することはできません。満たす・一部満たす・満たさない・記載なし・対象外から判定を"
    "選んでください / needs_review cannot be a final verdict; choose meets, partially_meets, "
    "does_not_meet, not_addressed or not_applicable"
)
_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
_CORRUPT = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}


class ReviewStore:
    """Library API shared by the CLI and the UI; every call opens its own short-lived connection.

    Short-lived connections keep the store safe to use from the UI's worker threads and from
    several processes at once; SQLite's locking, not this object, serialises writers.
    """

    def __init__(self, db_path: Path, *, busy_timeout: float = 10.0) -> None:
        self.db_path = Path(db_path)
        self.busy_timeout = busy_timeout
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        self._migrate()

    # Connections and transactions ----------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.db_path, timeout=self.busy_timeout, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = FULL")
        return conn

    @contextmanager
    def _sqlite_errors(self) -> Iterator[None]:
        """A busy or broken file is the operator's problem, not a bug: say so, in words, not a traceback."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            primary = (getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF
            name = self.db_path.name
            if primary in _BUSY:
                raise StoreBusyError(
                    f"審査データベース（{name}）は他の処理が書き込み中のため、{self.busy_timeout:g}秒待っても"
                    f"使用できませんでした。しばらくしてから再実行してください / the review store ({name}) "
                    f"is locked by another writer; gave up after {self.busy_timeout:g} s, try again shortly "
                    "(setting: store_busy_timeout)"
                ) from exc
            if primary in _CORRUPT:
                raise StoreCorruptError(
                    f"審査データベース（{name}）が壊れているか、SQLiteのファイルではありません。"
                    f"バックアップから復元してください / the review store ({name}) is damaged or not an "
                    f"SQLite database ({exc}); restore it from a backup"
                ) from exc
            raise

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[sqlite3.Connection]:
        """Writes take the lock up front so a read-check-write (the version check) cannot race."""
        with self._sqlite_errors(), closing(self._connect()) as conn:
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def transaction(self, *, write: bool) -> AbstractContextManager[sqlite3.Connection]:
        """For companion tables in the same file (conversations): the same locking and messages."""
        return self._transaction(write=write)

    def _migrate(self) -> None:
        """Every command opens the store, so opening must not queue behind a writer: the schema version
        is read without a lock, and the write lock is taken only when a step is actually missing."""
        with self._sqlite_errors(), closing(self._connect()) as conn:
            current = self._schema_version(conn)
            if current == len(MIGRATIONS):
                return
            conn.execute("PRAGMA journal_mode = WAL")
        with self._transaction(write=True) as conn:
            # Read again under the lock: another process may have migrated while this one waited.
            current = self._schema_version(conn)
            for step in MIGRATIONS[current:]:
                for statement in step:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")

    def _schema_version(self, conn: sqlite3.Connection) -> int:
        current = conn.execute("PRAGMA user_version").fetchone()[0]
        if current > len(MIGRATIONS):
            raise SchemaTooNewError(
                f"{self.db_path}: 審査データベースがこのバージョンより新しい形式です（{current}）。"
                f"最新版に更新してください / review store schema {current} is newer than this "
                f"release supports ({len(MIGRATIONS)}); upgrade review-assistant"
            )
        return current

    # Writes --------------------------------------------------------------------------------
    def save_assessment(
        self,
        assessment: Assessment,
        *,
        content_hash: str,
        prefecture: str | None = None,
        model: str | None = None,
        pdf_path: str | None = None,
        actor: str = "system",
        guard: Callable[[SubmissionSummary], None] | None = None,
    ) -> SubmissionView:
        """Record a draft run; the same PDF (by hash) reuses its submission and keeps its decisions.

        ``guard`` sees the submission these bytes already belong to, inside the write transaction, and
        refuses by raising: an access rule about the existing submission checked there cannot be raced
        by a decision that lands between the check and the write.
        """
        ids = [item.criterion_id for item in assessment.items]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate criterion ids in assessment of {assessment.plan}")
        now = _now()
        with self._transaction(write=True) as conn:
            row = conn.execute("SELECT * FROM submissions WHERE content_hash = ?", (content_hash,)).fetchone()
            if row is None:
                submission_id = conn.execute(
                    "INSERT INTO submissions (content_hash, file_name, prefecture, plan_type, created_at,"
                    " pdf_path) VALUES (?, ?, ?, ?, ?, ?)",
                    (content_hash, assessment.plan, prefecture, assessment.plan_type, now, pdf_path),
                ).lastrowid
                after = rows.submission_row(conn, submission_id)
                self._audit(conn, submission_id, None, actor, "submission.create", None, after, now)
            else:
                submission_id = row["id"]
                if guard is not None:
                    guard(rows.summary(conn, submission_id))
                before = dict(row)
                conn.execute(
                    "UPDATE submissions SET file_name = ?, plan_type = ?,"
                    " prefecture = COALESCE(?, prefecture), pdf_path = COALESCE(?, pdf_path) WHERE id = ?",
                    (assessment.plan, assessment.plan_type, prefecture, pdf_path, submission_id),
                )
                after = rows.submission_row(conn, submission_id)
                if after != before:
                    self._audit(conn, submission_id, None, actor, "submission.update", before, after, now)
            run_id = conn.execute(
                "INSERT INTO draft_runs (submission_id, plan_type, backend, model, drafted_at, warnings,"
                " notices) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    submission_id,
                    assessment.plan_type,
                    assessment.backend,
                    model,
                    now,
                    _json(assessment.warnings),
                    _json([n.model_dump() for n in assessment.notices]),
                ),
            ).lastrowid
            conn.executemany(
                "INSERT INTO draft_items (run_id, position, criterion_id, verdict, rationale, citations,"
                " findings, confidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        run_id,
                        position,
                        item.criterion_id,
                        item.verdict.value,
                        item.rationale,
                        _json([c.model_dump() for c in item.citations]),
                        _json([f.model_dump() for f in item.findings]),
                        item.confidence,
                    )
                    for position, item in enumerate(assessment.items)
                ],
            )
            self._audit(
                conn,
                submission_id,
                None,
                actor,
                "draft.add",
                None,
                {"draft_run_id": run_id, "backend": assessment.backend, "model": model, "items": len(ids)},
                now,
            )
            self._refresh_status(conn, submission_id, actor, now)
            return rows.view(conn, submission_id)

    def decide(
        self,
        submission_id: int,
        criterion_id: str,
        *,
        verdict: Verdict,
        comment: str,
        reviewer: str,
        expected_version: int | None = None,
        label: str | None = None,
    ) -> ItemView:
        """Confirm or override one item; a decision the writer has not seen is refused, not replaced.

        Writing over another reviewer's decision needs ``expected_version`` naming the version being
        replaced (the CLI's default is none, and two reviewers used to overwrite each other silently);
        re-deciding one's own decision does not. A stale ``expected_version`` is always refused, and so
        is a final verdict of 要確認 (``needs_review``): confirming a draft that defers to a person must
        record what the person decided.
        ``label`` names the criterion in messages as reviewers know it (the rubric's label).
        """
        if not reviewer.strip():
            raise ValueError("審査者名が空です / reviewer name is empty")
        verdict = Verdict(verdict)
        if verdict == Verdict.needs_review:
            raise InvalidRequestError(NEEDS_REVIEW_IS_NOT_FINAL)
        now = _now()
        with self._transaction(write=True) as conn:
            run_id = self._latest_run_id(conn, submission_id)
            drafted = conn.execute(
                "SELECT 1 FROM draft_items WHERE run_id = ? AND criterion_id = ?", (run_id, criterion_id)
            ).fetchone()
            if drafted is None:
                raise NotFoundError(
                    f"項目 {criterion_id} は提出物 {submission_id} の最新の下書きにありません / "
                    f"criterion {criterion_id} is not in the latest draft of submission {submission_id}"
                )
            current = conn.execute(
                "SELECT * FROM decisions WHERE submission_id = ? AND criterion_id = ?",
                (submission_id, criterion_id),
            ).fetchone()
            current_version = current["version"] if current else 0
            stale = expected_version is not None and expected_version != current_version
            unseen = (
                expected_version is None
                and current is not None
                and current["reviewer"].strip() != reviewer.strip()
            )
            if stale or unseen:
                raise conflict(criterion_id, label or criterion_id, current, expected_version)
            before = dict(current) if current else None
            if current is None:
                conn.execute(
                    "INSERT INTO decisions (submission_id, criterion_id, verdict, comment, reviewer,"
                    " decided_at, version, draft_run_id) VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
                    (submission_id, criterion_id, verdict.value, comment, reviewer, now, run_id),
                )
            else:
                conn.execute(
                    "UPDATE decisions SET verdict = ?, comment = ?, reviewer = ?, decided_at = ?,"
                    " version = version + 1, draft_run_id = ? WHERE submission_id = ? AND criterion_id = ?",
                    (verdict.value, comment, reviewer, now, run_id, submission_id, criterion_id),
                )
            after = dict(
                conn.execute(
                    "SELECT * FROM decisions WHERE submission_id = ? AND criterion_id = ?",
                    (submission_id, criterion_id),
                ).fetchone()
            )
            self._audit(conn, submission_id, criterion_id, reviewer, "decision.set", before, after, now)
            self._refresh_status(conn, submission_id, reviewer, now)
            return next(i for i in rows.items(conn, submission_id, run_id) if i.criterion_id == criterion_id)

    # Reads ---------------------------------------------------------------------------------
    def get(self, submission_id: int) -> SubmissionView:
        with self._transaction(write=False) as conn:
            return rows.view(conn, submission_id)

    def list_submissions(
        self, *, status: SubmissionStatus | None = None, prefecture: str | None = None
    ) -> list[SubmissionSummary]:
        where, params = [], []
        if status is not None:
            where.append("s.status = ?")
            params.append(status)
        if prefecture is not None:
            where.append("s.prefecture = ?")
            params.append(prefecture)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        with self._transaction(write=False) as conn:
            found = conn.execute(f"{rows.SUMMARY_SQL} {clause} ORDER BY s.id", params).fetchall()
            return [SubmissionSummary(**dict(row)) for row in found]

    def drafts(self, submission_id: int) -> list[DraftRun]:
        with self._transaction(write=False) as conn:
            return rows.drafts(conn, submission_id)

    def audit_log(self, submission_id: int | None = None) -> list[AuditEntry]:
        with self._transaction(write=False) as conn:
            return rows.audit_log(conn, submission_id)

    # Helpers -------------------------------------------------------------------------------
    def _latest_run_id(self, conn: sqlite3.Connection, submission_id: int) -> int:
        rows.submission_row(conn, submission_id)
        return conn.execute(
            "SELECT MAX(id) FROM draft_runs WHERE submission_id = ?", (submission_id,)
        ).fetchone()[0]

    def _refresh_status(self, conn: sqlite3.Connection, submission_id: int, actor: str, now: str) -> None:
        """Final means every item of the *latest* draft is decided; a re-draft can reopen a submission."""
        row = conn.execute(f"{rows.SUMMARY_SQL} WHERE s.id = ?", (submission_id,)).fetchone()
        total, decided = row["item_count"], row["decided_count"]
        status = "final" if total and decided == total else "in_review" if decided else "draft"
        if status != row["status"]:
            conn.execute("UPDATE submissions SET status = ? WHERE id = ?", (status, submission_id))
            self._audit(
                conn,
                submission_id,
                None,
                actor,
                "status.change",
                {"status": row["status"]},
                {"status": status},
                now,
            )

    @staticmethod
    def _audit(
        conn: sqlite3.Connection,
        submission_id: int | None,
        criterion_id: str | None,
        actor: str,
        action: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        now: str,
    ) -> None:
        conn.execute(
            "INSERT INTO audit_log (submission_id, criterion_id, actor, action, at, before, after)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                submission_id,
                criterion_id,
                actor,
                action,
                now,
                None if before is None else _json(before),
                None if after is None else _json(after),
            ),
        )
