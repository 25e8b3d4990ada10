"""`index`, `search`, `ask`, `assess` and `demo-seed`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assistant.api import ReviewAssistant
from assistant.assess.locate import chunk_place
from assistant.domain.errors import InvalidRequestError
from assistant.domain.labels import VERDICT_LABELS_JA, citation_place, page_place
from assistant.domain.models import Assessment, Turn

from .common import assistant, print_json


def add_parsers(sub: argparse._SubParsersAction) -> None:
    idx = sub.add_parser("index", help="ガイドラインを索引に登録 / index guideline documents")
    idx.add_argument("paths", nargs="*", type=Path, help="省略時は同梱コーパス / default: bundled corpus")

    search = sub.add_parser("search", help="ガイドラインを検索 / hybrid search")
    search.add_argument("query")
    search.add_argument("--k", type=int, default=5)
    search.add_argument("--mode", choices=["hybrid", "dense", "bm25"], default="hybrid")
    search.add_argument("--plan", help="計画書（PDF・.docxのパス、提出物ID）も検索 / also search this plan")
    search.add_argument("--json", action="store_true")

    ask = sub.add_parser("ask", help="要件について質問 / ask about the requirements")
    ask.add_argument("question")
    ask.add_argument(
        "--plan",
        metavar="PLAN_ID_OR_FILE",
        help="計画書（提出物ID、PDF・.docx）も対象にする / include this plan",
    )
    ask.add_argument("--backend", choices=["auto", "offline", "llm"], default="auto")
    ask.add_argument("--json", action="store_true")
    ask.add_argument(
        "--follow-up-of",
        type=Path,
        metavar="FILE.json",
        help="前の質問の ask --json の出力（の配列）。続けての質問として答える / continue a conversation",
    )

    assess = sub.add_parser("assess", help="計画書のチェックリスト下書き / draft a checklist for a plan")
    assess.add_argument("pdf", type=Path, metavar="PLAN.pdf|PLAN.docx")
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


def run_index(args: argparse.Namespace) -> int:
    results = assistant().index_paths(args.paths or None)
    for r in results:
        label = {
            "indexed": f"登録 {r.chunks} チャンク",
            "unchanged": "変更なし",
            "error": f"エラー：{r.error}",
        }[r.status]
        print(f"{r.source}: {label}")
    return 1 if any(r.status == "error" for r in results) else 0


def run_search(args: argparse.Namespace) -> int:
    ra = assistant()
    hits = ra.search(args.query, k=args.k, mode=args.mode, plan=args.plan)
    rows = []
    places = []
    for h in hits:
        # A .docx hit names its heading and paragraph (page null); a PDF's row is as it always was.
        page, section, paragraph = chunk_place(h.chunk, ra.lookup(h.chunk.doc_id) if h.chunk.page else None)
        places.append(page_place(page, section, paragraph))
        row = {"source": h.chunk.source, "page": page, "section": section}
        if paragraph is not None:
            row["paragraph"] = paragraph
        rows.append({**row, "score": round(h.score, 5), "kind": h.chunk.kind, "text": h.chunk.text})
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for n, (h, place) in enumerate(zip(hits, places, strict=True), 1):
        print(f"[{n}] {h.chunk.source} {place}  score={round(h.score, 5)}")
        print("    " + h.chunk.text.replace("\n", "\n    "))
    return 0


def _history(path: Path | None) -> list[Turn]:
    """Earlier answers saved with ``ask --json`` (one, or a list in order) become the conversation."""
    if path is None:
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        turns = [Turn.model_validate(d) for d in (data if isinstance(data, list) else [data])]
    except (OSError, ValueError) as exc:
        raise InvalidRequestError(
            f"{path} を前の回答として読めません（ask --json の出力を指定してください） / "
            f"cannot read {path} as an earlier answer: {exc}"
        ) from exc
    return turns


def run_ask(args: argparse.Namespace) -> int:
    answer = assistant().ask(
        args.question, plan=args.plan, backend=args.backend, history=_history(args.follow_up_of)
    )
    if args.json:
        print_json(answer)
        return 0
    print(answer.answer)
    if answer.citations and answer.backend != "offline":
        print()
        for n, c in enumerate(answer.citations, 1):
            print(f"[{n}] {c.source} {citation_place(c)}：「{c.quote}」")
    print(f"\n（回答方式：{answer.backend}）")
    return 0


def run_assess(args: argparse.Namespace) -> int:
    ra = assistant()
    assessment = ra.assess(args.pdf, plan_type=args.plan_type, backend=args.backend or "auto")
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


def run_demo_seed(args: argparse.Namespace) -> int:
    from assistant.apps.demo import seed_demo

    for view in seed_demo(assistant()):
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
            print(f"  - {citation_place(cite)}：「{cite.quote}」")
