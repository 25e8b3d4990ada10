"""The 質問 tab: questions about the requirements (and a plan the user may see), answered with sources."""

from __future__ import annotations

from collections.abc import Iterator

import gradio as gr

from assistant.domain.errors import AccessDeniedError, ReviewAssistantError
from assistant.domain.models import AnswerDelta
from assistant.text.markup import md_escape

from .format import error_message, format_answer
from .session import GUIDELINES_ONLY, Session

History = list[dict[str, str]]


class ChatHandlers:
    def __init__(self, session: Session) -> None:
        self.s = session

    def ask(
        self, question: str, scope: str | None, history: History, request: gr.Request
    ) -> Iterator[tuple[History, History, str]]:
        question = (question or "").strip()
        if not question:
            yield history, history, ""
            return
        history = [
            *history,
            {"role": "user", "content": md_escape(question)},
            {"role": "assistant", "content": "検索しています…"},
        ]
        yield history, history, ""
        try:
            user = self.s.user(request)
            if scope in (None, "", GUIDELINES_ONLY):
                plan = None
            elif str(scope).isdigit():
                plan = str(scope)
            else:
                raise AccessDeniedError("計画書は一覧から選んでください / pick a plan from the list")
            draft = ""
            for event in self.s.ra.stream_ask(question, plan=plan, user=user):
                if isinstance(event, AnswerDelta):
                    draft += event.text
                    content = f"*（作成中・引用の検証前）*\n\n{md_escape(draft)}"
                else:
                    content = format_answer(event)
                history[-1] = {"role": "assistant", "content": content}
                yield history, history, ""
        except ReviewAssistantError as exc:
            history[-1] = {"role": "assistant", "content": f"**⚠ {md_escape(error_message(exc))}**"}
            yield history, history, ""
