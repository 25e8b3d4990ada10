"""The web UI: a Gradio layer over :class:`~assistant.api.ReviewAssistant`.

Every handler takes the user from the server-side session (``request.username``, set by Gradio's
login) and hands it to the library API, which enforces who may see what. Widgets are hidden only
for convenience: a crafted request reaches the same API checks. Submissions are referenced by id
only, never by server path, and plan text is escaped before it is shown, because a plan is
untrusted input.
"""

import html
import ipaddress
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import gradio as gr
from PIL import Image, ImageChops

from .answer import NOT_FOUND_GUIDELINE
from .api import ReviewAssistant
from .auth import UserStore, gradio_auth, role_label
from .batch import SUMMARY_XLSX, BatchReport, FileRow, run_batch
from .errors import AccessDeniedError, ConflictError, NotFoundError, ReviewAssistantError
from .models import VERDICT_CODES, VERDICT_LABELS_JA, Answer, Assessment, User, Verdict
from .pagerender import PageHighlight, render_page_with_highlight
from .review_store import STATUS_LABELS_JA, ItemView, SubmissionSummary, SubmissionView
from .settings import Settings

#: Who a loopback-only instance without a users file runs as (what a fresh install does).
LOCAL_USER = User(name="local", role="reviewer")
GUIDELINES_ONLY = "guidelines"
OFFLINE_LABEL = "オフライン下書き（LLM未使用・規則ベース）"
TABLE_HEADERS = ["要件区分", "項目", "判定（案）", "判定（確定）", "審査者"]
EXPORT_FORMATS: dict[str, str] = {
    "xlsx": "Excel（XLSX）",
    "csv": "CSV",
    "html": "報告書（HTML）",
    "md": "報告書（Markdown）",
}
_PLAN_TYPE_AUTO = "auto"
_MD_SPECIAL = re.compile(r"([\\`*_\[\](){}<>#+!|~$&=.-])")
_FILENAME_BAD = re.compile(r'[\\/:*?"<>|\s]+')
#: The offline answer lists its quotes in its text; the UI shows them once, in the sources block.
_OFFLINE_QUOTE_LINE = re.compile(r"^(?:\[\d+\] 「|【(?:ガイドライン|計画書)】$)")
#: Injection warnings say so in these words (see injection.warning_for); they get the red box.
_INJECTION_MARK = "prompt injection"
#: Share of the page height shown above and below a highlighted quote.
_FOCUS_CONTEXT = 0.15
_FOCUS_PAD = 24

CSS = """
.ra-header { font-size: 0.95em; }
.ra-box { border-radius: 6px; padding: .6em 1em; margin: .3em 0; }
.ra-danger { border: 2px solid #dc2626; background: #fef2f2; color: #7f1d1d; }
.ra-warn { border: 2px solid #d97706; background: #fffbeb; color: #78350f; }
.ra-ok { border: 1px solid #16a34a; background: #f0fdf4; color: #14532d; }
.ra-box ul { margin: .2em 0 .2em 1.2em; }
"""


#: Gradio recognises a progress parameter by this default and passes a fresh tracker per call.
BATCH_PROGRESS = gr.Progress()


class UiStartError(ReviewAssistantError):
    """The UI refuses to start in an unsafe configuration (the CLI exits 2)."""

    code = "ui_start"


def is_loopback(host: str) -> bool:
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def users_for_launch(settings: Settings, host: str) -> UserStore | None:
    """Sign-in is required whenever users exist; without users only this machine may connect."""
    store = UserStore(settings.users_path)
    if store.records():
        return store
    if is_loopback(host):
        return None
    raise UiStartError(
        f"{host} で公開するにはユーザー登録が必要です。`review-assistant users add` でユーザーを作成するか、"
        f"--host 127.0.0.1 で起動してください（ユーザーファイル：{settings.users_path}） / refusing to listen on a "
        "non-loopback address without users; add users first"
    )


# ---------------------------------------------------------------------------------------------
# Formatting (pure functions, so they are easy to test and never trust plan text)
# ---------------------------------------------------------------------------------------------
def md_escape(text: str) -> str:
    """Plan and model text shown as Markdown must not become links, images, HTML or formatting."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def backend_label(ra: ReviewAssistant) -> str:
    if ra.resolve_backend("auto") == "llm":
        return f"llm:{ra.settings.llm_model}"
    return OFFLINE_LABEL


def header_markdown(user: User, ra: ReviewAssistant, *, local: bool) -> str:
    who = f"{md_escape(user.name)}（ローカル単独モード・ログインなし）" if local else md_escape(user.name)
    parts = [
        "**審査支援 review-assistant**",
        f"ユーザー：{who}",
        f"役割：{md_escape(role_label(user))}",
        f"下書き：{md_escape(backend_label(ra))}",
    ]
    if not local:
        parts.append("[ログアウト](logout)")
    return "　｜　".join(parts)


def submission_label(s: SubmissionSummary) -> str:
    return (
        f"{s.id}：{s.file_name}（{s.prefecture or '都道府県未設定'}・{STATUS_LABELS_JA[s.status]}・"
        f"{s.decided_count}/{s.item_count}確定）"
    )


def _where(source: str, page: int | None, section: str | None) -> str:
    return f"{source} {page}頁" if page is not None else f"{source}「{section or ''}」"


def format_answer(answer: Answer) -> str:
    """The answer, then its numbered sources with quote, document and page or section."""
    if not answer.answerable:
        parts = ["**ガイドラインに記載がありません。**"]
        detail = answer.answer.strip()
        if detail and detail != NOT_FOUND_GUIDELINE:
            parts.append(md_escape(detail))
    else:
        body = answer.answer
        if answer.backend == "offline":
            body = "\n".join(line for line in body.splitlines() if not _OFFLINE_QUOTE_LINE.match(line))
        parts = [md_escape(body.strip())]
        if answer.citations:
            parts.append("**出典**")
            for n, c in enumerate(answer.citations, start=1):
                parts.append(
                    f"**[{n}]** {md_escape(_where(c.source, c.page, c.section))}\n> {md_escape(c.quote)}"
                )
    parts.append(f"*回答方式：{md_escape(answer.backend)}*")
    return "\n\n".join(parts)


def warnings_html(warnings: list[str]) -> str:
    if not warnings:
        return ""
    danger = [w for w in warnings if _INJECTION_MARK in w]
    other = [w for w in warnings if _INJECTION_MARK not in w]
    boxes = []
    for css, title, items in (
        ("ra-danger", "⚠ 審査への指示と思われる記載があります", danger),
        ("ra-warn", "⚠ 注意事項（確認してください）", other),
    ):
        if items:
            lis = "".join(f"<li>{html.escape(w)}</li>" for w in items)
            boxes.append(f'<div class="ra-box {css}"><strong>{title}</strong><ul>{lis}</ul></div>')
    return "".join(boxes)


def _verdict(v: Verdict | None) -> str:
    return VERDICT_LABELS_JA[v] if v else "未確定"


class _Criterion:
    def __init__(self, ra: ReviewAssistant, criterion_id: str) -> None:
        try:
            c = ra.rubric.get(criterion_id)
        except KeyError:
            self.group, self.label, self.text, self.section = "", criterion_id, "", ""
        else:
            self.group, self.label, self.text, self.section = c.group, c.label, c.text, c.section


def table_rows(ra: ReviewAssistant, view: SubmissionView) -> list[list[str]]:
    rows = []
    for item in view.items:
        c = _Criterion(ra, item.criterion_id)
        rows.append(
            [
                c.group,
                c.label,
                VERDICT_LABELS_JA[item.draft_verdict],
                _verdict(item.final_verdict),
                item.decision.reviewer if item.decision else "",
            ]
        )
    return rows


def summary_markdown(ra: ReviewAssistant, view: SubmissionView) -> str:
    draft = view.draft
    drafted = draft.drafted_at.astimezone().strftime("%Y-%m-%d %H:%M")
    backend = OFFLINE_LABEL if draft.backend == "offline" else draft.backend
    return (
        f"**提出物 {view.id}：{md_escape(view.file_name)}**　{md_escape(view.prefecture or '都道府県未設定')}・"
        f"{view.plan_type} {md_escape(ra.rubric.type_label(view.plan_type))}　"
        f"状態：{STATUS_LABELS_JA[view.status]}（{view.decided_count}/{view.item_count} 項目確定）　"
        f"下書き：{md_escape(backend)}・{drafted}"
    )


def item_markdown(ra: ReviewAssistant, item: ItemView) -> str:
    c = _Criterion(ra, item.criterion_id)
    lines = [
        f"### {md_escape(c.group)}｜{md_escape(c.label)}",
        f"**基準**（ガイドライン「{md_escape(c.section)}」）",
        f"> {md_escape(c.text)}",
        f"**判定（案）**：{VERDICT_LABELS_JA[item.draft_verdict]}　**判定（確定）**：{_verdict(item.final_verdict)}",
    ]
    if item.decision:
        d = item.decision
        when = d.decided_at.astimezone().strftime("%Y-%m-%d %H:%M")
        lines.append(
            f"**審査者**：{md_escape(d.reviewer)}（{when}、版 {d.version}）　"
            f"**コメント**：{md_escape(d.comment) or '（なし）'}"
        )
    lines.append(f"**根拠**：{md_escape(item.rationale)}")
    if item.citations:
        lines.append("**引用**")
        lines.extend(
            f"{n}. {c.page}頁：「{md_escape(c.quote)}」" for n, c in enumerate(item.citations, start=1)
        )
    else:
        lines.append("**引用**：なし")
    lines.append(f"<small>項目ID：{md_escape(item.criterion_id)}</small>")
    return "\n\n".join(lines)


def batch_table(ra: ReviewAssistant, report: BatchReport, labels: dict[str, str]) -> dict[str, Any]:
    """Plans down, criteria across, verdict codes in the cells (as in ``summary.xlsx``)."""
    assessments: dict[int, Assessment] = {}
    for n, row in enumerate(report.rows):
        if row.status != "error" and row.output:
            assessments[n] = Assessment.model_validate_json(
                (report.out_dir / row.output).read_text(encoding="utf-8")
            )
    types = {a.plan_type for a in assessments.values()}
    criteria = [c for c in ra.rubric.criteria if c.plan_type in types]
    headers = ["ファイル", "種別", "状態", *(f"{c.plan_type}｜{c.label}" for c in criteria), "エラー"]
    status_ja = {"ok": "完了", "skipped": "処理済み", "error": "失敗"}
    data = []
    for n, row in enumerate(report.rows):
        verdicts = (
            {i.criterion_id: VERDICT_CODES[i.verdict] for i in assessments[n].items}
            if n in assessments
            else {}
        )
        data.append(
            [
                labels.get(row.file, Path(row.file).name),
                row.plan_type or "",
                status_ja[row.status],
                *(verdicts.get(c.id, "") for c in criteria),
                row.error,
            ]
        )
    return {"data": data, "headers": headers}


def focus_on_quote(shot: PageHighlight) -> Image.Image:
    """A full-width band of the page around the quote: a whole A4 page at screen width is unreadable."""
    if not shot.boxes:
        return shot.image
    width, height = shot.image.size
    top = min(b[1] for b in shot.boxes)
    bottom = max(b[3] for b in shot.boxes)
    margin = int(height * _FOCUS_CONTEXT)
    band = shot.image.crop((0, max(0, top - margin), width, min(height, bottom + margin)))
    ink = ImageChops.difference(band, Image.new("RGB", band.size, "white")).getbbox()
    if ink is None:
        return band
    pad = _FOCUS_PAD
    return band.crop((max(0, ink[0] - pad), 0, min(width, ink[2] + pad), band.size[1]))


def _safe_stem(name: str) -> str:
    return _FILENAME_BAD.sub("_", Path(name).stem)[:60] or "plan"


def error_message(exc: Exception) -> str:
    return getattr(exc, "message", None) or str(exc)


def message_box(kind: Literal["ok", "warn", "danger"], text: str) -> str:
    lines = "<br>".join(html.escape(line) for line in text.splitlines())
    return f'<div class="ra-box ra-{kind}">{lines}</div>'


def _unchanged(n: int) -> tuple[Any, ...]:
    return tuple(gr.update() for _ in range(n))


# ---------------------------------------------------------------------------------------------
# Handlers
# ---------------------------------------------------------------------------------------------
class Handlers:
    """Event handlers; each resolves the user from the session, then calls the library API.

    Expected failures (a refused access, a bad PDF, a version conflict) are shown in a message box
    next to the control that caused them, leaving the other outputs as they were: raising would
    blank every output component of the event.
    """

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

    def _scope_choices(self, subs: list[SubmissionSummary]) -> list[tuple[str, str]]:
        return [
            ("ガイドラインのみ", GUIDELINES_ONLY),
            *((f"ガイドライン＋計画書: {submission_label(s)}", str(s.id)) for s in subs),
        ]

    def _sub_choices(self, subs: list[SubmissionSummary]) -> list[tuple[str, str]]:
        return [(submission_label(s), str(s.id)) for s in subs]

    # -- page load -------------------------------------------------------------------------
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
            gr.update(choices=self._scope_choices(subs), value=GUIDELINES_ONLY),
            # Open the newest submission, so a first-time user sees a real draft at once.
            gr.update(choices=self._sub_choices(subs), value=str(subs[-1].id) if subs else None),
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
            gr.update(choices=self._sub_choices(subs), value=current if current in ids else None),
            gr.update(choices=self._scope_choices(subs)),
            "",
        )

    # -- 質問 ---------------------------------------------------------------------------------
    def ask(
        self, question: str, scope: str | None, history: list[dict[str, str]], request: gr.Request
    ) -> Iterator[tuple[list[dict[str, str]], list[dict[str, str]], str]]:
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
            user = self.user(request)
            if scope in (None, "", GUIDELINES_ONLY):
                plan = None
            elif str(scope).isdigit():
                plan = str(scope)
            else:
                raise AccessDeniedError("計画書は一覧から選んでください / pick a plan from the list")
            draft = ""
            for part in self.ra.stream_ask(question, plan=plan, user=user):
                if isinstance(part, str):
                    draft += part
                    history[-1] = {
                        "role": "assistant",
                        "content": f"*（作成中・引用の検証前）*\n\n{md_escape(draft)}",
                    }
                else:
                    history[-1] = {"role": "assistant", "content": format_answer(part)}
                yield history, history, ""
        except ReviewAssistantError as exc:
            history[-1] = {"role": "assistant", "content": f"**⚠ {md_escape(error_message(exc))}**"}
            yield history, history, ""

    # -- 審査 ---------------------------------------------------------------------------------
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
        choices = [
            (f"{n}. {_Criterion(self.ra, cid).group}｜{_Criterion(self.ra, cid).label}", cid)
            for n, cid in enumerate(order, start=1)
        ]
        return (
            view.id,
            order,
            warnings_html(view.draft.warnings),
            summary_markdown(self.ra, view),
            {"data": table_rows(self.ra, view), "headers": TABLE_HEADERS},
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
            view = self.ra.submission(int(sub), self.user(request))
        except (ReviewAssistantError, ValueError) as exc:
            return (*_unchanged(9), message_box("danger", error_message(exc)))
        return self._review(view)

    def draft(
        self, upload: str | None, plan_type: str, prefecture: str, request: gr.Request
    ) -> tuple[Any, Any, Any, str]:
        if not upload:
            return (*_unchanged(3), message_box("warn", "計画書PDFを選んでください。"))
        try:
            user = self.user(request)
            path = Path(upload)
            assessment = self.ra.assess(path, plan_type=None if plan_type == _PLAN_TYPE_AUTO else plan_type)
            pref = (prefecture or "").strip() or None
            view = self.ra.save(
                assessment, path, prefecture=pref if user.role == "reviewer" else None, user=user
            )
            subs = self.ra.submissions(user)
        except ReviewAssistantError as exc:
            return (*_unchanged(3), message_box("danger", error_message(exc)))
        status = message_box(
            "ok",
            f"提出物 {view.id}（{view.file_name}）の下書きを作成しました（{len(assessment.items)}項目）。",
        )
        return (
            gr.update(choices=self._sub_choices(subs), value=str(view.id)),
            gr.update(choices=self._scope_choices(subs)),
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
            view = self.ra.submission(sub_id, self.user(request))
            item = self._item(view, criterion_id)
            pages = self._pages(view, item)
        except ReviewAssistantError as exc:
            return (*_unchanged(5), message_box("danger", error_message(exc)))
        current = item.final_verdict or item.draft_verdict
        comment = item.decision.comment if item.decision else ""
        return item_markdown(self.ra, item), pages, gr.update(value=current.value), comment, item.version, ""

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
            return (*_unchanged(6), message_box("warn", "先に項目を選んでください。"))
        comment = (comment or "").strip()
        try:
            user = self.user(request)
            item = self._item(self.ra.submission(sub_id, user), criterion_id)
            if verdict is None:
                verdict = item.draft_verdict
            elif not comment:
                return (
                    *_unchanged(6),
                    message_box("warn", "判定を変更する理由をコメントに入力してください。"),
                )
            decided = self.ra.decide(
                sub_id, criterion_id, verdict=verdict, comment=comment, user=user, expected_version=version
            )
            view = self.ra.submission(sub_id, user)
        except ConflictError as exc:
            view = self.ra.submission(sub_id, user)
            latest = self._item(view, criterion_id)
            note = "最新の内容を表示しました。確認のうえ、必要であれば判定し直してください。"
            current = latest.final_verdict or latest.draft_verdict
            return (
                {"data": table_rows(self.ra, view), "headers": TABLE_HEADERS},
                summary_markdown(self.ra, view),
                item_markdown(self.ra, latest),
                gr.update(value=current.value),
                latest.decision.comment if latest.decision else "",
                latest.version,
                message_box("danger", f"{error_message(exc)}\n{note}"),
            )
        except (ReviewAssistantError, ValueError) as exc:
            return (*_unchanged(6), message_box("danger", error_message(exc)))
        label = _Criterion(self.ra, criterion_id).label
        final = VERDICT_LABELS_JA[decided.final_verdict or decided.draft_verdict]
        return (
            {"data": table_rows(self.ra, view), "headers": TABLE_HEADERS},
            summary_markdown(self.ra, view),
            item_markdown(self.ra, decided),
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
            return (*_unchanged(6), message_box("warn", "確定する判定を選んでください。"))
        return self._decide(sub_id, criterion_id, Verdict(verdict), comment, version, request)

    def export(self, sub_id: int | None, fmt: str, request: gr.Request) -> tuple[Any, str]:
        if sub_id is None:
            return gr.update(), message_box("warn", "先に提出物を選んでください。")
        if fmt not in EXPORT_FORMATS:
            return gr.update(), message_box("danger", "出力形式が不正です。")
        try:
            user = self.user(request)
            view = self.ra.submission(sub_id, user)
            out = (
                self.export_dir / uuid.uuid4().hex / f"審査結果_{view.id}_{_safe_stem(view.file_name)}.{fmt}"
            )
            path = self.ra.export(sub_id, fmt, out, user=user)  # type: ignore[arg-type]
        except ReviewAssistantError as exc:
            return gr.update(), message_box("danger", error_message(exc))
        return str(path), message_box("ok", f"{EXPORT_FORMATS[fmt]}を出力しました：{path.name}")

    # -- 一括 ---------------------------------------------------------------------------------
    def batch(
        self,
        uploads: list[str] | None,
        folder: str,
        plan_type: str,
        save: bool,
        prefecture: str,
        request: gr.Request,
        progress: gr.Progress = BATCH_PROGRESS,
    ) -> tuple[Any, Any, str]:
        try:
            if self.user(request).role != "reviewer":
                raise AccessDeniedError("一括処理は審査担当者のみ利用できます / reviewers only")
        except ReviewAssistantError as exc:
            return gr.update(), gr.update(), message_box("danger", error_message(exc))
        inputs = [Path(p) for p in uploads or []]
        labels = {p.as_posix(): p.name for p in inputs}
        folder = (folder or "").strip()
        if folder:
            root = Path(folder).expanduser()
            if not root.exists():
                return gr.update(), gr.update(), message_box("warn", f"フォルダが見つかりません：{folder}")
            inputs.append(root)
            if root.is_dir():
                labels.update(
                    {
                        p.as_posix(): p.relative_to(root).as_posix()
                        for p in root.rglob("*")
                        if p.suffix.lower() == ".pdf"
                    }
                )
        if not inputs:
            return (
                gr.update(),
                gr.update(),
                message_box("warn", "PDFをアップロードするか、サーバー上のフォルダを指定してください。"),
            )
        out_dir = (
            self.ra.settings.data_dir / "batch" / f"{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
        )
        progress(0, desc="準備中（解析エンジンを読み込んでいます）")

        def on_progress(done: int, total: int, row: FileRow) -> None:
            progress((done, total), desc=f"{done}/{total}：{labels.get(row.file, Path(row.file).name)}")

        report = run_batch(
            inputs,
            out_dir,
            plan_type=None if plan_type == _PLAN_TYPE_AUTO else plan_type,
            backend=self.ra.resolve_backend("auto"),
            save=save,
            prefecture=(prefecture or "").strip() or None,
            settings=self.ra.settings,
            progress=False,
            on_progress=on_progress,
        )
        target = self.export_dir / uuid.uuid4().hex / SUMMARY_XLSX
        target.parent.mkdir(parents=True)
        shutil.copyfile(out_dir / SUMMARY_XLSX, target)
        status = message_box(
            "warn" if report.failed else "ok",
            f"完了：{len(report.rows)}件（新規 {report.ok}、処理済み {report.skipped}、"
            f"失敗 {report.failed}）　出力先：{out_dir}",
        )
        return batch_table(self.ra, report, labels), str(target), status


# ---------------------------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------------------------
def build_app(ra: ReviewAssistant, users: UserStore | None, export_dir: Path) -> gr.Blocks:
    h = Handlers(ra, users, export_dir)
    type_choices = [
        ("自動判定", _PLAN_TYPE_AUTO),
        *((f"{t}：{label}", t) for t, label in ra.rubric.plan_types.items()),
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
                        plan_type = gr.Radio(type_choices, value=_PLAN_TYPE_AUTO, label="計画種別")
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
                        batch_type = gr.Radio(type_choices, value=_PLAN_TYPE_AUTO, label="計画種別")
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
            h.on_load, None, [header, scope, sub_dd, pref_box, pref_note, decide_group, batch_tab], **private
        ).then(h.load_submission, [sub_dd], review_outputs, **private)

        ask_event = {
            "fn": h.ask,
            "inputs": [question, scope, history],
            "outputs": [chatbot, history, question],
            **private,
        }
        send.click(api_name="ask", **ask_event)
        question.submit(**ask_event)
        clear.click(lambda: ([], []), None, [chatbot, history], **private)
        chatbot.clear(lambda: [], None, [history], **private)

        refresh.click(h.refresh_lists, [sub_dd], [sub_dd, scope, status], **private)
        sub_dd.input(lambda: "", None, [status], **private).then(
            h.load_submission, [sub_dd], review_outputs, api_name="load_submission", **private
        )
        draft_btn.click(
            h.draft,
            [upload, plan_type, pref_box],
            [sub_dd, scope, upload, status],
            concurrency_id="pdfium",
            concurrency_limit=1,
            **private,
        ).success(h.load_submission, [sub_dd], review_outputs, **private)
        table.select(h.pick_row, [order_state], [item_dd], **private)
        item_dd.change(
            h.show_item,
            [sub_state, item_dd],
            [detail, pages, verdict_dd, comment, version_state, decide_status],
            concurrency_id="pdfium",
            concurrency_limit=1,
            **private,
        )
        decide_outputs = [table, summary, detail, verdict_dd, comment, version_state, decide_status]
        confirm_btn.click(h.confirm, [sub_state, item_dd, comment, version_state], decide_outputs, **private)
        override_btn.click(
            h.override, [sub_state, item_dd, verdict_dd, comment, version_state], decide_outputs, **private
        )
        for fmt, button in export_buttons.items():
            button.click(h.export, [sub_state, gr.State(fmt)], [export_file, export_status], **private)
        batch_btn.click(
            h.batch,
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
    if not is_loopback(host):
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
