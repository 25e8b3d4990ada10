"""Markdown and text guidelines, split into sections keyed by their nearest heading."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.domain.errors import EmptyFileError
from assistant.domain.models import DocKind, PageText, ParsedDocument

from .files import content_hash

_HEADING_RE = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_EMPHASIS_RE = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_COMMENT_RE = re.compile(r"<!--.*?-->", re.DOTALL)


def parse_markdown(path: Path, *, kind: DocKind = "guideline", data: bytes | None = None) -> ParsedDocument:
    """Emphasis markers are dropped from the text (they are layout, not words), so quotes match
    what a reader sees."""
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
