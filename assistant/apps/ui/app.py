"""The web UI: a Gradio layer over :class:`~assistant.api.ReviewAssistant`.

Submissions are referenced by id only, never by server path, and plan text is escaped before it
is shown, because a plan is untrusted input. The layout lives here; the handlers live in one module
per tab.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.api import ReviewAssistant
from assistant.domain.errors import ReviewAssistantError
from assistant.domain.labels import VERDICT_LABELS_JA
from assistant.review.users import UserStore
from assistant.settings import Settings, is_loopback_host

from .auth import gradio_auth
from .batch import BatchHandlers
from .chat import ChatHandlers
from .format import TABLE_HEADERS
from .review import EXPORT_FORMATS, PLAN_TYPE_AUTO, ReviewHandlers
from .session import GUIDELINES_ONLY, Session

CSS = """
.ra-header { font-size: 0.95em; }
.ra-box { border-radius: 6px; padding: .6em 1em; margin: .3em 0; }
.ra-danger { border: 2px solid #dc2626; background: #fef2f2; color: #7f1d1d; }
.ra-warn { border: 2px solid #d97706; background: #fffbeb; color: #78350f; }
.ra-ok { border: 1px solid #16a34a; background: #f0fdf4; color: #14532d; }
.ra-box ul { margin: .2em 0 .2em 1.2em; }
"""


class UiStartError(ReviewAssistantError):
    """The UI refuses to start in an unsafe configuration (the CLI exits 2)."""

    code = "ui_start"


def users_for_launch(settings: Settings, host: str) -> UserStore | None:
    """Sign-in is required whenever users exist; without users only this machine may connect."""
    store = UserStore(settings.users_path)
    if store.records():
        return store
    if is_loopback_host(host):
        return None
    raise UiStartError(
        f"{host} で公開するにはユーザー登録が必要です。`review-assistant users add` でユーザーを作成するか、"
        f"--host 127.0.0.1 で起動してください（ユーザーファイル：{settings.users_path}） / refusing to listen on a "
        "non-loopback address without users; add users first"
    )


def build_app(ra: ReviewAssistant, users: UserStore | None, export_dir: Path) -> gr.Blocks:
    session = Session(ra, users, export_dir)
    chat, rv, bt = ChatHandlers(session), ReviewHandlers(session), BatchHandlers(session)
    type_choices = [
        ("自動判定", PLAN_TYPE_AUTO),
        *((f"{t}：{info.label}", t) for t, info in ra.rubric.plan_types.items()),
    ]
    verdict_choices = [(label, v.value) for v, label in VERDICT_LABELS_JA.items()]
    private: dict[str, Any] = {"api_visibility": "private"}

    with gr.Blocks(
        title="審査支援 review-assistant", analytics_enabled=False, delete_cache=(3600, 3600)
    ) as demo:
        header = gr.Markdown(elem_classes=["ra-header"], elem_id="ra-header")
        with gr.Tabs():
            with gr.Tab("質問", id="ask"):
                scope = gr.Dropdown(
                    label="検索対象",
                    choices=[("ガイドラインのみ", GUIDELINES_ONLY)],
                    value=GUIDELINES_ONLY,
                    elem_id="ra-scope",
                )
                chatbot = gr.Chatbot(
                    label="回答",
                    height=520,
                    feedback_options=None,
                    latex_delimiters=[],
                    buttons=["copy", "copy_all"],
                    elem_id="ra-chat",
                )
                history = gr.State([])
                with gr.Row():
                    question = gr.Textbox(
                        label="質問",
                        placeholder="例：地域産業クラスター計画の有望度の要件は？",
                        lines=2,
                        scale=5,
                        elem_id="ra-question",
                    )
                    with gr.Column(scale=1, min_width=120):
                        send = gr.Button("送信", variant="primary", elem_id="ra-send")
                        clear = gr.Button("会話を消去")

            with gr.Tab("審査", id="review"):
                with gr.Row():
                    sub_dd = gr.Dropdown(
                        label="保存済みの提出物", choices=[], value=None, scale=5, elem_id="ra-submission"
                    )
                    refresh = gr.Button("一覧を更新", scale=1)
                with (
                    gr.Accordion("新しい計画書を登録して下書きを作成", open=False, elem_id="ra-new"),
                    gr.Row(),
                ):
                    upload = gr.File(
                        label="計画書PDF", file_types=[".pdf"], type="filepath", elem_id="ra-upload"
                    )
                    with gr.Column():
                        plan_type = gr.Radio(type_choices, value=PLAN_TYPE_AUTO, label="計画種別")
                        pref_box = gr.Textbox(label="都道府県", placeholder="例：東雲県", elem_id="ra-pref")
                        pref_note = gr.Markdown()
                        draft_btn = gr.Button("チェックリストを下書き", variant="primary", elem_id="ra-draft")
                status = gr.HTML(elem_id="ra-status")
                warn = gr.HTML(elem_id="ra-warnings")
                summary = gr.Markdown(elem_id="ra-summary")
                table = gr.Dataframe(headers=TABLE_HEADERS, interactive=False, wrap=True, elem_id="ra-table")
                item_dd = gr.Dropdown(
                    label="項目を選択（表の行をクリックしても選べます）",
                    choices=[],
                    value=None,
                    elem_id="ra-item",
                )
                with gr.Row():
                    with gr.Column(scale=2):
                        detail = gr.Markdown(elem_id="ra-detail", latex_delimiters=[])
                        with gr.Group(elem_id="ra-decide") as decide_group:
                            verdict_dd = gr.Dropdown(
                                label="判定（確定）",
                                choices=verdict_choices,
                                value=None,
                                elem_id="ra-verdict",
                            )
                            comment = gr.Textbox(
                                label="コメント（判定を変更する場合は理由を必ず記入）",
                                lines=2,
                                elem_id="ra-comment",
                            )
                            with gr.Row():
                                confirm_btn = gr.Button(
                                    "案のとおり確定", variant="primary", elem_id="ra-confirm"
                                )
                                override_btn = gr.Button("判定を変更して確定", elem_id="ra-override")
                        decide_status = gr.HTML(elem_id="ra-decide-status")
                    with gr.Column(scale=3):
                        pages = gr.Gallery(
                            label="引用箇所（該当頁・黄色が引用）",
                            columns=1,
                            height="auto",
                            object_fit="contain",
                            format="png",
                            elem_id="ra-pages",
                        )
                with gr.Row():
                    export_buttons = {
                        fmt: gr.Button(label, elem_id=f"ra-export-{fmt}")
                        for fmt, label in EXPORT_FORMATS.items()
                    }
                export_status = gr.HTML(elem_id="ra-export-status")
                export_file = gr.File(label="ダウンロード", interactive=False, elem_id="ra-export-file")
                sub_state = gr.State(None)
                order_state = gr.State([])
                version_state = gr.State(None)

            with gr.Tab("一括", id="batch", visible=False) as batch_tab:
                gr.Markdown(
                    "複数の計画書を一度に下書きします（審査担当者のみ）。結果は一覧表と summary.xlsx で確認できます。"
                )
                with gr.Row():
                    batch_files = gr.File(
                        label="計画書PDF（複数可）",
                        file_count="multiple",
                        file_types=[".pdf"],
                        type="filepath",
                        elem_id="ra-batch-files",
                    )
                    with gr.Column():
                        batch_folder = gr.Textbox(
                            label="またはサーバー上のフォルダ", placeholder="/srv/plans/2026"
                        )
                        batch_type = gr.Radio(type_choices, value=PLAN_TYPE_AUTO, label="計画種別")
                        batch_save = gr.Checkbox(label="審査記録に保存する", value=False)
                        batch_pref = gr.Textbox(label="都道府県（保存時）")
                        batch_btn = gr.Button("一括で下書き", variant="primary", elem_id="ra-batch-run")
                batch_status = gr.HTML(elem_id="ra-batch-status")
                batch_out = gr.Dataframe(
                    label="一覧（行：計画書、列：項目　○満たす △一部 ×満たさない －記載なし）",
                    interactive=False,
                    elem_id="ra-batch-table",
                )
                batch_file = gr.File(label="summary.xlsx", interactive=False, elem_id="ra-batch-file")

        review_outputs = [
            sub_state,
            order_state,
            warn,
            summary,
            table,
            item_dd,
            detail,
            pages,
            version_state,
            status,
        ]
        demo.load(
            session.on_load,
            None,
            [header, scope, sub_dd, pref_box, pref_note, decide_group, batch_tab],
            **private,
        ).then(rv.load_submission, [sub_dd], review_outputs, **private)

        ask_event = {
            "fn": chat.ask,
            "inputs": [question, scope, history],
            "outputs": [chatbot, history, question],
            **private,
        }
        send.click(api_name="ask", **ask_event)
        question.submit(**ask_event)
        clear.click(lambda: ([], []), None, [chatbot, history], **private)
        chatbot.clear(lambda: [], None, [history], **private)

        refresh.click(session.refresh_lists, [sub_dd], [sub_dd, scope, status], **private)
        sub_dd.input(lambda: "", None, [status], **private).then(
            rv.load_submission, [sub_dd], review_outputs, api_name="load_submission", **private
        )
        draft_btn.click(
            rv.draft,
            [upload, plan_type, pref_box],
            [sub_dd, scope, upload, status],
            concurrency_id="pdfium",
            concurrency_limit=1,
            **private,
        ).success(rv.load_submission, [sub_dd], review_outputs, **private)
        table.select(rv.pick_row, [order_state], [item_dd], **private)
        item_dd.change(
            rv.show_item,
            [sub_state, item_dd],
            [detail, pages, verdict_dd, comment, version_state, decide_status],
            concurrency_id="pdfium",
            concurrency_limit=1,
            **private,
        )
        decide_outputs = [table, summary, detail, verdict_dd, comment, version_state, decide_status]
        confirm_btn.click(rv.confirm, [sub_state, item_dd, comment, version_state], decide_outputs, **private)
        override_btn.click(
            rv.override, [sub_state, item_dd, verdict_dd, comment, version_state], decide_outputs, **private
        )
        for fmt, button in export_buttons.items():
            button.click(rv.export, [sub_state, gr.State(fmt)], [export_file, export_status], **private)
        batch_btn.click(
            bt.batch,
            [batch_files, batch_folder, batch_type, batch_save, batch_pref],
            [batch_out, batch_file, batch_status],
            concurrency_limit=1,
            **private,
        )
    return demo


def launch(settings: Settings, *, host: str, port: int) -> None:
    """Start the UI and block; raises :class:`UiStartError` before loading anything when unsafe."""
    users = users_for_launch(settings, host)
    ra = ReviewAssistant(settings)
    # Build the shared components (and load the embedding model) before the first request, so two
    # worker threads never race to create them and the first question is not the slow one.
    ra.ensure_corpus()
    _ = ra.reviews, ra.rubric
    export_dir = Path(tempfile.mkdtemp(prefix="ra-ui-"))
    demo = build_app(ra, users, export_dir)
    demo.queue(default_concurrency_limit=2)
    mode = "ログインあり" if users is not None else "ローカル単独モード（ログインなし・このPCからのみ接続可）"
    print(f"審査支援UIを起動します：http://{host}:{port}/ （{mode}）", flush=True)
    if not is_loopback_host(host):
        print(
            "注意：通信は暗号化されていません。組織内で公開する場合はTLS終端（リバースプロキシ）の背後で運用してください。",
            flush=True,
        )
    try:
        demo.launch(
            server_name=host,
            server_port=port,
            share=False,
            inbrowser=False,
            auth=gradio_auth(users) if users is not None else None,
            auth_message="審査支援 review-assistant：ユーザー名とパスワードを入力してください。",
            footer_links=[],
            run_history=False,
            enable_monitoring=False,
            ssr_mode=False,
            pwa=False,
            mcp_server=False,
            show_error=False,
            max_file_size="200mb",
            blocked_paths=[str(settings.data_dir.resolve()), str(settings.users_path.resolve())],
            theme=gr.themes.Default(
                font=["IPAexGothic", "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", "Meiryo", "sans-serif"]
            ),
            css=CSS,
        )
    finally:
        shutil.rmtree(export_dir, ignore_errors=True)
