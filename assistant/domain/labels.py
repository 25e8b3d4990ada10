"""Every Japanese label the product shows, and the one way a citation's place is written.

Screens, reports and the CLI import these instead of spelling labels themselves, so a verdict or a
status reads the same everywhere a reviewer meets it.
"""

from __future__ import annotations

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


def where(source: str, page: int | None, section: str | None) -> str:
    """「file.pdf 3頁」 for a page, 「guideline.md「section」」 for a section of a text source."""
    return f"{source} {page}頁" if page is not None else f"{source}「{section or ''}」"


def page_place(page: int | None, section: str | None) -> str:
    """The place alone, for lists where the document is already named."""
    return f"{page}頁" if page is not None else f"「{section or ''}」"
