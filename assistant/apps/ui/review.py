"""The 審査 tab: register and draft a plan, go through its items, confirm or override, export."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import gradio as gr
from PIL import Image

from assistant.domain.errors import ConflictError, NotFoundError, ReviewAssistantError
from assistant.domain.labels import VERDICT_LABELS_JA
from assistant.domain.models import Verdict
from assistant.ingest.page_images import render_page_with_highlight
from assistant.review.records import ItemView, SubmissionView

from .format import (
    TABLE_HEADERS,
    error_message,
    focus_on_quote,
    item_markdown,
    message_box,
    safe_stem,
    summary_markdown,
    table_rows,
    unchanged,
    warnings_html,
)
from .session import Session

PLAN_TYPE_AUTO = "auto"
EXPORT_FORMATS: dict[str, str] = {
    "xlsx": "Excel（XLSX）",
    "csv": "CSV",
    "html": "報告書（HTML）",
    "md": "報告書（Markdown）",
}


class ReviewHandlers:
    """Expected failures (a refused access, a bad PDF, a version conflict) are shown in a message box
    next to the control that caused them, leaving the other outputs as they were: raising would
    blank every output component of the event."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def _review(self, view: SubmissionView | None) -> tuple[Any, ...]:
        """Values for the review area (see ``review_outputs`` in :func:`build_app`); ``None`` clears it.

        The status box is left alone: it may hold the message of the draft that led here.
        """
        if view is None:
            return (
                None,
                [],
                "",
                "",
                {"data": [], "headers": TABLE_HEADERS},
                gr.update(choices=[], value=None),
                "",
                [],
                None,
                gr.update(),
            )
        order = [i.criterion_id for i in view.items]
        views = [self.s.ra.rubric.view(cid) for cid in order]
        choices = [(f"{n}. {c.group}｜{c.label}", c.id) for n, c in enumerate(views, start=1)]
        return (
            view.id,
            order,
            warnings_html(view.draft.notices),
            summary_markdown(self.s.ra, view),
            {"data": table_rows(self.s.ra, view), "headers": TABLE_HEADERS},
            gr.update(choices=choices, value=None),
            "",
            [],
            None,
            gr.update(),
        )

    def load_submission(self, sub: str | None, request: gr.Request) -> tuple[Any, ...]:
        if not sub:
            return self._review(None)
        try:
            view = self.s.ra.submission(int(sub), self.s.user(request))
        except (ReviewAssistantError, ValueError) as exc:
            return (*unchanged(9), message_box("danger", error_message(exc)))
        return self._review(view)

    def draft(
        self, upload: str | None, plan_type: str, prefecture: str, request: gr.Request
    ) -> tuple[Any, Any, Any, str]:
        if not upload:
            return (*unchanged(3), message_box("warn", "計画書PDFを選んでください。"))
        try:
            user = self.s.user(request)
            path = Path(upload)
            assessment = self.s.ra.assess(path, plan_type=None if plan_type == PLAN_TYPE_AUTO else plan_type)
            pref = (prefecture or "").strip() or None
            view = self.s.ra.save(
                assessment, path, prefecture=pref if user.role == "reviewer" else None, user=user
            )
            subs = self.s.ra.submissions(user)
        except ReviewAssistantError as exc:
            return (*unchanged(3), message_box("danger", error_message(exc)))
        status = message_box(
            "ok",
            f"提出物 {view.id}（{view.file_name}）の下書きを作成しました（{len(assessment.items)}項目）。",
        )
        return (
            gr.update(choices=self.s.sub_choices(subs), value=str(view.id)),
            gr.update(choices=self.s.scope_choices(subs)),
            None,
            status,
        )

    def pick_row(self, order: list[str], evt: gr.SelectData) -> Any:
        row = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
        if not isinstance(row, int) or not 0 <= row < len(order):
            return gr.update()
        return gr.update(value=order[row])

    def _item(self, view: SubmissionView, criterion_id: str) -> ItemView:
        for item in view.items:
            if item.criterion_id == criterion_id:
                return item
        raise NotFoundError(f"項目 {criterion_id} は最新の下書きにありません / no such item")

    def _pages(self, view: SubmissionView, item: ItemView) -> list[tuple[Image.Image, str]]:
        if not view.pdf_path or not Path(view.pdf_path).is_file():
            return []
        images = []
        for n, c in enumerate(item.citations, start=1):
            shot = render_page_with_highlight(Path(view.pdf_path), c.page, c.quote, scale=2.0)
            note = "（引用箇所の周辺）" if shot.found else "（頁全体・引用箇所を頁上で特定できませんでした）"
            images.append((focus_on_quote(shot), f"引用{n}：{c.page}頁{note}"))
        return images

    def show_item(self, sub_id: int | None, criterion_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        if sub_id is None or not criterion_id:
            return "", [], gr.update(value=None), "", None, ""
        try:
            view = self.s.ra.submission(sub_id, self.s.user(request))
            item = self._item(view, criterion_id)
            pages = self._pages(view, item)
        except ReviewAssistantError as exc:
            return (*unchanged(5), message_box("danger", error_message(exc)))
        current = item.final_verdict or item.draft_verdict
        comment = item.decision.comment if item.decision else ""
        return (
            item_markdown(self.s.ra, item),
            pages,
            gr.update(value=current.value),
            comment,
            item.version,
            "",
        )

    def _decide(
        self,
        sub_id: int | None,
        criterion_id: str | None,
        verdict: Verdict | None,
        comment: str,
        version: int | None,
        request: gr.Request,
    ) -> tuple[Any, ...]:
        """Decide with the version the reviewer saw; a conflict shows the newer decision instead."""
        if sub_id is None or not criterion_id or version is None:
            return (*unchanged(6), message_box("warn", "先に項目を選んでください。"))
        comment = (comment or "").strip()
        try:
            user = self.s.user(request)
            item = self._item(self.s.ra.submission(sub_id, user), criterion_id)
            if verdict is None:
                verdict = item.draft_verdict
            decided = self.s.ra.decide(
                sub_id, criterion_id, verdict=verdict, comment=comment, user=user, expected_version=version
            )
            view = self.s.ra.submission(sub_id, user)
        except ConflictError as exc:
            view = self.s.ra.submission(sub_id, user)
            latest = self._item(view, criterion_id)
            note = "最新の内容を表示しました。確認のうえ、必要であれば判定し直してください。"
            current = latest.final_verdict or latest.draft_verdict
            return (
                {"data": table_rows(self.s.ra, view), "headers": TABLE_HEADERS},
                summary_markdown(self.s.ra, view),
                item_markdown(self.s.ra, latest),
                gr.update(value=current.value),
                latest.decision.comment if latest.decision else "",
                latest.version,
                message_box("danger", f"{error_message(exc)}\n{note}"),
            )
        except (ReviewAssistantError, ValueError) as exc:
            return (*unchanged(6), message_box("danger", error_message(exc)))
        label = self.s.ra.rubric.view(criterion_id).label
        final = VERDICT_LABELS_JA[decided.final_verdict or decided.draft_verdict]
        return (
            {"data": table_rows(self.s.ra, view), "headers": TABLE_HEADERS},
            summary_markdown(self.s.ra, view),
            item_markdown(self.s.ra, decided),
            gr.update(value=verdict.value),
            gr.update(),
            decided.version,
            message_box("ok", f"「{label}」を{final}で確定しました（版 {decided.version}）。"),
        )

    def confirm(
        self,
        sub_id: int | None,
        criterion_id: str | None,
        comment: str,
        version: int | None,
        request: gr.Request,
    ) -> tuple[Any, ...]:
        return self._decide(sub_id, criterion_id, None, comment, version, request)

    def override(
        self,
        sub_id: int | None,
        criterion_id: str | None,
        verdict: str | None,
        comment: str,
        version: int | None,
        request: gr.Request,
    ) -> tuple[Any, ...]:
        if verdict not in {v.value for v in Verdict}:
            return (*unchanged(6), message_box("warn", "確定する判定を選んでください。"))
        return self._decide(sub_id, criterion_id, Verdict(verdict), comment, version, request)

    def export(self, sub_id: int | None, fmt: str, request: gr.Request) -> tuple[Any, str]:
        if sub_id is None:
            return gr.update(), message_box("warn", "先に提出物を選んでください。")
        if fmt not in EXPORT_FORMATS:
            return gr.update(), message_box("danger", "出力形式が不正です。")
        try:
            user = self.s.user(request)
            view = self.s.ra.submission(sub_id, user)
            out = (
                self.s.export_dir / uuid.uuid4().hex / f"審査結果_{view.id}_{safe_stem(view.file_name)}.{fmt}"
            )
            path = self.s.ra.export(sub_id, fmt, out, user=user)  # type: ignore[arg-type]
        except ReviewAssistantError as exc:
            return gr.update(), message_box("danger", error_message(exc))
        return str(path), message_box("ok", f"{EXPORT_FORMATS[fmt]}を出力しました：{path.name}")
