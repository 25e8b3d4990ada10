"""One entry point for a submission's export in any of the four formats."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from assistant.domain.rubric import Rubric
from assistant.review.records import SubmissionView

from .documents import export_html, export_markdown
from .submission import export_csv, export_xlsx

ExportFormat = Literal["xlsx", "csv", "md", "html"]


def export_submission(view: SubmissionView, fmt: ExportFormat, out: Path, *, rubric: Rubric) -> Path:
    if fmt == "xlsx":
        return export_xlsx([view], out, rubric=rubric)
    if fmt == "csv":
        return export_csv(view, out, rubric=rubric)
    if fmt == "md":
        return export_markdown(view, out, rubric=rubric)
    if fmt == "html":
        return export_html(view, out, rubric=rubric)
    raise ValueError(f"unknown export format: {fmt}")
