"""The 質問 tab's handlers: questions answered with sources, kept as the user's own conversations.

Every handler takes the user from the server-side session and hands ids to the library API, which
decides what that user may see: the browser sends a conversation id, a turn and a citation number,
never a path or a plan text.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import gradio as gr

from assistant.domain.errors import AccessDeniedError, ReviewAssistantError
from assistant.domain.models import Answer, AnswerDelta, User
from assistant.domain.notices import Notice
from assistant.review.conflicts import japan_time
from assistant.review.conversations import Conversation
from assistant.text.markup import md_escape

from .answer_html import answer_html, provisional_html, reveal_steps
from .format import error_message, message_box, unchanged
from .session import GUIDELINES_ONLY, Session
from .sources import source_panel

Messages = list[dict[str, str]]
#: Seconds between the steps that reveal an offline answer: the whole reveal takes about a tenth of a second.
REVEAL_PAUSE = 0.03
SOURCE_SLOT = "chat-source"
SEARCHING = '<div class="ra-answer ra-provisional"><p class="ra-note">ガイドラインを検索しています…</p></div>'

EXAMPLES: dict[str, list[str]] = {
    "prefecture": [
        "地場産業成長プランの外部依存性の要件は？",
        "地域クラスターと地場プランで有望度の違いは？",
        "地域産業クラスター計画のKPIはどう書けばよいですか",
    ],
    "reviewer": [
        "地域クラスターと地場プランで有望度の違いは？",
        "戦略産業クラスター計画の実現可能性の基準は？",
        "費用対効果はどのように確認しますか",
    ],
    "plan": [
        "この計画は外部依存性の基準を満たしていますか",
        "KPIは設定されていますか",
        "投資計画の規模とスケジュールは？",
    ],
}


def examples_for(user: User, scope: str | None) -> list[str]:
    """Questions a first-time user can click: about the plan once one is chosen, else by role."""
    if scope not in (None, "", GUIDELINES_ONLY):
        return EXAMPLES["plan"]
    return EXAMPLES[user.role]


def _plan_ref(scope: str | None) -> str | None:
    if scope in (None, "", GUIDELINES_ONLY):
        return None
    if str(scope).isdigit():
        return str(scope)
    raise AccessDeniedError("計画書は一覧から選んでください / pick a plan from the list")


def _merged(answer: Answer, plan_notices: list[Notice]) -> Answer:
    """The answer with the warnings about its plan, each once, so a quote from a page with an
    injected instruction is never shown without the red warning."""
    seen = {n.message for n in answer.notices}
    extra = [n for n in plan_notices if n.message not in seen]
    return answer.model_copy(update={"notices": [*answer.notices, *extra]}) if extra else answer


def _asked(question: str, plan_file: str | None) -> dict[str, str]:
    """The user's question as sent, with the plan it was about."""
    text = md_escape(question)
    if plan_file is not None:
        text += f"\n\n*（計画書：{md_escape(plan_file)}）*"
    return {"role": "user", "content": text}


class ChatHandlers:
    def __init__(self, session: Session) -> None:
        self.s = session

    # -- conversations -------------------------------------------------------------------------
    def _choices(self, user: User) -> list[tuple[str, str]]:
        return [
            (f"{c.title}（{japan_time(c.updated_at).removesuffix(' JST')}）", str(c.id))
            for c in self.s.ra.conversations.list(user)
        ]

    def _messages(self, conversation: Conversation, user: User) -> Messages:
        names = {str(s.id): s.file_name for s in self.s.ra.submissions(user)}
        messages: Messages = []
        for turn in conversation.turns:
            plan_file = names.get(turn.plan, "閲覧できない計画書") if turn.plan else None
            messages.append(_asked(turn.question, plan_file))
            html_answer = answer_html(
                turn.answer, turn=turn.position, notices=turn.answer.notices, plan_file=plan_file
            )
            messages.append({"role": "assistant", "content": html_answer})
        return messages

    def load(self, scope: str | None, request: gr.Request) -> tuple[Any, ...]:
        """After a reload the user's latest conversation is back on screen, the list beside it."""
        try:
            user = self.s.user(request)
            choices = self._choices(user)
            latest = int(choices[0][1]) if choices else None
            messages = self._messages(self.s.ra.conversations.get(latest, user), user) if latest else []
        except ReviewAssistantError:
            return (gr.update(), [], None, *self.examples(scope, request))
        value = str(latest) if latest else None
        return (gr.update(choices=choices, value=value), messages, latest, *self.examples(scope, request))

    def examples(self, scope: str | None, request: gr.Request) -> tuple[Any, ...]:
        try:
            questions = examples_for(self.s.user(request), scope)
        except ReviewAssistantError:
            return unchanged(3)
        return tuple(gr.update(value=q) for q in questions)

    def new(self) -> tuple[Any, ...]:
        """An empty chat; the conversation is stored with its first question, not before."""
        return [], None, gr.update(value=None), gr.update(visible=False), ""

    def open(self, value: str | None, request: gr.Request) -> tuple[Any, ...]:
        if not value or not value.isdigit():
            return unchanged(4)
        try:
            user = self.s.user(request)
            conversation = self.s.ra.conversations.get(int(value), user)
            messages = self._messages(conversation, user)
        except ReviewAssistantError as exc:
            return (
                gr.update(),
                gr.update(),
                gr.update(visible=True),
                message_box("danger", error_message(exc)),
            )
        return messages, conversation.id, gr.update(visible=False), ""

    def delete(self, conversation_id: int | None, request: gr.Request) -> tuple[Any, ...]:
        if conversation_id is None:
            return unchanged(3)
        try:
            user = self.s.user(request)
            self.s.ra.conversations.delete(conversation_id, user)
            choices = self._choices(user)
        except ReviewAssistantError:
            return unchanged(3)
        return [], None, gr.update(choices=choices, value=None)

    def open_source(
        self, request_text: str, conversation_id: int | None, request: gr.Request
    ) -> tuple[Any, str]:
        """``request_text`` is what the page script wrote for a clicked chip: ``ra-ref-<turn>-<n>#nonce``."""
        ref = (request_text or "").partition("#")[0].removeprefix("ra-ref-").split("-")
        if conversation_id is None or len(ref) != 2 or not all(p.isdigit() for p in ref):
            return gr.update(), ""
        try:
            user = self.s.user(request)
            cited = self.s.ra.conversations.source(conversation_id, int(ref[0]), int(ref[1]), user)
        except ReviewAssistantError as exc:
            return gr.update(visible=True), message_box("danger", error_message(exc))

        def offer(name: str, data: bytes) -> str:
            return self.s.offer(request, user, name, data, "image/png", once=False, slot=SOURCE_SLOT)

        self.s.withdraw(request, user, SOURCE_SLOT)

        return gr.update(visible=True), source_panel(cited, int(ref[1]), offer)

    # -- asking ----------------------------------------------------------------------------------
    def ask(
        self, question: str, scope: str | None, conversation_id: int | None, request: gr.Request
    ) -> Iterator[tuple[Any, ...]]:
        """Yields (chat, conversation id, question box, conversation list) as the answer grows."""
        question = (question or "").strip()
        if not question:
            yield unchanged(4)
            return
        try:
            user = self.s.user(request)
            conversation = self.s.ra.conversations.get(conversation_id, user) if conversation_id else None
            messages = self._messages(conversation, user) if conversation else []
        except ReviewAssistantError as exc:
            yield (
                [{"role": "assistant", "content": f"**⚠ {md_escape(error_message(exc))}**"}],
                None,
                "",
                gr.update(),
            )
            return
        messages.append(_asked(question, None))
        messages.append({"role": "assistant", "content": SEARCHING})
        yield messages, conversation_id, "", gr.update()
        try:
            plan = _plan_ref(scope)
            plan_view = self.s.ra.submission(int(plan), user) if plan else None
            messages[-2] = _asked(question, plan_view.file_name if plan_view else None)
            history = conversation.history() if conversation else None
            final: Answer | None = None
            draft = ""
            for event in self.s.ra.stream_ask(question, plan=plan, user=user, history=history):
                if isinstance(event, AnswerDelta):
                    draft += event.text
                    messages[-1] = {"role": "assistant", "content": provisional_html(draft)}
                    yield messages, conversation_id, "", gr.update()
                else:
                    final = event
            if final is None:
                raise ReviewAssistantError("回答を作成できませんでした / no answer was produced")
            if not draft:
                for text in reveal_steps(final):
                    messages[-1] = {"role": "assistant", "content": provisional_html(text)}
                    yield messages, conversation_id, "", gr.update()
                    time.sleep(REVEAL_PAUSE)
            final = _merged(final, plan_view.draft.notices if plan_view else [])
            summary = self.s.ra.conversations.record(conversation_id, question, plan, final, user)
            position = summary.turn_count - 1
            messages[-1] = {
                "role": "assistant",
                "content": answer_html(
                    final,
                    turn=position,
                    notices=final.notices,
                    plan_file=plan_view.file_name if plan_view else None,
                ),
            }
            yield messages, summary.id, "", gr.update(choices=self._choices(user), value=str(summary.id))
        except ReviewAssistantError as exc:
            messages[-1] = {"role": "assistant", "content": f"**⚠ {md_escape(error_message(exc))}**"}
            yield messages, conversation_id, "", gr.update()
