"""What an answerer may look at, and which passages a question brings in.

The context is built by the API after its access checks, so everything reachable from here is
something the asking user may see.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.assess.plan_type import detect_plan_type
from assistant.domain.chunks import Chunk
from assistant.domain.models import AnswerPart, ParsedDocument
from assistant.domain.rubric import Criterion, Rubric
from assistant.search.hybrid import HybridRetriever
from assistant.search.stores import Scope
from assistant.settings import Settings
from assistant.text.grounding import DocLookup
from assistant.text.normalize import nfkc

from .sections import SectionTypes

NOT_FOUND_GUIDELINE = "ガイドラインに記載がありません。"
NOT_FOUND_WITH_PLAN = "ガイドラインに記載がありません（計画書にも該当する記載は見つかりませんでした）。"
NOTICE_UNAVAILABLE = "（注意：LLMを使えないためオフライン回答です：{reason}）"
NOTICE_UNVERIFIED = "（注意：LLMの回答に検証できる引用がなかったため、オフライン回答を表示します）"


@dataclass
class AnswerContext:
    retriever: HybridRetriever
    lookup: DocLookup
    settings: Settings
    rubric: Rubric
    plan_ids: frozenset[str] = field(default_factory=frozenset)
    plan_doc: ParsedDocument | None = None
    k: int = 8
    _sections: dict[str, SectionTypes] = field(default_factory=dict)

    @property
    def not_found(self) -> str:
        return NOT_FOUND_WITH_PLAN if self.plan_ids else NOT_FOUND_GUIDELINE

    def named_section(self, question: str, *, literal_only: bool = False) -> str | None:
        """A guideline section (not a criterion's) the question names: 「計画素案」「記載事項」…;
        with ``literal_only``, only one it names in so many words."""
        for chunk in self.retriever.store.snapshot().chunks:
            if chunk.kind == "guideline" and (sections := self.section_types(chunk)) is not None:
                named = sections.named_in(question)
                if named is not None and literal_only and not sections.names_literally(named, question):
                    return None
                return named
        return None

    def section_types(self, chunk: Chunk) -> SectionTypes | None:
        """The plan types of the guideline sections of a chunk's document (None for plans)."""
        if chunk.kind != "guideline":
            return None
        if chunk.doc_id not in self._sections:
            doc = self.lookup(chunk.doc_id)
            if doc is None:
                return None
            self._sections[chunk.doc_id] = SectionTypes(doc, self.rubric)
        return self._sections[chunk.doc_id]


def render(parts: list[AnswerPart]) -> str:
    """The answer text is its parts, one per line: screens use the parts, the JSON the text."""
    return "\n".join(p.text for p in parts)


def notice_parts(notice: str) -> list[AnswerPart]:
    return [AnswerPart(kind="notice", text=notice)] if notice else []


def criteria_in_question(question: str, ctx: AnswerContext) -> list[Criterion]:
    """Criteria a reviewer's question names (外部依存性, KPI, 知事の発表 …) for the plan's type."""
    if ctx.plan_doc is None:
        return []
    q = nfkc(question)
    plan_type = detect_plan_type(ctx.plan_doc, ctx.rubric).plan_type
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


def gather(question: str, ctx: AnswerContext) -> list[Chunk]:
    """Retrieved chunks, plus, for each criterion the question names, its guideline text and the
    plan passages its hint queries find, so a reviewer's question gets both sides."""
    chunks = [hit.chunk for hit in ctx.retriever.search(question, k=ctx.k)]
    criteria = criteria_in_question(question, ctx)
    if not criteria:
        return chunks
    extra: list[Chunk] = []
    guideline_scope = ctx.retriever.scoped(Scope(guidelines=True))
    plan_scope = ctx.retriever.scoped(Scope(guidelines=False, plan_ids=ctx.plan_ids))
    for c in criteria:
        extra += [h.chunk for h in guideline_scope.search(c.text, k=3) if h.chunk.section == c.section][:1]
        for query in c.queries[:2]:
            extra += [h.chunk for h in plan_scope.search(query, k=2)]
    seen: set[str] = set()
    merged = []
    for chunk in extra + chunks:
        if chunk.id not in seen:
            seen.add(chunk.id)
            merged.append(chunk)
    return merged[: ctx.k + 4]
