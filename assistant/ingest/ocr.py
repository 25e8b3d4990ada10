"""OCR for pages without a text layer: pypdfium2 renders, tesseract (jpn) reads, and says how sure it is.

Scanned submissions come from flatbeds: a slight rotation and speckle. Measured on four labelled plans
printed and scanned at 200 dpi (22 pages): rendering at 300 dpi (better than 200 or 400),
straightening by the angle that makes text rows sharpest, and a 3×3 median filter against speckle
took OCR lines read exactly from 35% to 86%, and character agreement from 0.91 to 0.99.

Text is rebuilt from tesseract's words (``image_to_data``) so every character carries the confidence
of the word it came from: a quote shown from a scan can then say how sure the reading is, and a
number read with doubt sends its item to a person (:mod:`assistant.assess.ocr_quotes`).
"""

from __future__ import annotations

import re
import shutil
from concurrent.futures import ThreadPoolExecutor

from pydantic import BaseModel, Field

from assistant.settings import Settings, apply_process_env
from assistant.text.normalize import CELL_SEP

from .furniture import BAND
from .pdfium import PDFIUM_LOCK
from .scan_image import clean_scan
from .tables import Grid, cell_of, find_grids

_ASCII_WORD = re.compile(r"[A-Za-z0-9]$")
_ASCII_START = re.compile(r"^[A-Za-z0-9]")
#: OCR misreads that the surrounding characters decide, each a shape confusion common in printed
#: Japanese: a thousands comma read as a point (「1.200億円」; three decimals are rare in plans), a
#: doubled percent sign, a lone katakana between kanji that is the kanji of the same shape
#: (「新エ場」→「新工場」, 「人ロ減少」→「人口減少」), 末 read as 未 after a period word (「年度未に」),
#: an arrow or a tilde between two figures read as つ or 一 (「35億円つ90億円」, 「令和9年度一令和10年度」),
#: a dash alone in a table cell read as 一 (「輸出額：一：80億円」), and the acronym AI read with a
#: lower-case L.
_KANJI = r"[\u4e00-\u9fff]"
_LOOKALIKE = {"エ": "工", "ロ": "口", "カ": "力", "ニ": "二", "タ": "夕", "ト": "卜"}
_FIGURE_END = r"(?:[0-9] *(?:億円|万円|円|億|万|人|名|社|件|点|%|％|t|トン|倍)|年度)"
_FIXES: tuple[tuple[re.Pattern[str], str | None], ...] = (
    (re.compile(r"(?<![0-9.])([1-9][0-9]{0,2})\.([0-9]{3})(?![0-9.])"), r"\1,\2"),
    (re.compile(r"([%％])[%％]+"), r"\1"),
    (re.compile(rf"(?<={_KANJI})([{''.join(_LOOKALIKE)}])(?={_KANJI})"), None),
    (re.compile(r"(?<=[年月期]度)未(?=[にのでまは、。])|(?<=[月期])未(?=[にのでまは、。])"), "末"),
    (re.compile(rf"({_FIGURE_END}) *つ *(?=令和|平成|[0-9])"), r"\1→"),
    (re.compile(r"(?<=年度)一(?=令和|平成|[0-9])"), "～"),
    (re.compile(r"(?<=[:：|｜\t]) *一 *(?=[:：|｜\t]|$)", re.MULTILINE), "－"),
    (re.compile(r"(?<![A-Za-z])Al(?![A-Za-z])"), "AI"),
)


class OcrPage(BaseModel):
    """One page read by OCR: its text and, per character of it, the reading's confidence (0-100)."""

    text: str
    confidence: list[int]
    edges: tuple[int, int] = Field(
        default=(0, 0),
        description="How many of its first and of its last lines stand in the page's top and bottom "
        "bands, where running headers and page numbers are (:mod:`assistant.ingest.furniture`)",
    )


def ocr_available() -> bool:
    return shutil.which("tesseract") is not None


def ocr_pages(data: bytes, indexes: list[int], settings: Settings) -> dict[int, OcrPage | Exception]:
    """OCR the 0-based ``indexes`` of a PDF, ``settings.ocr_workers`` pages at a time.

    Tesseract runs as a subprocess, so threads read pages in parallel; PDFium renders one at a time.
    A page that fails maps to its exception, so one bad page never loses the others.
    """
    if not indexes:
        return {}
    # One OpenMP thread per tesseract: several pages at once on 2 cores, not threads fighting.
    apply_process_env()
    workers = max(1, min(settings.ocr_workers, len(indexes)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {i: pool.submit(ocr_page, data, i, settings) for i in indexes}
    results: dict[int, OcrPage | Exception] = {}
    for i, future in futures.items():
        exc = future.exception()
        results[i] = exc if isinstance(exc, Exception) else future.result()
    return results


def ocr_page(data: bytes, page_index: int, settings: Settings) -> OcrPage:
    import pypdfium2 as pdfium
    import pytesseract

    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(data)
        try:
            image = pdf[page_index].render(scale=settings.ocr_dpi / 72, grayscale=True).to_pil()
        finally:
            pdf.close()
    cleaned = clean_scan(image.convert("L"), settings.ocr_dpi)
    words = pytesseract.image_to_data(
        cleaned.image,
        lang=settings.ocr_lang,
        output_type=pytesseract.Output.DICT,
        timeout=settings.ocr_page_timeout,
    )
    grids = find_grids(cleaned.rules)
    return _corrected(_assemble(words, grids, 72 / settings.ocr_dpi, cleaned.image.height))


def _assemble(
    words: dict[str, list], grids: list[Grid] | None = None, scale: float = 1.0, height: int = 0
) -> OcrPage:
    """Lines of words in reading order; a space only between two Latin/digit words (Japanese has none).

    A word inside a bordered table (``grids``, in points; ``scale`` turns pixels into points) joins
    its row instead of its visual line: the row is one line with its cells in column order, separated
    by tabs like a text page's table rows, each cell's words in reading order. So a first cell that
    wraps (「域内取引額（原料・資材の県内調達分に限」 / 「る）」) stays whole and beside its figures.
    ``height``, the image's, places lines in the page's top and bottom bands (``edges``).
    """
    lines: dict[tuple[object, ...], dict[int, list[tuple[str, int]]]] = {}
    first: dict[tuple[object, ...], int] = {}
    span: dict[tuple[object, ...], tuple[int, int]] = {}
    for k, word in enumerate(words["text"]):
        word = (word or "").strip()
        if not word:
            continue
        cell = None
        if grids:
            x = (words["left"][k] + words["width"][k] / 2) * scale
            y = (words["top"][k] + words["height"][k] / 2) * scale
            cell = cell_of(grids, x, y)
        key: tuple[object, ...] = (
            ("row", cell[0], cell[1])
            if cell
            else ("line", words["block_num"][k], words["par_num"][k], words["line_num"][k])
        )
        column = cell[2] if cell else 0
        lines.setdefault(key, {}).setdefault(column, []).append(
            (word, max(0, round(float(words["conf"][k]))))
        )
        first.setdefault(key, k)
        top, bottom = words["top"][k], words["top"][k] + words["height"][k]
        old = span.get(key, (top, bottom))
        span[key] = (min(old[0], top), max(old[1], bottom))
    text: list[str] = []
    confidence: list[int] = []
    order = sorted(lines, key=first.__getitem__)
    for n, key in enumerate(order):
        for c, column in enumerate(sorted(lines[key])):
            if n or c:
                text.append("\n" if not c else CELL_SEP)
                confidence.append(100)
            previous = ""
            for word, conf in lines[key][column]:
                if _ASCII_WORD.search(previous) and _ASCII_START.match(word):
                    text.append(" ")
                    confidence.append(conf)
                text.append(word)
                confidence += [conf] * len(word)
                previous = word
    return OcrPage(
        text="".join(text), confidence=confidence, edges=_edges([span[key] for key in order], height)
    )


def _edges(spans: list[tuple[int, int]], height: int) -> tuple[int, int]:
    """How many leading lines lie in the top band, and trailing ones in the bottom band."""
    if not height:
        return (0, 0)
    band = BAND * height
    top = next((i for i, (_, bottom) in enumerate(spans) if bottom > band), len(spans))
    tail = next((i for i, (top_, _) in enumerate(reversed(spans)) if top_ < height - band), len(spans))
    return (top, tail)


def _corrected(page: OcrPage) -> OcrPage:
    """Apply the shape corrections, keeping one confidence per character (a replacement takes the
    lowest confidence of what it replaces)."""
    text, conf = page.text, list(page.confidence)
    for pattern, replacement in _FIXES:
        out: list[str] = []
        out_conf: list[int] = []
        last = 0
        for m in pattern.finditer(text):
            out.append(text[last : m.start()])
            out_conf += conf[last : m.start()]
            fixed = _LOOKALIKE[m.group(1)] if replacement is None else m.expand(replacement)
            out.append(fixed)
            out_conf += [min(conf[m.start() : m.end()] or [100])] * len(fixed)
            last = m.end()
        out.append(text[last:])
        out_conf += conf[last:]
        text, conf = "".join(out), out_conf
    return page.model_copy(update={"text": text, "confidence": conf})
