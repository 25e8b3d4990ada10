"""Page furniture: running headers, footers and page numbers, which are layout and not the plan.

An office export prints 「別紙」 at the top and 「- 3 -」 at the bottom of every page, and text
extraction makes them part of the page, so they end up inside quotes and at the edges of chunks. They
are recognised by where they stand and how they repeat, never by their wording:

- a line in the top or bottom band of the page (at most two lines from each edge), that either
- reads as a page number (「3」, 「- 3 -」, 「1 / 4」, 「p. 3」, 「3頁」), or
- repeats on the same edge of at least half of the pages (and on two pages at least).

A line that reads as an instruction to the assessor is never furniture: it stays in the text so the
injection scan flags it. The page's ``raw`` text is left as extracted, so quotes are still verified
against everything that was on the page.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from assistant.text.injection import is_injection
from assistant.text.normalize import squash

from .layout import SAME_LINE, PageLayout, Run

#: Share of the page height, from each edge, where headers and footers stand.
BAND = 0.12
#: Lines looked at from each edge of a page.
EDGE_LINES = 2
#: Share of pages a line must repeat on to be a running header or footer.
REPEAT_SHARE = 0.5

_DASH = "-‐‑‒–—―−－ー~〜～"
PAGE_NUMBER = re.compile(
    rf"^[{_DASH}]*[(（]?(?:p\.?|page|ページ|頁|第)?\d{{1,4}}(?:(?:/|of)\d{{1,4}})?(?:頁|ページ)?[)）]?[{_DASH}]*$",
    re.IGNORECASE,
)

Side = str  # "top" or "bottom"


def _key(text: str) -> str:
    return squash(text).lower()


def is_page_number(text: str) -> bool:
    return bool(PAGE_NUMBER.match(_key(text)))


def _rows(runs: Sequence[Run]) -> list[list[Run]]:
    """Runs grouped into visual lines, top to bottom."""
    rows: list[list[Run]] = []
    for run in sorted(runs, key=lambda r: (r.baseline, r.x0)):
        if rows and abs(rows[-1][0].baseline - run.baseline) <= SAME_LINE * max(rows[-1][0].size, run.size):
            rows[-1].append(run)
        else:
            rows.append([run])
    return rows


def _edges(layout: PageLayout) -> list[tuple[Side, list[Run]]]:
    """The visual lines in the page's top and bottom bands, at most ``EDGE_LINES`` from each edge."""
    rows = [r for r in _rows(layout.runs) if all(run.cell is None for run in r)]
    band = BAND * layout.height
    top = [("top", r) for r in rows[:EDGE_LINES] if max(run.bottom for run in r) <= band]
    bottom = [("bottom", r) for r in rows[-EDGE_LINES:] if min(run.top for run in r) >= layout.height - band]
    return top + [b for b in bottom if all(b[1] is not t[1] for t in top)]


def _row_text(row: list[Run]) -> str:
    return " ".join(run.text for run in sorted(row, key=lambda r: r.x0))


def _threshold(pages: int) -> int:
    return max(2, math.ceil(REPEAT_SHARE * pages))


def find_furniture(layouts: Sequence[PageLayout | None]) -> tuple[list[set[int]], set[tuple[Side, str]]]:
    """For each page, the ``order`` of its furniture runs; and the repeated (side, line) keys found."""
    edges = [_edges(layout) if layout is not None else [] for layout in layouts]
    seen: Counter[tuple[Side, str]] = Counter()
    for page_edges in edges:
        seen.update({(side, _key(_row_text(row))) for side, row in page_edges})
    threshold = _threshold(sum(1 for layout in layouts if layout is not None and layout.runs))
    repeated = {key for key, n in seen.items() if n >= threshold and key[1]}
    out: list[set[int]] = []
    for page_edges in edges:
        drop: set[int] = set()
        for side, row in page_edges:
            text = _row_text(row)
            if is_injection(text):
                continue
            if is_page_number(text) or (side, _key(text)) in repeated:
                drop.update(run.order for run in row)
        out.append(drop)
    return out, repeated


def _text_edges(text: str, edges: tuple[int, int] | None) -> list[tuple[Side, int]]:
    """The (side, index) of the lines that may be furniture: the first and last ``EDGE_LINES``
    non-blank lines, or for an OCR page (``edges``) only those its geometry places in the bands."""
    lines = text.split("\n")
    body = [i for i, line in enumerate(lines) if line.strip()]
    top, bottom = (
        (EDGE_LINES, EDGE_LINES) if edges is None else (min(EDGE_LINES, edges[0]), min(EDGE_LINES, edges[1]))
    )
    tail = body[::-1][:bottom]
    return [("top", i) for i in body[:top]] + [("bottom", i) for i in tail if i not in body[:top]]


def repeated_text_lines(
    texts: Sequence[str], edges: Sequence[tuple[int, int] | None] | None = None
) -> set[tuple[Side, str]]:
    """The repeated (side, line) keys among the first and last lines of pages read without layout."""
    seen: Counter[tuple[Side, str]] = Counter()
    for n, text in enumerate(texts):
        lines = text.split("\n")
        seen.update({(side, _key(lines[i])) for side, i in _text_edges(text, edges[n] if edges else None)})
    threshold = _threshold(sum(1 for text in texts if text.strip()))
    return {key for key, n in seen.items() if n >= threshold and key[1]}


def strip_text_furniture(
    text: str, repeated: set[tuple[Side, str]], edges: tuple[int, int] | None = None
) -> str:
    """The same rules on extracted text alone, for a page read without its layout: the first and last
    lines are dropped when they are page numbers or lines repeated elsewhere in the document, from
    each edge inwards until a line that is neither."""
    lines = text.split("\n")
    drop: set[int] = set()
    stopped: set[Side] = set()
    for side, i in _text_edges(text, edges):
        line = lines[i]
        if side in stopped:
            continue
        if is_injection(line) or not (is_page_number(line) or (side, _key(line)) in repeated):
            stopped.add(side)
            continue
        drop.add(i)
    return "\n".join(line for i, line in enumerate(lines) if i not in drop)
