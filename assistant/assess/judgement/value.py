"""費用対効果: a high value-added target, compared within the industry and within the region.

The guideline asks for both comparisons (業種内比較及び当該地域比較), so one comparison, or a value
added figure with no comparison, is only part of the answer.
"""

from __future__ import annotations

import re

from assistant.domain.models import Verdict
from assistant.domain.rubric import Criterion

from ..evidence import PlanEvidence
from . import signals as sig
from .base import Findings, Judgement

_VALUE_ADDED = re.compile(r"付加価値|生産性|一人当たり|1人当たり|一人あたり|1人あたり")
_COMPARED = re.compile(r"平均|比較|上回|倍|超える|より高")
#: An industry comparison names the national or industry yardstick; one qualified by a place
#: (「○○県の製造業平均」) is a comparison within the region.
_INDUSTRY = re.compile(r"(?:全国|業種|業界|同業|国内)[^。、]{0,12}(?:平均|水準|比較|上回)")
_REGION = re.compile(
    r"(?:県|地域|域内|市|地元)[^。、]{0,12}平均|(?:県内|域内|地域内|地元)[^。]{0,12}(?:上回|比較|倍|より高)"
)


def value_added(criterion: Criterion, plan: PlanEvidence) -> Judgement:
    found = Findings(plan)
    industry = region = False
    for s in plan.sentences():
        t, ctx = sig.norm(s.text), sig.norm(s.context)
        if not (_VALUE_ADDED.search(t) or _VALUE_ADDED.search(ctx)):
            continue
        if _COMPARED.search(t) and (_INDUSTRY.search(t) or _REGION.search(t)) and not sig.is_hedged(t):
            if _INDUSTRY.search(t):
                industry = True
                found.add("evidence", "業種内の比較（同業種・全国平均との比較）", s)
            if _REGION.search(t):
                region = True
                found.add("evidence", "当該地域内の比較（県・地域の平均との比較）", s)
        elif sig.is_target(t) and _VALUE_ADDED.search(t) and not sig.is_hedged(t):
            found.add("evidence", "付加価値額・生産性の数値目標", s)
    if industry and region:
        return found.decide(Verdict.meets, "high")
    if found.of("evidence"):
        missing = "当該地域内" if industry else "業種内" if region else "業種内・当該地域内"
        found.add("gap", f"{missing}の比較が示されていない")
        return found.decide(Verdict.partially_meets, "medium")
    return found.decide(Verdict.not_addressed, "medium")
