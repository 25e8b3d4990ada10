"""Scanned-copy fixtures: image-only, same pages, byte-stable for a seed, and still readable by OCR."""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytesseract
import pytest
from pypdf import PdfReader
from support.pdfgen import write_plan_pdf
from support.scans import write_scanned_pdf

PAGES = [
    "# 東雲県 地場産業成長プラン\n本プランは、東雲塗の販路拡大を目指すものである。\n売上目標：令和12年度に30億円",
    "# 推進体制\n県産業振興課に伴走支援チームを設置する。",
    "# 投資計画\n投資総額：12億円",
]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_plan_pdf(tmp_path_factory.mktemp("scan-src") / "plan.pdf", PAGES, title="東雲県")


def test_scan_has_the_same_pages_and_no_text_layer(source: Path, tmp_path: Path) -> None:
    scan = PdfReader(write_scanned_pdf(source, tmp_path / "scan.pdf"))
    assert len(scan.pages) == len(PAGES)
    assert all((page.extract_text() or "").strip() == "" for page in scan.pages)
    assert all("/Font" not in (page.get("/Resources") or {}) for page in scan.pages)


def test_scan_keeps_the_a4_page_size_at_the_given_dpi(source: Path, tmp_path: Path) -> None:
    scan = PdfReader(write_scanned_pdf(source, tmp_path / "scan.pdf", dpi=150))
    box = scan.pages[0].mediabox
    # Whole pixels at 150 dpi round the A4 size (595.3 x 841.9 pt) by under a point.
    assert abs(float(box.width) - 595.3) < 1 and abs(float(box.height) - 841.9) < 1
    (image,) = scan.pages[0].images
    assert abs(image.image.width / float(box.width) * 72 - 150) < 0.5
    assert abs(image.image.height / float(box.height) * 72 - 150) < 0.5


def test_same_inputs_give_the_same_bytes_and_another_seed_does_not(source: Path, tmp_path: Path) -> None:
    first = write_scanned_pdf(source, tmp_path / "a.pdf", seed=7).read_bytes()
    second = write_scanned_pdf(source, tmp_path / "b.pdf", seed=7).read_bytes()
    other = write_scanned_pdf(source, tmp_path / "c.pdf", seed=8).read_bytes()
    assert first == second
    assert other != first


def test_skew_and_noise_change_the_page(source: Path, tmp_path: Path) -> None:
    clean = write_scanned_pdf(source, tmp_path / "clean.pdf", skew_degrees=0, noise=0)
    noisy = write_scanned_pdf(source, tmp_path / "noisy.pdf")
    clean_px = PdfReader(clean).pages[1].images[0].image.getextrema()
    noisy_img = PdfReader(noisy).pages[1].images[0].image
    assert clean_px[1] == 255
    # A clean white corner is speckled once noise is added.
    corner = noisy_img.crop((0, 0, 200, 200))
    assert corner.getextrema()[0] < 200


def test_the_scan_still_reads_through_ocr(source: Path, tmp_path: Path) -> None:
    scan = write_scanned_pdf(source, tmp_path / "scan.pdf", dpi=200)
    pdf = pdfium.PdfDocument(scan)
    try:
        image = pdf[1].render(scale=200 / 72, grayscale=True).to_pil()
    finally:
        pdf.close()
    text = "".join(pytesseract.image_to_string(image, lang="jpn").split())
    assert "推進体制" in text


def test_bad_arguments_are_refused(source: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="dpi"):
        write_scanned_pdf(source, tmp_path / "x.pdf", dpi=20)
    with pytest.raises(ValueError, match="noise"):
        write_scanned_pdf(source, tmp_path / "x.pdf", noise=1.5)
