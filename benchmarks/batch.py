"""Throughput of ``review-assistant batch`` against a naive loop of ``assess --json`` subprocesses.

The product target is 100 ten-page plans through the offline drafter in under five minutes on a
2-core machine. Every mode runs as a subprocess of the installed CLI with a fresh out dir, so
start-up and model loading are counted the way an office would pay for them. The batch JSON of
every plan is also compared byte for byte with the naive run's, so a speed-up can never hide a
change in results.

    python -m benchmarks.batch            # 20 plans
    python -m benchmarks.batch --n 100    # the product target
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support.pdfgen import synthetic_plan_pages, write_plan_pdf

TARGET_PLANS = 100
TARGET_SECONDS = 300.0


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("review-assistant")
    return [str(script)] if script.exists() else [sys.executable, "-m", "assistant.apps.cli.main"]


def generate(folder: Path, n: int, pages: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_plan_pdf(
            folder / f"plan_{i:03d}.pdf", synthetic_plan_pages("B" if i % 2 else "C", pages, seed=i)
        )
        for i in range(n)
    ]


def run_naive(plans: list[Path], out: Path, env: dict[str, str]) -> float:
    out.mkdir(parents=True)
    start = time.perf_counter()
    for plan in plans:
        with (out / f"{plan.stem}.json").open("wb") as fh:
            subprocess.run([*_cli(), "assess", str(plan), "--json"], stdout=fh, env=env, check=True)
    return time.perf_counter() - start


def run_batch(folder: Path, out: Path, workers: int, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [*_cli(), "batch", str(folder), "--out", str(out), "--workers", str(workers)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def mismatches(reference: Path, candidate: Path) -> list[str]:
    return sorted(
        p.name for p in reference.glob("*.json") if p.read_bytes() != (candidate / p.name).read_bytes()
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=20, help="number of plans (default 20)")
    parser.add_argument("--pages", type=int, default=10, help="pages per plan (default 10)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ra-bench-") as tmp:
        root = Path(tmp)
        plans = generate(root / "plans", args.n, args.pages)
        env = {**os.environ, "RA_DATA_DIR": str(root / "data")}
        print(
            f"{args.n} plans × {args.pages} pages, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}",
            flush=True,
        )

        results: list[tuple[str, float]] = []
        seconds = run_naive(plans, root / "out-naive", env)
        results.append(("naive: assess --json per file", seconds))
        print(f"  naive done in {seconds:.1f}s", flush=True)
        bad: dict[str, list[str]] = {}
        for workers in (1, 2):
            out = root / f"out-w{workers}"
            seconds = run_batch(root / "plans", out, workers, env)
            results.append((f"batch --workers {workers}", seconds))
            bad[f"--workers {workers}"] = mismatches(root / "out-naive", out)
            print(f"  --workers {workers} done in {seconds:.1f}s", flush=True)
        shutil.rmtree(root / "plans")

    naive = results[0][1]
    print()
    print(f"| {'mode':<32} | {'seconds':>8} | {'plans/min':>9} | {'× naive':>7} |")
    print(f"|{'-' * 34}|{'-' * 10}|{'-' * 11}|{'-' * 9}|")
    for name, seconds in results:
        print(f"| {name:<32} | {seconds:8.1f} | {args.n * 60 / seconds:9.1f} | {naive / seconds:7.2f} |")
    best = min(s for name, s in results[1:])
    projected = best * TARGET_PLANS / args.n
    verdict = "meets" if projected < TARGET_SECONDS else "misses"
    print(
        f"\nfastest batch, scaled to {TARGET_PLANS} plans: {projected:.0f}s ({verdict} the {TARGET_SECONDS:.0f}s target)"
    )
    for mode, names in bad.items():
        print(
            f"JSON identical to assess --json ({mode}): {'yes' if not names else 'NO: ' + ', '.join(names)}"
        )
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return 1 if any(bad.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
