"""Evaluation runner: retrieval, grounded Q&A and plan assessment against the labelled sets.

    python -m evals.run [retrieval|qa|assess|injection|all] [--embeddings use,e5] [--sweep]

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
from assistant.domain.chunks import Chunk
from assistant.domain.models import Verdict
from assistant.domain.rubric import Rubric
from assistant.settings import Settings
from assistant.text.normalize import squash
from evals.assess import run_assess
from evals.injection import run_injection
from evals.qa import run_qa

DATA = Path(__file__).resolve().parent / "data"
console = Console(width=200)
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
def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "what", nargs="?", default="all", choices=["retrieval", "qa", "assess", "injection", "all"]
    )
    parser.add_argument("--embeddings", default="use,e5")
    parser.add_argument("--sweep", action="store_true", help="calibrate the abstention threshold")
    parser.add_argument("--sets", default="plans,holdout", help="labelled plan sets for assess")
    parser.add_argument("--renderings", default="drawn", help="drawn,office,scan,office-scan,docx for assess")
    parser.add_argument("--details", action="store_true", help="list every disagreement with the labels")
    args = parser.parse_args()
    if args.what in ("retrieval", "all"):
        run_retrieval(args.embeddings.split(","))
    if args.what in ("qa", "all"):
        run_qa(console, _settings, args.sweep, args.details)
    if args.what in ("assess", "all"):
        run_assess(console, args.sets.split(","), args.renderings.split(","), args.details)
    if args.what in ("injection", "all"):
        run_injection(console)


if __name__ == "__main__":
    main()
