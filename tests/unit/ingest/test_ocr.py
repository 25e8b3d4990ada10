"""OCR that says how sure it is: scanned pages read in parallel with a confidence per character,
quotes from them marked, and a verdict resting on a doubtful figure sent to a person."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.assess.ocr_quotes import mark_ocr_readings
from assistant.domain.models import ChecklistItem, PageText, ParsedDocument, PlanCitation, Verdict
from assistant.ingest.ocr import OcrPage, _corrected
from assistant.ingest.pdf import parse_pdf
from assistant.settings import Settings
from assistant.text.normalize import squash
from assistant.text.ocr_confidence import quote_reading
from tests.support.pdfgen import write_plan_pdf
from tests.support.scans import write_scanned_pdf

PAGES = [
    "# 1. 計画の概要\n本計画は、県内の精密加工産業の集積を活かし、医療機器部品の量産拠点を整備するものである。\n"
    "総投資額は約1,200億円を見込む。",
    "# 2. 推進体制\n県産業振興課に伴走支援チームを設置し、毎年度KPIの達成状況を確認する。\n"
    "KPI：域内調達率 60％（令和12年度）",
    "# 3. 人材\n地元の工業高校と連携し、毎年40名の技能者を育成する。",
]


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> ParsedDocument:
    folder = tmp_path_factory.mktemp("ocr")
    drawn = write_plan_pdf(folder / "drawn.pdf", PAGES)
    scan = write_scanned_pdf(drawn, folder / "scan.pdf", dpi=200, skew_degrees=0.6, seed=3)
    return parse_pdf(scan, kind="plan", settings=Settings(ocr_enabled=True, ocr_workers=2))


def test_every_scanned_page_is_read_with_a_confidence_per_character(scanned: ParsedDocument) -> None:
    assert [p.status for p in scanned.pages] == ["ocr", "ocr", "ocr"]
    for page in scanned.pages:
        assert page.ocr_confidence is not None and len(page.ocr_confidence) == len(page.raw)
        assert all(0 <= c <= 100 for c in page.ocr_confidence)
    assert [n.page for n in scanned.notices if n.kind == "ocr"] == [1, 2, 3]
    assert "伴走支援チーム" in squash(scanned.pages[1].text)
    assert "1,200億円" in squash(scanned.pages[0].text), "speckle removed, page straightened, comma kept"


def test_a_quote_from_a_scan_reports_its_reading(scanned: ParsedDocument) -> None:
    reading = quote_reading(scanned.pages[1], "伴走支援チームを設置", Settings())
    assert reading is not None and 0 < reading.confidence <= 1
    assert quote_reading(scanned.pages[1], "この文は頁にない", Settings()) is None
    text_page = PageText(page=1, raw="本文", text="本文")
    assert quote_reading(text_page, "本文", Settings()) is None, "a text layer needs no OCR confidence"


def test_shape_corrections_keep_one_confidence_per_character() -> None:
    raw = "総投資額は約1.200億円、比率は15%%、新エ場と人ロ減少、省エネ設備。"
    page = _corrected(OcrPage(text=raw, confidence=list(range(len(raw)))))
    assert page.text == "総投資額は約1,200億円、比率は15%、新工場と人口減少、省エネ設備。"
    assert len(page.confidence) == len(page.text)
    assert _corrected(OcrPage(text="1.25倍と0.125", confidence=[90] * 11)).text == "1.25倍と0.125"


def _ocr_doc(raw: str, confidence: list[int]) -> ParsedDocument:
    page = PageText(page=1, raw=raw, text=raw, ocr=True, status="ocr", ocr_confidence=confidence)
    return ParsedDocument(doc_id="x" * 64, source="scan.pdf", path="scan.pdf", kind="plan", pages=[page])


def test_a_verdict_resting_on_a_doubtful_figure_goes_to_a_person() -> None:
    raw = "総投資額は約1,200億円を見込む。"
    confidence = [95] * len(raw)
    figure = raw.index("1,200")
    for k in range(figure, figure + 5):
        confidence[k] = 70  # sure enough for a word, not for a figure
    item = ChecklistItem(
        criterion_id="B.contents.investment_plan",
        verdict=Verdict.meets,
        rationale="投資規模の記載あり。",
        citations=[PlanCitation(page=1, quote="総投資額は約1,200億円を見込む")],
    )
    [marked] = mark_ocr_readings([item], _ocr_doc(raw, confidence), Settings(), presence={item.criterion_id})
    assert marked.verdict == Verdict.needs_review
    assert marked.citations[0].source == "ocr" and marked.citations[0].low_confidence
    assert marked.citations[0].confidence == 0.7
    assert "OCR" in marked.rationale and "満たす" in marked.rationale
    assert marked.citations[0].model_dump()["source"] == "ocr"

    sure = mark_ocr_readings(
        [item], _ocr_doc(raw, [95] * len(raw)), Settings(), presence={item.criterion_id}
    )[0]
    assert sure.verdict == Verdict.meets and sure.citations[0].source == "ocr"
    assert not sure.citations[0].low_confidence and "low_confidence" not in sure.citations[0].model_dump()


def test_a_presence_meets_resting_on_a_doubtful_word_goes_to_a_person() -> None:
    """「今後検討する」 misread as 「今後次討する」 no longer reads as a non-commitment, so the drafter
    says ``meets`` for a presence criterion; the word's low confidence gives the misreading away."""
    raw = "支援体制 今後次討する。"
    confidence = [95] * len(raw)
    for k in range(raw.index("次討"), raw.index("次討") + 2):
        confidence[k] = 36
    doc = _ocr_doc(raw, confidence)
    cite = [PlanCitation(page=1, quote="支援体制 今後次討する。")]
    meets = ChecklistItem(
        criterion_id="C.commitment.support_system",
        verdict=Verdict.meets,
        rationale="体制あり。",
        citations=cite,
    )
    presence = {meets.criterion_id}
    [marked] = mark_ocr_readings([meets], doc, Settings(), presence=presence)
    assert (
        marked.verdict == Verdict.needs_review and "語句" in marked.rationale and "満たす" in marked.rationale
    )
    partial = meets.model_copy(update={"verdict": Verdict.partially_meets})
    assert (
        mark_ocr_readings([partial], doc, Settings(), presence=presence)[0].verdict == Verdict.partially_meets
    )
    sure = mark_ocr_readings([meets], _ocr_doc(raw, [95] * len(raw)), Settings(), presence=presence)[0]
    assert sure.verdict == Verdict.meets
    judged = mark_ocr_readings([meets], doc, Settings(), presence=set())[0]
    assert judged.verdict == Verdict.meets, (
        "a judgement verdict weighs findings; only a doubtful figure moves it"
    )


def test_text_citations_serialise_as_before(tmp_path: Path) -> None:
    assert PlanCitation(page=2, quote="引用").model_dump_json() == '{"page":2,"quote":"引用"}'
