"""Data shapes shared by the library, CLI, UI and JSON output.

The JSON contracts of ``ask --json`` and ``assess --json`` are these models serialised, so field
names here are part of the public interface: change them only with the contract. Fields marked
``exclude=True`` are typed companions for in-process callers (the UI) and never reach the JSON.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer

from .notices import Notice


class Verdict(StrEnum):
    meets = "meets"
    partially_meets = "partially_meets"
    does_not_meet = "does_not_meet"
    not_addressed = "not_addressed"
    not_applicable = "not_applicable"
    needs_review = "needs_review"


#: Verdicts that claim something about the plan and therefore need verified evidence.
EVIDENCE_VERDICTS = frozenset({Verdict.meets, Verdict.partially_meets, Verdict.does_not_meet})

PlanType = Literal["A", "B", "C"]
DocKind = Literal["guideline", "plan"]


#: Citation fields that are left out of JSON while unset, so a PDF's text citations serialise as they
#: always have and only a .docx location or an OCR reading adds keys.
_OPTIONAL_LOCATION = ("section", "paragraph", "confidence")


def _drop_unset(
    data: dict[str, Any], default_reading: tuple[str, str], optional: tuple[str, ...] = _OPTIONAL_LOCATION
) -> dict[str, Any]:
    drop = {k for k in optional if data.get(k) is None}
    key, value = default_reading
    if data.get(key) == value:
        drop.add(key)
    if not data.get("low_confidence"):
        drop.add("low_confidence")
    return {k: v for k, v in data.items() if k not in drop}


class PlanCitation(BaseModel):
    page: int | None = Field(ge=1, description="1-based physical page of the plan PDF; null for a .docx")
    quote: str = Field(description="Verbatim text from that page (or .docx paragraph)")
    section: str | None = Field(default=None, description=".docx: the heading the paragraph is under")
    paragraph: int | None = Field(default=None, ge=1, description=".docx: 1-based paragraph number")
    source: Literal["text", "ocr"] = Field(default="text", description="'ocr' when read from a scanned page")
    confidence: float | None = Field(
        default=None, ge=0, le=1, description="OCR: the lowest word confidence in the quote (0-1)"
    )
    low_confidence: bool = Field(
        default=False, description="OCR: a word (a number above all) was read too unsurely to trust the quote"
    )

    @model_serializer(mode="wrap")
    def _serialise(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _drop_unset(handler(self), ("source", "text"))


FindingKind = Literal["evidence", "risk", "mitigation", "gap"]
Confidence = Literal["high", "medium", "low"]


class Finding(BaseModel):
    """One thing a judgement criterion asks about, found (or found missing) in the plan.

    ``evidence`` supports the criterion, ``risk`` speaks against it, ``mitigation`` answers a risk
    (a target, a cap, a plan to localise), ``gap`` is something the criterion asks for that the plan
    does not show (no page, no quote). Quotes are verified like every citation.
    """

    kind: FindingKind
    text: str = Field(description="What was found, in Japanese, with its figures")
    page: int | None = Field(default=None, ge=1)
    quote: str | None = None
    section: str | None = Field(default=None, description=".docx: the heading the quote is under")
    paragraph: int | None = Field(default=None, ge=1, description=".docx: 1-based paragraph number")

    @model_serializer(mode="wrap")
    def _serialise(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """A PDF's findings serialise as they always have: the .docx location keys only when set."""
        data = handler(self)
        for key in ("section", "paragraph"):
            if data.get(key) is None:
                data.pop(key, None)
        return data


class ChecklistItem(BaseModel):
    criterion_id: str
    verdict: Verdict
    rationale: str
    citations: list[PlanCitation] = Field(default_factory=list)
    findings: list[Finding] = Field(
        default_factory=list, description="Judgement criteria: what the drafter found, typed"
    )
    confidence: Confidence | None = Field(
        default=None, description="How clearly the findings decide a judgement verdict; null when not drafted"
    )


class Assessment(BaseModel):
    plan: str = Field(description="File name of the plan")
    plan_type: PlanType
    backend: str = Field(description="'offline' or 'llm:<model>'")
    warnings: list[str] = Field(default_factory=list)
    items: list[ChecklistItem]
    notices: list[Notice] = Field(
        default_factory=list, exclude=True, description="The warnings, typed (same order and text)"
    )


class Citation(BaseModel):
    source: str = Field(description="File name of the cited document")
    page: int | None = Field(
        default=None, description="1-based PDF page; null for Markdown and .docx sources"
    )
    section: str | None = None
    quote: str
    paragraph: int | None = Field(default=None, ge=1, description=".docx: 1-based paragraph number")
    reading: Literal["text", "ocr"] = Field(default="text", description="'ocr' when read from a scanned page")
    confidence: float | None = Field(default=None, ge=0, le=1, description="OCR: lowest word confidence")
    low_confidence: bool = Field(default=False, description="OCR: read too unsurely to trust the quote")

    @model_serializer(mode="wrap")
    def _serialise(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _drop_unset(handler(self), ("reading", "text"), ("paragraph", "confidence"))


class AnswerPart(BaseModel):
    """One line of an answer, typed, so a screen can lay it out without parsing the answer text.

    ``citation`` is the 0-based index into :attr:`Answer.citations` of the quote the part shows.
    """

    kind: Literal["notice", "lead", "heading", "quote", "verdict", "note", "sentence"]
    text: str
    citation: int | None = None


class Topic(BaseModel):
    """What a question was understood to be about; a follow-up question inherits it."""

    plan_types: list[PlanType] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list, description="Requirement groups named (rubric names)")
    items: list[str] = Field(default_factory=list, description="Criterion ids without their plan type")
    query: str = Field(default="", description="The text retrieval used (with the previous question)")


class Turn(BaseModel):
    """One earlier exchange of a conversation, as much of it as a follow-up needs."""

    question: str
    topic: Topic | None = None


class Answer(BaseModel):
    answer: str
    answerable: bool
    backend: str
    citations: list[Citation] = Field(default_factory=list)
    question: str = Field(default="", description="The question answered, for follow-ups")
    topic: Topic | None = Field(default=None, description="What the question was understood to be about")
    parts: list[AnswerPart] = Field(default_factory=list, exclude=True)
    notices: list[Notice] = Field(
        default_factory=list, exclude=True, description="Warnings about a plan the answer quotes"
    )


class AnswerDelta(BaseModel):
    """Text an LLM has written so far, shown as provisional until the verified :class:`Answer` arrives."""

    text: str


#: What a streamed answer yields: deltas while the model writes, then exactly one final Answer.
StreamEvent = AnswerDelta | Answer


class PageText(BaseModel):
    """One physical page of a PDF, or one section of a text guideline."""

    page: int | None = Field(description="1-based physical page; None for Markdown sections")
    label: str | None = None
    section: str | None = None
    raw: str = Field(description="Text as extracted (NULs stripped); quotes are verified against this")
    text: str = Field(description="Wrapped lines joined the Japanese way; what chunks are cut from")
    ocr: bool = False
    status: Literal["ok", "no_text", "garbled", "ocr"] = "ok"
    ocr_confidence: list[int] | None = Field(
        default=None, description="OCR pages: per character of ``raw``, the confidence (0-100) of its reading"
    )


class ParsedDocument(BaseModel):
    doc_id: str = Field(description="sha256 of the file's bytes")
    source: str = Field(description="File name")
    path: str
    kind: DocKind
    title: str = ""
    pages: list[PageText]
    notices: list[Notice] = Field(default_factory=list, description="Per-page problems (OCR, no text …)")
    paged: bool = Field(
        default=True,
        description="False for a .docx: its pages are heading sections numbered internally, and what is "
        "shown outside names the heading and paragraph instead of a page",
    )


class User(BaseModel):
    """Who is asking. Access rules are enforced in the API from this, never by hiding widgets."""

    name: str
    role: Literal["reviewer", "prefecture"]
    prefecture: str | None = None


#: The CLI runs as a reviewer: whoever has shell access to the data directory sees everything.
CLI_USER = User(name="cli", role="reviewer")
