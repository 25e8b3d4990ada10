"""Plan submissions as prefectures really send them: Word documents and their LibreOffice PDF export.

The drawn PDFs of ``support.pdfgen`` round-trip text exactly, which is right for checking our own code
but kinder than real input. Office exports carry what extraction has to survive: subset CJK fonts,
a running header and a page-number footer on every page, Word tables whose cells come out on separate
lines, paragraphs wrapped at about 40 characters, and spaces that PDF text extraction puts between
Japanese and digits. The page-string format is the same as ``write_plan_pdf``'s, and one string still
becomes exactly one physical page, because the labelled plans cite physical pages.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from pydantic import BaseModel
from pypdf import PdfReader

FONT_NAME = "IPAexGothic"
BODY_PT = 10.5
#: The smallest body size tried before a page that will not fit is reported as an error.
MIN_BODY_PT = 8.0
_STEP_PT = 0.5
# Word's Japanese A4 default: 30 mm sides give a 150 mm line, 40 characters at 10.5 pt.
_MARGINS_MM = {"top": 35.0, "bottom": 30.0, "left": 30.0, "right": 30.0}
_HEADER_FOOTER_MM = 15.0
_TEXT_WIDTH_MM = 210.0 - _MARGINS_MM["left"] - _MARGINS_MM["right"]
_HEADING_SCALE = {1: 4 / 3, 2: 8 / 7}
# Word's Japanese template sets 18 pt lines for 10.5 pt type; a little tighter keeps dense plans on a page.
_LINE_SPACING = 1.4
EXPORT_TIMEOUT_S = 180.0
# Fixed document dates keep the .docx parts identical between runs.
_DOC_DATE = datetime(2026, 3, 1, tzinfo=UTC)
_HEADING_RE = re.compile(r"^(#{1,2}) (.*)$")
_DIGIT_RE = re.compile(r"[0-9０-９]")
_CELL_SEP = "："


class OfficeExportError(RuntimeError):
    """LibreOffice is missing, failed, or timed out while converting a document."""


class PageOverflowError(OfficeExportError):
    """A plan page did not fit on one physical page even at the smallest body size."""


class _Block(BaseModel):
    kind: Literal["heading", "paragraph", "table"]
    level: int = 0
    text: str = ""
    rows: list[list[str]] = []


def write_plan_docx(
    path: Path,
    pages: list[str],
    *,
    title: str | None = None,
    header: str | None = "別紙",
    page_numbers: bool = True,
    body_pt: float = BODY_PT,
) -> Path:
    """Write the plan as a Word document: one hard page break after each page string.

    ``# ``/``## `` lines become Heading 1/2, runs of two or more lines split by 「：」 into the same
    number of cells become a real table, and every other non-blank line is a paragraph.
    """
    if not pages:
        raise ValueError("a document needs at least one page")
    doc = Document()
    _setup_document(doc, title=title, header=header, page_numbers=page_numbers, body_pt=body_pt)
    for number, page in enumerate(pages, start=1):
        last = number == len(pages)
        blocks = _blocks(page)
        if not blocks:
            raise ValueError(f"page {number} has no text")
        paragraph: Paragraph | None = None
        for block in blocks:
            paragraph = _add_block(doc, block)
        if last:
            continue
        # Like Ctrl+Enter in Word: the break ends the page's last paragraph, or follows a table in a
        # paragraph of its own (Word always keeps a paragraph after a table).
        target = paragraph if paragraph is not None else doc.add_paragraph()
        target.add_run().add_break(WD_BREAK.PAGE)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def export_pdf(docx: Path, out_dir: Path, *, timeout_s: float = EXPORT_TIMEOUT_S) -> Path:
    """Convert with headless LibreOffice, in a private profile so parallel conversions don't collide."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise OfficeExportError(
            "LibreOffice (soffice) was not found on PATH; install libreoffice-writer-nogui "
            "(scripts/setup.sh --test)"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{docx.stem}.pdf"
    target.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="ra-lo-profile-") as profile:
        cmd = [
            soffice,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            str(docx),
        ]
        stdout, stderr, returncode = _run_own_group(cmd, timeout_s)
    if returncode != 0 or not target.is_file():
        raise OfficeExportError(
            f"LibreOffice could not convert {docx.name} (exit {returncode}): {(stderr or stdout).strip()}"
        )
    return target


def write_office_plan_pdf(
    path: Path,
    pages: list[str],
    *,
    title: str | None = None,
    header: str | None = "別紙",
    page_numbers: bool = True,
) -> Path:
    """The plan as Word would export it, one physical page per string; smaller type if a page overflows.

    The body shrinks in 0.5 pt steps for the whole document (as a person fixing the layout would do)
    down to ``MIN_BODY_PT``; past that the page that still overflows is named in the error.
    """
    body = BODY_PT
    with tempfile.TemporaryDirectory(prefix="ra-office-") as tmp:
        while True:
            docx = write_plan_docx(
                Path(tmp) / f"{path.stem}.docx",
                pages,
                title=title,
                header=header,
                page_numbers=page_numbers,
                body_pt=body,
            )
            pdf = export_pdf(docx, Path(tmp))
            count = len(PdfReader(pdf).pages)
            if count == len(pages):
                path.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(pdf, path)
                return path
            if count < len(pages) or body - _STEP_PT < MIN_BODY_PT:
                raise PageOverflowError(
                    f"{path.name}: {len(pages)} plan pages became {count} PDF pages at {body} pt; "
                    f"{_overflow_hint(pdf, pages)}"
                )
            body -= _STEP_PT


def _run_own_group(cmd: list[str], timeout_s: float) -> tuple[str, str, int]:
    """Run in a new process group: soffice is a wrapper script, so on a timeout killing the wrapper
    alone would leave soffice.bin running."""
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired as exc:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise OfficeExportError(
            f"LibreOffice did not finish within {timeout_s:.0f} s: {' '.join(cmd)}"
        ) from exc
    return stdout, stderr, proc.returncode


def _overflow_hint(pdf: Path, pages: list[str]) -> str:
    """Name the first plan page whose successor does not start its own PDF page."""
    texts = [re.sub(r"\s", "", page.extract_text() or "") for page in PdfReader(pdf).pages]
    for number in range(2, len(pages) + 1):
        lead = _lead_text(pages[number - 1])
        if number > len(texts) or lead not in texts[number - 1]:
            return f"plan page {number - 1} does not fit on one page; shorten it or split it"
    return "a plan page does not fit on one page; shorten it or split it"


def _lead_text(page: str) -> str:
    """A few characters from the page's first line that survive extraction (no markup, no 「：」)."""
    first = next(line for line in page.split("\n") if line.strip())
    first = _HEADING_RE.sub(r"\2", first).split(_CELL_SEP)[0]
    return re.sub(r"\s", "", first)[:8]


def _blocks(page: str) -> list[_Block]:
    lines = [line for line in page.split("\n") if line.strip()]
    blocks: list[_Block] = []
    i = 0
    while i < len(lines):
        heading = _HEADING_RE.match(lines[i])
        if heading:
            blocks.append(_Block(kind="heading", level=len(heading.group(1)), text=heading.group(2)))
            i += 1
            continue
        cells = _cells(lines[i])
        end = i + 1
        while cells and end < len(lines) and len(_cells(lines[end])) == len(cells):
            end += 1
        if end - i >= 2:
            blocks.append(_Block(kind="table", rows=[_cells(line) for line in lines[i:end]]))
            i = end
        else:
            blocks.append(_Block(kind="paragraph", text=lines[i]))
            i += 1
    return blocks


def _cells(line: str) -> list[str]:
    """The cells of a 「工程：調達先：比率」 style row, or [] for a line that is not one."""
    if _HEADING_RE.match(line):
        return []
    parts = [part.strip() for part in line.split(_CELL_SEP)]
    return parts if len(parts) >= 2 and all(parts) else []


def _add_block(doc: DocxDocument, block: _Block) -> Paragraph | None:
    if block.kind == "heading":
        return doc.add_paragraph(block.text, style=f"Heading {block.level}")
    if block.kind == "paragraph":
        return doc.add_paragraph(block.text)
    _add_table(doc, block.rows)
    return None


def _add_table(doc: DocxDocument, rows: list[list[str]]) -> None:
    cols = len(rows[0])
    table = doc.add_table(rows=len(rows), cols=cols, style="Table Grid")
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    # Columns get room in proportion to their longest cell, as someone dragging the borders would.
    longest = [max(len(row[c]) for row in rows) for c in range(cols)]
    total = sum(longest)
    widths = [Mm(_TEXT_WIDTH_MM * max(n / total, 0.6 / cols)) for n in longest]
    scale = Mm(_TEXT_WIDTH_MM) / sum(widths)
    widths = [int(w * scale) for w in widths]
    # A first row without figures reads as column labels: bold, and repeated if the table breaks.
    header = not any(_DIGIT_RE.search(cell) for cell in rows[0])
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            cell = table.cell(r, c)
            cell.width = widths[c]
            run = cell.paragraphs[0].add_run(text)
            run.bold = header and r == 0
    for c, column in enumerate(table.columns):
        column.width = widths[c]
    if header:
        tr_pr = table.rows[0]._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:tblHeader"))


def _setup_document(
    doc: DocxDocument, *, title: str | None, header: str | None, page_numbers: bool, body_pt: float
) -> None:
    props = doc.core_properties
    props.title = title or ""
    props.author = ""
    props.last_modified_by = ""
    props.created = props.modified = _DOC_DATE.replace(tzinfo=None)
    props.revision = 1
    _set_defaults(doc, body_pt)
    _set_style(doc, "Normal", body_pt, before=0.0, after=0.0, line=_LINE_SPACING)
    for level, scale in _HEADING_SCALE.items():
        size = round(body_pt * scale * 2) / 2
        _set_style(
            doc,
            f"Heading {level}",
            size,
            before=body_pt * (0.8 if level == 1 else 0.4),
            after=body_pt * 0.2,
            line=1.0,
        )
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(_MARGINS_MM["top"]), Mm(_MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(_MARGINS_MM["left"]), Mm(_MARGINS_MM["right"])
    section.header_distance = section.footer_distance = Mm(_HEADER_FOOTER_MM)
    if header:
        head = section.header.paragraphs[0]
        head.text = header
        head.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if page_numbers:
        foot = section.footer.paragraphs[0]
        foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
        foot.add_run("- ")
        _add_page_field(foot)
        foot.add_run(" -")


def _set_defaults(doc: DocxDocument, body_pt: float) -> None:
    """Document defaults name the Japanese font and language outright, replacing the template's theme
    fonts (Calibri/MS Mincho) that LibreOffice would otherwise substitute."""
    r_pr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(r_pr)
    r_pr.find(qn("w:lang")).set(qn("w:eastAsia"), "ja-JP")
    half_points = str(round(body_pt * 2))
    r_pr.find(qn("w:sz")).set(qn("w:val"), half_points)
    r_pr.find(qn("w:szCs")).set(qn("w:val"), half_points)
    spacing = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = spacing.find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")


def _set_style(
    doc: DocxDocument, name: str, size_pt: float, *, before: float, after: float, line: float
) -> None:
    style = doc.styles[name]
    style.font.size = Pt(size_pt)
    style.font.color.rgb = RGBColor(0, 0, 0)
    color = style.element.rPr.find(qn("w:color"))
    for attr in ("w:themeColor", "w:themeShade"):
        color.attrib.pop(qn(attr), None)
    _set_fonts(style.element.get_or_add_rPr())
    fmt = style.paragraph_format
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    fmt.line_spacing = line


def _set_fonts(r_pr: OxmlElement) -> None:
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    for attr in list(fonts.attrib):
        if attr.endswith("Theme") or attr.endswith("theme"):
            del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT_NAME)


def _add_page_field(paragraph: Paragraph) -> None:
    """A real PAGE field (begin/instr/separate/result/end), so the number is the renderer's own."""
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            run.text = text
