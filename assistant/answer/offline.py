"""The offline answerer: extractive, so it only ever shows sentences that exist in the documents.

It abstains when the evidence is weak or cannot contain the kind of answer asked for (an amount,
a date, a count).
"""

from __future__ import annotations

from assistant.domain.labels import where
from assistant.domain.models import Answer, AnswerPart, Citation
from assistant.text.normalize import squash

from .context import AnswerContext, criteria_in_question, gather, notice_parts, render
from .reviewer import LEAD, criterion_answer
from .sentences import ScoredSentence, list_siblings, score_sentences, type_mismatch, verified

PLAN_NOTE = "※ 要件を満たすかどうかの判断は審査者が行ってください（オフライン回答は該当箇所の抽出のみです）。"
VALUE_MISSING = "（質問の数値・日付等は該当箇所に示されていません）"


def _declined(ctx: AnswerContext, notice: str, detail: str = "") -> Answer:
    parts = [*notice_parts(notice), AnswerPart(kind="lead", text=ctx.not_found + detail)]
    return Answer(answer=render(parts), answerable=False, backend="offline", parts=parts)


def offline_answer(question: str, ctx: AnswerContext, *, notice: str = "") -> Answer:
    criteria = criteria_in_question(question, ctx)
    if criteria:
        answer = criterion_answer(criteria, ctx, notice)
        if answer is not None:
            return answer
    ranked = score_sentences(question, gather(question, ctx), ctx)
    if not ranked or ranked[0].score < ctx.settings.abstain_threshold:
        return _declined(ctx, notice)
    best = ranked[0].score
    picked: list[ScoredSentence] = []
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
    if type_mismatch(question, " ".join(p.text for p in picked)):
        return _declined(ctx, notice, VALUE_MISSING)
    citations = [c for c in (verified(p, ctx) for p in picked) if c is not None]
    if not citations:
        return _declined(ctx, notice)
    guideline = [c for c in citations if c.page is None]
    plan = [c for c in citations if c.page is not None]
    ordered: list[Citation] = []
    parts = [*notice_parts(notice), AnswerPart(kind="lead", text=LEAD)]
    for title, group in (("ガイドライン", guideline), ("計画書", plan)):
        if not group:
            continue
        parts.append(AnswerPart(kind="heading", text=f"【{title}】"))
        for c in group:
            ordered.append(c)
            n = len(ordered)
            text = f"[{n}] 「{c.quote}」（{where(c.source, c.page, c.section)}）"
            parts.append(AnswerPart(kind="quote", text=text, citation=n - 1))
    if plan:
        parts.append(AnswerPart(kind="note", text=PLAN_NOTE))
    return Answer(answer=render(parts), answerable=True, backend="offline", citations=ordered, parts=parts)
