"""The 一括 tab as HTML: one progress bar, one table per plan type, a legend for every cell.

A table per plan type keeps each one narrow (its own criteria only), with status and error right
beside the file name; files that could not be read get a table of their own with a retry button.
"""

from __future__ import annotations

import html

from assistant.api import ReviewAssistant
from assistant.batch.models import BatchReport
from assistant.domain.labels import VERDICT_CODES, VERDICT_LABELS_JA
from assistant.domain.models import Verdict

STATUS_JA = {"ok": "完了", "skipped": "処理済み（前回の結果）", "error": "失敗"}
BLANK_MEANING = "この計画書の下書きにない項目"


def progress_html(
    *,
    files: tuple[int, int],
    pages: tuple[int, int],
    failed: int,
    elapsed: float,
    note: str,
) -> str:
    """Files and pages done out of all; the bar moves by pages when they are known, else by files."""
    done_files, total_files = files
    done_pages, total_pages = pages
    share = done_pages / total_pages if total_pages else (done_files / total_files if total_files else 0.0)
    busy = " ra-progress-busy" if done_files < total_files else ""
    percent = round(100 * share)
    pages_text = f"・頁 {done_pages}/{total_pages}" if total_pages else ""
    failed_text = f"・失敗 {failed}" if failed else ""
    return (
        f'<div class="ra-progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow="{percent}">'
        f'<div class="ra-progress-bar{busy}"><div class="ra-progress-fill" style="width:{percent}%"></div></div>'
        f'<div class="ra-progress-text"><strong>ファイル {done_files}/{total_files}{pages_text}{failed_text}</strong>'
        f"　{percent}%　経過 {elapsed:.0f}秒　{html.escape(note)}</div></div>"
    )


def legend_html(*, blank: bool) -> str:
    """Every code a cell can hold, with its colour, and what an empty cell means when there is one."""
    items = [
        f'<span class="ra-legend-item"><span class="ra-code ra-v-{v.value}">{html.escape(VERDICT_CODES[v])}</span>'
        f"{html.escape(VERDICT_LABELS_JA[v])}</span>"
        for v in Verdict
    ]
    if blank:
        items.append(
            f'<span class="ra-legend-item"><span class="ra-code">（空欄）</span>{BLANK_MEANING}</span>'
        )
    return f'<div class="ra-legend"><strong>凡例</strong>{"".join(items)}</div>'


def _status_cell(status: str) -> str:
    return f'<td class="ra-status-{status}">{STATUS_JA[status]}</td>'


def _retry(index: int) -> str:
    return f'<button type="button" class="ra-retry" data-row="{index}">再試行</button>'


def results_html(ra: ReviewAssistant, report: BatchReport) -> tuple[str, bool]:
    """The tables, and whether any cell is blank (the legend then explains blanks)."""
    tables: list[str] = []
    blank = False
    for plan_type in ("A", "B", "C"):
        rows = [(n, r) for n, r in enumerate(report.rows) if r.plan_type == plan_type]
        if not rows:
            continue
        criteria = ra.rubric.for_type(plan_type)
        head = "".join(f'<th title="{html.escape(c.text)}">{html.escape(c.label)}</th>' for c in criteria)
        body = []
        for n, row in rows:
            assessment = report.assessments.get(n)
            verdicts = {i.criterion_id: i.verdict for i in assessment.items} if assessment else {}
            cells = []
            for c in criteria:
                verdict = verdicts.get(c.id)
                blank = blank or verdict is None
                cells.append(
                    f'<td class="ra-cell ra-v-{verdict.value}">{html.escape(VERDICT_CODES[verdict])}</td>'
                    if verdict
                    else "<td></td>"
                )
            error = html.escape(row.error) + (f" {_retry(n)}" if row.status == "error" else "")
            body.append(
                f'<tr><th class="ra-file">{html.escape(row.file)}</th>{_status_cell(row.status)}'
                f'<td class="ra-error">{error}</td>{"".join(cells)}</tr>'
            )
        tables.append(
            f"<h4>{plan_type}：{html.escape(ra.rubric.type_label(plan_type))}（{len(rows)}件）</h4>"
            f'<div class="ra-table-wrap"><table class="ra-batch-table" data-type="{plan_type}">'
            f"<thead><tr><th>ファイル</th><th>状態</th><th>エラー</th>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>"
        )
    failed = [(n, r) for n, r in enumerate(report.rows) if r.plan_type is None]
    if failed:
        body = "".join(
            f'<tr><th class="ra-file">{html.escape(r.file)}</th>{_status_cell(r.status)}'
            f'<td class="ra-error">{html.escape(r.error)} {_retry(n)}</td></tr>'
            for n, r in failed
        )
        tables.append(
            f"<h4>読み込めなかったファイル（{len(failed)}件）</h4>"
            '<div class="ra-table-wrap"><table class="ra-batch-table" data-type="error">'
            f"<thead><tr><th>ファイル</th><th>状態</th><th>エラー</th></tr></thead><tbody>{body}</tbody></table></div>"
        )
    return "".join(tables), blank
