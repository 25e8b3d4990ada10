"""The ``docx`` rendering of ``python -m evals.run assess``: Word files scored against labelled pages.

A .docx citation names a paragraph, not a page; the evals map it back to the labelled page it was
written from. Every paragraph of every labelled plan is mapped here and checked against the text of
the page it lands on, so evidence recall for Word files is measured exactly, not guessed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from assistant.domain.models import PlanCitation
from assistant.evaluation.labelled import LabelledPlan, load_labelled_plans
from assistant.ingest import parse_plan
from assistant.settings import Settings
from assistant.text.normalize import squash
from assistant.text.paragraphs import part_starts

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT) not in sys.path:  # the evals package lives beside the tests, run as `python -m evals.run`
    sys.path.insert(0, str(ROOT))

from evals.assess import RENDERINGS, docx_page_of, render  # noqa: E402

PLANS = load_labelled_plans(ROOT / "evals" / "data" / "plans") + load_labelled_plans(
    ROOT / "evals" / "data" / "plans_holdout"
)


def test_docx_is_a_rendering() -> None:
    assert "docx" in RENDERINGS


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: p.name)
def test_every_paragraph_maps_to_the_labelled_page_it_came_from(plan: LabelledPlan, tmp_path: Path) -> None:
    path = render(plan, "docx", tmp_path)
    assert path.suffix == ".docx"
    doc = parse_plan(path, settings=Settings(ocr_enabled=False))
    page_of = docx_page_of(plan, doc)
    pages = [squash(p.replace("#", "").replace("：", "")) for p in plan.pages]
    seen = set()
    for part, start in zip(doc.pages, part_starts(doc), strict=True):
        for offset, line in enumerate(part.raw.split("\n")):
            page = page_of(
                PlanCitation(page=None, quote=line, section=part.section, paragraph=start + offset)
            )
            assert page is not None and 1 <= page <= len(plan.pages)
            seen.add(page)
            cells = [c.split("：")[-1] for c in line.split("｜")]
            assert all(squash(c) in pages[page - 1] for c in cells if c), (plan.name, line, page)
    assert seen == set(range(1, len(plan.pages) + 1))
    assert page_of(PlanCitation(page=None, quote="…")) is None
