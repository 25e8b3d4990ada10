"""Reading the review store's rows back as records (shared by every read and by the writes' replies)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from assistant.domain.errors import NotFoundError
from assistant.domain.models import ChecklistItem
from assistant.domain.notices import Notice

from .records import (
    AuditEntry,
    Decision,
    DraftRun,
    DraftRunInfo,
    ItemView,
    SubmissionSummary,
    SubmissionView,
)

SUMMARY_SQL = """
SELECT s.*,
    (SELECT COUNT(*) FROM draft_items i WHERE i.run_id = r.latest) AS item_count,
    (SELECT COUNT(*) FROM draft_items i JOIN decisions d
        ON d.submission_id = s.id AND d.criterion_id = i.criterion_id
        WHERE i.run_id = r.latest) AS decided_count
FROM submissions s
JOIN (SELECT submission_id, MAX(id) AS latest FROM draft_runs GROUP BY submission_id) r
    ON r.submission_id = s.id
"""


def _legacy_notice(warning: str) -> Notice:
    """Draft runs stored before warnings were typed (schema 1) carry text only; their injection
    warnings all contain this marker, which :func:`assistant.text.injection.notice_for` wrote."""
    return Notice(kind="injection" if "prompt injection" in warning else "other", message=warning)


def submission_row(conn: sqlite3.Connection, submission_id: int) -> dict[str, Any]:
    row = conn.execute("SELECT * FROM submissions WHERE id = ?", (submission_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"提出物 {submission_id} は見つかりません / submission {submission_id} not found")
    return dict(row)


def summary(conn: sqlite3.Connection, submission_id: int) -> SubmissionSummary:
    row = conn.execute(f"{SUMMARY_SQL} WHERE s.id = ?", (submission_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"提出物 {submission_id} は見つかりません / submission {submission_id} not found")
    return SubmissionSummary(**dict(row))


def run_fields(run: sqlite3.Row) -> dict[str, Any]:
    warnings = json.loads(run["warnings"])
    notices = [Notice.model_validate(n) for n in json.loads(run["notices"])]
    if len(notices) != len(warnings):
        notices = [_legacy_notice(w) for w in warnings]
    return {**dict(run), "warnings": warnings, "notices": notices}


def items(conn: sqlite3.Connection, submission_id: int, run_id: int) -> list[ItemView]:
    rows = conn.execute(
        "SELECT i.criterion_id, i.verdict AS draft_verdict, i.rationale, i.citations, i.findings, i.confidence,"
        " d.verdict, d.comment, d.reviewer, d.decided_at, d.version, d.draft_run_id"
        " FROM draft_items i LEFT JOIN decisions d"
        " ON d.submission_id = ? AND d.criterion_id = i.criterion_id"
        " WHERE i.run_id = ? ORDER BY i.position",
        (submission_id, run_id),
    ).fetchall()
    return [
        ItemView(
            submission_id=submission_id,
            criterion_id=row["criterion_id"],
            draft_verdict=row["draft_verdict"],
            rationale=row["rationale"],
            citations=json.loads(row["citations"]),
            findings=json.loads(row["findings"]),
            confidence=row["confidence"],
            decision=(
                Decision(
                    verdict=row["verdict"],
                    comment=row["comment"],
                    reviewer=row["reviewer"],
                    decided_at=row["decided_at"],
                    version=row["version"],
                    draft_run_id=row["draft_run_id"],
                )
                if row["version"] is not None
                else None
            ),
            version=row["version"] or 0,
        )
        for row in rows
    ]


def view(conn: sqlite3.Connection, submission_id: int) -> SubmissionView:
    row = conn.execute(f"{SUMMARY_SQL} WHERE s.id = ?", (submission_id,)).fetchone()
    if row is None:
        raise NotFoundError(f"提出物 {submission_id} は見つかりません / submission {submission_id} not found")
    run = conn.execute(
        "SELECT * FROM draft_runs WHERE submission_id = ? ORDER BY id DESC LIMIT 1", (submission_id,)
    ).fetchone()
    return SubmissionView(
        **dict(row),
        draft=DraftRunInfo(**run_fields(run)),
        items=items(conn, submission_id, run["id"]),
    )


def drafts(conn: sqlite3.Connection, submission_id: int) -> list[DraftRun]:
    submission_row(conn, submission_id)
    runs = conn.execute("SELECT * FROM draft_runs WHERE submission_id = ? ORDER BY id", (submission_id,))
    return [
        DraftRun(
            **run_fields(run),
            items=[
                ChecklistItem(
                    criterion_id=row["criterion_id"],
                    verdict=row["verdict"],
                    rationale=row["rationale"],
                    citations=json.loads(row["citations"]),
                    findings=json.loads(row["findings"]),
                    confidence=row["confidence"],
                )
                for row in conn.execute(
                    "SELECT * FROM draft_items WHERE run_id = ? ORDER BY position", (run["id"],)
                )
            ],
        )
        for run in runs.fetchall()
    ]


def audit_log(conn: sqlite3.Connection, submission_id: int | None) -> list[AuditEntry]:
    if submission_id is None:
        found = conn.execute("SELECT * FROM audit_log ORDER BY id").fetchall()
    else:
        found = conn.execute(
            "SELECT * FROM audit_log WHERE submission_id = ? ORDER BY id", (submission_id,)
        ).fetchall()
    return [
        AuditEntry(
            **{
                **dict(row),
                "before": json.loads(row["before"]) if row["before"] else None,
                "after": json.loads(row["after"]) if row["after"] else None,
            }
        )
        for row in found
    ]
