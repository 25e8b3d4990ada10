"""What every tab shows the same way, as pure functions: they never trust plan text.

Plan text reaches the screen only through :func:`html.escape` (HTML) or
:func:`~assistant.text.markup.md_escape` (Markdown), because a plan is untrusted input.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any, Literal

import gradio as gr

from assistant.api import ReviewAssistant
from assistant.domain.labels import STATUS_LABELS_JA, VERDICT_LABELS_JA, role_label
from assistant.domain.models import User, Verdict
from assistant.domain.notices import Notice
from assistant.review.records import SubmissionSummary
from assistant.text.markup import md_escape

OFFLINE_LABEL = "オフライン下書き（LLM未使用・規則ベース）"
_FILENAME_BAD = re.compile(r'[\\/:*?"<>|\s]+')


def backend_label(ra: ReviewAssistant) -> str:
    if ra.resolve_backend("auto") == "llm":
        return f"llm:{ra.settings.llm_model}"
    return OFFLINE_LABEL


def answer_mode(backend: str, *, cites_plan: bool = False) -> str:
    """How an answer was made, in words staff use: 「offline」 means nothing to them."""
    if backend.startswith("llm:"):
        return f"AI（{backend.removeprefix('llm:')}）"
    return "ガイドライン・計画書からの抜粋（AIなし）" if cites_plan else "ガイドラインからの抜粋（AIなし）"


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


def verdict_badge(verdict: Verdict | None, *, missing: str = "未確定", small: bool = False) -> str:
    """A coloured label: the colour carries the verdict at a glance, the word says it exactly."""
    css = f"ra-badge ra-v-{verdict.value if verdict else 'none'}{' ra-badge-sm' if small else ''}"
    return f'<span class="{css}">{html.escape(VERDICT_LABELS_JA[verdict] if verdict else missing)}</span>'


def warnings_html(notices: list[Notice]) -> str:
    """Injected instructions in a red box, other warnings (OCR, type unsure …) in an amber one."""
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


def download_link(url: str, name: str, ttl: float) -> str:
    """A personal link: it works for this user only, once, for ``ttl`` seconds."""
    minutes = max(1, round(ttl / 60))
    return (
        f'<a class="ra-download" href="{html.escape(url)}" download="{html.escape(name)}">'
        f"⬇ {html.escape(name)}</a>"
        f'<span class="ra-hint">（あなた専用・1回限り・{minutes}分間有効）</span>'
    )


def safe_stem(name: str) -> str:
    return _FILENAME_BAD.sub("_", Path(name).stem)[:60] or "plan"


def error_message(exc: Exception) -> str:
    return getattr(exc, "message", None) or str(exc)


def message_box(kind: Literal["ok", "warn", "danger"], text: str) -> str:
    lines = "<br>".join(html.escape(line) for line in text.splitlines())
    return f'<div class="ra-box ra-{kind}">{lines}</div>'


def unchanged(n: int) -> tuple[Any, ...]:
    return tuple(gr.update() for _ in range(n))
