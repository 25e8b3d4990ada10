"""What a batch run reports: a row per input file, progress events, and the whole run's outcome."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from assistant.domain.models import Assessment, PlanType

Status = Literal["ok", "error", "skipped"]
BatchBackend = Literal["offline", "llm"]

STATE_DIR = ".batch"
FILES_CSV = "files.csv"
CHECKLIST_CSV = "checklist.csv"
SUMMARY_XLSX = "summary.xlsx"


class FileRow(BaseModel):
    """One input file's outcome; the first six fields are the columns of ``files.csv``."""

    file: str = Field(
        description="The input path as given, or the folder given joined with the path below it"
    )
    status: Status
    plan_type: PlanType | None = None
    error: str = Field(default="", description="'<code>: <message>' for failures, else empty")
    items: int = 0
    seconds: float = Field(
        default=0.0, description="Time the assessment took (for skipped files, when it ran)"
    )
    error_code: str | None = None
    content_hash: str | None = None
    output: str | None = Field(default=None, description="Name of the plan's JSON file in the out dir")
    submission_id: int | None = Field(default=None, description="Review-store submission, with save=True")


class ProgressEvent(BaseModel):
    """``start`` once the inputs are counted, ``file`` after each file (skipped ones included)."""

    kind: Literal["start", "file"]
    done: int
    total: int
    failed: int = 0
    row: FileRow | None = None


class BatchReport(BaseModel):
    out_dir: Path
    rows: list[FileRow]
    assessments: dict[int, Assessment] = Field(
        default_factory=dict, description="Row index → its assessment, for rows that have one"
    )
    seconds: float = Field(description="Wall-clock time of the whole run")

    @property
    def ok(self) -> int:
        return sum(r.status == "ok" for r in self.rows)

    @property
    def skipped(self) -> int:
        return sum(r.status == "skipped" for r in self.rows)

    @property
    def failed(self) -> int:
        return sum(r.status == "error" for r in self.rows)

    @property
    def exit_code(self) -> int:
        """The CLI's exit status: 1 as soon as one file could not be assessed."""
        return 1 if self.failed else 0
