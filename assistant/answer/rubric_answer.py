"""Answers about the requirements themselves, composed from the rubric's verbatim criterion texts.

The first line answers: the decisive guideline words quoted inline with their [n] markers, for each
plan type the question concerns (both B and C when it names none), side by side for comparisons,
the whole list for list questions. When the question asks for something those texts do not give
(a number, a form, a detail about an alternative), or names a plan type the requirement does not
belong to, the answer says 「ガイドラインに記載がありません。」 and shows the texts as 関連する記載.
"""

from __future__ import annotations

import re

from assistant.domain.labels import where
from assistant.domain.models import Answer, AnswerPart, Citation, PlanType, Topic
from assistant.domain.rubric import Criterion
from assistant.text.grounding import verify_citation
from assistant.text.normalize import nfkc

from .context import NOT_FOUND_GUIDELINE, AnswerContext, gather, notice_parts, render
from .question import VALUE_JA, Intent, criteria_for, value_shown
from .sentences import of_types, score_sentences, verified

#: A scope clause in a criterion (「新設・既設問わず」「地元・誘致を問わず」) answers 「…でも良いか」 for
#: the alternatives it names, in the words people use for them.
_SCOPE = re.compile(r"[（(]?([^（()）]{2,20})(?:を)?問わず")
_ALTERNATIVES = re.compile(r"又は|または|若しくは|もしくは|或いは|あるいは")
_WORD = re.compile(r"[\u4e00-\u9fff]{2,}|[\u30a0-\u30ff]{2,}")
_SCOPE_WORDS: dict[str, tuple[str, ...]] = {
    "新設": ("新設", "新しく", "新たに", "新規"),
    "既設": ("既設", "既存", "今ある", "現在の", "既に"),
    "地元": ("地元", "県内", "地場"),
    "誘致": ("誘致", "県外", "域外", "呼んで", "呼び込", "来てもらう"),
}


def _citation(criterion: Criterion, ctx: AnswerContext) -> Citation | None:
    section = ctx.retriever.store.guideline_section(criterion.section)
    if section is None:
        return None
    citation = Citation(source=section.source, page=None, section=criterion.section, quote=criterion.text)
    return citation if verify_citation(citation, ctx.lookup(section.doc_id)) else None


def _what(criteria: list[Criterion]) -> str:
    groups = list(dict.fromkeys(c.group for c in criteria))
    labels = list(dict.fromkeys(c.label for c in criteria))
    if len(groups) == 1 and len(labels) == 1 and len(criteria) <= 3:
        return f"{groups[0]}（{labels[0]}）"
    return "・".join(groups) + "の要件"


def _covers(question: str, criteria: list[Criterion]) -> bool:
    """Whether a 「…でも良いか」 question's alternative is one a criterion names: in a scope clause
    (「地元・誘致を問わず」) or as one branch of 「…又は…」 sharing two words with the question."""
    q = nfkc(question)
    for c in criteria:
        text = nfkc(c.text)
        for m in _SCOPE.finditer(text):
            named = [w for w in re.split(r"[・、/]", m.group(1)) if w]
            if any(word in q for n in named for word in _SCOPE_WORDS.get(n, (n,))):
                return True
        branches = _ALTERNATIVES.split(text)
        if len(branches) > 1 and any(len({w for w in _WORD.findall(b) if w in q}) >= 2 for b in branches):
            return True
    return False


Entry = tuple[PlanType, Citation]


def rubric_answer(question: str, intent: Intent, ctx: AnswerContext, notice: str = "") -> Answer | None:
    chosen, elsewhere = criteria_for(intent, ctx.rubric)
    if not chosen and not elsewhere:
        return None
    cited = [(c, cite) for c in chosen or elsewhere if (cite := _citation(c, ctx)) is not None]
    if not cited:
        return None
    criteria = [c for c, _ in cited]
    entries: list[Entry] = [(c.plan_type, cite) for c, cite in cited]
    reason = None
    if not chosen:
        named = "・".join(ctx.rubric.type_label(t) for t in intent.topic.plan_types)
        reason = f"{named}について、この要件は定められていません"
    elif intent.asks_value and not any(value_shown(intent.asks_value, c.text) for c in criteria):
        reason = f"{_what(criteria)}について、{VALUE_JA[intent.asks_value]}は示されていません"
    elif intent.permission and not _covers(question, criteria):
        reason = "お尋ねの方法・形態でよいかどうかは示されていません"
    elif intent.counted_noun:
        reason = f"「{intent.counted_noun}」の一覧・内訳は示されていません"
    else:
        entries += _beyond_rubric(question, intent, criteria, ctx)
    topic = Topic(
        plan_types=sorted({t for t, _ in entries}),
        groups=intent.topic.groups or sorted({c.group for c in criteria}),
        items=intent.topic.items,
        query=intent.topic.query,
    )
    what = _what(criteria)
    if reason is not None:
        return _declined(reason, entries, what, ctx, notice, question, topic)
    return _answered(entries, what, ctx, notice, question, topic)


def _beyond_rubric(
    question: str, intent: Intent, criteria: list[Criterion], ctx: AnswerContext
) -> list[Entry]:
    """For a named plan type the rubric has no such criterion for (「戦略クラスターもKPIは求められる？」),
    the guideline passage of that type that speaks of the same thing, if there is one."""
    have = {c.plan_type for c in criteria}
    terms = [t for key in intent.topic.items for t in ctx.rubric.questions.items.get(key, [])] + [
        t for g in intent.topic.groups for t in ctx.rubric.questions.groups.get(g, [])
    ]
    out: list[Entry] = []
    for t in intent.topic.plan_types:
        if t in have:
            continue
        query = f"{question} {ctx.rubric.type_label(t)}"
        ranked = [r for r in of_types(score_sentences(query, gather(query, ctx), ctx), [t], ctx)]
        for r in ranked[:5]:
            if r.chunk.kind == "guideline" and any(
                nfkc(term).lower() in nfkc(r.text).lower() for term in terms
            ):
                if (cite := verified(r, ctx)) is not None:
                    out.append((t, cite))
                break
    return out


def _quotes(entries: list[tuple[int, Citation]]) -> str:
    return "、".join(f"「{c.quote}」[{n + 1}]" for n, c in entries)


def _lead(entries: list[Entry], what: str, ctx: AnswerContext) -> str:
    per_type: dict[PlanType, list[tuple[int, Citation]]] = {}
    for n, (t, cite) in enumerate(entries):
        per_type.setdefault(t, []).append((n, cite))
    texts = {t: [c.quote for _, c in items] for t, items in per_type.items()}
    if len(per_type) == 1:
        ((t, items),) = per_type.items()
        count = f"次の{len(items)}項目で、" if len(items) > 2 else ""
        return f"{ctx.rubric.type_label(t)}の{what}は、{count}{_quotes(items)}とされています。"
    if len({tuple(v) for v in texts.values()}) == 1:
        labels = "・".join(ctx.rubric.type_label(t) for t in per_type)
        first = next(iter(per_type.values()))
        markers = "".join(f"[{n + 1}]" for items in per_type.values() for n, _ in items)
        quoted = "、".join(f"「{c.quote}」" for _, c in first)
        return f"{what}は、{labels}とも{quoted}とされています{markers}。"
    sides = "、".join(f"{ctx.rubric.type_label(t)}では{_quotes(items)}" for t, items in per_type.items())
    return f"{what}は、{sides}とされています。"


def _source_parts(entries: list[Entry]) -> list[AnswerPart]:
    return [
        AnswerPart(
            kind="quote",
            text=f"[{n + 1}] 「{cite.quote}」（{where(cite.source, cite.page, cite.section, cite.paragraph)}）",
            citation=n,
        )
        for n, (_, cite) in enumerate(entries)
    ]


def _answered(
    entries: list[Entry], what: str, ctx: AnswerContext, notice: str, question: str, topic: Topic
) -> Answer:
    parts = [*notice_parts(notice), AnswerPart(kind="lead", text=_lead(entries, what, ctx))]
    parts += [AnswerPart(kind="heading", text="【出典】"), *_source_parts(entries)]
    return Answer(
        answer=render(parts),
        answerable=True,
        backend="offline",
        citations=[cite for _, cite in entries],
        question=question,
        topic=topic,
        parts=parts,
    )


def _declined(
    reason: str,
    entries: list[Entry],
    what: str,
    ctx: AnswerContext,
    notice: str,
    question: str,
    topic: Topic,
) -> Answer:
    parts = [
        *notice_parts(notice),
        AnswerPart(kind="lead", text=f"{NOT_FOUND_GUIDELINE}{reason}。"),
        AnswerPart(kind="heading", text="【関連する記載】"),
        AnswerPart(kind="note", text=_lead(entries, what, ctx)),
        *_source_parts(entries),
    ]
    return Answer(
        answer=render(parts),
        answerable=False,
        backend="offline",
        citations=[cite for _, cite in entries],
        question=question,
        topic=topic,
        parts=parts,
    )
