"""Evaluation runner: retrieval, grounded Q&A and plan assessment against the labelled sets.

    python -m evals.run [retrieval|qa|assess|all] [--embeddings use,e5] [--sweep]

Labels live in evals/data and were written before tuning. Everything here runs offline.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import yaml
from rich.console import Console
from rich.table import Table

from assistant.api import ReviewAssistant
from assistant.assess.plan_type import detect_plan_type
from assistant.domain.chunks import Chunk
from assistant.domain.models import Verdict
from assistant.domain.rubric import Rubric
from assistant.ingest.pdf import parse_pdf
from assistant.settings import Settings
from assistant.text.grounding import quote_on_page, verify_citation
from assistant.text.normalize import squash
from tests.support.pdfgen import write_plan_pdf

DATA = Path(__file__).resolve().parent / "data"
console = Console()
NOT_ADDRESSED = {Verdict.not_addressed, Verdict.not_applicable}


def _load(name: str) -> list[dict]:
    return yaml.safe_load((DATA / name).read_text(encoding="utf-8"))["questions"]


def _hit(chunk: Chunk, targets: list, rubric: Rubric) -> bool:
    for t in targets:
        if isinstance(t, dict):
            if chunk.section == t["section"]:
                return True
        else:
            c = rubric.get(t)
            if chunk.section == c.section and squash(c.text) in squash(chunk.text):
                return True
    return False


def _settings(tmp: Path, **kw: object) -> Settings:
    return Settings(data_dir=tmp, **kw)


# ---------------------------------------------------------------------------------------------
def run_retrieval(embeddings: list[str]) -> None:
    questions = _load("retrieval.yaml")
    table = Table(title=f"Retrieval over the guideline ({len(questions)} questions, k=5)")
    for col in (
        "embedding",
        "mode",
        "Recall@1",
        "Recall@5",
        "MRR",
        "paraphrase R@5",
        "english R@5",
        "ms/query",
    ):
        table.add_column(col)
    for emb in embeddings:
        with tempfile.TemporaryDirectory() as tmp:
            ra = ReviewAssistant(_settings(Path(tmp), embedding=emb))
            ra.index_paths()
            for mode in ("dense", "bm25", "hybrid"):
                r1 = r5 = rr = 0.0
                by_style: dict[str, list[int]] = {}
                start = time.perf_counter()
                for q in questions:
                    docs = ra.search(q["question"], k=5, mode=mode)
                    ranks = [i for i, d in enumerate(docs) if _hit(d.chunk, q["targets"], ra.rubric)]
                    first = ranks[0] + 1 if ranks else None
                    r1 += first == 1
                    r5 += first is not None
                    rr += 1 / first if first else 0
                    by_style.setdefault(q["style"], []).append(int(first is not None))
                elapsed = (time.perf_counter() - start) / len(questions) * 1000
                n = len(questions)
                table.add_row(
                    emb,
                    mode,
                    f"{r1 / n:.3f}",
                    f"{r5 / n:.3f}",
                    f"{rr / n:.3f}",
                    f"{statistics.mean(by_style.get('paraphrase', [0])):.3f}",
                    f"{statistics.mean(by_style.get('english', [0])):.3f}",
                    f"{elapsed:.0f}",
                )
    console.print(table)


# ---------------------------------------------------------------------------------------------
def _qa_once(ra: ReviewAssistant, questions: list[dict]) -> dict[str, float]:
    key_hits = answerable_n = correct_abstain = valid = total_cites = 0
    false_answers: list[str] = []
    missed: list[str] = []
    for q in questions:
        answer = ra.ask(q["question"], backend="offline")
        correct_abstain += answer.answerable == q["answerable"]
        for c in answer.citations:
            total_cites += 1
            doc = next((ra.lookup(d) for d in _guideline_ids(ra)), None)
            valid += verify_citation(c, doc)
        if q["answerable"]:
            answerable_n += 1
            hit = any(squash(q["key_phrase"]) in squash(c.quote) for c in answer.citations)
            key_hits += hit
            if not hit:
                missed.append(q["id"])
        elif answer.answerable:
            false_answers.append(q["id"])
    return {
        "key_citation_hit_rate": key_hits / answerable_n,
        "abstention_accuracy": correct_abstain / len(questions),
        "quote_validity": valid / total_cites if total_cites else 1.0,
        "citations": total_cites,
        "missed": missed,
        "false_answers": false_answers,
    }  # type: ignore[dict-item]


def _guideline_ids(ra: ReviewAssistant) -> list[str]:
    return sorted({c.doc_id for c in ra.index.snapshot().chunks if c.kind == "guideline"})


def run_qa(sweep: bool) -> None:
    questions = _load("qa.yaml")
    n_ans = sum(q["answerable"] for q in questions)
    with tempfile.TemporaryDirectory() as tmp:
        base = ReviewAssistant(_settings(Path(tmp)))
        base.index_paths()
        thresholds = [0.3, 0.35, 0.4, 0.45, 0.5] if sweep else [base.settings.abstain_threshold]
        table = Table(
            title=f"Grounded Q&A, offline answerer ({n_ans} answerable, {len(questions) - n_ans} not)"
        )
        for col in (
            "abstain threshold",
            "key-citation hit",
            "abstention acc.",
            "quote validity",
            "citations",
            "missed (answerable)",
            "answered (unanswerable)",
        ):
            table.add_column(col)
        for t in thresholds:
            ra = ReviewAssistant(base.settings.model_copy(update={"abstain_threshold": t}))
            m = _qa_once(ra, questions)
            table.add_row(
                f"{t:.2f}",
                f"{m['key_citation_hit_rate']:.3f}",
                f"{m['abstention_accuracy']:.3f}",
                f"{m['quote_validity']:.3f}",
                str(m["citations"]),
                " ".join(m["missed"]) or "-",
                " ".join(m["false_answers"]) or "-",
            )
    console.print(table)


# ---------------------------------------------------------------------------------------------
def run_assess() -> None:
    plans = sorted((DATA / "plans").glob("*.yaml"))
    table = Table(title=f"Offline drafter on {len(plans)} labelled plans (type: gold/detected, ? = unsure)")
    for col in (
        "plan",
        "type",
        "presence acc.",
        "verdict acc.",
        "false meets",
        "evidence-page recall",
        "citation validity",
        "injection flagged",
        "s/plan",
    ):
        table.add_column(col)
    tot = {
        "items": 0,
        "presence": 0,
        "exact": 0,
        "false_meets": 0,
        "gold_pages": 0,
        "found_pages": 0,
        "cites": 0,
        "valid": 0,
        "seconds": 0.0,
    }
    confusion: dict[tuple[str, str], int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        settings = _settings(Path(tmp))
        for spec_path in plans:
            spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
            pdf = write_plan_pdf(
                Path(tmp) / spec["file"],
                spec["pages"],
                title=spec.get("title"),
                scanned_pages=spec.get("scanned_pages", []),
            )
            start = time.perf_counter()
            doc = parse_pdf(pdf, kind="plan", settings=settings)
            result = ReviewAssistant(settings).assess(pdf, plan_type=spec["plan_type"])
            seconds = time.perf_counter() - start
            detected = detect_plan_type(doc, ReviewAssistant(settings).rubric)
            gold = spec["gold"]
            s = {k: 0 for k in tot}
            for item in result.items:
                g = gold[item.criterion_id]
                gv = Verdict(g["verdict"])
                s["items"] += 1
                s["presence"] += (gv in NOT_ADDRESSED) == (item.verdict in NOT_ADDRESSED)
                s["exact"] += gv == item.verdict
                s["false_meets"] += item.verdict == Verdict.meets and gv in {
                    Verdict.does_not_meet,
                    Verdict.not_addressed,
                }
                cited = {c.page for c in item.citations}
                s["gold_pages"] += len(g["pages"])
                s["found_pages"] += len(set(g["pages"]) & cited)
                for c in item.citations:
                    s["cites"] += 1
                    s["valid"] += quote_on_page(doc, c.page, None, c.quote)
                confusion[(gv.value, item.verdict.value)] = (
                    confusion.get((gv.value, item.verdict.value), 0) + 1
                )
            s["seconds"] = seconds
            for k in tot:
                tot[k] += s[k]
            flagged = any("指示" in w or "injection" in w for w in result.warnings)
            table.add_row(
                spec["file"],
                f"{spec['plan_type']}/{detected.plan_type}{'' if detected.confident else '?'}",
                f"{s['presence'] / s['items']:.2f}",
                f"{s['exact'] / s['items']:.2f}",
                str(s["false_meets"]),
                f"{s['found_pages'] / s['gold_pages']:.2f}" if s["gold_pages"] else "-",
                f"{s['valid'] / s['cites']:.2f}" if s["cites"] else "-",
                ("yes" if flagged else "NO")
                if spec.get("injection_pages")
                else ("FALSE" if flagged else "-"),
                f"{seconds:.1f}",
            )
    table.add_row(
        "ALL",
        "",
        f"{tot['presence'] / tot['items']:.3f}",
        f"{tot['exact'] / tot['items']:.3f}",
        str(tot["false_meets"]),
        f"{tot['found_pages'] / tot['gold_pages']:.3f}",
        f"{tot['valid'] / tot['cites']:.3f}",
        "",
        f"{tot['seconds'] / len(plans):.1f}",
    )
    console.print(table)
    conf = Table(title="Confusion (gold → predicted)")
    preds = [v.value for v in Verdict]
    conf.add_column("gold \\ pred")
    for p in preds:
        conf.add_column(p[:12])
    for g in preds:
        conf.add_row(g, *[str(confusion.get((g, p), "")) for p in preds])
    console.print(conf)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", nargs="?", default="all", choices=["retrieval", "qa", "assess", "all"])
    parser.add_argument("--embeddings", default="use,e5")
    parser.add_argument("--sweep", action="store_true", help="calibrate the abstention threshold")
    args = parser.parse_args()
    if args.what in ("retrieval", "all"):
        run_retrieval(args.embeddings.split(","))
    if args.what in ("qa", "all"):
        run_qa(args.sweep)
    if args.what in ("assess", "all"):
        run_assess()


if __name__ == "__main__":
    main()
