"""Chunk stores: the persistent Chroma index, and an in-memory one for a single plan.

Both expose the same two operations the hybrid retriever needs (dense search and the list of
chunks in a scope), so retrieval logic exists once. Embeddings are always passed explicitly:
Chroma's default embedding function downloads a model and fails offline.
"""

from __future__ import annotations

import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction
from chromadb.config import Settings as ChromaSettings
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from pydantic import BaseModel, ConfigDict

from .embeddings import get_embeddings
from .lexical import LexicalIndex, get_tokenizer
from .models import ParsedDocument
from .settings import Settings, get_settings

_ADD_BATCH = 1000


class Scope(BaseModel):
    """Which chunks a search may see: guidelines and/or an explicit set of plans.

    Plans are only ever reachable by id, and the API decides which ids a user may pass, so a
    prefecture user's search can never reach another prefecture's plan.
    """

    model_config = ConfigDict(frozen=True)

    guidelines: bool = True
    plan_ids: frozenset[str] = frozenset()

    def chroma_where(self) -> dict | None:
        clauses: list[dict] = []
        if self.guidelines:
            clauses.append({"kind": "guideline"})
        if self.plan_ids:
            clauses.append({"$and": [{"kind": "plan"}, {"doc_id": {"$in": sorted(self.plan_ids)}}]})
        if not clauses:
            return {"doc_id": "__none__"}
        return clauses[0] if len(clauses) == 1 else {"$or": clauses}


class _ChromaEF(EmbeddingFunction[Documents]):
    """Adapter so the collection never falls back to Chroma's downloading default."""

    def __init__(self, embeddings: Embeddings) -> None:
        self._embeddings = embeddings

    def get_config(self) -> dict[str, Any]:
        return {"embedding": getattr(self._embeddings, "name", "use")}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> _ChromaEF:
        return _ChromaEF(get_embeddings(name=config.get("embedding", "use")))

    def __call__(self, input: Documents) -> list[np.ndarray]:  # noqa: A002 (Chroma's signature)
        return [np.asarray(v, dtype=np.float32) for v in self._embeddings.embed_documents(list(input))]

    @staticmethod
    def name() -> str:
        return "review-assistant-bundled"


def embedding_text(doc: Document) -> str:
    """What gets embedded and tokenised: the section heading gives a guideline chunk its topic."""
    section = doc.metadata.get("section") or ""
    return f"{section}\n{doc.page_content}" if section else doc.page_content


@dataclass
class _Snapshot:
    docs: list[Document]
    lexical: LexicalIndex
    kinds: np.ndarray
    doc_ids: np.ndarray


class ChunkStore(ABC):
    """Common scope filtering and BM25 snapshot handling for both stores."""

    def __init__(self, embeddings: Embeddings) -> None:
        self.embeddings = embeddings
        self._snapshot: _Snapshot | None = None
        self._lock = threading.Lock()

    @abstractmethod
    def _load_all(self) -> list[Document]: ...

    @abstractmethod
    def dense_search(
        self, query_vec: Sequence[float], k: int, scope: Scope
    ) -> list[tuple[Document, float]]: ...

    def invalidate(self) -> None:
        self._snapshot = None

    def snapshot(self) -> _Snapshot:
        with self._lock:
            if self._snapshot is None:
                docs = self._load_all()
                tokens = [d.metadata.get("tokens", "").split() for d in docs]
                self._snapshot = _Snapshot(
                    docs=docs,
                    lexical=LexicalIndex(tokens),
                    kinds=np.array([d.metadata.get("kind", "") for d in docs], dtype=object),
                    doc_ids=np.array([d.metadata.get("doc_id", "") for d in docs], dtype=object),
                )
            return self._snapshot

    def scope_mask(self, snap: _Snapshot, scope: Scope) -> np.ndarray:
        mask = np.zeros(len(snap.docs), dtype=bool)
        if scope.guidelines:
            mask |= snap.kinds == "guideline"
        if scope.plan_ids:
            mask |= (snap.kinds == "plan") & np.isin(snap.doc_ids, list(scope.plan_ids))
        return mask

    def lexical_search(self, query: str, k: int, scope: Scope) -> list[tuple[Document, float]]:
        snap = self.snapshot()
        if not snap.docs:
            return []
        scores = snap.lexical.scores(get_tokenizer().tokenize(query))
        scores = np.where(self.scope_mask(snap, scope), scores, -1.0)
        top = np.argsort(-scores, kind="stable")[:k]
        return [(snap.docs[i], float(scores[i])) for i in top if scores[i] > 0]


def prepare_chunks(chunks: list[Document]) -> list[Document]:
    """Attach lexical tokens once, at indexing time, so start-up only rebuilds BM25 statistics."""
    tok = get_tokenizer()
    for c in chunks:
        c.metadata["tokens"] = " ".join(t.replace(" ", "_") for t in tok.tokenize(embedding_text(c)))
    return chunks


class MemoryStore(ChunkStore):
    """A throw-away index for one plan: assessment must not write to the shared Chroma."""

    def __init__(self, chunks: list[Document], embeddings: Embeddings) -> None:
        super().__init__(embeddings)
        self._docs = prepare_chunks(chunks)
        vecs = embeddings.embed_documents([embedding_text(d) for d in self._docs]) if self._docs else []
        self._vecs = np.asarray(vecs, dtype=np.float32).reshape(len(self._docs), -1)

    def _load_all(self) -> list[Document]:
        return self._docs

    def dense_search(self, query_vec: Sequence[float], k: int, scope: Scope) -> list[tuple[Document, float]]:
        snap = self.snapshot()
        if not snap.docs:
            return []
        sims = self._vecs @ np.asarray(query_vec, dtype=np.float32)
        sims = np.where(self.scope_mask(snap, scope), sims, -np.inf)
        top = np.argsort(-sims, kind="stable")[:k]
        return [(snap.docs[i], float(sims[i])) for i in top if np.isfinite(sims[i])]


class VectorIndex(ChunkStore):
    """Chroma: embedded ``PersistentClient`` under the data dir, or a ``chroma run`` server."""

    def __init__(self, settings: Settings | None = None, embeddings: Embeddings | None = None) -> None:
        self.settings = settings or get_settings()
        super().__init__(embeddings or get_embeddings(self.settings))
        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if self.settings.chroma_mode == "http":
            self.client = chromadb.HttpClient(
                host=self.settings.chroma_host, port=self.settings.chroma_port, settings=chroma_settings
            )
        else:
            self.settings.chroma_dir.mkdir(parents=True, exist_ok=True)
            self.client = chromadb.PersistentClient(
                path=str(self.settings.chroma_dir), settings=chroma_settings
            )
        name = getattr(self.embeddings, "name", self.settings.embedding)
        self.collection = self.client.get_or_create_collection(
            name=f"{self.settings.collection}_{name}",
            embedding_function=_ChromaEF(self.embeddings),
            configuration={"hnsw": {"space": "cosine"}},
        )

    # -- documents (page texts, for quote verification) ----------------------------------------
    @property
    def documents_dir(self) -> Path:
        return self.settings.data_dir / "documents"

    def save_document(self, doc: ParsedDocument) -> None:
        """Keep the full page texts: quotes are verified against the page, not against a chunk."""
        self.documents_dir.mkdir(parents=True, exist_ok=True)
        target = self.documents_dir / f"{doc.doc_id}.json"
        tmp = target.with_suffix(".tmp")
        tmp.write_text(doc.model_dump_json(), encoding="utf-8")
        os.replace(tmp, target)

    def load_document(self, doc_id: str) -> ParsedDocument | None:
        path = self.documents_dir / f"{doc_id}.json"
        if not path.exists():
            return None
        return ParsedDocument.model_validate_json(path.read_text(encoding="utf-8"))

    # -- writing ---------------------------------------------------------------------------
    def indexed_hash(self, source_key: str) -> str | None:
        got = self.collection.get(where={"source_key": source_key}, limit=1, include=["metadatas"])
        metas = got.get("metadatas") or []
        return str(metas[0]["doc_id"]) if metas else None

    def has_document(self, doc_id: str) -> bool:
        return bool(self.collection.get(where={"doc_id": doc_id}, limit=1, include=[])["ids"])

    def add_document(
        self, doc: ParsedDocument, chunks: list[Document], *, source_key: str | None = None
    ) -> int:
        """Index a document; unchanged content is a no-op, changed content replaces old chunks.

        Returns the number of chunks written (0 when nothing changed).
        """
        key = source_key or (doc.source if doc.kind == "guideline" else doc.doc_id)
        self.save_document(doc)
        if self.indexed_hash(key) == doc.doc_id:
            return 0
        prepared = prepare_chunks(chunks)
        for c in prepared:
            c.metadata["source_key"] = key
        vectors = self.embeddings.embed_documents([embedding_text(c) for c in prepared])
        self.collection.delete(where={"source_key": key})
        for i in range(0, len(prepared), _ADD_BATCH):
            part = prepared[i : i + _ADD_BATCH]
            self.collection.add(
                ids=[c.id or "" for c in part],
                documents=[c.page_content for c in part],
                metadatas=[c.metadata for c in part],
                embeddings=[np.asarray(v, dtype=np.float32) for v in vectors[i : i + _ADD_BATCH]],
            )
        self.invalidate()
        return len(prepared)

    # -- reading ---------------------------------------------------------------------------
    def count(self) -> int:
        return self.collection.count()

    def _load_all(self) -> list[Document]:
        got = self.collection.get(include=["documents", "metadatas"])
        return [
            Document(id=i, page_content=d or "", metadata=dict(m or {}))
            for i, d, m in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True)
        ]

    def snapshot(self) -> _Snapshot:
        snap = super().snapshot()
        if len(snap.docs) != self.count():
            self.invalidate()
            snap = super().snapshot()
        return snap

    def dense_search(self, query_vec: Sequence[float], k: int, scope: Scope) -> list[tuple[Document, float]]:
        total = self.count()
        if not total:
            return []
        res = self.collection.query(
            query_embeddings=[np.asarray(query_vec, dtype=np.float32)],
            n_results=min(k, total),
            where=scope.chroma_where(),
            include=["documents", "metadatas", "distances"],
        )
        out = []
        for i, d, m, dist in zip(
            res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True
        ):
            out.append((Document(id=i, page_content=d or "", metadata=dict(m or {})), 1.0 - float(dist)))
        return out
