"""A batch run's overview files: ``files.csv``, ``checklist.csv`` and ``summary.xlsx``.

They are derived from the recorded results at the end of each run, never appended to, so they
cannot hold duplicates after a resume.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from assistant.batch.models import FileRow
from assistant.domain.labels import VERDICT_CODES, VERDICT_LABELS_JA
from assistant.domain.models import Assessment, ChecklistItem, Verdict
from assistant.domain.rubric import Rubric
from assistant.review.stats import ReviewStats

from .agreement import add_agreement_sheet
from .cells import HEADER_FILL, csv_bytes, put
from .common import cited_places
from .grid import build_grid

FILES_HEADER = ("file", "status", "plan_type", "error", "items", "seconds")
CHECKLIST_HEADER = ("file", "plan_type", "criterion_id", "verdict", "pages", "quote")
#: Joins the quotes of one item in ``checklist.csv``; every citation is kept so the row stands alone.
QUOTE_SEPARATOR = " / "
STATUS_JA = {"ok": "完了", "skipped": "スキップ（処理済み）", "error": "失敗"}


def _item_pages(item: ChecklistItem) -> str:
    """Cited pages, or for a .docx the cited headings and paragraphs (「「推進体制」第14段落」)."""
    return ";".join(cited_places(item.citations))


def files_csv(rows: Sequence[FileRow]) -> bytes:
    return csv_bytes(
        FILES_HEADER,
        ([r.file, r.status, r.plan_type or "", r.error, r.items, f"{r.seconds:.2f}"] for r in rows),
    )


def checklist_csv(plans: Sequence[tuple[FileRow, Assessment]]) -> bytes:
    """One row per plan and criterion; pages are the cited pages ascending, quotes in citation order."""
    return csv_bytes(
        CHECKLIST_HEADER,
        (
            [
                row.file,
                a.plan_type,
                item.criterion_id,
                item.verdict.value,
                _item_pages(item),
                QUOTE_SEPARATOR.join(c.quote for c in item.citations),
            ]
            for row, a in plans
            for item in a.items
        ),
    )


_CODE_FILLS = {
    Verdict.meets: PatternFill("solid", fgColor="E2EFDA"),
    Verdict.partially_meets: PatternFill("solid", fgColor="FFF2CC"),
    Verdict.does_not_meet: PatternFill("solid", fgColor="F8CBAD"),
    Verdict.needs_review: PatternFill("solid", fgColor="FCE4D6"),
}
_CENTER = Alignment(horizontal="center", vertical="center")
_LEAD_COLUMNS = (
    ("file", "ファイル", 40),
    ("plan_type", "計画種別", 9),
    ("status", "状態", 10),
    ("error", "エラー", 30),
)


def summary_workbook(
    rows: Sequence[FileRow],
    assessments: dict[int, Assessment],
    rubric: Rubric,
    agreement: ReviewStats | None = None,
) -> bytes:
    """Plans down, criteria across, verdict codes in the cells, so a reviewer can sort and filter;
    with the reviewers' agreement so far on a sheet of its own when the review store has decisions.

    Row 1 holds criterion ids (stable, for formulas and scripts), row 2 their Japanese labels with the
    full criterion text as a comment; the filter sits on row 2. Only criteria of the plan types that
    occur are shown; a cell stays empty when the criterion does not belong to that plan's type.
    """
    grid = build_grid(rows, assessments, rubric)
    criteria = grid.criteria
    wb = Workbook()
    ws = wb.active
    ws.title = "一覧"
    lead = len(_LEAD_COLUMNS)
    for col, (key, label, width) in enumerate(_LEAD_COLUMNS, start=1):
        put(ws, 1, col, key)
        put(ws, 2, col, label)
        ws.column_dimensions[get_column_letter(col)].width = width
    for col, criterion in enumerate(criteria, start=lead + 1):
        put(ws, 1, col, criterion.id)
        put(ws, 2, col, criterion.label)
        ws.cell(row=2, column=col).comment = Comment(
            f"{criterion.group}：{criterion.text}", "review-assistant"
        )
        ws.column_dimensions[get_column_letter(col)].width = 12
    for header_row in (1, 2):
        for col in range(1, lead + len(criteria) + 1):
            cell = ws.cell(row=header_row, column=col)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r, grid_row in enumerate(grid.rows, start=3):
        row = grid_row.file
        put(ws, r, 1, row.file)
        put(ws, r, 2, row.plan_type or "")
        put(ws, r, 3, STATUS_JA[row.status])
        put(ws, r, 4, row.error)
        for col, criterion in enumerate(criteria, start=lead + 1):
            verdict = grid_row.verdicts.get(criterion.id)
            if verdict is None:
                continue
            put(ws, r, col, VERDICT_CODES[verdict])
            cell = ws.cell(row=r, column=col)
            cell.alignment = _CENTER
            if verdict in _CODE_FILLS:
                cell.fill = _CODE_FILLS[verdict]
    last_col = get_column_letter(lead + len(criteria))
    ws.freeze_panes = ws.cell(row=3, column=2)
    ws.auto_filter.ref = f"A2:{last_col}{max(len(rows) + 2, 2)}"

    legend = wb.create_sheet("凡例")
    for r, values in enumerate(
        (("記号", "判定", "verdict"), *((VERDICT_CODES[v], VERDICT_LABELS_JA[v], v.value) for v in Verdict)),
        start=1,
    ):
        for col, value in enumerate(values, start=1):
            put(legend, r, col, value)
            if r == 1:
                legend.cell(row=r, column=col).font = Font(bold=True)
    for col, width in zip("ABC", (8, 12, 18), strict=True):
        legend.column_dimensions[col].width = width

    sheet = wb.create_sheet("項目")
    headers = ("criterion_id", "計画種別", "要件区分", "項目", "基準")
    for col, value in enumerate(headers, start=1):
        put(sheet, 1, col, value)
        sheet.cell(row=1, column=col).font = Font(bold=True)
    for r, c in enumerate(criteria, start=2):
        for col, value in enumerate(
            (c.id, f"{c.plan_type} {rubric.type_label(c.plan_type)}", c.group, c.label, c.text), start=1
        ):
            put(sheet, r, col, value)
    for col, width in zip("ABCDE", (30, 24, 16, 24, 80), strict=True):
        sheet.column_dimensions[col].width = width
    sheet.freeze_panes = "A2"
    add_agreement_sheet(wb, agreement)

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
