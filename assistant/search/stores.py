"""Chunk stores: the shared persistent index (:mod:`.chroma`) and an in-memory one for one plan.

Both expose the two operations the hybrid retriever needs (dense search and BM25 over the chunks
in a scope), so retrieval logic exists once. Lexical tokens are made once, when a chunk is stored,
so starting up only rebuilds the BM25 statistics.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from langchain_core.embeddings import Embeddings
from pydantic import BaseModel, ConfigDict

from assistant.domain.chunks import Chunk

from .lexical import LexicalIndex, get_tokenizer


class Scope(BaseModel):
    """Which chunks a search may see: guidelines and/or an explicit set of plans.

    Plans are only ever reachable by id, and the API decides which ids a user may pass, so a
    prefecture user's search can never reach another prefecture's plan.
    """

    model_config = ConfigDict(frozen=True)

    guidelines: bool = True
    plan_ids: frozenset[str] = frozenset()

    def chroma_where(self) -> dict:
        clauses: list[dict] = []
        if self.guidelines:
            clauses.append({"kind": "guideline"})
        if self.plan_ids:
            clauses.append({"$and": [{"kind": "plan"}, {"doc_id": {"$in": sorted(self.plan_ids)}}]})
        if not clauses:
            return {"doc_id": "__none__"}
        return clauses[0] if len(clauses) == 1 else {"$or": clauses}


def lexical_tokens(chunk: Chunk) -> list[str]:
    """Sudachi tokens of the heading and text, with spaces inside a token made safe for storage."""
    return " ".join(t.replace(" ", "_") for t in get_tokenizer().tokenize(chunk.embedding_text())).split()


@dataclass
class Snapshot:
    chunks: list[Chunk]
    lexical: LexicalIndex
    kinds: np.ndarray
    doc_ids: np.ndarray


class ChunkStore(ABC):
    """Common scope filtering and BM25 snapshot handling for both stores."""

    def __init__(self, embeddings: Embeddings) -> None:
        self.embeddings = embeddings
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    @abstractmethod
    def _load_all(self) -> tuple[list[Chunk], list[list[str]]]:
        """Every chunk with its lexical tokens."""

    @abstractmethod
    def dense_search(self, query_vec: Sequence[float], k: int, scope: Scope) -> list[tuple[Chunk, float]]: ...

    def invalidate(self) -> None:
        self._snapshot = None

    def snapshot(self) -> Snapshot:
        with self._lock:
            if self._snapshot is None:
                chunks, tokens = self._load_all()
                self._snapshot = Snapshot(
                    chunks=chunks,
                    lexical=LexicalIndex(tokens),
                    kinds=np.array([c.kind for c in chunks], dtype=object),
                    doc_ids=np.array([c.doc_id for c in chunks], dtype=object),
                )
            return self._snapshot

    def scope_mask(self, snap: Snapshot, scope: Scope) -> np.ndarray:
        mask = np.zeros(len(snap.chunks), dtype=bool)
        if scope.guidelines:
            mask |= snap.kinds == "guideline"
        if scope.plan_ids:
            mask |= (snap.kinds == "plan") & np.isin(snap.doc_ids, list(scope.plan_ids))
        return mask

    def lexical_search(self, query: str, k: int, scope: Scope) -> list[tuple[Chunk, float]]:
        snap = self.snapshot()
        if not snap.chunks:
            return []
        scores = snap.lexical.scores(get_tokenizer().tokenize(query))
        scores = np.where(self.scope_mask(snap, scope), scores, -1.0)
        top = np.argsort(-scores, kind="stable")[:k]
        return [(snap.chunks[i], float(scores[i])) for i in top if scores[i] > 0]

    def guideline_section(self, section: str) -> Chunk | None:
        """The first stored chunk of a guideline section, which names its source document."""
        return next(
            (c for c in self.snapshot().chunks if c.kind == "guideline" and c.section == section), None
        )


class MemoryStore(ChunkStore):
    """A throw-away index for one plan: assessment must not write to the shared Chroma."""

    def __init__(self, chunks: list[Chunk], embeddings: Embeddings) -> None:
        super().__init__(embeddings)
        self._chunks = chunks
        self._tokens = [lexical_tokens(c) for c in chunks]
        vecs = embeddings.embed_documents([c.embedding_text() for c in chunks]) if chunks else []
        self._vecs = np.asarray(vecs, dtype=np.float32).reshape(len(chunks), -1)

    def _load_all(self) -> tuple[list[Chunk], list[list[str]]]:
        return self._chunks, self._tokens

    def dense_search(self, query_vec: Sequence[float], k: int, scope: Scope) -> list[tuple[Chunk, float]]:
        snap = self.snapshot()
        if not snap.chunks:
            return []
        sims = self._vecs @ np.asarray(query_vec, dtype=np.float32)
        sims = np.where(self.scope_mask(snap, scope), sims, -np.inf)
        top = np.argsort(-sims, kind="stable")[:k]
        return [(snap.chunks[i], float(sims[i])) for i in top if np.isfinite(sims[i])]
