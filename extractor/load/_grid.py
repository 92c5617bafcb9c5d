"""Ruled tables from drawn lines: segments -> grid -> merged cells.

Used for PDF text layers (lines from ``page.get_drawings()``) and for scans
(lines found in the page image). The grid is the set of distinct x of the
vertical rules and y of the horizontal rules; two neighbouring grid cells are
one merged cell when no rule separates them, which is how rowspan/colspan
look on paper. This is far cheaper than a general table finder and exact for
the ruled tables of the national template.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field

from extractor.document import Box

# A segment: (position, start, end). Horizontal: (y, x0, x1); vertical: (x, y0, y1).
Segment = tuple[float, float, float]

COVER = 0.6  # a rule separates two grid cells when it covers this share of their common edge


@dataclass(slots=True)
class GridCell:
    """A merged cell: grid rows ``row0 <= r < row1``, columns ``col0 <= c < col1``."""

    row0: int
    row1: int
    col0: int
    col1: int
    box: Box
    items: list = field(default_factory=list)  # what the caller assigned to it (glyphs)


@dataclass(slots=True)
class Grid:
    xs: list[float]
    ys: list[float]
    cells: list[GridCell]
    _index: dict[tuple[int, int], int] = field(default_factory=dict)

    @property
    def box(self) -> Box:
        return (self.xs[0], self.ys[0], self.xs[-1], self.ys[-1])

    @property
    def n_rows(self) -> int:
        return len(self.ys) - 1

    @property
    def n_cols(self) -> int:
        return len(self.xs) - 1

    def scale(self, factor: float, dx: float = 0.0, dy: float = 0.0) -> None:
        """Divide every coordinate by ``factor`` and move it by (dx, dy): image pixels to page units."""
        self.xs = [x / factor + dx for x in self.xs]
        self.ys = [y / factor + dy for y in self.ys]
        for cell in self.cells:
            x0, y0, x1, y1 = cell.box
            cell.box = (x0 / factor + dx, y0 / factor + dy, x1 / factor + dx, y1 / factor + dy)

    def cell_at(self, x: float, y: float) -> GridCell | None:
        """The merged cell holding the point, or None outside the grid."""
        if not (self.xs[0] <= x <= self.xs[-1] and self.ys[0] <= y <= self.ys[-1]):
            return None
        col = min(max(bisect_right(self.xs, x) - 1, 0), self.n_cols - 1)
        row = min(max(bisect_right(self.ys, y) - 1, 0), self.n_rows - 1)
        return self.cells[self._index[(row, col)]]

    def row_band(self, row: int) -> Box:
        return (self.xs[0], self.ys[row], self.xs[-1], self.ys[row + 1])

    def cells_in_row(self, row: int) -> list[GridCell]:
        seen: list[GridCell] = []
        for col in range(self.n_cols):
            cell = self.cells[self._index[(row, col)]]
            if not seen or seen[-1] is not cell:
                if cell not in seen:
                    seen.append(cell)
        return seen


def _cluster(values: Iterable[float], tol: float) -> list[float]:
    """Sorted representatives of values closer than ``tol`` to each other (the mean of each run)."""
    out: list[list[float]] = []
    for value in sorted(values):
        if out and value - out[-1][-1] <= tol:
            out[-1].append(value)
        else:
            out.append([value])
    return [sum(run) / len(run) for run in out]


def merge_segments(segments: Iterable[Segment], tol: float, bridge: float | None = None) -> list[Segment]:
    """Snap collinear segments to one position and join pieces less than ``bridge`` apart."""
    bridge = tol if bridge is None else bridge
    segments = sorted(segments)
    if not segments:
        return []
    positions = _cluster((s[0] for s in segments), tol)
    by_pos: dict[int, list[tuple[float, float]]] = {}
    for pos, a, b in segments:
        i = min(range(len(positions)), key=lambda k: abs(positions[k] - pos))
        by_pos.setdefault(i, []).append((min(a, b), max(a, b)))
    merged: list[Segment] = []
    for i, spans in by_pos.items():
        spans.sort()
        start, end = spans[0]
        for a, b in spans[1:]:
            if a <= end + bridge:
                end = max(end, b)
            else:
                merged.append((positions[i], start, end))
                start, end = a, b
        merged.append((positions[i], start, end))
    return merged


def _components(h: list[Segment], v: list[Segment], tol: float) -> list[tuple[list[Segment], list[Segment]]]:
    """Groups of rules that touch each other: one group per table."""
    parent = list(range(len(h) + len(v)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, (y, x0, x1) in enumerate(h):
        for j, (x, y0, y1) in enumerate(v):
            if x0 - tol <= x <= x1 + tol and y0 - tol <= y <= y1 + tol:
                parent[find(i)] = find(len(h) + j)
    groups: dict[int, tuple[list[Segment], list[Segment]]] = {}
    for i, seg in enumerate(h):
        groups.setdefault(find(i), ([], []))[0].append(seg)
    for j, seg in enumerate(v):
        groups.setdefault(find(len(h) + j), ([], []))[1].append(seg)
    return [g for g in groups.values() if g[0] and g[1]]


OPEN_SIDE = 3.0  # an open side's row or column is at least three times ``min_size``


def _covered(segs: list[Segment], pos: float, a: float, b: float, tol: float) -> bool:
    need = (b - a) * COVER
    got = 0.0
    for p, s0, s1 in segs:
        if abs(p - pos) <= tol:
            got += max(0.0, min(b, s1) - max(a, s0))
    return got >= need


def build_grids(
    h: list[Segment], v: list[Segment], tol: float, min_size: float, bridge: float | None = None
) -> list[Grid]:
    """Tables from horizontal and vertical rules.

    ``tol``: rules closer than this are one; ``min_size``: smallest row height / column width kept;
    ``bridge``: gaps in a rule shorter than this are closed (a scanned rule breaks up).
    """
    h = [s for s in merge_segments(h, tol, bridge) if s[2] - s[1] >= min_size]
    v = [s for s in merge_segments(v, tol, bridge) if s[2] - s[1] >= min_size]
    grids = []
    for hs, vs in _components(h, v, tol):
        grid = _grid(hs, vs, tol, min_size)
        if grid is not None:
            grids.append(grid)
    return grids


def _grid(hs: list[Segment], vs: list[Segment], tol: float, min_size: float) -> Grid | None:
    left = min(s[1] for s in hs)
    right = max(s[2] for s in hs)
    top = min(s[1] for s in vs)
    bottom = max(s[2] for s in vs)
    xs = _cluster([s[0] for s in vs], tol)
    ys = _cluster([s[0] for s in hs], tol)
    # Open sides (no outer rule): the ends of the other rules close the table. Rules that overrun the
    # outer rule by a few points (a scan blurs and the rule finder bridges their ends) open nothing:
    # an open side's column holds at least a digit.
    open_side = OPEN_SIDE * min_size
    if xs[0] - left > open_side:
        xs.insert(0, left)
        vs = [*vs, (left, top, bottom)]
    if right - xs[-1] > open_side:
        xs.append(right)
        vs = [*vs, (right, top, bottom)]
    if ys[0] - top > open_side:
        ys.insert(0, top)
        hs = [*hs, (top, left, right)]
    if bottom - ys[-1] > open_side:
        ys.append(bottom)
        hs = [*hs, (bottom, left, right)]
    xs = _drop_close(xs, min_size)
    ys = _drop_close(ys, min_size)
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    if n_rows < 1 or n_cols < 1 or n_rows * n_cols < 2:
        return None

    parent = list(range(n_rows * n_cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(n_rows):
        for c in range(n_cols):
            here = r * n_cols + c
            if c + 1 < n_cols and not _covered(vs, xs[c + 1], ys[r], ys[r + 1], tol):
                parent[find(here)] = find(here + 1)
            if r + 1 < n_rows and not _covered(hs, ys[r + 1], xs[c], xs[c + 1], tol):
                parent[find(here)] = find(here + n_cols)
    members: dict[int, list[tuple[int, int]]] = {}
    for r in range(n_rows):
        for c in range(n_cols):
            members.setdefault(find(r * n_cols + c), []).append((r, c))
    if len(members) < 2:
        return None  # a frame around text, not a table
    cells: list[GridCell] = []
    index: dict[tuple[int, int], int] = {}
    for spots in sorted(members.values(), key=lambda s: (min(s), s)):
        row0 = min(r for r, _ in spots)
        row1 = max(r for r, _ in spots) + 1
        col0 = min(c for _, c in spots)
        col1 = max(c for _, c in spots) + 1
        for spot in spots:
            index[spot] = len(cells)
        cells.append(GridCell(row0, row1, col0, col1, (xs[col0], ys[row0], xs[col1], ys[row1])))
    return Grid(xs, ys, cells, index)


def _drop_close(values: list[float], min_gap: float) -> list[float]:
    out: list[float] = []
    for value in values:
        if out and value - out[-1] < min_gap:
            continue
        out.append(value)
    return out
