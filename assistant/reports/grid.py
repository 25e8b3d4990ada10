"""The plans × criteria overview shared by ``summary.xlsx`` and the batch screen.

Rows are input files (in input order), columns the criteria of the plan types that occur; a cell
holds a verdict when the criterion belongs to that plan's type.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from assistant.batch.models import FileRow
from assistant.domain.models import Assessment, PlanType, Verdict
from assistant.domain.rubric import Criterion, Rubric


class GridRow(BaseModel):
    file: FileRow
    verdicts: dict[str, Verdict]


class Grid(BaseModel):
    criteria: list[Criterion]
    rows: list[GridRow]


def build_grid(
    rows: Sequence[FileRow],
    assessments: dict[int, Assessment],
    rubric: Rubric,
    *,
    plan_type: PlanType | None = None,
) -> Grid:
    """``plan_type`` keeps only that type's criteria and the rows of that type (and failed rows,
    whose type is unknown, when no type is given)."""
    types = {a.plan_type for a in assessments.values()} if plan_type is None else {plan_type}
    criteria = [c for c in rubric.criteria if c.plan_type in types]
    grid_rows = []
    for n, row in enumerate(rows):
        if plan_type is not None and row.plan_type != plan_type:
            continue
        assessment = assessments.get(n)
        verdicts = {i.criterion_id: i.verdict for i in assessment.items} if assessment else {}
        grid_rows.append(GridRow(file=row, verdicts=verdicts))
    return Grid(criteria=criteria, rows=grid_rows)
