"""A piece of one page (or one guideline section), typed, with the place it came from.

Chunks are what the index stores and what retrieval returns. Chroma keeps metadata as flat
scalars, so "no page" is stored as 0 and "no section" as ""; :meth:`Chunk.to_metadata` and
:meth:`Chunk.from_stored` are the only places that know it.
"""

from __future__ import annotations

from typing import Any

from langchain_core.documents import Document
from pydantic import BaseModel, ConfigDict

from .models import DocKind


class Chunk(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    doc_id: str
    source: str
    kind: DocKind
    text: str
    page: int | None = None
    page_label: str | None = None
    section: str | None = None
    start: int = 0
    end: int = 0
    ocr: bool = False
    prefecture: str | None = None
    title: str = ""

    def to_metadata(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "source": self.source,
            "kind": self.kind,
            "page": self.page or 0,
            "page_label": self.page_label or "",
            "section": self.section or "",
            "start": self.start,
            "end": self.end,
            "ocr": self.ocr,
            "prefecture": self.prefecture or "",
            "title": self.title,
        }

    @classmethod
    def from_stored(cls, chunk_id: str, text: str, meta: dict[str, Any]) -> Chunk:
        return cls(
            id=chunk_id,
            doc_id=str(meta.get("doc_id", "")),
            source=str(meta.get("source", "")),
            kind=meta.get("kind", "guideline"),
            text=text,
            page=int(meta.get("page") or 0) or None,
            page_label=meta.get("page_label") or None,
            section=meta.get("section") or None,
            start=int(meta.get("start", 0)),
            end=int(meta.get("end", 0)),
            ocr=bool(meta.get("ocr")),
            prefecture=meta.get("prefecture") or None,
            title=str(meta.get("title", "")),
        )

    def embedding_text(self) -> str:
        """What gets embedded and tokenised: the section heading gives a guideline chunk its topic."""
        return f"{self.section}\n{self.text}" if self.section else self.text

    def with_text(self, text: str) -> Chunk:
        return self.model_copy(update={"text": text})


class ScoredChunk(BaseModel):
    """A retrieved chunk with its fused score and the two rankings' own scores."""

    model_config = ConfigDict(frozen=True)

    chunk: Chunk
    score: float
    dense_score: float | None = None
    bm25_score: float | None = None

    def to_document(self) -> Document:
        """The langchain view, for composing with langchain retrievers and chains."""
        meta = self.chunk.to_metadata()
        meta.update(score=self.score, dense_score=self.dense_score, bm25_score=self.bm25_score)
        return Document(id=self.chunk.id, page_content=self.chunk.text, metadata=meta)
