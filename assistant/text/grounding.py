"""Grounding checks: every quote the product shows must occur on the page (or section) it cites.

This is the one place that decides whether a quote is real, so the Q&A answerers, the assessment
drafters and the exports all apply the same rule: NFKC, whitespace removed, substring of the
cited page's extracted text. A .docx citation names a heading and a paragraph instead of a page:
the quote must then begin in that paragraph, under that heading (:mod:`.paragraphs`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.domain.chunks import Chunk
from assistant.domain.models import Citation, PageText, ParsedDocument, PlanCitation

from .normalize import quote_in_text, sentence_spans
from .paragraphs import quote_at_paragraph

DocLookup = Callable[[str], ParsedDocument | None]
_BULLET_RE = re.compile(r"^\s*(?:[-*•・●○◆■□✓✔]\s*|[0-9０-９]+[\.．)）]\s*|#+\s*)+")


def find_page(doc: ParsedDocument, page: int | None, section: str | None) -> PageText | None:
    for p in doc.pages:
        if page is not None and p.page == page:
            return p
        if page is None and section is not None and p.section == section:
            return p
    return None


def quote_on_page(doc: ParsedDocument | None, page: int | None, section: str | None, quote: str) -> bool:
    """Check against both the raw extraction and the joined text: they differ only in whitespace."""
    if doc is None:
        return False
    target = find_page(doc, page, section)
    if target is None:
        return False
    return quote_in_text(quote, target.raw) or quote_in_text(quote, target.text)


def chunk_citation(chunk: Chunk, quote: str) -> Citation:
    return Citation(source=chunk.source, page=chunk.page, section=chunk.section, quote=quote)


def verify_citation(citation: Citation, doc: ParsedDocument | None) -> bool:
    if citation.paragraph is not None:
        return quote_at_paragraph(doc, citation.section, citation.paragraph, citation.quote)
    return quote_on_page(
        doc, citation.page, citation.section if citation.page is None else None, citation.quote
    )


def verify_plan_citation(citation: PlanCitation, doc: ParsedDocument | None) -> bool:
    """A plan citation as shown outside: on its page, or (a .docx) in its heading's paragraph."""
    if citation.paragraph is not None:
        return quote_at_paragraph(doc, citation.section, citation.paragraph, citation.quote)
    return quote_on_page(doc, citation.page, None, citation.quote)


def clean_quote(text: str) -> str:
    """Drop list bullets and heading marks: they are layout, and a quote should read as prose."""
    return _BULLET_RE.sub("", text).strip()


def chunk_sentences(text: str, *, min_chars: int = 6) -> list[str]:
    """Sentences of a chunk's text, each a verbatim substring of it (and so of its page)."""
    out = []
    for start, end in sentence_spans(text):
        sentence = clean_quote(text[start:end])
        if len(sentence) >= min_chars:
            out.append(sentence)
    return out
