"""Show the page a quote was taken from, with the quote marked where it stands.

A draft's quote is only evidence if a reviewer can see it in context: the heading above it, the
table row it sits in, the sentence that qualifies it. The match uses the same rule as quote
verification (NFKC, whitespace removed) because extraction breaks lines at visual wraps, so a quote
that verified is found again here unless the page only has pixels (a scan that was OCR'd).
"""

from __future__ import annotations

import unicodedata
from ctypes import c_int
from pathlib import Path
from typing import NamedTuple

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageDraw

from assistant.domain.errors import NotFoundError

from .pdfium import PDFIUM_LOCK

_FILL = (255, 214, 0, 110)
_OUTLINE = (230, 120, 0, 255)
_PAD = 3

Box = tuple[int, int, int, int]


class PageHighlight(NamedTuple):
    """The rendered page; ``boxes`` are the pixel boxes (left, top, right, bottom) drawn, one per line."""

    image: Image.Image
    found: bool
    boxes: list[Box]


def _normalised_chars(text: str) -> list[str]:
    """Per-character NFKC without whitespace, so page and quote are folded the same way."""
    return [c for ch in text for c in unicodedata.normalize("NFKC", ch) if not c.isspace()]


def _page_chars(textpage: pdfium.PdfTextPage) -> tuple[str, list[int]]:
    """The page text in matching form, and for each of its characters the PDFium char index."""
    out: list[str] = []
    index: list[int] = []
    n = textpage.count_chars()
    i = 0
    while i < n:
        cp = pdfium_c.FPDFText_GetUnicode(textpage.raw, i)
        step = 1
        if 0xD800 <= cp < 0xDC00 and i + 1 < n:
            low = pdfium_c.FPDFText_GetUnicode(textpage.raw, i + 1)
            if 0xDC00 <= low < 0xE000:
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00)
                step = 2
        if 0 < cp <= 0x10FFFF and not 0xD800 <= cp < 0xE000:
            for c in _normalised_chars(chr(cp)):
                out.append(c)
                index.append(i)
        i += step
    return "".join(out), index


def _matched_indices(page_text: str, index: list[int], quote: str) -> list[int]:
    """PDFium char indices of every occurrence of the quote; a repeated quote is marked each time."""
    target = "".join(_normalised_chars(quote))
    if not target:
        return []
    hits: list[int] = []
    start = page_text.find(target)
    while start != -1:
        hits.extend(index[start : start + len(target)])
        start = page_text.find(target, start + len(target))
    return sorted(set(hits))


def _device_box(page: pdfium.PdfPage, size: tuple[int, int], box: tuple[float, float, float, float]) -> Box:
    """PDF user space (origin bottom-left, any crop box or /Rotate) to image pixels, via PDFium."""
    left, bottom, right, top = box
    xs, ys = [], []
    for x, y in ((left, bottom), (right, top)):
        dx, dy = c_int(), c_int()
        pdfium_c.FPDF_PageToDevice(page.raw, 0, 0, size[0], size[1], 0, x, y, dx, dy)
        xs.append(dx.value)
        ys.append(dy.value)
    return min(xs), min(ys), max(xs), max(ys)


def _merge_lines(boxes: list[Box]) -> list[Box]:
    """Join character boxes that share a line, so a highlight reads as one band per line."""
    merged: list[Box] = []
    for box in boxes:
        if merged:
            l0, t0, r0, b0 = merged[-1]
            l1, t1, r1, b1 = box
            overlap = min(b0, b1) - max(t0, t1)
            same_line = overlap > 0.5 * min(b0 - t0, b1 - t1)
            if same_line and l1 - r0 < (b1 - t1):
                merged[-1] = (min(l0, l1), min(t0, t1), max(r0, r1), max(b0, b1))
                continue
        merged.append(box)
    return merged


def _pad(box: Box, size: tuple[int, int]) -> Box:
    """A little air around the glyphs, so the outline never crosses them."""
    return (
        max(0, box[0] - _PAD),
        max(0, box[1] - _PAD),
        min(size[0] - 1, box[2] + _PAD),
        min(size[1] - 1, box[3] + _PAD),
    )


def has_page_images(path: Path) -> bool:
    """A Word document (.docx) has no pages to show: its citations name a heading and paragraph."""
    return Path(path).suffix.lower() not in (".docx", ".doc")


def render_page_with_highlight(
    pdf_path: Path, page: int | None, quote: str, *, scale: float = 1.5
) -> PageHighlight | None:
    """Render a 1-based page and mark the quote; ``found`` is False when the text layer lacks it.

    ``None`` when there is no page to render: a .docx submission, or a citation without a page (a
    .docx paragraph). Callers show the quote and its place (:func:`~assistant.domain.labels.where`)
    instead of an image.
    """
    if page is None or not has_page_images(pdf_path):
        return None
    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(str(pdf_path))
        try:
            if not 1 <= page <= len(pdf):
                raise NotFoundError(
                    f"{Path(pdf_path).name}: {page}頁はありません（全{len(pdf)}頁） / page {page} not in document"
                )
            pdf_page = pdf[page - 1]
            image = pdf_page.render(scale=scale).to_pil().convert("RGBA")
            textpage = pdf_page.get_textpage()
            page_text, index = _page_chars(textpage)
            boxes = []
            for i in _matched_indices(page_text, index, quote):
                box = _device_box(pdf_page, image.size, textpage.get_charbox(i, loose=True))
                if box[2] > box[0] and box[3] > box[1]:
                    boxes.append(box)
            textpage.close()
            pdf_page.close()
        finally:
            pdf.close()
    lines = [_pad(box, image.size) for box in _merge_lines(boxes)]
    if lines:
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        for box in lines:
            draw.rectangle(box, fill=_FILL, outline=_OUTLINE, width=2)
        image = Image.alpha_composite(image, overlay)
    return PageHighlight(image=image.convert("RGB"), found=bool(lines), boxes=lines)
