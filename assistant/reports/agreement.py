"""The 「審査者との一致」 sheet of a batch summary: how often reviewers kept the drafts so far.

A team deciding whether to trust the drafter for tonight's batch wants the record next to the
results: per criterion group and drafting backend, the decisions made, how many kept the draft, the
rate, and what the changed ones became. The sheet appears only when the review store holds decisions.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Font

from assistant.domain.labels import VERDICT_LABELS_JA
from assistant.domain.models import Verdict
from assistant.review.stats import Agreement, ReviewStats

from .cells import HEADER_FILL, put

SHEET = "審査者との一致"
_HEADERS = ("要件区分", "下書き方式", "確定数", "案のとおり", "一致率", "変更の内訳（案→確定）")


def changes_ja(row: Agreement, separator: str = " ") -> str:
    """What the changed drafts became, in Japanese: 「要確認→一部満たす 3、満たす→満たさない 1」."""
    parts = []
    for pair, count in row.confusion.items():
        draft, final = pair.split("→")
        if draft != final:
            parts.append(
                f"{VERDICT_LABELS_JA[Verdict(draft)]}→{VERDICT_LABELS_JA[Verdict(final)]}{separator}{count}"
            )
    return "、".join(parts)


def add_agreement_sheet(wb: Workbook, stats: ReviewStats | None) -> None:
    if stats is None or not stats.decided:
        return
    ws = wb.create_sheet(SHEET)
    for col, label in enumerate(_HEADERS, start=1):
        put(ws, 1, col, label)
        ws.cell(row=1, column=col).font = Font(bold=True)
        ws.cell(row=1, column=col).fill = HEADER_FILL
    for r, row in enumerate([*stats.by_group, *stats.by_backend], start=2):
        for col, value in enumerate(
            (
                row.group,
                row.backend,
                row.decided,
                row.kept,
                "" if row.rate is None else f"{row.rate:.0%}",
                changes_ja(row),
            ),
            start=1,
        ):
            put(ws, r, col, value)
    for col, width in zip("ABCDEF", (22, 18, 8, 10, 8, 60), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
