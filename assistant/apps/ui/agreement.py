"""The reviewers' panel on how often they kept the drafts, per criterion group and drafting backend.

It reads the same statistics as ``review-assistant review stats`` through the library, which allows
them to reviewers only; a prefecture user is told so instead of seeing a table.
"""

from __future__ import annotations

import html

import gradio as gr

from assistant.domain.errors import ReviewAssistantError
from assistant.reports.agreement import changes_ja
from assistant.review.stats import Agreement

from .format import error_message, message_box
from .session import Session


def _row(row: Agreement) -> str:
    rate = "－" if row.rate is None else f"{row.rate:.0%}"
    cells = (row.group, row.backend, str(row.decided), str(row.kept), rate, changes_ja(row, "：") or "－")
    return "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>"


def agreement_html(session: Session, request: gr.Request) -> str:
    try:
        stats = session.ra.review_stats(session.user(request))
    except ReviewAssistantError as exc:
        return message_box("warn", error_message(exc))
    if not stats.decided:
        return message_box(
            "ok",
            "確定した判定はまだありません。確定が増えると、下書きをどこまで信頼できるかがここに表れます。",
        )
    head = "".join(
        f"<th>{h}</th>"
        for h in ("要件区分", "下書き方式", "確定数", "案のとおり", "一致率", "変更の内訳（案→確定）")
    )
    body = "".join(_row(r) for r in [*stats.by_group, *stats.by_backend])
    return (
        f'<p class="ra-hint">確定 {stats.decided} 件のうち、下書きの判定のまま確定した割合です。</p>'
        f'<table class="ra-agreement"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    )


def build_agreement_panel(session: Session) -> None:
    with gr.Accordion("下書きと審査者の判定の一致（審査担当向け）", open=False, elem_id="ra-agreement"):
        show = gr.Button("集計を表示", size="sm", elem_id="ra-agreement-show")
        table = gr.HTML(elem_id="ra-agreement-table")

    def show_table(request: gr.Request) -> str:
        return agreement_html(session, request)

    show.click(show_table, None, [table], api_visibility="private")
