"""Spawned worker processes in which a crashing or overrunning worker costs only its own file.

Each worker holds at most one job, so the parent always knows which file a worker is on and since
when: a worker that dies fails only that file (``crash``), and one still busy when the time limit
runs out is killed and replaced, failing only that file (``timeout``). ``ProcessPoolExecutor`` can
do neither: it hides which worker holds which job, cannot cancel a running one, and one dead worker
breaks the whole pool. Spawn (not fork) because the parent may already hold BLAS and Sudachi
threads, which do not survive a fork.

Workers die with their parent: on Linux the kernel kills them when it goes (``PR_SET_PDEATHSIG``;
strictly, when the thread that started them ends, which is the thread inside :func:`run_jobs`, and
it stops them itself before returning), and on every system a watchdog thread exits a worker whose
parent has changed. So a ``kill -9`` of a batch leaves no workers behind, each holding the
embedding model in memory.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import SpawnContext, SpawnProcess
from pathlib import Path
from typing import Any

from assistant.domain.errors import ProcessingTimeoutError

from .worker import Job, Outcome

_CRASHED = "ワーカープロセスが異常終了しました / the worker process crashed on this file"
_NO_START = "ワーカープロセスを起動できませんでした / worker processes could not start"
_READY = "ready"
_PR_SET_PDEATHSIG = 1
_WATCHDOG_SECONDS = 1.0
#: Workers that may die before their first job before the remaining jobs are failed, per worker slot.
_START_ATTEMPTS = 3


@dataclass
class _Worker:
    process: SpawnProcess
    conn: Connection
    ready: bool = False
    job: Job | None = None
    started: float = 0.0
    deadline: float = math.inf


def run_jobs(
    jobs: Sequence[Job],
    *,
    workers: int,
    on_outcome: Callable[[Job, Outcome], None],
    initializer: Callable[..., None],
    initargs: tuple[Any, ...],
    task: Callable[[Job], Outcome],
    timeout: float | None = None,
) -> None:
    """Run every job once in ``workers`` spawned processes; ``on_outcome`` gets each result as it comes.

    ``timeout`` counts from the moment a ready worker is handed the job, so loading the models at
    start-up is not charged to the first files.
    """
    context = multiprocessing.get_context("spawn")
    queue: deque[Job] = deque(jobs)
    pool: list[_Worker] = []
    start_failures = 0
    try:
        while True:
            if start_failures >= _START_ATTEMPTS * workers:
                while queue:
                    on_outcome(
                        queue.popleft(), Outcome(ok=False, seconds=0.0, error_code="crash", error=_NO_START)
                    )
            _resize(pool, queue, workers, lambda: _spawn(context, initializer, initargs, task))
            if not pool:
                return
            for worker in pool:
                if worker.ready and worker.job is None and queue:
                    _assign(worker, queue, timeout)
            wait([*(w.conn for w in pool), *(w.process.sentinel for w in pool)], timeout=_until(pool))
            for worker in list(pool):
                if _collect(worker, on_outcome):
                    continue
                pool.remove(worker)
                _stop(worker)
                if worker.job is not None:
                    elapsed = time.monotonic() - worker.started
                    on_outcome(
                        worker.job, Outcome(ok=False, seconds=elapsed, error_code="crash", error=_CRASHED)
                    )
                elif not worker.ready:
                    start_failures += 1
            now = time.monotonic()
            for worker in [w for w in pool if now >= w.deadline]:
                pool.remove(worker)
                _stop(worker)
                if worker.job is not None:
                    on_outcome(worker.job, _timed_out(worker.job, now - worker.started, timeout or 0.0))
    finally:
        for worker in pool:
            _stop(worker)


def _resize(pool: list[_Worker], queue: deque[Job], workers: int, spawn: Callable[[], _Worker]) -> None:
    """As many workers as there is work for: start missing ones, stop idle ones once the queue is empty."""
    idle = [w for w in pool if w.job is None]
    if not queue:
        for worker in idle:
            pool.remove(worker)
            _stop(worker)
        return
    for _ in range(min(workers - len(pool), len(queue) - len(idle))):
        pool.append(spawn())


def _spawn(
    context: SpawnContext,
    initializer: Callable[..., None],
    initargs: tuple[Any, ...],
    task: Callable[[Job], Outcome],
) -> _Worker:
    parent_end, child_end = context.Pipe()
    process = context.Process(
        target=_worker_main,
        args=(child_end, os.getpid(), initializer, initargs, task),
        name="review-assistant-worker",
    )
    process.start()
    child_end.close()
    return _Worker(process=process, conn=parent_end)


def _assign(worker: _Worker, queue: deque[Job], timeout: float | None) -> None:
    """Hand over the next job; a worker that died since it said ready leaves the job in the queue."""
    job = queue[0]
    try:
        worker.conn.send(job)
    except OSError:
        return
    queue.popleft()
    worker.job = job
    worker.started = time.monotonic()
    worker.deadline = worker.started + timeout if timeout else math.inf


def _until(pool: list[_Worker]) -> float | None:
    deadline = min((w.deadline for w in pool if w.job is not None), default=math.inf)
    return None if deadline == math.inf else max(0.0, deadline - time.monotonic())


def _collect(worker: _Worker, on_outcome: Callable[[Job, Outcome], None]) -> bool:
    """Take what the worker sent; False once it is gone (its pipe closed or its process ended)."""
    try:
        while worker.conn.poll():
            message = worker.conn.recv()
            if message == _READY:
                worker.ready = True
            elif worker.job is not None:
                job, worker.job, worker.deadline = worker.job, None, math.inf
                on_outcome(job, message)
    except (EOFError, OSError):
        return False
    return worker.process.is_alive() or worker.conn.poll()


def _stop(worker: _Worker) -> None:
    """An idle worker exits when its pipe closes; a busy, stuck or still-loading one is killed."""
    if worker.job is not None or not worker.ready:
        worker.process.kill()
    worker.conn.close()
    worker.process.join(timeout=5)
    if worker.process.is_alive():
        worker.process.kill()
        worker.process.join()
    worker.process.close()


def _timed_out(job: Job, elapsed: float, timeout: float) -> Outcome:
    error = ProcessingTimeoutError(Path(job.path).name, f"{timeout:g}秒 / {timeout:g} s")
    return Outcome(ok=False, seconds=elapsed, error_code=error.code, error=error.message)


# -- inside the worker process --------------------------------------------------------------------


def _worker_main(
    conn: Connection,
    parent_pid: int,
    initializer: Callable[..., None],
    initargs: tuple[Any, ...],
    task: Callable[[Job], Outcome],
) -> None:
    _die_with_parent(parent_pid)
    initializer(*initargs)
    message: object = _READY
    while True:
        # The parent closes the pipe when it no longer needs this worker: a quiet exit, not an error.
        try:
            conn.send(message)
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            message = task(job)
        except Exception as exc:  # noqa: BLE001 - reported as this file's error, the worker lives on
            message = Outcome(
                ok=False, seconds=0.0, error_code="internal", error=f"{type(exc).__name__}: {exc}"
            )


def _die_with_parent(parent_pid: int) -> None:
    """Make this process end when ``parent_pid`` does, however the parent ends (``kill -9`` included)."""
    if sys.platform.startswith("linux"):
        # Best effort: without it (no libc found), the watchdog below still ends the worker.
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="parent-watchdog", daemon=True).start()


def _watch_parent(parent_pid: int) -> None:
    """The portable fallback: an orphan is re-parented, so a changed parent pid means the parent is gone."""
    while os.getppid() == parent_pid:
        time.sleep(_WATCHDOG_SECONDS)
    os._exit(1)
