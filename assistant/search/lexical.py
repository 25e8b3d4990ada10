"""The lexical side of hybrid search: Sudachi tokens scored with BM25.

Tokens are Sudachi normalised forms in split mode C (whole compounds such as 域内取引額), plus
mode A parts of long compounds so that a query for 取引 still finds 域内取引額. Particles,
auxiliaries and symbols are dropped: they carry no topic and swamp short Japanese queries.
The BM25 model is rebuilt from stored tokens at start-up (no second store to drift out of sync).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache

import bm25s
import numpy as np
from sudachipy import Dictionary, SplitMode

from assistant.text.normalize import nfkc

_DROP_POS = {"助詞", "助動詞", "補助記号", "空白", "記号"}
_STOP = {
    "為る",
    "居る",
    "成る",
    "有る",
    "在る",
    "こと",
    "もの",
    "等",
    "其の",
    "此の",
    "れる",
    "られる",
    "的",
    "よう",
}


class JapaneseTokenizer:
    def __init__(self) -> None:
        self._dict = Dictionary(dict="core")
        self._tok = self._dict.tokenizer(mode=SplitMode.C)
        self._lock = threading.Lock()

    def tokenize(self, text: str) -> list[str]:
        text = nfkc(text)
        out: list[str] = []
        with self._lock:
            morphemes = list(self._tok.tokenize(text))
            for m in morphemes:
                pos = m.part_of_speech()[0]
                if pos in _DROP_POS:
                    continue
                norm = m.normalized_form().lower()
                if norm in _STOP or not norm.strip():
                    continue
                out.append(norm)
                if len(m.surface()) >= 4 and pos == "名詞":
                    parts = m.split(SplitMode.A)
                    if len(parts) > 1:
                        out.extend(
                            p.normalized_form().lower()
                            for p in parts
                            if p.part_of_speech()[0] not in _DROP_POS
                        )
        return out

    def nouns(self, text: str) -> list[tuple[str, list[str]]]:
        """Content nouns (normalised), each with its short-unit parts: 事後評価 → [事後, 評価]."""
        out = []
        with self._lock:
            for m in self._tok.tokenize(nfkc(text)):
                pos = m.part_of_speech()
                if pos[0] != "名詞" or pos[1] in ("数詞", "代名詞") or pos[2] == "助数詞可能":
                    continue
                norm = m.normalized_form().lower()
                parts = [p.normalized_form().lower() for p in m.split(SplitMode.A)] or [norm]
                out.append((norm, parts))
        return out


@lru_cache(maxsize=1)
def get_tokenizer() -> JapaneseTokenizer:
    return JapaneseTokenizer()


class LexicalIndex:
    """BM25 over a fixed list of tokenised chunks; scores every chunk so callers can filter."""

    def __init__(self, token_lists: Sequence[Sequence[str]]) -> None:
        self.size = len(token_lists)
        self._bm25 = bm25s.BM25()
        if self.size:
            self._bm25.index([list(t) for t in token_lists], show_progress=False)

    def knows(self, token: str) -> bool:
        return self.size > 0 and token in self._bm25.vocab_dict

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        if not self.size or not query_tokens:
            return np.zeros(self.size, dtype=np.float32)
        known = [t for t in query_tokens if t in self._bm25.vocab_dict]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)
