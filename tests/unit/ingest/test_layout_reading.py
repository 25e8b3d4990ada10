"""Plans as offices export them, read from the layout: real .docx files through real LibreOffice, and the
same pages drawn with fpdf2.

The office export carries what extraction has to survive: a running header (「別紙」) and a page number
(「- 1 -」) on every page, spaces at every change between Japanese and digits (「第 3 章」), lines wrapped
at about 40 characters with no gap between paragraphs, and a Word table whose first cell wraps, so pypdf
reads its row over several lines. Each test first checks that the PDF really shows the problem, then
that the reading removes it while every quote still verifies against what pypdf extracted.
"""

from __future__ import annotations

import pytest
from support.office_docs import write_office_plan_pdf
from support.pdfgen import write_plan_pdf

from assistant.assess.drafter import assess_document
from assistant.assess.evidence import PlanEvidence, is_heading
from assistant.domain.models import ParsedDocument, Verdict
from assistant.domain.rubric import load_rubric
from assistant.ingest.chunking import chunk_document
from assistant.ingest.pdf import parse_pdf
from assistant.search.embeddings import get_embeddings
from assistant.settings import Settings
from assistant.text.grounding import chunk_sentences, quote_on_page
from assistant.text.normalize import join_wrapped_lines, squash, table_cells

SETTINGS = Settings(ocr_enabled=False)
HEADING = "第3章推進体制と参画企業"
BULLET = "・県内の部品メーカーと素材メーカーが共同で試作ラインを整備する計画"
AFTER_BULLET = "参画企業は令和8年度に共同出資会社を設立し、量産技術の開発を進める。"
WRAPPED_CELL = "域内取引額（原料・資材の県内調達分に限る）"
PAGES = [
    "# 深山県 地域産業クラスター計画\n"
    f"## {HEADING}\n"
    f"{BULLET}\n"
    f"{AFTER_BULLET}\n"
    "深山機工株式会社と株式会社ミヤマシステムズが中核企業として参画する。",
    "# KPI\n"
    "指標：基準値（令和7年度）：目標値（令和12年度）\n"
    f"{WRAPPED_CELL}：21億円：27億円\n"
    "雇用の創出：120人：250人\n"
    "毎年度、KPIの達成状況を確認し、結果を公表する。",
]
FURNITURE = ("別紙", "-1-", "-2-")


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> ParsedDocument:
    pdf = write_office_plan_pdf(tmp_path_factory.mktemp("office") / "miyama.pdf", PAGES, title="深山県")
    return parse_pdf(pdf, kind="plan", settings=SETTINGS)


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> ParsedDocument:
    pdf = write_plan_pdf(tmp_path_factory.mktemp("drawn") / "miyama.pdf", PAGES, title="深山県")
    return parse_pdf(pdf, kind="plan", settings=SETTINGS)


@pytest.fixture(scope="module")
def office_evidence(office: ParsedDocument) -> PlanEvidence:
    return PlanEvidence.build(office, SETTINGS, get_embeddings(SETTINGS), [])


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def test_the_export_really_has_furniture_spaces_and_split_rows(office: ParsedDocument) -> None:
    first, second = office.pages
    assert _lines(first.raw)[0] == "別紙" and _lines(first.raw)[-1] == "- 1 -"
    assert _lines(second.raw)[0] == "別紙" and _lines(second.raw)[-1] == "- 2 -"
    assert "第 3 章推進体制と参画企業" in first.raw
    assert not any(squash(WRAPPED_CELL) in squash(line) for line in second.raw.split("\n"))
    assert BULLET + AFTER_BULLET in join_wrapped_lines(first.raw).replace(" ", ""), (
        "joining raw lines glues them"
    )


def test_furniture_is_out_of_text_chunks_and_evidence_but_quotes_still_verify(
    office: ParsedDocument, office_evidence: PlanEvidence
) -> None:
    for page in office.pages:
        assert "別紙" in page.raw, "raw stays as extracted"
        assert not any(squash(line) in FURNITURE for line in page.text.split("\n"))
    chunks = chunk_document(office, SETTINGS)
    assert chunks
    for chunk in chunks:
        assert not any(squash(line) in FURNITURE for line in chunk.text.split("\n")), chunk.text
        for sentence in chunk_sentences(chunk.text):
            raw = office.pages[(chunk.page or 0) - 1].raw
            assert squash(sentence) in squash(raw), sentence
            assert quote_on_page(office, chunk.page, None, sentence)
    for sentence in office_evidence.sentences():
        assert "別紙" not in sentence.text and squash(sentence.text) not in FURNITURE
        assert squash(sentence.text) in squash(office.pages[sentence.page - 1].raw)


def test_spaced_chapter_heading_is_a_heading_not_evidence(
    office: ParsedDocument, office_evidence: PlanEvidence
) -> None:
    assert is_heading("第 3 章推進体制と参画企業")
    assert is_heading("第3章推進体制と参画企業")
    assert HEADING in _lines(office.pages[0].text)
    sentences = office_evidence.sentences()
    assert not any("推進体制" in s.text for s in sentences)
    assert {s.context for s in sentences if s.page == 1 and "参画" in s.text} == {HEADING}
    rubric = load_rubric(SETTINGS.rubric_file)
    support = rubric.get("B.commitment.support_system")
    assert not any("推進体制" in e.text for e in office_evidence.evidence_for(support))
    result = assess_document(
        office,
        plan_type="B",
        backend="offline",
        settings=SETTINGS,
        rubric=rubric,
        embeddings=get_embeddings(SETTINGS),
    )
    item = next(i for i in result.items if i.criterion_id == support.id)
    assert item.verdict != Verdict.meets, "a chapter title is no support system"
    assert not any("推進体制" in c.quote for c in item.citations)


def test_wrapped_table_row_is_one_row_with_its_cells_and_header(
    office: ParsedDocument, office_evidence: PlanEvidence
) -> None:
    rows = [table_cells(line) for line in office.pages[1].text.split("\n") if table_cells(line)]
    assert rows == [
        ["指標", "基準値（令和7年度）", "目標値（令和12年度）"],
        [WRAPPED_CELL, "21億円", "27億円"],
        ["雇用の創出", "120人", "250人"],
    ]
    row = next(s for s in office_evidence.sentences() if s.text.startswith(WRAPPED_CELL))
    assert row.cells == [WRAPPED_CELL, "21億円", "27億円"]
    assert row.text == f"{WRAPPED_CELL}\u300021億円\u300027億円", "cells read apart, in one quote"
    assert row.context == "KPI 指標 基準値（令和7年度） 目標値（令和12年度）", (
        "the section and the column labels"
    )
    assert quote_on_page(office, 2, None, row.text) and squash(row.text) in squash(office.pages[1].raw)
    assert not any(s.text.startswith("指標") for s in office_evidence.sentences()), "labels are not evidence"
    after = next(s for s in office_evidence.sentences() if s.text.startswith("毎年度"))
    assert after.context == "KPI", "after the table, text is back under its heading"
    table = [c for c in chunk_document(office, SETTINGS) if c.page == 2 and WRAPPED_CELL in c.text]
    assert len(table) == 1 and "目標値（令和12年度）" in table[0].text, "a table that fits stays in one chunk"


@pytest.mark.parametrize("rendering", ["office", "drawn"])
def test_bullet_without_full_stop_is_its_own_paragraph(
    rendering: str, request: pytest.FixtureRequest
) -> None:
    doc: ParsedDocument = request.getfixturevalue(rendering)
    lines = _lines(doc.pages[0].text)
    assert BULLET in lines and AFTER_BULLET in lines


def test_drawn_pages_read_back_line_for_line(drawn: ParsedDocument) -> None:
    for page, source in zip(drawn.pages, PAGES, strict=True):
        assert _lines(page.text) == [line.lstrip("# ").replace(" ", "") for line in source.split("\n")]
