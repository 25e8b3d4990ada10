"""Pages without a text layer, read by OCR after the text pages, several at a time.

The PDF parser first reads every text layer, noting the pages that have none; this module then OCRs
those pages in parallel (:func:`~assistant.ingest.ocr.ocr_pages`) and fills them in with their
per-character confidence. A page too large to render, or one tesseract fails on, keeps no text and
gets its own notice, so one bad page never costs the others.
"""

from __future__ import annotations

from pypdf import PageObject

from assistant.domain.models import PageText
from assistant.domain.notices import Notice
from assistant.settings import Settings
from assistant.text.normalize import join_wrapped_lines

from .furniture import repeated_text_lines, strip_text_furniture
from .ocr import OcrPage, ocr_pages


def _pixels(page: PageObject, settings: Settings) -> float:
    box = page.cropbox
    scale = settings.ocr_dpi / 72
    return abs(float(box.width) * scale) * abs(float(box.height) * scale)


def _detail(exc: BaseException) -> str:
    text = str(exc).replace("\n", " ").strip()
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def read_scanned(
    data: bytes, scanned: dict[int, PageObject], pages: list[PageText], settings: Settings
) -> list[Notice]:
    """OCR the pages in ``scanned`` (0-based index → page) and update ``pages`` in place."""
    notices: list[Notice] = []
    readable: list[int] = []
    for index, page in scanned.items():
        number = index + 1
        try:
            pixels = _pixels(page, settings)
        except (ValueError, KeyError, TypeError, AttributeError):
            pixels = 0.0
        if pixels > settings.max_ocr_pixels:
            notices.append(
                Notice(
                    kind="other",
                    page=number,
                    message=f"{number}頁: ページが大きすぎるためOCRを省略しました（{pixels / 1e6:,.0f}百万画素） / "
                    "page too large to OCR; skipped",
                )
            )
        else:
            readable.append(index)
    results = ocr_pages(data, readable, settings)
    read = [r for r in results.values() if not isinstance(r, Exception)]
    repeated = repeated_text_lines([r.text for r in read], [r.edges for r in read])
    for index, result in results.items():
        number = index + 1
        if isinstance(result, Exception):
            notices.append(
                Notice(
                    kind="other",
                    page=number,
                    message=f"{number}頁: OCRに失敗しました / OCR failed ({_detail(result)})",
                )
            )
            continue
        _fill(pages, index, result, repeated)
        notices.append(
            Notice(
                kind="ocr",
                page=number,
                message=f"{number}頁: テキスト層がないためOCRで読み取りました（引用の信頼度は低めです）",
            )
        )
    return notices


def _fill(pages: list[PageText], index: int, read: OcrPage, repeated: set[tuple[str, str]]) -> None:
    """``raw`` keeps every line OCR read, with its confidences, so quotes are verified against the
    whole page; ``text``, what chunks and evidence see, loses the running headers and page numbers
    the same way a text page does (a printed office export carries them on every scanned page)."""
    target = next(p for p in pages if p.page == index + 1)
    target.raw = read.text
    target.text = join_wrapped_lines(strip_text_furniture(read.text, repeated, read.edges))
    target.ocr = True
    target.status = "ocr" if read.text.strip() else "no_text"
    target.ocr_confidence = read.confidence
