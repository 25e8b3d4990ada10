"""実現可能性 (and A's infrastructure item): is there a named core company or business, is the
advanced technology concrete where the product is new to Japan, is the infrastructure the field
needs planned with dates rather than left for later."""

from __future__ import annotations

import re

from assistant.domain.models import Verdict
from assistant.domain.rubric import Criterion

from ..evidence import PlanEvidence
from . import signals as sig
from .base import Findings, Judgement

_CORE = re.compile(
    r"中核|核となる|核と|中心と(?:なる|なって|して)|中心的|推進役|主体|牽引|リード|担い手|代表"
)
_ACTOR_UNDECIDED = re.compile(
    r"(?:企業|事業者|担い手|事業主体|実施主体|中核)[^。]{0,20}(?:公募|選定|未定|募集|設立予定|設立する予定|今後|決まっていない|調整中)"
)
_CORE_CONTEXT = re.compile(r"中核|核|推進の|推進体制|実施体制|実施主体|事業者|企業|体制")
_ORGANISATION = re.compile(r"協同組合|組合|協議会|商社|法人|会社|事業者|酒造|蔵元|製作所|工業|グループ")
_TECH = re.compile(r"技術|先進|先端|新技術|AI|IoT|DX|センシング|製法|工法|方式|装置")
_TECH_CONCRETE = re.compile(
    r"特許|第[0-9]+号|共同研究|共同で開発|実証|試作|量産技術|独自の|開発済|確立|[^\s、。]{2,}法(?:による|で|を)|工法|製法|論文"
)
_INSTITUTE = re.compile(r"大学|研究所|研究機関|センター|高専|試験場|研究開発法人")
_INFRA = re.compile(
    r"インフラ|用水|工業用水|電力|送電|変電|受電|道路|港湾|鉄道|アクセス道|上下水道|排水|団地|拠点整備|造成|ガス|通信網|岸壁"
)
_INFRA_WORK = re.compile(r"整備|確保|着工|完成|竣工|計画|供給|増強|敷設|新設|拡張")
_NO_INFRA = re.compile(
    r"(?:インフラ|新たな施設|施設の?整備|整備)(?:は|の)?(?:不要|必要としない|必要ない|要しない)|既存の(?:建物|施設|オフィス|ビル|工場)"
)


def core_actor(criterion: Criterion, plan: PlanEvidence) -> Judgement:
    found = Findings(plan)
    for s in plan.sentences():
        t, ctx = sig.norm(s.text), sig.norm(s.context)
        about_core = _CORE.search(t) or _CORE.search(ctx)
        if about_core and _ACTOR_UNDECIDED.search(t):
            found.add("risk", "核となる企業・事業者が未定（今後選定・公募等）", s)
        elif sig.names_company(t) and (about_core or _CORE_CONTEXT.search(ctx)) and not sig.is_hedged(t):
            found.add("evidence", "核となる企業・事業者の名称と役割", s)
        elif about_core and _ORGANISATION.search(t) and not sig.is_hedged(t):
            found.add("evidence", "核となる企業・事業者の記載", s)
    named = any(f.quote and sig.names_company(f.quote) for f in found.of("evidence"))
    if found.of("evidence") and not found.of("risk"):
        return found.decide(Verdict.meets, "high" if named else "medium")
    if found.of("evidence"):
        return found.decide(Verdict.partially_meets, "medium")
    if found.of("risk"):
        return found.decide(Verdict.does_not_meet, "medium")
    found.add("gap", "計画推進の核となる企業・事業者が示されていない")
    return found.decide(Verdict.needs_review, None)


def advanced_tech(criterion: Criterion, plan: PlanEvidence) -> Judgement:
    found = Findings(plan)
    for s in plan.sentences():
        t = sig.norm(s.text)
        if not (_TECH.search(t) or _TECH_CONCRETE.search(t)):
            continue
        if sig.is_hedged(t) and _TECH.search(t):
            found.add("risk", "実装する技術が未定・検討中", s)
        elif (
            _TECH_CONCRETE.search(t)
            and (_TECH.search(t) or _TECH.search(sig.norm(s.context)))
            and (sig.has_quantity(t) or _INSTITUTE.search(t) or sig.names_company(t))
        ):
            found.add("evidence", "実装する技術の具体的な内容（特許・研究・実証など）", s)
        elif re.search(r"先進|先端|新技術|高度な|革新", t):
            found.add("gap", "先進的な技術が具体的な内容なしに述べられている", s)
    evidence = len(found.of("evidence"))
    if found.of("risk"):
        return found.decide(Verdict.partially_meets if evidence >= 2 else Verdict.does_not_meet, "medium")
    if evidence >= 2 or evidence and not found.of("gap"):
        return found.decide(Verdict.meets, "high" if evidence >= 2 else "medium")
    if evidence or found.of("gap"):
        return found.decide(Verdict.partially_meets, "medium")
    return found.decide(Verdict.needs_review, None)


def infrastructure(criterion: Criterion, plan: PlanEvidence) -> Judgement:
    found = Findings(plan)
    for s in plan.sentences():
        t = sig.norm(s.text)
        if _NO_INFRA.search(t):
            found.add("evidence", "新たなインフラ整備を要しない（既存施設を活用）", s)
            continue
        if not (_INFRA.search(t) and _INFRA_WORK.search(t)):
            continue
        if sig.is_hedged(t):
            found.add("risk", "必要なインフラの整備が今後の検討とされている", s)
        elif sig.has_year(t) or sig.has_quantity(t):
            found.add("evidence", "インフラ・拠点の整備計画（時期・規模）", s)
    needed_not = [f for f in found.of("evidence") if "要しない" in f.text]
    if found.of("risk"):
        return found.decide(Verdict.does_not_meet, "medium")
    if len(needed_not) == len(found.of("evidence")) and needed_not:
        return found.decide(Verdict.not_applicable, "medium")
    if found.of("evidence"):
        return found.decide(Verdict.meets, "medium")
    return found.decide(Verdict.needs_review, None)
