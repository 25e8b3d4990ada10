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
#: Where personal downloads are served (relative, so it works under a reverse proxy's sub-path).
FILES_PATH = "ra/files"


class Session:
    """What every handler needs: the API, the users file (None in local mode), a private export folder."""

    def __init__(self, ra: ReviewAssistant, users: UserStore | None, export_dir: Path) -> None:
        self.ra = ra
        self.users = users
        self.export_dir = export_dir

    def user(self, request: gr.Request) -> User:
        user = self.user_named(request.username)
        if user is None:
            raise AccessDeniedError("ログインしてください（ユーザーが無効です） / not signed in")
        return user

    def user_named(self, name: str | None) -> User | None:
        """The signed-in user by the name Gradio's login gave the session; None if there is none."""
        if self.users is None:
            return LOCAL_USER
        return self.users.get(name) if name else None

    def offer(
        self,
        request: gr.Request,
        user: User,
        name: str,
        data: bytes,
        media_type: str,
        *,
        once: bool,
        slot: str,
    ) -> str:
        """A personal URL for ``data``, shown in ``slot`` of this browser tab (see :meth:`withdraw`)."""
        token = self.ra.downloads.offer(
            user, name, data, media_type, once=once, slot=f"{request.session_hash}:{slot}"
        )
        return f"{FILES_PATH}/{token}"

    def withdraw(self, request: gr.Request, user: User, slot: str) -> None:
        """Drop what this browser tab showed in ``slot``: the screen has moved on."""
        self.ra.downloads.withdraw(user, f"{request.session_hash}:{slot}")

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
