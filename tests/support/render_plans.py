"""Render the labelled plans and the demo sample to the PDFs that are committed beside their YAML.

An installed package ships these PDFs (setup.py bundles ``evals/data/plans`` and ``corpus/samples``)
and has no fpdf2 to draw them, so they are drawn once here and committed. ``--check`` catches a YAML
edited without re-rendering: it compares each page's extracted text with a fresh render's, not the
bytes, so a newer fpdf2 or font build that changes the bytes but not the text is not reported.

    python -m tests.support.render_plans           # (re)write every PDF
    python -m tests.support.render_plans --check   # exit 1 and list the stale PDFs
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

import yaml
from pypdf import PdfReader

try:
    from support.pdfgen import write_plan_pdf
except ImportError:  # run as `python -m tests.support.render_plans` from the repository root
    from tests.support.pdfgen import write_plan_pdf

ROOT = Path(__file__).resolve().parents[2]
_PLANS = "evals/data/plans"
_SAMPLE = "corpus/samples/sample_b_kitahama.yaml"


def plan_cards(root: Path = ROOT) -> list[Path]:
    """Every YAML card whose PDF is committed: the labelled plans, then the demo sample."""
    return [*sorted((root / _PLANS).glob("*.yaml")), root / _SAMPLE]


def pdf_path(card: Path) -> Path:
    return card.with_name(_load(card)["file"])


def render(card: Path, target: Path | None = None) -> Path:
    """Draw ``card``'s pages to ``target`` (by default the PDF named in the card, beside it)."""
    spec = _load(card)
    return write_plan_pdf(
        target or card.with_name(spec["file"]),
        spec["pages"],
        title=spec.get("title"),
        scanned_pages=spec.get("scanned_pages", []),
    )


def render_all(root: Path = ROOT) -> list[Path]:
    return [render(card) for card in plan_cards(root)]


def stale_pdfs(root: Path = ROOT) -> list[Path]:
    """The committed PDFs that are missing or whose text differs from what their card renders to now."""
    stale: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="ra-render-check-") as tmp:
        for card in plan_cards(root):
            committed = pdf_path(card)
            fresh = render(card, Path(tmp) / committed.name)
            if not committed.is_file() or _page_texts(committed) != _page_texts(fresh):
                stale.append(committed)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.support.render_plans", description=__doc__)
    parser.add_argument("--check", action="store_true", help="list stale PDFs instead of writing them")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_pdfs()
        for path in stale:
            print(f"stale: {path.relative_to(ROOT)}", file=sys.stderr)
        if stale:
            print("run `python -m tests.support.render_plans` and commit the PDFs", file=sys.stderr)
        return 1 if stale else 0
    for path in render_all():
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


def _load(card: Path) -> dict:
    return yaml.safe_load(card.read_text(encoding="utf-8"))


def _page_texts(pdf: Path) -> list[str]:
    return [re.sub(r"\s", "", page.extract_text() or "") for page in PdfReader(pdf).pages]


if __name__ == "__main__":
    sys.exit(main())
