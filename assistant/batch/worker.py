"""The worker side of a batch: one process assesses one file at a time through the library API.

Workers only compute; the parent alone writes files and the review store, which keeps SQLite free
of writer contention and lets one crashing worker cost only its own file.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.domain.errors import IngestError, ReviewAssistantError
from assistant.domain.models import PlanType
from assistant.settings import Settings

from .models import BatchBackend

if TYPE_CHECKING:
    from assistant.api import ReviewAssistant


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
    ra: ReviewAssistant | None = None
    failure: str = ""


_worker = _WorkerContext()


def init_worker(settings: Settings) -> None:
    """Load the embedding model, Sudachi and the rubric once per worker, not once per file.

    A failure is remembered instead of raised: a raising initializer breaks the whole pool, and every
    file would then look like a crash instead of showing the one real cause.
    """
    from assistant.api import ReviewAssistant
    from assistant.search.lexical import get_tokenizer

    global _worker
    ctx = _WorkerContext()
    try:
        ra = ReviewAssistant(settings)
        _ = ra.rubric
        ra.embeddings.embed_documents(["初期化"])
        get_tokenizer().tokenize("初期化")
        ctx.ra = ra
    except Exception as exc:  # noqa: BLE001 - reported on every file this worker is given
        ctx.failure = f"{type(exc).__name__}: {exc}"
    _worker = ctx


def worker_settings(settings: Settings, workers: int) -> Settings:
    """Share the configured BLAS threads and OCR pages among the workers instead of giving each worker
    all of them.

    The embedding model multiplies small matrices, where extra threads mostly wait on each other;
    with more threads (or tesseracts) than cores in total, a 2-core machine spends its time spinning,
    not working.
    """
    return settings.model_copy(
        update={
            "embedding_threads": max(1, settings.embedding_threads // workers),
            "ocr_workers": max(1, settings.ocr_workers // workers),
        }
    )


def assess_job(job: Job) -> Outcome:
    """The pool's task: assess with this worker's API instance."""
    if _worker.ra is None:
        reason = _worker.failure or "not initialised"
        return Outcome(
            ok=False,
            seconds=0.0,
            error_code="init",
            error=f"解析エンジンを初期化できませんでした / engine failed to load: {reason}",
        )
    return run_assessment(_worker.ra, job)


def run_assessment(ra: ReviewAssistant, job: Job) -> Outcome:
    """Assess one file exactly as ``review-assistant assess --json`` does; never raises."""
    start = time.perf_counter()

    def failed(code: str, message: str) -> Outcome:
        return Outcome(ok=False, seconds=time.perf_counter() - start, error_code=code, error=message)

    try:
        assessment = ra.assess(Path(job.path), plan_type=job.plan_type, backend=job.backend)
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
