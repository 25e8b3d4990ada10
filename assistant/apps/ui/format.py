"""What the screens show, as pure functions: they never trust plan text and are easy to test."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any, Literal

import gradio as gr
from PIL import Image, ImageChops

from assistant.answer.context import NOT_FOUND_GUIDELINE
from assistant.api import ReviewAssistant
from assistant.batch.models import BatchReport
from assistant.domain.labels import (
    STATUS_LABELS_JA,
    VERDICT_CODES,
    VERDICT_LABELS_JA,
    role_label,
    verdict_ja,
    where,
)
from assistant.domain.models import Answer, User
from assistant.domain.notices import Notice
from assistant.ingest.page_images import PageHighlight
from assistant.reports.grid import build_grid
from assistant.review.records import ItemView, SubmissionSummary, SubmissionView
from assistant.text.markup import md_escape

OFFLINE_LABEL = "オフライン下書き（LLM未使用・規則ベース）"
TABLE_HEADERS = ["要件区分", "項目", "判定（案）", "判定（確定）", "審査者"]
_FILENAME_BAD = re.compile(r'[\\/:*?"<>|\s]+')
#: Share of the page height shown above and below a highlighted quote.
_FOCUS_CONTEXT = 0.15
_FOCUS_PAD = 24


def backend_label(ra: ReviewAssistant) -> str:
    if ra.resolve_backend("auto") == "llm":
        return f"llm:{ra.settings.llm_model}"
    return OFFLINE_LABEL


def header_markdown(user: User, ra: ReviewAssistant, *, local: bool) -> str:
    who = f"{md_escape(user.name)}（ローカル単独モード・ログインなし）" if local else md_escape(user.name)
    parts = [
        "**審査支援 review-assistant**",
        f"ユーザー：{who}",
        f"役割：{md_escape(role_label(user))}",
        f"下書き：{md_escape(backend_label(ra))}",
    ]
    if not local:
        parts.append("[ログアウト](logout)")
    return "　｜　".join(parts)


def submission_label(s: SubmissionSummary) -> str:
    return (
        f"{s.id}：{s.file_name}（{s.prefecture or '都道府県未設定'}・{STATUS_LABELS_JA[s.status]}・"
        f"{s.decided_count}/{s.item_count}確定）"
    )


def format_answer(answer: Answer) -> str:
    """The answer, then its numbered sources with quote, document and page or section.

    Quote lines are left out of the body and a quote the answer-first line already shows inline is
    not repeated: each quote appears once.
    """
    if not answer.answerable:
        parts = ["**ガイドラインに記載がありません。**"]
        detail = answer.answer.strip()
        if detail and detail != NOT_FOUND_GUIDELINE:
            parts.append(md_escape(detail))
    else:
        body = "\n".join(p.text for p in answer.parts if p.kind != "quote") if answer.parts else answer.answer
        parts = [md_escape(body.strip())]
        if answer.citations:
            parts.append("**出典**")
            for n, c in enumerate(answer.citations, start=1):
                source = f"**[{n}]** {md_escape(where(c.source, c.page, c.section))}"
                parts.append(source if c.quote in body else f"{source}\n> {md_escape(c.quote)}")
    parts.append(f"*回答方式：{md_escape(answer.backend)}*")
    return "\n\n".join(parts)


def warnings_html(notices: list[Notice]) -> str:
    if not notices:
        return ""
    danger = [n.message for n in notices if n.is_danger]
    other = [n.message for n in notices if not n.is_danger]
    boxes = []
    for css, title, items in (
        ("ra-danger", "⚠ 審査への指示と思われる記載があります", danger),
        ("ra-warn", "⚠ 注意事項（確認してください）", other),
    ):
        if items:
            lis = "".join(f"<li>{html.escape(w)}</li>" for w in items)
            boxes.append(f'<div class="ra-box {css}"><strong>{title}</strong><ul>{lis}</ul></div>')
    return "".join(boxes)


def table_rows(ra: ReviewAssistant, view: SubmissionView) -> list[list[str]]:
    rows = []
    for item in view.items:
        c = ra.rubric.view(item.criterion_id)
        rows.append(
            [
                c.group,
                c.label,
                VERDICT_LABELS_JA[item.draft_verdict],
                verdict_ja(item.final_verdict, "未確定"),
                item.decision.reviewer if item.decision else "",
            ]
        )
    return rows


def summary_markdown(ra: ReviewAssistant, view: SubmissionView) -> str:
    draft = view.draft
    drafted = draft.drafted_at.astimezone().strftime("%Y-%m-%d %H:%M")
    backend = OFFLINE_LABEL if draft.backend == "offline" else draft.backend
    return (
        f"**提出物 {view.id}：{md_escape(view.file_name)}**　{md_escape(view.prefecture or '都道府県未設定')}・"
        f"{view.plan_type} {md_escape(ra.rubric.type_label(view.plan_type))}　"
        f"状態：{STATUS_LABELS_JA[view.status]}（{view.decided_count}/{view.item_count} 項目確定）　"
        f"下書き：{md_escape(backend)}・{drafted}"
    )


def item_markdown(ra: ReviewAssistant, item: ItemView) -> str:
    c = ra.rubric.view(item.criterion_id)
    lines = [
        f"### {md_escape(c.group)}｜{md_escape(c.label)}",
        f"**基準**（ガイドライン「{md_escape(c.section)}」）",
        f"> {md_escape(c.text)}",
        f"**判定（案）**：{VERDICT_LABELS_JA[item.draft_verdict]}　**判定（確定）**：{verdict_ja(item.final_verdict, '未確定')}",
    ]
    if item.decision:
        d = item.decision
        when = d.decided_at.astimezone().strftime("%Y-%m-%d %H:%M")
        lines.append(
            f"**審査者**：{md_escape(d.reviewer)}（{when}、版 {d.version}）　"
            f"**コメント**：{md_escape(d.comment) or '（なし）'}"
        )
    lines.append(f"**根拠**：{md_escape(item.rationale)}")
    if item.citations:
        lines.append("**引用**")
        lines.extend(
            f"{n}. {c.page}頁：「{md_escape(c.quote)}」" for n, c in enumerate(item.citations, start=1)
        )
    else:
        lines.append("**引用**：なし")
    lines.append(f"<small>項目ID：{md_escape(item.criterion_id)}</small>")
    return "\n\n".join(lines)


def batch_table(ra: ReviewAssistant, report: BatchReport) -> dict[str, Any]:
    """Plans down, criteria across, verdict codes in the cells (the grid of ``summary.xlsx``)."""
    grid = build_grid(report.rows, report.assessments, ra.rubric)
    headers = ["ファイル", "種別", "状態", *(f"{c.plan_type}｜{c.label}" for c in grid.criteria), "エラー"]
    status_ja = {"ok": "完了", "skipped": "処理済み", "error": "失敗"}
    data = [
        [
            r.file.file,
            r.file.plan_type or "",
            status_ja[r.file.status],
            *(VERDICT_CODES[r.verdicts[c.id]] if c.id in r.verdicts else "" for c in grid.criteria),
            r.file.error,
        ]
        for r in grid.rows
    ]
    return {"data": data, "headers": headers}


def focus_on_quote(shot: PageHighlight) -> Image.Image:
    """A full-width band of the page around the quote: a whole A4 page at screen width is unreadable."""
    if not shot.boxes:
        return shot.image
    width, height = shot.image.size
    top = min(b[1] for b in shot.boxes)
    bottom = max(b[3] for b in shot.boxes)
    margin = int(height * _FOCUS_CONTEXT)
    band = shot.image.crop((0, max(0, top - margin), width, min(height, bottom + margin)))
    ink = ImageChops.difference(band, Image.new("RGB", band.size, "white")).getbbox()
    if ink is None:
        return band
    pad = _FOCUS_PAD
    return band.crop((max(0, ink[0] - pad), 0, min(width, ink[2] + pad), band.size[1]))


def safe_stem(name: str) -> str:
    return _FILENAME_BAD.sub("_", Path(name).stem)[:60] or "plan"


def error_message(exc: Exception) -> str:
    return getattr(exc, "message", None) or str(exc)


def message_box(kind: Literal["ok", "warn", "danger"], text: str) -> str:
    lines = "<br>".join(html.escape(line) for line in text.splitlines())
    return f'<div class="ra-box ra-{kind}">{lines}</div>'


def unchanged(n: int) -> tuple[Any, ...]:
    return tuple(gr.update() for _ in range(n))
