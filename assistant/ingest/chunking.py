"""Page-aware chunks: every chunk stays inside one page (or one Markdown section) and records its
character offsets in that page's joined text, so a quote drawn from a chunk can always be checked
against the page it cites."""

from __future__ import annotations

from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.domain.chunks import Chunk
from assistant.domain.models import ParsedDocument
from assistant.settings import Settings


def make_splitter(settings: Settings) -> RecursiveCharacterTextSplitter:
    """Sentence-respecting splitter: paragraphs, lines, then 。 and other sentence ends.

    A PDF page's text sets each table off with blank lines and keeps each row on one line
    (:mod:`assistant.ingest.reading`), so a table that fits in a chunk is kept whole with its
    column labels, and a longer one is split between rows.
    """
    return RecursiveCharacterTextSplitter(
        chunk_size=settings.chunk_size,
        chunk_overlap=settings.chunk_overlap,
        separators=["\n\n", "\n", "。", "！", "？", "、", " ", ""],
        keep_separator="end",
        add_start_index=True,
        strip_whitespace=False,
    )


def chunk_document(doc: ParsedDocument, settings: Settings, *, prefecture: str | None = None) -> list[Chunk]:
    """Chunks never straddle pages: each page (or section) is split on its own."""
    splitter = make_splitter(settings)
    chunks: list[Chunk] = []
    for index, page in enumerate(doc.pages):
        if not page.text.strip():
            continue
        for piece in splitter.create_documents([page.text]):
            text = piece.page_content
            start = int(piece.metadata.get("start_index", page.text.find(text)))
            lead = len(text) - len(text.lstrip())
            text = text.strip()
            if not text:
                continue
            start += lead
            chunks.append(
                Chunk(
                    id=f"{doc.doc_id[:16]}:{page.page or f's{index}'}:{start}",
                    doc_id=doc.doc_id,
                    source=doc.source,
                    kind=doc.kind,
                    text=text,
                    page=page.page,
                    page_label=page.label,
                    section=page.section,
                    start=start,
                    end=start + len(text),
                    ocr=page.ocr,
                    prefecture=prefecture,
                    title=doc.title,
                )
            )
    return chunks
