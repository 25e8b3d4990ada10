"""The 一括 tab's layout and wiring (reviewers only; the library refuses anyone else)."""

from __future__ import annotations

from typing import Any

import gradio as gr

from .batch import BatchHandlers
from .review import PLAN_TYPE_AUTO
from .session import Session

PRIVATE: dict[str, Any] = {"api_visibility": "private"}


def build_batch_tab(session: Session, type_choices: list[tuple[str, str]]) -> None:
    """Must be called inside the ``gr.Tab``."""
    bt = BatchHandlers(session)
    gr.Markdown(
        "複数の計画書を一度に下書きします（審査担当者のみ）。計画種別ごとの一覧と、summary.xlsx・files.csv・"
        "checklist.csv をダウンロードできます。失敗したファイルは行ごとに再試行できます。"
    )
    with gr.Row():
        files = gr.File(
            label="計画書（PDF・Word .docx、複数可）",
            file_count="multiple",
            file_types=[".pdf", ".docx"],
            type="filepath",
            elem_id="ra-batch-files",
        )
        with gr.Column():
            folder = gr.Textbox(label="またはサーバー上のフォルダ", placeholder="/srv/plans/2026")
            plan_type = gr.Radio(type_choices, value=PLAN_TYPE_AUTO, label="計画種別")
            save = gr.Checkbox(label="審査記録に保存する", value=False)
            prefecture = gr.Textbox(label="都道府県（保存時）")
            run_btn = gr.Button("一括で下書き", variant="primary", elem_id="ra-batch-run")
    progress = gr.HTML(elem_id="ra-batch-progress")
    status = gr.HTML(elem_id="ra-batch-status")
    legend = gr.HTML(elem_id="ra-batch-legend")
    tables = gr.HTML(elem_id="ra-batch-results")
    with gr.Row():
        downloads = gr.HTML(elem_id="ra-batch-downloads")
        relink = gr.Button("ダウンロード用のリンクを作り直す", size="sm", scale=0, elem_id="ra-batch-relink")
    retry = gr.Textbox(elem_id="ra-retry", elem_classes=["ra-bridge"], container=False)
    run = gr.State(None)

    outputs = [progress, status, legend, tables, downloads, files, run]
    run_btn.click(
        bt.batch,
        [files, folder, plan_type, save, prefecture],
        outputs,
        api_name="batch",
        concurrency_id="batch",
        concurrency_limit=1,
        show_progress="hidden",
        **PRIVATE,
    )
    retry.change(
        bt.retry,
        [retry, run],
        outputs,
        concurrency_id="batch",
        concurrency_limit=1,
        show_progress="hidden",
        **PRIVATE,
    )
    relink.click(bt.relink, [run], [downloads], **PRIVATE)
