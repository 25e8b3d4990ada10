"""The 一括 tab's handlers: many plans at once, with one live progress bar, tables per plan type,
personal downloads of the sheets and a retry for each failed file (reviewers only).

Uploads are moved out of Gradio's cache into the run's own folder under the data folder (which
Gradio never serves) and reported everywhere by the names they were uploaded with. The run itself
goes on in a thread while the handler yields progress, so the bar moves from the first second.
"""

from __future__ import annotations

import os
import queue
import stat
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import gradio as gr
import pypdfium2 as pdfium

from assistant.batch.inputs import discover_inputs
from assistant.batch.models import CHECKLIST_CSV, FILES_CSV, SUMMARY_XLSX, BatchReport, ProgressEvent
from assistant.batch.runner import agreement_of, write_sheets
from assistant.domain.errors import ReviewAssistantError
from assistant.domain.models import PlanType, User
from assistant.ingest.pdfium import PDFIUM_LOCK

from .batch_html import legend_html, progress_html, results_html
from .format import download_link, error_message, message_box, unchanged
from .review import PLAN_TYPE_AUTO
from .session import Session
from .uploads import discard_upload, take_upload

#: Seconds between progress redraws while no file has finished (the clock keeps moving).
TICK = 1.0
SHEETS = {
    SUMMARY_XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    FILES_CSV: "text/csv; charset=utf-8",
    CHECKLIST_CSV: "text/csv; charset=utf-8",
}
#: Outputs of every batch event: progress, status, legend, tables, downloads, uploads, run.
OUTPUTS = 7


@dataclass
class BatchRun:
    """What a retry needs to know about the run on screen; kept in the server-side session state."""

    out_dir: Path
    paths: list[Path]
    plan_type: PlanType | None
    save: bool
    prefecture: str | None
    report: BatchReport
    pages: list[int] = field(default_factory=list)


def count_pages(path: Path, max_bytes: int) -> int:
    """Pages of a PDF for the progress bar; 0 when unknown (not a regular PDF, too large, unreadable).

    Only regular files are opened, so a FIFO or device in a folder cannot block the screen.
    """
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes or path.suffix.lower() != ".pdf":
            return 0
        with PDFIUM_LOCK:
            pdf = pdfium.PdfDocument(str(path))
            try:
                return len(pdf)
            finally:
                pdf.close()
    except (OSError, pdfium.PdfiumError):
        return 0


class BatchHandlers:
    def __init__(self, session: Session) -> None:
        self.s = session

    def _inputs(
        self, uploads: list[str] | None, folder: str, out_dir: Path
    ) -> tuple[list[Path], dict[str, str]]:
        """Every plan to run, each with the name to show it by: an upload (moved into the run's folder)
        by its uploaded name, a file of a server folder by its path below that folder, never by a
        server path."""
        folder = (folder or "").strip()
        root = Path(folder).expanduser() if folder else None
        if root is not None and not root.exists():
            raise ReviewAssistantError(f"フォルダが見つかりません：{folder}")
        inputs, labels = [], {}
        for upload in uploads or []:
            kept = take_upload(Path(upload), out_dir / "inputs")
            inputs.append(kept)
            labels[kept.as_posix()] = kept.name
        if root is not None:
            inputs.append(root)
            for item in discover_inputs([root]):
                below = item.path.relative_to(root) if item.path.is_relative_to(root) else None
                labels[item.path.as_posix()] = below.as_posix() if below else item.path.name
        return inputs, labels

    def _run(
        self,
        start: Callable[[Callable[[ProgressEvent], None]], BatchReport],
        pages: list[int],
        labels: list[str],
    ) -> Iterator[tuple[str, BatchReport | None]]:
        """Run ``start`` in a thread and yield (progress bar, None) as files finish, then (full bar, report)."""
        events: queue.Queue[ProgressEvent | Exception | BatchReport] = queue.Queue()

        def work() -> None:
            try:
                events.put(start(events.put))
            except Exception as exc:  # handed to the screen, which says what went wrong
                events.put(exc)

        started = time.monotonic()
        threading.Thread(target=work, name="ui-batch", daemon=True).start()
        done, done_pages, failed, note = 0, 0, 0, "解析エンジンを起動しています…"
        pending = dict(enumerate(labels))
        while True:
            try:
                event = events.get(timeout=TICK)
            except queue.Empty:
                event = None
            if isinstance(event, Exception):
                raise event
            if isinstance(event, BatchReport):
                total = len(labels)
                bar = progress_html(
                    files=(total, total),
                    pages=(sum(pages), sum(pages)),
                    failed=event.failed,
                    elapsed=time.monotonic() - started,
                    note="完了",
                )
                yield bar, event
                return
            if isinstance(event, ProgressEvent) and event.row is not None:
                done, failed = event.done, event.failed
                index = next((i for i, label in pending.items() if label == event.row.file), None)
                if index is not None:
                    done_pages += pages[index]
                    del pending[index]
                note = f"{event.row.file}：{'失敗' if event.row.status == 'error' else '完了'}"
            yield (
                progress_html(
                    files=(done, len(labels)),
                    pages=(done_pages, sum(pages)),
                    failed=failed,
                    elapsed=time.monotonic() - started,
                    note=note,
                ),
                None,
            )

    def _finish(self, bar: str, run: BatchRun, user: User, request: gr.Request) -> tuple[Any, ...]:
        report = run.report
        tables, blank = results_html(self.s.ra, report)
        status = message_box(
            "warn" if report.failed else "ok",
            f"完了：{len(report.rows)}件（新規 {report.ok}、処理済み {report.skipped}、失敗 {report.failed}）"
            + ("　審査記録に保存しました。" if run.save else ""),
        )
        return bar, status, legend_html(blank=blank), tables, self._links(run, user, request), None, run

    def _links(self, run: BatchRun, user: User, request: gr.Request) -> str:
        links = []
        for name, media in SHEETS.items():
            self.s.withdraw(request, user, f"batch-{name}")
            url = self.s.offer(
                request, user, name, (run.out_dir / name).read_bytes(), media, once=True, slot=f"batch-{name}"
            )
            links.append(download_link(url, name, self.s.ra.settings.ui_download_ttl))
        return '<div class="ra-downloads">' + "".join(f"<div>{link}</div>" for link in links) + "</div>"

    def batch(
        self,
        uploads: list[str] | None,
        folder: str,
        plan_type: str,
        save: bool,
        prefecture: str,
        request: gr.Request,
    ) -> Iterator[tuple[Any, ...]]:
        """Yields (progress, status, legend, tables, downloads, uploads, run)."""
        try:
            user = self.s.user(request)
            if user.role != "reviewer":  # checked again by the library; here so no upload is moved
                raise ReviewAssistantError(
                    "一括処理は審査担当者のみ可能です / batch processing: reviewers only"
                )
            stamp = f"{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
            out_dir = self.s.ra.settings.data_dir / "batch" / stamp
            inputs, labels = self._inputs(uploads, folder, out_dir)
        except ReviewAssistantError as exc:
            for upload in uploads or []:
                discard_upload(Path(upload))
            yield (*unchanged(1), message_box("danger", error_message(exc)), *unchanged(OUTPUTS - 2))
            return
        if not inputs:
            message = "計画書（PDF・Word）をアップロードするか、サーバー上のフォルダを指定してください。"
            yield (*unchanged(1), message_box("warn", message), *unchanged(OUTPUTS - 2))
            return
        found = discover_inputs(inputs)
        shown = [labels.get(item.path.as_posix(), item.path.name) for item in found]
        yield (
            progress_html(files=(0, len(found)), pages=(0, 0), failed=0, elapsed=0, note="準備中…"),
            "",
            "",
            "",
            "",
            None,
            gr.update(),
        )
        pages = [count_pages(item.path, self.s.ra.settings.max_file_bytes) for item in found]
        chosen = None if plan_type == PLAN_TYPE_AUTO else plan_type
        pref = (prefecture or "").strip() or None

        def start(on_progress: Callable[[ProgressEvent], None]) -> BatchReport:
            return self.s.ra.run_batch(
                inputs,
                out_dir,
                user=user,
                plan_type=chosen,  # type: ignore[arg-type]
                backend="auto",
                save=save,
                prefecture=pref,
                labels=labels,
                on_progress=on_progress,
            )

        try:
            for bar, report in self._run(start, pages, shown):
                if report is None:
                    yield bar, *unchanged(OUTPUTS - 1)
                else:
                    run = BatchRun(out_dir, [i.path for i in found], chosen, save, pref, report, pages)  # type: ignore[arg-type]
                    yield self._finish(bar, run, user, request)
        except ReviewAssistantError as exc:
            yield "", message_box("danger", error_message(exc)), *unchanged(OUTPUTS - 2)

    def retry(self, picked: str, run: BatchRun | None, request: gr.Request) -> Iterator[tuple[Any, ...]]:
        """Run one failed file again into the same folder and put its new row in place; the sheets
        are rewritten from every row, so they stay one consistent set."""
        ref = (picked or "").partition("#")[0]
        if run is None or not ref.isdigit() or not 0 <= int(ref) < len(run.paths):
            yield unchanged(OUTPUTS)
            return
        index = int(ref)
        label = run.report.rows[index].file
        try:
            user = self.s.user(request)
        except ReviewAssistantError as exc:
            yield (*unchanged(1), message_box("danger", error_message(exc)), *unchanged(OUTPUTS - 2))
            return

        def start(on_progress: Callable[[ProgressEvent], None]) -> BatchReport:
            return self.s.ra.run_batch(
                [run.paths[index]],
                run.out_dir,
                user=user,
                plan_type=run.plan_type,
                backend="auto",
                save=run.save,
                prefecture=run.prefecture,
                labels={run.paths[index].as_posix(): label},
                on_progress=on_progress,
            )

        try:
            for bar, single in self._run(start, [run.pages[index] if run.pages else 0], [label]):
                if single is None:
                    yield bar, *unchanged(OUTPUTS - 1)
                    continue
                rows = list(run.report.rows)
                rows[index] = single.rows[0]
                assessments = {n: a for n, a in run.report.assessments.items() if n != index}
                if 0 in single.assessments:
                    assessments[index] = single.assessments[0]
                write_sheets(run.out_dir, rows, assessments, self.s.ra.rubric, agreement_of(self.s.ra, user))
                run.report = BatchReport(
                    out_dir=run.out_dir, rows=rows, assessments=assessments, seconds=run.report.seconds
                )
                yield self._finish(bar, run, user, request)
        except ReviewAssistantError as exc:
            yield "", message_box("danger", error_message(exc)), *unchanged(OUTPUTS - 2)

    def relink(self, run: BatchRun | None, request: gr.Request) -> Any:
        """New personal links to the run's sheets (each link works once)."""
        if run is None:
            return gr.update()
        try:
            return self._links(run, self.s.user(request), request)
        except (ReviewAssistantError, OSError) as exc:
            return message_box("danger", error_message(exc))
