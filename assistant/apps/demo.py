"""A first-run demo: one bundled sample plan, rendered to PDF, assessed and saved.

So a new user who opens the UI sees a real draft checklist at once, instead of an empty list.
Idempotent: the sample has a fixed content hash, so running it again adds nothing.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .api import ReviewAssistant
from .pdfgen import write_plan_pdf
from .review_store import SubmissionView
from .settings import REPO_ROOT

SAMPLES = REPO_ROOT / "corpus" / "samples"


def seed_demo(ra: ReviewAssistant) -> list[SubmissionView]:
    saved = []
    existing = {s.file_name: s for s in ra.reviews.list_submissions()}
    for spec_path in sorted(SAMPLES.glob("*.yaml")):
        spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
        target = ra.settings.data_dir / "samples" / spec["file"]
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            write_plan_pdf(target, spec["pages"], title=spec.get("title"))
        if spec["file"] in existing:
            saved.append(ra.reviews.get(existing[spec["file"]].id))
            continue
        assessment = ra.assess(Path(target), plan_type=spec.get("plan_type"), backend="offline")
        view = ra.save(assessment, target, prefecture=spec.get("prefecture"))
        ra.index_plan(target, prefecture=spec.get("prefecture"))
        saved.append(view)
    return saved
