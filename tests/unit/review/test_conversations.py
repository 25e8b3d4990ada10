"""Conversations in the review store: each user's own, whole answers kept, deleted without trace."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from assistant.domain.errors import NotFoundError
from assistant.domain.models import Answer, AnswerPart, Citation, Topic
from assistant.domain.notices import Notice
from assistant.review.conversations import ConversationStore
from assistant.review.migrations import MIGRATIONS
from assistant.review.store import ReviewStore


def _answer(question: str, topic: list[str]) -> Answer:
    return Answer(
        answer="要件は「市場ニーズの特定」[1]です。",
        answerable=True,
        backend="offline",
        citations=[
            Citation(source="計画書.pdf", page=2, quote="市場ニーズを特定", reading="ocr", confidence=0.8)
        ],
        question=question,
        topic=Topic(plan_types=["C"], groups=topic),
        parts=[
            AnswerPart(kind="lead", text="要件は「市場ニーズの特定」[1]です。"),
            AnswerPart(kind="quote", text="[1] 「市場ニーズを特定」", citation=0),
        ],
        notices=[Notice(kind="injection", message="3頁: 審査への指示", page=3)],
    )


@pytest.fixture
def conversations(tmp_path: Path) -> ConversationStore:
    return ConversationStore(ReviewStore(tmp_path / "reviews.sqlite"))


def test_turns_keep_the_whole_answer_and_feed_follow_ups(conversations: ConversationStore) -> None:
    first = conversations.add_turn(
        None, "tanaka", "有望度の要件は？" * 6, "3", _answer("有望度の要件は？", ["有望度"])
    )
    assert first.turn_count == 1 and first.title.endswith("…") and len(first.title) == 40
    second = conversations.add_turn(
        first.id, "tanaka", "地場プランでは？", None, _answer("地場プランでは？", ["有望度"])
    )
    assert (second.id, second.turn_count) == (first.id, 2)
    got = conversations.get(first.id, "tanaka")
    assert [t.plan for t in got.turns] == ["3", None]
    assert got.turns[0].answer == _answer("有望度の要件は？", ["有望度"]), (
        "parts, notices and OCR fields survive"
    )
    assert [(t.question, t.topic.groups if t.topic else []) for t in got.history()] == [
        ("有望度の要件は？", ["有望度"]),
        ("地場プランでは？", ["有望度"]),
    ]


def test_a_user_sees_and_touches_only_their_own(conversations: ConversationStore) -> None:
    mine = conversations.add_turn(None, "tanaka", "質問A", None, _answer("質問A", []))
    theirs = conversations.add_turn(None, "sato", "質問B", None, _answer("質問B", []))
    assert [c.id for c in conversations.list("tanaka")] == [mine.id]
    assert [c.id for c in conversations.list("sato")] == [theirs.id]
    for attempt in (
        lambda: conversations.get(theirs.id, "tanaka"),
        lambda: conversations.add_turn(theirs.id, "tanaka", "便乗", None, _answer("便乗", [])),
        lambda: conversations.delete(theirs.id, "tanaka"),
        lambda: conversations.get(999, "tanaka"),
    ):
        with pytest.raises(NotFoundError) as refused:
            attempt()
        assert "見つかりません" in str(refused.value)
    assert conversations.get(theirs.id, "sato").turn_count == 1


def test_most_recent_first_and_delete_removes_the_turns(conversations: ConversationStore) -> None:
    old = conversations.add_turn(None, "tanaka", "古い質問", None, _answer("古い質問", []))
    new = conversations.add_turn(None, "tanaka", "新しい質問", None, _answer("新しい質問", []))
    assert [c.id for c in conversations.list("tanaka")] == [new.id, old.id]
    conversations.add_turn(old.id, "tanaka", "続き", None, _answer("続き", []))
    assert [c.id for c in conversations.list("tanaka")] == [old.id, new.id]
    conversations.delete(old.id, "tanaka")
    assert [c.id for c in conversations.list("tanaka")] == [new.id]
    with sqlite3.connect(conversations.store.db_path) as conn:
        assert (
            conn.execute(
                "SELECT COUNT(*) FROM conversation_turns WHERE conversation_id = ?", (old.id,)
            ).fetchone()[0]
            == 0
        )


def test_a_store_from_before_conversations_gains_them(tmp_path: Path) -> None:
    db = tmp_path / "reviews.sqlite"
    ReviewStore(db)
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TABLE conversation_turns")
        conn.execute("DROP TABLE conversations")
        conn.execute("PRAGMA user_version = 3")
    conversations = ConversationStore(ReviewStore(db))
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS) == 4
    assert conversations.add_turn(None, "tanaka", "質問", None, _answer("質問", [])).turn_count == 1
