"""Opening a submitted .docx safely: every way the bytes can be wrong is named before python-docx runs.

A .docx is a ZIP package, so a hostile one can declare gigabytes behind a few kilobytes (a ZIP
bomb) or millions of entries, and a mis-saved one can be an old binary .doc, a password-protected
document (Word stores those as an OLE2 file, not a ZIP), a renamed PDF or Excel book, or a package
whose main part is missing. Each gets its own typed error, decided from the bytes and the ZIP's
central directory alone. Memory stays bounded because the declared uncompressed sizes are checked
against the settings' budget before any part is inflated, and :mod:`zipfile` never inflates a part
past its declared size (a part that lies about it fails its CRC check instead).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from typing import TYPE_CHECKING

from lxml import etree

from assistant.domain.errors import (
    CorruptDocxError,
    DocxMissingPartError,
    DocxTooLargeError,
    EmptyFileError,
    EncryptedDocxError,
    LegacyDocError,
    NotDocxError,
)
from assistant.settings import Settings

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Stream names in an OLE2 directory are UTF-16LE: Word's encrypted .docx, and the old binary .doc.
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_WORD_STREAM = "WordDocument".encode("utf-16-le")
#: A Word document has a few dozen parts (media included); far more is a hostile package.
MAX_PARTS = 5_000
_EOCD = b"PK\x05\x06"
_EOCD_SEARCH = 22 + 0xFFFF
_RELS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
#: What zipfile, lxml and python-docx raise on a damaged package besides their own errors (also used
#: while walking the parsed document).
BROKEN: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    etree.LxmlError,
    KeyError,
    ValueError,
    TypeError,
    AttributeError,
    IndexError,
    EOFError,
    NotImplementedError,
    struct.error,
    zlib.error,
)


def detail(exc: BaseException) -> str:
    text = str(exc).replace("\n", " ").strip()
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def check_bytes(data: bytes, source: str) -> None:
    """Name what the file really is when it is not a ZIP: nothing, an OLE2 file, a PDF, anything else."""
    if not data.strip():
        raise EmptyFileError(source)
    if data.startswith(OLE2_MAGIC):
        if _ENCRYPTED_STREAM in data:
            raise EncryptedDocxError(source)
        if _WORD_STREAM in data:
            raise LegacyDocError(source)
        raise NotDocxError(source, "旧形式のOffice文書（OLE2） / an old binary Office file")
    if data.startswith(b"%PDF-"):
        raise NotDocxError(source, "中身はPDFです。拡張子を .pdf にしてください / the file is a PDF")
    if not data.startswith(b"PK"):
        raise NotDocxError(source, "ZIP形式ではありません / not a ZIP package")


def _declared_parts(data: bytes, source: str) -> int:
    """Entries the end-of-central-directory record declares, read before zipfile builds its index."""
    at = data.rfind(_EOCD, max(0, len(data) - _EOCD_SEARCH))
    if at < 0 or at + 22 > len(data):
        raise CorruptDocxError(source, "ZIPの終端レコードがありません / no end of central directory")
    (entries,) = struct.unpack_from("<H", data, at + 10)
    return int(entries)


def open_zip(data: bytes, source: str, settings: Settings) -> zipfile.ZipFile:
    """The package's ZIP, once its declared part count and uncompressed sizes are within budget.

    The budget is the one a PDF's decompressed content has (``max_file_stream_bytes``): python-docx
    holds every part of the package in memory, so the sum of all parts is what is checked.
    """
    entries = _declared_parts(data, source)
    if entries == 0xFFFF or entries > MAX_PARTS:
        raise DocxTooLargeError(source, f"部品数が多すぎます / too many parts (limit {MAX_PARTS:,})")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except BROKEN as exc:
        raise CorruptDocxError(source, detail(exc)) from None
    if len(infos) > MAX_PARTS:
        raise DocxTooLargeError(source, f"部品数が多すぎます / too many parts (limit {MAX_PARTS:,})")
    declared = sum(info.file_size for info in infos)
    limit = settings.max_file_stream_bytes
    if declared > limit:
        raise DocxTooLargeError(
            source,
            f"展開後 {declared:,} バイト、上限 {limit:,} バイト / {declared:,} uncompressed bytes, limit {limit:,}",
        )
    if any(info.flag_bits & 0x1 for info in infos):
        raise EncryptedDocxError(source, "ZIPの暗号化 / encrypted ZIP entries")
    return archive


def _main_part(archive: zipfile.ZipFile, source: str) -> str:
    """The part the package's relationships name as its main document (``word/document.xml`` as Word
    writes it), which must exist: python-docx would otherwise fail with a bare ``KeyError``."""
    names = set(archive.namelist())
    if "[Content_Types].xml" not in names or "_rels/.rels" not in names:
        raise NotDocxError(source, "Office文書のZIPではありません / a ZIP, but not an Office document")
    try:
        rels = archive.read("_rels/.rels")
    except BROKEN as exc:
        raise CorruptDocxError(source, detail(exc)) from None
    try:
        root = etree.fromstring(rels, parser=_SAFE_XML)
    except BROKEN as exc:
        raise CorruptDocxError(source, detail(exc)) from None
    targets = [
        str(rel.get("Target") or "")
        for rel in root.iter(f"{_RELS_NS}Relationship")
        if str(rel.get("Type") or "").endswith("/officeDocument")
    ]
    if not targets or not targets[0]:
        raise DocxMissingPartError(source, "本文への参照がありません / no officeDocument relationship")
    name = targets[0].lstrip("/")
    if name not in names:
        raise DocxMissingPartError(source, f"{name} がありません / {name} is missing")
    return name


def open_document(data: bytes, source: str, settings: Settings) -> DocxDocument:
    """python-docx's view of the package, or a typed error; nothing is parsed before the checks pass."""
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    check_bytes(data, source)
    with open_zip(data, source, settings) as archive:
        _main_part(archive, source)
    try:
        return Document(io.BytesIO(data))
    except ValueError as exc:
        if "not a Word file" in str(exc):
            kind = str(exc).rsplit("content type is", 1)[-1].strip(" '")
            what = "Word文書以外のOffice文書 / another Office format" + (f" ({kind})" if kind else "")
            raise NotDocxError(source, what) from None
        raise CorruptDocxError(source, detail(exc)) from None
    except PackageNotFoundError as exc:
        raise NotDocxError(source, detail(exc)) from None
    except RecursionError:
        raise CorruptDocxError(source, "入れ子が深すぎます / nesting too deep") from None
    except MemoryError:
        raise DocxTooLargeError(source, "メモリ不足 / out of memory") from None
    except BROKEN as exc:
        raise CorruptDocxError(source, detail(exc)) from None
