"""Conversations of the 質問 tab through the one door: each user reaches only their own.

The UI sends nothing but ids and positions; the turn, its plan and its citation are looked up here
for the user asking, so a crafted request cannot open another user's conversation, nor a plan the
user may not see through a citation.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from assistant.domain.errors import NotFoundError
from assistant.domain.models import Answer, Citation, PageText, User
from assistant.review.conversations import (
    MISSING,
    Conversation,
    ConversationStore,
    ConversationSummary,
    ConversationTurn,
)

if TYPE_CHECKING:
    from .assistant import ReviewAssistant


class CitedSource(BaseModel):
    """A citation with the passage it was taken from, for a screen to show it in context."""

    kind: Literal["guideline", "plan"]
    citation: Citation
    title: str = Field(description="The section heading or page label the passage sits under")
    text: str = Field(description="The whole section (guidelines, .docx) or page text as extracted")
    pdf_path: Path | None = Field(default=None, description="The plan PDF, when the citation names a page")


class Conversations:
    """The conversation part of :class:`~assistant.api.ReviewAssistant`."""

    def __init__(self, ra: ReviewAssistant) -> None:
        self.ra = ra

    @cached_property
    def store(self) -> ConversationStore:
        return ConversationStore(self.ra.reviews)

    def list(self, user: User) -> list[ConversationSummary]:
        return self.store.list(user.name)

    def get(self, conversation_id: int, user: User) -> Conversation:
        return self.store.get(conversation_id, user.name)

    def record(
        self, conversation_id: int | None, question: str, plan: str | None, answer: Answer, user: User
    ) -> ConversationSummary:
        """Keep an answered question; ``None`` starts a new conversation."""
        return self.store.add_turn(conversation_id, user.name, question, plan, answer)

    def delete(self, conversation_id: int, user: User) -> None:
        self.store.delete(conversation_id, user.name)

    def turn(self, conversation_id: int, position: int, user: User) -> ConversationTurn:
        turns = self.get(conversation_id, user).turns
        if not 0 <= position < len(turns):
            raise NotFoundError(MISSING)
        return turns[position]

    def source(self, conversation_id: int, position: int, citation: int, user: User) -> CitedSource:
        """The passage behind citation ``citation`` of a turn: a guideline section for everyone, a plan
        page only for a user who may still see that plan."""
        turn = self.turn(conversation_id, position, user)
        if not 0 <= citation < len(turn.answer.citations):
            raise NotFoundError(MISSING)
        cited = turn.answer.citations[citation]
        guideline_id = self.ra.index.indexed_hash(cited.source)
        doc = self.ra.lookup(guideline_id) if guideline_id else None
        if doc is not None and doc.kind == "guideline":
            return CitedSource(kind="guideline", citation=cited, **_passage(doc.pages, cited))
        if turn.plan is None:
            raise NotFoundError(MISSING)
        plan_doc = self.ra.plans.resolve(turn.plan, user)
        summary = self.ra.plans.find_submission(turn.plan, user)
        pdf = Path(summary.pdf_path) if summary.pdf_path and cited.page is not None else None
        return CitedSource(kind="plan", citation=cited, pdf_path=pdf, **_passage(plan_doc.pages, cited))


def _passage(pages: list[PageText], cited: Citation) -> dict[str, str]:
    """The page (PDF) or section (Markdown, .docx) a citation points at, by page number first."""
    if cited.page is not None:
        found = next((p for p in pages if p.page == cited.page), None)
        title = f"{cited.page}頁"
    else:
        found = next((p for p in pages if p.section == cited.section), None)
        title = cited.section or ""
    if found is None:
        raise NotFoundError(
            f"{cited.source}: 引用元の頁・節が見つかりません / cited page or section not found"
        )
    return {"title": title, "text": found.raw or found.text}
