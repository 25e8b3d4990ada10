"""Batch pre-screening: a folder of plan PDFs in, one draft checklist per plan and overview sheets out.

After a submission deadline an office has to triage hundreds of plans overnight, so this is built
to survive being interrupted and rerun rather than to be fast once:

* Every finished plan is recorded under ``DIR/.batch/results`` keyed by the sha256 of its bytes
  (plus the options that shape the assessment), *before* its JSON is written. A rerun skips what is
  recorded and rewrites any JSON that is missing, so a ``kill -9`` at any moment loses at most the
  plans in flight. Every file is written to a temporary name in the same folder and renamed into
  place, so no reader ever sees half a file.
* ``files.csv``, ``checklist.csv`` and ``summary.xlsx`` are derived from the recorded results at
  the end of each run, never appended to, so they cannot hold duplicates after a resume.
* Workers only compute; the parent alone writes files and the review store, which keeps SQLite
  free of writer contention and lets one crashing worker cost only its own file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import multiprocessing
import os
import sys
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from langchain_core.embeddings import Embeddings
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from pydantic import BaseModel, Field

from .assess import assess_document
from .embeddings import get_embeddings
from .errors import IngestError, ReviewAssistantError
from .ingest import content_hash, ocr_available, parse_pdf
from .lexical import get_tokenizer
from .models import VERDICT_CODES, VERDICT_LABELS_JA, Assessment, ChecklistItem, PlanType, Verdict
from .rubric import Rubric, load_rubric
from .settings import Settings, apply_process_env, get_settings

Status = Literal["ok", "error", "skipped"]
BatchBackend = Literal["offline", "llm"]
ProgressCallback = Callable[[int, int, "FileRow"], None]

STATE_DIR = ".batch"
FILES_CSV = "files.csv"
CHECKLIST_CSV = "checklist.csv"
SUMMARY_XLSX = "summary.xlsx"
FILES_HEADER = ("file", "status", "plan_type", "error", "items", "seconds")
CHECKLIST_HEADER = ("file", "plan_type", "criterion_id", "verdict", "pages", "quote")
#: Joins the quotes of one item in ``checklist.csv``; every citation is kept so the row stands alone.
QUOTE_SEPARATOR = " / "

#: Temporary files are named so that a later run can recognise and remove the ones a killed run left.
_TMP_PREFIX = ".ra-tmp-"
_TMP_SUFFIX = ".tmp"
_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_STATUS_JA = {"ok": "完了", "skipped": "スキップ（処理済み）", "error": "失敗"}


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


class BatchReport(BaseModel):
    out_dir: Path
    rows: list[FileRow]
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


# ---------------------------------------------------------------------------------------------
# Atomic files
# ---------------------------------------------------------------------------------------------
def atomic_write(path: Path, data: bytes) -> None:
    """Write beside the target and rename over it: readers see the old file or the new one, never half.

    The temporary file is opened with mode 0o666 so the umask, not ``mkstemp``'s private 0o600, decides
    who else in the office can read the results.
    """
    tmp = path.parent / f"{_TMP_PREFIX}{uuid.uuid4().hex}{_TMP_SUFFIX}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _remove_stale_temp_files(*folders: Path) -> None:
    for folder in folders:
        for leftover in folder.glob(f"{_TMP_PREFIX}*{_TMP_SUFFIX}"):
            leftover.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Input:
    path: Path
    label: str


def discover_inputs(inputs: Sequence[Path]) -> list[_Input]:
    """Folders are searched recursively for ``*.pdf`` (any case); a file named explicitly is always taken.

    Taking explicit files whatever their suffix means a mis-named upload gets a ``not_pdf`` row instead
    of silently vanishing from the batch. The same file reached twice is listed once.
    """
    found: list[_Input] = []
    seen: set[Path] = set()
    for given in inputs:
        if given.is_dir():
            candidates = sorted(p for p in given.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")
        else:
            candidates = [given]
        for path in candidates:
            key = path.resolve()
            if key not in seen:
                seen.add(key)
                found.append(_Input(path=path, label=path.as_posix()))
    return found


def output_names(entries: Iterable[tuple[str, str]]) -> list[str]:
    """JSON names for (file name, content hash) pairs: ``<stem>.json`` unless another input shares the stem.

    Then every member of the clash (not all but the first, so no name depends on the order in which
    files were found) becomes ``<stem>__<hash8>.json``; only identical bytes under two different
    names, whose JSON differs in its ``plan`` field, need a further tag from the name. Stems are
    compared case-insensitively because the out dir may live on a Windows or macOS file system.
    Identical (name, hash) pairs share one name: their JSON is the same.
    """
    pairs = list(entries)
    groups: dict[str, set[tuple[str, str]]] = {}
    for name, digest in pairs:
        groups.setdefault(Path(name).stem.casefold(), set()).add((name, digest))
    names = []
    for name, digest in pairs:
        stem = Path(name).stem
        group = groups[stem.casefold()]
        if len(group) == 1:
            names.append(f"{stem}.json")
        elif sum(d == digest for _, d in group) == 1:
            names.append(f"{stem}__{digest[:8]}.json")
        else:
            names.append(f"{stem}__{digest[:8]}_{content_hash(name.encode('utf-8'))[:4]}.json")
    return names


# ---------------------------------------------------------------------------------------------
# Worker side
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Job:
    """One distinct (content, options) to assess; files with the same key share the result."""

    key: str
    path: str
    plan_type: PlanType | None
    backend: BatchBackend


@dataclass(frozen=True)
class Outcome:
    """What a worker sends back: the JSON text or the error, never an exception (it may not pickle)."""

    ok: bool
    seconds: float
    text: str = ""
    error_code: str = ""
    error: str = ""


@dataclass
class _WorkerContext:
    settings: Settings
    rubric: Rubric | None = None
    embeddings: Embeddings | None = None
    failure: str = ""


_worker: _WorkerContext | None = None


def _init_worker(settings: Settings) -> None:
    """Load the embedding model, Sudachi and the rubric once per worker, not once per file.

    A failure is remembered instead of raised: a raising initializer breaks the whole pool, and every
    file would then look like a crash instead of showing the one real cause.
    """
    global _worker
    apply_process_env()
    ctx = _WorkerContext(settings=settings)
    try:
        ctx.rubric = load_rubric(settings)
        ctx.embeddings = get_embeddings(settings)
        ctx.embeddings.embed_documents(["初期化"])
        get_tokenizer().tokenize("初期化")
    except Exception as exc:  # noqa: BLE001 - reported on every file this worker is given
        ctx.failure = f"{type(exc).__name__}: {exc}"
    _worker = ctx


def _worker_settings(settings: Settings, workers: int) -> Settings:
    """Share the configured BLAS threads among the workers instead of giving each worker all of them.

    The embedding model multiplies small matrices, where extra threads mostly wait on each other;
    with more threads than cores in total, a 2-core machine spends its time spinning, not working.
    """
    return settings.model_copy(update={"embedding_threads": max(1, settings.embedding_threads // workers)})


def _assess_job(job: Job) -> Outcome:
    """Assess one file exactly as ``review-assistant assess --json`` does; never raises."""
    start = time.perf_counter()

    def failed(code: str, message: str) -> Outcome:
        return Outcome(ok=False, seconds=time.perf_counter() - start, error_code=code, error=message)

    if _worker is None or _worker.failure:
        reason = _worker.failure if _worker else "not initialised"
        return failed("init", f"解析エンジンを初期化できませんでした / engine failed to load: {reason}")
    try:
        path = Path(job.path)
        doc = parse_pdf(path, kind="plan", settings=_worker.settings, data=path.read_bytes())
        assessment = assess_document(
            doc,
            plan_type=job.plan_type,
            backend=job.backend,
            settings=_worker.settings,
            rubric=_worker.rubric,
            embeddings=_worker.embeddings,
        )
    except IngestError as exc:
        return failed(exc.code, exc.message)
    except ReviewAssistantError as exc:
        return failed(exc.code, str(exc))
    except OSError as exc:
        return failed("unreadable", f"ファイルを読み込めません / cannot read the file: {exc}")
    except Exception as exc:  # noqa: BLE001 - one plan's bug must not stop a batch of hundreds
        return failed("internal", f"予期しないエラー / unexpected error: {type(exc).__name__}: {exc}")
    return Outcome(
        ok=True, seconds=time.perf_counter() - start, text=assessment.model_dump_json(indent=2) + "\n"
    )


_CRASHED = "ワーカープロセスが異常終了しました / the worker process crashed on this file"


def run_jobs(
    jobs: Sequence[Job],
    *,
    workers: int,
    on_outcome: Callable[[Job, Outcome], None],
    initializer: Callable[..., None],
    initargs: tuple[Any, ...],
    task: Callable[[Job], Outcome],
) -> None:
    """Run jobs in a spawn-context process pool, turning a dead worker into that file's error.

    When a worker dies, every job in flight fails with it. Those jobs are retried one at a time in a
    fresh pool; a job that kills the pool while it is the only one running is the culprit and becomes
    an error, the others then complete normally. Spawn (not fork) because the parent may already hold
    BLAS and Sudachi threads, which do not survive a fork.
    """
    context = multiprocessing.get_context("spawn")
    queue: deque[Job] = deque(jobs)
    suspects: deque[Job] = deque()
    inflight: dict[Future[Outcome], Job] = {}
    pool: ProcessPoolExecutor | None = None
    try:
        while queue or suspects or inflight:
            if pool is None:
                pool = ProcessPoolExecutor(
                    max_workers=workers, mp_context=context, initializer=initializer, initargs=initargs
                )
            source, limit = (suspects, 1) if suspects else (queue, workers)
            while source and len(inflight) < limit:
                job = source.popleft()
                inflight[pool.submit(task, job)] = job
            done, _ = wait(inflight, return_when=FIRST_COMPLETED)
            crashed: list[Job] = []
            for future in done:
                job = inflight.pop(future)
                try:
                    on_outcome(job, future.result())
                except BrokenProcessPool:
                    crashed.append(job)
            if not crashed:
                continue
            for future, job in list(inflight.items()):
                try:
                    on_outcome(job, future.result())
                except BrokenProcessPool:
                    crashed.append(job)
            inflight.clear()
            pool.shutdown(wait=True, cancel_futures=True)
            pool = None
            if len(crashed) == 1:
                on_outcome(crashed[0], Outcome(ok=False, seconds=0.0, error_code="crash", error=_CRASHED))
            else:
                suspects.extend(crashed)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


# ---------------------------------------------------------------------------------------------
# State
# ---------------------------------------------------------------------------------------------
class _StateRecord(BaseModel):
    key: str = Field(description="'<sha256 of the bytes>-<fingerprint of the options>'")
    params: dict[str, Any]
    seconds: float
    text: str = Field(description="The plan's JSON output, byte for byte")


class _State:
    """One small JSON per finished plan: a kill can only ever lose records still being written."""

    def __init__(self, out_dir: Path) -> None:
        self.root = out_dir / STATE_DIR
        self.results = self.root / "results"
        self.results.mkdir(parents=True, exist_ok=True)
        _remove_stale_temp_files(out_dir, self.root, self.results)

    def _path(self, key: str) -> Path:
        return self.results / f"{key}.json"

    def load(self, key: str) -> _StateRecord | None:
        try:
            return _StateRecord.model_validate_json(self._path(key).read_bytes())
        except (OSError, ValueError):
            return None

    def store(self, key: str, record: _StateRecord) -> None:
        atomic_write(self._path(key), record.model_dump_json().encode("utf-8"))


def _fingerprint(params: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()[
        :16
    ]


def _params(
    source: str, plan_type: PlanType | None, backend: BatchBackend, settings: Settings, rubric_digest: str
) -> dict[str, Any]:
    """Everything besides the bytes that changes the JSON: a rerun with other options re-assesses.

    The file name is included because it is the ``plan`` field of the output.
    """
    return {
        "file": source,
        "plan_type": plan_type,
        "backend": backend,
        "llm_model": settings.llm_model if backend == "llm" else None,
        "rubric": rubric_digest,
        "embedding": settings.embedding,
        "ocr": settings.ocr_enabled and ocr_available(),
    }


# ---------------------------------------------------------------------------------------------
# Progress
# ---------------------------------------------------------------------------------------------
class _Progress:
    """A rich progress bar on a terminal, one plain line per file otherwise (logs, cron, CI).

    Under the bar, failures are listed once it stops: the count alone does not say whom to call.
    """

    def __init__(self, total: int, *, enabled: bool, callback: ProgressCallback | None) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.enabled = enabled
        self.callback = callback
        self._bar: Any = None
        self._failures: list[FileRow] = []
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if self.enabled and sys.stdout.isatty():
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("失敗 {task.fields[failed]}件"),
                TimeElapsedColumn(),
                TextColumn("残り"),
                TimeRemainingColumn(),
            )
            self._bar.start()
            self._task = self._bar.add_task("計画書を確認中", total=self.total, failed=0)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
            for row in self._failures:
                print(f"失敗 {row.file}：{row.error}", flush=True)

    def advance(self, row: FileRow) -> None:
        self.done += 1
        self.failed += row.status == "error"
        if self._bar is not None:
            self._bar.update(self._task, advance=1, failed=self.failed)
            if row.status == "error":
                self._failures.append(row)
        elif self.enabled:
            detail = (
                row.error
                if row.status == "error"
                else f"{row.plan_type}、{row.items}項目、{row.seconds:.1f}秒"
            )
            print(f"[{self.done}/{self.total}] {row.status} {row.file}（{detail}）", flush=True)
        if self.callback is not None:
            self.callback(self.done, self.total, row)


# ---------------------------------------------------------------------------------------------
# Reports
# ---------------------------------------------------------------------------------------------
def _csv_cell(value: object) -> str:
    """File names and quotes come from outside: keep a spreadsheet from evaluating them as formulas."""
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return "'" + text if text.startswith(_CSV_FORMULA_START) else text


def _csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with BOM: without it Excel on Japanese Windows reads the file as Shift_JIS."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([_csv_cell(v) for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def _item_pages(item: ChecklistItem) -> str:
    return ";".join(str(p) for p in sorted({c.page for c in item.citations}))


def files_csv(rows: Sequence[FileRow]) -> bytes:
    return _csv_bytes(
        FILES_HEADER,
        ([r.file, r.status, r.plan_type or "", r.error, r.items, f"{r.seconds:.2f}"] for r in rows),
    )


def checklist_csv(plans: Sequence[tuple[FileRow, Assessment]]) -> bytes:
    """One row per plan and criterion; pages are the cited pages ascending, quotes in citation order."""
    return _csv_bytes(
        CHECKLIST_HEADER,
        (
            [
                row.file,
                a.plan_type,
                item.criterion_id,
                item.verdict.value,
                _item_pages(item),
                QUOTE_SEPARATOR.join(c.quote for c in item.citations),
            ]
            for row, a in plans
            for item in a.items
        ),
    )


_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_CODE_FILLS = {
    Verdict.meets: PatternFill("solid", fgColor="E2EFDA"),
    Verdict.partially_meets: PatternFill("solid", fgColor="FFF2CC"),
    Verdict.does_not_meet: PatternFill("solid", fgColor="F8CBAD"),
    Verdict.needs_review: PatternFill("solid", fgColor="FCE4D6"),
}
_CENTER = Alignment(horizontal="center", vertical="center")
_LEAD_COLUMNS = (
    ("file", "ファイル", 40),
    ("plan_type", "計画種別", 9),
    ("status", "状態", 10),
    ("error", "エラー", 30),
)


def _text(ws: Worksheet, row: int, column: int, value: str) -> None:
    """Strings stay strings: text from a plan that starts with '=' must not become a live formula."""
    cell = ws.cell(row=row, column=column)
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.data_type = "s"


def summary_workbook(rows: Sequence[FileRow], assessments: dict[int, Assessment], rubric: Rubric) -> bytes:
    """Plans down, criteria across, verdict codes in the cells, so a reviewer can sort and filter.

    Row 1 holds criterion ids (stable, for formulas and scripts), row 2 their Japanese labels with the
    full criterion text as a comment; the filter sits on row 2. Only criteria of the plan types that
    occur are shown; a cell stays empty when the criterion does not belong to that plan's type.
    """
    types = {a.plan_type for a in assessments.values()}
    criteria = [c for c in rubric.criteria if c.plan_type in types]
    wb = Workbook()
    ws = wb.active
    ws.title = "一覧"
    lead = len(_LEAD_COLUMNS)
    for col, (key, label, width) in enumerate(_LEAD_COLUMNS, start=1):
        _text(ws, 1, col, key)
        _text(ws, 2, col, label)
        ws.column_dimensions[get_column_letter(col)].width = width
    for col, criterion in enumerate(criteria, start=lead + 1):
        _text(ws, 1, col, criterion.id)
        _text(ws, 2, col, criterion.label)
        ws.cell(row=2, column=col).comment = Comment(
            f"{criterion.group}：{criterion.text}", "review-assistant"
        )
        ws.column_dimensions[get_column_letter(col)].width = 12
    for header_row in (1, 2):
        for col in range(1, lead + len(criteria) + 1):
            cell = ws.cell(row=header_row, column=col)
            cell.font = Font(bold=True)
            cell.fill = _HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    column_of = {c.id: col for col, c in enumerate((c for c in criteria), start=lead + 1)}
    for r, row in enumerate(rows, start=3):
        _text(ws, r, 1, row.file)
        _text(ws, r, 2, row.plan_type or "")
        _text(ws, r, 3, _STATUS_JA[row.status])
        _text(ws, r, 4, row.error)
        assessment = assessments.get(r - 3)
        for item in assessment.items if assessment else []:
            col = column_of.get(item.criterion_id)
            if col is None:
                continue
            _text(ws, r, col, VERDICT_CODES[item.verdict])
            cell = ws.cell(row=r, column=col)
            cell.alignment = _CENTER
            if item.verdict in _CODE_FILLS:
                cell.fill = _CODE_FILLS[item.verdict]
    last_col = get_column_letter(lead + len(criteria))
    ws.freeze_panes = ws.cell(row=3, column=2)
    ws.auto_filter.ref = f"A2:{last_col}{max(len(rows) + 2, 2)}"

    legend = wb.create_sheet("凡例")
    for r, values in enumerate(
        (("記号", "判定", "verdict"), *((VERDICT_CODES[v], VERDICT_LABELS_JA[v], v.value) for v in Verdict)),
        start=1,
    ):
        for col, value in enumerate(values, start=1):
            _text(legend, r, col, value)
            if r == 1:
                legend.cell(row=r, column=col).font = Font(bold=True)
    for col, width in zip("ABC", (8, 12, 18), strict=True):
        legend.column_dimensions[col].width = width

    sheet = wb.create_sheet("項目")
    headers = ("criterion_id", "計画種別", "要件区分", "項目", "基準")
    for col, value in enumerate(headers, start=1):
        _text(sheet, 1, col, value)
        sheet.cell(row=1, column=col).font = Font(bold=True)
    for r, c in enumerate(criteria, start=2):
        for col, value in enumerate(
            (c.id, f"{c.plan_type} {rubric.type_label(c.plan_type)}", c.group, c.label, c.text), start=1
        ):
            _text(sheet, r, col, value)
    for col, width in zip("ABCDE", (30, 24, 16, 24, 80), strict=True):
        sheet.column_dimensions[col].width = width
    sheet.freeze_panes = "A2"

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Review store
# ---------------------------------------------------------------------------------------------
def _save_all(
    plans: list[tuple[int, FileRow, Assessment, Path]],
    rows: dict[int, FileRow],
    *,
    prefecture: str | None,
    settings: Settings,
) -> None:
    """Store each plan as a submission unless the store already holds this very draft.

    Comparing with the store, rather than remembering "saved" in the batch state, keeps a rerun from
    adding a duplicate draft run even when the previous run was killed between the two writes.
    """
    from .api import ReviewAssistant

    ra = ReviewAssistant(settings)
    existing = {s.content_hash: s for s in ra.reviews.list_submissions()}
    for index, row, assessment, path in plans:
        try:
            summary = existing.get(row.content_hash or "")
            if summary is not None and prefecture in (None, summary.prefecture):
                latest = ra.reviews.drafts(summary.id)[-1]
                same = (
                    latest.plan_type == assessment.plan_type
                    and latest.backend == assessment.backend
                    and latest.warnings == assessment.warnings
                    and latest.items == assessment.items
                )
                if same:
                    rows[index] = row.model_copy(update={"submission_id": summary.id})
                    continue
            view = ra.save(assessment, path, prefecture=prefecture)
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


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------
def run_batch(
    inputs: list[Path],
    out_dir: Path,
    *,
    plan_type: PlanType | None = None,
    workers: int | None = None,
    backend: BatchBackend = "offline",
    save: bool = False,
    prefecture: str | None = None,
    settings: Settings | None = None,
    progress: bool = True,
    on_progress: ProgressCallback | None = None,
) -> BatchReport:
    """Assess every plan PDF under ``inputs`` into ``out_dir``; rerunning skips plans already done.

    Bad files never stop the batch: each becomes an ``error`` row. ``on_progress(done, total, row)``
    is called in this process after every file, skipped ones included.
    """
    started = time.perf_counter()
    apply_process_env()
    settings = settings or get_settings()
    workers = workers or os.cpu_count() or 1
    if workers < 1:
        raise ValueError("workers must be at least 1")
    rubric = load_rubric(settings)
    rubric_digest = content_hash(settings.rubric_file.read_bytes())
    out_dir.mkdir(parents=True, exist_ok=True)
    state = _State(out_dir)

    found = discover_inputs(inputs)
    rows: dict[int, FileRow] = {}
    hashes: dict[int, str] = {}
    for index, item in enumerate(found):
        try:
            hashes[index] = content_hash(item.path.read_bytes())
        except OSError as exc:
            code = "not_found" if isinstance(exc, FileNotFoundError) else "unreadable"
            rows[index] = FileRow(
                file=item.label,
                status="error",
                error_code=code,
                error=f"{code}: ファイルを読み込めません / cannot read the file: {exc}",
            )
    names = dict(zip(hashes, output_names((found[i].path.name, h) for i, h in hashes.items()), strict=True))
    params = {i: _params(found[i].path.name, plan_type, backend, settings, rubric_digest) for i in hashes}
    keys = {i: f"{h}-{_fingerprint(params[i])}" for i, h in hashes.items()}
    assessments: dict[int, Assessment] = {}
    waiting: dict[str, list[int]] = {}

    with _Progress(len(found), enabled=progress, callback=on_progress) as bar:
        for row in rows.values():
            bar.advance(row)

        def finish(index: int, status: Status, record: _StateRecord) -> None:
            target = out_dir / names[index]
            data = record.text.encode("utf-8")
            if not target.is_file() or target.read_bytes() != data:
                atomic_write(target, data)
            assessment = Assessment.model_validate_json(record.text)
            assessments[index] = assessment
            rows[index] = FileRow(
                file=found[index].label,
                status=status,
                plan_type=assessment.plan_type,
                items=len(assessment.items),
                seconds=record.seconds,
                content_hash=hashes[index],
                output=names[index],
            )
            bar.advance(rows[index])

        for index, key in keys.items():
            record = state.load(key)
            if record is not None:
                finish(index, "skipped", record)
            else:
                waiting.setdefault(key, []).append(index)

        def on_outcome(job: Job, outcome: Outcome) -> None:
            for index in waiting[job.key]:
                if outcome.ok:
                    record = _StateRecord(
                        key=job.key, params=params[index], seconds=outcome.seconds, text=outcome.text
                    )
                    state.store(job.key, record)
                    finish(index, "ok", record)
                else:
                    rows[index] = FileRow(
                        file=found[index].label,
                        status="error",
                        error_code=outcome.error_code,
                        error=f"{outcome.error_code}: {outcome.error}",
                        seconds=outcome.seconds,
                        content_hash=hashes[index],
                    )
                    bar.advance(rows[index])

        jobs = [
            Job(key=key, path=str(found[indices[0]].path), plan_type=plan_type, backend=backend)
            for key, indices in waiting.items()
        ]
        effective = min(workers, len(jobs))
        if effective > 1:
            run_jobs(
                jobs,
                workers=effective,
                on_outcome=on_outcome,
                initializer=_init_worker,
                initargs=(_worker_settings(settings, effective),),
                task=_assess_job,
            )
        elif jobs:
            _init_worker(settings)
            for job in jobs:
                on_outcome(job, _assess_job(job))

    if save:
        _save_all(
            [(i, rows[i], a, found[i].path) for i, a in assessments.items()],
            rows,
            prefecture=prefecture,
            settings=settings,
        )
    final = [rows[i] for i in range(len(found))]
    atomic_write(out_dir / FILES_CSV, files_csv(final))
    atomic_write(
        out_dir / CHECKLIST_CSV, checklist_csv([(final[i], a) for i, a in sorted(assessments.items())])
    )
    atomic_write(out_dir / SUMMARY_XLSX, summary_workbook(final, assessments, rubric))
    report = BatchReport(out_dir=out_dir, rows=final, seconds=time.perf_counter() - started)
    if progress:
        print(
            f"完了：{len(final)}件（新規 {report.ok}、処理済み {report.skipped}、失敗 {report.failed}）"
            f" 出力先：{out_dir}",
            flush=True,
        )
    return report
