"""Ingestion against real generated PDFs: pages, Japanese line joining, bad inputs, OCR, chunks."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import STRONG_B_PAGES
from support.pdfgen import make_bad_inputs, write_plan_pdf

from assistant.domain.errors import (
    CorruptPdfError,
    EmptyFileError,
    EncryptedPdfError,
    GarbledTextError,
    IngestError,
    NoTextLayerError,
    NotPdfError,
)
from assistant.ingest.chunking import chunk_document
from assistant.ingest.files import content_hash
from assistant.ingest.markdown import parse_markdown
from assistant.ingest.pdf import parse_pdf
from assistant.settings import REPO_ROOT, Settings
from assistant.text.normalize import clean_extracted, join_wrapped_lines, quote_in_text, squash

NO_OCR = Settings(ocr_enabled=False)
GUIDELINE = REPO_ROOT / "corpus" / "guidelines" / "requirements_2026-03.md"


def test_pdf_pages_keep_physical_numbers_and_join_japanese_lines(strong_b_pdf: Path) -> None:
    doc = parse_pdf(strong_b_pdf, kind="plan", settings=NO_OCR)
    assert [p.page for p in doc.pages] == [1, 2, 3, 4, 5]
    assert doc.doc_id == content_hash(strong_b_pdf.read_bytes())
    assert doc.title == "北浜県 地域産業クラスター計画"
    for page, source in zip(doc.pages, STRONG_B_PAGES, strict=True):
        assert page.status == "ok" and not page.ocr
        assert squash(page.text) == squash(source.replace("# ", ""))
    long_sentence = (
        "世界市場は2030年に1兆2000億円に拡大すると見込まれ、国内外の自動車メーカーからの需要が高い。"
    )
    assert long_sentence in doc.pages[1].text, "a wrapped Japanese sentence must be joined without spaces"


def test_line_joining_rules() -> None:
    assert (
        join_wrapped_lines("市場ニーズを特定し\nているもの。\n・項目")
        == "市場ニーズを特定しているもの。\n・項目"
    )
    assert join_wrapped_lines("2030\n年に") == "2030年に"
    assert join_wrapped_lines("supply\nchain") == "supply chain"
    assert clean_extracted("外\x00部\x00依存") == "外部依存"
    assert clean_extracted("外 部 依 存 性") == "外部依存性"


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("empty", EmptyFileError),
        ("not_pdf", NotPdfError),
        ("encrypted", EncryptedPdfError),
        ("corrupt", CorruptPdfError),
        ("garbled", GarbledTextError),
        ("scanned", NoTextLayerError),
    ],
)
def test_bad_inputs_raise_typed_errors_with_their_own_message(tmp_path: Path, kind: str, error: type) -> None:
    bad = make_bad_inputs(tmp_path)[kind]
    with pytest.raises(error) as info:
        parse_pdf(bad, kind="plan", settings=NO_OCR)
    assert isinstance(info.value, IngestError)
    assert info.value.code == kind if kind != "scanned" else info.value.code == "no_text"
    assert bad.name in info.value.message


def test_distinct_messages_per_failure_kind(tmp_path: Path) -> None:
    messages = set()
    for path in make_bad_inputs(tmp_path).values():
        with pytest.raises(IngestError) as info:
            parse_pdf(path, kind="plan", settings=NO_OCR)
        messages.add(type(info.value).message_ja)
    assert len(messages) == 6


def test_scanned_page_is_reported_per_page_without_ocr(tmp_path: Path) -> None:
    pdf = write_plan_pdf(tmp_path / "mixed.pdf", STRONG_B_PAGES[:3], scanned_pages=[2])
    doc = parse_pdf(pdf, kind="plan", settings=NO_OCR)
    assert [p.status for p in doc.pages] == ["ok", "no_text", "ok"]
    assert any(n.message.startswith("2頁") and n.kind == "no_text" for n in doc.notices)


def test_scanned_page_is_ocred_and_marked(tmp_path: Path) -> None:
    pdf = write_plan_pdf(tmp_path / "scan.pdf", [STRONG_B_PAGES[0], STRONG_B_PAGES[2]], scanned_pages=[2])
    doc = parse_pdf(pdf, kind="plan", settings=Settings(ocr_enabled=True))
    page = doc.pages[1]
    assert page.ocr and page.status == "ocr"
    assert "伴走支援" in squash(page.text)
    assert any(n.kind == "ocr" and n.page == 2 and "OCR" in n.message for n in doc.notices)
    chunks = chunk_document(doc, NO_OCR)
    assert any(c.ocr for c in chunks if c.page == 2)


def test_chunks_never_straddle_pages_and_offsets_point_into_the_page(strong_b_pdf: Path) -> None:
    settings = Settings(chunk_size=80, chunk_overlap=20)
    doc = parse_pdf(strong_b_pdf, kind="plan", settings=NO_OCR)
    chunks = chunk_document(doc, settings)
    assert len(chunks) > len(doc.pages)
    pages = {p.page: p for p in doc.pages}
    for c in chunks:
        page = pages[c.page]
        assert page.text[c.start : c.end] == c.text
        assert c.kind == "plan" and c.source == "b_kitahama.pdf"
        assert c.doc_id == doc.doc_id
        assert len(c.text) <= 80
    assert len({c.id for c in chunks}) == len(chunks)


def test_chunks_end_on_sentence_boundaries_when_they_can() -> None:
    doc = parse_markdown(GUIDELINE)
    chunks = chunk_document(doc, Settings(chunk_size=120, chunk_overlap=30))
    long_ones = [c for c in chunks if len(c.text) > 60]
    ends = sum(c.text.endswith(("。", "か", "と", "こと")) for c in long_ones)
    assert ends / len(long_ones) > 0.6


def test_markdown_sections_keep_headings_and_verbatim_text() -> None:
    doc = parse_markdown(GUIDELINE)
    sections = {p.section: p for p in doc.pages}
    assert "C 外部依存性（地場産業成長プラン）" in sections
    assert quote_in_text(
        "特定の者(大企業・フランチャイザー等)に過度に依存する計画となっていないか",
        sections["C 外部依存性（地場産業成長プラン）"].text,
    )
    assert all(p.page is None for p in doc.pages)
    assert "**" not in "".join(p.text for p in doc.pages)
