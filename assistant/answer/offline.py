"""The offline answerer: extractive, so it only ever shows sentences that exist in the documents.

Its first line answers: the decisive words quoted inline with their [n] markers. A question about a
requirement is answered from the rubric's criterion texts (:mod:`.rubric_answer`); anything else
from the best passages retrieval finds. It abstains — 「ガイドラインに記載がありません。」 first, the
closest passage after it as 関連する記載 — when the evidence is weak or cannot contain what is asked
(a number, a date, a form, a list the guideline only counts, whether an unnamed alternative is
acceptable).
"""

from __future__ import annotations

import re

from assistant.assess.plan_type import detect_plan_type
from assistant.domain.labels import where
from assistant.domain.models import Answer, AnswerPart, Citation, Turn
from assistant.domain.rubric import Criterion
from assistant.search.lexical import get_tokenizer
from assistant.text.normalize import nfkc, squash

from .context import AnswerContext, criteria_in_question, gather, notice_parts, render
from .question import VALUE_JA, Intent, analyse, criteria_for, value_shown
from .reviewer import criterion_answer
from .rubric_answer import rubric_answer
from .sentences import (
    ScoredSentence,
    expand,
    footnotes,
    is_japanese,
    list_siblings,
    of_types,
    score_sentences,
    section_sentences,
    verified,
)

#: Each side of a comparison is answered from the best passage of its own type, which may score
#: lower than a whole question would need: long comparisons share fewer words with one passage.
_SIDE_FLOOR = 0.25
_SPECIFIC = re.compile(r"[\u4e00-\u9fff]{4,}")
PLAN_NOTE = "※ 要件を満たすかどうかの判断は審査者が行ってください（オフライン回答は該当箇所の抽出のみです）。"


def offline_answer(
    question: str, ctx: AnswerContext, *, notice: str = "", history: list[Turn] | None = None
) -> Answer:
    intent = analyse(question, ctx.rubric, history)
    if ctx.plan_doc is not None:
        # 「海外売上比率の目標は何％ですか」 asks the plan for a value, not for a verdict on a criterion.
        criteria = (
            []
            if intent.asks_value and not criteria_in_question(question, ctx)
            else (_plan_criteria(question, intent, ctx))
        )
        if criteria and (answer := criterion_answer(criteria, ctx, notice)) is not None:
            return answer.model_copy(update={"question": question, "topic": intent.topic})
        return _retrieved_answer(question, intent, ctx, notice, None)
    # A requirement named in so many words is answered from the rubric, unless the question names a
    # guideline section in so many words too (「官民投資ロードマップでは…戦略分野…」).
    query = expand(intent.topic.query or question, ctx.rubric.questions.expansions)
    named = ctx.named_section(query, literal_only=intent.literal)
    answer = rubric_answer(question, intent, ctx, notice) if named is None else None
    if answer is None:
        return _retrieved_answer(question, intent, ctx, notice, named)
    if not answer.answerable and not criteria_for(intent, ctx.rubric)[0]:
        # The rubric has the requirement for other plan types only; the guideline may still say it
        # for the type asked outside the criteria (A's 記載事項 lists 「目標となるKPIの設定」).
        retrieved = _retrieved_answer(question, intent, ctx, notice, named)
        if retrieved.answerable and _on_topic(retrieved, intent, ctx):
            return retrieved
    return answer


def _on_topic(answer: Answer, intent: Intent, ctx: AnswerContext) -> bool:
    """Whether a quote speaks of the requirement asked about, in one of the words that name it."""
    terms = [t for g in intent.topic.groups for t in ctx.rubric.questions.groups.get(g, [])]
    terms += [t for i in intent.topic.items for t in ctx.rubric.questions.items.get(i, [])]
    quotes = [nfkc(c.quote).lower() for c in answer.citations]
    return any(nfkc(t).lower() in q for t in terms for q in quotes)


def _plan_criteria(question: str, intent: Intent, ctx: AnswerContext) -> list[Criterion]:
    """A reviewer's question about a plan names criteria of the plan's own type."""
    assert ctx.plan_doc is not None
    named = criteria_in_question(question, ctx)
    if named:
        return named
    plan_type = detect_plan_type(ctx.plan_doc, ctx.rubric).plan_type
    topic = intent.topic.model_copy(update={"plan_types": [plan_type]})
    chosen, _ = criteria_for(intent.model_copy(update={"topic": topic}), ctx.rubric)
    return chosen


def _declined(
    ctx: AnswerContext,
    notice: str,
    question: str,
    intent: Intent,
    detail: str = "",
    related: list[Citation] | None = None,
) -> Answer:
    parts = [*notice_parts(notice), AnswerPart(kind="lead", text=ctx.not_found + detail)]
    related = related or []
    if related:
        parts.append(AnswerPart(kind="heading", text="【関連する記載】"))
        parts += _quote_parts(related)
    return Answer(
        answer=render(parts),
        answerable=False,
        backend="offline",
        citations=related,
        question=question,
        topic=intent.topic,
        parts=parts,
    )


def _quote_parts(citations: list[Citation]) -> list[AnswerPart]:
    return [
        AnswerPart(
            kind="quote",
            text=f"[{n + 1}] 「{c.quote}」（{where(c.source, c.page, c.section, c.paragraph)}）",
            citation=n,
        )
        for n, c in enumerate(citations)
    ]


def _pick(ranked: list[ScoredSentence], intent: Intent) -> list[ScoredSentence]:
    """The best guideline sentences (a whole list for list questions, with a pointed-to footnote)
    and, with a plan, its best lines."""
    best = ranked[0].score
    picked: list[ScoredSentence] = []
    if intent.wants_list:
        top = next((r for r in ranked if r.chunk.kind == "guideline"), None)
        listed = section_sentences(top, ranked) if top is not None else []
        if len(listed) >= 2:
            picked = listed + [r for r in ranked if r.chunk.kind == "plan"][:2]
    if not picked:
        for kind, limit in (("guideline", 2), ("plan", 3)):
            for s in ranked:
                if len([p for p in picked if p.chunk.kind == kind]) >= limit:
                    break
                if (
                    s.chunk.kind == kind
                    and s.score >= 0.8 * best - (0.15 if kind == "plan" else 0)
                    and all(squash(s.text) != squash(p.text) for p in picked)
                ):
                    picked.append(s)
        picked += list_siblings(picked, ranked)
    return picked + footnotes(picked, ranked)


def _unknown_nouns(question: str, ctx: AnswerContext) -> list[str]:
    """Specific compound nouns of a Japanese question that no indexed passage contains, nor most of
    their parts (事後評価: neither 事後 nor 評価 occurs; 商工会議所連合会: only 会議 does): what the
    question is about is not in the guideline.

    Only compounds of four or more kanji count: everyday words (期間, 狙い, サポート) paraphrase
    what the guideline says in other words, and must not turn an answerable question away.
    """
    if not is_japanese(question):
        return []
    lexical = ctx.retriever.store.snapshot().lexical
    unknown = []
    for noun, parts in get_tokenizer().nouns(question):
        if not _SPECIFIC.fullmatch(noun):
            continue
        units = [p for p in parts if len(p) >= 2]
        known = sum(lexical.knows(p) for p in units)
        if not lexical.knows(noun) and known * 2 < max(len(units), 1):
            unknown.append(noun)
    return unknown


def _refusal(intent: Intent, text: str) -> str | None:
    """Why the passages found (``text``) cannot answer what was asked, or None when they can."""
    if intent.counted_noun:
        return f"（「{intent.counted_noun}」の一覧・内訳は示されていません）"
    if intent.asks_value and not value_shown(intent.asks_value, text):
        return f"（{VALUE_JA[intent.asks_value]}は示されていません）"
    if intent.permission or intent.possible:
        return "（お尋ねのことが認められるかどうかは示されていません）"
    return None


def _retrieved_answer(
    question: str, intent: Intent, ctx: AnswerContext, notice: str, named: str | None
) -> Answer:
    """``named`` is a guideline section the question points at by name: the answer comes from it."""
    query = expand(intent.topic.query or question, ctx.rubric.questions.expansions)
    chunks = gather(query, ctx)
    if named is not None and (section := ctx.retriever.store.guideline_section(named)) is not None:
        chunks = [section, *chunks]
    # A follow-up is found with the conversation's words but ranked by its own question.
    scoring = expand(question, ctx.rubric.questions.expansions) if intent.follow_up else query
    ranked = score_sentences(scoring, chunks, ctx)
    if named is None and ctx.plan_doc is None and (unknown := _unknown_nouns(question, ctx)):
        related = [c for c in (verified(r, ctx) for r in ranked[:1]) if c is not None]
        return _declined(
            ctx, notice, question, intent, f"（「{unknown[0]}」についての記載はありません）", related
        )
    if named is not None:
        ranked = [r for r in ranked if r.chunk.section == named] or ranked
    elif not ranked or ranked[0].score < ctx.settings.abstain_threshold and not _comparing(intent, ctx):
        return _declined(ctx, notice, question, intent)
    if not ranked:
        return _declined(ctx, notice, question, intent)
    types = intent.topic.plan_types
    if _comparing(intent, ctx) and named is None:
        return _side_by_side(question, query, intent, ctx, notice)
    if types:
        typed = of_types(ranked, types, ctx)
        if not typed or (named is None and typed[0].score < ctx.settings.abstain_threshold):
            named = "・".join(ctx.rubric.type_label(t) for t in types)
            related = [c for c in (verified(r, ctx) for r in ranked[:1]) if c is not None]
            return _declined(ctx, notice, question, intent, f"（{named}については示されていません）", related)
        ranked = typed
    picked = _pick(ranked, intent)
    citations = [c for c in (verified(p, ctx) for p in picked) if c is not None]
    if not citations:
        return _declined(ctx, notice, question, intent)
    if (detail := _refusal(intent, " ".join(p.text for p in picked))) is not None:
        return _declined(ctx, notice, question, intent, detail, citations[:1])
    # A .docx plan's citations have no page but a paragraph.
    guideline = [c for c in citations if c.page is None and c.paragraph is None]
    plan = [c for c in citations if c.page is not None or c.paragraph is not None]
    return _finish(
        question, intent, notice, _lead(guideline, plan, len(guideline)), guideline + plan, bool(plan)
    )


def _comparing(intent: Intent, ctx: AnswerContext) -> bool:
    return intent.compare and len(intent.topic.plan_types) >= 2 and ctx.plan_doc is None


def _side_by_side(question: str, query: str, intent: Intent, ctx: AnswerContext, notice: str) -> Answer:
    """For a comparison across plan types, the best passage for each type, each under its name."""
    entries: list[tuple[str, Citation]] = []
    for t in intent.topic.plan_types:
        label = ctx.rubric.type_label(t)
        typed_query = f"{query} {label}"
        ranked = of_types(score_sentences(typed_query, gather(typed_query, ctx), ctx), [t], ctx)
        ranked = [r for r in ranked if r.chunk.kind == "guideline" and r.score >= _SIDE_FLOOR]
        best = next((c for c in (verified(r, ctx) for r in ranked[:3]) if c is not None), None)
        if best is not None and all(best.quote != c.quote for _, c in entries):
            entries.append((label, best))
    if not entries:
        return _declined(ctx, notice, question, intent)
    if (detail := _refusal(intent, " ".join(c.quote for _, c in entries))) is not None:
        return _declined(ctx, notice, question, intent, detail, [c for _, c in entries][:1])
    sides = "、".join(f"{label}では「{c.quote}」[{n + 1}]" for n, (label, c) in enumerate(entries))
    return _finish(question, intent, notice, f"{sides}とされています。", [c for _, c in entries], False)


def _finish(
    question: str, intent: Intent, notice: str, lead: str, citations: list[Citation], with_plan: bool
) -> Answer:
    parts = [*notice_parts(notice), AnswerPart(kind="lead", text=lead)]
    parts += [AnswerPart(kind="heading", text="【出典】"), *_quote_parts(citations)]
    if with_plan:
        parts.append(AnswerPart(kind="note", text=PLAN_NOTE))
    return Answer(
        answer=render(parts),
        answerable=True,
        backend="offline",
        citations=citations,
        question=question,
        topic=intent.topic,
        parts=parts,
    )


def _lead(guideline: list[Citation], plan: list[Citation], offset: int) -> str:
    said = "、".join(f"「{c.quote}」[{n + 1}]" for n, c in enumerate(guideline))
    found = "、".join(f"「{c.quote}」[{offset + n + 1}]" for n, c in enumerate(plan[:1]))
    if guideline and plan:
        return f"ガイドラインでは{said}とされ、計画書には{found}とあります。"
    if guideline:
        return f"ガイドラインでは{said}とされています。"
    return f"計画書には{found}とあります。"
