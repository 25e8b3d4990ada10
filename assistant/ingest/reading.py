"""Reading runs as a person does: paragraphs rebuilt from wrapped lines, table rows kept whole.

Runs arrive in content-stream order, and each boundary between two consecutive runs becomes one
of three things: nothing (a visual wrap inside a paragraph or a table cell), a tab (the next cell
of the same table row) or a line break (a new paragraph, heading or row). The text is therefore
always a sequence of stretches of the stream, which is what pypdf extracts and quotes are checked
against; only the separators between stretches change.

A wrapped line reaches the text block's right edge, continues at the same size on the next line
at the usual line pitch, and is followed by a line that does not start a list item or an indented
paragraph. Anything else ends the paragraph: a line that stops short of the margin (a bullet
without 「。」 still ends short or is followed by the next bullet), a larger gap, a change of size
or weight (a heading), an indent. Table rows come from the grid's cells when the table has borders,
and from runs sharing a baseline when it has none.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.text.normalize import CELL_SEP

from .layout import SAME_LINE, Run

#: A line wraps when it ends within this many font sizes of the text block's right edge.
_FULL_LINE = 1.6
#: A baseline step this much larger than the page's usual line pitch is paragraph spacing.
_GAP_FACTOR = 1.12
#: Lines that must end at the same place (count, and share of all lines) for it to be the margin.
_WRAPPED_LINES = 5
_WRAPPED_SHARE = 0.15
#: Runs looked ahead for the rest of a borderless table row after a wrapped first cell.
_ROW_LOOKAHEAD = 6

#: A line that ends a sentence at the margin is taken to end its paragraph too: the break costs
#: nothing (sentences end there anyway) and a paragraph that fills its last line leaves no other sign.
#: A bracket or colon at the margin is only a wrap.
_SENTENCE_END = tuple("。！？!?")
# List items and headings that start a line; unlike wrapped text, 「第3回」 at a line start is not
# one of them, because the geometry already tells a wrapped line from a new paragraph.
_ITEM_START = re.compile(
    r"^\s*(?:[・●○◆◇■□▪▶►※✓✔\-–—*•]|[0-9０-９]+[\.．)）]|[（(][0-9０-９一二三四五六七八九十]+[)）]|[①-⑳]|【)"
)


_LATIN_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.,-]*")


@dataclass(frozen=True)
class TextBlock:
    """Where body text sits in a document: its right edge and, per font size, the line pitch."""

    right: float
    pitch: dict[float, float]

    def line_pitch(self, size: float) -> float | None:
        return self.pitch.get(round(size * 2) / 2)


def measure_block(pages: Sequence[Sequence[Run]], widths: Sequence[float]) -> TextBlock:
    """The body's right edge and, for each font size, the pitch of lines within one paragraph.

    Measured over the whole document, so a short page (a title page, the end of a chapter) is read
    with the margins of the full ones. The edge is where wrapped lines end: the most common page
    maximum, when enough lines reach it. A document whose paragraphs never wrap shows no edge, and
    then the margins are taken to be symmetric (the page width less the left margin), so that no
    line is mistaken for a wrap merely because it is the longest.
    """
    edges: list[float] = []
    lefts: list[float] = []
    ends: list[float] = []
    sizes: list[float] = []
    steps: dict[float, list[float]] = defaultdict(list)
    for runs, width in zip(pages, widths, strict=True):
        body = [r for r in runs if r.cell is None]
        if len(body) >= 3:
            edges.append(max(r.x1 for r in body))
            lefts.append(width - min(r.x0 for r in body))
        ends.extend(r.x1 for r in body)
        sizes.extend(r.size for r in body)
        for a, b in zip(body, body[1:], strict=False):
            step = b.baseline - a.baseline
            if abs(a.size - b.size) <= 0.5 and 0.9 * a.size <= step <= 3 * a.size:
                steps[round(a.size * 2) / 2].append(step)
    pitch = {}
    for size, values in steps.items():
        values.sort()
        pitch[size] = values[len(values) // 10]
    if not edges:
        return TextBlock(right=0.0, pitch=pitch)
    right = statistics.median(edges)
    symmetric = statistics.median(lefts)
    em = statistics.median(sizes)
    reaching = sum(1 for x in ends if x >= right - em)
    if reaching < max(_WRAPPED_LINES, _WRAPPED_SHARE * len(ends)) and right < symmetric - _FULL_LINE * em:
        right = symmetric
    return TextBlock(right=right, pitch=pitch)


def _latin_join(left: str, right: str) -> str:
    return (
        " "
        if left[-1:].isascii() and left[-1:].isalpha() and right[:1].isascii() and right[:1].isalpha()
        else ""
    )


def _same_line(a: Run, b: Run) -> bool:
    return abs(a.baseline - b.baseline) <= SAME_LINE * max(a.size, b.size)


def _wraps(a: Run, b: Run, first: Run, block: TextBlock) -> bool:
    """Whether ``b`` continues the paragraph whose line ``a`` ends (``first`` opened it)."""
    step = b.baseline - a.baseline
    if step <= SAME_LINE * a.size or abs(a.size - b.size) > 0.5 or a.bold_end != b.bold:
        return False
    usual = block.line_pitch(a.size)
    if step > (usual * _GAP_FACTOR + 0.5 if usual else 2.2 * a.size):
        return False
    if block.right and a.x1 < block.right - _room_needed(a, b):
        return False
    if a.text.endswith(_SENTENCE_END) or _ITEM_START.match(b.text):
        return False
    hanging = first is a and _ITEM_START.match(a.text) is not None
    return b.x0 <= a.x0 + (3.0 if hanging else 0.6) * a.size


def _room_needed(a: Run, b: Run) -> float:
    """How far short of the edge a wrapped line may end: about a character in Japanese (more where
    line-breaking rules pull one over), and the next line's first word plus a space in Latin text,
    which wraps at words."""
    need = _FULL_LINE * a.size
    word = _LATIN_WORD.match(b.text)
    if word and _LATIN_WORD.search(a.text[-1:]):
        per_char = (b.x1 - b.x0) / max(len(b.text), 1)
        need = max(need, (len(word.group()) + 1) * per_char + 0.5 * a.size)
    return need


def _row_continues(runs: Sequence[Run], i: int) -> bool:
    """Whether the runs after ``runs[i]`` come back up to its baseline further right: then the
    lines below it belong to its cell (a borderless table row whose first cell wrapped)."""
    a = runs[i]
    for c in runs[i + 2 : i + 2 + _ROW_LOOKAHEAD]:
        if c.cell is None and _same_line(a, c) and c.x0 > a.x1:
            return True
    return False


def assemble(runs: Sequence[Run], block: TextBlock) -> str:
    """The page text: one line per paragraph, heading or table row, cells separated by tabs.

    A table is set off by blank lines, so a chunk boundary falls before or after it rather than
    inside it where it can; a bordered table's row with a single filled cell keeps a trailing
    separator, so it still reads as a row of its table.
    """
    lines: list[list[str]] = []
    tables: list[int | None] = []
    first: Run | None = None
    for i, run in enumerate(runs):
        sep = (
            "\n"
            if not lines or first is None
            else _separator(runs, i, first, block, in_row=len(lines[-1]) > 1)
        )
        if sep == "\n":
            lines.append([run.text])
            tables.append(run.cell[0] if run.cell is not None else None)
            first = run
        elif sep == CELL_SEP:
            lines[-1].append(run.text)
            if tables[-1] is None:
                tables[-1] = -1  # a borderless row: cells side by side on one line
        else:
            lines[-1][-1] += _latin_join(runs[i - 1].text, run.text) + run.text
    out: list[str] = []
    for k, (cells, table) in enumerate(zip(lines, tables, strict=True)):
        if k and table != tables[k - 1]:
            out.append("")  # into, out of, or between tables
        out.append(CELL_SEP.join(cells) + (CELL_SEP if table is not None and len(cells) == 1 else ""))
    return "\n".join(out)


def _separator(runs: Sequence[Run], i: int, first: Run, block: TextBlock, *, in_row: bool) -> str:
    a, b = runs[i - 1], runs[i]
    if a.cell is not None or b.cell is not None:
        if a.cell is None or b.cell is None or a.cell[:2] != b.cell[:2]:
            return "\n"
        return "" if a.cell == b.cell else CELL_SEP
    if _same_line(a, b):
        return CELL_SEP if b.x0 > a.x1 else "\n"
    if b.baseline < a.baseline:  # back up the page: the next cell of a row whose cells wrapped
        near = a.baseline - b.baseline <= 4 * (block.line_pitch(a.size) or 2 * a.size)
        return CELL_SEP if near and b.x0 > a.x0 + a.size else "\n"
    if in_row:  # a row's later cell wraps under itself; anything else below a row starts a new line
        return "" if b.x0 > first.x0 + a.size and abs(b.x0 - a.x0) <= 0.5 * a.size else "\n"
    if abs(b.x0 - a.x0) <= a.size and _row_continues(runs, i - 1):
        return ""
    return "" if _wraps(a, b, first, block) else "\n"
