"""The LLM drafter: the model may judge, but only where the evidence rules can back it.

It receives the offline drafter's findings and draft for each criterion and must cite the findings
its verdict rests on. Its output passes the same quote verification as the offline drafter; a
``meets`` on a presence criterion must show the cue the offline rules require; and a verdict that
rises above what the offline findings support, or contradicts a high-confidence offline finding, is
marked for review with both views. So neither a hallucinating model nor an injected instruction the
detector missed can produce an unsupported ``meets``.
"""

from __future__ import annotations

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from assistant.domain.chunks import Chunk
from assistant.domain.labels import VERDICT_LABELS_JA
from assistant.domain.models import ChecklistItem, PlanCitation, Verdict
from assistant.domain.rubric import Criterion
from assistant.llm.client import structured_call
from assistant.llm.endpoint import ensure_plan_allowed
from assistant.llm.prompts import load_prompt
from assistant.settings import Settings
from assistant.text.cues import is_non_commitment
from assistant.text.grounding import quote_on_page
from assistant.text.injection import is_injection
from assistant.text.normalize import nfkc

from .evidence import PlanEvidence
from .judgement.base import CONFIDENCE_LABELS_JA, KIND_LABELS_JA
from .offline import MAX_CITATIONS, cue_satisfied, draft_item_offline, enforce_evidence


class LLMPlanCitation(BaseModel):
    key: str = Field(description="Evidence key such as S3")
    quote: str = Field(description="Exact text copied from that evidence passage")


class LLMItem(BaseModel):
    criterion_id: str
    verdict: Verdict
    rationale: str = Field(description="Japanese rationale, 1-3 sentences")
    citations: list[LLMPlanCitation]
    findings: list[str] = Field(description="Keys of the offline findings the verdict rests on, such as F2")


class LLMChecklist(BaseModel):
    items: list[LLMItem]


def _place(plan: PlanEvidence, page: int | None) -> str:
    """A passage's place as the model should name it: a page, or a .docx heading (its part number
    means nothing to anyone)."""
    if plan.original.paged or page is None or not 1 <= page <= len(plan.original.pages):
        return f"{page}頁"
    return f"「{plan.original.pages[page - 1].section}」"


def _llm_prompt(
    criteria: list[Criterion], plan: PlanEvidence, settings: Settings, offline: dict[str, ChecklistItem]
) -> tuple[list[BaseMessage], dict[str, Chunk], dict[str, set[str]]]:
    keyed: dict[str, Chunk] = {}
    finding_keys: dict[str, set[str]] = {}
    blocks = []
    n_findings = 0
    for c in criteria:
        lines = [
            f"## {c.id}（{c.group}／{'記載の有無' if c.kind == 'presence' else '審査者の判断'}）",
            f"基準：{c.text}",
        ]
        if c.applicability:
            lines.append(f"適用条件：{c.applicability}")
        draft = offline[c.id]
        confidence = CONFIDENCE_LABELS_JA[draft.confidence] if draft.confidence else "－"
        lines.append(f"オフライン下書き：{draft.verdict.value}（確度：{confidence}）")
        finding_keys[c.id] = set()
        for f in draft.findings:
            n_findings += 1
            key = f"F{n_findings}"
            finding_keys[c.id].add(key)
            where = f"（{_place(plan, f.page)}「{f.quote}」）" if f.page and f.quote else ""
            lines.append(f"所見【{key}】［{KIND_LABELS_JA[f.kind]}］{f.text}{where}")
        for chunk in plan.chunks_for(c)[:4]:
            key = next((k for k, v in keyed.items() if v.id == chunk.id), None)
            if key is None:
                key = f"S{len(keyed) + 1}"
                keyed[key] = chunk
            lines.append(f"候補根拠：【{key}】")
        blocks.append("\n".join(lines))
    evidence = "\n\n".join(
        f"【{k}】{_place(plan, v.page)}\n<plan_data>\n{v.text}\n</plan_data>" for k, v in keyed.items()
    )
    system = load_prompt(settings, "assess_system")
    user = load_prompt(
        settings, "assess_user", criteria="\n\n".join(blocks), evidence=evidence, plan=plan.original.source
    )
    return [SystemMessage(system), HumanMessage(user)], keyed, finding_keys


def _check_llm_items(
    obj: LLMChecklist,
    criteria: list[Criterion],
    keyed: dict[str, Chunk],
    plan: PlanEvidence,
    finding_keys: dict[str, set[str]],
) -> list[str]:
    errors = []
    for item in obj.items:
        unknown = set(item.findings) - finding_keys.get(item.criterion_id, set())
        if unknown:
            errors.append(
                f"{item.criterion_id}: findings の {', '.join(sorted(unknown))} はこの基準の所見ではありません"
            )
    expected = {c.id for c in criteria}
    got = [i.criterion_id for i in obj.items]
    if set(got) != expected or len(got) != len(expected):
        errors.append(
            f"items: criterion_id はちょうど次の {len(expected)} 件を1回ずつ含めてください：{', '.join(sorted(expected))}"
        )
    for item in obj.items:
        for c in item.citations:
            chunk = keyed.get(c.key)
            if chunk is None:
                errors.append(f"{item.criterion_id}: 根拠キー {c.key} は存在しません")
            elif not quote_on_page(plan.original, chunk.page or 0, None, c.quote):
                errors.append(
                    f"{item.criterion_id}: {c.key} の quote「{c.quote[:40]}」は計画書の原文と一致しません"
                )
            elif is_injection(c.quote):
                errors.append(f"{item.criterion_id}: {c.key} の quote は審査への指示文であり根拠にできません")
    return errors


#: How far a verdict goes for the plan; verdicts that decide nothing have no rank.
_RANK: dict[Verdict, int] = {
    Verdict.meets: 3,
    Verdict.partially_meets: 2,
    Verdict.does_not_meet: 1,
    Verdict.not_addressed: 0,
}


def _against_offline(item: LLMItem, verdict: Verdict, offline: ChecklistItem) -> str | None:
    """Why the model's verdict may not stand without review, judged against the offline draft."""
    if verdict == offline.verdict or verdict == Verdict.needs_review:
        return None
    views = f"オフライン下書き：{VERDICT_LABELS_JA[offline.verdict]}、LLM：{VERDICT_LABELS_JA[verdict]}"
    if offline.confidence == "high" and offline.verdict in _RANK:
        return f"LLMの判定がオフラインの確度の高い所見と食い違うため「要確認」としました（{views}）"
    if offline.verdict in _RANK and _RANK.get(verdict, -1) > _RANK[offline.verdict]:
        return f"LLMの判定がオフラインの所見で裏付けられる範囲を超えるため「要確認」としました（{views}）"
    if verdict in _RANK and offline.findings and not item.findings:
        return f"LLMの判定が所見を引用していないため「要確認」としました（{views}）"
    return None


def _accept_llm_item(
    item: LLMItem,
    criterion: Criterion,
    keyed: dict[str, Chunk],
    plan: PlanEvidence,
    injected: bool,
    offline: ChecklistItem,
) -> ChecklistItem:
    """Keep the model's judgement only where the evidence rules can back it.

    Quotes must verify on their page and never be injected text; a positive verdict must cite a
    passage on the criterion's topic; a presence ``meets`` must cite a concrete, committed
    statement; and when the plan tried to instruct the assessor, no positive verdict stands
    without a person looking at it.
    """
    cites = []
    for c in item.citations:
        chunk = keyed.get(c.key)
        if chunk is None or is_injection(c.quote):
            continue
        page = chunk.page or 0
        if quote_on_page(plan.original, page, None, c.quote):
            cites.append(PlanCitation(page=page, quote=c.quote.strip()))
    verdict, rationale = item.verdict, item.rationale
    positive = verdict in (Verdict.meets, Verdict.partially_meets)
    on_topic = any(nfkc(k) in nfkc(c.quote) for c in cites for k in criterion.keywords)
    if (reason := _against_offline(item, verdict, offline)) is not None:
        verdict = Verdict.needs_review
        rationale += f"（{reason}）"
    elif positive and criterion.keywords and not on_topic:
        verdict = Verdict.needs_review
        rationale += "（引用が基準の内容に関する記載と確認できないため「要確認」としました）"
    elif (
        verdict == Verdict.meets
        and criterion.kind == "presence"
        and not any(cue_satisfied(criterion, [c.quote])[0] and not is_non_commitment(c.quote) for c in cites)
    ):
        verdict = Verdict.needs_review
        rationale += "（引用に具体的な記載が確認できないため「要確認」としました）"
    elif positive and injected:
        verdict = Verdict.needs_review
        rationale += "（計画書に審査への指示と思われる記載があるため、肯定的な判定は審査者の確認が必要です）"
    agrees = verdict == offline.verdict
    return enforce_evidence(
        ChecklistItem(
            criterion_id=criterion.id,
            verdict=verdict,
            rationale=rationale,
            citations=cites[:MAX_CITATIONS] or (offline.citations if agrees else []),
            findings=offline.findings,
            confidence=offline.confidence
            if agrees
            else ("medium" if verdict in _RANK and item.findings else None),
        )
    )


def draft_llm(
    criteria: list[Criterion], plan: PlanEvidence, settings: Settings, *, injected: bool = False
) -> list[ChecklistItem]:
    ensure_plan_allowed(settings)
    offline = {c.id: draft_item_offline(c, plan) for c in criteria}
    messages, keyed, finding_keys = _llm_prompt(criteria, plan, settings, offline)
    obj, _errors = structured_call(
        settings, messages, LLMChecklist, lambda o: _check_llm_items(o, criteria, keyed, plan, finding_keys)
    )
    by_id = {i.criterion_id: i for i in obj.items}
    items = []
    for c in criteria:
        if c.id in by_id:
            items.append(_accept_llm_item(by_id[c.id], c, keyed, plan, injected, offline[c.id]))
        else:
            fallback = offline[c.id]
            items.append(
                fallback.model_copy(
                    update={
                        "rationale": "（LLMの出力に含まれなかったためオフライン下書き）" + fallback.rationale
                    }
                )
            )
    return items
