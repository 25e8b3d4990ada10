"""The shared index: Chroma, embedded (``PersistentClient`` under the data dir) or a ``chroma run`` server.

Embeddings are always passed explicitly: Chroma's default embedding function downloads a model
and fails offline.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import chromadb
import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction
from chromadb.config import Settings as ChromaSettings
from langchain_core.embeddings import Embeddings

from assistant.domain.chunks import Chunk
from assistant.settings import Settings

from .embeddings import load_embeddings
from .stores import ChunkStore, Scope, Snapshot, lexical_tokens

_ADD_BATCH = 1000


class _ChromaEF(EmbeddingFunction[Documents]):
    """Adapter so the collection never falls back to Chroma's downloading default."""

    def __init__(self, embeddings: Embeddings) -> None:
        self._embeddings = embeddings

    def get_config(self) -> dict[str, Any]:
        return {"embedding": getattr(self._embeddings, "name", "use")}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> _ChromaEF:
        return _ChromaEF(load_embeddings(config.get("embedding", "use"), 2))

    def __call__(self, input: Documents) -> list[np.ndarray]:  # noqa: A002 (Chroma's signature)
        return [np.asarray(v, dtype=np.float32) for v in self._embeddings.embed_documents(list(input))]

    @staticmethod
    def name() -> str:
        return "review-assistant-bundled"


class VectorIndex(ChunkStore):
    def __init__(self, settings: Settings, embeddings: Embeddings) -> None:
        super().__init__(embeddings)
        self.settings = settings
        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if settings.chroma_mode == "http":
            self.client = chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings
            )
        else:
            settings.chroma_dir.mkdir(parents=True, exist_ok=True)
            self.client = chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)
        name = getattr(embeddings, "name", settings.embedding)
        self.collection = self.client.get_or_create_collection(
            name=f"{settings.collection}_{name}",
            embedding_function=_ChromaEF(embeddings),
            configuration={"hnsw": {"space": "cosine"}},
        )

    # -- writing ---------------------------------------------------------------------------
    def indexed_hash(self, source_key: str) -> str | None:
        got = self.collection.get(where={"source_key": source_key}, limit=1, include=["metadatas"])
        metas = got.get("metadatas") or []
        return str(metas[0]["doc_id"]) if metas else None

    def has_document(self, doc_id: str) -> bool:
        return bool(self.collection.get(where={"doc_id": doc_id}, limit=1, include=[])["ids"])

    def has_guidelines(self) -> bool:
        return bool(self.collection.get(where={"kind": "guideline"}, limit=1, include=[])["ids"])

    def add_chunks(self, doc_id: str, source_key: str, chunks: list[Chunk]) -> int:
        """Unchanged content is a no-op; changed content replaces the old chunks of ``source_key``.

        Returns the number of chunks written (0 when nothing changed).
        """
        if self.indexed_hash(source_key) == doc_id:
            return 0
        metadatas = []
        for c in chunks:
            meta = c.to_metadata()
            meta["tokens"] = " ".join(lexical_tokens(c))
            meta["source_key"] = source_key
            metadatas.append(meta)
        vectors = self.embeddings.embed_documents([c.embedding_text() for c in chunks])
        self.collection.delete(where={"source_key": source_key})
        for i in range(0, len(chunks), _ADD_BATCH):
            self.collection.add(
                ids=[c.id for c in chunks[i : i + _ADD_BATCH]],
                documents=[c.text for c in chunks[i : i + _ADD_BATCH]],
                metadatas=metadatas[i : i + _ADD_BATCH],
                embeddings=[np.asarray(v, dtype=np.float32) for v in vectors[i : i + _ADD_BATCH]],
            )
        self.invalidate()
        return len(chunks)

    # -- reading ---------------------------------------------------------------------------
    def count(self) -> int:
        return self.collection.count()

    def _load_all(self) -> tuple[list[Chunk], list[list[str]]]:
        got = self.collection.get(include=["documents", "metadatas"])
        chunks, tokens = [], []
        for i, d, m in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True):
            meta = dict(m or {})
            chunks.append(Chunk.from_stored(i, d or "", meta))
            tokens.append(str(meta.get("tokens", "")).split())
        return chunks, tokens

    def snapshot(self) -> Snapshot:
        snap = super().snapshot()
        if len(snap.chunks) != self.count():
            self.invalidate()
            snap = super().snapshot()
        return snap

    def dense_search(self, query_vec: Sequence[float], k: int, scope: Scope) -> list[tuple[Chunk, float]]:
        total = self.count()
        if not total:
            return []
        res = self.collection.query(
            query_embeddings=[np.asarray(query_vec, dtype=np.float32)],
            n_results=min(k, total),
            where=scope.chroma_where(),
            include=["documents", "metadatas", "distances"],
        )
        return [
            (Chunk.from_stored(i, d or "", dict(m or {})), 1.0 - float(dist))
            for i, d, m, dist in zip(
                res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True
            )
        ]
