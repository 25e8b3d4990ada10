"""The offline drafter: verdicts from wording it can point at, never from judgement it cannot show.

For ``presence`` criteria it decides from amounts, years, named companies, announcement verbs and
non-committal phrases; for ``judgement`` criteria it gathers the strongest evidence and leaves the
call to the reviewer. Every verdict that claims something about the plan carries a verified quote.
"""

from __future__ import annotations

import re

from assistant.domain.models import EVIDENCE_VERDICTS, ChecklistItem, ParsedDocument, PlanCitation, Verdict
from assistant.domain.rubric import Criterion
from assistant.text.cues import (
    CUE_LABELS_JA,
    DEPENDENCY_RISK,
    DEPENDENCY_RISK_SHARE,
    MITIGATION,
    count_companies,
    find_cues,
)
from assistant.text.normalize import nfkc

from .evidence import Evidence, PlanEvidence

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


_DEPENDENCY_WORD = re.compile(
    r"依存|一社|1社|単一|特定の(?:取引先|販売先|企業|者)|フランチャイ|FC本部|輸入|海外製|独占|専属|OEM"
)
_CLAUSE_SPLIT = re.compile(r"が、|ものの、|。|；|;")


def _dependency_signals(evidence: list[Evidence]) -> str:
    """Risk shares count only in a clause about dependence: 「国内調達率を90％へ引き上げる」 is a
    mitigation target, while 「売上の9割を一社に依存」 is a risk."""
    clauses = [c for e in evidence for c in _CLAUSE_SPLIT.split(nfkc(e.text)) if c]
    risky = [c for c in clauses if _DEPENDENCY_WORD.search(c) and not MITIGATION.search(c)]
    risks = sorted({m.group(0) for c in risky for m in DEPENDENCY_RISK.finditer(c)})
    mitig = sorted({m.group(0) for c in clauses for m in MITIGATION.finditer(c)})
    parts = []
    if risks:
        strong = any(DEPENDENCY_RISK_SHARE.search(c) for c in risky)
        parts.append(
            f"依存のリスク要因：{'、'.join(risks[:5])}"
            + ("（特定先への高い集中を示す記載あり）" if strong else "")
        )
    if mitig:
        parts.append(f"依存低減・域内/国内調達に関する記載：{'、'.join(mitig[:5])}")
    if not parts:
        parts.append("依存の度合いを示す数値や低減策の記載は確認できません")
    return "。".join(parts) + "。"


def draft_item_offline(criterion: Criterion, plan: PlanEvidence) -> ChecklistItem:
    if not _applicable(criterion, plan.sanitised):
        return ChecklistItem(
            criterion_id=criterion.id,
            verdict=Verdict.not_applicable,
            rationale=f"適用条件（{criterion.applicability}）に当たる記載が計画にないため、対象外と判断しました。"
            "該当する場合は審査者が確認してください。",
        )
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
        if criterion.group == "外部依存性":
            rationale += _dependency_signals(evidence)
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
