"""The offline drafter: verdicts from wording it can point at, never from judgement it cannot show.

For ``presence`` criteria it decides from amounts, years, named companies, announcement verbs and
non-committal phrases; for ``judgement`` criteria it gathers the strongest evidence and leaves the
call to the reviewer. Every verdict that claims something about the plan carries a verified quote.
"""

from __future__ import annotations

from assistant.domain.models import EVIDENCE_VERDICTS, ChecklistItem, ParsedDocument, PlanCitation, Verdict
from assistant.domain.rubric import Criterion
from assistant.text.cues import CUE_LABELS_JA, count_companies, find_cues
from assistant.text.normalize import nfkc

from .evidence import Evidence, PlanEvidence
from .judgement import JUDGES, rationale

MAX_CITATIONS = 3


def cue_satisfied(criterion: Criterion, texts: list[str], context: str = "") -> tuple[bool, set[str]]:
    """Whether the texts show the concrete element a presence criterion asks for."""
    joined = "\n".join(texts)
    cues = find_cues(joined, context)
    wanted = set(criterion.cues)
    if "company" in wanted and count_companies(joined) < 2:
        cues.discard("company")
    if not wanted:
        return True, cues
    ok = wanted <= cues if criterion.cue_mode == "all" else bool(wanted & cues)
    return ok, cues


def _applicable(criterion: Criterion, doc: ParsedDocument) -> bool:
    if not criterion.applicability_keywords:
        return True
    body = nfkc("\n".join(p.text for p in doc.pages))
    return any(nfkc(k) in body for k in criterion.applicability_keywords)


def _pages(cites: list[PlanCitation]) -> str:
    return "・".join(str(p) for p in sorted({c.page for c in cites}))


def _cue_names(cues: set[str]) -> str:
    return "、".join(CUE_LABELS_JA[c] for c in sorted(cues) if c in CUE_LABELS_JA) or "なし"


def draft_item_offline(criterion: Criterion, plan: PlanEvidence) -> ChecklistItem:
    if not _applicable(criterion, plan.sanitised):
        return ChecklistItem(
            criterion_id=criterion.id,
            verdict=Verdict.not_applicable,
            rationale=f"適用条件（{criterion.applicability}）に当たる記載が計画にないため、対象外と判断しました。"
            "該当する場合は審査者が確認してください。",
        )
    if criterion.judge:
        return _draft_judgement(criterion, plan)
    evidence = plan.evidence_for(criterion)
    if not evidence:
        return ChecklistItem(
            criterion_id=criterion.id,
            verdict=Verdict.not_addressed,
            rationale=f"「{criterion.label}」に関する記載が計画書に見当たりません。",
        )
    ocr_note = (
        "（OCRで読み取った頁を含むため、引用の確認をお願いします）"
        if any(e.ocr for e in evidence[:MAX_CITATIONS])
        else ""
    )
    if criterion.kind == "judgement":
        cites = plan.verified(evidence[:MAX_CITATIONS])
        rationale = f"「{criterion.label}」は審査者の判断が必要な項目です。関連する記載（{_pages(cites)}頁）を示します。"
        verdict = Verdict.needs_review if cites else Verdict.not_addressed
        if not cites:
            rationale = f"「{criterion.label}」に関する記載を引用として確認できませんでした。"
        return ChecklistItem(
            criterion_id=criterion.id, verdict=verdict, rationale=rationale + ocr_note, citations=cites
        )
    concrete = [e for e in evidence if cue_satisfied(criterion, [e.text], e.context)[0]]
    committed = [e for e in concrete if not _is_hedged(e, criterion)]
    hedges = [e for e in evidence if e.non_commitment and _is_hedged(e, criterion)]
    if committed and hedges and hedges[0].score > committed[0].score:
        chosen = [hedges[0], committed[0]]
        verdict = Verdict.partially_meets
        rationale = (
            f"「{criterion.label}」について具体的な記載もありますが、中心となる記載が「今後検討」「予定」等の"
            "表現にとどまっています。"
        )
    elif committed:
        chosen = committed[:MAX_CITATIONS]
        verdict = Verdict.meets
        _, cues = cue_satisfied(criterion, [e.text for e in chosen], chosen[0].context)
        rationale = f"「{criterion.label}」について具体的な記載があります（確認できた要素：{_cue_names(cues & set(criterion.cues) or cues)}）。"
    elif all(e.non_commitment for e in evidence[:MAX_CITATIONS]):
        chosen = [e for e in evidence if e.non_commitment][:MAX_CITATIONS]
        verdict = Verdict.does_not_meet
        rationale = f"「{criterion.label}」は「今後検討」「予定」「未定」等の表現にとどまり、具体的な内容が示されていません。"
    elif not any(e.cues & set(criterion.cues) or len(e.keyword_hits) >= 2 for e in evidence[:MAX_CITATIONS]):
        return ChecklistItem(
            criterion_id=criterion.id,
            verdict=Verdict.not_addressed,
            rationale=f"「{criterion.label}」に当たる具体的な記載が見当たりません（関連語を含む記載のみ）。",
        )
    else:
        ok, cues = cue_satisfied(criterion, [e.text for e in evidence[:MAX_CITATIONS]], evidence[0].context)
        chosen = evidence[:MAX_CITATIONS]
        missing = _cue_names(set(criterion.cues) - cues) if criterion.cues else "具体的な内容"
        verdict = Verdict.meets if ok else Verdict.partially_meets
        rationale = (
            f"「{criterion.label}」に関する記載はありますが、{missing}が確認できません。"
            if not ok
            else f"「{criterion.label}」について記載があります（確認できた要素：{_cue_names(cues)}）。"
        )
    cites = plan.verified(chosen)
    return enforce_evidence(
        ChecklistItem(
            criterion_id=criterion.id, verdict=verdict, rationale=rationale + ocr_note, citations=cites
        )
    )


#: Which findings a reader checks first, by the verdict they support.
_CITE_ORDER: dict[Verdict, tuple[str, ...]] = {
    Verdict.meets: ("evidence", "mitigation", "risk", "gap"),
    Verdict.does_not_meet: ("risk", "gap", "mitigation", "evidence"),
}
_DEFAULT_ORDER = ("risk", "evidence", "mitigation", "gap")


def _draft_judgement(criterion: Criterion, plan: PlanEvidence) -> ChecklistItem:
    """A judge's findings and, when they decide it, a verdict; the findings' quotes are the citations."""
    judgement = JUDGES[criterion.judge or ""](criterion, plan)
    order = _CITE_ORDER.get(judgement.verdict, _DEFAULT_ORDER)
    quoted = sorted((f for f in judgement.findings if f.quote), key=lambda f: order.index(f.kind))
    cites: list[PlanCitation] = []
    for f in quoted:
        cite = PlanCitation(page=f.page or 1, quote=f.quote or "")
        if cite not in cites:
            cites.append(cite)
    verdict = judgement.verdict
    if verdict == Verdict.needs_review and not cites:
        cites = plan.verified(plan.evidence_for(criterion)[:MAX_CITATIONS])
        if not cites and not judgement.findings:
            verdict = Verdict.not_addressed
    ocr_pages = {p.page for p in plan.original.pages if p.ocr}
    note = (
        "（OCRで読み取った頁を含むため、引用の確認をお願いします）"
        if {c.page for c in cites} & ocr_pages
        else ""
    )
    return enforce_evidence(
        ChecklistItem(
            criterion_id=criterion.id,
            verdict=verdict,
            rationale=rationale(criterion, judgement.model_copy(update={"verdict": verdict})) + note,
            citations=cites[:MAX_CITATIONS],
            findings=judgement.findings,
            confidence=judgement.confidence
            if verdict not in (Verdict.needs_review, Verdict.not_addressed)
            else None,
        )
    )


def _is_hedged(e: Evidence, criterion: Criterion) -> bool:
    """A non-committal sentence, unless it carries the figure the criterion asks for: 「令和10年度に
    稼働予定」 is a schedule, while 「知事が発表する予定」 is not yet an announcement."""
    if not e.non_commitment:
        return False
    quantitative = {"amount", "year", "percent", "target"}
    return not (e.cues & quantitative & set(criterion.cues)) or "announce" in criterion.cues


def enforce_evidence(item: ChecklistItem) -> ChecklistItem:
    """A verdict that claims something about the plan needs at least one verified quote."""
    if item.verdict in EVIDENCE_VERDICTS and not item.citations:
        return item.model_copy(
            update={
                "verdict": Verdict.needs_review,
                "rationale": item.rationale + "（検証済みの引用がないため「要確認」に変更しました）",
            }
        )
    return item
