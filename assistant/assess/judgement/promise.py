"""有望度 (and A's world-class and strategic-field items): is there a product, a market that is shown
rather than asserted, and a measurable ambition (exports, share, value or channels over what exists)."""

from __future__ import annotations

import re

from assistant.domain.models import Verdict
from assistant.domain.rubric import Criterion

from ..evidence import PlanEvidence
from . import signals as sig
from .base import Findings, Judgement

_PRODUCT = re.compile(r"製品|サービス|商品|品目|メニュー|ツアー|体験|ブランド")
_PRODUCT_STATED = re.compile(r"実現する|開発|提供|製造|生産|主力|取り組む|販売する|商品化|製品化|は、|である")
_PRODUCT_UNDECIDED = re.compile(
    r"(?:製品|商品|サービス)(?:は|の内容は|が)?.{0,12}(?:未定|定まっていない|決まっていない|定まった段階|今後検討)"
)
_MARKET = re.compile(r"市場|需要|ニーズ|顧客|ユーザー|利用者|購入者|バイヤー|観光客|来訪者|引き合い|販売先")
_COMMITMENT = re.compile(
    r"意向書|意向が示|採用意向|購入意向|契約を締結|基本合意|協議を進め|商談|予約|覚書|引き合い|発注|試験導入|採用が決まっ|打診|要望"
)
_GROWTH = re.compile(r"拡大|増加|増え|伸び|成長|倍|年率|規模")
_DECLINE = re.compile(r"減少|縮小|低迷|直面|落ち込")
_EXPORT = re.compile(r"輸出|外貨|海外販売|海外売上|海外向け|海外市場")
_SHARE = re.compile(r"シェア|トップ|首位|第[0-9一二三]位|上位")
_EXISTING = re.compile(r"既存|従来|現行|これまでの|現在の|従前")
_VALUE = re.compile(r"単価|価格|付加価値|高付加価値|ブランド|プレミアム|利益率|倍")
_CHANNEL = re.compile(
    r"販路|EC|通販|オンライン|海外|輸出|百貨店|直販|新規取引|取引先|ふるさと納税|インバウンド|商談|バイヤー|店舗|卸"
)
_NO_CHANNEL = re.compile(r"(?:販路|取引先|販売先).{0,20}(?:予定していない|行わない|考えていない|委ね)")
_WORLD = re.compile(r"世界|グローバル|国際|海外")
_WORLD_STANDING = re.compile(r"シェア|位|トップ|首位|最大|最高|初|リード|競争|通用|戦える|勝ち")
_FIELDS = re.compile(r"戦略分野|官民投資ロードマップ|成長戦略|ロードマップ")


def market(criterion: Criterion, plan: PlanEvidence) -> Judgement:
    found = Findings(plan)
    product = False
    for s in plan.sentences():
        t, ctx = sig.norm(s.text), sig.norm(s.context)
        if _PRODUCT_UNDECIDED.search(t) or _PRODUCT.search(ctx) and sig.is_hedged(t):
            found.add("risk", "実現する製品・サービスが定まっていない", s)
            continue
        about_market = _MARKET.search(t) or _MARKET.search(ctx)
        committed = _COMMITMENT.search(t) and (sig.names_company(t) or sig.has_quantity(t))
        sized = about_market and sig.has_quantity(t) and _GROWTH.search(t)
        named = about_market and sig.names_company(t) and not _DECLINE.search(t)
        if (committed or sized or named) and not sig.is_hedged(t):
            found.add("evidence", _market_text(t), s)
            continue
        if about_market and (sig.is_asserted_only(t) or sig.is_hedged(t)):
            found.add("gap", "市場ニーズが根拠（市場規模・顧客・数値）なしに述べられている", s)
            continue
        stated = _PRODUCT.search(ctx) or _PRODUCT.search(t) and _PRODUCT_STATED.search(t)
        if not product and stated and not sig.is_hedged(t):
            product = True
            found.add("evidence", "実現する製品・サービスの記載", s)
    evidence = [f for f in found.of("evidence") if f.text != "実現する製品・サービスの記載"]
    if evidence:
        if product:
            return found.decide(Verdict.meets, "high" if len(evidence) >= 2 else "medium")
        return found.decide(Verdict.partially_meets, "low")
    if found.of("risk"):
        return found.decide(Verdict.does_not_meet, "medium")
    if product or found.of("gap"):
        found.add("gap", "市場ニーズの根拠（市場規模・顧客・数値）が示されていない")
        return found.decide(Verdict.partially_meets, "medium" if product else "low")
    return found.decide(Verdict.needs_review, None)


def _market_text(t: str) -> str:
    if _COMMITMENT.search(t):
        return "顧客の採用意向・合意など需要の裏付け"
    if sig.names_company(t) and not _GROWTH.search(t):
        return "具体的な顧客・取引先の名称"
    return "市場規模・需要の数値"


def export_share(criterion: Criterion, plan: PlanEvidence) -> Judgement:
    found = Findings(plan)
    mentioned = False
    for s in plan.sentences():
        t = sig.norm(s.text)
        if not (_EXPORT.search(t) or _SHARE.search(t)):
            continue
        mentioned = True
        if sig.is_hedged(t) or re.search(r"定めていない|設定していない|目標は(?:ない|なし)", t):
            found.add("risk", "輸出・シェアの目標を定めていない（想定していない・今後検討）", s)
        elif sig.is_target(t) or _SHARE.search(t) and sig.has_quantity(t):
            what = "輸出" if _EXPORT.search(t) else "国内・世界シェア"
            found.add("evidence", f"{what}の数値目標", s)
        else:
            found.add("gap", "輸出・シェアの目標に数値がない", s)
    if found.of("evidence"):
        return found.decide(Verdict.meets, "high" if len(found.of("evidence")) >= 2 else "medium")
    if found.of("risk") and not found.of("gap"):
        return found.decide(Verdict.does_not_meet, "medium")
    if mentioned:
        return found.decide(Verdict.partially_meets, "medium")
    return found.decide(Verdict.not_addressed, "medium")


def value_or_channels(criterion: Criterion, plan: PlanEvidence) -> Judgement:
    found = Findings(plan)
    claimed = False
    for s in plan.sentences():
        t = sig.norm(s.text)
        if _NO_CHANNEL.search(t):
            found.add("risk", "新たな販路の開拓を予定していない", s)
            continue
        compared = _EXISTING.search(t) and _VALUE.search(t) and sig.has_quantity(t)
        if compared and not sig.is_hedged(t):
            found.add("evidence", "既存の製品・サービスと比べた付加価値（数値）", s)
        elif _CHANNEL.search(t) and sig.is_target(t) and not sig.is_hedged(t):
            found.add("evidence", "販路拡大の数値目標", s)
        elif (
            _VALUE.search(t) or re.search(r"販路(?:拡大|開拓)|販路が広が|販路を広げ", t)
        ) and not sig.has_quantity(t):
            claimed = True
            found.add("gap", "付加価値の向上・販路拡大が数値なしに述べられている", s)
    if found.of("evidence"):
        kinds = {f.text for f in found.of("evidence")}
        return found.decide(Verdict.meets, "high" if len(kinds) >= 2 else "medium")
    if found.of("risk"):
        return found.decide(Verdict.does_not_meet, "medium")
    if claimed:
        return found.decide(Verdict.partially_meets, "medium")
    return found.decide(Verdict.needs_review, None)


def world_class(criterion: Criterion, plan: PlanEvidence) -> Judgement:
    found = Findings(plan)
    for s in plan.sentences():
        t = sig.norm(s.text)
        if not (_WORLD.search(t) and _WORLD_STANDING.search(t)):
            continue
        if sig.has_quantity(t) and not sig.is_hedged(t):
            found.add("evidence", "世界での地位・シェアの数値", s)
        else:
            found.add("gap", "世界で戦えることが数値なしに述べられている", s)
    if found.of("evidence"):
        return found.decide(Verdict.meets, "medium")
    if found.of("gap"):
        return found.decide(Verdict.partially_meets, "medium")
    return found.decide(Verdict.not_addressed, "medium")


def strategic_fields(criterion: Criterion, plan: PlanEvidence) -> Judgement:
    found = Findings(plan)
    for s in plan.sentences():
        t = sig.norm(s.text)
        if not _FIELDS.search(t):
            continue
        if sig.is_hedged(t):
            found.add("gap", "戦略分野との整合は今後の検討とされている", s)
        elif re.search(
            r"勝ち筋|位置付け|該当|重点|掲げ|示され|記載され|挙げられ|[^\s、。の]{1,12}分野(?:の|に)", t
        ):
            found.add("evidence", "戦略分野・官民投資ロードマップとの具体的な対応", s)
        else:
            found.add("gap", "戦略分野との整合が具体的な対応なしに述べられている", s)
    if found.of("evidence"):
        return found.decide(Verdict.meets, "medium")
    if found.of("gap"):
        return found.decide(Verdict.partially_meets, "low")
    return found.decide(Verdict.not_addressed, "medium")
