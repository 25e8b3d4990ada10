"""Scores of drafted checklists against labels, the same way for every backend and every rendering.

- presence: whether the draft finds something to cite exactly where the label does (not
  not_addressed/not_applicable on both sides or on neither);
- judgement agreement: draft verdict equals the label, on judgement items the labeller marked clear
  (``needs_review`` counts as disagreement: it decided nothing);
- false meets: a drafted ``meets`` where the label says ``does_not_meet`` or ``not_addressed`` — the
  worst error, reported on all items;
- evidence recall: labelled evidence pages that the draft cites; citation validity: cited quotes
  that occur on their page, or for a .docx in their paragraph (a property of the product that must
  stay 1.0).

A .docx has no pages, so its citations (heading and paragraph) are compared with the labelled pages
through ``page_of``, which the caller derives from how the document was made from the labelled pages.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

from pydantic import BaseModel, Field

from assistant.domain.models import Assessment, ParsedDocument, PlanCitation, Verdict
from assistant.domain.rubric import Rubric
from assistant.text.grounding import verify_plan_citation

from .labelled import LabelledPlan

NO_EVIDENCE = frozenset({Verdict.not_addressed, Verdict.not_applicable})
FALSE_MEET_GOLD = frozenset({Verdict.does_not_meet, Verdict.not_addressed})


class Tally(BaseModel):
    items: int = 0
    presence: int = 0
    exact: int = 0
    false_meets: int = 0
    judgement_clear: int = 0
    judgement_agree: int = 0
    judgement_items: int = 0
    judgement_needs_review: int = 0
    gold_pages: int = 0
    found_pages: int = 0
    cites: int = 0
    valid: int = 0
    seconds: float = 0.0
    plans: int = 0

    def add(self, other: Tally) -> None:
        for name in Tally.model_fields:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @staticmethod
    def ratio(num: float, den: float) -> float | None:
        return num / den if den else None

    def summary(self) -> dict[str, float | int | None]:
        return {
            "plans": self.plans,
            "items": self.items,
            "presence": self.ratio(self.presence, self.items),
            "verdict_accuracy": self.ratio(self.exact, self.items),
            "judgement_agreement": self.ratio(self.judgement_agree, self.judgement_clear),
            "judgement_needs_review": self.ratio(self.judgement_needs_review, self.judgement_items),
            "false_meets": self.false_meets,
            "evidence_recall": self.ratio(self.found_pages, self.gold_pages),
            "citation_validity": self.ratio(self.valid, self.cites),
            "seconds_per_plan": self.ratio(self.seconds, self.plans),
        }


class PlanScore(BaseModel):
    plan: str
    plan_type: str
    detected_type: str
    tally: Tally
    by_group: dict[str, Tally] = Field(default_factory=dict)
    confusion: dict[str, int] = Field(default_factory=dict, description="'gold→draft' counts")


def score_plan(
    plan: LabelledPlan,
    result: Assessment,
    doc: ParsedDocument,
    rubric: Rubric,
    seconds: float,
    page_of: Callable[[PlanCitation], int | None] | None = None,
) -> PlanScore:
    """``page_of`` maps a citation to the labelled page it stands for; by default its own page."""
    labelled_page = page_of or (lambda c: c.page)
    total = Tally(plans=1, seconds=seconds)
    groups: dict[str, Tally] = defaultdict(Tally)
    confusion: Counter[str] = Counter()
    for item in result.items:
        gold = plan.gold[item.criterion_id]
        criterion = rubric.get(item.criterion_id)
        t = Tally(items=1)
        t.presence = int((gold.verdict in NO_EVIDENCE) == (item.verdict in NO_EVIDENCE))
        t.exact = int(gold.verdict == item.verdict)
        t.false_meets = int(item.verdict == Verdict.meets and gold.verdict in FALSE_MEET_GOLD)
        if criterion.kind == "judgement":
            t.judgement_items = 1
            t.judgement_needs_review = int(item.verdict == Verdict.needs_review)
            if gold.clear:
                t.judgement_clear = 1
                t.judgement_agree = t.exact
        cited = {labelled_page(c) for c in item.citations}
        t.gold_pages = len(gold.pages)
        t.found_pages = len(set(gold.pages) & cited)
        t.cites = len(item.citations)
        t.valid = sum(verify_plan_citation(c, doc) for c in item.citations)
        total.add(t)
        groups[criterion.group].add(t)
        confusion[f"{gold.verdict.value}→{item.verdict.value}"] += 1
    return PlanScore(
        plan=plan.name,
        plan_type=plan.plan_type,
        detected_type=result.plan_type,
        tally=total,
        by_group=dict(groups),
        confusion=dict(confusion),
    )


class Report(BaseModel):
    backend: str
    plans: list[PlanScore]
    overall: dict[str, float | int | None]
    by_group: dict[str, dict[str, float | int | None]]
    confusion: dict[str, int]


def report(backend: str, scores: list[PlanScore]) -> Report:
    total = Tally()
    groups: dict[str, Tally] = defaultdict(Tally)
    confusion: Counter[str] = Counter()
    for s in scores:
        total.add(s.tally)
        for name, t in s.by_group.items():
            groups[name].add(t)
        confusion.update(s.confusion)
    return Report(
        backend=backend,
        plans=scores,
        overall=total.summary(),
        by_group={name: t.summary() for name, t in sorted(groups.items())},
        confusion=dict(sorted(confusion.items())),
    )
