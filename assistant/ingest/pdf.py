"""Plan PDFs: every page extracted, pages without a text layer OCR'd when tesseract is installed.

pypdf's extraction is each page's ``raw`` text, which quotes are verified against; the text chunks and
evidence read is rebuilt from the page layout without headers, footers and page numbers
(:mod:`assistant.ingest.layout_text`).

Plans come from outside, so a file may be hostile: reference loops, cyclic page trees, nesting
thousands deep, or content that inflates a thousandfold. pypdf has safety limits for all of these;
parsing runs under tighter ones taken from the settings, and every way pypdf or PDFium can fail
becomes a typed error or, when only one page is affected, a notice on that page.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pypdf import PageObject, PdfReader, apply_configuration
from pypdf.errors import DependencyError, FileNotDecryptedError, LimitReachedError, PyPdfError
from pypdf.generic import ArrayObject, EncodedStreamObject, StreamObject

from assistant.domain.errors import (
    ContentTooLargeError,
    CorruptPdfError,
    EmptyFileError,
    EncryptedPdfError,
    GarbledTextError,
    NoTextLayerError,
    NotPdfError,
    PdfLimitError,
    TooManyPagesError,
    UnsupportedPdfError,
)
from assistant.domain.models import DocKind, PageText, ParsedDocument
from assistant.domain.notices import Notice
from assistant.settings import Settings
from assistant.text.normalize import clean_extracted, garbled_ratio, join_wrapped_lines

from .files import content_hash, read_input, source_name
from .layout_text import read_page_texts
from .ocr import ocr_available
from .scanned import read_scanned

GARBLED_THRESHOLD = 0.3

#: What pypdf raises on a malformed file besides its own errors: it indexes and converts values
#: read from the file without checking them first.
_BROKEN: tuple[type[Exception], ...] = (
    PyPdfError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    ZeroDivisionError,
    OverflowError,
    AssertionError,
    struct.error,
    zlib.error,
)
#: A safety limit reached: pypdf's own, or Python's recursion limit on deeply nested objects.
_LIMITS = (LimitReachedError, RecursionError)


def _pypdf_limits(settings: Settings) -> dict[str, Any]:
    """pypdf's limits, tightened to this product's budgets.

    A single stream may inflate to four page budgets: object streams and fonts are legitimately
    larger than one page's text, and page content is held to its own budget by :func:`_page_text`.
    About one token per four bytes is what real content streams hold at their densest, so the parse
    limit follows the page budget; parsing costs far more memory than the bytes it reads.
    """
    stream = 4 * settings.max_page_stream_bytes
    return {
        "zlib_maximum_output_length": stream,
        "lzw_maximum_output_length": stream,
        "run_length_maximum_output_length": stream,
        "brotli_maximum_output_length": stream,
        "array_based_stream_maximum_output_length": stream,
        "stream_parsing_work_maximum_count": max(1, settings.max_page_stream_bytes // 4),
        "xform_maximum_invocations_per_extraction": 1_000,
    }


def _detail(exc: BaseException) -> str:
    text = str(exc).replace("\n", " ").strip()
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def _open_pdf(data: bytes, source: str) -> PdfReader:
    if not data.strip():
        raise EmptyFileError(source)
    if b"%PDF-" not in data[:1024]:
        raise NotPdfError(source)
    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except LimitReachedError as exc:
        raise PdfLimitError(source, _detail(exc)) from exc
    except DependencyError as exc:
        raise UnsupportedPdfError(source, _detail(exc)) from exc
    except _BROKEN as exc:
        raise CorruptPdfError(source, str(exc)) from exc
    if encrypted:
        try:
            opened = reader.decrypt("")
        except (DependencyError, NotImplementedError) as exc:
            raise EncryptedPdfError(source, str(exc)) from exc
        except _BROKEN as exc:
            raise CorruptPdfError(source, _detail(exc)) from exc
        if not opened:
            raise EncryptedPdfError(source)
    return reader


def _page_count(reader: PdfReader, source: str, settings: Settings) -> int:
    try:
        n_pages = len(reader.pages)
    except LimitReachedError as exc:
        raise PdfLimitError(source, _detail(exc)) from exc
    except FileNotDecryptedError as exc:
        raise EncryptedPdfError(source, str(exc)) from exc
    except DependencyError as exc:
        raise UnsupportedPdfError(source, _detail(exc)) from exc
    except _BROKEN as exc:
        raise CorruptPdfError(source, str(exc)) from exc
    if n_pages > settings.max_pages:
        raise TooManyPagesError(
            source, f"{n_pages}頁、上限 {settings.max_pages}頁 / {n_pages} pages, limit {settings.max_pages}"
        )
    return n_pages


def _page_labels(reader: PdfReader) -> list[str | None]:
    """Labels only decorate page numbers: a broken or hostile label tree means no labels, never an error."""
    try:
        return list(reader.page_labels)
    except (*_LIMITS, DependencyError, *_BROKEN):
        return []


@dataclass
class _Budget:
    """Decompressed page content so far; a file past ``file_limit`` is refused as a whole."""

    page_limit: int
    file_limit: int
    used: int = 0
    oversized_pages: int = 0
    limit_details: list[str] = field(default_factory=list)

    def charge(self, size: int, source: str) -> None:
        self.used += size
        if self.used > self.file_limit:
            raise ContentTooLargeError(
                source,
                f"展開後 {self.used:,} バイト以上、上限 {self.file_limit:,} バイト"
                f" / at least {self.used:,} decompressed bytes, limit {self.file_limit:,}",
            )


def _content_streams(page: PageObject) -> list[StreamObject]:
    contents = page.get("/Contents")
    if contents is None:
        return []
    contents = contents.get_object()
    items = list(contents) if isinstance(contents, ArrayObject) else [contents]
    return [s for s in (item.get_object() for item in items) if isinstance(s, StreamObject)]


def _decoded_size(streams: list[StreamObject], limit: int) -> int:
    """Decoded bytes of a page's content, counted stream by stream and stopped once past ``limit``.

    A stream that pypdf refuses to inflate past its own cap counts as over the limit.
    """
    total = 0
    for stream in streams:
        try:
            total += len(stream.get_data())
        except LimitReachedError:
            return max(total, limit) + 1
        if total > limit:
            break
    return total


def _release(streams: list[StreamObject]) -> None:
    """Drop pypdf's cached inflated copies, so memory holds one page's content, not the whole file's."""
    for stream in streams:
        if isinstance(stream, EncodedStreamObject):
            stream.decoded_self = None


def _page_text(page: PageObject, number: int, budget: _Budget, source: str) -> tuple[str, Notice | None]:
    """The page's text, or ``""`` and a notice when it is over budget or hits a safety limit."""
    streams: list[StreamObject] = []
    try:
        streams = _content_streams(page)
        size = _decoded_size(streams, budget.page_limit)
        budget.charge(min(size, budget.page_limit + 1), source)
        if size > budget.page_limit:
            budget.oversized_pages += 1
            return "", Notice(
                kind="other",
                page=number,
                message=f"{number}頁: 内容が展開後 {budget.page_limit:,} バイトを超えるため読み取りを省略しました"
                f" / page content over {budget.page_limit:,} decompressed bytes; skipped",
            )
        return clean_extracted(page.extract_text() or ""), None
    except _LIMITS as exc:
        budget.limit_details.append(_detail(exc))
        return "", Notice(
            kind="other",
            page=number,
            message=f"{number}頁: 構造が異常なため読み取れませんでした（安全上の上限に到達） / page hit a "
            f"safety limit; skipped ({_detail(exc)})",
        )
    finally:
        _release(streams)


def parse_pdf(path: Path, *, kind: DocKind, settings: Settings, data: bytes | None = None) -> ParsedDocument:
    """Raises a typed :class:`~assistant.domain.errors.IngestError` when nothing usable can be read;
    pages that fail individually become notices, so one scanned annex does not reject a whole plan.

    Without ``data`` the file is read through :func:`~assistant.ingest.files.read_input`, which
    refuses anything but a regular file within the size cap.
    """
    source = source_name(path)
    data = read_input(path, max_bytes=settings.max_file_bytes) if data is None else data
    try:
        with apply_configuration(**_pypdf_limits(settings)):
            return _parse(path, data, source, kind, settings)
    except RecursionError as exc:
        raise PdfLimitError(source, "入れ子が深すぎます / nesting too deep") from exc
    except MemoryError as exc:
        raise PdfLimitError(source, "メモリ不足 / out of memory") from exc


def _parse(path: Path, data: bytes, source: str, kind: DocKind, settings: Settings) -> ParsedDocument:
    reader = _open_pdf(data, source)
    n_pages = _page_count(reader, source, settings)
    labels = _page_labels(reader)
    use_ocr = settings.ocr_enabled and ocr_available()
    budget = _Budget(settings.max_page_stream_bytes, settings.max_file_stream_bytes)
    pages: list[PageText] = []
    notices: list[Notice] = []
    scanned: dict[int, PageObject] = {}
    for i, page in _pages(reader, n_pages, source):
        try:
            raw, notice = _page_text(page, i + 1, budget, source)
        except FileNotDecryptedError as exc:
            raise EncryptedPdfError(source, str(exc)) from exc
        except DependencyError as exc:
            raise UnsupportedPdfError(source, f"page {i + 1}: {_detail(exc)}") from exc
        except _BROKEN as exc:
            raise CorruptPdfError(source, f"page {i + 1}: {exc}") from exc
        status = "ok"
        if notice is not None:
            status = "no_text"
            notices.append(notice)
        elif garbled_ratio(raw) > GARBLED_THRESHOLD:
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
                scanned[i] = page
                status = "no_text"
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
                status=status,
            )
        )
    if scanned:
        notices = sorted([*notices, *read_scanned(data, scanned, pages, settings)], key=lambda n: n.page or 0)
    _read_layout(data, pages)
    if not pages:
        raise EmptyFileError(source, "0 pages")
    if not any(p.text.strip() for p in pages):
        _raise_nothing_readable(pages, budget, source)
    return ParsedDocument(
        doc_id=content_hash(data),
        source=source,
        path=str(path),
        kind=kind,
        title=_pdf_title(reader) or _first_line(pages),
        pages=pages,
        notices=notices,
    )


def _read_layout(data: bytes, pages: list[PageText]) -> None:
    """Replace the text of every page with a text layer by its layout reading (OCR'd pages keep theirs)."""
    texts = read_page_texts(data, [p.raw if p.status == "ok" else "" for p in pages])
    for page, text in zip(pages, texts, strict=True):
        if page.status == "ok":
            page.text = text


def _pages(reader: PdfReader, n_pages: int, source: str) -> Iterator[tuple[int, PageObject]]:
    for i in range(n_pages):
        try:
            page = reader.pages[i]
        except _LIMITS as exc:
            raise PdfLimitError(source, f"page {i + 1}: {_detail(exc)}") from exc
        except _BROKEN as exc:
            raise CorruptPdfError(source, f"page {i + 1}: {exc}") from exc
        yield i, page


def _raise_nothing_readable(pages: list[PageText], budget: _Budget, source: str) -> None:
    """Name the real cause: a page skipped as too large is not a scan, and must not be called one."""
    if budget.oversized_pages:
        raise ContentTooLargeError(source, f"上限 {budget.page_limit:,} バイト/頁 / per-page budget")
    if budget.limit_details:
        raise PdfLimitError(source, budget.limit_details[0])
    if all(p.status == "garbled" for p in pages):
        raise GarbledTextError(source)
    raise NoTextLayerError(source)


def _pdf_title(reader: PdfReader) -> str:
    try:
        meta = reader.metadata
        return str(meta.title).strip() if meta and meta.title else ""
    except (*_LIMITS, *_BROKEN):
        return ""


def _first_line(pages: list[PageText]) -> str:
    for p in pages:
        for line in p.text.splitlines():
            if line.strip():
                return line.strip().lstrip("#").strip()[:120]
    return ""
