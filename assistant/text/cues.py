"""Surface signals the offline drafter can honestly detect in Japanese plan text.

These are facts about wording (an amount with a unit, a 令和N年度, a named company, a verb of
announcement, a non-committal phrase), never judgements about quality. The drafter combines them
per criterion and says in its rationale which ones it saw.
"""

from __future__ import annotations

import re

from .normalize import match_form

_NUM = r"[0-9][0-9,.]*"
_KANJI_NUM = r"[一二三四五六七八九十百千]+"

CUE_PATTERNS: dict[str, re.Pattern[str]] = {
    "amount": re.compile(rf"(?:{_NUM}|{_KANJI_NUM})\s*(?:兆|億|千万|百万|万)?\s*円|{_NUM}\s*(?:億|兆)"),
    "year": re.compile(
        rf"(?:令和|平成)\s*(?:{_NUM}|元|{_KANJI_NUM})\s*年度?|(?:19|20)\d\d\s*年度?|(?:19|20)\d\d\s*[/.]\s*\d"
    ),
    "percent": re.compile(rf"{_NUM}\s*%|{_NUM}\s*パーセント|(?:{_NUM}|{_KANJI_NUM})\s*割"),
    "company": re.compile(
        r"(?:株式会社|\(株\)|有限会社|合同会社|合資会社|協同組合|事業協同組合)\s*[^\s、。,（）()]{1,20}"
        r"|[^\s、。,（）()]{1,20}\s*(?:株式会社|\(株\)|有限会社|合同会社|協同組合|組合)"
        r"|[A-Za-z][A-Za-z&.\- ]{1,30}\s*(?:Inc\.?|Co\.,? Ltd\.?|Corporation|Corp\.?|K\.K\.)"
    ),
    "announce": re.compile(r"発表|表明|公表|記者会見|宣言|所信表明|議会で.{0,10}(?:答弁|説明)"),
    "schedule": re.compile(r"(?:着工|竣工|稼働|運転開始|操業|完成|開始|完了|導入|整備)\s*(?:予定|見込み)?"),
    "periodic": re.compile(
        r"毎年度?|毎月|毎期|四半期|半期|年\s*[0-9一二三四]\s*回|定期的|年度ごと|年度末|中間評価|随時"
    ),
    "goal": re.compile(r"目標|目指|めざ|までに|KPI|計画値|達成|創出する|引き上げ|増やす|拡大する|→"),
    "count": re.compile(rf"(?:{_NUM}|{_KANJI_NUM})\s*(?:人|名|社|件|者|事業者)"),
    "organisation": re.compile(
        r"体制|チーム|本部|協議会|窓口|センター|推進室|プラットフォーム|コンソーシアム|専任|担当課|伴走"
    ),
}

CUE_LABELS_JA: dict[str, str] = {
    "amount": "金額",
    "year": "年度・時期",
    "percent": "割合",
    "company": "企業名",
    "announce": "発表・表明",
    "schedule": "スケジュール",
    "periodic": "定期性",
    "goal": "目標としての記載",
    "target": "数値目標",
    "count": "人数・件数",
    "organisation": "体制・組織",
}

NON_COMMITMENT = re.compile(
    r"今後\s*(?:の)?\s*検討|検討(?:する|中|を行う|していく|予定)|予定(?:である|です|としている)?(?:。|$)|未定|定めていない|"
    r"定まっていない|決まっていない|調整中|公募により選定|選定する予定|明らかでない|記載しない|設定しない|現時点では"
)

_QUANTITY = re.compile(
    rf"(?:{_NUM}|{_KANJI_NUM})\s*(?:%|割|円|億|万|人|名|社|件|t|トン|倍|ポイント|pt|者|店|品目)"
)


def find_cues(text: str, context: str = "") -> set[str]:
    """Cues in a sentence; ``context`` (its heading) only lends the goal wording to a table row
    such as 「売上額：12億円」 under 「KPI（令和12年度の目標値）」.

    Both are read in :func:`~assistant.text.normalize.match_form`, so an office export's
    「令和 12 年度」 is the same year as the drawn 「令和12年度」."""
    t = match_form(text)
    cues = {name for name, pattern in CUE_PATTERNS.items() if pattern.search(t)}
    if _QUANTITY.search(t) and ("goal" in cues or CUE_PATTERNS["goal"].search(match_form(context))):
        cues |= {"target", "goal"}
    return cues


def count_companies(text: str) -> int:
    return len(set(CUE_PATTERNS["company"].findall(match_form(text))))


def is_non_commitment(text: str) -> bool:
    return bool(NON_COMMITMENT.search(match_form(text)))
