"""`evaluate`: measure a backend on the labelled plans before trusting it."""

from __future__ import annotations

import argparse
import json
import sys

from rich.console import Console
from rich.table import Table

from assistant.evaluation.scoring import PlanScore, Report

from .common import assistant

_COLUMNS = (
    ("presence", "記載の有無の一致"),
    ("judgement_agreement", "判断項目の一致"),
    ("judgement_needs_review", "判断項目の要確認"),
    ("false_meets", "誤った「満たす」"),
    ("evidence_recall", "根拠頁の再現率"),
    ("citation_validity", "引用の正確さ"),
    ("seconds_per_plan", "秒/計画"),
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    ev = sub.add_parser(
        "evaluate", help="同梱の評価用計画書で下書きの精度を測定 / measure a backend on the labelled plans"
    )
    ev.add_argument("--backend", choices=["offline", "llm"], default="offline")
    ev.add_argument("--json", action="store_true")


def _fmt(value: float | int | None, key: str) -> str:
    if value is None:
        return "－"
    if key in ("false_meets", "plans", "items"):
        return str(value)
    if key == "seconds_per_plan":
        return f"{value:.1f}"
    return f"{value:.2f}"


def run(args: argparse.Namespace) -> int:
    # Piped output (a file, a CI log) gets a table wide enough not to break its Japanese headers.
    console = Console(markup=False, highlight=False, width=None if sys.stdout.isatty() else 160)
    quiet = args.json

    def progress(score: PlanScore) -> None:
        if not quiet:
            console.print(f"  {score.plan}（{score.plan_type}）{score.tally.seconds:.1f}秒")

    result: Report = assistant().evaluate(backend=args.backend, on_plan=progress)
    if args.json:
        print(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return 0
    overall = Table(
        title=f"評価：{result.backend}（{result.overall['plans']}計画・{result.overall['items']}項目）"
    )
    for _, label in _COLUMNS:
        overall.add_column(label)
    overall.add_row(*(_fmt(result.overall[key], key) for key, _ in _COLUMNS))
    console.print(overall)
    groups = Table(title="要件区分ごと")
    groups.add_column("要件区分")
    for _, label in _COLUMNS[:-1]:
        groups.add_column(label)
    for name, summary in result.by_group.items():
        groups.add_row(name, *(_fmt(summary[key], key) for key, _ in _COLUMNS[:-1]))
    console.print(groups)
    return 0
