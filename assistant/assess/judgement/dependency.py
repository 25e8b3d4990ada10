"""外部依存性: where the value chain is sourced (B), and concentration on one party (C).

B asks whether the essential and high-value parts, technologies and processes are (or are aimed
to be) sourced in the region or in Japan; C asks whether the plan leans too heavily on one party
(a large company, a franchisor, one wholesaler or customer). Both read shares wherever the plan
states them, prose or table rows, and weigh targets and caps that answer a risk.
"""

from __future__ import annotations

import re

from assistant.domain.models import Verdict
from assistant.domain.rubric import Criterion

from ..evidence import PlanEvidence, PlanSentence
from . import signals as sig
from .base import Findings, Judgement

#: Headings under which table rows are about the value chain even when a row itself says little.
_CHAIN_CONTEXT = re.compile(
    r"調達|バリューチェーン|サプライチェーン|工程|部材|部品|製造体制|生産体制|原材料|外部依存"
)
_DEPEND = re.compile(r"依存|頼|輸入|海外から|海外製|外国製")
#: A plan that says it will keep importing has answered the criterion, negatively.
_NO_CHANGE = re.compile(r"変更する予定はない|予定はない|予定していない|考えていない|基本とし|続ける|行わない")
#: Doing a step here, said as a fact about the plan (not the region's industry in general).
_LOCAL_ACT = re.compile(r"調達|仕入|行う|行い|担う|担い|手掛け|製作|組立|加工する|製造する|生産する|一貫")
_NOT_SOURCING = re.compile(r"製造業|産業|資金調達|人材|人手")
_ROW = re.compile(r"^[^：:]{1,40}[：:][^：:]+[：:]")
#: A share of the chain held abroad above this is a dependence a reviewer must see answered.
HEAVY = 50.0
MODERATE = 30.0

_SALES = re.compile(r"売上|販売|出荷|取引|納品|供給|納入|売上高|販売額|販売量|依存|仕入")
_PARTY = re.compile(
    r"一社|1社|特定|単一|同社|フランチャイ|本部|卸|問屋|商社|量販店|チェーン|スーパー|百貨店|取引先|販売先|納入先|"
    r"顧客|小売|大手|ホールディングス|グループ|生協|農協|JA|ドラッグストア|コンビニ|専門店|販路"
)
_CHANNEL_CONTEXT = re.compile(r"販路|販売先|取引先|チャネル|チャンネル|販売構成|出荷先|納入先|顧客構成")
_NO_SINGLE_HEAVY = re.compile(r"(?:いずれ|どの|単一|一社|1社|特定|最大).{0,16}(?:超えない|以下|以内|未満)")
_NO_DEPENDENCE = re.compile(
    r"依存(?:は|して)(?:い)?ない|依存はなく|集中(?:は|して)(?:い)?ない|最大の(?:取引先|販売先|顧客)でも"
)


def _chain_sentences(plan: PlanEvidence) -> list[PlanSentence]:
    out = []
    for s in plan.sentences():
        t = sig.norm(s.text)
        if sig.SOURCING.search(t) or (_CHAIN_CONTEXT.search(sig.norm(s.context)) and sig.places(t)):
            out.append(s)
    return out


def value_chain(criterion: Criterion, plan: PlanEvidence) -> Judgement:
    """Weighs how much of the chain is abroad against what is done here and what is planned.

    A share of one input (「素材の全量を輸入」) is not a share of the chain: when the sentence also
    says what that input costs (「原価の約4割を占める」), the chain's share abroad is the product.
    Table rows of parts each with their cost share add up.
    """
    found = Findings(plan)
    abroad_rows: list[float] = []
    abroad_chain = 0.0
    item_only = 0.0
    local_share = 0.0
    refused = False
    for s, t in _clauses(_chain_sentences(plan)):
        places, shares = sig.places(t), sig.shares(t)
        acting = sig.MITIGATION_ACTION.search(t) is not None
        target = sig.is_target(t) or (sig.has_year(t) and acting)
        if "abroad" in places and shares and not target:
            cost = sig.cost_share(t)
            item = max(shares)
            share = cost * item / 100 if cost is not None and cost != item else item
            if cost is not None or _ROW.search(t) or len(s.cells) >= 3:
                abroad_rows.append(share)
                if cost is not None:
                    abroad_chain = max(abroad_chain, share)
            else:
                item_only = max(item_only, item)
            found.add("risk", f"海外からの調達（{_pct(share)}）", s)
        elif "abroad" in places and _NO_CHANGE.search(t):
            refused = True
            found.add("risk", "海外からの調達を続け、変更する予定がない", s)
        elif acting and target and not sig.is_hedged(t):
            found.add("mitigation", f"域内・国内調達への転換目標（{_figures(shares, t)}）", s)
        elif sig.is_hedged(t) and (acting or "abroad" in places or re.search(r"調達|国産|切り替え|切替", t)):
            found.add("gap", "調達先の方針・低減策が定まっていない（検討段階）", s)
        elif "abroad" in places and _DEPEND.search(t):
            found.add("risk", "海外からの調達・輸入への依存", s)
        elif places & {"region", "domestic"} and not target and not _NOT_SOURCING.search(t):
            where = "域内" if "region" in places else "国内"
            if shares:
                local_share = max(local_share, max(shares))
                found.add("evidence", f"{where}での調達・提供（{_pct(max(shares))}）", s)
            elif _LOCAL_ACT.search(t):
                found.add("evidence", f"{where}で担う工程・部材", s)
    abroad = max(abroad_chain, sum(abroad_rows) if len(abroad_rows) >= 2 else max(abroad_rows, default=0.0))
    mitigated = bool(found.of("mitigation"))
    local = local_share >= HEAVY or len(found.of("evidence")) >= 2
    if abroad >= HEAVY or item_only >= HEAVY and (refused or not local):
        if mitigated:
            return found.decide(Verdict.meets, "medium")
        return found.decide(Verdict.does_not_meet, "high" if abroad >= HEAVY else "medium")
    if abroad >= MODERATE or item_only >= HEAVY:
        return found.decide(Verdict.meets if mitigated else Verdict.partially_meets, "medium")
    if found.of("evidence") and (local or not found.of("risk")):
        return found.decide(Verdict.meets, "high" if local_share >= HEAVY else "medium")
    if mitigated:
        return found.decide(Verdict.meets, "medium")
    if found.of("risk"):
        return found.decide(Verdict.partially_meets, "low")
    if found.of("gap"):
        return found.decide(Verdict.does_not_meet, "medium")
    found.add("gap", "部品・技術・工程の調達先（域内・国内・海外）が示されていない")
    return found.decide(Verdict.needs_review, None)


def concentration(criterion: Criterion, plan: PlanEvidence) -> Judgement:
    found = Findings(plan)
    top = 0.0
    channel_shares: list[float] = []
    for s, t in _clauses(plan.sentences()):
        shares = sig.shares(t)
        about_sales = _SALES.search(t) or _CHANNEL_CONTEXT.search(sig.norm(s.context))
        if not about_sales:
            continue
        capped = sig.CAP.search(t) or re.search(r"とどめ|留め", t)
        if _NO_DEPENDENCE.search(t) and (not shares or max(shares) < MODERATE):
            found.add("evidence", "特定の販売先・取引先への依存がない", s)
            continue
        if capped and (shares or sig.has_year(t)) and not sig.is_hedged(t):
            if _NO_SINGLE_HEAVY.search(t) and shares and max(shares) <= MODERATE:
                found.add("mitigation", f"どの販売先も上限以下とする構成（{_pct(max(shares))}以下）", s)
            else:
                found.add("mitigation", f"集中の上限・分散の目標（{_figures(shares, t)}）", s)
            continue
        if sig.MITIGATION_ACTION.search(t) and sig.is_hedged(t) and _PARTY.search(t):
            found.add("gap", "取引先の分散は検討段階で、目標が示されていない", s)
            continue
        if re.search(r"予定していない|行わない|考えていない|委ね", t) and re.search(r"販路|取引先|販売先", t):
            found.add("risk", "新たな販路・取引先を持つ予定がない", s)
            continue
        if not shares or sig.is_target(t) and not _SALES.search(t):
            continue
        value = max(shares)
        if _PARTY.search(t) and value >= MODERATE and not sig.is_target(t):
            top = max(top, value)
            found.add("risk", f"特定の取引先・販売先への集中（{_pct(value)}）", s)
        elif _CHANNEL_CONTEXT.search(sig.norm(s.context)) or _PARTY.search(t):
            channel_shares.append(value)
    if len(channel_shares) >= 3 and max(channel_shares) < MODERATE + 5 and top < MODERATE:
        found.add("evidence", f"販路・販売先が分散（最大{_pct(max(channel_shares))}）")
    mitigated = bool(found.of("mitigation"))
    if top >= HEAVY:
        if mitigated:
            return found.decide(Verdict.meets, "medium")
        return found.decide(Verdict.does_not_meet, "high")
    if top >= MODERATE:
        return found.decide(Verdict.meets if mitigated else Verdict.partially_meets, "medium")
    if found.of("risk"):
        return found.decide(Verdict.partially_meets, "low")
    if found.of("evidence") or mitigated:
        return found.decide(Verdict.meets, "high" if found.of("evidence") else "medium")
    found.add("gap", "販売先・取引先の構成や特定の先への依存度が示されていない")
    return found.decide(Verdict.needs_review, None)


#: 「8割を輸入に依存しているが、令和11年度までに60％に引き上げる」 states a risk and its answer.
_CLAUSE_BREAK = re.compile(r"(?<=が、)|(?<=ものの、)|(?<=一方、)|(?<=一方で、)|(?<=；)")


def _clauses(sentences: list[PlanSentence]) -> list[tuple[PlanSentence, str]]:
    """Each sentence's clauses (normalised), each quoted by its whole sentence."""
    return [(s, c) for s in sentences for c in _CLAUSE_BREAK.split(sig.norm(s.text)) if c]


def _pct(value: float) -> str:
    return f"{value:g}％"


def _figures(shares: list[float], text: str) -> str:
    parts = [_pct(v) for v in shares[:3]]
    year = sig.year_of(text)
    if year:
        parts.append(year)
    return "、".join(parts) or "数値あり"
