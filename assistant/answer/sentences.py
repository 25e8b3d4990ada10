"""Candidate sentences for an answer, ranked by meaning and by the words they share with the question."""

from __future__ import annotations

import re

import numpy as np
from pydantic import BaseModel

from assistant.domain.chunks import Chunk
from assistant.domain.models import Citation
from assistant.search.lexical import get_tokenizer
from assistant.text.grounding import chunk_citation, chunk_sentences, verify_citation
from assistant.text.normalize import nfkc, squash

from .context import AnswerContext

# Words every question about this domain shares; they say nothing about which passage answers.
_GENERIC = {
    "要件", "計画", "ガイドライン", "記載", "何", "どう", "どの", "どれ", "ある", "いる", "する", "なる",
    "について", "教える", "下さる", "くださる", "必要", "求める", "問う", "本", "プラン", "中", "場合", "か",
    "what", "the", "is", "are", "a", "of", "for", "in", "does", "do", "to", "and", "be", "this", "plan",
}  # fmt: skip

#: Questions that ask for a value of a given type, and the evidence pattern that could hold it.
_ASKS_FOR: list[tuple[re.Pattern[str], re.Pattern[str]]] = [
    (
        re.compile(r"何\s*[%％]|補助率|割合|率は|パーセント|percent|rate", re.I),
        re.compile(r"[0-9０-９]+\s*[%％割]"),
    ),
    (
        re.compile(r"いくら|金額|何円|何億|上限額|予算額|how much|amount", re.I),
        re.compile(r"[0-9０-９]+\s*(?:円|万|億|兆)"),
    ),
    (
        re.compile(r"いつ|締切|締め切り|期限|何日|何月|日程|deadline|when", re.I),
        re.compile(r"[0-9０-９]+\s*(?:年|月|日)|春|夏|秋|冬|月中|年度"),
    ),
    (
        re.compile(r"何人|人数|何名|何社|何件|何者|how many", re.I),
        re.compile(r"[0-9０-９]+\s*(?:人|名|社|件|者|の)"),
    ),
]

_JA_CHARS = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
#: USE/e5 give lower similarities across languages; subtracted from cross-lingual scores before the
#: shared abstention threshold is applied.
CROSS_LINGUAL_MARGIN = 0.05
#: A guideline section this short is one list (a requirement group's bullets): quote it whole.
SHORT_SECTION_SENTENCES = 3


class ScoredSentence(BaseModel):
    text: str
    chunk: Chunk
    score: float
    dense: float
    overlap: float


def content_tokens(text: str) -> set[str]:
    return {t for t in get_tokenizer().tokenize(text) if t not in _GENERIC and len(t) > 0}


def type_mismatch(question: str, evidence: str) -> bool:
    """True when the question asks for a kind of value the evidence cannot contain."""
    q = nfkc(question)
    return any(ask.search(q) and not has.search(nfkc(evidence)) for ask, has in _ASKS_FOR)


def is_japanese(text: str) -> bool:
    return bool(_JA_CHARS.search(text))


def expand_to_sections(chunks: list[Chunk], ctx: AnswerContext) -> list[Chunk]:
    """Guideline sections are short: quote from the whole section a chunk came from, so an answer
    split across a chunk boundary is still found (plan chunks stay as they are)."""
    out: list[Chunk] = []
    seen: set[tuple[str, str]] = set()
    for chunk in chunks:
        if chunk.kind != "guideline" or chunk.page:
            out.append(chunk)
            continue
        key = (chunk.doc_id, str(chunk.section))
        if key in seen:
            continue
        seen.add(key)
        doc = ctx.lookup(chunk.doc_id)
        section = next((p for p in doc.pages if p.section == chunk.section), None) if doc else None
        out.append(chunk.with_text(section.text) if section else chunk)
    return out


def score_sentences(question: str, chunks: list[Chunk], ctx: AnswerContext) -> list[ScoredSentence]:
    """A question in another language shares no tokens with Japanese text, so it is scored by
    meaning alone, less a margin for the lower similarities cross-lingual embeddings give."""
    q_tokens = content_tokens(question)
    cross_lingual = not is_japanese(question)
    candidates: list[tuple[str, Chunk]] = []
    seen: set[str] = set()
    for chunk in expand_to_sections(chunks, ctx):
        for sentence in chunk_sentences(chunk.text):
            if squash(sentence) not in seen:
                seen.add(squash(sentence))
                candidates.append((sentence, chunk))
    if not candidates:
        return []
    emb = ctx.retriever.store.embeddings
    qvec = np.asarray(emb.embed_query(question), dtype=np.float32)
    texts = [f"{c.section or ''} {s}".strip() for s, c in candidates]
    svecs = np.asarray(emb.embed_documents(texts), dtype=np.float32)
    dense = svecs @ qvec / np.maximum(np.linalg.norm(svecs, axis=1) * np.linalg.norm(qvec), 1e-9)
    out = []
    for (sentence, chunk), text, d in zip(candidates, texts, dense, strict=True):
        overlap = len(q_tokens & content_tokens(text)) / len(q_tokens) if q_tokens else 0.0
        score = float(d) - CROSS_LINGUAL_MARGIN if cross_lingual else 0.6 * float(d) + 0.4 * overlap
        out.append(ScoredSentence(text=sentence, chunk=chunk, score=score, dense=float(d), overlap=overlap))
    out.sort(key=lambda s: (-s.score, s.chunk.id, s.text))
    return out


def list_siblings(picked: list[ScoredSentence], ranked: list[ScoredSentence]) -> list[ScoredSentence]:
    """The other bullets of the best guideline section, when that section is a short list.

    「KPIの設定のほかに何が求められるか」 is answered by the sibling bullet, which shares few words
    with the question; quoting a short requirement group whole answers it and costs little.
    """
    top = next((p for p in picked if p.chunk.kind == "guideline"), None)
    if top is None:
        return []
    section = [r for r in ranked if r.chunk.kind == "guideline" and r.chunk.section == top.chunk.section]
    if len(section) > SHORT_SECTION_SENTENCES:
        return []
    have = {squash(p.text) for p in picked}
    return [r for r in section if squash(r.text) not in have]


def verified(sentence: ScoredSentence, ctx: AnswerContext) -> Citation | None:
    citation = chunk_citation(sentence.chunk, sentence.text)
    return citation if verify_citation(citation, ctx.lookup(sentence.chunk.doc_id)) else None
