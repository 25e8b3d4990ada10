"""A judgement item's findings and confidence survive the store: the reviewer sees what was found."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from assistant.domain.models import Assessment, ChecklistItem, Finding, PlanCitation, Verdict
from assistant.review.migrations import MIGRATIONS
from assistant.review.store import ReviewStore

HASH = "b" * 64


def _assessment() -> Assessment:
    return Assessment(
        plan="東雲県_計画.pdf",
        plan_type="C",
        backend="offline",
        items=[
            ChecklistItem(
                criterion_id="C.dependency.no_overreliance",
                verdict=Verdict.partially_meets,
                rationale="販売の8割が1社向け（3頁）。上限の目標あり（4頁）。",
                citations=[PlanCitation(page=3, quote="販売の8割を株式会社東雲商事に卸す")],
                findings=[
                    Finding(
                        kind="risk",
                        text="1社への集中 80％",
                        page=3,
                        quote="販売の8割を株式会社東雲商事に卸す",
                    ),
                    Finding(kind="mitigation", text="令和10年度までに5割以下", page=4, quote="5割以下とする"),
                    Finding(kind="gap", text="代替の販路が示されていない"),
                ],
                confidence="medium",
            ),
            ChecklistItem(
                criterion_id="C.contents.sales_target", verdict=Verdict.meets, rationale="記載あり"
            ),
        ],
    )


def test_findings_and_confidence_round_trip(tmp_path: Path) -> None:
    store = ReviewStore(tmp_path / "reviews.sqlite")
    assessment = _assessment()
    saved = store.save_assessment(assessment, content_hash=HASH)
    assert store.drafts(saved.id)[0].items == assessment.items
    item = store.get(saved.id).items[0]
    assert [f.kind for f in item.findings] == ["risk", "mitigation", "gap"]
    assert item.confidence == "medium"
    assert store.get(saved.id).items[1].confidence is None


def test_a_store_written_before_findings_reads_them_as_empty(tmp_path: Path) -> None:
    db = tmp_path / "reviews.sqlite"
    old = ReviewStore(db)
    saved = old.save_assessment(
        _assessment().model_copy(update={"items": _assessment().items[1:]}), content_hash=HASH
    )
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 2")
        conn.execute("DROP TABLE conversation_turns")  # added by step 4, after findings
        conn.execute("DROP TABLE conversations")
        conn.execute("ALTER TABLE draft_items DROP COLUMN findings")
        conn.execute("ALTER TABLE draft_items DROP COLUMN confidence")
    migrated = ReviewStore(db)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    item = migrated.get(saved.id).items[0]
    assert item.findings == [] and item.confidence is None
