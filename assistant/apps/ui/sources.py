"""The side panel a source chip opens: the passage the quote came from, with the quote marked.

A guideline quote is shown inside its whole section; a plan quote on its whole page image (zoomable),
because a reader checks a quote against what surrounds it. A .docx plan has no pages, so its
section's text is shown like a guideline's.
"""

from __future__ import annotations

import html

from assistant.api.conversations import CitedSource

from .answer_html import highlight, place
from .pages import Offer, group_by_page, pages_html


def source_panel(cited: CitedSource, n: int, offer: Offer) -> str:
    c = cited.citation
    kind = "ガイドライン" if cited.kind == "guideline" else "計画書"
    head = (
        f'<div class="ra-source-head"><span class="ra-tag">{kind}</span>'
        f"<strong>[{n + 1}] {html.escape(place(c))}</strong></div>"
        f'<blockquote class="ra-source-quote">「{html.escape(c.quote)}」</blockquote>'
    )
    if cited.pdf_path is not None and c.page is not None:
        body = pages_html(
            cited.pdf_path, group_by_page([(c.page, c.quote, f"[{n + 1}]")]), offer, file_name=c.source
        )
    else:
        body = (
            f'<div class="ra-passage-title">{html.escape(cited.title)}</div>'
            f'<div class="ra-passage">{highlight(cited.text, c.quote)}</div>'
        )
    return f'<div class="ra-source">{head}{body}</div>'
