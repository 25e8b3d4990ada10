"""The criteria as validated data.

The rubric file is the single place the criteria and the plan types' names live; code never
hard-codes a criterion's text or a type's wording. Validation fails loudly on load so a broken edit
cannot silently drop a criterion from every assessment.
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, Field, model_validator

from .models import PlanType

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
    judge: str | None = Field(
        default=None, description="Judgement criteria: the judge that reads the plan for this criterion"
    )

    @model_validator(mode="after")
    def _id_matches_type(self) -> Criterion:
        if not self.id.startswith(self.plan_type + "."):
            raise ValueError(f"{self.id}: id prefix does not match plan_type {self.plan_type}")
        if self.judge and self.kind != "judgement":
            raise ValueError(f"{self.id}: only judgement criteria have a judge")
        return self


class PlanTypeInfo(BaseModel):
    label: str
    names: list[str] = Field(min_length=1, description="Words that name the type; the first is canonical")
    wording: list[str] = Field(default_factory=list, description="Vocabulary the guideline gives the type")
    ask_terms: list[str] = Field(default_factory=list, description="How people name the type in questions")

    @cached_property
    def name_pattern(self) -> re.Pattern[str]:
        return re.compile("|".join(map(re.escape, self.names)))

    @cached_property
    def wording_pattern(self) -> re.Pattern[str]:
        return re.compile("|".join(map(re.escape, self.wording)) or r"(?!)")


class CriterionView(BaseModel):
    """What a screen or report row shows about a criterion id, even one the rubric no longer has."""

    id: str
    group: str = ""
    label: str
    text: str = ""
    section: str = ""


class QuestionTerms(BaseModel):
    """Words people use in questions: for a requirement group, and for one item of a group."""

    groups: dict[str, list[str]] = Field(default_factory=dict, description="group name → words")
    items: dict[str, list[str]] = Field(default_factory=dict, description="'group.item' id suffix → words")
    expansions: dict[str, list[str]] = Field(
        default_factory=dict, description="question word → words a guideline answers it with"
    )


class Rubric(BaseModel):
    version: int
    source: str
    plan_types: dict[PlanType, PlanTypeInfo]
    families: dict[str, list[PlanType]] = Field(
        default_factory=dict, description="name → the types it covers"
    )
    questions: QuestionTerms = Field(default_factory=QuestionTerms)
    criteria: list[Criterion]

    @model_validator(mode="after")
    def _unique_ids(self) -> Rubric:
        ids = [c.id for c in self.criteria]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"duplicate criterion ids: {sorted(dupes)}")
        groups = {c.group for c in self.criteria}
        unknown = set(self.questions.groups) - groups
        suffixes = {c.id.split(".", 1)[1] for c in self.criteria}
        unknown |= set(self.questions.items) - suffixes
        if unknown:
            raise ValueError(f"question terms for unknown groups or items: {sorted(unknown)}")
        return self

    def for_type(self, plan_type: str) -> list[Criterion]:
        return [c for c in self.criteria if c.plan_type == plan_type]

    def get(self, criterion_id: str) -> Criterion:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise KeyError(criterion_id)

    def view(self, criterion_id: str) -> CriterionView:
        """Drafts outlive rubric edits: an unknown id still gets a row, labelled by its id."""
        try:
            c = self.get(criterion_id)
        except KeyError:
            return CriterionView(id=criterion_id, label=criterion_id)
        return CriterionView(id=c.id, group=c.group, label=c.label, text=c.text, section=c.section)

    def type_label(self, plan_type: str) -> str:
        return self.plan_types[plan_type].label  # type: ignore[index]


@lru_cache(maxsize=4)
def load_rubric(path: Path) -> Rubric:
    return Rubric.model_validate(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
