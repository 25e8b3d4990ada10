"""The LLM answerer: prose in which every sentence carries a source key whose quote verifies.

Whatever fails verification is dropped, numbers must occur in the quotes they cite, and any
endpoint failure falls back to the offline answer with a visible notice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from assistant.assess.locate import locate_answer
from assistant.domain.chunks import Chunk
from assistant.domain.errors import LLMUnavailableError, PlanEndpointNotAllowedError
from assistant.domain.labels import page_place
from assistant.domain.models import Answer, AnswerDelta, AnswerPart, Citation, StreamEvent, Turn
from assistant.llm.client import (
    CITATION_KEY_RE,
    backend_name,
    extract_citation_keys,
    stream_text,
    structured_call,
)
from assistant.llm.endpoint import ensure_plan_allowed
from assistant.llm.prompts import load_prompt
from assistant.text.grounding import chunk_citation, verify_citation
from assistant.text.normalize import nfkc, squash

from .context import NOTICE_UNAVAILABLE, NOTICE_UNVERIFIED, AnswerContext, gather, render
from .offline import offline_answer
from .question import Intent, analyse, criteria_for
from .rubric_answer import rubric_answer
from .sentences import score_sentences


class LLMCitation(BaseModel):
    key: str = Field(description="Source key such as S3")
    quote: str = Field(description="Exact text copied from that source")


class LLMAnswer(BaseModel):
    answerable: bool = Field(description="false when the sources do not contain the answer")
    answer: str = Field(description="Japanese answer; every sentence ends with its source keys like 【S3】")
    citations: list[LLMCitation]


def _source_block(chunks: list[Chunk], ctx: AnswerContext) -> tuple[str, dict[str, Chunk]]:
    keyed = {f"S{i + 1}": c for i, c in enumerate(chunks)}
    parts = []
    for key, c in keyed.items():
        doc = ctx.lookup(c.doc_id) if c.kind == "plan" else None
        # A .docx part number means nothing to anyone: the model sees the heading instead.
        place = f"「{c.section}」" if doc is not None and not doc.paged else page_place(c.page, c.section)
        if c.kind == "plan":
            parts.append(f"【{key}】計画書 {c.source} {place}\n<plan_data>\n{c.text}\n</plan_data>")
        else:
            parts.append(f"【{key}】ガイドライン {c.source} {place}\n{c.text}")
    return "\n\n".join(parts), keyed


def _messages(system_prompt: str, question: str, block: str, ctx: AnswerContext) -> list[BaseMessage]:
    system = load_prompt(ctx.settings, system_prompt)
    user = load_prompt(ctx.settings, "answer_user", question=question, sources=block)
    return [SystemMessage(system), HumanMessage(user)]


def _check_llm_answer(obj: LLMAnswer, keyed: dict[str, Chunk], ctx: AnswerContext) -> list[str]:
    errors = []
    for c in obj.citations:
        chunk = keyed.get(c.key)
        if chunk is None:
            errors.append(f"citations: 資料キー {c.key} は存在しません（使えるのは {', '.join(keyed)}）")
        elif not verify_citation(chunk_citation(chunk, c.quote), ctx.lookup(chunk.doc_id)):
            errors.append(
                f"citations: {c.key} の quote「{c.quote[:40]}」は資料の原文と一致しません。原文をそのまま写してください"
            )
    for key in extract_citation_keys(obj.answer):
        if key not in keyed:
            errors.append(f"answer: 資料キー【{key}】は存在しません")
    return errors


_SENT_SPLIT = re.compile(r"(?<=[。！？!?])|\n")
_NUMBER = re.compile(r"[0-9０-９][0-9０-９,，.．]*")


def _assemble(obj: LLMAnswer, keyed: dict[str, Chunk], ctx: AnswerContext) -> Answer | None:
    """Keep only sentences whose keys have verified quotes, and numbers that a quote contains."""
    good: dict[str, Citation] = {}
    for c in obj.citations:
        chunk = keyed.get(c.key)
        if chunk is None:
            continue
        citation = chunk_citation(chunk, c.quote)
        doc = ctx.lookup(chunk.doc_id)
        if c.key not in good and verify_citation(citation, doc):
            good[c.key] = locate_answer(citation, doc)
    order: list[str] = []
    parts: list[AnswerPart] = []
    for sentence in (s.strip() for s in _SENT_SPLIT.split(obj.answer)):
        keys = [k for k in extract_citation_keys(sentence) if k in good]
        if not sentence or not keys:
            continue
        quotes = squash("".join(good[k].quote for k in keys))
        body = CITATION_KEY_RE.sub("", sentence)
        if any(squash(n) not in quotes for n in _NUMBER.findall(nfkc(body))):
            continue
        for k in keys:
            if k not in order:
                order.append(k)
        text = CITATION_KEY_RE.sub(
            lambda m: f"[{order.index(m.group(1)) + 1}]" if m.group(1) in order else "", sentence
        )
        parts.append(AnswerPart(kind="sentence", text=text))
    if not parts:
        return None
    return Answer(
        answer=render(parts),
        answerable=True,
        backend=backend_name(ctx.settings),
        citations=[good[k] for k in order],
        parts=parts,
    )


def _not_answerable(ctx: AnswerContext) -> Answer:
    parts = [AnswerPart(kind="lead", text=ctx.not_found)]
    return Answer(answer=render(parts), answerable=False, backend=backend_name(ctx.settings), parts=parts)


def _sources(question: str, ctx: AnswerContext, history: list[Turn] | None) -> tuple[Intent, list[Chunk]]:
    """The same understanding as the offline answerer: the requirement sections a question names
    come first, then what retrieval finds for the question (with the previous one, for follow-ups)."""
    intent = analyse(question, ctx.rubric, history)
    chosen, elsewhere = criteria_for(intent, ctx.rubric)
    named = [ctx.retriever.store.guideline_section(c.section) for c in chosen or elsewhere]
    retrieved = gather(intent.topic.query or question, ctx)
    seen: set[str] = set()
    chunks = []
    for chunk in [c for c in named if c is not None] + retrieved:
        if chunk.id not in seen:
            seen.add(chunk.id)
            chunks.append(chunk)
    return intent, chunks[: ctx.k + 4]


def _declined_offline(question: str, ctx: AnswerContext, history: list[Turn] | None) -> Answer | None:
    """When the requirement's own texts show the asked fact is missing, say so without a model."""
    if ctx.plan_doc is not None:
        return None
    intent = analyse(question, ctx.rubric, history)
    offline = rubric_answer(question, intent, ctx)
    return offline if offline is not None and not offline.answerable else None


def llm_answer(question: str, ctx: AnswerContext, history: list[Turn] | None = None) -> Answer:
    """Falls back to the offline answer, with a notice, whenever the LLM cannot be trusted."""
    if (declined := _declined_offline(question, ctx, history)) is not None:
        return declined
    try:
        if ctx.plan_ids:
            ensure_plan_allowed(ctx.settings)
        intent, chunks = _sources(question, ctx, history)
        block, keyed = _source_block(chunks, ctx)
        obj, _errors = structured_call(
            ctx.settings,
            _messages("answer_system", question, block, ctx),
            LLMAnswer,
            lambda o: _check_llm_answer(o, keyed, ctx),
            carries_plan=bool(ctx.plan_ids),
        )
    except (LLMUnavailableError, PlanEndpointNotAllowedError) as exc:
        return offline_answer(question, ctx, notice=NOTICE_UNAVAILABLE.format(reason=exc), history=history)
    about = {"question": question, "topic": intent.topic}
    if not obj.answerable:
        return _not_answerable(ctx).model_copy(update=about)
    assembled = _assemble(obj, keyed, ctx)
    if assembled is None:
        return offline_answer(question, ctx, notice=NOTICE_UNVERIFIED, history=history)
    return assembled.model_copy(update=about)


def stream_llm_answer(
    question: str, ctx: AnswerContext, history: list[Turn] | None = None
) -> Iterator[StreamEvent]:
    """Yield draft text as it arrives, then the verified :class:`Answer` that replaces it.

    The streamed draft is shown as provisional; only the final object, built from verified
    quotes, is kept, so streaming never lets an unchecked claim stand.
    """
    if (declined := _declined_offline(question, ctx, history)) is not None:
        yield declined
        return
    try:
        if ctx.plan_ids:
            ensure_plan_allowed(ctx.settings)
        intent, chunks = _sources(question, ctx, history)
        block, keyed = _source_block(chunks, ctx)
        text = ""
        messages = _messages("answer_stream_system", question, block, ctx)
        for delta in stream_text(ctx.settings, messages, carries_plan=bool(ctx.plan_ids)):
            text += delta
            yield AnswerDelta(text=delta)
    except (LLMUnavailableError, PlanEndpointNotAllowedError) as exc:
        yield offline_answer(question, ctx, notice=NOTICE_UNAVAILABLE.format(reason=exc), history=history)
        return
    verified = _verify_streamed(text, keyed, question, ctx)
    if verified is None:
        yield offline_answer(question, ctx, notice=NOTICE_UNVERIFIED, history=history)
    else:
        yield verified.model_copy(update={"question": question, "topic": intent.topic})


def _verify_streamed(text: str, keyed: dict[str, Chunk], question: str, ctx: AnswerContext) -> Answer | None:
    """A streamed answer has keys but no quotes: quote the best sentence of each cited chunk."""
    citations = []
    for key in extract_citation_keys(text):
        chunk = keyed.get(key)
        if chunk is None:
            continue
        ranked = score_sentences(question, [chunk], ctx)
        if ranked:
            citations.append(LLMCitation(key=key, quote=ranked[0].text))
    obj = LLMAnswer(answerable=bool(citations), answer=text, citations=citations)
    return _assemble(obj, keyed, ctx) if citations else None
