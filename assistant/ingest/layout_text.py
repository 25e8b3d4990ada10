"""The text chunks and evidence read for each PDF page: read from the layout, checked against pypdf.

pypdf's extraction stays the page's ``raw`` text, the reference every quote is verified against.
What the product reads (``PageText.text``) is rebuilt from PDFium's layout by
:mod:`assistant.ingest.reading`, without the page furniture found by
:mod:`assistant.ingest.furniture`. Every line of it must be a stretch of the raw text once
whitespace is removed; a page where that fails (or whose text is not set in horizontal lines, or
that PDFium cannot read) falls back to the raw text with its wrapped lines joined and its edge lines
dropped when they are furniture. A shown quote is therefore always text pypdf found on the page.
"""

from __future__ import annotations

from collections.abc import Sequence

import pypdfium2 as pdfium

from assistant.text.normalize import join_wrapped_lines, squash

from .furniture import find_furniture, repeated_text_lines, strip_text_furniture
from .layout import PageLayout, Run, read_page
from .pdfium import PDFIUM_LOCK
from .reading import CELL_SEP, assemble, measure_block


def _read_layouts(data: bytes, wanted: Sequence[bool]) -> list[PageLayout | None]:
    """The layout of every wanted page; ``None`` for the others and wherever PDFium fails.

    The PDFium lock is taken page by page, so a page image the UI renders meanwhile waits for one
    page's reading, not the document's.
    """
    layouts: list[PageLayout | None] = [None] * len(wanted)
    if not any(wanted):
        return layouts
    with PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(data)
            count = len(pdf)
        except Exception:  # noqa: BLE001 - layout is an improvement over the raw text, never a requirement
            return layouts
    try:
        for i, want in enumerate(wanted[:count]):
            if want:
                with PDFIUM_LOCK:
                    page = pdf[i]
                    try:
                        layouts[i] = read_page(page)
                    finally:
                        page.close()
    except Exception:  # noqa: BLE001 - pages read so far keep their layout; the rest use the raw text
        pass
    finally:
        with PDFIUM_LOCK:
            pdf.close()
    return layouts


def _within(text: str, raw: str) -> bool:
    """Every line (every table row) is, without whitespace, a stretch of the raw extraction."""
    reference = squash(raw)
    return all(squash(line) in reference for line in text.split("\n"))


def _texts(raws: Sequence[str], layouts: Sequence[PageLayout | None], *, furniture: bool) -> list[str]:
    drops, repeated = find_furniture(layouts) if furniture else ([set()] * len(raws), set())
    unread = [raw for raw, layout in zip(raws, layouts, strict=True) if layout is None and raw.strip()]
    if furniture and len(unread) > 1:
        repeated |= repeated_text_lines(unread)
    runs: list[list[Run] | None] = [
        None if layout is None or layout.vertical else [r for r in layout.runs if r.order not in drop]
        for layout, drop in zip(layouts, drops, strict=True)
    ]
    block = measure_block(
        [r for r in runs if r is not None],
        [
            layout.width
            for layout, r in zip(layouts, runs, strict=True)
            if layout is not None and r is not None
        ],
    )
    out = []
    for raw, page_runs in zip(raws, runs, strict=True):
        text = assemble(page_runs, block) if page_runs is not None and raw.strip() else None
        if text is None or not _within(text, raw):
            text = join_wrapped_lines(strip_text_furniture(raw, repeated) if furniture else raw)
        out.append(text)
    return out


def read_page_texts(data: bytes, raws: Sequence[str]) -> list[str]:
    """The text to chunk and search for each page, given each page's cleaned pypdf extraction.

    Pages whose ``raw`` is empty (no text layer, skipped, OCR'd elsewhere) are not read: their text
    is their raw text joined. If furniture removal would leave the whole document without text, it
    is not applied: a line repeated on every page of a document that says nothing else is content.
    """
    layouts = _read_layouts(data, [bool(raw.strip()) for raw in raws])
    texts = _texts(raws, layouts, furniture=True)
    if not any(t.strip() for t in texts) and any(raw.strip() for raw in raws):
        texts = _texts(raws, layouts, furniture=False)
    return texts


__all__ = ["CELL_SEP", "read_page_texts"]
