"""Office-export fixtures: a real .docx through real LibreOffice, checked the way ingestion will read it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader
from support import office_docs
from support.office_docs import (
    OfficeExportError,
    PageOverflowError,
    export_pdf,
    write_office_plan_pdf,
    write_plan_docx,
)

TABLE_ROWS = [
    ("工程・部材", "調達先", "原価に占める比率"),
    ("精密減速機", "欧州メーカーから輸入", "28％"),
    ("サーボモーター", "中国メーカーから輸入", "18％"),
    ("最終組立・検査", "県内（深山機工株式会社）", "8％"),
]
PAGES = [
    "# 深山県 地域産業クラスター計画\n"
    "## 協働ロボットの一貫生産クラスター\n"
    "令和8年9月\n"
    "\n"
    "本計画は、県内企業が連携して協働ロボットの設計から組立、導入支援までを担うクラスターを形成し、"
    "県内外の中小製造業の自動化に貢献することを目的とする。",
    "# 3. 製造体制\n"
    "ロボットの主要な工程・部材と調達先は、次の表のとおりである。\n"
    + "\n".join("：".join(row) for row in TABLE_ROWS)
    + "\n令和13年度までに減速機の県内調達を始める。",
    "# 4. KPI\nKPI1：売上額 令和12年度 120億円\nKPI2：雇用創出 300人\n計画期間：令和8年度～令和12年度",
]


def _compact(text: str) -> str:
    return re.sub(r"\s", "", text)


@pytest.fixture(scope="module")
def office_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("office") / "miyama.pdf"
    return write_office_plan_pdf(out, PAGES, title="深山県 地域産業クラスター計画")


def test_one_physical_page_per_plan_page(office_pdf: Path) -> None:
    assert len(PdfReader(office_pdf).pages) == len(PAGES)


def test_pages_carry_header_page_number_heading_and_table_cells(office_pdf: Path) -> None:
    texts = [page.extract_text() for page in PdfReader(office_pdf).pages]
    for number, text in enumerate(texts, start=1):
        lines = [line.strip() for line in text.splitlines()]
        assert "別紙" in lines
        assert f"- {number} -" in lines
    page2 = _compact(texts[1])
    assert "3.製造体制" in page2
    for row in TABLE_ROWS:
        for cell in row:
            assert _compact(cell) in page2
    assert "令和13年度までに減速機の県内調達を始める。" in page2
    assert not any(_compact(cell) in _compact(texts[0] + texts[2]) for cell in ("精密減速機", "28％"))
    assert "協働ロボットの一貫生産クラスター" in _compact(texts[0])
    assert "雇用創出" in _compact(texts[2])


def test_title_reaches_the_pdf(office_pdf: Path) -> None:
    assert PdfReader(office_pdf).metadata.title == "深山県 地域産業クラスター計画"


def test_docx_has_headings_tables_paragraphs_header_and_page_field(tmp_path: Path) -> None:
    doc = Document(str(write_plan_docx(tmp_path / "plan.docx", PAGES, header="別添資料")))
    styled = [(p.style.name, p.text) for p in doc.paragraphs if p.text]
    assert ("Heading 1", "深山県 地域産業クラスター計画") in styled
    assert ("Heading 2", "協働ロボットの一貫生産クラスター") in styled
    assert ("Normal", "令和8年9月") in styled
    assert not any(not p.text and not p.runs for p in doc.paragraphs), (
        "blank lines must not become paragraphs"
    )
    procurement, kpi = doc.tables
    assert [tuple(c.text for c in row.cells) for row in procurement.rows] == TABLE_ROWS
    assert procurement.rows[0].cells[0].paragraphs[0].runs[0].bold
    assert procurement.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert [c.text for c in kpi.rows[2].cells] == ["計画期間", "令和8年度～令和12年度"]
    assert not kpi.rows[0].cells[0].paragraphs[0].runs[0].bold
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert section.header.paragraphs[0].text == "別添資料"
    footer_xml = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer_xml and 'w:fldCharType="begin"' in footer_xml
    fonts = doc.styles.element.find(qn("w:docDefaults")).find(f".//{qn('w:rFonts')}")
    assert fonts.get(qn("w:eastAsia")) == "IPAexGothic"


def test_single_colon_lines_and_mixed_column_counts_stay_paragraphs(tmp_path: Path) -> None:
    page = "# 概要\n中核事業者：東雲漆器協同組合\n本文の段落。\n工程：調達先：比率\n売上目標：30億円"
    doc = Document(str(write_plan_docx(tmp_path / "plan.docx", [page])))
    assert doc.tables == []
    assert [p.text for p in doc.paragraphs] == [
        "概要",
        "中核事業者：東雲漆器協同組合",
        "本文の段落。",
        "工程：調達先：比率",
        "売上目標：30億円",
    ]


def test_page_ending_in_a_table_and_no_header_or_page_numbers(tmp_path: Path) -> None:
    # PAGES[2] ends with a table, so its page break sits in a paragraph of its own.
    pdf = write_office_plan_pdf(tmp_path / "plain.pdf", [PAGES[2], PAGES[0]], header=None, page_numbers=False)
    texts = [page.extract_text() for page in PdfReader(pdf).pages]
    assert len(texts) == 2
    assert "計画期間" in texts[0] and "協働ロボット" in texts[1]
    assert not any("別紙" in t or "- 1 -" in t or "- 2 -" in t for t in texts)


def test_a_crowded_page_gets_smaller_type_instead_of_a_second_page(tmp_path: Path) -> None:
    line = "本計画は、県内企業が連携して協働ロボットの設計から組立、導入支援までを担う。"
    crowded = "# 計画の概要\n" + "\n".join(f"{i}. {line}" for i in range(1, 45))
    pdf = write_office_plan_pdf(tmp_path / "crowded.pdf", [crowded, "# 次の頁\n短い。"])
    reader = PdfReader(pdf)
    assert len(reader.pages) == 2
    assert "44." in reader.pages[0].extract_text()
    assert "次の頁" in reader.pages[1].extract_text()


def test_a_page_that_never_fits_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Stop shrinking after one step so the failure costs two exports, not six.
    monkeypatch.setattr(office_docs, "MIN_BODY_PT", 10.0)
    long_page = "# 長すぎる頁\n" + "\n".join(["県内企業が連携して体制を整える。"] * 90)
    with pytest.raises(PageOverflowError, match="plan page 2 does not fit"):
        write_office_plan_pdf(tmp_path / "long.pdf", ["# 表紙\n短い。", long_page, "# 終わり\n以上。"])
    assert not (tmp_path / "long.pdf").exists()


def test_missing_libreoffice_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docx = write_plan_docx(tmp_path / "plan.docx", PAGES[:1])
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(OfficeExportError, match="libreoffice-writer-nogui"):
        export_pdf(docx, tmp_path / "out")
