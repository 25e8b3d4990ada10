"""Quotes read by OCR say so, with their confidence; a verdict resting on a doubtful reading waits for a person.

A quote from a scanned page is verified only against the product's own reading of the image. Where
that reading is unsure in a figure or a word (see :mod:`assistant.text.ocr_confidence`), the quote is
marked low-confidence, and an item whose verdict claims something from such a quote becomes
``needs_review`` with the reason, so nobody confirms 「1.200億円」 that the page prints as 1,200.
"""

from __future__ import annotations

from assistant.domain.labels import VERDICT_LABELS_JA
from assistant.domain.models import (
    EVIDENCE_VERDICTS,
    Answer,
    ChecklistItem,
    ParsedDocument,
    PlanCitation,
    Verdict,
)
from assistant.settings import Settings
from assistant.text.grounding import find_page
from assistant.text.ocr_confidence import QuoteReading, quote_reading


def _marked(
    citation: PlanCitation, doc: ParsedDocument, settings: Settings
) -> tuple[PlanCitation, QuoteReading | None]:
    page = find_page(doc, citation.page, None) if citation.page is not None else None
    reading = quote_reading(page, citation.quote, settings)
    if reading is None:
        return citation, None
    marked = citation.model_copy(
        update={"source": "ocr", "confidence": reading.confidence, "low_confidence": reading.low}
    )
    return marked, reading


def mark_ocr_readings(
    items: list[ChecklistItem], doc: ParsedDocument, settings: Settings, *, presence: set[str]
) -> list[ChecklistItem]:
    """Every OCR quote is marked; the verdict changes when the deciding quote (the first, or every
    one when all are doubtful) holds a doubtful figure — words misread elsewhere in a sentence
    rarely change what it says, a misread digit does — and a presence criterion's ``meets`` also when
    its deciding quote is doubtful at all. Such a ``meets`` rests on one statement, and a misread word
    can hide the one thing that makes it no commitment (「今後検討する」 read as 「今後次討する」); a
    judgement verdict weighs typed findings from several quotes, and sending those to review on any
    doubtful word measured at a third of all judgement items on scans, for no wrong ``meets`` avoided."""
    if not any(p.ocr for p in doc.pages):
        return items
    out = []
    for item in items:
        pairs = [_marked(c, doc, settings) for c in item.citations]
        citations = [c for c, _ in pairs]
        update: dict[str, object] = {"citations": citations}
        readings = [r for _, r in pairs]
        deciding = (
            readings[:1] if not all(r is not None and r.doubtful_figure for r in readings) else readings
        )
        doubtful = [citations[k] for k, r in enumerate(deciding) if r is not None and r.doubtful_figure]
        what = "数値"
        if (
            not doubtful
            and item.verdict == Verdict.meets
            and item.criterion_id in presence
            and readings
            and readings[0] is not None
        ):
            doubtful = [citations[0]] if readings[0].low else []
            what = "語句"
        if doubtful and item.verdict in EVIDENCE_VERDICTS:
            first = doubtful[0]
            update |= {
                "verdict": Verdict.needs_review,
                "confidence": None,
                "rationale": f"{item.rationale}\n【要確認】{first.page}頁の引用「{first.quote}」はスキャン画像の"
                f"OCR読み取りが{what}について不確か（信頼度 {first.confidence:.2f}）なため、原本で確認してください"
                f"（下書きの判定：{VERDICT_LABELS_JA[item.verdict]}）。",
            }
        out.append(item.model_copy(update=update))
    return out


def mark_answer_readings(answer: Answer, doc: ParsedDocument | None, settings: Settings) -> Answer:
    """An answer's quotes from a scanned plan say they were read by OCR, and how surely."""
    if doc is None or not any(p.ocr for p in doc.pages):
        return answer
    citations = []
    for c in answer.citations:
        page = find_page(doc, c.page, None) if c.source == doc.source and c.page is not None else None
        reading = quote_reading(page, c.quote, settings)
        if reading is not None:
            c = c.model_copy(
                update={"reading": "ocr", "confidence": reading.confidence, "low_confidence": reading.low}
            )
        citations.append(c)
    return answer.model_copy(update={"citations": citations})
