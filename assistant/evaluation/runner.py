"""Running labelled plans through a drafter and scoring them."""

from __future__ import annotations

import time
from collections.abc import Callable

from assistant.domain.models import Assessment, ParsedDocument
from assistant.domain.rubric import Rubric

from .labelled import LabelledPlan
from .scoring import PlanScore, Report, report, score_plan

DraftFn = Callable[[LabelledPlan], tuple[Assessment, ParsedDocument]]


def evaluate_plans(
    plans: list[LabelledPlan],
    draft: DraftFn,
    rubric: Rubric,
    *,
    backend: str,
    on_plan: Callable[[PlanScore], None] | None = None,
) -> Report:
    scores = []
    for plan in plans:
        start = time.perf_counter()
        result, doc = draft(plan)
        score = score_plan(plan, result, doc, rubric, time.perf_counter() - start)
        scores.append(score)
        if on_plan is not None:
            on_plan(score)
    return report(backend, scores)
