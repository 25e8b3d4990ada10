"""Question answering grounded in the guidelines (and, when asked, one plan).

Two answerers share one interface. The offline one is extractive: it only ever shows sentences
that exist in the indexed documents, and abstains when the evidence is weak or cannot contain
the kind of answer asked for (an amount, a date, a count). The LLM one writes prose but every
sentence must carry a chunk key whose quote verifies; whatever fails is dropped, and any
endpoint failure falls back to the offline answer with a visible notice.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
from langchain_core.documents import Document
from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from . import llm
from .assess import PlanEvidence, detect_plan_type, draft_item_offline
from .citations import DocLookup, chunk_citation, chunk_sentences, verify_citation
from .errors import LLMUnavailableError, PlanEndpointNotAllowedError
from .index import Scope
from .injection import find_injections
from .lexical import get_tokenizer
from .models import VERDICT_LABELS_JA, Answer, Citation, ParsedDocument
from .retrieve import HybridRetriever
from .rubric import Criterion, Rubric
from .settings import Settings
from .textnorm import nfkc, squash

NOT_FOUND_GUIDELINE = "ガイドラインに記載がありません。"
NOT_FOUND_WITH_PLAN = "ガイドラインに記載がありません（計画書にも該当する記載は見つかりませんでした）。"
NOTICE_UNAVAILABLE = "（注意：LLMを使えないためオフライン回答です：{reason}）\n"
NOTICE_UNVERIFIED = "（注意：LLMの回答に検証できる引用がなかったため、オフライン回答を表示します）\n"
# Words every question about this domain shares; they say nothing about which passage answers.
_GENERIC = {
    "要件",
    "計画",
    "ガイドライン",
    "記載",
    "何",
    "どう",
    "どの",
    "どれ",
    "ある",
    "いる",
    "する",
    "なる",
    "について",
    "教える",
    "下さる",
    "くださる",
    "必要",
    "求める",
    "問う",
    "本",
    "プラン",
    "中",
    "場合",
    "か",
    "what",
    "the",
    "is",
    "are",
    "a",
    "of",
    "for",
    "in",
    "does",
    "do",
    "to",
    "and",
    "be",
    "this",
    "plan",
}

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


class ScoredSentence(BaseModel):
    text: str
    chunk: Document
    score: float
    dense: float
    overlap: float


@dataclass
class AnswerContext:
    """What an answerer may look at; built by the API after access checks."""

    retriever: HybridRetriever
    lookup: DocLookup
    settings: Settings
    rubric: Rubric
    plan_ids: frozenset[str] = field(default_factory=frozenset)
    plan_doc: ParsedDocument | None = None
    k: int = 8


def criteria_in_question(question: str, ctx: AnswerContext) -> list[Criterion]:
    """Criteria a reviewer's question names (外部依存性, KPI, 知事の発表 …) for the plan's type."""
    if ctx.plan_doc is None:
        return []
    q = nfkc(question)
    plan_type = detect_plan_type(ctx.plan_doc).plan_type
    scored = []
    for c in ctx.rubric.for_type(plan_type):
        terms = {nfkc(t) for t in re.split(r"[（）]", c.group) if t} | {nfkc(c.label)}
        terms |= {nfkc(k) for k in c.keywords if len(k) >= 3}
        score = sum(len(t) for t in terms if t in q)
        if score:
            scored.append((score, c))
    if not scored:
        return []
    best = max(s for s, _ in scored)
    return [c for s, c in scored if s == best]


def gather(question: str, ctx: AnswerContext) -> list[Document]:
    """Retrieved chunks, plus, for each criterion the question names, its guideline text and the
    plan passages its hint queries find, so a reviewer's question gets both sides."""
    chunks = ctx.retriever.search(question, k=ctx.k)
    criteria = criteria_in_question(question, ctx)
    if not criteria:
        return chunks
    extra: list[Document] = []
    guideline_scope = ctx.retriever.model_copy(update={"scope": Scope(guidelines=True)})
    plan_scope = ctx.retriever.model_copy(update={"scope": Scope(guidelines=False, plan_ids=ctx.plan_ids)})
    for c in criteria:
        extra += [d for d in guideline_scope.search(c.text, k=3) if d.metadata.get("section") == c.section][
            :1
        ]
        for query in c.queries[:2]:
            extra += plan_scope.search(query, k=2)
    seen: set[str] = set()
    merged = []
    for d in extra + chunks:
        if (d.id or "") not in seen:
            seen.add(d.id or "")
            merged.append(d)
    return merged[: ctx.k + 4]


def _content_tokens(text: str) -> set[str]:
    return {t for t in get_tokenizer().tokenize(text) if t not in _GENERIC and len(t) > 0}


def _type_mismatch(question: str, evidence: str) -> bool:
    """True when the question asks for a kind of value the evidence cannot contain."""
    q = nfkc(question)
    return any(ask.search(q) and not has.search(nfkc(evidence)) for ask, has in _ASKS_FOR)


def _is_japanese(text: str) -> bool:
    return bool(_JA_CHARS.search(text))


def _expand_to_sections(chunks: list[Document], ctx: AnswerContext) -> list[Document]:
    """Guideline sections are short: quote from the whole section a chunk came from, so an answer
    split across a chunk boundary is still found (plan chunks stay as they are)."""
    out: list[Document] = []
    seen: set[tuple[str, str]] = set()
    for chunk in chunks:
        meta = chunk.metadata
        if meta.get("kind") != "guideline" or meta.get("page"):
            out.append(chunk)
            continue
        key = (str(meta.get("doc_id")), str(meta.get("section")))
        if key in seen:
            continue
        seen.add(key)
        doc = ctx.lookup(key[0])
        section = next((p for p in doc.pages if p.section == key[1]), None) if doc else None
        out.append(
            Document(id=chunk.id, page_content=section.text, metadata=dict(meta)) if section else chunk
        )
    return out


def score_sentences(question: str, chunks: list[Document], ctx: AnswerContext) -> list[ScoredSentence]:
    """Rank candidate sentences by meaning (dense) and by shared content words (lexical).

    A question in another language shares no tokens with Japanese text, so it is scored by
    meaning alone, less a margin for the lower similarities cross-lingual embeddings give.
    """
    q_tokens = _content_tokens(question)
    cross_lingual = not _is_japanese(question)
    candidates: list[tuple[str, Document]] = []
    seen: set[str] = set()
    for chunk in _expand_to_sections(chunks, ctx):
        for sentence in chunk_sentences(chunk):
            if squash(sentence) not in seen:
                seen.add(squash(sentence))
                candidates.append((sentence, chunk))
    if not candidates:
        return []
    emb = ctx.retriever.store.embeddings
    qvec = np.asarray(emb.embed_query(question), dtype=np.float32)
    texts = [f"{c.metadata.get('section') or ''} {s}".strip() for s, c in candidates]
    svecs = np.asarray(emb.embed_documents(texts), dtype=np.float32)
    dense = svecs @ qvec / np.maximum(np.linalg.norm(svecs, axis=1) * np.linalg.norm(qvec), 1e-9)
    out = []
    for (sentence, chunk), text, d in zip(candidates, texts, dense, strict=True):
        overlap = len(q_tokens & _content_tokens(text)) / len(q_tokens) if q_tokens else 0.0
        score = float(d) - CROSS_LINGUAL_MARGIN if cross_lingual else 0.6 * float(d) + 0.4 * overlap
        out.append(ScoredSentence(text=sentence, chunk=chunk, score=score, dense=float(d), overlap=overlap))
    out.sort(key=lambda s: (-s.score, s.chunk.id or "", s.text))
    return out


#: A guideline section this short is one list (a requirement group's bullets): quote it whole.
SHORT_SECTION_SENTENCES = 3


def _list_siblings(picked: list[ScoredSentence], ranked: list[ScoredSentence]) -> list[ScoredSentence]:
    """The other bullets of the best guideline section, when that section is a short list.

    「KPIの設定のほかに何が求められるか」 is answered by the sibling bullet, which shares few words
    with the question; quoting a short requirement group whole answers it and costs little.
    """
    top = next((p for p in picked if p.chunk.metadata.get("kind") == "guideline"), None)
    if top is None:
        return []
    section = [
        r
        for r in ranked
        if r.chunk.metadata.get("kind") == "guideline"
        and r.chunk.metadata.get("section") == top.chunk.metadata.get("section")
    ]
    if len(section) > SHORT_SECTION_SENTENCES:
        return []
    have = {squash(p.text) for p in picked}
    return [r for r in section if squash(r.text) not in have]


def _verified(sentence: ScoredSentence, ctx: AnswerContext) -> Citation | None:
    citation = chunk_citation(sentence.chunk, sentence.text)
    doc = ctx.lookup(str(sentence.chunk.metadata.get("doc_id")))
    return citation if verify_citation(citation, doc) else None


def _where(c: Citation) -> str:
    return f"{c.source} {c.page}頁" if c.page is not None else f"{c.source}「{c.section}」"


_PLAN_EVIDENCE: OrderedDict[tuple[str, int, int, str], PlanEvidence] = OrderedDict()
_PLAN_EVIDENCE_SIZE = 8
_PLAN_EVIDENCE_LOCK = threading.Lock()


def _plan_evidence(doc: ParsedDocument, ctx: AnswerContext) -> PlanEvidence:
    """Embedding a plan's chunks costs seconds for a long plan; a reviewer asks several questions
    about the same plan in a row, so keep the last few prepared."""
    s = ctx.settings
    key = (doc.doc_id, s.chunk_size, s.chunk_overlap, s.embedding)
    with _PLAN_EVIDENCE_LOCK:
        if key not in _PLAN_EVIDENCE:
            _PLAN_EVIDENCE[key] = PlanEvidence.build(
                doc, s, ctx.retriever.store.embeddings, find_injections(doc)
            )
            while len(_PLAN_EVIDENCE) > _PLAN_EVIDENCE_SIZE:
                _PLAN_EVIDENCE.popitem(last=False)
        _PLAN_EVIDENCE.move_to_end(key)
        return _PLAN_EVIDENCE[key]


def _criterion_answer(
    question: str, criteria: list[Criterion], ctx: AnswerContext, notice: str
) -> Answer | None:
    """A reviewer's question about a plan and named criteria: the criterion text, the plan's
    evidence and the offline draft verdict, all quoted verbatim."""
    assert ctx.plan_doc is not None
    snapshot = ctx.retriever.store.snapshot()
    plan = _plan_evidence(ctx.plan_doc, ctx)
    citations: list[Citation] = []
    lines = [notice + "該当する記載は次のとおりです（原文の引用）。"]
    for c in criteria:
        section = next(
            (
                d
                for d in snapshot.docs
                if d.metadata.get("kind") == "guideline" and d.metadata.get("section") == c.section
            ),
            None,
        )
        if section is None:
            continue
        guide = Citation(source=str(section.metadata["source"]), page=None, section=c.section, quote=c.text)
        if not verify_citation(guide, ctx.lookup(str(section.metadata["doc_id"]))):
            continue
        citations.append(guide)
        lines.append(f"【ガイドラインの基準：{c.group}】\n[{len(citations)}] 「{c.text}」（{_where(guide)}）")
        item = draft_item_offline(c, plan)
        if item.citations:
            lines.append("【計画書の該当箇所】")
        for pc in item.citations:
            cite = Citation(source=ctx.plan_doc.source, page=pc.page, section=None, quote=pc.quote)
            citations.append(cite)
            lines.append(f"[{len(citations)}] 「{pc.quote}」（{_where(cite)}）")
        lines.append(f"【下書きの判定】{VERDICT_LABELS_JA[item.verdict]}：{item.rationale}")
    if not citations:
        return None
    lines.append("※ 判定は規則に基づく下書きです。要件を満たすかどうかは審査者が判断してください。")
    return Answer(answer="\n".join(lines), answerable=True, backend="offline", citations=citations)


def offline_answer(question: str, ctx: AnswerContext, *, notice: str = "") -> Answer:
    criteria = criteria_in_question(question, ctx)
    if criteria:
        answer = _criterion_answer(question, criteria, ctx, notice)
        if answer is not None:
            return answer
    chunks = gather(question, ctx)
    ranked = score_sentences(question, chunks, ctx)
    not_found = NOT_FOUND_WITH_PLAN if ctx.plan_ids else NOT_FOUND_GUIDELINE
    if not ranked or ranked[0].score < ctx.settings.abstain_threshold:
        return Answer(answer=notice + not_found, answerable=False, backend="offline")
    best = ranked[0].score
    picked: list[ScoredSentence] = []
    for kind, limit in (("guideline", 2), ("plan", 3)):
        for s in ranked:
            if len([p for p in picked if p.chunk.metadata.get("kind") == kind]) >= limit:
                break
            if (
                s.chunk.metadata.get("kind") == kind
                and s.score >= 0.8 * best - (0.15 if kind == "plan" else 0)
                and all(squash(s.text) != squash(p.text) for p in picked)
            ):
                picked.append(s)
    picked += _list_siblings(picked, ranked)
    evidence = " ".join(p.text for p in picked)
    if _type_mismatch(question, evidence):
        return Answer(
            answer=notice + not_found + "（質問の数値・日付等は該当箇所に示されていません）",
            answerable=False,
            backend="offline",
        )
    citations = [c for c in (_verified(p, ctx) for p in picked) if c is not None]
    if not citations:
        return Answer(answer=notice + not_found, answerable=False, backend="offline")
    lines = [notice + "該当する記載は次のとおりです（原文の引用）。"]
    guideline = [c for c in citations if c.page is None]
    plan = [c for c in citations if c.page is not None]
    n = 0
    for title, group in (("ガイドライン", guideline), ("計画書", plan)):
        if not group:
            continue
        lines.append(f"【{title}】")
        for c in group:
            n += 1
            lines.append(f"[{n}] 「{c.quote}」（{_where(c)}）")
    if plan:
        lines.append(
            "※ 要件を満たすかどうかの判断は審査者が行ってください（オフライン回答は該当箇所の抽出のみです）。"
        )
    return Answer(answer="\n".join(lines), answerable=True, backend="offline", citations=guideline + plan)


# ---------------------------------------------------------------------------------------------
# LLM answerer
# ---------------------------------------------------------------------------------------------
class LLMCitation(BaseModel):
    key: str = Field(description="Source key such as S3")
    quote: str = Field(description="Exact text copied from that source")


class LLMAnswer(BaseModel):
    answerable: bool = Field(description="false when the sources do not contain the answer")
    answer: str = Field(description="Japanese answer; every sentence ends with its source keys like 【S3】")
    citations: list[LLMCitation]


def _source_block(chunks: list[Document]) -> tuple[str, dict[str, Document]]:
    keyed = {f"S{i + 1}": c for i, c in enumerate(chunks)}
    parts = []
    for key, c in keyed.items():
        meta = c.metadata
        where = f"{meta.get('page')}頁" if meta.get("page") else f"「{meta.get('section')}」"
        if meta.get("kind") == "plan":
            parts.append(
                f"【{key}】計画書 {meta.get('source')} {where}\n<plan_data>\n{c.page_content}\n</plan_data>"
            )
        else:
            parts.append(f"【{key}】ガイドライン {meta.get('source')} {where}\n{c.page_content}")
    return "\n\n".join(parts), keyed


def _llm_messages(
    question: str, chunks: list[Document], ctx: AnswerContext
) -> tuple[list, dict[str, Document]]:
    block, keyed = _source_block(chunks)
    system = llm.load_prompt(ctx.settings, "answer_system")
    user = llm.load_prompt(ctx.settings, "answer_user").format(question=question, sources=block)
    return [SystemMessage(system), HumanMessage(user)], keyed


def _check_llm_answer(obj: LLMAnswer, keyed: dict[str, Document], ctx: AnswerContext) -> list[str]:
    errors = []
    for c in obj.citations:
        chunk = keyed.get(c.key)
        if chunk is None:
            errors.append(f"citations: 資料キー {c.key} は存在しません（使えるのは {', '.join(keyed)}）")
        elif not verify_citation(
            chunk_citation(chunk, c.quote), ctx.lookup(str(chunk.metadata.get("doc_id")))
        ):
            errors.append(
                f"citations: {c.key} の quote「{c.quote[:40]}」は資料の原文と一致しません。原文をそのまま写してください"
            )
    for key in llm.extract_citation_keys(obj.answer):
        if key not in keyed:
            errors.append(f"answer: 資料キー【{key}】は存在しません")
    return errors


_SENT_SPLIT = re.compile(r"(?<=[。！？!?])|\n")
_NUMBER = re.compile(r"[0-9０-９][0-9０-９,，.．]*")


def _assemble(obj: LLMAnswer, keyed: dict[str, Document], ctx: AnswerContext) -> Answer | None:
    """Keep only sentences whose keys have verified quotes, and numbers that a quote contains."""
    good: dict[str, Citation] = {}
    for c in obj.citations:
        chunk = keyed.get(c.key)
        if chunk is None:
            continue
        citation = chunk_citation(chunk, c.quote)
        if c.key not in good and verify_citation(citation, ctx.lookup(str(chunk.metadata.get("doc_id")))):
            good[c.key] = citation
    order: list[str] = []
    kept: list[str] = []
    for sentence in (s.strip() for s in _SENT_SPLIT.split(obj.answer)):
        keys = [k for k in llm.extract_citation_keys(sentence) if k in good]
        if not sentence or not keys:
            continue
        quotes = squash("".join(good[k].quote for k in keys))
        body = llm.CITATION_KEY_RE.sub("", sentence)
        if any(squash(n) not in quotes for n in _NUMBER.findall(nfkc(body))):
            continue
        for k in keys:
            if k not in order:
                order.append(k)
        kept.append(
            llm.CITATION_KEY_RE.sub(
                lambda m: f"[{order.index(m.group(1)) + 1}]" if m.group(1) in order else "", sentence
            )
        )
    if not kept:
        return None
    return Answer(
        answer="\n".join(kept),
        answerable=True,
        backend=llm.backend_name(ctx.settings),
        citations=[good[k] for k in order],
    )


def llm_answer(question: str, ctx: AnswerContext) -> Answer:
    """Falls back to the offline answer, with a notice, whenever the LLM cannot be trusted."""
    try:
        if ctx.plan_ids:
            llm.ensure_plan_allowed(ctx.settings)
        messages, keyed = _llm_messages(question, gather(question, ctx), ctx)
        obj, _errors = llm.structured_call(
            ctx.settings, messages, LLMAnswer, lambda o: _check_llm_answer(o, keyed, ctx)
        )
    except (LLMUnavailableError, PlanEndpointNotAllowedError) as exc:
        return offline_answer(question, ctx, notice=NOTICE_UNAVAILABLE.format(reason=exc))
    if not obj.answerable:
        not_found = NOT_FOUND_WITH_PLAN if ctx.plan_ids else NOT_FOUND_GUIDELINE
        return Answer(answer=not_found, answerable=False, backend=llm.backend_name(ctx.settings))
    assembled = _assemble(obj, keyed, ctx)
    if assembled is None:
        return offline_answer(question, ctx, notice=NOTICE_UNVERIFIED)
    return assembled


def stream_llm_answer(question: str, ctx: AnswerContext) -> Iterator[str | Answer]:
    """Yield draft text as it arrives, then the verified :class:`Answer` that replaces it.

    The streamed draft is shown as provisional; only the final object, built from verified
    quotes, is kept, so streaming never lets an unchecked claim stand.
    """
    try:
        if ctx.plan_ids:
            llm.ensure_plan_allowed(ctx.settings)
        block, keyed = _source_block(gather(question, ctx))
        system = llm.load_prompt(ctx.settings, "answer_stream_system")
        user = llm.load_prompt(ctx.settings, "answer_user").format(question=question, sources=block)
        text = ""
        for delta in llm.stream_text(ctx.settings, [SystemMessage(system), HumanMessage(user)]):
            text += delta
            yield delta
    except (LLMUnavailableError, PlanEndpointNotAllowedError) as exc:
        yield offline_answer(question, ctx, notice=NOTICE_UNAVAILABLE.format(reason=exc))
        return
    yield _verify_streamed(text, keyed, question, ctx)


def _verify_streamed(text: str, keyed: dict[str, Document], question: str, ctx: AnswerContext) -> Answer:
    """A streamed answer has keys but no quotes: quote the best sentence of each cited chunk."""
    citations = []
    for key in llm.extract_citation_keys(text):
        chunk = keyed.get(key)
        if chunk is None:
            continue
        ranked = score_sentences(question, [chunk], ctx)
        if ranked:
            citations.append(LLMCitation(key=key, quote=ranked[0].text))
    obj = LLMAnswer(answerable=bool(citations), answer=text, citations=citations)
    assembled = _assemble(obj, keyed, ctx) if citations else None
    if assembled is None:
        return offline_answer(question, ctx, notice=NOTICE_UNVERIFIED)
    return assembled
