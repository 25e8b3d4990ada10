"""The 審査 tab's layout and wiring: two panes, the criteria on the left and the selected item on the
right (its text and decision beside its page images), with next/previous and keyboard shortcuts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from .agreement import build_agreement_panel
from .review import PLAN_TYPE_AUTO, ReviewHandlers
from .review_export import EXPORT_FORMATS
from .review_html import SHORTCUTS, final_choices
from .session import Session

PRIVATE: dict[str, Any] = {"api_visibility": "private"}
#: PDFium is not thread-safe: everything that draws pages queues behind one lock-holder.
PDFIUM: dict[str, Any] = {"concurrency_id": "pdfium", "concurrency_limit": 1}


@dataclass
class ReviewTab:
    submission: gr.Dropdown
    prefecture: gr.Textbox
    prefecture_note: gr.Markdown
    decide_group: gr.Group
    review_outputs: list[Any]
    handlers: ReviewHandlers


def build_review_tab(session: Session, type_choices: list[tuple[str, str]], scope: gr.Dropdown) -> ReviewTab:
    """Must be called inside the ``gr.Tab``; ``scope`` is the chat's plan list, refreshed on drafts."""
    rv = ReviewHandlers(session)
    with gr.Row():
        sub_dd = gr.Dropdown(
            label="保存済みの提出物", choices=[], value=None, scale=5, elem_id="ra-submission"
        )
        refresh = gr.Button("一覧を更新", scale=1)
    with gr.Accordion("新しい計画書を登録して下書きを作成", open=False, elem_id="ra-new"), gr.Row():
        upload = gr.File(
            label="計画書（PDF または Word .docx）",
            file_types=[".pdf", ".docx"],
            type="filepath",
            elem_id="ra-upload",
        )
        with gr.Column():
            plan_type = gr.Radio(type_choices, value=PLAN_TYPE_AUTO, label="計画種別")
            pref_box = gr.Textbox(label="都道府県", placeholder="例：東雲県", elem_id="ra-pref")
            pref_note = gr.Markdown()
            draft_btn = gr.Button("チェックリストを下書き", variant="primary", elem_id="ra-draft")
    status = gr.HTML(elem_id="ra-status")
    warn = gr.HTML(elem_id="ra-warnings")
    summary = gr.HTML(elem_id="ra-summary")
    with gr.Row(equal_height=False, elem_id="ra-review-panes"):
        with gr.Column(scale=2, min_width=300, elem_id="ra-left"):
            counts = gr.HTML(elem_id="ra-counts")
            criteria = gr.HTML(elem_id="ra-criteria")
        with gr.Column(scale=7, elem_id="ra-right"), gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=380):
                with gr.Row():
                    prev_btn = gr.Button("◀ 前の項目（K）", size="sm", elem_id="ra-prev")
                    next_btn = gr.Button("次の項目（J）▶", size="sm", elem_id="ra-next")
                gr.HTML(f'<p class="ra-hint">{SHORTCUTS}</p>', elem_id="ra-shortcuts")
                detail = gr.HTML(elem_id="ra-detail")
                with gr.Group(elem_id="ra-decide") as decide_group:
                    verdict = gr.Radio(
                        final_choices(), value=None, label="判定（確定）", elem_id="ra-verdict"
                    )
                    comment = gr.Textbox(
                        label="コメント（案と異なる判定にする場合は理由を必ず記入）",
                        lines=2,
                        elem_id="ra-comment",
                    )
                    with gr.Row():
                        confirm_btn = gr.Button("案のとおり確定", variant="primary", elem_id="ra-confirm")
                        override_btn = gr.Button("選んだ判定で確定", elem_id="ra-override")
                decide_status = gr.HTML(elem_id="ra-decide-status")
            with gr.Column(scale=4, min_width=440):
                pages = gr.HTML(elem_id="ra-pages")
    with gr.Row():
        export_buttons = {
            fmt: gr.Button(label, elem_id=f"ra-export-{fmt}") for fmt, label in EXPORT_FORMATS.items()
        }
    export_status = gr.HTML(elem_id="ra-export-status")
    export_file = gr.HTML(elem_id="ra-export-file")
    build_agreement_panel(session)
    picked = gr.Textbox(elem_id="ra-item-pick", elem_classes=["ra-bridge"], container=False)
    sub_state, order_state, item_state = gr.State(None), gr.State([]), gr.State(None)
    version_state, export_state = gr.State(None), gr.State(None)

    item_outputs = [
        item_state,
        criteria,
        detail,
        pages,
        verdict,
        comment,
        version_state,
        decide_status,
        confirm_btn,
    ]
    review_outputs = [
        sub_state,
        order_state,
        warn,
        summary,
        counts,
        *item_outputs,
        export_file,
        export_status,
        export_state,
        status,
    ]
    refresh.click(session.refresh_lists, [sub_dd], [sub_dd, scope, status], **PRIVATE)
    sub_dd.input(lambda: "", None, [status], queue=False, **PRIVATE).then(
        rv.load_submission, [sub_dd], review_outputs, api_name="load_submission", **PDFIUM, **PRIVATE
    )
    draft_btn.click(
        rv.draft, [upload, plan_type, pref_box], [sub_dd, scope, upload, status], **PDFIUM, **PRIVATE
    ).success(rv.load_submission, [sub_dd], review_outputs, **PDFIUM, **PRIVATE)
    picked.change(rv.pick, [sub_state, picked], item_outputs, show_progress="hidden", **PDFIUM, **PRIVATE)
    for button, step in ((next_btn, rv.next_item), (prev_btn, rv.previous_item)):
        button.click(
            step,
            [sub_state, order_state, item_state],
            item_outputs,
            show_progress="hidden",
            **PDFIUM,
            **PRIVATE,
        )
    decide_outputs = [
        criteria,
        counts,
        detail,
        verdict,
        comment,
        version_state,
        confirm_btn,
        export_file,
        export_status,
        decide_status,
    ]
    confirm_btn.click(
        rv.confirm, [sub_state, item_state, comment, version_state, export_state], decide_outputs, **PRIVATE
    )
    override_btn.click(
        rv.override,
        [sub_state, item_state, verdict, comment, version_state, export_state],
        decide_outputs,
        **PRIVATE,
    )
    for fmt, button in export_buttons.items():
        button.click(
            rv.export, [sub_state, gr.State(fmt)], [export_file, export_status, export_state], **PRIVATE
        )
    return ReviewTab(
        submission=sub_dd,
        prefecture=pref_box,
        prefecture_note=pref_note,
        decide_group=decide_group,
        review_outputs=review_outputs,
        handlers=rv,
    )
