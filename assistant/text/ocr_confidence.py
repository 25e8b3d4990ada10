"""How sure the OCR reading of a quote is, from the per-character confidence of its page.

A quote from a scanned page is verified against the OCR text, which proves only that the product
read it so, not that the page says so. Tesseract's word confidences separate the doubtful readings:
on the scanned labelled plans most wrong lines held a word below 50, and a wrong figure (「1.200」,
「159%%」) a digit word below 85. So a quote is *low-confidence* when any word in it is below
``ocr_min_confidence``, or any word with a digit is below ``ocr_min_number_confidence``: a single
misread digit changes what a reviewer would decide.
"""

from __future__ import annotations

import unicodedata

from pydantic import BaseModel, Field

from assistant.domain.models import PageText
from assistant.settings import Settings

from .normalize import nfkc


class QuoteReading(BaseModel):
    confidence: float
    low: bool
    doubtful_figure: bool = Field(description="A word with a digit was read below the figure threshold")


def _normalised_with_map(raw: str) -> tuple[str, list[int]]:
    """``raw`` NFKC-normalised with whitespace removed, and for each character its index in ``raw``."""
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(raw):
        for n in unicodedata.normalize("NFKC", ch):
            if not n.isspace():
                chars.append(n)
                where.append(i)
    return "".join(chars), where


def quote_reading(page: PageText | None, quote: str, settings: Settings) -> QuoteReading | None:
    """The reading of ``quote`` on an OCR page, or None for a text page or a quote not found on it."""
    if page is None or not page.ocr or not page.ocr_confidence:
        return None
    text, where = _normalised_with_map(page.raw)
    needle = "".join(nfkc(quote).split())
    start = text.find(needle) if needle else -1
    if start < 0:
        return None
    indexes = [where[k] for k in range(start, start + len(needle)) if where[k] < len(page.ocr_confidence)]
    if not indexes:
        return None
    scores = [page.ocr_confidence[i] for i in indexes]
    digits = [page.ocr_confidence[i] for i in indexes if page.raw[i].isdigit()]
    lowest = min(scores)
    figure = bool(digits) and min(digits) < settings.ocr_min_number_confidence * 100
    low = lowest < settings.ocr_min_confidence * 100 or figure
    return QuoteReading(confidence=round(lowest / 100, 2), low=low, doubtful_figure=figure)
