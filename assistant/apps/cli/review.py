"""`review list|show|decide|export`: the reviewer's records from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Column, Table

from assistant.api import ReviewAssistant
from assistant.domain.errors import ReviewAssistantError
from assistant.domain.labels import STATUS_LABELS_JA, VERDICT_LABELS_JA
from assistant.domain.models import Verdict
from assistant.reports.agreement import changes_ja

from .common import assistant


def add_parser(sub: argparse._SubParsersAction) -> None:
    review = sub.add_parser("review", help="審査結果の確認・確定・出力 / human review")
    actions = review.add_subparsers(dest="review_command", required=True)

    listing = actions.add_parser("list", help="提出物の一覧 / list submissions")
    listing.add_argument("--status", choices=["draft", "in_review", "final"])
    listing.add_argument("--prefecture", help="都道府県で絞り込み / filter by prefecture")
    listing.add_argument("--json", action="store_true", help="JSONで出力 / print JSON")

    show = actions.add_parser("show", help="提出物の判定一覧 / show one submission")
    show.add_argument("submission", type=int, metavar="SUBMISSION")
    show.add_argument("--json", action="store_true", help="JSONで出力 / print JSON")

    decide = actions.add_parser("decide", help="項目の判定を確定 / confirm or override an item")
    decide.add_argument("submission", type=int, metavar="SUBMISSION")
    decide.add_argument("criterion_id", metavar="CRITERION_ID")
    decide.add_argument("--verdict", required=True, choices=[v.value for v in Verdict])
    decide.add_argument("--comment", required=True)
    decide.add_argument("--reviewer", required=True)
    decide.add_argument(
        "--expected-version",
        type=int,
        help="読み込んだ版。他の審査者が変更していたら中止 / refuse if someone changed it since",
    )

    stats = actions.add_parser(
        "stats", help="下書きと審査者の判定の一致率 / how often reviewers keep the draft"
    )
    stats.add_argument("--json", action="store_true", help="JSONで出力 / print JSON")

    export = actions.add_parser("export", help="審査結果の出力 / export a submission")
    export.add_argument("submission", type=int, metavar="SUBMISSION")
    export.add_argument("--format", required=True, choices=["xlsx", "csv", "md", "html"])
    export.add_argument("--out", required=True, type=Path)


def run(args: argparse.Namespace) -> int:
    console = Console(markup=False, highlight=False, width=None if sys.stdout.isatty() else 160)
    ra = assistant()
    try:
        if args.review_command == "list":
            return _list(ra, args, console)
        if args.review_command == "show":
            return _show(ra, args, console)
        if args.review_command == "stats":
            return _stats(ra, args, console)
        if args.review_command == "decide":
            item = ra.decide(
                args.submission,
                args.criterion_id,
                verdict=args.verdict,
                comment=args.comment,
                reviewer=args.reviewer,
                expected_version=args.expected_version,
            )
            view = ra.submission(args.submission)
            print(
                f"{item.criterion_id}：{VERDICT_LABELS_JA[item.draft_verdict]} → "
                f"{VERDICT_LABELS_JA[args.verdict]} を記録しました（版 {item.version}）。"
                f"提出物 {view.id} の状態：{STATUS_LABELS_JA[view.status]}"
                f"（{view.decided_count}/{view.item_count} 項目確定）"
            )
        else:
            path = ra.export(args.submission, args.format, args.out)
            print(f"出力しました：{path}")
    except (ReviewAssistantError, ValueError) as exc:
        print(f"エラー：{exc}", file=sys.stderr)
        return 1
    return 0


def _list(ra: ReviewAssistant, args: argparse.Namespace, console: Console) -> int:
    submissions = ra.submissions(status=args.status, prefecture=args.prefecture)
    if args.json:
        print(json.dumps([s.model_dump(mode="json") for s in submissions], ensure_ascii=False, indent=2))
        return 0
    if not submissions:
        print("該当する提出物はありません。")
        return 0
    table = Table(
        Column("ID", no_wrap=True),
        "ファイル",
        "都道府県",
        "種別",
        "状態",
        Column("確定/項目", no_wrap=True),
        Column("登録日時", no_wrap=True),
    )
    for s in submissions:
        table.add_row(
            str(s.id),
            s.file_name,
            s.prefecture or "",
            s.plan_type,
            STATUS_LABELS_JA[s.status],
            f"{s.decided_count}/{s.item_count}",
            s.created_at.astimezone().strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)
    return 0


def _show(ra: ReviewAssistant, args: argparse.Namespace, console: Console) -> int:
    view = ra.submission(args.submission)
    if args.json:
        print(view.model_dump_json(indent=2))
        return 0
    print(
        f"提出物 {view.id}：{view.file_name}（{view.plan_type}、{view.prefecture or '都道府県未設定'}）"
        f" 状態：{STATUS_LABELS_JA[view.status]}（{view.decided_count}/{view.item_count} 項目確定）"
    )
    for warning in view.draft.warnings:
        print(f"注意：{warning}")
    table = Table(
        Column("項目ID", no_wrap=True),
        Column("判定（案）", no_wrap=True),
        Column("判定（確定）", no_wrap=True),
        "審査者",
        Column("版", no_wrap=True),
        "コメント",
    )
    for item in view.items:
        decision = item.decision
        table.add_row(
            item.criterion_id,
            VERDICT_LABELS_JA[item.draft_verdict],
            VERDICT_LABELS_JA[decision.verdict] if decision else "未確定",
            decision.reviewer if decision else "",
            str(item.version),
            decision.comment if decision else "",
        )
    console.print(table)
    return 0


def _stats(ra: ReviewAssistant, args: argparse.Namespace, console: Console) -> int:
    stats = ra.review_stats()
    if args.json:
        print(stats.model_dump_json(indent=2))
        return 0
    if not stats.decided:
        print("確定した判定はまだありません。 / no decisions yet")
        return 0
    table = Table(
        "要件区分",
        "下書き方式",
        Column("確定数", justify="right"),
        Column("案のとおり", justify="right"),
        Column("一致率", justify="right"),
        "変更の内訳（案→確定）",
        title=f"下書きと審査者の判定の一致（確定 {stats.decided} 件）",
    )
    for row in [*stats.by_backend, *stats.by_group]:
        rate = f"{row.rate:.0%}" if row.rate is not None else "－"
        table.add_row(row.group, row.backend, str(row.decided), str(row.kept), rate, changes_ja(row) or "－")
    console.print(table)
    return 0
