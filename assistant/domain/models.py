"""Data shapes shared by the library, CLI, UI and JSON output.

The JSON contracts of ``ask --json`` and ``assess --json`` are these models serialised, so field
names here are part of the public interface: change them only with the contract.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field


class Verdict(StrEnum):
    meets = "meets"
    partially_meets = "partially_meets"
    does_not_meet = "does_not_meet"
    not_addressed = "not_addressed"
    not_applicable = "not_applicable"
    needs_review = "needs_review"


VERDICT_LABELS_JA: dict[Verdict, str] = {
    Verdict.meets: "満たす",
    Verdict.partially_meets: "一部満たす",
    Verdict.does_not_meet: "満たさない",
    Verdict.not_addressed: "記載なし",
    Verdict.not_applicable: "対象外",
    Verdict.needs_review: "要確認",
}

#: Short codes for summary sheets where a cell must stay narrow.
VERDICT_CODES: dict[Verdict, str] = {
    Verdict.meets: "○",
    Verdict.partially_meets: "△",
    Verdict.does_not_meet: "×",
    Verdict.not_addressed: "－",
    Verdict.not_applicable: "対象外",
    Verdict.needs_review: "要確認",
}

#: Verdicts that claim something about the plan and therefore need verified evidence.
EVIDENCE_VERDICTS = frozenset({Verdict.meets, Verdict.partially_meets, Verdict.does_not_meet})

PlanType = Literal["A", "B", "C"]
DocKind = Literal["guideline", "plan"]


class PlanCitation(BaseModel):
    page: int = Field(ge=1, description="1-based physical page of the plan PDF")
    quote: str = Field(description="Verbatim text from that page")


class ChecklistItem(BaseModel):
    criterion_id: str
    verdict: Verdict
    rationale: str
    citations: list[PlanCitation] = Field(default_factory=list)


class Assessment(BaseModel):
    plan: str = Field(description="File name of the plan")
    plan_type: PlanType
    backend: str = Field(description="'offline' or 'llm:<model>'")
    warnings: list[str] = Field(default_factory=list)
    items: list[ChecklistItem]


class Citation(BaseModel):
    source: str = Field(description="File name of the cited document")
    page: int | None = Field(default=None, description="1-based PDF page; null for Markdown sources")
    section: str | None = None
    quote: str


class Answer(BaseModel):
    answer: str
    answerable: bool
    backend: str
    citations: list[Citation] = Field(default_factory=list)


class PageText(BaseModel):
    """One physical page of a PDF, or one section of a text guideline."""

    page: int | None = Field(description="1-based physical page; None for Markdown sections")
    label: str | None = None
    section: str | None = None
    raw: str = Field(description="Text as extracted (NULs stripped); quotes are verified against this")
    text: str = Field(description="Wrapped lines joined the Japanese way; what chunks are cut from")
    ocr: bool = False
    status: Literal["ok", "no_text", "garbled", "ocr"] = "ok"


class ParsedDocument(BaseModel):
    doc_id: str = Field(description="sha256 of the file's bytes")
    source: str = Field(description="File name")
    path: str
    kind: DocKind
    title: str = ""
    pages: list[PageText]
    warnings: list[str] = Field(default_factory=list)


class User(BaseModel):
    """Who is asking. Access rules are enforced in the API from this, never by hiding widgets."""

    name: str
    role: Literal["reviewer", "prefecture"]
    prefecture: str | None = None


#: The CLI runs as a reviewer: whoever has shell access to the data directory sees everything.
CLI_USER = User(name="cli", role="reviewer")
