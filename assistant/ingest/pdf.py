"""Turn guideline files and plan PDFs into page-aware, Japanese-aware chunks.

Every chunk stays inside one page (or one Markdown section) and records its character offsets in
that page's joined text, so a quote drawn from a chunk can always be checked against the page it
cites.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import threading
from collections.abc import Iterable
from pathlib import Path

from langchain_core.documents import Document
from langchain_text_splitters import RecursiveCharacterTextSplitter
from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PdfStreamError

from .errors import (
    CorruptPdfError,
    EmptyFileError,
    EncryptedPdfError,
    GarbledTextError,
    NoTextLayerError,
    NotPdfError,
)
from .models import DocKind, PageText, ParsedDocument
from .settings import Settings, get_settings
from .textnorm import clean_extracted, garbled_ratio, join_wrapped_lines

GARBLED_THRESHOLD = 0.3
#: PDFium keeps process-wide state and is not thread-safe: OCR rendering here and the UI's page
#: rendering (assistant.pagerender) both take this lock.
PDFIUM_LOCK = threading.Lock()
_HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_EMPHASIS_RE = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------------------------------------
# PDFs
# ---------------------------------------------------------------------------------------------
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


def _page_labels(reader: PdfReader) -> list[str | None]:
    try:
        return list(reader.page_labels)
    except (PdfReadError, KeyError, ValueError, TypeError):
        return [None] * len(reader.pages)


def parse_pdf(
    path: Path, *, kind: DocKind = "plan", settings: Settings | None = None, data: bytes | None = None
) -> ParsedDocument:
    """Extract every page, OCR pages with no text layer when tesseract is installed.

    Raises a typed :class:`~assistant.errors.IngestError` when nothing usable can be read; pages
    that fail individually become warnings, so one scanned annex does not reject a whole plan.
    """
    settings = settings or get_settings()
    source = path.name
    data = path.read_bytes() if data is None else data
    reader = _open_pdf(data, source)
    labels = _page_labels(reader)
    use_ocr = settings.ocr_enabled and ocr_available()
    pages: list[PageText] = []
    warnings: list[str] = []
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
            warnings.append(
                f"{i + 1}頁: 文字化けのためテキストを使用できません（フォントの文字対応表の欠落）"
            )
            raw = ""
        elif not raw.strip():
            if use_ocr:
                raw = ocr_page(data, i, settings)
                ocr = True
                status = "ocr" if raw.strip() else "no_text"
                warnings.append(
                    f"{i + 1}頁: テキスト層がないためOCRで読み取りました（引用の信頼度は低めです）"
                )
            else:
                status = "no_text"
                warnings.append(f"{i + 1}頁: テキスト層がありません（スキャン画像）。OCRが必要です")
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
    title = _pdf_title(reader) or _first_line(pages)
    return ParsedDocument(
        doc_id=content_hash(data),
        source=source,
        path=str(path),
        kind=kind,
        title=title,
        pages=pages,
        warnings=warnings,
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


# ---------------------------------------------------------------------------------------------
# Markdown / text guidelines
# ---------------------------------------------------------------------------------------------
def parse_markdown(path: Path, *, kind: DocKind = "guideline", data: bytes | None = None) -> ParsedDocument:
    """Split a Markdown/text guideline into sections keyed by their nearest heading.

    Emphasis markers are dropped from the text (they are layout, not words), so quotes match
    what a reader sees.
    """
    data = path.read_bytes() if data is None else data
    if not data.strip():
        raise EmptyFileError(path.name)
    text = _COMMENT_RE.sub("", data.decode("utf-8-sig").replace("\r\n", "\n"))
    sections: list[PageText] = []
    heading = ""
    title = ""
    buf: list[str] = []

    def flush() -> None:
        body = "\n".join(buf).strip()
        if body or heading:
            raw = _EMPHASIS_RE.sub(lambda m: m.group(1) or m.group(2), body)
            sections.append(PageText(page=None, section=heading or path.stem, raw=raw, text=raw))

    for line in text.split("\n"):
        m = _HEADING_RE.match(line)
        if m:
            flush()
            buf = []
            heading = _EMPHASIS_RE.sub(lambda mm: mm.group(1) or mm.group(2), m.group(2))
            title = title or heading
            continue
        buf.append(line)
    flush()
    sections = [s for s in sections if s.text.strip()]
    return ParsedDocument(
        doc_id=content_hash(data),
        source=path.name,
        path=str(path),
        kind=kind,
        title=title or path.stem,
        pages=sections,
    )


def parse_file(
    path: Path, *, kind: DocKind | None = None, settings: Settings | None = None
) -> ParsedDocument:
    suffix = path.suffix.lower()
    if suffix in {".md", ".markdown", ".txt"}:
        return parse_markdown(path, kind=kind or "guideline")
    return parse_pdf(path, kind=kind or "plan", settings=settings)


# ---------------------------------------------------------------------------------------------
# Chunking
# ---------------------------------------------------------------------------------------------
def make_splitter(settings: Settings) -> RecursiveCharacterTextSplitter:
    """Sentence-respecting splitter: paragraphs, lines, then 。 and other sentence ends."""
    return RecursiveCharacterTextSplitter(
        chunk_size=settings.chunk_size,
        chunk_overlap=settings.chunk_overlap,
        separators=["\n\n", "\n", "。", "！", "？", "、", " ", ""],
        keep_separator="end",
        add_start_index=True,
        strip_whitespace=False,
    )


def chunk_document(
    doc: ParsedDocument, settings: Settings | None = None, *, prefecture: str | None = None
) -> list[Document]:
    """Chunks never straddle pages: each page (or section) is split on its own."""
    settings = settings or get_settings()
    splitter = make_splitter(settings)
    chunks: list[Document] = []
    for index, page in enumerate(doc.pages):
        if not page.text.strip():
            continue
        pieces = splitter.create_documents([page.text])
        for piece in pieces:
            text = piece.page_content
            start = int(piece.metadata.get("start_index", page.text.find(text)))
            lead = len(text) - len(text.lstrip())
            text = text.strip()
            if not text:
                continue
            start += lead
            chunks.append(
                Document(
                    page_content=text,
                    id=f"{doc.doc_id[:16]}:{page.page or f's{index}'}:{start}",
                    metadata={
                        "doc_id": doc.doc_id,
                        "source": doc.source,
                        "kind": doc.kind,
                        "page": page.page or 0,
                        "page_label": page.label or "",
                        "section": page.section or "",
                        "start": start,
                        "end": start + len(text),
                        "ocr": page.ocr,
                        "prefecture": prefecture or "",
                        "title": doc.title,
                    },
                )
            )
    return chunks


def iter_corpus_files(folder: Path) -> Iterable[Path]:
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.suffix.lower() in {".md", ".markdown", ".txt", ".pdf"}:
            yield p
