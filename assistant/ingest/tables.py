"""Table grids from the ruling lines a PDF draws: which cell a character sits in.

Word and LibreOffice draw a bordered table's borders as thin lines. Text extraction loses them and
emits the table cell by cell, so a row whose first cell wraps comes out as 「域内取引額（原料・資」 /
「材）」 / 「21 億円 27 億円」. With the borders, every character can be placed in its row and column,
and a row's cells can be read together whatever the wrapping inside them.

Tables without borders have no grid here; :mod:`assistant.ingest.reading` reads them from the gaps
between runs on one line.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

#: How far apart (points) two rules may be and still meet, or two positions still count as one.
_TOL = 2.0
#: More rules than this on one page is a drawing (a chart, a hatch), not a table; it is not searched.
_MAX_RULES = 600


@dataclass(frozen=True, slots=True)
class Segment:
    """A rule in top-down page coordinates: ``pos`` is its y (horizontal) or x (vertical)."""

    horizontal: bool
    pos: float
    start: float
    end: float


@dataclass
class Grid:
    """Row boundaries (y, top-down) and, for each row, the column boundaries that cross it."""

    rows: list[float]
    columns: list[list[float]] = field(default_factory=list)
    left: float = 0.0
    right: float = 0.0

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        if not (
            self.rows[0] - _TOL <= y <= self.rows[-1] + _TOL and self.left - _TOL <= x <= self.right + _TOL
        ):
            return None
        r = min(max(bisect_right(self.rows, y) - 1, 0), len(self.rows) - 2)
        xs = self.columns[r]
        if len(xs) < 2:
            return None
        c = min(max(bisect_right(xs, x) - 1, 0), len(xs) - 2)
        return r, c


def _merge(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= _TOL:
            continue
        out.append(v)
    return out


def _touch(a: Segment, b: Segment) -> bool:
    if a.horizontal == b.horizontal:
        return abs(a.pos - b.pos) <= _TOL and a.start - _TOL <= b.end and b.start - _TOL <= a.end
    h, v = (a, b) if a.horizontal else (b, a)
    return h.start - _TOL <= v.pos <= h.end + _TOL and v.start - _TOL <= h.pos <= v.end + _TOL


def _clusters(rules: list[Segment]) -> list[list[Segment]]:
    parent = list(range(len(rules)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(rules):
        for j in range(i + 1, len(rules)):
            if _touch(a, rules[j]):
                parent[find(i)] = find(j)
    groups: dict[int, list[Segment]] = {}
    for i, rule in enumerate(rules):
        groups.setdefault(find(i), []).append(rule)
    return list(groups.values())


def _grid(cluster: list[Segment]) -> Grid | None:
    horizontals = [s for s in cluster if s.horizontal]
    verticals = [s for s in cluster if not s.horizontal]
    rows = _merge([s.pos for s in horizontals])
    if len(rows) < 2 or len(verticals) < 2:
        return None
    columns = []
    for top, bottom in zip(rows, rows[1:], strict=False):
        mid = (top + bottom) / 2
        columns.append(_merge([v.pos for v in verticals if v.start - _TOL <= mid <= v.end + _TOL]))
    if max(len(xs) for xs in columns) < 2 or (len(rows) == 2 and len(columns[0]) == 2):
        return None  # no cell at all, or a single framed box: a frame around text is not a table
    xs = [v.pos for v in verticals]
    return Grid(rows=rows, columns=columns, left=min(xs), right=max(xs))


#: (grid index on the page, row, column)
CellId = tuple[int, int, int]


def cell_of(grids: list[Grid], x: float, y: float) -> CellId | None:
    """The cell of the page's tables that the point (x, y) lies in, if any."""
    for index, grid in enumerate(grids):
        cell = grid.cell_at(x, y)
        if cell is not None:
            return (index, cell[0], cell[1])
    return None


def find_grids(rules: list[Segment]) -> list[Grid]:
    """Every bordered table on the page, top to bottom."""
    if not rules or len(rules) > _MAX_RULES:
        return []
    grids = [g for g in (_grid(c) for c in _clusters(rules)) if g is not None]
    return sorted(grids, key=lambda g: g.rows[0])
