"""OCR for pages without a text layer: pypdfium2 renders, tesseract (jpn) reads."""

from __future__ import annotations

import shutil

from assistant.settings import Settings
from assistant.text.normalize import clean_extracted

from .pdfium import PDFIUM_LOCK


def ocr_available() -> bool:
    return shutil.which("tesseract") is not None


def ocr_page(data: bytes, page_index: int, settings: Settings) -> str:
    """Render with pypdfium2 and OCR with tesseract; returns text cleaned of inter-CJK spaces."""
    import pypdfium2 as pdfium
    import pytesseract

    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(data)
        try:
            image = pdf[page_index].render(scale=settings.ocr_dpi / 72).to_pil()
        finally:
            pdf.close()
    return clean_extracted(pytesseract.image_to_string(image, lang=settings.ocr_lang))
