"""Every Japanese label the product shows, and the one way a citation's place is written.

Screens, reports and the CLI import these instead of spelling labels themselves, so a verdict or a
status reads the same everywhere a reviewer meets it.
"""

from __future__ import annotations

from typing import Protocol

from .models import User, Verdict

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

STATUS_LABELS_JA: dict[str, str] = {"draft": "未審査", "in_review": "審査中", "final": "確定"}

ROLE_LABELS_JA: dict[str, str] = {"reviewer": "審査担当", "prefecture": "都道府県担当"}


def role_label(user: User) -> str:
    """「審査担当」 or 「都道府県担当（○○県）」, as the UI header shows it."""
    label = ROLE_LABELS_JA[user.role]
    return f"{label}（{user.prefecture}）" if user.role == "prefecture" else label


def verdict_ja(verdict: Verdict | None, missing: str = "") -> str:
    return VERDICT_LABELS_JA[verdict] if verdict else missing


def where(source: str, page: int | None, section: str | None, paragraph: int | None = None) -> str:
    """「file.pdf 3頁」 for a page, 「guideline.md「section」」 for a section of a text source, and
    「plan.docx「第2章 推進体制」第14段落」 for a .docx paragraph (a .docx has no pages)."""
    if paragraph is None and page is not None:
        return f"{source} {page}頁"
    return f"{source}{page_place(None, section, paragraph)}"


def page_place(page: int | None, section: str | None, paragraph: int | None = None) -> str:
    """The place alone, for lists where the document is already named: 「3頁」, 「「section」」 or
    「「section」第14段落」. A paragraph wins over a page: a .docx citation never has both."""
    if paragraph is not None:
        return f"「{section or ''}」第{paragraph}段落"
    return f"{page}頁" if page is not None else f"「{section or ''}」"


class Located(Protocol):
    """Anything that cites a place in a document: a plan citation, a finding, an answer citation."""

    @property
    def page(self) -> int | None: ...

    @property
    def section(self) -> str | None: ...

    @property
    def paragraph(self) -> int | None: ...


def citation_place(cited: Located) -> str:
    """「3頁」 or 「「section」第14段落」 for a citation or finding, whichever kind of document it is from."""
    return page_place(cited.page, cited.section, cited.paragraph)
