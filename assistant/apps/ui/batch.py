"""The 一括 tab: many plans at once, with progress, an overview table and summary.xlsx (reviewers only)."""

from __future__ import annotations

import shutil
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.batch.models import SUMMARY_XLSX, ProgressEvent
from assistant.domain.errors import ReviewAssistantError

from .format import batch_table, error_message, message_box
from .review import PLAN_TYPE_AUTO
from .session import Session

#: Gradio recognises a progress parameter by this default and passes a fresh tracker per call.
BATCH_PROGRESS = gr.Progress()


class BatchHandlers:
    def __init__(self, session: Session) -> None:
        self.s = session

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
            user = self.s.user(request)
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
            self.s.ra.settings.data_dir / "batch" / f"{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
        )
        progress(0, desc="準備中（解析エンジンを読み込んでいます）")

        def on_progress(event: ProgressEvent) -> None:
            if event.row is not None:
                progress((event.done, event.total), desc=f"{event.done}/{event.total}：{event.row.file}")

        try:
            report = self.s.ra.run_batch(
                inputs,
                out_dir,
                user=user,
                plan_type=None if plan_type == PLAN_TYPE_AUTO else plan_type,  # type: ignore[arg-type]
                backend="auto",
                save=save,
                prefecture=(prefecture or "").strip() or None,
                labels=labels,
                on_progress=on_progress,
            )
        except ReviewAssistantError as exc:
            return gr.update(), gr.update(), message_box("danger", error_message(exc))
        target = self.s.export_dir / uuid.uuid4().hex / SUMMARY_XLSX
        target.parent.mkdir(parents=True)
        shutil.copyfile(out_dir / SUMMARY_XLSX, target)
        status = message_box(
            "warn" if report.failed else "ok",
            f"完了：{len(report.rows)}件（新規 {report.ok}、処理済み {report.skipped}、"
            f"失敗 {report.failed}）　出力先：{out_dir}",
        )
        return batch_table(self.s.ra, report), str(target), status
