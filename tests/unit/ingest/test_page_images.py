"""Quote highlighting on real PDFs written with fpdf2 and the IPAex font.

Where the quote's glyphs really are is measured independently of PDFium's text API: a second PDF
differs only in the quoted characters (same count, same full-width advance), so the pixels that
differ between the two plain renders are exactly the quote's glyphs.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageChops
from support.pdfgen import write_plan_pdf

from assistant.domain.errors import NotFoundError
from assistant.ingest.page_images import render_page_with_highlight
from assistant.ingest.pdf import parse_pdf
from assistant.settings import Settings

QUOTE = "東雲塗の販路拡大"
SWAP = "西海布の市場開拓"  # same length; kanji and kana here are all full-width in IPAex Gothic
PARAGRAPH = (
    "本プランは、東雲県の伝統工芸品である{q}を目指すものである。海外の百貨店や見本市と連携し、"
    "若手職人の育成と新しい意匠の開発を進め、県内の漆器産業全体の付加価値を高めることで、"
    "令和12年度に年間売上額30億円を達成する。"
)


def _page(quote: str) -> str:
    return f"# 東雲県 地場産業成長プラン\n{PARAGRAPH.format(q=quote)}\n売上目標：令和１２年度に年間売上額３０億円"


def _plain(path: Path, page: int = 1, scale: float = 1.5) -> Image.Image:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return pdf[page - 1].render(scale=scale).to_pil().convert("RGB")
    finally:
        pdf.close()


def _inside(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int], slack: int = 0) -> bool:
    return (
        inner[0] >= outer[0] - slack
        and inner[1] >= outer[1] - slack
        and inner[2] <= outer[2] + slack
        and inner[3] <= outer[3] + slack
    )


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("pagerender")
    return (
        write_plan_pdf(folder / "quote.pdf", [_page(QUOTE), "# 2頁\n推進体制を整備する。"]),
        write_plan_pdf(folder / "swap.pdf", [_page(SWAP), "# 2頁\n推進体制を整備する。"]),
    )


def test_highlight_covers_the_quote_glyphs_and_nothing_far_from_them(pdfs: tuple[Path, Path]) -> None:
    quote_pdf, swap_pdf = pdfs
    glyphs = ImageChops.difference(_plain(quote_pdf), _plain(swap_pdf)).getbbox()
    assert glyphs is not None, "the two fixtures must differ where the quote is"

    shot = render_page_with_highlight(quote_pdf, 1, QUOTE)

    assert shot.found
    assert len(shot.boxes) == 1, shot.boxes
    box = shot.boxes[0]
    assert _inside(glyphs, box), (glyphs, box)
    char_w = (glyphs[2] - glyphs[0]) / len(QUOTE)
    assert box[0] >= glyphs[0] - char_w and box[2] <= glyphs[2] + char_w
    assert box[1] >= glyphs[1] - char_w and box[3] <= glyphs[3] + char_w
    changed = ImageChops.difference(shot.image, _plain(quote_pdf)).getbbox()
    assert changed is not None, "the highlight must change pixels"
    assert _inside(changed, box, slack=2), (changed, box)
    cx, cy = (box[0] + box[2]) // 2, (box[1] + box[3]) // 2
    red, green, blue = shot.image.getpixel((cx, cy))
    assert blue < red and blue < green, "the highlight is a yellow tint"


def test_quote_across_a_line_wrap_is_marked_on_both_lines(pdfs: tuple[Path, Path], tmp_path: Path) -> None:
    quote_pdf, _ = pdfs
    raw = (
        parse_pdf(quote_pdf, kind="plan", settings=Settings(data_dir=tmp_path, ocr_enabled=False))
        .pages[0]
        .raw
    )
    body_start = raw.index("本プラン")
    wrap = raw.index("\n", body_start)
    quote = raw[wrap - 6 : wrap] + raw[wrap + 1 : wrap + 7]

    shot = render_page_with_highlight(quote_pdf, 1, quote)

    assert shot.found
    assert len(shot.boxes) == 2, shot.boxes
    first, second = shot.boxes
    assert second[1] >= first[3] - 2, "the second band is on the next line"
    assert second[0] < first[0], "the continuation starts at the left margin"


def test_matching_folds_full_width_digits_and_spaces(pdfs: tuple[Path, Path]) -> None:
    quote_pdf, _ = pdfs
    shot = render_page_with_highlight(quote_pdf, 1, "令和12年度に 年間売上額30億円")
    assert shot.found
    assert len(shot.boxes) == 2, "the quote occurs twice on the page (half- and full-width digits)"


def test_missing_quote_returns_the_plain_page_with_the_flag_down(pdfs: tuple[Path, Path]) -> None:
    quote_pdf, _ = pdfs
    shot = render_page_with_highlight(quote_pdf, 2, QUOTE)
    assert not shot.found
    assert shot.boxes == []
    assert ImageChops.difference(shot.image, _plain(quote_pdf, page=2)).getbbox() is None


def test_scanned_page_has_no_text_to_mark(tmp_path: Path) -> None:
    pdf = write_plan_pdf(tmp_path / "scan.pdf", [_page(QUOTE)], scanned_pages=(1,))
    shot = render_page_with_highlight(pdf, 1, QUOTE)
    assert not shot.found
    assert shot.image.convert("L").getextrema()[0] < 128, "the page image itself is still rendered"


def test_scale_sets_the_pixel_size(pdfs: tuple[Path, Path]) -> None:
    quote_pdf, _ = pdfs
    small = render_page_with_highlight(quote_pdf, 1, QUOTE, scale=1.0)
    large = render_page_with_highlight(quote_pdf, 1, QUOTE, scale=2.0)
    assert large.image.size[0] == pytest.approx(2 * small.image.size[0], abs=2)
    assert large.boxes[0][0] == pytest.approx(2 * small.boxes[0][0], abs=4)


def test_page_outside_the_document_is_not_found(pdfs: tuple[Path, Path]) -> None:
    with pytest.raises(NotFoundError):
        render_page_with_highlight(pdfs[0], 3, QUOTE)
