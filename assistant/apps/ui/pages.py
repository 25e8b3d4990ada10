"""Whole plan pages with every quote on them marked, served as personal images, with zoom.

A reviewer judges a quote by what surrounds it (the heading above, the table row, the sentence that
qualifies it), so the whole page is shown, once per page however many quotes it holds, and can be
zoomed. The picture never goes through Gradio's file cache: it is a personal download (see
:mod:`assistant.api.downloads`) withdrawn when the screen shows something else.
"""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageDraw

from assistant.domain.errors import ReviewAssistantError
from assistant.ingest.page_images import Box, render_page_with_highlight

#: Pixels per PDF point: an A4 page becomes about 1190 px wide, sharp at twice the panel's width.
PAGE_SCALE = 2.0
_FILL = (255, 214, 0, 110)
_OUTLINE = (230, 120, 0, 255)

#: Offers PNG bytes for the current user and returns the URL to show them at.
Offer = Callable[[str, bytes], str]


@dataclass(frozen=True)
class PageQuotes:
    page: int
    quotes: list[str]
    labels: list[str]


def group_by_page(cited: list[tuple[int, str, str]]) -> list[PageQuotes]:
    """(page, quote, label) in citation order → one entry per page, in order of first citation."""
    pages: dict[int, PageQuotes] = {}
    for page, quote, label in cited:
        entry = pages.setdefault(page, PageQuotes(page=page, quotes=[], labels=[]))
        entry.quotes.append(quote)
        entry.labels.append(label)
    return list(pages.values())


def _page_png(pdf: Path, page: PageQuotes) -> tuple[bytes, int] | None:
    """The page with every quote marked; also how many of the quotes were found on it. None when the
    file has no pages to draw (a .docx)."""
    first = render_page_with_highlight(pdf, page.page, page.quotes[0], scale=PAGE_SCALE)
    if first is None:
        return None
    boxes: list[Box] = []
    found = int(first.found)
    for quote in page.quotes[1:]:
        more = render_page_with_highlight(pdf, page.page, quote, scale=PAGE_SCALE)
        if more is not None:
            boxes.extend(more.boxes)
            found += int(more.found)
    image = first.image
    if boxes:
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        for box in boxes:
            draw.rectangle(box, fill=_FILL, outline=_OUTLINE, width=2)
        image = Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue(), found


def zoom_controls() -> str:
    return (
        '<span class="ra-zoom">'
        '<button type="button" data-zoom="out" title="縮小（－キー）">－</button>'
        '<button type="button" data-zoom="fit" title="幅に合わせる">幅に合わせる</button>'
        '<button type="button" data-zoom="in" title="拡大（＋キー）">＋</button>'
        "</span>"
    )


def pages_html(pdf: Path, pages: list[PageQuotes], offer: Offer, *, file_name: str) -> str:
    """One zoomable figure per page; a page that cannot be drawn says why instead of vanishing."""
    figures = []
    for entry in pages:
        where = f"{html.escape(file_name)} {entry.page}頁"
        refs = "・".join(html.escape(label) for label in entry.labels)
        try:
            drawn = _page_png(pdf, entry)
        except (ReviewAssistantError, pdfium.PdfiumError, OSError) as exc:
            figures.append(f'<div class="ra-box ra-warn">{where}：{html.escape(str(exc))}</div>')
            continue
        if drawn is None:
            continue
        data, found = drawn
        note = (
            "黄色が引用箇所"
            if found == len(entry.quotes)
            else "引用箇所の一部を頁上で特定できませんでした（OCRで読み取った頁など）。頁全体を表示しています"
        )
        url = offer(f"{Path(file_name).stem}_p{entry.page}.png", data)
        figures.append(
            f'<figure class="ra-page" id="ra-page-{entry.page}">'
            f"<figcaption><span><strong>{where}</strong>（{refs}）　{note}</span>{zoom_controls()}</figcaption>"
            f'<div class="ra-page-scroll" style="--ra-zoom:1">'
            f'<img src="{html.escape(url)}" alt="{where}（引用箇所を黄色で表示）"></div></figure>'
        )
    return f'<div class="ra-pages">{"".join(figures)}</div>'
