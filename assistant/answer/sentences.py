"""Candidate sentences for an answer, ranked by meaning and by the words they share with the question."""

from __future__ import annotations

import re

import numpy as np
from pydantic import BaseModel

from assistant.assess.locate import locate_answer
from assistant.domain.chunks import Chunk
from assistant.domain.models import Citation
from assistant.search.lexical import get_tokenizer
from assistant.text.grounding import chunk_citation, chunk_sentences, verify_citation
from assistant.text.normalize import nfkc, squash

from .context import AnswerContext
from .sections import heading_types

# Words every question about this domain shares; they say nothing about which passage answers.
_GENERIC = {
    "要件", "計画", "ガイドライン", "記載", "何", "どう", "どの", "どれ", "ある", "いる", "する", "なる",
    "について", "教える", "下さる", "くださる", "必要", "求める", "問う", "本", "プラン", "中", "場合", "か",
    "what", "the", "is", "are", "a", "of", "for", "in", "does", "do", "to", "and", "be", "this", "plan",
}  # fmt: skip

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
        sections = ctx.section_types(chunk)
        if sections is not None and chunk.section == sections.front_matter:
            continue
        for sentence in chunk_sentences(chunk.text):
            # A table row's tab-separated cells read with a full-width space between them
            # (whitespace, so the quote still verifies).
            sentence = sentence.replace("\t", "\u3000")
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
    """The sentence as a verified citation, placed as it is shown (a .docx: heading and paragraph)."""
    citation = chunk_citation(sentence.chunk, sentence.text)
    doc = ctx.lookup(sentence.chunk.doc_id)
    return locate_answer(citation, doc) if verify_citation(citation, doc) else None


def section_sentences(top: ScoredSentence, ranked: list[ScoredSentence]) -> list[ScoredSentence]:
    """Every sentence of the top sentence's guideline section, in the section's own order.

    A list question (「どのような項目」「基準は」) is answered by the whole list, not by its one
    best-matching bullet or a neighbour of it.
    """
    section = [r for r in ranked if r.chunk.kind == "guideline" and r.chunk.section == top.chunk.section]
    text = top.chunk.text
    return sorted(section, key=lambda r: text.find(r.text) if r.text in text else len(text))


def footnotes(picked: list[ScoredSentence], ranked: list[ScoredSentence]) -> list[ScoredSentence]:
    """A sentence that points to a footnote (「必要な政策手段※を明確化する」) is answered by the
    footnote (「※ 地域未来交付金や…」): quote it too, from the same section."""
    have = {squash(p.text) for p in picked}
    out = []
    for p in picked:
        if p.text.startswith("※") or "※" not in p.text:
            continue
        for r in ranked:
            same = r.chunk.section == p.chunk.section and r.chunk.doc_id == p.chunk.doc_id
            if same and r.text.lstrip().startswith("※") and squash(r.text) not in have:
                have.add(squash(r.text))
                out.append(r)
    return out


def expand(query: str, expansions: dict[str, list[str]]) -> str:
    """The question with the words a guideline would answer its question words with (誰 → 主体)."""
    q = nfkc(query).lower()
    extra = [w for key, words in expansions.items() if key.lower() in q for w in words]
    return f"{query} {' '.join(extra)}" if extra else query


def of_types(ranked: list[ScoredSentence], types: list[str], ctx: AnswerContext) -> list[ScoredSentence]:
    """Sentences that speak for one of the types: by their own marker (「B.地域産業クラスター計画：…」)
    or else by their section's. Plan sentences always pass."""
    out = []
    for r in ranked:
        sections = ctx.section_types(r.chunk)
        own = heading_types(r.text, ctx.rubric)
        if sections is None or set(own or sections.of(r.chunk.section)) & set(types):
            out.append(r)
    return out
