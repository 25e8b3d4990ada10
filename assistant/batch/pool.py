"""A spawn-context process pool in which one crashing worker costs only its own file."""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from .worker import Job, Outcome

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
