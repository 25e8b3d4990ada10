"""Plan PDFs: every page extracted, pages without a text layer OCR'd when tesseract is installed."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PdfStreamError

from assistant.domain.errors import (
    CorruptPdfError,
    EmptyFileError,
    EncryptedPdfError,
    GarbledTextError,
    NoTextLayerError,
    NotPdfError,
)
from assistant.domain.models import DocKind, PageText, ParsedDocument
from assistant.domain.notices import Notice
from assistant.settings import Settings
from assistant.text.normalize import clean_extracted, garbled_ratio, join_wrapped_lines

from .files import content_hash
from .ocr import ocr_available, ocr_page

GARBLED_THRESHOLD = 0.3


def _open_pdf(data: bytes, source: str) -> PdfReader:
    if not data.strip():
        raise EmptyFileError(source)
    if b"%PDF-" not in data[:1024]:
        raise NotPdfError(source)
    try:
        reader = PdfReader(io.BytesIO(data))
    except (PdfStreamError, PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise CorruptPdfError(source, str(exc)) from exc
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except (DependencyError, NotImplementedError) as exc:
            raise EncryptedPdfError(source, str(exc)) from exc
        if not opened:
            raise EncryptedPdfError(source)
    return reader


def _page_labels(reader: PdfReader) -> list[str | None]:
    try:
        return list(reader.page_labels)
    except (PdfReadError, KeyError, ValueError, TypeError):
        return [None] * len(reader.pages)


def parse_pdf(path: Path, *, kind: DocKind, settings: Settings, data: bytes | None = None) -> ParsedDocument:
    """Raises a typed :class:`~assistant.domain.errors.IngestError` when nothing usable can be read;
    pages that fail individually become notices, so one scanned annex does not reject a whole plan."""
    source = path.name
    data = path.read_bytes() if data is None else data
    reader = _open_pdf(data, source)
    labels = _page_labels(reader)
    use_ocr = settings.ocr_enabled and ocr_available()
    pages: list[PageText] = []
    notices: list[Notice] = []
    try:
        n_pages = len(reader.pages)
    except (PdfReadError, PdfStreamError, ValueError, KeyError) as exc:
        raise CorruptPdfError(source, str(exc)) from exc
    for i in range(n_pages):
        try:
            raw = clean_extracted(reader.pages[i].extract_text() or "")
        except FileNotDecryptedError as exc:
            raise EncryptedPdfError(source, str(exc)) from exc
        except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CorruptPdfError(source, f"page {i + 1}: {exc}") from exc
        status = "ok"
        ocr = False
        if garbled_ratio(raw) > GARBLED_THRESHOLD:
            status = "garbled"
            notices.append(
                Notice(
                    kind="garbled",
                    page=i + 1,
                    message=f"{i + 1}頁: 文字化けのためテキストを使用できません（フォントの文字対応表の欠落）",
                )
            )
            raw = ""
        elif not raw.strip():
            if use_ocr:
                raw = ocr_page(data, i, settings)
                ocr = True
                status = "ocr" if raw.strip() else "no_text"
                notices.append(
                    Notice(
                        kind="ocr",
                        page=i + 1,
                        message=f"{i + 1}頁: テキスト層がないためOCRで読み取りました（引用の信頼度は低めです）",
                    )
                )
            else:
                status = "no_text"
                notices.append(
                    Notice(
                        kind="no_text",
                        page=i + 1,
                        message=f"{i + 1}頁: テキスト層がありません（スキャン画像）。OCRが必要です",
                    )
                )
        pages.append(
            PageText(
                page=i + 1,
                label=labels[i] if i < len(labels) else None,
                raw=raw,
                text=join_wrapped_lines(raw),
                ocr=ocr,
                status=status,
            )
        )
    if not pages:
        raise EmptyFileError(source, "0 pages")
    if not any(p.text.strip() for p in pages):
        if all(p.status == "garbled" for p in pages):
            raise GarbledTextError(source)
        raise NoTextLayerError(source)
    return ParsedDocument(
        doc_id=content_hash(data),
        source=source,
        path=str(path),
        kind=kind,
        title=_pdf_title(reader) or _first_line(pages),
        pages=pages,
        notices=notices,
    )


def _pdf_title(reader: PdfReader) -> str:
    try:
        meta = reader.metadata
        return str(meta.title).strip() if meta and meta.title else ""
    except (PdfReadError, ValueError, TypeError):
        return ""


def _first_line(pages: list[PageText]) -> str:
    for p in pages:
        for line in p.text.splitlines():
            if line.strip():
                return line.strip().lstrip("#").strip()[:120]
    return ""
