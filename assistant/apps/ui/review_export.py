"""The 審査 tab's downloads: always of the plan on screen, as it stands, for this user only.

An export is made in a private temporary folder, read into a personal download (see
:mod:`assistant.api.downloads`) and deleted at once, so it never sits in Gradio's file cache. The
link is withdrawn when the screen switches to another plan and remade after every decision, so what
the reviewer downloads is what the reviewer sees.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.domain.errors import ReviewAssistantError
from assistant.domain.models import User
from assistant.review.records import SubmissionView

from .format import download_link, error_message, message_box, safe_stem
from .session import Session

EXPORT_SLOT = "review-export"
EXPORT_FORMATS: dict[str, str] = {
    "xlsx": "Excel（XLSX）",
    "csv": "CSV",
    "html": "報告書（HTML）",
    "md": "報告書（Markdown）",
}
MEDIA_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
}


class ReviewExports:
    def __init__(self, session: Session) -> None:
        self.s = session

    def clear(self, request: gr.Request, user: User) -> tuple[str, str, None]:
        """(link, status, format): nothing offered, and the last plan's link withdrawn."""
        self.s.withdraw(request, user, EXPORT_SLOT)
        return "", "", None

    def _make(self, request: gr.Request, user: User, view: SubmissionView, fmt: str) -> tuple[str, str]:
        name = f"審査結果_{view.id}_{safe_stem(view.file_name)}.{fmt}"
        folder = tempfile.mkdtemp(prefix="export-", dir=self.s.export_dir)
        try:
            path = self.s.ra.export(view.id, fmt, Path(folder) / name, user=user)  # type: ignore[arg-type]
            data = path.read_bytes()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        self.s.withdraw(request, user, EXPORT_SLOT)
        url = self.s.offer(request, user, name, data, MEDIA_TYPES[fmt], once=True, slot=EXPORT_SLOT)
        return download_link(url, name, self.s.ra.settings.ui_download_ttl), name

    def export(self, sub_id: int | None, fmt: str, request: gr.Request) -> tuple[Any, ...]:
        """(link, status, format remembered for later refreshes)."""
        if sub_id is None:
            return gr.update(), message_box("warn", "先に提出物を選んでください。"), gr.update()
        if fmt not in EXPORT_FORMATS:
            return gr.update(), message_box("danger", "出力形式が不正です。"), gr.update()
        try:
            user = self.s.user(request)
            view = self.s.ra.submission(sub_id, user)
            self.s.export_dir.mkdir(parents=True, exist_ok=True)
            link, name = self._make(request, user, view, fmt)
        except (ReviewAssistantError, OSError) as exc:
            return gr.update(), message_box("danger", error_message(exc)), gr.update()
        return link, message_box("ok", f"{EXPORT_FORMATS[fmt]}を出力しました：{name}"), fmt

    def refresh(
        self, request: gr.Request, user: User, view: SubmissionView, fmt: str | None
    ) -> tuple[Any, Any]:
        """After a decision: the offered file is remade, so it includes the decision just made."""
        if fmt not in EXPORT_FORMATS:
            return gr.update(), gr.update()
        try:
            link, name = self._make(request, user, view, fmt)
        except (ReviewAssistantError, OSError) as exc:
            self.s.withdraw(request, user, EXPORT_SLOT)  # never leave the older file on offer
            return "", message_box("danger", error_message(exc))
        return link, message_box("ok", f"判定を反映して{EXPORT_FORMATS[fmt]}を作り直しました：{name}")
