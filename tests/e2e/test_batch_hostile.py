"""Hostile inputs through the real CLI and real worker processes: no hang, no traceback, no runaway memory,
no batch stopped by one entry, and no worker left alive after its batch is killed.

Every CLI run has a wall-clock timeout (the unfixed code hangs on a FIFO) and an address-space limit
(the unfixed code reads ``/dev/zero`` until memory runs out), so a regression fails instead of
taking the machine down.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support import hostile, pool_tasks
from support.pdfgen import synthetic_plan_pages, write_plan_pdf

from assistant.batch.pool import run_jobs
from assistant.batch.worker import Job, Outcome
from assistant.domain.errors import (
    ContentTooLargeError,
    CorruptPdfError,
    DanglingLinkError,
    FileMissingError,
    FileTooLargeError,
    IngestError,
    LinkLoopError,
    NotRegularFileError,
    PdfLimitError,
    TooManyPagesError,
)

CLI = str(Path(sys.executable).with_name("review-assistant"))
ADDRESS_SPACE = 3 * 2**30
MAX_FILE_BYTES = 3_000_000


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "RA_DATA_DIR": str(tmp_path / "data"),
        "RA_OCR_ENABLED": "false",
        "RA_MAX_FILE_BYTES": str(MAX_FILE_BYTES),
    }


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def _cli(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=_limited,
        check=False,
    )


def _hostile_folder(folder: Path) -> dict[str, tuple[Path, type[IngestError]]]:
    """Every hostile entry of a plan folder, each with the error it must give."""
    special = hostile.make_special_entries(folder)
    pdfs: dict[str, tuple[bytes, type[IngestError]]] = {
        "self_reference": (hostile.self_reference_pdf(), PdfLimitError),
        "nested_arrays": (hostile.nested_arrays_pdf(), PdfLimitError),
        "cyclic_page_tree": (hostile.cyclic_page_tree_pdf(), CorruptPdfError),
        "bomb_over": (hostile.bomb_pdf(1, hostile.PYPDF_STREAM_LIMIT + 5_000_000), ContentTooLargeError),
        "bomb_under": (hostile.bomb_pdf(10, hostile.PYPDF_STREAM_LIMIT - 5_000_000), ContentTooLargeError),
        "too_many_pages": (hostile.many_pages_pdf(301), TooManyPagesError),
        "too_large": (b"%PDF-1.7\n" + b"%" * MAX_FILE_BYTES, FileTooLargeError),
    }
    entries: dict[str, tuple[Path, type[IngestError]]] = {
        "fifo": (special["fifo"], NotRegularFileError),
        "dir_link": (special["dir_link"], NotRegularFileError),
        "dangling": (special["dangling"], DanglingLinkError),
        "loop": (special["loop"], LinkLoopError),
        "dev_zero": (special["dev_zero"], NotRegularFileError),
    }
    for name, (data, error) in pdfs.items():
        path = folder / f"{name}.pdf"
        path.write_bytes(data)
        entries[name] = (path, error)
    return entries


def _assert_one_clean_line(
    proc: subprocess.CompletedProcess[str], error: type[IngestError], name: str
) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"エラー：{name}: {error.message_ja}")


def test_assess_gives_one_clear_line_for_every_hostile_input(tmp_path: Path, env: dict[str, str]) -> None:
    entries = _hostile_folder(tmp_path / "in")
    entries["missing"] = (tmp_path / "in" / "never_written.pdf", FileMissingError)
    entries["directory"] = (tmp_path / "in" / "real_dir", NotRegularFileError)

    for path, error in entries.values():
        proc = _cli(["assess", str(path), "--json"], env, timeout=120)
        _assert_one_clean_line(proc, error, path.name)
        assert proc.stdout == ""


def test_a_bomb_just_under_pypdfs_limit_is_refused_in_bounded_memory(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """Ten pages, each inflating to just under pypdf's own 75 MB cap: the unfixed code held about
    70 MB per page and then called the file a scan. RUSAGE_CHILDREN is read in a process of its own,
    so it measures this one CLI run and nothing else the test session started."""
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(hostile.bomb_pdf(10, hostile.PYPDF_STREAM_LIMIT - 5_000_000))
    measure = (
        "import json, resource, subprocess, sys\n"
        "proc = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=300)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024\n"
        "print(json.dumps({'rc': proc.returncode, 'stderr': proc.stderr, 'peak': peak}))\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", measure, CLI, "assess", str(bomb), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=360,
        preexec_fn=_limited,
        check=True,
    )

    report = json.loads(result.stdout)
    _assert_one_clean_line(
        subprocess.CompletedProcess([], report["rc"], "", report["stderr"]), ContentTooLargeError, bomb.name
    )
    assert report["peak"] < 600 * 2**20, f"peak RSS {report['peak'] / 2**20:.0f} MB"


def _rows(out: Path) -> list[dict[str, str]]:
    with (out / "files.csv").open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _plan(path: Path, seed: int, pages: int = 2) -> Path:
    return write_plan_pdf(path, synthetic_plan_pages("B", pages, seed=seed))


def test_a_batch_over_every_hostile_entry_finishes_with_a_row_for_each(
    tmp_path: Path, env: dict[str, str]
) -> None:
    inp = tmp_path / "in"
    entries = _hostile_folder(inp)
    good = [_plan(inp / "good_one.pdf", 1), _plan(inp / "good_two.pdf", 2)]
    loose_loop = tmp_path / "loose.pdf"
    loose_loop.symlink_to(loose_loop.name)
    entries["loose_loop"] = (loose_loop, LinkLoopError)
    entries["gone"] = (tmp_path / "gone.pdf", FileMissingError)
    out = tmp_path / "out"

    proc = _cli(
        ["batch", str(inp), str(loose_loop), str(tmp_path / "gone.pdf"), "--out", str(out), "--workers", "2"],
        env,
        timeout=600,
    )

    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode == 1, proc.stderr
    got = {r["file"]: (r["status"], r["error"].split(":")[0]) for r in _rows(out)}
    want = {path.as_posix(): ("error", error.code) for path, error in entries.values()}
    want |= {path.as_posix(): ("ok", "") for path in good}
    assert got == want
    assert sorted(p.name for p in out.glob("*.json")) == ["good_one.json", "good_two.json"]
    assert (out / "checklist.csv").is_file() and (out / "summary.xlsx").is_file()


def test_a_file_over_the_time_limit_is_killed_and_retried_on_the_next_run(
    tmp_path: Path, env: dict[str, str]
) -> None:
    """No real assessment finishes in a millisecond, so every file overruns; the overrun is not
    remembered as done, so a rerun with a sane limit assesses it."""
    inp = tmp_path / "in"
    plan = _plan(inp / "plan.pdf", 3)
    out = tmp_path / "out"

    stuck = _cli(["batch", str(inp), "--out", str(out)], {**env, "RA_BATCH_FILE_TIMEOUT": "0.001"})

    assert stuck.returncode == 1, stuck.stderr
    [row] = _rows(out)
    assert (row["file"], row["status"], row["error"].split(":")[0]) == (plan.as_posix(), "error", "timeout")
    assert "time limit" in row["error"]
    again = _cli(["batch", str(inp), "--out", str(out)], env)
    assert again.returncode == 0, again.stderr
    assert [r["status"] for r in _rows(out)] == ["ok"]


def test_a_stuck_worker_costs_only_its_own_job() -> None:
    jobs = [Job(key=k, path=f"{k}.pdf", plan_type=None, backend="offline") for k in ("a", "stuck", "b", "c")]
    outcomes: dict[str, Outcome] = {}

    run_jobs(
        jobs,
        workers=2,
        on_outcome=lambda job, outcome: outcomes.__setitem__(job.key, outcome),
        initializer=pool_tasks.no_setup,
        initargs=(),
        task=pool_tasks.hang_on_stuck,
        timeout=5,
    )

    assert sorted(outcomes) == ["a", "b", "c", "stuck"]
    assert outcomes["stuck"].error_code == "timeout" and not outcomes["stuck"].ok
    assert "stuck.pdf" in outcomes["stuck"].error
    assert all(outcomes[k] == Outcome(ok=True, seconds=0.0, text=f"done {k}") for k in "abc")
    assert _workers_of(os.getpid()) == set(), "the stuck worker was killed, the others stopped"


def _workers_of(parent: int) -> set[int]:
    """Live spawned children of ``parent`` (multiprocessing starts them with ``spawn_main``)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == parent and fields[0] != "Z" and b"spawn_main" in cmdline:
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _poll(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


@pytest.fixture
def batch_process(tmp_path: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    inp = tmp_path / "in"
    for i in range(6):
        _plan(inp / f"plan{i}.pdf", 10 + i, pages=3)
    proc = subprocess.Popen(
        [CLI, "batch", str(inp), "--out", str(tmp_path / "out"), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def test_workers_die_with_a_killed_batch(batch_process: subprocess.Popen[bytes]) -> None:
    assert _poll(lambda: len(_workers_of(batch_process.pid)) == 2, 120), "the batch never started its workers"
    workers = _workers_of(batch_process.pid)

    os.kill(batch_process.pid, signal.SIGKILL)
    batch_process.wait()

    assert _poll(lambda: not any(_alive(pid) for pid in workers), 15), "workers outlived their batch"
