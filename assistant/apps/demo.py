"""A first-run demo: the bundled sample plan, assessed and saved.

So a new user who opens the UI sees a real draft checklist at once, instead of an empty list.
The sample ships as a PDF with a YAML card (its prefecture and plan type) beside it. Idempotent:
the sample has a fixed content hash, so running it again adds nothing.
"""

from __future__ import annotations

import yaml

from assistant.api import ReviewAssistant
from assistant.review.records import SubmissionView


def seed_demo(ra: ReviewAssistant) -> list[SubmissionView]:
    saved = []
    existing = {s.file_name: s for s in ra.submissions()}
    for card in sorted(ra.settings.samples_dir.glob("*.yaml")):
        spec = yaml.safe_load(card.read_text(encoding="utf-8"))
        pdf = card.with_name(spec["file"])
        if spec["file"] in existing:
            saved.append(ra.submission(existing[spec["file"]].id))
            continue
        assessment = ra.assess(pdf, plan_type=spec.get("plan_type"), backend="offline")
        view = ra.save(assessment, pdf, prefecture=spec.get("prefecture"))
        ra.index_plan(pdf, prefecture=spec.get("prefecture"))
        saved.append(view)
    return saved
