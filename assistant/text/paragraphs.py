"""Paragraph numbers of a document without pages (a .docx): the arithmetic shared by the grounding
check and the conversion of internal part ordinals into what a reviewer is shown.

A .docx part holds one paragraph (or table row) per line, so the document's paragraph ``n`` is line
``n - start`` of the part whose first paragraph is ``start``. Nothing is stored beyond the parts:
numbering is recomputed from them, so a document saved before this module existed needs nothing new.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate

from assistant.domain.models import PageText, ParsedDocument

from .normalize import squash


def part_lines(page: PageText) -> list[str]:
    return page.raw.split("\n") if page.raw else []


def part_starts(doc: ParsedDocument) -> list[int]:
    """The 1-based paragraph number of each part's first line, in part order."""
    starts = []
    number = 1
    for page in doc.pages:
        starts.append(number)
        number += len(part_lines(page))
    return starts


class _Squashed:
    """A part's lines in matching form, concatenated, with where each line starts: one pass over the
    part, however many paragraphs it has (a document without headings is a single part)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = [squash(line) for line in lines]
        self.starts = list(accumulate((len(line) for line in self.lines), initial=0))
        self.text = "".join(self.lines)

    def first_line(self, quote: str, min_chars: int = 4) -> int | None:
        """The line in which the quote's first occurrence begins (it may run on into later lines)."""
        q = squash(quote)
        pos = self.text.find(q) if len(q) >= min_chars else -1
        return None if pos < 0 else bisect_right(self.starts, pos) - 1

    def begins_in(self, index: int, quote: str, min_chars: int = 4) -> bool:
        q = squash(quote)
        if len(q) < min_chars or not self.lines[index]:
            return False
        pos = self.text.find(q, self.starts[index])
        return 0 <= pos < self.starts[index] + len(self.lines[index])


def paragraph_of(doc: ParsedDocument, page: int | None, quote: str) -> tuple[str, int] | None:
    """(heading, paragraph number) of the paragraph of part ``page`` where ``quote`` first begins."""
    for part, start in zip(doc.pages, part_starts(doc), strict=True):
        if part.page == page:
            index = _Squashed(part_lines(part)).first_line(quote)
            return None if index is None else (part.section or "", start + index)
    return None


def paragraph_at(doc: ParsedDocument, page: int | None, offset: int) -> tuple[str, int] | None:
    """(heading, paragraph number) of the character at ``offset`` in part ``page``'s text."""
    for part, start in zip(doc.pages, part_starts(doc), strict=True):
        if part.page == page:
            line = part.text.count("\n", 0, max(0, min(offset, len(part.text))))
            return part.section or "", start + line
    return None


def quote_at_paragraph(doc: ParsedDocument | None, section: str | None, paragraph: int, quote: str) -> bool:
    """The grounding rule for a paragraph citation: the quote (NFKC, whitespace removed) begins in
    that paragraph, which sits under the cited heading."""
    if doc is None:
        return False
    for part, start in zip(doc.pages, part_starts(doc), strict=True):
        lines = part_lines(part)
        if start <= paragraph < start + len(lines):
            if section is not None and (part.section or "") != section:
                return False
            return _Squashed(lines).begins_in(paragraph - start, quote)
    return False
