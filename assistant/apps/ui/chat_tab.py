"""The 質問 tab's layout and wiring: conversations on the left, the chat in the middle, the source
panel on the right (opened by a source chip)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gradio as gr

from .chat import ChatHandlers
from .session import GUIDELINES_ONLY, Session

PRIVATE: dict[str, Any] = {"api_visibility": "private"}


@dataclass
class ChatTab:
    scope: gr.Dropdown
    conversations: gr.Radio
    chatbot: gr.Chatbot
    conversation: gr.State
    examples: list[gr.Button]


def build_chat_tab(session: Session) -> ChatTab:
    """Must be called inside the ``gr.Tab``; returns what the page's load event fills in."""
    chat = ChatHandlers(session)
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=200, elem_id="ra-conv-col"):
            new = gr.Button("＋ 新しい会話", variant="secondary", elem_id="ra-conv-new")
            conversations = gr.Radio(
                label="これまでの会話（あなたのみ表示）", choices=[], value=None, elem_id="ra-conv-list"
            )
            delete = gr.Button("この会話を削除", size="sm", variant="stop", elem_id="ra-conv-delete")
        with gr.Column(scale=4, min_width=480):
            scope = gr.Dropdown(
                label="検索対象",
                choices=[("ガイドラインのみ", GUIDELINES_ONLY)],
                value=GUIDELINES_ONLY,
                elem_id="ra-scope",
            )
            chatbot = gr.Chatbot(
                label="回答",
                height=540,
                feedback_options=None,
                latex_delimiters=[],
                buttons=["copy"],
                placeholder="ガイドラインの要件や、選んだ計画書の内容について質問してください。"
                "回答の下の出典をクリックすると、原文を右側に表示します。",
                elem_id="ra-chat",
            )
            gr.HTML('<p class="ra-hint">質問の例（クリックすると送信します）</p>')
            with gr.Row(elem_id="ra-examples"):
                examples = [
                    gr.Button(
                        "", size="sm", variant="secondary", elem_id=f"ra-ex-{n}", elem_classes=["ra-example"]
                    )
                    for n in range(3)
                ]
            with gr.Row():
                question = gr.Textbox(
                    label="質問（Enterで送信、Shift+Enterで改行）",
                    placeholder="例：地域産業クラスター計画の有望度の要件は？",
                    lines=1,
                    max_lines=6,
                    scale=6,
                    elem_id="ra-question",
                )
                send = gr.Button("送信", variant="primary", scale=1, min_width=90, elem_id="ra-send")
        with gr.Column(scale=3, min_width=360, visible=False, elem_id="ra-source-col") as source_col:
            close = gr.Button("✕ 出典を閉じる", size="sm", elem_id="ra-source-close")
            source = gr.HTML(elem_id="ra-source")
    conversation = gr.State(None)
    source_req = gr.Textbox(elem_id="ra-source-req", elem_classes=["ra-bridge"], container=False)

    ask_outputs = [chatbot, conversation, question, conversations]
    ask: dict[str, Any] = {
        "fn": chat.ask,
        "inputs": [question, scope, conversation],
        "outputs": ask_outputs,
        "show_progress": "hidden",
        **PRIVATE,
    }
    send.click(api_name="ask", **ask)
    question.submit(**ask)
    for button in examples:
        button.click(lambda text: text, button, question, queue=False, **PRIVATE).then(**ask)
    scope.change(chat.examples, [scope], examples, queue=False, **PRIVATE)
    fresh = [chatbot, conversation, conversations, source_col, source]
    new.click(chat.new, None, fresh, **PRIVATE)
    chatbot.clear(chat.new, None, fresh, **PRIVATE)  # the chat's own clear button starts a new one too
    conversations.input(chat.open, [conversations], [chatbot, conversation, source_col, source], **PRIVATE)
    delete.click(chat.delete, [conversation], [chatbot, conversation, conversations], **PRIVATE)
    source_req.change(
        chat.open_source,
        [source_req, conversation],
        [source_col, source],
        concurrency_id="pdfium",
        concurrency_limit=1,
        show_progress="hidden",
        **PRIVATE,
    )
    close.click(lambda: gr.update(visible=False), None, [source_col], queue=False, **PRIVATE)
    return ChatTab(
        scope=scope,
        conversations=conversations,
        chatbot=chatbot,
        conversation=conversation,
        examples=examples,
    )
