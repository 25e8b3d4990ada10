"""Japanese-aware text handling: line joining, normalisation, sentence spans, quote checks.

Quotes shown to users are raw text; matching always happens on the NFKC form with every
whitespace character removed, because PDF extractors break lines and insert spaces at
arbitrary visual wraps and OCR adds spaces between characters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_WS_RE = re.compile(r"\s+")
_CJK = r"\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_SPACE_RE = re.compile(rf"(?<=[{_CJK}])[ \t]+(?=[{_CJK}])")
_SCRIPT_GAP_RE = re.compile(
    rf"(?<=[{_CJK}])[ \u00a0]+(?=[0-9A-Za-z])|(?<=[0-9A-Za-z%])[ \u00a0]+(?=[{_CJK}])"
)
_PARENTHESISED_RE = re.compile(r"[（(][^（()）]*[）)]")
_DIGIT_RE = re.compile(r"[0-9０-９]")
#: Between the cells of a table row in a page's text: whitespace, so quotes still verify.
CELL_SEP = "\t"
_LIST_START_RE = re.compile(
    r"^\s*(?:[・●○◆◇■□▪▶►※✓✔\-–—*•]|[0-9０-９]+[\.．)）]|[（(][0-9０-９一二三四五六七八九十]+[)）]"
    r"|[①-⑳]|第[0-9０-９一二三四五六七八九十]+|#|【)"
)
_SENTENCE_END = "。！？!?：:」』)）】"
_SENTENCE_RE = re.compile(r"[^。！？!?\n]*(?:[。！？!?]+|\n|$)")
_PUA_RE = re.compile(r"[\ue000-\uf8ff\U000f0000-\U0010ffff]")


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def squash(text: str) -> str:
    """The matching form: NFKC with all whitespace removed."""
    return _WS_RE.sub("", nfkc(text))


def close_script_gaps(text: str) -> str:
    """Remove the spaces between a Japanese character and a run of ASCII digits or letters.

    Office exports widen every change between Japanese and digits or Latin letters, and extraction
    turns the gap into a space: 「令和 13 年度」, 「第 3 章」, 「KPI については」. Patterns for
    headings, cues and keywords are written for the text as typed, so they match this form. Line
    breaks and table cell separators are kept.
    """
    return _SCRIPT_GAP_RE.sub("", text)


def match_form(text: str) -> str:
    """What patterns are matched against: NFKC, with the gaps between scripts closed."""
    return close_script_gaps(nfkc(text))


def table_cells(line: str) -> list[str]:
    """The cells of a table row (a line with cell separators); ``[]`` for any other line."""
    return [cell.strip() for cell in line.split(CELL_SEP)] if CELL_SEP in line else []


def is_table_header(rows: Sequence[Sequence[str]]) -> bool:
    """Whether a table's first row labels its columns (its cells, by :func:`table_cells`).

    Only a row that cannot be data is taken: three or more short cells with no sentence, no list
    and no figure outside a parenthesised qualifier (「目標値（令和12年度）」), above a column whose
    every cell has a figure. 「指標／基準値（令和7年度）／目標値（令和12年度）」 over rows of amounts
    is one; a first company row over other company rows, or 「計画期間／令和8年度～」, is not. A
    missed header only costs the rows their column labels; a false one would hide a row.
    """
    if len(rows) < 2 or len(rows[0]) < 3:
        return False
    head, body = rows[0], rows[1:]
    if not all(
        0 < len(cell) <= 20
        and not re.search("[。、]", cell)
        and not _LIST_START_RE.match(cell)
        and not _DIGIT_RE.search(_PARENTHESISED_RE.sub("", cell))
        for cell in head
    ):
        return False
    return any(all(j < len(row) and _DIGIT_RE.search(row[j]) for row in body) for j in range(1, len(head)))


def clean_extracted(text: str) -> str:
    """Strip NULs (CFF fonts put them between characters) and spaces OCR puts between CJK characters."""
    text = text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")
    return _CJK_SPACE_RE.sub("", text)


def join_wrapped_lines(text: str) -> str:
    """Join visual line wraps the Japanese way: no space between CJK characters.

    A line break is kept where the previous line ends a sentence, is clearly shorter than the
    page's full line width (a real line end, not a wrap), or the next line starts a list item or
    heading, since those breaks carry structure rather than layout. A table row (cells separated by
    ``CELL_SEP``) is a line of its own: its end is the row's end, never a wrap.
    """
    lines = [ln.rstrip() for ln in text.split("\n")]
    full_width = max((len(ln.strip()) for ln in lines), default=0)
    out: list[str] = []
    last_raw_len = 0
    for line in lines:
        stripped = line.strip()
        if not out:
            out.append(stripped)
            last_raw_len = len(stripped)
            continue
        prev = out[-1]
        short_prev = full_width >= 20 and last_raw_len < 0.75 * full_width
        last_raw_len = len(stripped)
        if (
            not stripped
            or not prev
            or short_prev
            or CELL_SEP in line
            or CELL_SEP in prev
            or prev.endswith(tuple(_SENTENCE_END))
            or _LIST_START_RE.match(stripped)
        ):
            out.append(stripped)
            continue
        sep = (
            " "
            if prev[-1].isascii() and prev[-1].isalpha() and stripped[0].isascii() and stripped[0].isalpha()
            else ""
        )
        out[-1] = prev + sep + stripped
    return re.sub(r"\n{3,}", "\n\n", "\n".join(out)).strip()


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Spans of sentences ending in 。！？ or a line break; empty spans are dropped."""
    spans = []
    for m in _SENTENCE_RE.finditer(text):
        start, end = m.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))
    return spans


def quote_in_text(quote: str, text: str, *, min_chars: int = 4) -> bool:
    """True when the quote occurs verbatim in text after NFKC and whitespace removal."""
    q = squash(quote)
    return len(q) >= min_chars and q in squash(text)


def garbled_ratio(text: str) -> float:
    """Share of characters that signal a broken font mapping: (cid:NN), private-use, U+FFFD."""
    body = _WS_RE.sub("", text)
    if not body:
        return 0.0
    bad = len(_PUA_RE.findall(body)) + body.count("\ufffd")
    bad += sum(len(m) for m in re.findall(r"\(cid:\d+\)", body))
    controls = sum(1 for ch in body if unicodedata.category(ch) == "Cc")
    return (bad + controls) / len(body)
