"""A reviewed submission as a table: Excel (a summary sheet, then one sheet per submission) and CSV.

The people who receive these work in Excel and on paper, so the sheets carry Japanese headers,
wrapped text and print settings, and show the draft next to the confirmed verdict with the plan's
own words as evidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from assistant.atomic import atomic_write
from assistant.domain.labels import STATUS_LABELS_JA, VERDICT_LABELS_JA, verdict_ja
from assistant.domain.models import Verdict
from assistant.domain.rubric import Rubric
from assistant.review.records import SubmissionView

from .cells import HEADER_FILL, clean, csv_bytes, put
from .common import cited_pages, evidence_text, local_time, type_label

#: Column headers of the tabular exports; the first nine are the agreed layout, keep their order.
HEADERS: tuple[str, ...] = (
    "要件区分",
    "項目",
    "基準",
    "判定（案）",
    "判定（確定）",
    "根拠",
    "頁",
    "審査者",
    "コメント",
    "確定日時",
    "項目ID",
)
_WIDTHS = (16, 22, 40, 11, 11, 60, 8, 12, 40, 17, 30)

SUMMARY_SHEET = "サマリー"
_SUMMARY_HEADERS = (
    "提出物ID",
    "ファイル",
    "都道府県",
    "計画種別",
    "状態",
    "項目数",
    "確定済",
    *(VERDICT_LABELS_JA[v] for v in Verdict),
    "未確定",
)
_SUMMARY_WIDTHS = (9, 36, 10, 28, 8, 8, 8, *(8 for _ in Verdict), 8)

_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def table_rows(view: SubmissionView, rubric: Rubric) -> list[list[str]]:
    """One row per criterion in :data:`HEADERS` order; shared by the XLSX and CSV exports."""
    rows = []
    for item in view.items:
        criterion = rubric.view(item.criterion_id)
        decision = item.decision
        rows.append(
            [
                criterion.group,
                criterion.label,
                criterion.text,
                verdict_ja(item.draft_verdict),
                verdict_ja(item.final_verdict),
                evidence_text(item),
                cited_pages(item),
                decision.reviewer if decision else "",
                decision.comment if decision else "",
                local_time(decision.decided_at) if decision else "",
                item.criterion_id,
            ]
        )
    return rows


# XLSX ------------------------------------------------------------------------------------------
def _set(ws: Worksheet, row: int, column: int, value: str | int | None) -> None:
    put(ws, row, column, value)
    ws.cell(row=row, column=column).alignment = _WRAP_TOP


def _write_table(
    ws: Worksheet,
    headers: tuple[str, ...],
    widths: tuple[int, ...],
    rows: Sequence[Sequence[str | int | None]],
) -> None:
    for column, (header, width) in enumerate(zip(headers, widths, strict=True), start=1):
        _set(ws, 1, column, header)
        ws.cell(row=1, column=column).font = Font(bold=True)
        ws.cell(row=1, column=column).fill = HEADER_FILL
        ws.column_dimensions[get_column_letter(column)].width = width
    for r, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            _set(ws, r, column, value)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(len(rows) + 1, 1)}"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "&P / &N"


def _sheet_title(view: SubmissionView, taken: set[str]) -> str:
    stem = _SHEET_NAME_BAD.sub("_", Path(view.file_name).stem)
    base = f"{view.id}_{stem}"[:31].strip("'") or str(view.id)
    title, n = base, 2
    while title in taken:
        suffix = f"~{n}"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title)
    return title


def _summary_row(view: SubmissionView, rubric: Rubric) -> list[str | int | None]:
    confirmed = [item.final_verdict for item in view.items]
    return [
        view.id,
        view.file_name,
        view.prefecture or "",
        type_label(rubric, view.plan_type),
        STATUS_LABELS_JA[view.status],
        view.item_count,
        view.decided_count,
        *(confirmed.count(v) for v in Verdict),
        confirmed.count(None),
    ]


def export_xlsx(views: list[SubmissionView], out: Path, *, rubric: Rubric) -> Path:
    """One workbook: a summary sheet (one row per submission) then one sheet per submission."""
    wb = Workbook()
    summary = wb.active
    summary.title = SUMMARY_SHEET
    _write_table(summary, _SUMMARY_HEADERS, _SUMMARY_WIDTHS, [_summary_row(v, rubric) for v in views])
    taken = {SUMMARY_SHEET}
    for view in views:
        ws = wb.create_sheet(_sheet_title(view, taken))
        _write_table(ws, HEADERS, _WIDTHS, table_rows(view, rubric))
        ws.oddHeader.center.text = clean(view.file_name).replace("&", "&&")
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


# CSV -------------------------------------------------------------------------------------------
def export_csv(view: SubmissionView, out: Path, *, rubric: Rubric) -> Path:
    atomic_write(out, csv_bytes(HEADERS, table_rows(view, rubric)))
    return out
