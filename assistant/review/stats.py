"""How often reviewers keep the draft: agreement and confusion per criterion group and backend.

Measured from real use — every decision compared with the draft verdict it was made on (the draft
run current at the time, not today's) — so a team learns whether to trust the drafter, and an LLM
backend can be compared with the offline one on the same kind of work.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from contextlib import closing
from pathlib import Path

from pydantic import BaseModel, Field

from assistant.domain.models import Verdict
from assistant.domain.rubric import Rubric

_DECISIONS_SQL = """
SELECT d.criterion_id, i.verdict AS draft, d.verdict AS final, r.backend
FROM decisions d
JOIN draft_items i ON i.run_id = d.draft_run_id AND i.criterion_id = d.criterion_id
JOIN draft_runs r ON r.id = d.draft_run_id
"""


class Agreement(BaseModel):
    group: str
    backend: str
    decided: int
    kept: int = Field(description="Decisions whose verdict equals the draft")
    rate: float | None
    confusion: dict[str, int] = Field(default_factory=dict, description="'draft→final' counts")


class ReviewStats(BaseModel):
    decided: int
    by_group: list[Agreement]
    by_backend: list[Agreement] = Field(description="All groups together, per backend")


def _agreement(group: str, backend: str, pairs: list[tuple[Verdict, Verdict]]) -> Agreement:
    kept = sum(draft == final for draft, final in pairs)
    confusion = Counter(f"{draft.value}→{final.value}" for draft, final in pairs)
    return Agreement(
        group=group,
        backend=backend,
        decided=len(pairs),
        kept=kept,
        rate=kept / len(pairs) if pairs else None,
        confusion=dict(sorted(confusion.items())),
    )


def review_stats(db_path: Path, rubric: Rubric) -> ReviewStats:
    """Reads with a read-only connection: statistics never wait for, or block, a writer."""
    pairs: dict[tuple[str, str], list[tuple[Verdict, Verdict]]] = defaultdict(list)
    by_backend: dict[str, list[tuple[Verdict, Verdict]]] = defaultdict(list)
    if db_path.is_file():
        with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5.0)) as conn:
            for criterion_id, draft, final, backend in conn.execute(_DECISIONS_SQL):
                group = rubric.view(criterion_id).group or "（基準表にない項目）"
                pair = (Verdict(draft), Verdict(final))
                pairs[(group, backend)].append(pair)
                by_backend[backend].append(pair)
    return ReviewStats(
        decided=sum(len(v) for v in by_backend.values()),
        by_group=[_agreement(g, b, v) for (g, b), v in sorted(pairs.items())],
        by_backend=[_agreement("全体", b, v) for b, v in sorted(by_backend.items())],
    )
