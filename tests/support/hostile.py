"""Hostile and broken inputs for the ingest and batch tests, written as raw bytes or real file-system
objects so each one is exactly the attack it names, not whatever a PDF library is willing to write.

Every PDF here is a complete file (header, objects, xref table, trailer), so pypdf reaches the
hostile part instead of stopping at a missing xref.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

#: pypdf's own decompression limit per stream (``Configuration.zlib_maximum_output_length``).
PYPDF_STREAM_LIMIT = 75_000_000

_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def raw_pdf(objects: list[bytes], *, root: int = 1) -> bytes:
    """A PDF whose object ``i + 1`` is ``objects[i]``, with a correct xref table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)


def _stream(data: bytes, *, flate: bool) -> bytes:
    body = zlib.compress(data, 9) if flate else data
    head = b"<< /Length %d%s >>" % (len(body), b" /Filter /FlateDecode" if flate else b"")
    return head + b"\nstream\n" + body + b"\nendstream"


def page_tree_pdf(contents: list[bytes], *, flate: bool = True) -> bytes:
    """One page per content stream, each with a font so text extraction really parses the stream.

    Layout: 1 catalog, 2 pages, 3 font, then a (page, content) pair per page.
    """
    n = len(contents)
    kids = b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(n))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n),
        _FONT,
    ]
    for i, data in enumerate(contents):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R"
            b" /Resources << /Font << /F1 3 0 R >> >> >>" % (5 + 2 * i)
        )
        objects.append(_stream(data, flate=flate))
    return raw_pdf(objects)


def text_page(text: str = "Hello plan") -> bytes:
    return b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text.encode("latin-1")


def self_reference_pdf() -> bytes:
    """A page whose content stream gives its own object as its /Length."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
            b" /Resources << /Font << /F1 5 0 R >> >> >>",
            b"<< /Length 4 0 R >>\nstream\n" + text_page() + b"\nendstream",
            _FONT,
        ]
    )


def nested_arrays_pdf(depth: int = 100_000) -> bytes:
    """A page whose text operator takes ``depth`` arrays inside each other."""
    return page_tree_pdf([b"BT /F1 12 Tf " + b"[" * depth + b"(x)" + b"]" * depth + b" TJ ET"])


def self_referencing_labels_pdf() -> bytes:
    """A readable one-page PDF whose /PageLabels tree is an object that refers to itself."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /PageLabels 6 0 R >>",
            b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            _FONT,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R"
            b" /Resources << /Font << /F1 3 0 R >> >> >>",
            _stream(text_page(), flate=False),
            b"6 0 R",
        ]
    )


def cyclic_page_tree_pdf() -> bytes:
    """Two /Pages nodes that are each other's only kid."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>",
        ]
    )


def bomb_pdf(pages: int, decoded_bytes: int) -> bytes:
    """Each page's content stream inflates to ``decoded_bytes`` of path operators (about 1000:1)."""
    op = b"0 0 m\n"
    payload = op * (decoded_bytes // len(op))
    return page_tree_pdf([payload] * pages)


def many_pages_pdf(pages: int) -> bytes:
    return page_tree_pdf([text_page(f"page {i + 1}") for i in range(pages)], flate=False)


def make_special_entries(folder: Path) -> dict[str, Path]:
    """File-system objects that are not regular files, each named ``*.pdf`` as an upload would be:
    a FIFO, a directory behind a link, a dangling link, a link loop and a link to ``/dev/zero``."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {
        "fifo": folder / "fifo.pdf",
        "dir_link": folder / "dir_link.pdf",
        "dangling": folder / "dangling.pdf",
        "loop": folder / "loop.pdf",
        "dev_zero": folder / "dev_zero.pdf",
    }
    os.mkfifo(out["fifo"])
    (folder / "real_dir").mkdir()
    out["dir_link"].symlink_to(folder / "real_dir", target_is_directory=True)
    out["dangling"].symlink_to(folder / "no_such_file.pdf")
    out["loop"].symlink_to(out["loop"].name)
    out["dev_zero"].symlink_to("/dev/zero")
    return out
