"""Running a batch: a folder of plans in, one draft checklist per plan and overview sheets out.

After a submission deadline an office has to triage hundreds of plans overnight, so this is built
to survive being interrupted and rerun rather than to be fast once:

* Every finished plan is recorded in the resume state *before* its JSON is written; a rerun skips
  what is recorded and rewrites any JSON that is missing. Every file is written atomically.
* ``files.csv``, ``checklist.csv`` and ``summary.xlsx`` are derived from the recorded results at
  the end of each run, never appended to, so they cannot hold duplicates after a resume.
* Workers only compute; this process alone writes files and the review store.
* No entry can stop the run: what is not a readable regular file becomes an error row before any
  worker sees it, and a file that overruns ``batch_file_timeout`` has its worker killed and replaced.

Nothing here prints: progress goes to the caller's callback, which decides how to show it.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.atomic import atomic_write
from assistant.domain.errors import IngestError, ReviewAssistantError
from assistant.domain.models import Assessment, PlanType, User
from assistant.domain.rubric import Rubric
from assistant.ingest.files import content_hash, read_input
from assistant.reports.batch import checklist_csv, files_csv, summary_workbook
from assistant.review.stats import ReviewStats

from .inputs import discover_inputs, output_names
from .models import (
    CHECKLIST_CSV,
    FILES_CSV,
    SUMMARY_XLSX,
    BatchBackend,
    BatchReport,
    FileRow,
    ProgressEvent,
    Status,
)
from .pool import run_jobs
from .state import State, StateRecord, fingerprint, job_params
from .worker import Job, Outcome, assess_job, init_worker, worker_settings

if TYPE_CHECKING:
    from assistant.api import ReviewAssistant


class _Progress:
    def __init__(self, total: int, callback: Callable[[ProgressEvent], None] | None) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.callback = callback
        if callback is not None:
            callback(ProgressEvent(kind="start", done=0, total=total))

    def advance(self, row: FileRow) -> None:
        self.done += 1
        self.failed += row.status == "error"
        if self.callback is not None:
            self.callback(
                ProgressEvent(kind="file", done=self.done, total=self.total, failed=self.failed, row=row)
            )


def run_batch(
    ra: ReviewAssistant,
    inputs: list[Path],
    out_dir: Path,
    *,
    plan_type: PlanType | None,
    workers: int | None,
    backend: BatchBackend,
    save: bool,
    prefecture: str | None,
    user: User,
    labels: dict[str, str] | None = None,
    on_progress: Callable[[ProgressEvent], None] | None = None,
) -> BatchReport:
    """Bad files never stop the batch: each becomes an ``error`` row. ``labels`` maps an input's
    path (as posix text) to the name to report it by, e.g. an upload's original file name."""
    started = time.perf_counter()
    settings = ra.settings
    workers = workers or os.cpu_count() or 1
    if workers < 1:
        raise ValueError("workers must be at least 1")
    rubric = ra.rubric
    rubric_digest = content_hash(settings.rubric_file.read_bytes())
    out_dir.mkdir(parents=True, exist_ok=True)
    state = State(out_dir)

    found = discover_inputs(inputs)
    shown = [(labels or {}).get(item.path.as_posix(), item.label) for item in found]
    rows: dict[int, FileRow] = {}
    hashes: dict[int, str] = {}
    for index, item in enumerate(found):
        # The same checked read as `assess`: a FIFO, device, link loop or oversized file is its own
        # error row here, before any worker could block on it or fill its memory.
        try:
            if item.error is not None:
                raise item.error
            hashes[index] = content_hash(read_input(item.path, max_bytes=settings.max_file_bytes))
        except IngestError as exc:
            rows[index] = FileRow(
                file=shown[index], status="error", error_code=exc.code, error=f"{exc.code}: {exc.message}"
            )
    names = dict(zip(hashes, output_names((found[i].path.name, h) for i, h in hashes.items()), strict=True))
    params = {i: job_params(found[i].path.name, plan_type, backend, settings, rubric_digest) for i in hashes}
    keys = {i: f"{h}-{fingerprint(params[i])}" for i, h in hashes.items()}
    assessments: dict[int, Assessment] = {}
    waiting: dict[str, list[int]] = {}
    progress = _Progress(len(found), on_progress)
    for row in rows.values():
        progress.advance(row)

    def finish(index: int, status: Status, record: StateRecord) -> None:
        target = out_dir / names[index]
        data = record.text.encode("utf-8")
        if not target.is_file() or target.read_bytes() != data:
            atomic_write(target, data)
        assessment = Assessment.model_validate_json(record.text)
        assessments[index] = assessment
        rows[index] = FileRow(
            file=shown[index],
            status=status,
            plan_type=assessment.plan_type,
            items=len(assessment.items),
            seconds=record.seconds,
            content_hash=hashes[index],
            output=names[index],
        )
        progress.advance(rows[index])

    for index, key in keys.items():
        record = state.load(key)
        if record is not None:
            finish(index, "skipped", record)
        else:
            waiting.setdefault(key, []).append(index)

    def on_outcome(job: Job, outcome: Outcome) -> None:
        for index in waiting[job.key]:
            if outcome.ok:
                record = StateRecord(
                    key=job.key, params=params[index], seconds=outcome.seconds, text=outcome.text
                )
                state.store(job.key, record)
                finish(index, "ok", record)
            else:
                rows[index] = FileRow(
                    file=shown[index],
                    status="error",
                    error_code=outcome.error_code,
                    error=f"{outcome.error_code}: {outcome.error}",
                    seconds=outcome.seconds,
                    content_hash=hashes[index],
                )
                progress.advance(rows[index])

    jobs = [
        Job(key=key, path=str(found[indices[0]].path), plan_type=plan_type, backend=backend)
        for key, indices in waiting.items()
    ]
    # Even one worker is a separate process: only a process can be killed when a file overruns
    # `batch_file_timeout`, whatever it is stuck in (pypdf, PDFium, tesseract).
    effective = min(workers, len(jobs))
    if jobs:
        run_jobs(
            jobs,
            workers=effective,
            on_outcome=on_outcome,
            initializer=init_worker,
            initargs=(worker_settings(settings, effective),),
            task=assess_job,
            timeout=settings.batch_file_timeout,
        )

    # The sheets are written before the review store is touched, so a locked or broken store cannot
    # cost a night's results; saving then rewrites them with any rows it could not save.
    final = [rows[i] for i in range(len(found))]
    write_sheets(out_dir, final, assessments, rubric, agreement_of(ra, user))
    if save:
        _save_all(
            ra, [(i, rows[i], a, found[i].path) for i, a in assessments.items()], rows, prefecture, user
        )
        final = [rows[i] for i in range(len(found))]
        write_sheets(out_dir, final, assessments, rubric, agreement_of(ra, user))
    return BatchReport(
        out_dir=out_dir, rows=final, assessments=assessments, seconds=time.perf_counter() - started
    )


def agreement_of(ra: ReviewAssistant, user: User) -> ReviewStats | None:
    """The reviewers' agreement so far for the summary, or None: a locked or broken review store must
    never cost the batch its sheets."""
    try:
        return ra.review_stats(user)
    except (ReviewAssistantError, sqlite3.Error):
        return None


def write_sheets(
    out_dir: Path,
    rows: list[FileRow],
    assessments: dict[int, Assessment],
    rubric: Rubric,
    agreement: ReviewStats | None = None,
) -> None:
    """``files.csv``, ``checklist.csv`` and ``summary.xlsx`` from every row's current result (row
    index → assessment), e.g. again after one file was retried on its own."""
    atomic_write(out_dir / FILES_CSV, files_csv(rows))
    atomic_write(
        out_dir / CHECKLIST_CSV, checklist_csv([(rows[i], a) for i, a in sorted(assessments.items())])
    )
    atomic_write(out_dir / SUMMARY_XLSX, summary_workbook(rows, assessments, rubric, agreement))


def _save_all(
    ra: ReviewAssistant,
    plans: list[tuple[int, FileRow, Assessment, Path]],
    rows: dict[int, FileRow],
    prefecture: str | None,
    user: User,
) -> None:
    """Store each plan as a submission unless the store already holds this very draft.

    Comparing with the store, rather than remembering "saved" in the batch state, keeps a rerun from
    adding a duplicate draft run even when the previous run was killed between the two writes.
    """
    existing = {s.content_hash: s for s in ra.submissions(user)}
    for index, row, assessment, path in plans:
        try:
            summary = existing.get(row.content_hash or "")
            if summary is not None and prefecture in (None, summary.prefecture):
                latest = ra.drafts(summary.id, user)[-1]
                same = (
                    latest.plan_type == assessment.plan_type
                    and latest.backend == assessment.backend
                    and latest.warnings == assessment.warnings
                    and latest.items == assessment.items
                )
                if same:
                    rows[index] = row.model_copy(update={"submission_id": summary.id})
                    continue
            view = ra.save(assessment, path, prefecture=prefecture, user=user)
            existing[view.content_hash] = view
            rows[index] = row.model_copy(update={"submission_id": view.id})
        except (ReviewAssistantError, OSError, ValueError) as exc:
            rows[index] = row.model_copy(
                update={
                    "status": "error",
                    "error_code": "save",
                    "error": f"save: 審査記録に保存できませんでした / could not save to the review store: {exc}",
                }
            )
