"""Understanding a question through the rubric: which plan types, which requirement groups or items,
and what kind of answer (a comparison, a whole list, a number, a yes/no about an alternative).

People ask the way they talk: 「うちの県で地場プランを出すつもりなんですが、外部依存性の基準を満たすには…」,
「Cの場合は？」, "How do plan B and plan C differ…". Every word list comes from the rubric
(``plan_types.*.ask_terms``, ``questions``), so the vocabulary lives with the criteria, not here.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from assistant.domain.models import PlanType, Topic, Turn
from assistant.domain.rubric import Criterion, Rubric
from assistant.search.lexical import get_tokenizer
from assistant.text.normalize import nfkc

_COMPARE = re.compile(
    r"違い|違う|違っ|比べ|比較|並べ|それぞれ|両方|どちらも|どっちも|差は|共通|differ|compar|both|each"
)
_LIST = re.compile(
    r"どのような項目|どんな項目|何があり|何が挙|何がある|全部|すべて|全て|一覧|列挙|何と何|[0-9]+種類|何種類|一通り|ひととおり|ざっと|"
    r"基準は|基準って|項目は|項目って|what are the|list|all of"
)
_OTHERS = re.compile(r"以外|ほかに|他に|ほかは|他は|else|other than|besides")
_FOLLOW_UP_START = re.compile(
    r"^(?:それ|その|この|これ|あれ|じゃあ|では|なら|で、|and\b|what about|how about)"
)
#: Words that point back to the previous turn wherever they stand.
_REFERS_BACK = re.compile(
    r"(?:^|、|ちなみに)(?:それ|その|この|これ|あれ|そこ)|同じ|同様|そちら|そっち|\b(?:that|it|this|those|they|same)\b"
)
#: Content words of a question: a run of kanji or katakana, or a Latin word.
_CONTENT = re.compile(r"[\u4e00-\u9fff]{2,}|[\u30a0-\u30ff]{2,}|[a-z]{3,}")
#: Words that carry no subject of their own: 「Cの場合は？」 asks about the previous turn's subject.
_GENERIC = frozenset(
    [
        "場合",
        "要件",
        "基準",
        "内容",
        "具体的",
        "必要",
        "記載",
        "計画",
        "扱い",
        "条件",
        "考え方",
        "ほう",
        "方法",
        "審査",
        "項目",
        "関係",
        "対象",
        "基本的",
        "一般的",
        "what",
        "about",
        "how",
        "does",
        "do",
        "for",
        "the",
        "case",
        "and",
        "else",
        "other",
    ]
)
#: 「記者会見じゃなくて議会での答弁でも要件を満たしますか」: is an alternative the text does not name acceptable?
_PERMISSION = re.compile(
    r"(?:でも|だけでも|じゃなくて|ではなく|のみで|だけで)[^。？?]{0,24}"
    r"(?:満たし|認められ|大丈夫|いい|よい|構わ|可能|ok|できます|だめ|ダメ|足り)"
)
#: What a question asks for that only a stated value could answer (English words whole: "rate"
#: must not fire inside "strategic").
_ASKS_VALUE: dict[str, re.Pattern[str]] = {
    "percent": re.compile(r"何\s*[%％]|何割|補助率|割合|率は|パーセント|\bpercent|\brate\b"),
    "amount": re.compile(r"いくら|何円|何億|何万円|上限額|予算額|\bhow much\b|\bamount\b"),
    "deadline": re.compile(r"いつまで|締切|締め切り|期限|期日|\bdeadline|\bdue\b"),
    "date": re.compile(r"何日|何月|日程|\bwhat date\b"),
    "count": re.compile(r"何人|何名|何社|何件|何者|何か所|最低何|\bhow many\b"),
    "score": re.compile(r"何点|配点|点数|採点|加点|満点|評価点|\bpoints\b|\bscor"),
    "form": re.compile(r"様式|書式|第何号|テンプレート|フォーマット|ひな形|\bform number|\btemplate"),
    "multiple": re.compile(r"何倍|何年(?!度)|何か月|何ヶ月|何カ月"),
    "disclosure": re.compile(
        r"公表[さしす]|公開[さしす]|ホームページ|ウェブサイト|サイトに|掲載され|開示さ|\bpublish|\bpublic\b"
    ),
    "names": re.compile(
        r"(?:どの|どこの|どんな|具体的に(?:どの|どんな)?|どちらの|何という)(?:[^。？?、]{0,6})?"
        r"(?:補助金|交付金|支援策|制度|委員|メンバー|有識者|機関|団体)"
        r"|\bwhich (?:grants?|subsid|programmes?|programs?|members?)"
    ),
    "actor": re.compile(r"誰が|誰の|どなたが|どこの誰|どこが(?:作|担|審|行|決)|\bwho\b"),
}
#: 「…することはできますか」: whether something is allowed, which the guideline states only where
#: a criterion names its scope.
_POSSIBLE = re.compile(
    r"できますか|できるの|可能ですか|可能でしょうか|してもいい|してよい|かまいません|構いません|\bcan we\b|\ballowed\b"
)
#: 「17の戦略分野を一覧で」: the guideline counts these but never lists them.
_COUNTED_LIST = re.compile(r"[0-9０-９]+の([^\s、。をのはが]{2,12})")
#: 「…って17の戦略分野に入ってるんでしょうか」: membership in a set the guideline only counts.
_MEMBERSHIP = re.compile(r"入って|入る|含まれ|該当する|当てはまる|\bincluded\b|\bamong\b")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_SINGLE_LETTER = re.compile(r"(?<![A-Za-z])([ABC])(?![A-Za-z])")
_LETTER_CONTEXT = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff・、]")
SHORT_FOLLOW_UP = 20

#: Evidence a stated value needs, per kind of value a question asks for (see question._ASKS_VALUE).
_VALUE_IN_TEXT: dict[str, re.Pattern[str]] = {
    "percent": re.compile(r"[0-9０-９]+\s*[%％割]"),
    "amount": re.compile(r"[0-9０-９]+\s*(?:円|万|億|兆)"),
    "date": re.compile(r"[0-9０-９]+\s*(?:年|月|日)|月中|春|夏|秋|冬"),
    "count": re.compile(r"[0-9０-９]+\s*(?:人|名|社|件|者|か所)"),
    "score": re.compile(r"[0-9０-９]+\s*点"),
    "form": re.compile(r"様式|書式|第[0-9０-９]+号"),
    "multiple": re.compile(r"[0-9０-９]+\s*(?:倍|年|か月|ヶ月)"),
    "deadline": re.compile(r"まで|締切|締め切り|期限|期日|[0-9０-９]+\s*月\s*[0-9０-９]+\s*日"),
    "disclosure": re.compile(r"公表|公開|非公開|掲載|開示"),
    "names": re.compile(
        r"(?:[\u30a0-\u30ffA-Za-z]{2,}|[\u4e00-\u9fff]{4,})"
        r"(?:補助金|交付金|支援策|制度|委員|メンバー|有識者|機関|団体|局|省|庁|本部|協議会|連合会|会議所)"
    ),
    "actor": re.compile(
        r"(?:国|都道府県|知事|局|省|庁|本部|地方公共団体|市町村|事業者|企業|自治体|経済界)等?"
        r"(?:が|は|において|を中心に|の下で|主導|として|の責任)|作成主体|主体"
    ),
}
VALUE_JA = {
    "percent": "割合・率",
    "amount": "金額",
    "date": "時期・期限",
    "count": "人数・件数",
    "score": "配点・点数",
    "form": "様式",
    "multiple": "倍率・期間",
    "deadline": "期限",
    "disclosure": "公表・公開の扱い",
    "names": "具体的な名称",
    "actor": "誰が行うか",
}


#: Category words that end like a name but name nobody: 「地方公共団体」 does not answer 「どこの団体」.
_GENERIC_NAMES = re.compile(
    r"(?:地方公共|関係|経済|業界|民間|公共|支援|研究|金融|教育|行政|公的|関連|各種|地域|公益)(?:団体|機関)$|部局$"
)


def value_shown(kind: str, text: str) -> bool:
    found = [m.group(0) for m in _VALUE_IN_TEXT[kind].finditer(nfkc(text))]
    if kind == "names":
        return any(not _GENERIC_NAMES.search(name) for name in found)
    return bool(found)


class Intent(BaseModel):
    topic: Topic
    compare: bool = False
    wants_list: bool = False
    asks_value: str | None = None
    permission: bool = False
    possible: bool = Field(default=False, description="「…できますか」 about something no criterion scopes")
    others: bool = Field(default=False, description="「KPI以外には？」: the group's other items")
    literal: bool = Field(default=False, description="A requirement group or item is named in so many words")
    counted_noun: str | None = Field(default=None, description="「17の戦略分野」 asked for as a list")
    follow_up: bool = False


def _fold(text: str) -> str:
    return nfkc(text).lower()


def plan_types_in(question: str, rubric: Rubric) -> list[PlanType]:
    q = _fold(question)
    squashed = re.sub(r"\s+", "", q)
    found = [
        t
        for t, info in rubric.plan_types.items()
        if any(_fold(term) in (q if " " in term else squashed) for term in info.ask_terms)
    ]
    raw = nfkc(question)
    for m in _SINGLE_LETTER.finditer(raw):
        before, after = raw[m.start() - 1 : m.start()], raw[m.end() : m.end() + 1]
        if _LETTER_CONTEXT.match(before or " ") or _LETTER_CONTEXT.match(after or " "):
            found.append(m.group(1))  # type: ignore[arg-type]
    return sorted(set(found))  # type: ignore[return-value]


def _literally(question: str, terms: list[str]) -> bool:
    q = _fold(question)
    squashed = re.sub(r"\s+", "", q)
    return any(_fold(t) in (q if " " in t else squashed) for t in terms)


def _terms_in(question: str, terms: list[str]) -> bool:
    """A term occurs as written, or (a Japanese term of several words) word by word, so
    「受け付ける基準」 is found in 「どんな基準で受け付けられるんですか」."""
    q = _fold(question)
    if _literally(q, terms):
        return True
    words = set(get_tokenizer().tokenize(q))
    for t in terms:
        if " " in t or not _JAPANESE.search(t):
            continue
        parts = get_tokenizer().tokenize(t)
        if len(parts) >= 2 and all(p in words for p in parts):
            return True
    return False


def _without(text: str, terms: list[str]) -> str:
    for t in sorted(terms, key=len, reverse=True):
        text = re.sub(re.escape(_fold(t)), " ", text)
    return text


def topic_of(question: str, rubric: Rubric) -> Topic:
    """Groups first; an item counts only outside the words that named its group (「依存」 inside
    「外部依存性」 is the group, not the item), and only within the groups named, if any."""
    q = _fold(question)
    groups = [g for g, terms in rubric.questions.groups.items() if _terms_in(q, terms)]
    rest = _without(q, [t for g in groups for t in rubric.questions.groups[g]])
    items = [i for i, terms in rubric.questions.items.items() if _terms_in(rest, terms)]
    if groups:
        in_groups = {c.id.split(".", 1)[1] for c in rubric.criteria if c.group in groups}
        items = [i for i in items if i in in_groups]
    return Topic(plan_types=plan_types_in(question, rubric), groups=groups, items=items, query=question)


def _own_subject(q: str, rubric: Rubric) -> bool:
    """Whether a question names something beyond plan types, requirement words and generic words:
    「補助金の交付決定日はいつですか」 does, so it is a new question even when short."""
    known = [
        _fold(t)
        for terms in (
            *(info.ask_terms for info in rubric.plan_types.values()),
            *rubric.questions.groups.values(),
            *rubric.questions.items.values(),
        )
        for t in terms
    ]
    for word in _CONTENT.findall(q):
        if word in _GENERIC or any(word in term or term in word for term in known if len(term) >= 2):
            continue
        return True
    return False


def analyse(question: str, rubric: Rubric, history: list[Turn] | None = None) -> Intent:
    """A follow-up (opening with それ/じゃあ/and…, pointing back with その/同じ/that, or naming no
    subject of its own) inherits what the previous turn was about: its requirement groups and items
    unless it names its own, its plan types unless it names others, and its question as context for
    retrieval."""
    topic = topic_of(question, rubric)
    q = _fold(question)
    previous = history[-1].topic if history else None
    own = _own_subject(q, rubric)
    follow_up = previous is not None and (
        bool(_FOLLOW_UP_START.search(q.strip()))
        or bool(_REFERS_BACK.search(q))
        or (not own and (len(question.strip()) <= SHORT_FOLLOW_UP or not (topic.groups or topic.items)))
    )
    others = bool(_OTHERS.search(q))
    if follow_up and previous is not None:
        topic = Topic(
            plan_types=topic.plan_types or previous.plan_types,
            groups=topic.groups or ([] if topic.items and not others else previous.groups),
            items=topic.items if topic.items and not others else previous.items,
            query=f"{previous.query} {question}",
        )
    counted = _COUNTED_LIST.search(nfkc(question))
    wants_list = bool(_LIST.search(q))
    membership = bool(_MEMBERSHIP.search(q))
    return Intent(
        topic=topic,
        compare=bool(_COMPARE.search(q)) or len(topic.plan_types) >= 2,
        wants_list=wants_list,
        asks_value=next((kind for kind, p in _ASKS_VALUE.items() if p.search(q)), None),
        permission=bool(_PERMISSION.search(q)),
        possible=bool(_POSSIBLE.search(q)),
        others=others and bool(topic.items),
        counted_noun=counted.group(1) if counted and (wants_list or membership) else None,
        follow_up=follow_up,
        literal=any(_literally(question, rubric.questions.groups[g]) for g in topic.groups)
        or any(_literally(question, rubric.questions.items[i]) for i in topic.items),
    )


def criteria_for(intent: Intent, rubric: Rubric) -> tuple[list[Criterion], list[Criterion]]:
    """The criteria a question is about, and those it names but that belong to other plan types.

    Named items win over whole groups; 「以外」 turns a follow-up to the group's other items. With
    no plan type named, every type that has the requirement answers (B and C alike).
    """
    topic = intent.topic
    suffix = {c.id: c.id.split(".", 1)[1] for c in rubric.criteria}
    if topic.items and not intent.others and not topic.groups:
        chosen = [c for c in rubric.criteria if suffix[c.id] in topic.items]
    elif topic.items and intent.others:
        groups = {c.group for c in rubric.criteria if suffix[c.id] in topic.items}
        chosen = [c for c in rubric.criteria if c.group in groups and suffix[c.id] not in topic.items]
    else:
        chosen = [c for c in rubric.criteria if c.group in topic.groups]
    if not topic.plan_types:
        return chosen, []
    named = [c for c in chosen if c.plan_type in topic.plan_types]
    if not named and chosen:
        # 「B計画だったら？」 after a C-only item: the same requirement group, for the type asked.
        groups = {c.group for c in chosen}
        named = [c for c in rubric.criteria if c.group in groups and c.plan_type in topic.plan_types]
    return named, [c for c in chosen if c.plan_type not in topic.plan_types]
