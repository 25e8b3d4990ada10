"""The drafter on labelled plans, rendered the ways prefectures send them.

    python -m evals.run assess [--sets plans,holdout] [--renderings drawn,office,scan,office-scan,docx]
        [--details]

- ``drawn``: the PDF drawn by one library with one font (what the tests use);
- ``office``: the plan written as a Word document and exported by LibreOffice (subset CJK fonts,
  a header and page numbers on every page, Word tables, ~40 characters a line);
- ``scan``: the drawn PDF printed and scanned (200 dpi, half a degree of skew, noise; no text layer);
- ``office-scan``: the office export printed and scanned the same way: running headers, page
  numbers and bordered Word tables, all as pixels;
- ``docx``: the Word document itself (the one ``office`` exports), read directly with python-docx.
  A .docx has no pages, so its citations name a heading and paragraph; they are scored against the
  labelled pages through the document's own structure (:func:`docx_page_of`), exactly, not by
  searching for the quote.

The ``holdout`` set was written by someone who saw neither the drafter nor the other plans, and is
never used for tuning: its figures are the honest ones. Scores come from
:mod:`assistant.evaluation.scoring`, the same code ``review-assistant evaluate`` uses.
"""

from __future__ import annotations

import re
import tempfile
import time
import zlib
from bisect import bisect_left
from collections.abc import Callable
from itertools import accumulate
from pathlib import Path

from pypdf import PdfReader
from rich.console import Console
from rich.table import Table

from assistant.api import ReviewAssistant
from assistant.assess.drafter import assess_document
from assistant.domain.models import Assessment, ParsedDocument, PlanCitation
from assistant.evaluation.labelled import LabelledPlan, load_labelled_plans
from assistant.evaluation.scoring import PlanScore, Report, report, score_plan
from assistant.ingest import parse_plan
from assistant.settings import Settings
from assistant.text.normalize import quote_in_text
from tests.support.office_docs import write_office_plan_pdf, write_plan_docx
from tests.support.pdfgen import write_plan_pdf
from tests.support.scans import write_scanned_pdf

DATA = Path(__file__).resolve().parent / "data"
SETS = {"plans": DATA / "plans", "holdout": DATA / "plans_holdout"}
RENDERINGS = ("drawn", "office", "scan", "office-scan", "docx")
SCANNED = ("scan", "office-scan")
_HEADING = re.compile(r"^#+[ \t]*", re.MULTILINE)


def render(plan: LabelledPlan, how: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    drawn = folder / f"drawn_{plan.file}"
    if not drawn.exists():
        write_plan_pdf(drawn, plan.pages, title=plan.title, scanned_pages=plan.scanned_pages)
    if how == "drawn":
        return drawn
    office = folder / f"office_{plan.file}"
    if how in ("office", "office-scan") and not office.exists():
        write_office_plan_pdf(office, plan.pages, title=plan.title)
    if how == "office":
        return office
    if how == "docx":
        return write_plan_docx(folder / f"docx_{plan.name}.docx", plan.pages, title=plan.title)
    seed = zlib.crc32(plan.file.encode("utf-8"))
    source = office if how == "office-scan" else drawn
    return write_scanned_pdf(source, folder / f"{how}_{plan.file}", dpi=200, skew_degrees=0.5, seed=seed)


class OcrQuotes:
    """Shown quotes taken from OCR'd pages, and how many of them match the page's true text."""

    def __init__(self) -> None:
        self.shown = 0
        self.true = 0
        self.flagged = 0
        self.wrong_unflagged = 0

    def add(self, plan: LabelledPlan, result: Assessment, doc: ParsedDocument, printed: list[str]) -> None:
        """``printed``: what each page of the scanned PDF really says (its source's text layer), which
        for an office export is the cells of a table row in order rather than the labelled colons."""
        ocr_pages = {p.page for p in doc.pages if p.ocr}
        for item in result.items:
            for c in item.citations:
                if c.page not in ocr_pages:
                    continue
                self.shown += 1
                truths = [_HEADING.sub("", plan.pages[c.page - 1])] if c.page <= len(plan.pages) else []
                truths += printed[c.page - 1 : c.page]
                true = any(quote_in_text(c.quote, t) for t in truths)
                self.true += true
                self.flagged += c.low_confidence
                self.wrong_unflagged += not true and not c.low_confidence

    def cell(self) -> str:
        """True share of the shown OCR quotes, and of the wrong ones how many were left unmarked."""
        if not self.shown:
            return "-"
        return (
            f"{self.true}/{self.shown} = {self.true / self.shown:.1%} true; "
            f"{self.flagged} marked low; wrong & unmarked {self.wrong_unflagged}"
        )


def docx_page_of(plan: LabelledPlan, doc: ParsedDocument) -> Callable[[PlanCitation], int | None]:
    """The labelled page a .docx citation stands for, from its paragraph number.

    ``write_plan_docx`` turns every non-blank line of a labelled page into exactly one paragraph or
    one table row, and the parser numbers exactly those, so paragraph ``n`` lies on the page whose
    cumulative line count first reaches ``n``. The totals are checked, so a builder or parser change
    that breaks the correspondence fails loudly instead of skewing evidence recall.
    """
    bounds = list(accumulate(sum(1 for line in page.split("\n") if line.strip()) for page in plan.pages))
    paragraphs = sum(len(p.raw.split("\n")) for p in doc.pages)
    if paragraphs != bounds[-1]:
        raise AssertionError(f"{plan.name}: {paragraphs} .docx paragraphs for {bounds[-1]} labelled lines")

    def page_of(citation: PlanCitation) -> int | None:
        if citation.paragraph is None:
            return None
        return bisect_left(bounds, citation.paragraph) + 1

    return page_of


def _draft(ra: ReviewAssistant, pdf: Path, plan: LabelledPlan) -> tuple[Assessment, ParsedDocument]:
    doc = parse_plan(pdf, settings=ra.settings)
    result = assess_document(
        doc,
        plan_type=plan.plan_type,
        backend="offline",
        settings=ra.settings,
        rubric=ra.rubric,
        embeddings=ra.embeddings,
    )
    return result, doc


def evaluate(
    set_name: str, how: str, ra: ReviewAssistant, tmp: Path
) -> tuple[Report, OcrQuotes, list[tuple[LabelledPlan, PlanScore, Assessment]]]:
    scores, details = [], []
    ocr = OcrQuotes()
    for plan in load_labelled_plans(SETS[set_name]):
        pdf = render(plan, how, tmp / set_name)
        start = time.perf_counter()
        result, doc = _draft(ra, pdf, plan)
        page_of = docx_page_of(plan, doc) if how == "docx" else None
        score = score_plan(plan, result, doc, ra.rubric, time.perf_counter() - start, page_of)
        scores.append(score)
        details.append((plan, score, result))
        if how in SCANNED:
            source = (
                tmp / set_name / (f"office_{plan.file}" if how == "office-scan" else f"drawn_{plan.file}")
            )
            ocr.add(plan, result, doc, [page.extract_text() or "" for page in PdfReader(source).pages])
    return report("offline", scores), ocr, details


def _pct(value: float | int | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def run_assess(console: Console, sets: list[str], renderings: list[str], details: bool) -> None:
    table = Table(title="Offline drafter on labelled plans, by set and rendering")
    for col in (
        "set",
        "rendering",
        "plans",
        "presence",
        "evidence recall",
        "false meets",
        "judgement agreement",
        "judgement needs_review",
        "verdict acc.",
        "citation validity",
        "OCR quotes true",
        "s/plan",
    ):
        table.add_column(col)
    with tempfile.TemporaryDirectory() as tmp:
        ra = ReviewAssistant(Settings(data_dir=Path(tmp) / "data"))
        for set_name in sets:
            for how in renderings:
                result, ocr, per_plan = evaluate(set_name, how, ra, Path(tmp))
                o = result.overall
                table.add_row(
                    set_name,
                    how,
                    str(o["plans"]),
                    _pct(o["presence"]),
                    _pct(o["evidence_recall"]),
                    str(o["false_meets"]),
                    _pct(o["judgement_agreement"]),
                    _pct(o["judgement_needs_review"]),
                    _pct(o["verdict_accuracy"]),
                    _pct(o["citation_validity"]),
                    ocr.cell() if how in SCANNED else "-",
                    f"{o['seconds_per_plan']:.1f}",
                )
                if details:
                    _print_misses(console, set_name, how, per_plan, ra)
    console.print(table)


def _print_misses(
    console: Console,
    set_name: str,
    how: str,
    per_plan: list[tuple[LabelledPlan, PlanScore, Assessment]],
    ra: ReviewAssistant,
) -> None:
    for plan, _, result in per_plan:
        for item in result.items:
            gold = plan.gold[item.criterion_id]
            if gold.verdict != item.verdict:
                kind = ra.rubric.get(item.criterion_id).kind
                console.print(
                    f"[{set_name}/{how}] {plan.name} {item.criterion_id} ({kind}) "
                    f"gold={gold.verdict.value}{'' if gold.clear else '?'} draft={item.verdict.value}"
                )
