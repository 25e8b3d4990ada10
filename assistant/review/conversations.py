"""The 質問 tab's conversations, kept per user in the review store's file.

A conversation is private to the user who asked it, reviewers included: questions about a plan can
say more about a reviewer's thinking than any decision does. Every read and write names its owner,
and another user's conversation reads exactly like one that does not exist. A turn keeps the whole
answer as it was shown (parts, sources, warnings), so a reopened conversation looks the same and a
follow-up question can inherit the topic of the turns before it. Deleting a conversation deletes
its turns: nothing of it is kept.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from assistant.domain.errors import NotFoundError
from assistant.domain.models import Answer, Turn

from .store import ReviewStore

#: Characters of the first question used as the conversation's title in the list.
TITLE_LENGTH = 40
MISSING = "指定された会話は見つかりません / no such conversation"


class ConversationSummary(BaseModel):
    id: int
    title: str = Field(description="The first question, shortened")
    created_at: datetime
    updated_at: datetime
    turn_count: int


class ConversationTurn(BaseModel):
    position: int = Field(ge=0)
    question: str
    plan: str | None = Field(default=None, description="The plan the question was scoped to (submission id)")
    answer: Answer
    asked_at: datetime


class Conversation(ConversationSummary):
    turns: list[ConversationTurn]

    def history(self) -> list[Turn]:
        """What :meth:`~assistant.api.ReviewAssistant.ask` needs of the turns so far."""
        return [Turn(question=t.answer.question or t.question, topic=t.answer.topic) for t in self.turns]


def answer_json(answer: Answer) -> str:
    """The answer with the typed parts and warnings that its JSON contract leaves out."""
    data = answer.model_dump(mode="json")
    data["parts"] = [p.model_dump(mode="json") for p in answer.parts]
    data["notices"] = [n.model_dump(mode="json") for n in answer.notices]
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _title(question: str) -> str:
    line = " ".join(question.split())
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1] + "…"


_SUMMARY_SQL = (
    "SELECT c.id, c.title, c.created_at, c.updated_at,"
    " (SELECT COUNT(*) FROM conversation_turns t WHERE t.conversation_id = c.id) AS turn_count"
    " FROM conversations c"
)


class ConversationStore:
    """Conversations in the review store's SQLite file, under its locking and error messages."""

    def __init__(self, store: ReviewStore) -> None:
        self.store = store

    def list(self, owner: str) -> list[ConversationSummary]:
        """The owner's conversations, most recently continued first."""
        with self.store.transaction(write=False) as conn:
            found = conn.execute(
                f"{_SUMMARY_SQL} WHERE c.owner = ? ORDER BY c.updated_at DESC, c.id DESC", (owner,)
            ).fetchall()
            return [ConversationSummary(**dict(row)) for row in found]

    def get(self, conversation_id: int, owner: str) -> Conversation:
        with self.store.transaction(write=False) as conn:
            summary = self._summary(conn, conversation_id, owner)
            turns = conn.execute(
                "SELECT position, question, plan, answer, asked_at FROM conversation_turns"
                " WHERE conversation_id = ? ORDER BY position",
                (conversation_id,),
            ).fetchall()
        return Conversation(
            **summary.model_dump(),
            turns=[
                ConversationTurn(
                    position=row["position"],
                    question=row["question"],
                    plan=row["plan"],
                    answer=Answer.model_validate_json(row["answer"]),
                    asked_at=row["asked_at"],
                )
                for row in turns
            ],
        )

    def add_turn(
        self, conversation_id: int | None, owner: str, question: str, plan: str | None, answer: Answer
    ) -> ConversationSummary:
        """Append a turn; ``None`` starts a new conversation titled by its first question."""
        now = datetime.now(UTC).isoformat()
        with self.store.transaction(write=True) as conn:
            if conversation_id is None:
                conversation_id = conn.execute(
                    "INSERT INTO conversations (owner, title, created_at, updated_at) VALUES (?, ?, ?, ?)",
                    (owner, _title(question), now, now),
                ).lastrowid
                assert conversation_id is not None
            else:
                self._summary(conn, conversation_id, owner)
                conn.execute("UPDATE conversations SET updated_at = ? WHERE id = ?", (now, conversation_id))
            position = conn.execute(
                "SELECT COUNT(*) FROM conversation_turns WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO conversation_turns (conversation_id, position, question, plan, answer, asked_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (conversation_id, position, question, plan, answer_json(answer), now),
            )
            return self._summary(conn, conversation_id, owner)

    def delete(self, conversation_id: int, owner: str) -> None:
        with self.store.transaction(write=True) as conn:
            self._summary(conn, conversation_id, owner)
            conn.execute("DELETE FROM conversation_turns WHERE conversation_id = ?", (conversation_id,))
            conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    @staticmethod
    def _summary(conn: sqlite3.Connection, conversation_id: int, owner: str) -> ConversationSummary:
        """Someone else's conversation is reported exactly like a missing one."""
        row = conn.execute(
            f"{_SUMMARY_SQL} WHERE c.id = ? AND c.owner = ?", (conversation_id, owner)
        ).fetchone()
        if row is None:
            raise NotFoundError(MISSING)
        return ConversationSummary(**dict(row))
