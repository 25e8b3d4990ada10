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
from assistant.review.users import UserStore
from assistant.settings import Settings, is_loopback_host

from .auth import gradio_auth
from .batch_tab import build_batch_tab
from .chat import ChatHandlers
from .chat_tab import build_chat_tab
from .files_route import install_files_route
from .review import PLAN_TYPE_AUTO
from .review_tab import build_review_tab
from .session import Session

#: The screens' styles and behaviour ship beside this module (see ``ui.css`` and ``ui.js``).
ASSETS = Path(__file__).resolve().parent
PRIVATE: dict[str, Any] = {"api_visibility": "private"}


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


def build_app(ra: ReviewAssistant, users: UserStore | None, export_dir: Path) -> tuple[gr.Blocks, Session]:
    """The three tabs; the session is returned too, for the download route (see :func:`launch`)."""
    session = Session(ra, users, export_dir)
    type_choices = [
        ("自動判定", PLAN_TYPE_AUTO),
        *((f"{t}：{info.label}", t) for t, info in ra.rubric.plan_types.items()),
    ]
    with gr.Blocks(
        title="審査支援 review-assistant", analytics_enabled=False, delete_cache=(3600, 3600)
    ) as demo:
        header = gr.Markdown(elem_classes=["ra-header"], elem_id="ra-header")
        with gr.Tabs():
            with gr.Tab("質問", id="ask"):
                chat = build_chat_tab(session)
            with gr.Tab("審査", id="review"):
                review = build_review_tab(session, type_choices, chat.scope)
            with gr.Tab("一括", id="batch", visible=False) as batch_tab:
                build_batch_tab(session, type_choices)

        chat_handlers = ChatHandlers(session)
        demo.load(
            session.on_load,
            None,
            [
                header,
                chat.scope,
                review.submission,
                review.prefecture,
                review.prefecture_note,
                review.decide_group,
                batch_tab,
            ],
            **PRIVATE,
        ).then(
            chat_handlers.load,
            [chat.scope],
            [chat.conversations, chat.chatbot, chat.conversation, *chat.examples],
            **PRIVATE,
        ).then(
            review.handlers.load_submission,
            [review.submission],
            review.review_outputs,
            concurrency_id="pdfium",
            concurrency_limit=1,
            **PRIVATE,
        )
    return demo, session


def launch(settings: Settings, *, host: str, port: int) -> None:
    """Start the UI and block; raises :class:`UiStartError` before loading anything when unsafe."""
    users = users_for_launch(settings, host)
    ra = ReviewAssistant(settings)
    # Build the shared components (and load the embedding model) before the first request, so two
    # worker threads never race to create them and the first question is not the slow one.
    ra.ensure_corpus()
    _ = ra.reviews, ra.rubric
    export_dir = Path(tempfile.mkdtemp(prefix="ra-ui-"))
    demo, session = build_app(ra, users, export_dir)
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
            css_paths=[ASSETS / "ui.css"],
            head=f"<script>{(ASSETS / 'ui.js').read_text(encoding='utf-8')}</script>",
            prevent_thread_lock=True,
        )
        install_files_route(demo, session)
        demo.block_thread()
    finally:
        shutil.rmtree(export_dir, ignore_errors=True)
