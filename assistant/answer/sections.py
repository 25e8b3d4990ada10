"""Which plan types a guideline section speaks for, read from the headings in document order.

A heading names its type (「B 有望度（地域産業クラスター計画）」, 「A. 戦略産業クラスター計画について」,
「…地域産業成長プラン…」 for B and C); a heading that names none (「官民投資ロードマップ」) belongs to the
part it sits in, i.e. the last heading before it that named one. The document's title section (its
front matter: title, publisher, date) answers no question about the requirements.
"""

from __future__ import annotations

import re

from assistant.domain.models import ParsedDocument, PlanType
from assistant.domain.rubric import Rubric
from assistant.search.lexical import get_tokenizer
from assistant.text.normalize import nfkc

_LETTER = re.compile(r"^([ABC])[\s.．、]")


def heading_types(heading: str, rubric: Rubric) -> frozenset[PlanType]:
    h = nfkc(heading)
    found: set[PlanType] = set()
    if m := _LETTER.match(h):
        found.add(m.group(1))  # type: ignore[arg-type]
    for t, info in rubric.plan_types.items():
        if any(nfkc(name) in h for name in info.names):
            found.add(t)
    for family, types in rubric.families.items():
        if nfkc(family) in h and not found:
            found.update(types)
    return frozenset(found)


_FILLER = re.compile(r"^[のをにはとでおよび及び・\s]+|[のをにはとでおよび及び・\s]+$|[「」『』（）()]")
_GENERIC_NAMES = {"について", "ついて", "要件", "要件等", "考え方", "計画", "基準"}


def _core_name(heading: str, rubric: Rubric) -> str:
    """A heading without the plan-type names in it: 「戦略産業クラスター計画の記載事項」 → 「記載事項」."""
    h = nfkc(heading)
    names = [n for info in rubric.plan_types.values() for n in info.names] + list(rubric.families)
    for name in sorted(names, key=len, reverse=True):
        h = h.replace(nfkc(name), " ")
    h = _LETTER.sub("", re.sub(r"[ABC][.．]", " ", h))
    parts = [_FILLER.sub("", re.sub(r"^計画の?", "", p)) for p in re.split(r"\s+|の要件|及び", h)]
    core = max(parts, key=len, default="")
    return "" if core in _GENERIC_NAMES or len(core) < 2 else core


class SectionTypes:
    """Section heading → plan types, and the names by which a question can point at a section."""

    def __init__(self, doc: ParsedDocument, rubric: Rubric) -> None:
        self.types: dict[str, frozenset[PlanType]] = {}
        self.names: dict[str, str] = {}
        self.front_matter = doc.pages[0].section if doc.pages and doc.pages[0].section == doc.title else None
        criterion_sections = {c.section for c in rubric.criteria}
        current: frozenset[PlanType] = frozenset()
        for page in doc.pages:
            if page.section is None or page.section == self.front_matter:
                continue
            own = heading_types(page.section, rubric)
            current = own or current
            self.types[page.section] = current
            if page.section not in criterion_sections and (core := _core_name(page.section, rubric)):
                self.names[page.section] = core

    def of(self, section: str | None) -> frozenset[PlanType]:
        return self.types.get(section or "", frozenset())

    def named_in(self, question: str) -> str | None:
        """The section (other than a criterion's) whose name the question uses, in so many words
        (「記載事項」) or word by word (「どのような項目を記載する」 with 項目 read as 事項)."""
        q = nfkc(question)
        words = set(get_tokenizer().tokenize(q))
        hits = []
        for section, name in self.names.items():
            units = [u for _, parts in get_tokenizer().nouns(name) for u in parts]
            if name in q:
                hits.append((1, len(name), section))
            elif units and all(u in words for u in units):
                hits.append((0, len(name), section))
        return max(hits)[2] if hits else None

    def names_literally(self, section: str, question: str) -> bool:
        return self.names.get(section, "\0") in nfkc(question)
