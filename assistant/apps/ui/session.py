"""Who is asking, resolved on every request from the server-side session, and the page-load handlers.

Every handler takes the user from ``request.username`` (set by Gradio's login) and hands it to the
library API, which enforces who may see what. Widgets are hidden only for convenience.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from assistant.api import ReviewAssistant
from assistant.domain.errors import AccessDeniedError, ReviewAssistantError
from assistant.domain.models import User
from assistant.review.records import SubmissionSummary
from assistant.review.users import UserStore
from assistant.text.markup import md_escape

from .format import error_message, header_markdown, message_box, submission_label

#: Who a loopback-only instance without a users file runs as (what a fresh install does).
LOCAL_USER = User(name="local", role="reviewer")
GUIDELINES_ONLY = "guidelines"


class Session:
    """What every handler needs: the API, the users file (None in local mode), a private export folder."""

    def __init__(self, ra: ReviewAssistant, users: UserStore | None, export_dir: Path) -> None:
        self.ra = ra
        self.users = users
        self.export_dir = export_dir

    def user(self, request: gr.Request) -> User:
        if self.users is None:
            return LOCAL_USER
        name = request.username
        user = self.users.get(name) if name else None
        if user is None:
            raise AccessDeniedError("ログインしてください（ユーザーが無効です） / not signed in")
        return user

    @staticmethod
    def scope_choices(subs: list[SubmissionSummary]) -> list[tuple[str, str]]:
        return [
            ("ガイドラインのみ", GUIDELINES_ONLY),
            *((f"ガイドライン＋計画書: {submission_label(s)}", str(s.id)) for s in subs),
        ]

    @staticmethod
    def sub_choices(subs: list[SubmissionSummary]) -> list[tuple[str, str]]:
        return [(submission_label(s), str(s.id)) for s in subs]

    def on_load(self, request: gr.Request) -> tuple[Any, ...]:
        try:
            user = self.user(request)
            subs = self.ra.submissions(user)
        except ReviewAssistantError as exc:
            raise gr.Error(error_message(exc), title="エラー", duration=None, print_exception=False) from exc
        reviewer = user.role == "reviewer"
        pref_note = (
            ""
            if reviewer
            else f"登録される提出物は「{md_escape(user.prefecture or '')}」の提出物になります。"
        )
        return (
            header_markdown(user, self.ra, local=self.users is None),
            gr.update(choices=self.scope_choices(subs), value=GUIDELINES_ONLY),
            # Open the newest submission, so a first-time user sees a real draft at once.
            gr.update(choices=self.sub_choices(subs), value=str(subs[-1].id) if subs else None),
            gr.update(value=user.prefecture or "", interactive=reviewer),
            pref_note,
            gr.update(visible=reviewer),
            gr.update(visible=reviewer),
        )

    def refresh_lists(self, current: str | None, request: gr.Request) -> tuple[Any, Any, str]:
        try:
            subs = self.ra.submissions(self.user(request))
        except ReviewAssistantError as exc:
            return gr.update(), gr.update(), message_box("danger", error_message(exc))
        ids = {str(s.id) for s in subs}
        return (
            gr.update(choices=self.sub_choices(subs), value=current if current in ids else None),
            gr.update(choices=self.scope_choices(subs)),
            "",
        )
