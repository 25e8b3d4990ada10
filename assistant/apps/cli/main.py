"""Command-line interface: a thin layer over :mod:`assistant.api`.

Exit codes: 0 success, 1 a processing failure the user can act on (bad file, partial batch),
2 usage errors (argparse's convention).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel

from assistant.errors import ReviewAssistantError
from assistant.models import VERDICT_LABELS_JA, Assessment

if TYPE_CHECKING:
    from assistant.api import ReviewAssistant


def _assistant() -> ReviewAssistant:
    """Imported on use: the API pulls in Chroma and langchain, which `review` commands don't need."""
    from assistant.api import ReviewAssistant

    return ReviewAssistant()


def _add_review_parser(sub: argparse._SubParsersAction) -> None:
    """`review list|show|decide|export` (owned by the review-store work)."""
    from assistant.models import Verdict

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

    export = actions.add_parser("export", help="審査結果の出力 / export a submission")
    export.add_argument("submission", type=int, metavar="SUBMISSION")
    export.add_argument("--format", required=True, choices=["xlsx", "csv", "md", "html"])
    export.add_argument("--out", required=True, type=Path)


def _run_review(args: argparse.Namespace) -> int:
    """Imports are local so the other commands do not pay for openpyxl and rich at start-up."""
    from rich.console import Console
    from rich.table import Column, Table

    from assistant.export import export_submission
    from assistant.review_store import STATUS_LABELS_JA, ReviewStore
    from assistant.settings import get_settings

    console = Console(markup=False, highlight=False)
    try:
        store = ReviewStore(get_settings().review_db)
        if args.review_command == "list":
            submissions = store.list_submissions(status=args.status, prefecture=args.prefecture)
            if args.json:
                print(
                    json.dumps([s.model_dump(mode="json") for s in submissions], ensure_ascii=False, indent=2)
                )
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
        elif args.review_command == "show":
            view = store.get(args.submission)
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
        elif args.review_command == "decide":
            item = store.decide(
                args.submission,
                args.criterion_id,
                verdict=args.verdict,
                comment=args.comment,
                reviewer=args.reviewer,
                expected_version=args.expected_version,
            )
            view = store.get(args.submission)
            print(
                f"{item.criterion_id}：{VERDICT_LABELS_JA[item.draft_verdict]} → "
                f"{VERDICT_LABELS_JA[args.verdict]} を記録しました（版 {item.version}）。"
                f"提出物 {view.id} の状態：{STATUS_LABELS_JA[view.status]}"
                f"（{view.decided_count}/{view.item_count} 項目確定）"
            )
        else:
            path = export_submission(store.get(args.submission), args.format, args.out)
            print(f"出力しました：{path}")
    except (ReviewAssistantError, ValueError) as exc:
        print(f"エラー：{exc}", file=sys.stderr)
        return 1
    return 0


def _add_core_parsers(sub: argparse._SubParsersAction) -> None:
    idx = sub.add_parser("index", help="ガイドラインを索引に登録 / index guideline documents")
    idx.add_argument("paths", nargs="*", type=Path, help="省略時は同梱コーパス / default: bundled corpus")

    search = sub.add_parser("search", help="ガイドラインを検索 / hybrid search")
    search.add_argument("query")
    search.add_argument("--k", type=int, default=5)
    search.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid")
    search.add_argument("--plan", help="計画書（PDFパス・提出物ID）も検索 / also search this plan")
    search.add_argument("--json", action="store_true")

    ask = sub.add_parser("ask", help="要件について質問 / ask about the requirements")
    ask.add_argument("question")
    ask.add_argument("--plan", metavar="PLAN_ID_OR_PDF", help="計画書も対象にする / include this plan")
    ask.add_argument("--backend", choices=["auto", "offline", "llm"], default="auto")
    ask.add_argument("--json", action="store_true")

    assess = sub.add_parser("assess", help="計画書のチェックリスト下書き / draft a checklist for a plan")
    assess.add_argument("pdf", type=Path, metavar="PLAN.pdf")
    assess.add_argument("--type", choices=["A", "B", "C"], dest="plan_type")
    assess.add_argument(
        "--backend",
        choices=["offline", "llm"],
        default=None,
        help="既定：LLM設定があれば llm、なければ offline",
    )
    assess.add_argument("--json", action="store_true")
    assess.add_argument("--out", type=Path, help="JSONをファイルに保存 / write the JSON to FILE")
    assess.add_argument("--save", action="store_true", help="審査記録に保存 / store as a submission")
    assess.add_argument("--prefecture", help="提出元の都道府県 / submitting prefecture")

    sub.add_parser(
        "demo-seed", help="サンプル計画書を作成・下書き・保存 / assess and save the bundled sample plan"
    )


def _print_json(model: BaseModel) -> None:
    print(model.model_dump_json(indent=2))


def _run_index(args: argparse.Namespace) -> int:
    results = _assistant().index_paths(args.paths or None)
    for r in results:
        label = {
            "indexed": f"登録 {r.chunks} チャンク",
            "unchanged": "変更なし",
            "error": f"エラー：{r.error}",
        }[r.status]
        print(f"{r.source}: {label}")
    return 1 if any(r.status == "error" for r in results) else 0


def _run_search(args: argparse.Namespace) -> int:
    docs = _assistant().search(args.query, k=args.k, mode=args.mode, plan=args.plan)
    rows = [
        {
            "source": d.metadata.get("source"),
            "page": int(d.metadata.get("page") or 0) or None,
            "section": d.metadata.get("section") or None,
            "score": round(float(d.metadata["score"]), 5),
            "kind": d.metadata.get("kind"),
            "text": d.page_content,
        }
        for d in docs
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for n, r in enumerate(rows, 1):
        where = f"{r['page']}頁" if r["page"] else f"「{r['section']}」"
        print(f"[{n}] {r['source']} {where}  score={r['score']}")
        print("    " + str(r["text"]).replace("\n", "\n    "))
    return 0


def _run_ask(args: argparse.Namespace) -> int:
    answer = _assistant().ask(args.question, plan=args.plan, backend=args.backend)
    if args.json:
        _print_json(answer)
        return 0
    print(answer.answer)
    if answer.citations and answer.backend != "offline":
        print()
        for n, c in enumerate(answer.citations, 1):
            where = f"{c.page}頁" if c.page else f"「{c.section}」"
            print(f"[{n}] {c.source} {where}：「{c.quote}」")
    print(f"\n（回答方式：{answer.backend}）")
    return 0


def _run_assess(args: argparse.Namespace) -> int:
    ra = _assistant()
    backend = args.backend or ("llm" if ra.settings.llm_enabled else "offline")
    assessment = ra.assess(args.pdf, plan_type=args.plan_type, backend=backend)
    text = assessment.model_dump_json(indent=2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    if args.save:
        view = ra.save(assessment, args.pdf, prefecture=args.prefecture)
        print(f"審査記録に保存しました：提出物ID {view.id}", file=sys.stderr)
    if args.json:
        print(text)
    elif not args.out or args.save:
        _print_checklist(assessment, ra)
    return 0


def _run_demo_seed(args: argparse.Namespace) -> int:
    from assistant.demo import seed_demo

    for view in seed_demo(_assistant()):
        print(f"サンプル計画書：{view.file_name}（{view.prefecture}）提出物ID {view.id}")
    return 0


def _print_checklist(assessment: Assessment, ra: ReviewAssistant) -> None:
    print(
        f"{assessment.plan}（{assessment.plan_type}：{ra.rubric.type_label(assessment.plan_type)}）"
        f" 下書き方式：{assessment.backend}"
    )
    for w in assessment.warnings:
        print(f"⚠ {w}")
    for item in assessment.items:
        c = ra.rubric.get(item.criterion_id)
        print(f"\n■ {c.group}｜{c.label}［{VERDICT_LABELS_JA[item.verdict]}］ {item.criterion_id}")
        print(f"  {item.rationale}")
        for cite in item.citations:
            print(f"  - {cite.page}頁：「{cite.quote}」")


def _add_batch_parser(sub: argparse._SubParsersAction) -> None:
    """`batch INPUT... --out DIR` (owned by the batch work)."""

    def positive_int(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise argparse.ArgumentTypeError(
                f"1以上の整数を指定してください / must be a positive integer: {text!r}"
            )
        return value

    batch = sub.add_parser("batch", help="計画書の一括事前確認 / pre-screen many plans")
    batch.add_argument(
        "inputs",
        nargs="+",
        type=Path,
        metavar="INPUT",
        help="PDFファイルまたはフォルダ（再帰的に *.pdf を検索） / PDF files or folders",
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
        "--workers", type=positive_int, help="並列プロセス数（既定：CPU数） / worker processes"
    )
    batch.add_argument("--backend", choices=["offline", "llm"], default="offline")
    batch.add_argument("--save", action="store_true", help="審査記録に保存 / store each plan as a submission")
    batch.add_argument("--prefecture", help="提出元の都道府県（--save と併用） / submitting prefecture")


def _run_batch(args: argparse.Namespace) -> int:
    """Exit 1 when any file failed: every good file still has its results in DIR."""
    from assistant.batch import run_batch

    if args.prefecture and not args.save:
        print(
            "注意：--prefecture は --save と併用したときだけ記録されます / --prefecture needs --save",
            file=sys.stderr,
        )
    report = run_batch(
        args.inputs,
        args.out,
        plan_type=args.plan_type,
        workers=args.workers,
        backend=args.backend,
        save=args.save,
        prefecture=args.prefecture,
    )
    return report.exit_code


def _add_ui_parsers(sub: argparse._SubParsersAction) -> None:
    """`ui` and `users add|list` (owned by the UI work)."""
    ui = sub.add_parser("ui", help="Web画面を起動 / start the web UI")
    ui.add_argument("--host", help="待ち受けアドレス（既定：127.0.0.1） / bind address")
    ui.add_argument("--port", type=int, help="ポート番号（既定：7860） / port")

    users = sub.add_parser("users", help="Web画面のユーザー管理 / manage web UI users")
    actions = users.add_subparsers(dest="users_command", required=True)
    add = actions.add_parser("add", help="ユーザーを登録 / add a user")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", required=True, choices=["reviewer", "prefecture"])
    add.add_argument(
        "--prefecture", help="都道府県担当の都道府県（例：東雲県） / prefecture of a prefecture user"
    )
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="パスワードを標準入力の1行目から読む / read the password from stdin",
    )
    add.add_argument(
        "--replace", action="store_true", help="登録済みのユーザーを上書き / overwrite an existing user"
    )
    actions.add_parser("list", help="ユーザーの一覧 / list users")


def _run_ui(args: argparse.Namespace) -> int:
    """Exit 2 when the configuration is unsafe (a non-loopback address without users)."""
    from assistant.settings import apply_process_env, get_settings

    apply_process_env()
    from assistant.ui import UiStartError, launch

    settings = get_settings()
    try:
        launch(settings, host=args.host or settings.ui_host, port=args.port or settings.ui_port)
    except UiStartError as exc:
        print(f"エラー：{exc}", file=sys.stderr)
        return 2
    return 0


def _run_users(args: argparse.Namespace) -> int:
    from assistant.auth import UserStore, role_label
    from assistant.settings import get_settings

    store = UserStore(get_settings().users_path)
    if args.users_command == "list":
        users = store.users()
        if not users:
            print(f"ユーザーは登録されていません（{store.path}）")
        for user in users:
            print(f"{user.name}\t{role_label(user)}")
        return 0
    if (args.role == "prefecture") != bool(args.prefecture):
        print(
            "エラー：--prefecture は都道府県担当（--role prefecture）にのみ、必ず指定してください"
            " / --prefecture is required for, and only for, --role prefecture",
            file=sys.stderr,
        )
        return 2
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        import getpass

        password = getpass.getpass("パスワード: ")
        if getpass.getpass("パスワード（確認）: ") != password:
            print("エラー：パスワードが一致しません / passwords do not match", file=sys.stderr)
            return 1
    try:
        user = store.add(
            args.name, password, role=args.role, prefecture=args.prefecture, replace=args.replace
        )
    except ValueError as exc:
        print(f"エラー：{exc}", file=sys.stderr)
        return 1
    print(f"登録しました：{user.name}（{role_label(user)}） → {store.path}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="review-assistant", description="地域産業成長プラン等の審査支援")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_ui_parsers(sub)
    _add_core_parsers(sub)
    _add_review_parser(sub)
    _add_batch_parser(sub)
    return parser


_COMMANDS = {
    "ui": _run_ui,
    "users": _run_users,
    "index": _run_index,
    "search": _run_search,
    "ask": _run_ask,
    "assess": _run_assess,
    "demo-seed": _run_demo_seed,
    "review": lambda args: _run_review(args),
    "batch": _run_batch,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except ReviewAssistantError as exc:
        print(f"エラー：{getattr(exc, 'message', None) or exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
