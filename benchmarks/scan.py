"""Scanned submissions: a 10-page plan printed and scanned, read and drafted on 2 cores.

    python -m benchmarks.scan [--pages 10]

Reported, all measured in this run:
- OCR of every page one at a time (the baseline) and ``ocr_workers`` pages at a time, with the ratio;
- the whole ``assess`` of the scanned plan (parse with OCR + evidence + draft); target under 40 s;
- the same plan as drawn (text layer), for the cost of OCR against reading text;
- the plan written in Word, exported by LibreOffice and then scanned: bordered tables (rules erased
  and rows read from their grid), a running header and page numbers on every page.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from pypdf import PdfReader

from assistant.api import ReviewAssistant
from assistant.ingest.pdf import parse_pdf
from assistant.settings import Settings
from tests.support.office_docs import write_office_plan_pdf
from tests.support.pdfgen import synthetic_plan_pages, write_plan_pdf
from tests.support.scans import write_scanned_pdf


def _timed(fn):  # noqa: ANN001, ANN202
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pages = synthetic_plan_pages("B", args.pages, seed=11)
        drawn = write_plan_pdf(folder / "drawn.pdf", pages)
        scan = write_scanned_pdf(drawn, folder / "scan.pdf", dpi=200, skew_degrees=0.5, seed=11)
        office = write_office_plan_pdf(folder / "office.pdf", pages)
        office_scan = write_scanned_pdf(
            office, folder / "office_scan.pdf", dpi=200, skew_degrees=0.5, seed=11
        )
        office_pages = len(PdfReader(office_scan).pages)
        serial = Settings(data_dir=folder / "d1", ocr_workers=1)
        parallel = Settings(data_dir=folder / "d2")
        _, one = _timed(lambda: parse_pdf(scan, kind="plan", settings=serial))
        _, many = _timed(lambda: parse_pdf(scan, kind="plan", settings=parallel))
        ra = ReviewAssistant(parallel)
        ra.embeddings.embed_query("warm-up")  # model load is start-up, not drafting
        _, drafted_drawn = _timed(lambda: ra.assess(drawn, backend="offline"))
        _, drafted_scan = _timed(lambda: ra.assess(scan, backend="offline"))
        _, drafted_office = _timed(lambda: ra.assess(office_scan, backend="offline"))
    print(f"## Scanned {args.pages}-page plan (200 dpi, 0.5° skew, speckle)")
    print("| measure | seconds | ratio |")
    print("|---|---:|---:|")
    print(f"| OCR one page at a time (baseline) | {one:.1f} | 1.00 |")
    print(f"| OCR {parallel.ocr_workers} pages at a time | {many:.1f} | {many / one:.2f} |")
    print(f"| assess, drawn PDF (text layer) | {drafted_drawn:.1f} | {drafted_drawn / one:.2f} |")
    print(f"| assess, scanned PDF | {drafted_scan:.1f} | {drafted_scan / one:.2f} |")
    print(
        f"| assess, scanned office export ({office_pages} pages, bordered tables) | {drafted_office:.1f} "
        f"| {drafted_office / one:.2f} |"
    )
    worst = max(drafted_scan, drafted_office)
    print(f"\nTarget: scanned {args.pages}-page plan under 40 s: {'met' if worst < 40 else 'NOT met'}")


if __name__ == "__main__":
    main()
