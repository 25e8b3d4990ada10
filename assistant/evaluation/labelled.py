"""Labelled plans: a plan's pages (and its drawn PDF) with a reviewer's verdict per criterion.

They ship with the package (see ``Settings.eval_plans_dir``), so ``review-assistant evaluate`` can
measure a configured LLM on an operator's machine without the source checkout.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from assistant.domain.models import PlanType, Verdict


class GoldLabel(BaseModel):
    verdict: Verdict
    pages: list[int] = Field(default_factory=list)
    clear: bool = Field(default=True, description="False where careful reviewers could disagree")


class LabelledPlan(BaseModel):
    file: str
    plan_type: PlanType
    prefecture: str
    title: str | None = None
    scanned_pages: list[int] = Field(default_factory=list)
    injection_pages: list[int] = Field(default_factory=list)
    pages: list[str]
    gold: dict[str, GoldLabel]
    source: Path | None = Field(default=None, exclude=True, description="The YAML it was read from")

    @property
    def name(self) -> str:
        return Path(self.file).stem

    def pdf(self) -> Path:
        """The drawn PDF beside the YAML card."""
        assert self.source is not None
        return self.source.with_name(self.file)


def load_labelled_plans(folder: Path) -> list[LabelledPlan]:
    plans = []
    for card in sorted(folder.glob("*.yaml")):
        plan = LabelledPlan.model_validate(yaml.safe_load(card.read_text(encoding="utf-8")))
        plans.append(plan.model_copy(update={"source": card}))
    return plans
