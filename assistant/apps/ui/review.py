"""The 審査 tab's handlers: register and draft a plan, walk its items, decide, export.

Expected failures (a refused access, a bad file, a version conflict) are shown in a message box next
to the control that caused them and leave the other outputs as they were: raising would blank every
output of the event, the reviewer's typed comment included.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.domain.errors import DecisionConflictError, NotFoundError, ReviewAssistantError
from assistant.domain.labels import VERDICT_LABELS_JA
from assistant.domain.models import User, Verdict
from assistant.review.conflicts import japan_time
from assistant.review.records import ItemView, SubmissionView

from .format import error_message, message_box, unchanged, warnings_html
from .pages import group_by_page, pages_html
from .review_export import ReviewExports
from .review_html import counts_html, criteria_html, current_verdict, decide_hint, item_html, summary_html
from .session import Session
from .uploads import discard_upload

PLAN_TYPE_AUTO = "auto"
PAGES_SLOT = "review-pages"

#: The outputs an item change sets (see ``item_outputs`` in :mod:`.review_tab`).
ITEM_OUTPUTS = 9
#: The outputs a submission change sets (see ``review_outputs`` in :mod:`.review_tab`).
REVIEW_OUTPUTS = 18
#: The outputs of a decision (see :meth:`ReviewHandlers._decide`).
DECIDE_OUTPUTS = 10


def find_item(view: SubmissionView, criterion_id: str | None) -> ItemView:
    for item in view.items:
        if item.criterion_id == criterion_id:
            return item
    raise NotFoundError(f"項目 {criterion_id} は最新の下書きにありません / no such item")


def first_open_item(view: SubmissionView) -> str | None:
    """Where a reviewer starts: the first undecided item, else the first item."""
    undecided = [i.criterion_id for i in view.items if i.decision is None]
    return (undecided or [i.criterion_id for i in view.items] or [None])[0]


class ReviewHandlers:
    def __init__(self, session: Session) -> None:
        self.s = session
        self.exports = ReviewExports(session)

    # -- what the right pane shows for one item ----------------------------------------------------
    def _pages(self, view: SubmissionView, item: ItemView, user: User, request: gr.Request) -> str:
        """The cited pages, whole, with the quotes marked; the previous item's images are withdrawn."""
        self.s.withdraw(request, user, PAGES_SLOT)
        paged = [
            (c.page, c.quote, f"引用{n}") for n, c in enumerate(item.citations, start=1) if c.page is not None
        ]
        notes = []
        if len(paged) < len(item.citations):
            notes.append(
                '<div class="ra-box ra-warn">Word文書（.docx）からの引用には頁画像がありません。'
                "引用箇所は「引用」欄の節・段落で示しています。</div>"
            )
        if not paged:
            return "".join(notes)
        if not view.pdf_path or not Path(view.pdf_path).is_file():
            return '<div class="ra-box ra-warn">この計画書の頁画像は表示できません（保存された PDF がありません）。</div>'

        def offer(name: str, data: bytes) -> str:
            return self.s.offer(request, user, name, data, "image/png", once=False, slot=PAGES_SLOT)

        return "".join(notes) + pages_html(
            Path(view.pdf_path), group_by_page(paged), offer, file_name=view.file_name
        )

    def _item_values(
        self, view: SubmissionView | None, criterion_id: str | None, user: User, request: gr.Request
    ) -> tuple[Any, ...]:
        """(item, list, detail, pages, verdict, comment, version, decide status, confirm button)."""
        if view is None or criterion_id is None:
            self.s.withdraw(request, user, PAGES_SLOT)
            return None, "", "", "", gr.update(value=None), "", None, "", gr.update(interactive=False)
        item = find_item(view, criterion_id)
        # 要確認 is not among the choices: an item standing at it (undecided, or decided so before
        # that was refused) shows no choice, and cannot be confirmed as it is.
        at_needs_review = current_verdict(item) == Verdict.needs_review
        chosen = None if at_needs_review else current_verdict(item).value
        return (
            item.criterion_id,
            criteria_html(self.s.ra, view, item.criterion_id),
            item_html(self.s.ra, view, item),
            self._pages(view, item, user, request),
            gr.update(value=chosen),
            item.decision.comment if item.decision else "",
            item.version,
            decide_hint(item),
            gr.update(interactive=not at_needs_review),
        )

    # -- submissions -------------------------------------------------------------------------------
    def load_submission(self, sub: str | None, request: gr.Request) -> tuple[Any, ...]:
        """Everything the tab shows for a submission (see ``review_outputs`` in :mod:`.review_tab`);
        a switch also withdraws the previous plan's download and page images."""
        try:
            user = self.s.user(request)
            view = self.s.ra.submission(int(sub), user) if sub else None
            cleared = self.exports.clear(request, user)
            items = self._item_values(view, first_open_item(view) if view else None, user, request)
        except (ReviewAssistantError, ValueError) as exc:
            return (*unchanged(REVIEW_OUTPUTS - 1), message_box("danger", error_message(exc)))
        if view is None:
            return (None, [], "", "", "", *items, *cleared, gr.update())
        return (
            view.id,
            [i.criterion_id for i in view.items],
            warnings_html(view.draft.notices),
            summary_html(self.s.ra, view),
            counts_html(view),
            *items,
            *cleared,
            gr.update(),
        )

    def draft(
        self, upload: str | None, plan_type: str, prefecture: str, request: gr.Request
    ) -> tuple[Any, Any, Any, str]:
        """Assess and save an uploaded plan; the upload leaves Gradio's cache whatever happens."""
        if not upload:
            return (*unchanged(3), message_box("warn", "計画書（PDF または Word）を選んでください。"))
        path = Path(upload)
        try:
            user = self.s.user(request)
            assessment = self.s.ra.assess(path, plan_type=None if plan_type == PLAN_TYPE_AUTO else plan_type)  # type: ignore[arg-type]
            pref = (prefecture or "").strip() or None
            view = self.s.ra.save(
                assessment, path, prefecture=pref if user.role == "reviewer" else None, user=user
            )
            subs = self.s.ra.submissions(user)
        except ReviewAssistantError as exc:
            return gr.update(), gr.update(), None, message_box("danger", error_message(exc))
        finally:
            discard_upload(path)
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

    # -- moving between items -----------------------------------------------------------------------
    def show_item(self, sub_id: int | None, criterion_id: str | None, request: gr.Request) -> tuple[Any, ...]:
        if sub_id is None or not criterion_id:
            return unchanged(ITEM_OUTPUTS)
        try:
            user = self.s.user(request)
            return self._item_values(self.s.ra.submission(sub_id, user), criterion_id, user, request)
        except ReviewAssistantError as exc:
            return (*unchanged(ITEM_OUTPUTS - 2), message_box("danger", error_message(exc)), gr.update())

    def pick(self, sub_id: int | None, picked: str, request: gr.Request) -> tuple[Any, ...]:
        """A click in the list: the page script writes ``<criterion id>#<nonce>``."""
        return self.show_item(sub_id, (picked or "").partition("#")[0] or None, request)

    def _step(
        self, sub_id: int | None, order: list[str], current: str | None, delta: int, request: gr.Request
    ) -> tuple[Any, ...]:
        if not order:
            return unchanged(ITEM_OUTPUTS)
        at = order.index(current) if current in order else -1
        return self.show_item(sub_id, order[max(0, min(len(order) - 1, at + delta))], request)

    def next_item(
        self, sub_id: int | None, order: list[str], current: str | None, request: gr.Request
    ) -> tuple[Any, ...]:
        """The item after the current one (the last stays the last)."""
        return self._step(sub_id, order, current, 1, request)

    def previous_item(
        self, sub_id: int | None, order: list[str], current: str | None, request: gr.Request
    ) -> tuple[Any, ...]:
        return self._step(sub_id, order, current, -1, request)

    # -- deciding -------------------------------------------------------------------------------------
    def confirm(
        self,
        sub_id: int | None,
        criterion_id: str | None,
        comment: str,
        version: int | None,
        fmt: str | None,
        request: gr.Request,
    ) -> tuple[Any, ...]:
        """Confirm the draft as it stands; the library refuses a draft of 要確認."""
        return self._decide(sub_id, criterion_id, None, comment, version, fmt, request)

    def override(
        self,
        sub_id: int | None,
        criterion_id: str | None,
        verdict: str | None,
        comment: str,
        version: int | None,
        fmt: str | None,
        request: gr.Request,
    ) -> tuple[Any, ...]:
        if verdict not in {v.value for v in Verdict}:
            return (*unchanged(DECIDE_OUTPUTS - 1), message_box("warn", "確定する判定を選んでください。"))
        return self._decide(sub_id, criterion_id, Verdict(verdict), comment, version, fmt, request)

    def _decide(
        self,
        sub_id: int | None,
        criterion_id: str | None,
        verdict: Verdict | None,
        comment: str,
        version: int | None,
        fmt: str | None,
        request: gr.Request,
    ) -> tuple[Any, ...]:
        """Decide with the version the reviewer saw. Outputs: (list, counts, detail, verdict, comment,
        version, confirm button, download, download status, status)."""
        if sub_id is None or not criterion_id or version is None:
            return (*unchanged(DECIDE_OUTPUTS - 1), message_box("warn", "先に項目を選んでください。"))
        comment = (comment or "").strip()
        try:
            user = self.s.user(request)
            item = find_item(self.s.ra.submission(sub_id, user), criterion_id)
            decided = self.s.ra.decide(
                sub_id,
                criterion_id,
                verdict=verdict or item.draft_verdict,
                comment=comment,
                user=user,
                expected_version=version,
            )
            view = self.s.ra.submission(sub_id, user)
        except DecisionConflictError as exc:
            return self._conflict(sub_id, criterion_id, exc, request)
        except (ReviewAssistantError, ValueError) as exc:
            return (*unchanged(DECIDE_OUTPUTS - 1), message_box("danger", error_message(exc)))
        label = self.s.ra.rubric.view(criterion_id).label
        final = VERDICT_LABELS_JA[current_verdict(decided)]
        return (
            criteria_html(self.s.ra, view, criterion_id),
            counts_html(view),
            item_html(self.s.ra, view, decided),
            gr.update(value=current_verdict(decided).value),
            gr.update(),
            decided.version,
            gr.update(interactive=True),
            *self.exports.refresh(request, user, view, fmt),
            message_box(
                "ok",
                f"「{label}」を{final}で確定しました（版 {decided.version}）。J キーで次の項目へ進めます。",
            ),
        )

    def _conflict(
        self, sub_id: int, criterion_id: str, exc: DecisionConflictError, request: gr.Request
    ) -> tuple[Any, ...]:
        """Show the decision that stands, who made it and when (Japan time), and keep the typed comment."""
        user = self.s.user(request)
        view = self.s.ra.submission(sub_id, user)
        latest = find_item(view, criterion_id)
        label = self.s.ra.rubric.view(criterion_id).label
        if exc.reviewer and exc.verdict and exc.decided_at:
            verdict_ja = VERDICT_LABELS_JA[Verdict(exc.verdict)]
            what = (
                f"「{label}」は、{exc.reviewer} さんが {japan_time(exc.decided_at).removesuffix(' JST')}（日本時間）に"
                f"「{verdict_ja}」と判定しました（版 {exc.current_version}）。"
            )
        else:
            what = f"「{label}」の判定は、読み込んだ後に取り消されています。"
        note = "入力中のコメントは残してあります。最新の内容を確認し、必要であればもう一度確定してください。"
        return (
            criteria_html(self.s.ra, view, criterion_id),
            counts_html(view),
            item_html(self.s.ra, view, latest),
            gr.update(),
            gr.update(),
            latest.version,
            gr.update(),
            gr.update(),
            gr.update(),
            f'<div class="ra-box ra-danger">{html.escape(what)}<br>{html.escape(note)}</div>',
        )

    def export(self, sub_id: int | None, fmt: str, request: gr.Request) -> tuple[Any, ...]:
        return self.exports.export(sub_id, fmt, request)
