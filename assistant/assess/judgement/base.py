"""How a judge reports: typed findings with verified quotes, then a verdict only when they decide it.

A judge reads the plan's sentences for what one judgement criterion asks about. It never claims
more than the findings show: a verdict comes with a confidence, and anything it cannot decide
stays ``needs_review`` with the findings listed for the reviewer.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, Field

from assistant.domain.labels import VERDICT_LABELS_JA
from assistant.domain.models import Confidence, Finding, FindingKind, Verdict
from assistant.domain.rubric import Criterion
from assistant.text.grounding import quote_on_page

from ..evidence import PlanEvidence, PlanSentence
from ..locate import finding_place, with_place

KIND_LABELS_JA: dict[FindingKind, str] = {
    "evidence": "根拠",
    "risk": "リスク",
    "mitigation": "低減策",
    "gap": "不足",
}
CONFIDENCE_LABELS_JA: dict[Confidence, str] = {"high": "高", "medium": "中", "low": "低"}
MAX_LISTED = 6


class Judgement(BaseModel):
    verdict: Verdict
    confidence: Confidence | None
    findings: list[Finding] = Field(default_factory=list)


class Findings:
    """Collects findings for one criterion, keeping only quotes that verify on their page."""

    def __init__(self, plan: PlanEvidence) -> None:
        self.plan = plan
        self.items: list[Finding] = []
        self._seen: set[tuple[str, int | None, str | None]] = set()

    def add(self, kind: FindingKind, text: str, sentence: PlanSentence | None = None) -> None:
        page = sentence.page if sentence else None
        quote = sentence.text if sentence else None
        if sentence is not None and not quote_on_page(self.plan.original, page, None, sentence.text):
            return
        key = (kind, page, quote if quote else text)
        if key not in self._seen:
            self._seen.add(key)
            self.items.append(
                with_place(Finding(kind=kind, text=text, page=page, quote=quote), self.plan.original)
            )

    def of(self, kind: FindingKind) -> list[Finding]:
        return [f for f in self.items if f.kind == kind]

    def decide(self, verdict: Verdict, confidence: Confidence | None) -> Judgement:
        return Judgement(verdict=verdict, confidence=confidence, findings=self.items)


Judge = Callable[[Criterion, PlanEvidence], Judgement]


def rationale(criterion: Criterion, judgement: Judgement) -> str:
    """Names the findings the verdict rests on, so a reviewer can check each against its page."""
    listed = [
        f"［{KIND_LABELS_JA[f.kind]}］{f.text}" + (f"（{finding_place(f)}）" if f.page or f.paragraph else "")
        for f in judgement.findings[:MAX_LISTED]
    ]
    found = "、".join(listed) if listed else "判断材料となる記載は見つかりませんでした"
    if judgement.verdict == Verdict.needs_review:
        head = f"「{criterion.label}」は審査者の判断が必要な項目です（下書きでは判断できませんでした）。"
    else:
        confidence = CONFIDENCE_LABELS_JA[judgement.confidence] if judgement.confidence else "－"
        head = f"「{criterion.label}」の下書きの判定は「{VERDICT_LABELS_JA[judgement.verdict]}」（確度：{confidence}）です。"
    return f"{head}判断材料：{found}。"
