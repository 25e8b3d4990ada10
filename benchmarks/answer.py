"""Warm answer latency of the offline answerer over the evaluation questions (2 cores).

    python -m benchmarks.answer [--rounds 2]

Every question of ``evals/data/qa*.yaml`` is asked through the library API as the UI asks it, with
its follow-up history, after one warm-up round (model load and index open are start-up, not
answering). Reported, all measured in this run:
- answer latency p50/p95 (target: p50 ≤ 0.5 s on 2 cores);
- the baseline: hybrid retrieval alone (``search``) for the same questions, p50/p95, and the ratio
  answer / retrieval, which says what understanding, sentence scoring and verification add.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from assistant.api import ReviewAssistant
from assistant.domain.models import Answer, Turn
from assistant.settings import Settings

DATA = Path(__file__).resolve().parents[1] / "evals" / "data"


def _questions() -> list[dict]:
    found: list[dict] = []
    for path in sorted(DATA.glob("qa*.yaml")):
        found += yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
    return found


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _ask_all(ra: ReviewAssistant, questions: list[dict]) -> list[float]:
    earlier: dict[str, Answer] = {}
    seconds = []
    for q in questions:
        first = earlier.get(q.get("follow_up_of", ""))
        history = [Turn(question=first.question, topic=first.topic)] if first else []
        start = time.perf_counter()
        earlier[q["id"]] = ra.ask(q["question"], backend="offline", history=history)
        seconds.append(time.perf_counter() - start)
    return seconds


def _search_all(ra: ReviewAssistant, questions: list[dict]) -> list[float]:
    seconds = []
    for q in questions:
        start = time.perf_counter()
        ra.search(q["question"], k=8)
        seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=2, help="measured rounds after the warm-up")
    args = parser.parse_args()
    questions = _questions()
    with tempfile.TemporaryDirectory() as tmp:
        ra = ReviewAssistant(Settings(data_dir=Path(tmp), ocr_enabled=False))
        ra.ensure_corpus()
        _ask_all(ra, questions)
        answer = [s for _ in range(args.rounds) for s in _ask_all(ra, questions)]
        search = [s for _ in range(args.rounds) for s in _search_all(ra, questions)]
    a50, a95 = statistics.median(answer), _p(answer, 0.95)
    s50, s95 = statistics.median(search), _p(search, 0.95)
    print(f"## Warm offline answer latency ({len(questions)} questions × {args.rounds} rounds)")
    print("| measure | p50 s | p95 s | max s |")
    print("|---|---:|---:|---:|")
    print(f"| retrieval alone (baseline) | {s50:.3f} | {s95:.3f} | {max(search):.3f} |")
    print(f"| whole answer | {a50:.3f} | {a95:.3f} | {max(answer):.3f} |")
    print(f"| answer / retrieval | {a50 / s50:.2f}× | {a95 / s95:.2f}× | |")
    print(f"\nTarget p50 ≤ 0.5 s: {'met' if a50 <= 0.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
