"""`batch INPUT... --out DIR`, with the progress display a terminal or a log file wants."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from assistant.batch.models import BatchReport, FileRow, ProgressEvent

from .common import assistant


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"1以上の整数を指定してください / must be a positive integer: {text!r}"
        )
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:
    batch = sub.add_parser("batch", help="計画書の一括事前確認 / pre-screen many plans")
    batch.add_argument(
        "inputs",
        nargs="+",
        type=Path,
        metavar="INPUT",
        help="PDF・Word（.docx）ファイルまたはフォルダ（再帰的に *.pdf と *.docx を検索） / "
        "PDF or .docx files, or folders",
    )
    batch.add_argument(
        "--out", required=True, type=Path, metavar="DIR", help="出力先フォルダ / output folder"
    )
    batch.add_argument(
        "--type",
        choices=["A", "B", "C"],
        dest="plan_type",
        help="全計画の種別を指定（既定：自動判定） / plan type for every file",
    )
    batch.add_argument(
        "--workers", type=_positive_int, help="並列プロセス数（既定：CPU数） / worker processes"
    )
    batch.add_argument("--backend", choices=["offline", "llm"], default="offline")
    batch.add_argument("--save", action="store_true", help="審査記録に保存 / store each plan as a submission")
    batch.add_argument("--prefecture", help="提出元の都道府県（--save と併用） / submitting prefecture")


class Display:
    """A rich progress bar on a terminal, one plain line per file otherwise (logs, cron, CI).

    Under the bar, failures are listed once it stops: the count alone does not say whom to call.
    """

    def __init__(self) -> None:
        self._bar: Any = None
        self._task: Any = None
        self._failures: list[FileRow] = []

    def __call__(self, event: ProgressEvent) -> None:
        if event.kind == "start":
            if sys.stdout.isatty():
                self._start_bar(event.total)
            return
        row = event.row
        assert row is not None
        if self._bar is not None:
            self._bar.update(self._task, advance=1, failed=event.failed)
            if row.status == "error":
                self._failures.append(row)
            return
        detail = (
            row.error if row.status == "error" else f"{row.plan_type}、{row.items}項目、{row.seconds:.1f}秒"
        )
        print(f"[{event.done}/{event.total}] {row.status} {row.file}（{detail}）", flush=True)

    def _start_bar(self, total: int) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("失敗 {task.fields[failed]}件"),
            TimeElapsedColumn(),
            TextColumn("残り"),
            TimeRemainingColumn(),
        )
        self._bar.start()
        self._task = self._bar.add_task("計画書を確認中", total=total, failed=0)

    def __enter__(self) -> Display:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
            for row in self._failures:
                print(f"失敗 {row.file}：{row.error}", flush=True)


def _summary(report: BatchReport) -> str:
    return (
        f"完了：{len(report.rows)}件（新規 {report.ok}、処理済み {report.skipped}、失敗 {report.failed}）"
        f" 出力先：{report.out_dir}"
    )


def run(args: argparse.Namespace) -> int:
    """Exit 1 when any file failed: every good file still has its results in DIR."""
    if args.prefecture and not args.save:
        print(
            "注意：--prefecture は --save と併用したときだけ記録されます / --prefecture needs --save",
            file=sys.stderr,
        )
    with Display() as display:
        report = assistant().run_batch(
            args.inputs,
            args.out,
            plan_type=args.plan_type,
            workers=args.workers,
            backend=args.backend,
            save=args.save,
            prefecture=args.prefecture,
            on_progress=display,
        )
    print(_summary(report), flush=True)
    return report.exit_code
