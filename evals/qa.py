"""Grounded Q&A on the labelled question sets, through the library API as staff would ask.

    python -m evals.run qa [--sweep] [--details]

Two sets, reported separately: ``qa.yaml`` (the first set, written before the first tuning) and
``qa_staff.yaml`` (questions phrased the way staff ask: long, colloquial, comparisons, lists,
follow-ups, English, and unanswerable ones; written before this round's tuning). Follow-ups are
asked after their first question, with that answer as the conversation so far.

Figures per set:
- key hit: answerable questions whose key phrases (any or all, as labelled) occur in a cited quote;
- abstention: answerable flag equals the label;
- answer-first: answerable questions whose FIRST LINE contains a key phrase;
- quote validity: cited quotes that occur on their page/section.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import yaml
from pydantic import BaseModel, Field
from rich.console import Console
from rich.table import Table

from assistant.api import ReviewAssistant
from assistant.domain.models import Answer, Turn
from assistant.text.grounding import verify_citation
from assistant.text.normalize import squash

DATA = Path(__file__).resolve().parent / "data"
SETS = {
    "first (qa.yaml)": "qa.yaml",
    "staff (qa_staff.yaml)": "qa_staff.yaml",
    "dev (qa_holdout.yaml)": "qa_holdout.yaml",
    "holdout (qa_holdout_v2.yaml)": "qa_holdout_v2.yaml",
}


class Result(BaseModel):
    id: str
    answerable_gold: bool
    answerable: bool
    key_hit: bool | None = None
    first_line_hit: bool | None = None
    cites: int = 0
    valid: int = 0
    seconds: float = 0.0
    first_line: str = ""


class SetScore(BaseModel):
    name: str
    results: list[Result] = Field(default_factory=list)

    def figure(self, attr: str) -> float | None:
        values = [getattr(r, attr) for r in self.results if getattr(r, attr) is not None]
        return sum(values) / len(values) if values else None

    @property
    def abstention(self) -> float:
        return sum(r.answerable == r.answerable_gold for r in self.results) / len(self.results)

    @property
    def validity(self) -> float:
        cites = sum(r.cites for r in self.results)
        return sum(r.valid for r in self.results) / cites if cites else 1.0


def key_phrases(q: dict) -> list[str]:
    if "key_phrases" in q:
        return list(q["key_phrases"])
    return [q["key_phrase"]] if q.get("key_phrase") else []


def _hit(phrases: list[str], texts: list[str], mode: str) -> bool:
    found = [any(squash(p) in squash(t) for t in texts) for p in phrases]
    return all(found) if mode == "all" else any(found)


def ask_set(ra: ReviewAssistant, questions: list[dict]) -> SetScore:
    score = SetScore(name="")
    earlier: dict[str, Answer] = {}
    guideline = {c.doc_id for c in ra.index.snapshot().chunks if c.kind == "guideline"}
    docs = {ra.lookup(d).source: ra.lookup(d) for d in guideline}  # type: ignore[union-attr]
    for q in questions:
        history = []
        if q.get("follow_up_of") in earlier:
            first = earlier[q["follow_up_of"]]
            history = [Turn(question=first.question, topic=first.topic)]
        start = time.perf_counter()
        answer = ra.ask(q["question"], backend="offline", history=history)
        seconds = time.perf_counter() - start
        earlier[q["id"]] = answer
        first_line = answer.answer.split("\n", 1)[0]
        result = Result(
            id=q["id"],
            answerable_gold=q["answerable"],
            answerable=answer.answerable,
            cites=len(answer.citations),
            valid=sum(verify_citation(c, docs.get(c.source)) for c in answer.citations),
            seconds=seconds,
            first_line=first_line,
        )
        phrases = key_phrases(q)
        if q["answerable"] and phrases:
            mode = q.get("key_mode", "any")
            result.key_hit = _hit(phrases, [c.quote for c in answer.citations], mode)
            result.first_line_hit = _hit(phrases, [first_line], "any")
        score.results.append(result)
    return score


def run_qa(console: Console, settings_for: object, sweep: bool, details: bool) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        base = ReviewAssistant(settings_for(Path(tmp)))  # type: ignore[operator]
        base.index_paths()
        thresholds = [0.3, 0.35, 0.4, 0.45] if sweep else [base.settings.abstain_threshold]
        table = Table(title="Grounded Q&A, offline answerer, per question set")
        for col in ("set", "threshold", "questions", "key hit", "abstention", "answer-first", "quote validity",
                    "p50 s", "missed (answerable)", "answered (unanswerable)"):  # fmt: skip
            table.add_column(col)
        for t in thresholds:
            ra = ReviewAssistant(base.settings.model_copy(update={"abstain_threshold": t}))
            for name, file in SETS.items():
                questions = yaml.safe_load((DATA / file).read_text(encoding="utf-8"))["questions"]
                s = ask_set(ra, questions)
                missed = [r.id for r in s.results if r.answerable_gold and not (r.key_hit and r.answerable)]
                wrong = [r.id for r in s.results if not r.answerable_gold and r.answerable]
                table.add_row(
                    name,
                    f"{t:.2f}",
                    str(len(s.results)),
                    f"{s.figure('key_hit'):.3f}",
                    f"{s.abstention:.3f}",
                    f"{s.figure('first_line_hit'):.3f}",
                    f"{s.validity:.3f}",
                    f"{statistics.median(r.seconds for r in s.results):.2f}",
                    " ".join(missed) or "-",
                    " ".join(wrong) or "-",
                )
                if details:
                    for r in s.results:
                        bad = (
                            (r.answerable != r.answerable_gold)
                            or r.key_hit is False
                            or r.first_line_hit is False
                        )
                        if bad:
                            console.print(f"[{r.id}] gold={r.answerable_gold} got={r.answerable} key={r.key_hit} "
                                          f"first={r.first_line_hit} :: {r.first_line[:160]}")  # fmt: skip
    console.print(table)
