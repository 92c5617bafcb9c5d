"""Section 三 read from pdfminer's text boxes: every placement of the boxes that tiles the table.

pdfminer (``pdf2txt.py``, default layout analysis) prints each table cell as a text box; cells
one under the other in a column often merge into one box (its lines one under the other), and
boxes are separated by blank lines. The order of the boxes comes from a hierarchical grouping by
proximity (``LTLayoutContainer.group_textboxes``): the two closest boxes or groups become a group,
and a group prints its two parts one after the other. A table therefore comes out as a nesting of
rectangles: a band of rows, then the band below it; a block of columns, then the block beside it
(either one first, since a part that starts lower prints later even when it stands to the left).
Columns come out of order, two columns zigzag in bands, a column is cut where a label's box sat
close to one of its cells.

``read_boxes`` takes the boxes of section 三 page by page (a page holds a band of whole rows) and
finds, with a memoised search over stream intervals and rectangles, every reading of the table as
such a nesting: an interval of boxes tiles a rectangle when it is one column's cells top down, or
when it splits into two intervals that tile the two halves of a cut of that rectangle. Rows that
span every column must keep their total while the search runs; the readings that reach the whole
table must keep identities 1 and 2 down every column as well. The search is bounded (distinct
contents per rectangle, states visited).

The six applicant columns can trade places without breaking any identity, so a table whose
columns came out of order has several readings: all of them are reported, every cell goes to
review, and cells on which they differ carry the others as alternatives. The first reading is the
plainest: fewest column pieces, then the natural-person column holding the most (it does in the
reports), then the columns nearest their printed order.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from extractor.document import Document
from extractor.parse.anchors import Anchor
from extractor.parse.layout import Sections, Token, tokenize
from extractor.parse.rows import CJK
from extractor.parse.solve import Value
from extractor.template import APPLICANT_COLUMNS, APPLICATION_ROW_LABELS, OUTCOME_ROWS

if TYPE_CHECKING:
    from extractor.parse.tables import CellReading

WIDTH = len(APPLICANT_COLUMNS)
MAX_EXTRA_PIECES = 8  # column pieces beyond one per column and page that a tiling may use
MAX_NODES = 40_000  # placements tried for one budget of pieces before the search gives up
MAX_ALL_NODES = 20_000  # placements tried for one table: every stream, page-number choice and budget
MAX_FOUND = 64  # tilings kept (before the applicant columns are put in every order)
REVIEW_CELLS = 15  # section 四's numbers
MAX_STREAMS = 3  # candidate streams of section 三's numbers searched
MAX_ACTIVE_CELLS = 22  # section 二's numbers (template 2019; 2021 prints 10)
LABEL_PREFIX = 6  # characters of a row label (without ordinals) that name the row

REASON = (
    "numbers printed as text boxes apart from their labels (pdfminer): placed by tiling the table under every identity"
)
REASON_UNCOUNTED = (
    "numbers printed as text boxes apart from their labels (pdfminer): too many tilings keep every identity"
    " to compare them all; the likeliest found is shown"
)
REASON_AMBIGUOUS = (
    "numbers printed as text boxes apart from their labels (pdfminer): more than one tiling of the table"
    " keeps every identity"
)


class SearchTooLarge(Exception):
    """The search tried more placements than ``MAX_NODES``."""


@dataclass(frozen=True, slots=True)
class BoxPage:
    """The number boxes of one page, in printed order: each box a run of cells top down."""

    cells: tuple[Token, ...]
    lengths: tuple[int, ...]


@dataclass
class BoxReading:
    """One placement of the whole table: for every row, its seven cells' tokens."""

    rows: tuple[str, ...]
    tokens: tuple[tuple[Token, ...], ...]
    cost: tuple[int, ...] = ()

    @cached_property
    def values(self) -> tuple[tuple[Value, ...], ...]:
        return tuple(tuple(t.value for t in row) for row in self.tokens)


@dataclass(slots=True)
class BoxResult:
    readings: list[BoxReading] = field(default_factory=list)
    complete: bool = True


def boxes_by_page(numbers: Sequence[Token], apart: Sequence[bool]) -> list[BoxPage] | None:
    """The numbers grouped into boxes (neighbours on consecutive lines with nothing between them)
    and pages. None when a line holds more than one number: not pdfminer's one cell per line."""
    lines = [id(t.line) for t in numbers]
    if len(set(lines)) != len(lines):
        return None
    pages: list[BoxPage] = []
    cells: list[Token] = []
    lengths: list[int] = []
    for index, token in enumerate(numbers):
        page = token.line.page if token.line is not None else 0
        if cells and (cells[-1].line.page if cells[-1].line is not None else 0) != page:
            pages.append(BoxPage(tuple(cells), tuple(lengths)))
            cells, lengths = [], []
        if cells and not apart[index - 1]:
            lengths[-1] += 1
        else:
            lengths.append(1)
        cells.append(token)
    if cells:
        pages.append(BoxPage(tuple(cells), tuple(lengths)))
    return pages


class _Search:
    """Depth-first placement of the boxes, page by page, each box at the next free cells of a column
    (a column's pieces print top down), within a budget of column pieces. ``pins``: cells already
    placed in the natural-person column by their row label (pdfminer grouped the cell with it)."""

    def __init__(
        self,
        pages: Sequence[BoxPage],
        bands: Sequence[int],
        row_keys: Sequence[str],
        budget: int,
        spent: list[int],
        pins: dict[int, Token],
        only: int,
    ) -> None:
        self.spent = spent  # placements tried by every search for this table
        self.pages = pages
        self.only = only  # the page searched: its band of rows
        offsets = [0, *itertools.accumulate(bands)]
        self.band = range(offsets[only], offsets[only + 1])
        # the rows of each page's band each column still takes, top down
        self.free = [
            [[r for r in range(offsets[p], offsets[p + 1]) if not (c == 0 and r in pins)] for c in range(WIDTH)]
            for p in range(len(pages))
        ]
        self.starts = [[0, *itertools.accumulate(page.lengths)] for page in pages]
        self.grid: list[list[Token | None]] = [[None] * WIDTH for _ in row_keys]
        for row, token in pins.items():
            self.grid[row][0] = token
        self.pinned = bool(pins)
        self.budget = budget
        self.nodes = 0
        self.found: list[tuple[tuple[Token, ...], ...]] = []
        self.complete = True
        rows = {key: index for index, key in enumerate(row_keys)}
        self.balance = [rows.get(k) for k in ("new_received", "carried_over", "total_processed", "carried_forward")]
        self.outcomes = [rows[k] for k in OUTCOME_ROWS if k in rows]
        self.fingerprint = 0  # of the values placed so far: states with equal values lead to equal readings
        self.seen: set[tuple[int, int, tuple[int, ...], int | None, int, int, int, int]] = set()

    def run(self) -> None:
        try:
            self._place(self.only, 0, [0] * WIDTH, None, 0, 0, -1)
        except SearchTooLarge:
            self.complete = False

    def _place(
        self, page: int, box: int, heights: list[int], previous: int | None, pieces: int, since: int, band: int
    ) -> None:
        """Place box ``box`` of ``page``. ``since``: where the piece of ``previous`` began (an index of
        its free rows); ``band``: the row where the band that piece stands in ends, or -1."""
        state = (page, box, tuple(heights), previous, pieces, since, band, self.fingerprint)
        if state in self.seen:
            return
        self.seen.add(state)
        self.nodes += 1
        self.spent[0] += 1
        if self.nodes > MAX_NODES or self.spent[0] > MAX_ALL_NODES:
            raise SearchTooLarge
        cells, free = self.pages[page].cells, self.free[page]
        if box == len(self.pages[page].lengths):
            if len(self.found) >= MAX_FOUND:
                self.complete = False
                return
            self.found.append(tuple(tuple(t for t in self.grid[r] if t is not None) for r in self.band))
            return
        start = self.starts[page][box]
        length = self.starts[page][box + 1] - start
        order = [previous] if previous is not None else []
        open_columns = sum(1 for c in range(WIDTH) if heights[c] < len(free[c]))
        for col in [*order, *(c for c in range(WIDTH) if c != previous)]:
            top = heights[col]
            if top + length > len(free[col]):
                continue
            cost = pieces + (col != previous)
            if cost + open_columns - 1 > self.budget:  # every other unfinished column takes a piece more
                continue
            next_band = band if col == previous else -1
            if previous is not None and col != previous and heights[previous] < len(free[previous]):
                # a piece left before its column is full: pdfminer printed a band of rows across
                # neighbouring columns, so the next piece starts level with this one (beside it, down
                # to the same row) or just below it
                began, below = self._row_at(free[previous], since), free[previous][heights[previous]]
                if band >= 0 and below != band:
                    continue  # a piece beside another ends where that one ended
                if free[col][top] == began:
                    next_band = below
                elif free[col][top] != below:
                    continue
            if top == 0 and 0 < col < WIDTH - 1 and any(heights[c] == 0 for c in range(1, col)):
                continue  # applicant columns trade places freely: open them in one order only
            if top == 0 and col == 0 and not self.pinned and any(heights[c] == 0 for c in range(1, 6)):
                continue  # (the natural-person column too, unless label-bound cells set it apart)
            rows = free[col][top : top + length]
            mark = 0
            for k, row in enumerate(rows):
                self.grid[row][col] = cells[start + k]
                mark ^= hash((row, col, cells[start + k].value))
            heights[col] += length
            self.fingerprint ^= mark
            if self._fits(col, rows, heights[col] == len(free[col])):
                self._place(page, box + 1, heights, col, cost, since if col == previous else top, next_band)
            self.fingerprint ^= mark
            heights[col] -= length
            for row in rows:
                self.grid[row][col] = None

    @staticmethod
    def _row_at(free: Sequence[int], index: int) -> int:
        return free[index] if index < len(free) else -1

    def _fits(self, col: int, rows: Sequence[int], finished: bool) -> bool:
        """Rows touched keep their total as far as they are filled; the column keeps identities 1 and
        2 as far as it is filled (counts are never negative), and wholly once finished."""
        for r in rows:
            row = self.grid[r]
            total = row[WIDTH - 1]
            if total is None:
                continue
            known = [t.value for t in row[: WIDTH - 1] if t is not None]
            if not all(isinstance(v, int | float) for v in known) or not isinstance(total.value, int | float):
                continue
            spent = sum(known)  # type: ignore[arg-type]
            if len(known) == WIDTH - 1 and abs(spent - total.value) > 1e-6:
                return False
            if spent > total.value + 1e-6:
                return False
        return self._column_fits(col, finished)

    def _column_fits(self, col: int, finished: bool) -> bool:
        new, carried, processed, forward = self.balance
        if new is None or carried is None or processed is None or forward is None:
            return True
        if self.grid[processed][col] is None and (self.grid[new][col] is None or self.grid[carried][col] is None):
            return True  # nothing bounds the column yet
        values = [row[col].value if row[col] is not None else None for row in self.grid]  # type: ignore[union-attr]
        if any(v is not None and not isinstance(v, int | float) for v in values):
            return True
        known = [values[r] for r in self.outcomes if values[r] is not None]
        outcome_sum = sum(known)  # type: ignore[arg-type]
        head = values[new], values[carried]
        if None not in head:
            bound = head[0] + head[1]  # type: ignore[operator]
            if outcome_sum > bound + 1e-6 or any(
                values[r] is not None and values[r] > bound + 1e-6  # type: ignore[operator]
                for r in (processed, forward)
            ):
                return False
        if values[processed] is not None and outcome_sum > values[processed] + 1e-6:  # type: ignore[operator]
            return False
        if not finished or None in values:
            return True
        if abs(values[new] + values[carried] - values[processed] - values[forward]) > 1e-6:  # type: ignore[operator]
            return False
        return abs(outcome_sum - values[processed]) < 1e-6  # type: ignore[operator]


def read_tiling(
    pages: Sequence[BoxPage],
    row_keys: Sequence[str],
    spent: list[int] | None = None,
    pins: dict[int, Token] | None = None,
    most: int = MAX_EXTRA_PIECES,
) -> BoxResult | None:
    """Every reading of the table from its pages' boxes that keeps every identity, each page tiled
    with its fewest column pieces, the applicant columns in every order (but a natural-person column
    set apart by ``pins``), plainest first.

    Each page is searched alone (its rows keep their totals); the pages' columns are then joined
    so that every column keeps identities 1 and 2."""
    from extractor.parse.streams import broken_identities

    pins = pins or {}
    bands = _bands(pages, len(row_keys), pins)
    if bands is None:
        return None
    spent = [0] if spent is None else spent
    tiled: list[list[tuple[tuple[Token, ...], ...]]] = []
    complete = True
    for index in range(len(pages)):
        for budget in range(WIDTH, WIDTH + most + 1):  # at most ``most`` pieces more than columns
            search = _Search(pages, bands, row_keys, budget, spent, pins, index)
            search.run()
            if not search.complete and not search.found:
                return None  # too large to search: other readers, or nothing
            if search.found:
                tiled.append(search.found)
                complete = complete and search.complete
                break
        else:
            return None
    rows_of = {key: index for index, key in enumerate(row_keys)}
    position = {id(t): index for index, t in enumerate(t for page in pages for t in page.cells)}
    position.update((id(t), -1) for t in pins.values())
    result = BoxResult(complete=complete)
    seen: set[tuple[tuple[Value, ...], ...]] = set()
    movable = range(1, WIDTH - 1) if pins else range(WIDTH - 1)
    for combination in itertools.islice(itertools.product(*tiled), MAX_FOUND):
        for rows in _joined(combination, rows_of, fixed=1 if pins else 0):
            # every identity is the same for each applicant column and the row totals add them in any
            # order: a placement whose columns break one breaks it in every order
            if broken_identities(tuple(tuple(t.value for t in row) for row in rows), row_keys):
                continue
            # columns that print the same values (runs of zeros) give the same reading in either order
            kinds: dict[tuple[Value, ...], int] = {}
            kind = [kinds.setdefault(tuple(row[c].value for row in rows), len(kinds)) for c in range(WIDTH)]
            for order in _distinct_orders(list(movable), kind):
                columns = (0, *order) if pins else order
                tokens = tuple(tuple(row[c] for c in (*columns, WIDTH - 1)) for row in rows)
                reading = BoxReading(tuple(row_keys), tokens)
                values = reading.values
                if values in seen:
                    continue
                seen.add(values)
                reading.cost = _order_cost(reading, position)
                result.readings.append(reading)
    result.readings.sort(key=lambda r: r.cost)
    return result if result.readings else None


def _distinct_orders(columns: list[int], kind: list[int]) -> Iterator[tuple[int, ...]]:
    """Every order of ``columns`` that differs in the kinds it puts in each place (columns of one
    kind print the same values, so swapping them changes nothing), in ``permutations`` order."""
    groups: dict[int, list[int]] = {}
    for column in columns:
        groups.setdefault(kind[column], []).append(column)
    left = {k: len(v) for k, v in groups.items()}

    def build(prefix: list[int]) -> Iterator[tuple[int, ...]]:
        if len(prefix) == len(columns):
            pools = {k: iter(v) for k, v in groups.items()}  # each kind's columns, in their order
            yield tuple(next(pools[k]) for k in prefix)
            return
        for k in dict.fromkeys(kind[c] for c in columns):  # kinds in the order their columns stand
            if left[k]:
                left[k] -= 1
                yield from build([*prefix, k])
                left[k] += 1

    yield from build([])


def _joined(
    bands: Sequence[tuple[tuple[Token, ...], ...]], rows_of: dict[str, int], fixed: int
) -> list[tuple[tuple[Token, ...], ...]]:
    """The pages' bands joined into whole tables: the first page's columns in place, each later page's
    applicant columns (but the first ``fixed``) matched to them in every way that keeps identities 1
    and 2 down every column; the total column stays the total column."""
    first, *later = bands
    tables: list[tuple[tuple[Token, ...], ...]] = []

    def column(band: tuple[tuple[Token, ...], ...], col: int) -> list[Token]:
        return [row[col] for row in band]

    def extend(col: int, chosen: list[tuple[int, ...]], used: list[set[int]]) -> None:
        if len(tables) >= MAX_FOUND:
            return
        if col == WIDTH:
            picks = list(zip(*chosen, strict=True))  # per later page: its column for each column
            rows = list(first)
            for band, pick in zip(later, picks, strict=True):
                rows.extend(tuple(row[pick[c]] for c in range(WIDTH)) for row in band)
            tables.append(tuple(rows))
            return
        if col < fixed or col == WIDTH - 1:
            options: Iterable[tuple[int, ...]] = [(col,) * len(later)]
        else:
            free = [[c for c in range(fixed, WIDTH - 1) if c not in used[p]] for p in range(len(later))]
            options = itertools.product(*free)
        for option in options:
            cells = column(first, col) + [t for band, c in zip(later, option, strict=True) for t in column(band, c)]
            if not _column_keeps(cells, rows_of):
                continue
            for p, c in enumerate(option):
                used[p].add(c)
            extend(col + 1, [*chosen, option], used)
            for p, c in enumerate(option):
                used[p].discard(c)

    extend(0, [], [set() for _ in later])
    return tables


def _column_keeps(cells: Sequence[Token], rows_of: dict[str, int]) -> bool:
    """Identities 1 and 2 down one whole column."""
    values = [t.value for t in cells]
    if not all(isinstance(v, int | float) for v in values):
        return True
    numbers = [float(v) for v in values if isinstance(v, int | float)]
    keys = ("new_received", "carried_over", "total_processed", "carried_forward")
    if all(k in rows_of for k in keys):
        new, carried, processed, forward = (numbers[rows_of[k]] for k in keys)
        if abs(new + carried - processed - forward) > 1e-6:
            return False
        outcomes = sum(numbers[rows_of[k]] for k in OUTCOME_ROWS if k in rows_of)
        return abs(outcomes - processed) < 1e-6
    return True


def _bands(pages: Sequence[BoxPage], count: int, pins: dict[int, Token]) -> list[int] | None:
    """How many whole rows each page prints (its boxes' cells and its label-bound cells), or None."""
    numbers = [_page_of(page.cells[0]) for page in pages]
    pinned = [0] * len(pages)
    for token in pins.values():
        if _page_of(token) not in numbers:
            return None
        pinned[numbers.index(_page_of(token))] += 1
    bands = []
    for page, extra in zip(pages, pinned, strict=True):
        cells = len(page.cells) + extra
        if cells % WIDTH:
            return None
        bands.append(cells // WIDTH)
    return bands if sum(bands) == count else None


def _page_of(token: Token) -> int:
    return token.line.page if token.line is not None else 0


def _order_cost(reading: BoxReading, position: dict[int, int]) -> tuple[int, int]:
    """(natural person column not the largest, columns printed out of their order): the likelier
    reading costs less. Most requests come from natural persons; pdfminer moves a column only when
    its cells' boxes stand apart from the rest."""
    sums = [sum(v for v in column if isinstance(v, int | float)) for column in zip(*reading.values, strict=True)]
    applicant = sums[: WIDTH - 1]
    natural_not_largest = int(applicant[0] < max(applicant))
    ranks = [min(position[id(row[col])] for row in reading.tokens) for col in range(WIDTH)]
    inversions = sum(1 for a, b in itertools.combinations(ranks, 2) if a > b)
    return natural_not_largest, inversions


def read_boxes(doc: Document, norm: str, sections: Sections, anchors: Sequence[Anchor]) -> BoxResult | None:
    """Section 三 read from pdfminer's boxes (``read_tiling``), page numbers among them left out
    where the count asks for it; None when the text is not one number per line or nothing fits.

    pdfminer may print boxes of section 三 before its heading or after section 四's (a heading's box
    sat closer to other boxes): when section 三's span holds another count of numbers than the
    table, the numbers from section 二's heading to section 五's are read, less section 四's fifteen
    at their end and section 二's at their start."""
    from extractor.parse.streams import MAX_STRAY, _row_sets, _stream_numbers

    numbers = _stream_numbers(doc, norm, sections)
    candidates: list[tuple[list[Token], list[tuple[str, ...]]]] = []
    row_sets = _row_sets(anchors)
    candidates.extend((numbers, [rows]) for rows in row_sets)
    for heading in ("applications", "active_disclosure"):
        wide = _numbers_to_problems(doc, norm, sections, heading)
        for rows in row_sets:
            for extra in range(MAX_STRAY + 1):
                before = len(wide) - REVIEW_CELLS - WIDTH * len(rows) - extra  # section 二's numbers
                if 0 < before <= MAX_ACTIVE_CELLS or (before == 0 and heading == "applications"):
                    candidates.append((wide[before:-REVIEW_CELLS], [rows]))
    tried: set[tuple[int, int, int]] = set()
    trials: list[tuple[list[BoxPage], dict[int, Token], tuple[str, ...]]] = []
    for stream, (rows,) in candidates:
        if not stream or any(t.line is None for t in stream):
            continue
        key = (stream[0].start, stream[-1].start, len(stream))
        if key in tried or not 0 <= len(stream) - WIDTH * len(rows) <= MAX_STRAY:
            continue
        tried.add(key)
        if len(tried) > MAX_STREAMS:
            break
        trials.extend((pages, pins, rows) for pages, pins in _trials(doc, norm, stream, rows, anchors))
    # the plainest tilings of every stream and choice of page numbers first: a wrong one fails slowly
    spent = [0]  # placements tried for this table
    for most in (0, 2, MAX_EXTRA_PIECES):
        for pages, pins, rows in trials:
            result = read_tiling(pages, rows, spent, pins, most)
            if result is not None or spent[0] > MAX_ALL_NODES:
                return result
    return None


def _trials(
    doc: Document, norm: str, numbers: Sequence[Token], row_keys: Sequence[str], anchors: Sequence[Anchor]
) -> list[tuple[list[BoxPage], dict[int, Token]]]:
    """The stream's boxes by page for each choice of page numbers left out, with and without the
    cells bound to their labels (``_label_bound``), where the pages can hold whole rows."""
    from extractor.parse.streams import MAX_STRAY, _apart, _page_numbers, without_page_numbers

    extra = len(numbers) - WIDTH * len(row_keys)
    if extra < 0 or extra > MAX_STRAY:
        return []
    trials: list[tuple[list[BoxPage], dict[int, Token]]] = []
    for kept in without_page_numbers(numbers, _page_numbers(list(numbers), doc), extra):
        pins = _label_bound(norm, kept, row_keys, anchors)
        for pinned in [pins, {}] if pins else [{}]:
            stream = [t for t in kept if all(t is not p for p in pinned.values())]
            apart = [_apart(norm, a, b) for a, b in itertools.pairwise(stream)]
            pages = boxes_by_page(stream, apart)
            if pages is None:
                return []
            if _bands(pages, len(row_keys), pinned) is not None:
                trials.append((pages, pinned))
    return trials


def _label_bound(
    norm: str, numbers: Sequence[Token], row_keys: Sequence[str], anchors: Sequence[Anchor]
) -> dict[int, Token]:
    """Lone numbers printed between a row's label and more text: pdfminer grouped the label's box
    with the natural-person cell beside it. By row index; a row named twice binds nothing."""
    cores = {_core(APPLICATION_ROW_LABELS[key])[:LABEL_PREFIX]: index for index, key in enumerate(row_keys)}
    pins: dict[int, Token] = {}
    named: set[int] = set()
    for index, token in enumerate(numbers):
        before = norm[numbers[index - 1].end if index else max(0, token.start - 200) : token.start]
        after = norm[token.end : numbers[index + 1].start if index + 1 < len(numbers) else token.end + 200]
        if not re.search(r"[\u4e00-\u9fff]", after.split("\n\n", 2)[1] if after.count("\n\n") > 1 else after):
            continue
        label = _core(re.split(r"\n[ \t]*\n", before.strip())[-1].replace("\n", ""))[:LABEL_PREFIX]
        row = cores.get(label)
        if row is None:
            continue
        if row in named:
            pins.pop(row, None)
        else:
            pins[row] = token
        named.add(row)
    return pins


_ORDINAL = re.compile(r"^(?:[（(][一二三四五六七][）)]|[一二三四五六七][、.]|\d[.、．])")


def _core(label: str) -> str:
    """A row label without its ordinals (``（三）1.属于国家秘密`` -> ``属于国家秘密``)."""
    label = label.strip()
    while (match := _ORDINAL.match(label)) is not None:
        label = label[match.end() :].strip()
    return label


def _numbers_to_problems(doc: Document, norm: str, sections: Sections, heading: str) -> list[Token]:
    """The numbers from ``heading`` to section 五's heading (or the end), each with its line."""
    from extractor.parse.streams import _with_lines

    start = sections.starts.get(heading)
    if start is None:
        return []
    later = [sections.starts[k] for k in ("problems", "other") if sections.starts.get(k, -1) > start]
    end = min(later) if later else sections.length
    return _with_lines(doc, [t for t in tokenize(norm, start, end) if t.kind == "num"])


def box_cells(result: BoxResult) -> dict[str, dict[str, CellReading]]:
    """The first reading as cell readings, every one in review; cells on which the surviving
    readings differ list the others as alternatives."""
    from extractor.parse.streams import CONF_STREAM, CONF_STREAM_AMBIGUOUS, _differing
    from extractor.parse.tables import CellReading

    best, others = result.readings[0], result.readings[1:]
    cells: dict[str, dict[str, CellReading]] = {}
    for index, (row, tokens) in enumerate(zip(best.rows, best.tokens, strict=True)):
        row_cells: dict[str, CellReading] = {}
        for col_index, (col, token) in enumerate(zip(APPLICANT_COLUMNS, tokens, strict=True)):
            alternatives = _differing(token.value, (other.values[index][col_index] for other in others))
            cell = CellReading(token.value, CONF_STREAM, token.start, token.end, token, review=REASON)
            if not result.complete:
                cell.review = REASON_UNCOUNTED
            if alternatives or not result.complete:
                cell.alternatives = list(alternatives)
                cell.confidence = CONF_STREAM_AMBIGUOUS
                if result.complete:
                    cell.review = REASON_AMBIGUOUS
            row_cells[col] = cell
        cells[row] = row_cells
    return cells


# --- section 二 ------------------------------------------------------------------

REASON_ACTIVE = (
    "numbers printed as text boxes apart from their labels (pdfminer): placed in the order pdfminer prints"
    " this table; nothing checks section 二"
)
CONF_ACTIVE = 0.5
ACTIVE_BLOCK = 6  # 规章 and 规范性文件 × three columns, printed column by column
ACTIVE_SINGLES = ("licensing", "penalty", "coercion", "fees")


def active_from_boxes(doc: Document, norm: str, sections: Sections) -> dict[str, dict[str, CellReading]] | None:
    """Section 二 of template 2021 from pdfminer's boxes, or None when its text is not that.

    pdfminer prints the rows 规章 and 规范性文件 column by column (本年制发 of both, 本年废止 of
    both, 现行有效 of both; only 规范性文件's three when 规章 is printed blank), then 行政许可,
    行政处罚, 行政强制 and the fees, with labels between; 行政许可's box may come between the
    block's last two columns. Page numbers among them are left out. No identity checks section
    二: every cell goes to review."""
    from extractor.parse.streams import _with_lines
    from extractor.parse.tables import CellReading

    span = sections.span("active_disclosure")
    if span is None:
        return None
    numbers = _with_lines(doc, [t for t in tokenize(norm, *span) if t.kind == "num"])
    if not numbers or any(t.line is None or t.line.text.strip() != t.text for t in numbers):
        return None  # a number shares its line: not one box per cell
    if not all(_BOX_GAP.search(norm, a.end, b.start) for a, b in itertools.pairwise(numbers)):
        return None  # numbers on consecutive lines: a row printed down the page, not boxes
    runs: list[list[Token]] = []
    for index, token in enumerate(numbers):
        after_text = index == 0 or bool(CJK.search(norm, numbers[index - 1].end, token.start))
        before_text = index + 1 == len(numbers) or bool(CJK.search(norm, token.end, numbers[index + 1].start))
        if after_text and before_text and token.line is not None and token.value == token.line.page and runs:
            continue  # a page number between two labels
        if after_text or not runs:
            runs.append([])
        runs[-1].append(token)
    if not runs:
        return None
    if len(runs[0]) == 3 and len(runs) > 1 and len(runs[1]) >= 3:
        return None  # rows printed one by one (pdftotext, web page dumps): the labels' reading serves
    if len(runs[0]) == 3:  # 规章 printed blank
        flat = [t for run in runs for t in run][: 3 + len(ACTIVE_SINGLES)]
        if len(flat) < 3 + len(ACTIVE_SINGLES):
            return None
        block: list[Token | None] = [None, flat[0], None, flat[1], None, flat[2]]
        singles = flat[3:]
    else:
        if len(runs) >= 3 and len(runs[0]) == 4 and len(runs[1]) == 1 and len(runs[2]) >= 2:
            runs = [runs[0] + runs[2][:2], runs[1], runs[2][2:], *runs[3:]]  # 行政许可 between columns
        flat = [t for run in runs for t in run][: ACTIVE_BLOCK + len(ACTIVE_SINGLES)]
        if len(flat) < ACTIVE_BLOCK + len(ACTIVE_SINGLES):
            return None
        block = list(flat[:ACTIVE_BLOCK])
        singles = flat[ACTIVE_BLOCK:]

    def cell(token: Token | None) -> CellReading:
        if token is None:
            return CellReading(None, CONF_ACTIVE, review=REASON_ACTIVE)
        return CellReading(token.value, CONF_ACTIVE, token.start, token.end, token, review=REASON_ACTIVE)

    fields = ("issued", "repealed", "in_force")
    out = {
        "regulations": {f: cell(block[2 * i]) for i, f in enumerate(fields)},
        "normative_documents": {f: cell(block[2 * i + 1]) for i, f in enumerate(fields)},
    }
    for item, token in zip(ACTIVE_SINGLES, singles, strict=True):
        out[item] = {"amount_10k_yuan" if item == "fees" else "decisions": cell(token)}
    return out


_BOX_GAP = re.compile(r"\n[ \t]*\n")
