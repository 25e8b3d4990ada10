"""Broken and hostile Word files, made from real ones: every way a submitted .docx can be wrong.

Each maker returns the file's bytes. They start from a real document written by python-docx (or, for
the old binary format, converted by LibreOffice) and damage it the way it happens in practice: a
truncated upload, a package without its main part, a ZIP bomb, a ZIP that lies about its sizes, an
Excel book renamed, a password-protected document, an old .doc renamed to .docx.
"""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from docx import Document

from .ole2 import encrypted_docx_bytes
from .pdfgen import write_plan_pdf

PLAN_TEXT = (
    "令和8年度 地域産業クラスター計画",
    "本計画は、県内企業が連携して協働ロボットを生産するものである。",
)


def good_docx() -> bytes:
    doc = Document()
    doc.add_heading(PLAN_TEXT[0], level=1)
    doc.add_paragraph(PLAN_TEXT[1])
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def rezip(
    data: bytes, *, drop: tuple[str, ...] = (), replace: dict[str, bytes] | None = None, extra: int = 0
) -> bytes:
    """The package rewritten: members dropped or replaced, and ``extra`` empty members added."""
    replace = replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename not in drop:
                dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
        for n in range(extra):
            dst.writestr(f"extra/part{n}.xml", b"")
    return out.getvalue()


def zip_bomb(uncompressed: int = 200_000_000) -> bytes:
    """A well-formed .docx whose ``word/document.xml`` inflates to ``uncompressed`` bytes of spaces
    (about a thousandth of that on disk)."""
    out = io.BytesIO()
    base = zipfile.ZipFile(io.BytesIO(good_docx()))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in base.infolist():
            if info.filename != "word/document.xml":
                dst.writestr(info.filename, base.read(info.filename))
        with dst.open("word/document.xml", "w", force_zip64=False) as member:
            chunk = b" " * (1 << 20)
            left = uncompressed
            while left > 0:
                member.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)
    return out.getvalue()


def lying_sizes(data: bytes, member: str = "word/document.xml", declared: int = 200) -> bytes:
    """The package with ``member``'s uncompressed size understated in both its local header and the
    central directory: a bomb that passes a size check that trusts the header alone."""
    buf = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(member)
    struct.pack_into("<I", buf, info.header_offset + 22, declared)
    name = member.encode("utf-8")
    at = buf.find(b"PK\x01\x02")
    while at >= 0:
        (name_len,) = struct.unpack_from("<H", buf, at + 28)
        if bytes(buf[at + 46 : at + 46 + name_len]) == name:
            struct.pack_into("<I", buf, at + 24, declared)
            return bytes(buf)
        at = buf.find(b"PK\x01\x02", at + 4)
    raise ValueError(f"{member} not in the central directory")


def another_office_format() -> bytes:
    """A package whose main part is declared as an Excel sheet, as in a renamed .xlsx."""
    data = good_docx()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml")
    types = types.replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    )
    return rezip(data, replace={"[Content_Types].xml": types})


def legacy_doc(timeout_s: float = 180.0) -> bytes:
    """A real Word 97-2003 (.doc) file: the good document converted by headless LibreOffice."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError("LibreOffice (soffice) is needed; install libreoffice-writer-nogui")
    with tempfile.TemporaryDirectory(prefix="ra-doc-") as tmp:
        src = Path(tmp) / "plan.docx"
        src.write_bytes(good_docx())
        profile = (Path(tmp) / "profile").as_uri()
        subprocess.run(
            [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
             "--convert-to", "doc", "--outdir", tmp, str(src)],
            check=True, capture_output=True, timeout=timeout_s, start_new_session=True,
        )  # fmt: skip
        return (Path(tmp) / "plan.doc").read_bytes()


def pdf_bytes() -> bytes:
    with tempfile.TemporaryDirectory(prefix="ra-pdf-") as tmp:
        return write_plan_pdf(Path(tmp) / "plan.pdf", list(PLAN_TEXT)).read_bytes()


def deeply_nested() -> bytes:
    """``word/document.xml`` nested far deeper than any document: lxml's depth limit must refuse it."""
    depth = 100_000
    xml = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        + b"<w:sdt><w:sdtContent>" * depth
        + b"</w:sdtContent></w:sdt>" * depth
        + b"</w:body></w:document>"
    )
    return rezip(good_docx(), replace={"word/document.xml": xml})


def no_text() -> bytes:
    doc = Document()
    doc.add_paragraph("")
    doc.add_paragraph("   ")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


#: Each broken kind: how to make it, and the error code it must be reported with.
BROKEN: dict[str, tuple[Callable[[], bytes], str]] = {
    "empty": (lambda: b"", "empty"),
    "not_a_zip": (lambda: "計画書です（テキストファイル）".encode(), "not_docx"),
    "renamed_pdf": (pdf_bytes, "not_docx"),
    "plain_zip": (lambda: rezip(good_docx(), drop=("[Content_Types].xml", "_rels/.rels")), "not_docx"),
    "excel_renamed": (another_office_format, "not_docx"),
    "truncated": (lambda: good_docx()[: len(good_docx()) // 2], "corrupt"),
    "missing_document_xml": (lambda: rezip(good_docx(), drop=("word/document.xml",)), "missing_part"),
    "broken_xml": (lambda: rezip(good_docx(), replace={"word/document.xml": b"<w:document"}), "corrupt"),
    "deeply_nested": (deeply_nested, "corrupt"),
    "broken_styles": (lambda: rezip(good_docx(), replace={"word/styles.xml": b"<w:styles><oops"}), "corrupt"),
    "zip_bomb": (zip_bomb, "content_too_large"),
    "lying_sizes": (lambda: lying_sizes(zip_bomb(20_000_000)), "corrupt"),
    "too_many_parts": (lambda: rezip(good_docx(), extra=5_001), "content_too_large"),
    "encrypted": (encrypted_docx_bytes, "encrypted"),
    "legacy_doc": (legacy_doc, "legacy_doc"),
    "no_text": (no_text, "no_text"),
}
