"""Which programme a plan was written for, from the names and wording the rubric gives each type."""

from __future__ import annotations

from pydantic import BaseModel

from assistant.domain.models import ParsedDocument, PlanType
from assistant.domain.rubric import Rubric
from assistant.text.normalize import nfkc

#: Ties go to the plans prefectures submit most (B, then C); A proposals are rarer.
_TIE_ORDER: tuple[PlanType, ...] = ("B", "C", "A")


class TypeDetection(BaseModel):
    plan_type: PlanType
    confident: bool
    reason: str


def detect_plan_type(doc: ParsedDocument, rubric: Rubric) -> TypeDetection:
    """Title and first page decide; wording alone only suggests, and says so.

    Wording counts distinct terms, not occurrences, so one word repeated (誘致は行わない …) cannot
    outweigh a plan's overall vocabulary.
    """
    head = nfkc(doc.title + "\n" + (doc.pages[0].text if doc.pages else ""))
    body = nfkc("\n".join(p.text for p in doc.pages))
    types = rubric.plan_types
    for text, where in ((head, "表題・1頁目"), (body, "本文")):
        hits = {t: len(types[t].name_pattern.findall(text)) for t in _TIE_ORDER}
        ranked = sorted(hits.items(), key=lambda kv: -kv[1])
        if ranked[0][1] and ranked[0][1] > ranked[1][1]:
            t = ranked[0][0]
            return TypeDetection(
                plan_type=t,
                confident=where == "表題・1頁目" or ranked[1][1] == 0,
                reason=f"{where}の「{types[t].names[0]}」の記載から判定",
            )
    wording = {t: len(set(types[t].wording_pattern.findall(body))) for t in _TIE_ORDER}
    return TypeDetection(
        plan_type=max(_TIE_ORDER, key=lambda t: wording[t]),
        confident=False,
        reason="計画種別の名称が見当たらないため、用語の傾向から推定",
    )
