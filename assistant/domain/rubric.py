"""The criteria as validated data.

The rubric file is the single place the criteria live; code never hard-codes a criterion's text.
Validation fails loudly on load so a broken edit cannot silently drop a criterion from every
assessment.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, model_validator

from .models import PlanType
from .settings import Settings, get_settings

CueType = Literal[
    "amount",
    "year",
    "percent",
    "company",
    "announce",
    "schedule",
    "periodic",
    "goal",
    "target",
    "count",
    "organisation",
]


class Criterion(BaseModel):
    id: str = Field(pattern=r"^[ABC]\.[a-z_]+\.[a-z_]+$")
    plan_type: PlanType
    group: str
    label: str
    text: str = Field(description="Verbatim from the guideline")
    section: str = Field(description="Heading of the guideline section the text sits under")
    kind: Literal["presence", "judgement"]
    applicability: str | None = None
    applicability_keywords: list[str] = Field(default_factory=list)
    queries: list[str] = Field(min_length=1)
    keywords: list[str] = Field(default_factory=list)
    cues: list[CueType] = Field(default_factory=list)
    cue_mode: Literal["any", "all"] = Field(
        default="any", description="Whether every cue or any one is needed"
    )

    @model_validator(mode="after")
    def _id_matches_type(self) -> Criterion:
        if not self.id.startswith(self.plan_type + "."):
            raise ValueError(f"{self.id}: id prefix does not match plan_type {self.plan_type}")
        return self


class Rubric(BaseModel):
    version: int
    source: str
    plan_types: dict[PlanType, str]
    criteria: list[Criterion]

    @model_validator(mode="after")
    def _unique_ids(self) -> Rubric:
        ids = [c.id for c in self.criteria]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"duplicate criterion ids: {sorted(dupes)}")
        return self

    def for_type(self, plan_type: str) -> list[Criterion]:
        return [c for c in self.criteria if c.plan_type == plan_type]

    def get(self, criterion_id: str) -> Criterion:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise KeyError(criterion_id)

    def type_label(self, plan_type: str) -> str:
        return self.plan_types[plan_type]  # type: ignore[index]


@lru_cache(maxsize=4)
def _load(path: Path) -> Rubric:
    return Rubric.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def load_rubric(settings: Settings | None = None) -> Rubric:
    return _load((settings or get_settings()).rubric_file)
