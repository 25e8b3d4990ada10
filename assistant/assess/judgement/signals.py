"""What a sentence of a plan says that judgement criteria weigh: shares, places, targets, comparisons.

These are readings of wording, not opinions: 「売上の約7割」 is a share of 70, 「欧州メーカーから輸入」
is a source abroad, 「令和11年度までに60％へ引き上げる」 is a dated target. The judges in
:mod:`.judges` combine them per criterion. All matching is on NFKC text with the spaces that office
exports put between Japanese and digits removed.
"""

from __future__ import annotations

import re
from typing import Literal

from assistant.text.cues import CUE_PATTERNS, count_companies, is_non_commitment
from assistant.text.normalize import nfkc

Place = Literal["region", "domestic", "abroad"]

_NUM = r"[0-9]+(?:[.,][0-9]+)*"
_SHARE = re.compile(
    rf"(?:約|およそ|概ね|ほぼ)?({_NUM})\s*(%|％|パーセント|割)(?:程度|以上|超|強|弱)?"
    r"|(全量|全数|すべて|全て|大半|大部分|ほとんど|過半|半分|半数)"
)
_WORD_SHARES = {"全量": 100.0, "全数": 100.0, "すべて": 100.0, "全て": 100.0, "大半": 80.0, "大部分": 80.0,
                "ほとんど": 90.0, "過半": 55.0, "半分": 50.0, "半数": 50.0}  # fmt: skip

_PLACE_PATTERNS: dict[Place, re.Pattern[str]] = {
    "abroad": re.compile(
        r"輸入|海外|外国|国外|欧州|欧米|米国|北米|中国|台湾|韓国|アジア|ドイツ|フランス|イタリア|スイス|インド|ベトナム|タイ製|外資"
    ),
    "domestic": re.compile(r"国内|国産|日本製|県外"),
    "region": re.compile(r"県内|域内|地域内|地元|当該地域|市内|町内|村内|県産|地場|自社"),
}
#: Selling abroad is not sourcing from abroad: a sentence about exports says nothing about supply.
_SALES_DIRECTION = re.compile(r"輸出|販売|出荷|販路|売上|外貨|シェア|観光客|誘客")
SOURCING = re.compile(
    r"調達|仕入|購入|輸入|供給|外注|委託|依存|頼|部材|部品|原料|原材料|材料|素材|工程|装置|設備|技術|加工|組立|製造|生産|調達先"
)

#: Words that make a figure a goal. Not a bare 「へ」: 「1社への納品」 is a fact, 「60％へ」 a target.
TARGET_WORDS = re.compile(
    r"目標|目指|めざ|までに|引き上げ|高める|向上|拡大(?:する|させ|を図)|増や|→|達成|計画値|[0-9](?:%|％|割)へ|[0-9]年度に"
)
_YEAR = CUE_PATTERNS["year"]
MITIGATION_ACTION = re.compile(
    r"国産化|内製化|域内化|現地調達|代替|切り替え|切替|転換|複数(?:社|の)|分散|多角化|共同開発|二社購買|地元調達|県内調達|国内調達|引き上げ|引下げ|引き下げ|低減|削減|抑え|上限|超えない|以内|以下に"
)
CAP = re.compile(r"(?:超えない|以内|以下に|以下と|上限|抑え|引き下げ|引下げ|低減)")
#: The plan's own non-commitment (「今後検討する」「定めていない」「将来的には…たいと考えている」).
#: Bare 「検討」 is not one (「17の戦略分野に関する検討と整合」), nor is a customer's 「購入したい」.
HEDGE = re.compile(
    r"将来的に|たいと考えて|調整中|模索|努める|努力する|定まった段階|決まり次第|具体化していない|定まっていない|"
    r"決まっていない|想定していない|予定はない|予定していない|行わない|考えていない"
)
_COST_SHARE = re.compile(
    rf"(?:原価|コスト|付加価値|金額|製造費|製造原価|部材費)(?:全体)?(?:の|に占める|ベースで|ベースの)?(?:割合は|比率は)?(?:約|およそ|概ね)?({_NUM})\s*(%|％|割)"
)
ASSERTED = re.compile(
    r"見込まれる|期待|と考えている|考えられる|人気があ|人気が高|関心が高|高まって|好評|評判"
)
QUANTITY = re.compile(
    rf"{_NUM}\s*(?:%|％|割|円|億|万|千|人|名|社|件|台|t|トン|倍|ポイント|店|品目|位|か国|カ国|ヵ国|者)"
)


def norm(text: str) -> str:
    """NFKC with the spaces office exports put between Japanese and ASCII runs removed."""
    return re.sub(r"\s+", "", nfkc(text))


def shares(text: str) -> list[float]:
    """Every share the sentence states, as a percentage (7割 → 70, 全量 → 100)."""
    out = []
    for m in _SHARE.finditer(norm(text)):
        if m.group(3):
            out.append(_WORD_SHARES[m.group(3)])
            continue
        value = float(m.group(1).replace(",", ""))
        out.append(value * 10 if m.group(2) == "割" else value)
    return [v for v in out if 0 < v <= 100]


def places(text: str) -> set[Place]:
    t = norm(text)
    found: set[Place] = {p for p, pattern in _PLACE_PATTERNS.items() if pattern.search(t)}
    if "abroad" in found and _SALES_DIRECTION.search(t) and not re.search(r"輸入|海外から|調達|仕入", t):
        found.discard("abroad")
    return found


def cost_share(text: str) -> float | None:
    """The share of cost or value an item carries (「原価の約4割を占める」 → 40), if stated."""
    m = _COST_SHARE.search(norm(text))
    if m is None:
        return None
    value = float(m.group(1).replace(",", ""))
    return value * 10 if m.group(2) == "割" else value


def year_of(text: str) -> str | None:
    m = _YEAR.search(norm(text))
    return m.group(0) if m else None


def has_quantity(text: str) -> bool:
    return bool(QUANTITY.search(norm(text)))


def has_year(text: str) -> bool:
    return bool(_YEAR.search(norm(text)))


def is_target(text: str) -> bool:
    """A figure stated as a goal: 「令和12年度に60％へ引き上げる」, 「輸出額80億円を目指す」."""
    t = norm(text)
    return bool(TARGET_WORDS.search(t)) and has_quantity(t)


def is_hedged(text: str) -> bool:
    return is_non_commitment(text) or bool(HEDGE.search(norm(text)))


def is_asserted_only(text: str) -> bool:
    """A claim with nothing behind it: 「需要が見込まれる」 with no figure, buyer or agreement."""
    t = norm(text)
    return bool(ASSERTED.search(t)) and not has_quantity(t) and count_companies(t) == 0


def companies(text: str) -> int:
    return count_companies(norm(text))


def names_company(text: str) -> bool:
    return bool(CUE_PATTERNS["company"].search(norm(text)))
