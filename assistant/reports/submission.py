"""Reviewed checklists in the forms their readers use: Excel, CSV, Markdown and HTML.

The people who receive these work in Excel and on paper, so the sheets carry Japanese headers,
wrapped text and print settings, and every format shows the draft next to the confirmed verdict
with the plan's own words as evidence. Plan text is untrusted: it is escaped for HTML and
Markdown, and kept from being read as a formula by Excel.
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from assistant.models import VERDICT_LABELS_JA, Verdict
from assistant.review_store import STATUS_LABELS_JA, ItemView, SubmissionView
from assistant.rubric import Rubric, load_rubric

ExportFormat = Literal["xlsx", "csv", "md", "html"]

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

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#])")


class _Criterion:
    """What a row shows about a criterion; falls back to the id if the rubric no longer has it."""

    def __init__(self, rubric: Rubric, criterion_id: str) -> None:
        try:
            criterion = rubric.get(criterion_id)
        except KeyError:
            self.group, self.label, self.text = "", criterion_id, ""
        else:
            self.group, self.label, self.text = criterion.group, criterion.label, criterion.text


def _clean(text: str) -> str:
    """Drop C0 control characters that PDF extraction leaves behind; no format can show them."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _local_time(stamp: datetime) -> str:
    return stamp.astimezone().strftime("%Y-%m-%d %H:%M")


def _verdict_ja(verdict: Verdict | None) -> str:
    return VERDICT_LABELS_JA[verdict] if verdict else ""


def _evidence(item: ItemView) -> str:
    """Rationale, then each quote with its page, so a printed sheet stands on its own."""
    quotes = [f"「{c.quote}」（p.{c.page}）" for c in item.citations]
    return "\n".join([item.rationale, *quotes]) if item.rationale else "\n".join(quotes)


def _pages(item: ItemView) -> str:
    return ", ".join(str(p) for p in sorted({c.page for c in item.citations}))


def _type_label(rubric: Rubric, plan_type: str) -> str:
    return f"{plan_type} {rubric.type_label(plan_type)}"


def table_rows(view: SubmissionView, rubric: Rubric) -> list[list[str]]:
    """One row per criterion in :data:`HEADERS` order; shared by the XLSX and CSV exports."""
    rows = []
    for item in view.items:
        criterion = _Criterion(rubric, item.criterion_id)
        decision = item.decision
        rows.append(
            [
                criterion.group,
                criterion.label,
                criterion.text,
                _verdict_ja(item.draft_verdict),
                _verdict_ja(item.final_verdict),
                _evidence(item),
                _pages(item),
                decision.reviewer if decision else "",
                decision.comment if decision else "",
                _local_time(decision.decided_at) if decision else "",
                item.criterion_id,
            ]
        )
    return rows


# XLSX ------------------------------------------------------------------------------------------
def _set(ws: Worksheet, row: int, column: int, value: str | int | None) -> None:
    """Strings stay strings: a quote that starts with '=' must not become a live formula."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = _clean(value)
        cell.data_type = "s"
    else:
        cell.value = value
    cell.alignment = _WRAP_TOP


def _write_table(
    ws: Worksheet,
    headers: tuple[str, ...],
    widths: tuple[int, ...],
    rows: Sequence[Sequence[str | int | None]],
) -> None:
    for column, (header, width) in enumerate(zip(headers, widths, strict=True), start=1):
        _set(ws, 1, column, header)
        ws.cell(row=1, column=column).font = Font(bold=True)
        ws.cell(row=1, column=column).fill = _HEADER_FILL
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
        _type_label(rubric, view.plan_type),
        STATUS_LABELS_JA[view.status],
        view.item_count,
        view.decided_count,
        *(confirmed.count(v) for v in Verdict),
        confirmed.count(None),
    ]


def export_xlsx(views: list[SubmissionView], out: Path, *, rubric: Rubric | None = None) -> Path:
    """One workbook: a summary sheet (one row per submission) then one sheet per submission."""
    rubric = rubric or load_rubric()
    wb = Workbook()
    summary = wb.active
    summary.title = SUMMARY_SHEET
    _write_table(summary, _SUMMARY_HEADERS, _SUMMARY_WIDTHS, [_summary_row(v, rubric) for v in views])
    taken = {SUMMARY_SHEET}
    for view in views:
        ws = wb.create_sheet(_sheet_title(view, taken))
        _write_table(ws, HEADERS, _WIDTHS, table_rows(view, rubric))
        ws.oddHeader.center.text = _clean(view.file_name).replace("&", "&&")
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


# CSV -------------------------------------------------------------------------------------------
def _csv_cell(value: str) -> str:
    """Prefix a quote so a spreadsheet opening the CSV shows it instead of evaluating it."""
    value = _clean(value)
    return "'" + value if value.startswith(_CSV_FORMULA_START) else value


def export_csv(view: SubmissionView, out: Path, *, rubric: Rubric | None = None) -> Path:
    """UTF-8 with BOM: without it Excel on Japanese Windows reads the file as Shift_JIS."""
    rubric = rubric or load_rubric()
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        writer.writerows([_csv_cell(v) for v in row] for row in table_rows(view, rubric))
    return out


# Markdown --------------------------------------------------------------------------------------
def _md(text: str) -> str:
    """Backslash-escape Markdown syntax and raw HTML, and keep line breaks inside list items."""
    return "  \n  ".join(_MD_SPECIAL.sub(r"\\\1", line) for line in _clean(text).splitlines())


def _header_facts(view: SubmissionView, rubric: Rubric) -> list[tuple[str, str]]:
    draft = view.draft
    backend = f"{draft.backend}（{draft.model}）" if draft.model else draft.backend
    return [
        ("提出物ID", str(view.id)),
        ("計画種別", _type_label(rubric, view.plan_type)),
        ("都道府県", view.prefecture or "未設定"),
        ("状態", f"{STATUS_LABELS_JA[view.status]}（{view.decided_count}/{view.item_count} 項目確定）"),
        ("下書き", f"{backend}・{_local_time(draft.drafted_at)}"),
        ("出力日時", _local_time(datetime.now(UTC))),
    ]


def render_markdown(view: SubmissionView, *, rubric: Rubric | None = None) -> str:
    rubric = rubric or load_rubric()
    lines = [f"# 審査結果：{_md(view.file_name)}", ""]
    lines += [f"- {key}：{_md(value)}" for key, value in _header_facts(view, rubric)]
    if view.draft.warnings:
        lines += ["", "## 注意事項", ""]
        lines += [f"- {_md(w)}" for w in view.draft.warnings]
    for n, item in enumerate(view.items, start=1):
        criterion = _Criterion(rubric, item.criterion_id)
        decision = item.decision
        lines += [
            "",
            f"## {n}. {_md(criterion.group)}｜{_md(criterion.label)}",
            "",
            f"- 項目ID：{_md(item.criterion_id)}",
            f"- 基準：{_md(criterion.text)}",
            f"- 判定（案）：{_verdict_ja(item.draft_verdict)}",
            f"- 判定（確定）：{_verdict_ja(item.final_verdict) or '未確定'}",
        ]
        if decision:
            lines += [
                f"- 審査者：{_md(decision.reviewer)}（{_local_time(decision.decided_at)}、版 {decision.version}）",
                f"- コメント：{_md(decision.comment)}",
            ]
        lines.append(f"- 根拠：{_md(item.rationale)}")
        for citation in item.citations:
            quote = "\n".join(f"> {_md(line)}" for line in citation.quote.splitlines())
            lines += ["", quote, f"> — p.{citation.page}"]
    return "\n".join(lines) + "\n"


# HTML ------------------------------------------------------------------------------------------
_CSS = """
body { font-family: "IPAexGothic", "Hiragino Sans", "Yu Gothic", "Meiryo", sans-serif;
       max-width: 60em; margin: 2em auto; padding: 0 1em; line-height: 1.6; color: #222; }
h1 { font-size: 1.5em; border-bottom: 2px solid #345; }
h2 { font-size: 1.15em; margin-top: 1.8em; border-left: 6px solid #789; padding-left: .5em; }
dl.facts { display: grid; grid-template-columns: max-content auto; gap: .2em 1em; }
dl.facts dt { font-weight: bold; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #999; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #eef2f7; }
.criterion { background: #f6f6f6; padding: .4em .8em; }
blockquote { margin: .4em 0 .4em 1em; padding-left: .8em; border-left: 4px solid #bbb; white-space: pre-wrap; }
.warnings { background: #fff4e0; padding: .4em 1em; }
.pending { color: #a00; }
section.item { break-inside: avoid; }
"""


def _h(text: str) -> str:
    return html.escape(_clean(text), quote=True)


def _h_lines(text: str) -> str:
    return "<br>".join(_h(line) for line in text.splitlines())


def render_html(view: SubmissionView, *, rubric: Rubric | None = None) -> str:
    """A single self-contained page (no external assets) that also prints cleanly."""
    rubric = rubric or load_rubric()
    title = f"審査結果：{view.file_name}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="ja">',
        '<head><meta charset="utf-8">',
        f"<title>{_h(title)}</title>",
        f"<style>{_CSS}</style></head>",
        "<body>",
        f"<h1>{_h(title)}</h1>",
        '<dl class="facts">',
        *(f"<dt>{_h(key)}</dt><dd>{_h(value)}</dd>" for key, value in _header_facts(view, rubric)),
        "</dl>",
    ]
    if view.draft.warnings:
        parts += ['<section class="warnings"><h2>注意事項</h2><ul>']
        parts += [f"<li>{_h(w)}</li>" for w in view.draft.warnings]
        parts += ["</ul></section>"]
    for n, item in enumerate(view.items, start=1):
        parts += _html_item(n, item, _Criterion(rubric, item.criterion_id))
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _html_item(n: int, item: ItemView, criterion: _Criterion) -> list[str]:
    decision = item.decision
    final = _h(_verdict_ja(item.final_verdict)) if decision else '<span class="pending">未確定</span>'
    rows = [
        ("判定（案）", _h(_verdict_ja(item.draft_verdict))),
        ("判定（確定）", final),
    ]
    if decision:
        rows += [
            (
                "審査者",
                _h(f"{decision.reviewer}（{_local_time(decision.decided_at)}、版 {decision.version}）"),
            ),
            ("コメント", _h_lines(decision.comment)),
        ]
    rows.append(("根拠", _h_lines(item.rationale)))
    parts = [
        f'<section class="item" id="{_h(item.criterion_id)}">',
        f"<h2>{n}. {_h(criterion.group)}｜{_h(criterion.label)}</h2>",
        f'<p class="criterion">{_h(criterion.text)}<br><small>{_h(item.criterion_id)}</small></p>',
        "<table>",
        *(f"<tr><th>{key}</th><td>{value}</td></tr>" for key, value in rows),
        "</table>",
    ]
    for citation in item.citations:
        parts.append(f"<blockquote>{_h(citation.quote)}<br><cite>p.{citation.page}</cite></blockquote>")
    parts.append("</section>")
    return parts


# Dispatch --------------------------------------------------------------------------------------
def export_markdown(view: SubmissionView, out: Path, *, rubric: Rubric | None = None) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_markdown(view, rubric=rubric), encoding="utf-8")
    return out


def export_html(view: SubmissionView, out: Path, *, rubric: Rubric | None = None) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(view, rubric=rubric), encoding="utf-8")
    return out


def export_submission(
    view: SubmissionView, fmt: ExportFormat, out: Path, *, rubric: Rubric | None = None
) -> Path:
    if fmt == "xlsx":
        return export_xlsx([view], out, rubric=rubric)
    if fmt == "csv":
        return export_csv(view, out, rubric=rubric)
    if fmt == "md":
        return export_markdown(view, out, rubric=rubric)
    if fmt == "html":
        return export_html(view, out, rubric=rubric)
    raise ValueError(f"unknown export format: {fmt}")
