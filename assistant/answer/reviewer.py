"""A reviewer's question about a plan that names criteria: the criterion text, the plan's evidence
and the offline draft verdict, all quoted verbatim."""

from __future__ import annotations

import threading
from collections import OrderedDict

from assistant.assess.evidence import PlanEvidence
from assistant.assess.judgement.base import CONFIDENCE_LABELS_JA
from assistant.assess.locate import locate_answer
from assistant.assess.offline import draft_item_offline
from assistant.domain.labels import VERDICT_LABELS_JA, where
from assistant.domain.models import Answer, AnswerPart, ChecklistItem, Citation, ParsedDocument
from assistant.domain.rubric import Criterion
from assistant.text.grounding import verify_citation
from assistant.text.injection import find_injections

from .context import AnswerContext, notice_parts, render

DRAFT_NOTE = "※ 判定は規則に基づく下書きです。要件を満たすかどうかは審査者が判断してください。"

_PLAN_EVIDENCE: OrderedDict[tuple[str, int, int, str], PlanEvidence] = OrderedDict()
_PLAN_EVIDENCE_SIZE = 8
_PLAN_EVIDENCE_LOCK = threading.Lock()


def plan_evidence(doc: ParsedDocument, ctx: AnswerContext) -> PlanEvidence:
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


def criterion_answer(criteria: list[Criterion], ctx: AnswerContext, notice: str) -> Answer | None:
    assert ctx.plan_doc is not None
    plan = plan_evidence(ctx.plan_doc, ctx)
    citations: list[Citation] = []
    parts = [*notice_parts(notice)]
    verdicts: list[str] = []
    for c in criteria:
        section = ctx.retriever.store.guideline_section(c.section)
        if section is None:
            continue
        guide = Citation(source=section.source, page=None, section=c.section, quote=c.text)
        if not verify_citation(guide, ctx.lookup(section.doc_id)):
            continue
        citations.append(guide)
        parts.append(AnswerPart(kind="heading", text=f"【ガイドラインの基準：{c.group}】"))
        parts.append(_quote_part(citations, guide))
        item = draft_item_offline(c, plan)
        if item.citations:
            parts.append(AnswerPart(kind="heading", text="【計画書の該当箇所】"))
        for pc in item.citations:
            cite = Citation(source=ctx.plan_doc.source, page=pc.page, section=None, quote=pc.quote)
            citations.append(locate_answer(cite, ctx.plan_doc))
            parts.append(_quote_part(citations, citations[-1]))
        parts.append(
            AnswerPart(
                kind="verdict", text=f"【下書きの判定】{VERDICT_LABELS_JA[item.verdict]}：{item.rationale}"
            )
        )
        verdicts.append(_verdict_line(c, item, len(citations) - len(item.citations)))
    if not citations:
        return None
    lead = f"この計画書の{'、'.join(verdicts)}。"
    parts.insert(len(notice_parts(notice)), AnswerPart(kind="lead", text=lead))
    parts.append(AnswerPart(kind="note", text=DRAFT_NOTE))
    return Answer(answer=render(parts), answerable=True, backend="offline", citations=citations, parts=parts)


def _verdict_line(criterion: Criterion, item: ChecklistItem, guide_n: int) -> str:
    """「外部依存性（…）の下書きの判定は「満たさない」（確度：高）で、基準は「…」[1]です」."""
    confidence = f"（確度：{CONFIDENCE_LABELS_JA[item.confidence]}）" if item.confidence else ""
    return (
        f"{criterion.group}（{criterion.label}）の下書きの判定は「{VERDICT_LABELS_JA[item.verdict]}」{confidence}で、"
        f"基準は「{criterion.text}」[{guide_n}]です"
    )


def _quote_part(citations: list[Citation], c: Citation) -> AnswerPart:
    """The quote as the answer text shows it: 「[n] 「…」（where）」, n counting from 1."""
    n = len(citations)
    return AnswerPart(
        kind="quote",
        text=f"[{n}] 「{c.quote}」（{where(c.source, c.page, c.section, c.paragraph)}）",
        citation=n - 1,
    )
