"""Worker functions for process-pool tests: they must live in an importable module, since spawned
workers import the task by name."""

from __future__ import annotations

import os
import time

from assistant.batch.worker import Job, Outcome


def no_setup() -> None:
    """Worker initializer for the crash test: nothing to load."""


def crash_on_boom(job: Job) -> Outcome:
    if job.key == "boom":
        os._exit(3)
    return Outcome(ok=True, seconds=0.0, text=f"done {job.key}")


def hang_on_stuck(job: Job) -> Outcome:
    """Worker task for the timeout test: the job keyed "stuck" never returns, as a wedged parser would not."""
    if job.key == "stuck":
        time.sleep(3600)
    return Outcome(ok=True, seconds=0.0, text=f"done {job.key}")
