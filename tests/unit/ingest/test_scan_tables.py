"""Bordered tables on scanned pages: rules erased before OCR, rows read whole from the grid they draw.

A printed Word table's borders come out of tesseract as 「|」 glued to the cells, and a row whose first
cell wraps is read line by line across the cells. The rules are found by their length and by what
they meet, never by the words, so a long kanji stroke stays and a grid line goes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from support.office_docs import write_office_plan_pdf
from support.pdfgen import IPAEX_FONT
from support.scans import write_scanned_pdf

from assistant.ingest.ocr import _assemble
from assistant.ingest.pdf import parse_pdf
from assistant.ingest.scan_image import erase_rules
from assistant.ingest.tables import find_grids
from assistant.settings import Settings
from assistant.text.normalize import CELL_SEP, squash

DPI = 300


def _page_with_a_grid() -> Image.Image:
    """An A4 page at 300 dpi: a heading in large bold-ish type, then a 3×3 bordered table."""
    image = Image.new("L", (2480, 3508), 255)
    draw = ImageDraw.Draw(image)
    big = ImageFont.truetype(str(IPAEX_FONT), 120)
    draw.text((200, 200), "川目", font=big, fill=0, stroke_width=3, stroke_fill=0)
    for y in (600, 700, 800, 900):
        draw.line([(200, y), (2200, y)], fill=0, width=3)
    for x in (200, 1200, 1700, 2200):
        draw.line([(x, 600), (x, 900)], fill=0, width=3)
    return image


def test_rules_are_erased_and_strokes_stay() -> None:
    image = _page_with_a_grid()
    cleaned = erase_rules(image, DPI)
    pixels = np.asarray(cleaned.image)
    assert (pixels[595:606, 300:2100] > 200).all(), "the horizontal rules are gone, anti-aliased edges too"
    assert (pixels[620:880, 1195:1206] > 200).all(), "and the vertical ones"
    heading = np.asarray(image)[180:360, 190:500] < 128
    assert (pixels[180:360, 190:500] < 128).sum() == heading.sum(), "the heading's long strokes stay"
    grids = find_grids(cleaned.rules)
    assert len(grids) == 1
    assert len(grids[0].rows) == 4 and [len(c) for c in grids[0].columns] == [4, 4, 4]


def test_a_page_without_rules_is_left_as_it_is() -> None:
    image = Image.new("L", (800, 1000), 255)
    ImageDraw.Draw(image).text((50, 50), "本文のみ", font=ImageFont.truetype(str(IPAEX_FONT), 40), fill=0)
    cleaned = erase_rules(image, DPI)
    assert cleaned.image is image and cleaned.rules == []


def test_words_in_a_grid_join_their_row_cell_by_cell() -> None:
    """Tesseract reads a wrapped first cell line by line across the row; the grid puts it back."""
    grids = find_grids(erase_rules(_page_with_a_grid(), DPI).rules)
    scale = 72 / DPI
    words = {  # (text, left, top): a heading, then row 2 with its first cell wrapped over two lines
        "text": ["体制", "域内取引額（原料・資材の", "21億円", "27億円", "限る）", "本文。"],
        "left": [200, 220, 1220, 1720, 220, 200],
        "top": [300, 710, 710, 710, 760, 1000],
        "width": [200, 900, 200, 200, 150, 150],
        "height": [40] * 6,
        "conf": [95, 90, 88, 70, 91, 96],
        "block_num": [1, 2, 2, 2, 2, 3],
        "par_num": [1] * 6,
        "line_num": [1, 1, 1, 1, 2, 1],
    }
    page = _assemble(words, grids, scale)
    assert page.text.split("\n") == [
        "体制",
        f"域内取引額（原料・資材の限る）{CELL_SEP}21億円{CELL_SEP}27億円",
        "本文。",
    ]
    assert len(page.confidence) == len(page.text)
    assert page.confidence[page.text.index("27億円")] == 70


def test_a_scanned_word_table_reads_row_by_row(tmp_path: Path) -> None:
    pages = [
        "# 体制\n本計画の推進体制は次のとおりとする。\n"
        "指標：基準値（令和7年度）：目標値（令和12年度）\n"
        "域内取引額（原料・資材の県内調達分に限る）：21億円：27億円\n"
        "雇用の創出：120人：250人\n"
        "県は毎年度、KPIの達成状況を公表する。",
    ]
    office = write_office_plan_pdf(tmp_path / "office.pdf", pages)
    scan = write_scanned_pdf(office, tmp_path / "scan.pdf", dpi=200, skew_degrees=0.5, seed=1)
    doc = parse_pdf(scan, kind="plan", settings=Settings(ocr_enabled=True, ocr_workers=1))
    rows = [squash(line) for line in doc.pages[0].raw.split("\n")]
    assert "域内取引額(原料・資材の県内調達分に限る)21億円27億円" in rows
    assert "雇用の創出120人250人" in rows
    assert "|" not in doc.pages[0].raw
