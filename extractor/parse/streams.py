"""Section 三 read from a number stream printed apart from its labels, column by column.

Two common PDF-to-text converters (``pdftotext`` without ``-layout``, pdfminer's
``pdf2txt.py``) print a statistics table as blocks: the row labels in one place, the
numbers in another, and the numbers of a block of consecutive rows *column-major* (the
first column of those rows, then the second, ...). Blocks follow page and layout
boundaries: one row (which reads the same either way) or many. The labels cannot bind
a number to its row, but the template fixes the order of the rows and the count of
their cells, and the identities are strong:

- each row's six applicant columns add up to its total (identity 3);
- down every column, new + carried over = total processed + carried forward (1), and
  the outcome rows add up to the total processed (2).

``decompositions`` cuts the stream into consecutive row blocks, every cut of which
keeps every row's total (a dynamic program over the row index: a block of ``b`` rows
starting at row ``i`` takes the next ``7 * b`` numbers), and keeps the readings under
which identities 1 and 2 also hold. Each distinct reading that survives is reported;
cells on which they differ carry the others as alternatives. Page numbers printed among
the numbers are left out; blocks that print the total column early or two neighbouring
columns row by row (``LAYOUT_ROUNDS``) and a report that misprints one cell (one row off
its total) are tried only when nothing plainer explains the stream. Among placements, the
one whose printed columns run on unbroken lines (no blank line or text inside) comes first.

Values placed this way are bound to their row by the order of the text and the
identities, never by the layout: every cell goes to review.

Section 四 (``reordered_runs``): its fifteen numbers printed as runs of consecutive cells
out of order, placed by identity 4.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from extractor.checks import Identity, application_identities, evaluate_identity
from extractor.document import Document
from extractor.parse.anchors import Anchor
from extractor.parse.blank_rows import BlankRowsResult, read_blank_rows
from extractor.parse.boxes import BoxResult, box_cells, read_boxes
from extractor.parse.layout import Sections, Token, tokenize
from extractor.parse.solve import Value, row_fits
from extractor.template import APPLICANT_COLUMNS, OTHER_SUBROWS, form_rows

if TYPE_CHECKING:
    from extractor.parse.tables import CellReading

WIDTH = len(APPLICANT_COLUMNS)
MAX_READINGS = 4096  # distinct partial readings kept at one row boundary; past that, the simplest are kept
MAX_BROKEN = 3  # identities one misprinted cell breaks at most: its row's total, identities 1 and 2
MAX_STRAY = 2  # lone numbers at a page's edge (page numbers) that may be left out of the stream
MAX_DROP_TRIALS = 24  # choices of them tried, page edges first

REASON = "numbers printed column by column apart from their labels: placed by the row identities"
REASON_AMBIGUOUS = (
    "numbers printed column by column apart from their labels: more than one placement keeps every identity"
)
REASON_UNCOUNTED = (
    "numbers printed column by column apart from their labels: too many placements keep every identity to"
    " compare them all; the simplest is shown"
)
REASON_BLANK_ROWS = "numbers printed row by row apart from their labels, blank cells left out: placed by the identities"
REASON_BLANK_CELL = (
    "blank cell: numbers printed row by row apart from their labels, blank cells left out; the identities"
    " placed the blank here"
)
REASON_UNPLACED_BLANK = (
    "numbers printed row by row apart from their labels, blank cells left out: this row of zeros has a"
    " blank in this column or another the identities cannot tell apart; read as 0, blank its other reading"
)
CONF_STREAM = 0.7
CONF_STREAM_AMBIGUOUS = 0.5

Row = tuple[Value, ...]
Block = tuple[int, tuple[tuple[int, ...], ...]]  # (rows in the block, the groups of columns it printed)
Cost = tuple[int, int, int]  # breaks inside printed groups, blocks, blocks not column by column
Partials = dict[tuple[Row, ...], tuple[Cost, tuple[Block, ...], int]]  # readings of the first rows: cost, cut, rows off


@dataclass(frozen=True, slots=True)
class StreamReading:
    """One placement of the stream: the rows' values, the tokens they came from, the block sizes."""

    rows: tuple[str, ...]
    values: tuple[Row, ...]
    tokens: tuple[tuple[Token, ...], ...]
    blocks: tuple[Block, ...]
    gaps: int = 0  # blank lines or text inside a printed column of a block: the fewer, the likelier


@dataclass(frozen=True, slots=True)
class StreamResult:
    """Every placement under which all identities hold; the first is the one reported."""

    readings: tuple[StreamReading, ...]
    broken: int = 0  # identities every reading breaks: the report misprinted a cell
    complete: bool = True  # False: more placements than MAX_READINGS; only the simplest were compared

    @property
    def rows(self) -> tuple[str, ...]:
        return self.readings[0].rows


class Placements(list[tuple[tuple[Row, ...], tuple[Block, ...]]]):
    """The readings ``decompositions`` found; ``complete`` is False when some partial readings were
    left out (more than ``MAX_READINGS`` at a row boundary: a stream of mostly zeros)."""

    complete = True


Layout = tuple[tuple[int, ...], ...]  # the groups of columns a block prints one after another


def _layouts() -> tuple[tuple[Layout, ...], ...]:
    """How a converter prints a block of rows, in rounds of growing freedom, each round adding to the
    one before (a round is tried only when the rounds before it explain nothing):

    1. column by column (``pdftotext``, pdfminer);
    2. the total column printed before one of the applicant columns (pdfminer's order of text boxes);
    3. consecutive columns grouped, each group row by row (``pdftotext`` puts two close cells on one
       line: ``1 55`` is 其他 and 总计 of one row).
    """
    columns = tuple(range(WIDTH))
    plain: Layout = tuple((col,) for col in columns)
    displaced = tuple(
        tuple((col,) for col in (*columns[:place], WIDTH - 1, *columns[place : WIDTH - 1]))
        for place in range(WIDTH - 1)
    )
    grouped = []
    for cuts in itertools.product((False, True), repeat=WIDTH - 1):  # a cut after column i, or not
        groups: list[list[int]] = [[0]]
        for col, cut in zip(columns[1:], cuts, strict=True):
            if cut:
                groups.append([col])
            else:
                groups[-1].append(col)
        layout = tuple(tuple(group) for group in groups)
        if layout != plain and len(layout) > 1:  # one group is the row-by-row reading of one-row blocks
            grouped.append(layout)
    return ((plain,), (plain, *displaced), (plain, *displaced, *grouped))


LAYOUT_ROUNDS = _layouts()
PLAIN: Layout = LAYOUT_ROUNDS[0][0]


def _columns_in(layout: Layout) -> list[tuple[int, int, int]]:
    """For each column: (columns printed in the groups before its own, its group's width, its place in it)."""
    where: dict[int, tuple[int, int, int]] = {}
    before = 0
    for group in layout:
        for index, col in enumerate(group):
            where[col] = (before, len(group), index)
        before += len(group)
    return [where[col] for col in range(WIDTH)]


def _row_positions(first: int, size: int, k: int, columns: Sequence[tuple[int, int, int]]) -> list[int]:
    """Where the cells of row ``first + k`` sit in the stream, its block of ``size`` rows printed group
    after group, each group row by row (a group of one column: column-major)."""
    base = first * WIDTH
    return [base + size * before + k * width + index for before, width, index in columns]


def _block_positions(first: int, size: int, layout: Layout = PLAIN) -> list[list[int]]:
    columns = _columns_in(layout)
    return [_row_positions(first, size, k, columns) for k in range(size)]


def decompositions(
    values: Sequence[Value],
    row_keys: Sequence[str],
    layouts: Sequence[Layout] = (PLAIN,),
    misprints: int = 0,
    apart: Sequence[bool] = (),
) -> Placements:
    """Every distinct reading of ``values`` as ``row_keys`` in row blocks, each block printed in one of
    ``layouts`` (column by column unless told), under which every identity of section 三 holds, each
    with the simplest cut that gives it (the fewest ``apart`` breaks inside a printed group, then the
    fewest blocks), simplest first.

    With ``misprints`` up to that many rows may break their own total (a report that misprints a
    cell): the readings kept are then those that break at most ``MAX_BROKEN`` identities, fewest
    first. Empty when none qualifies. Past ``MAX_READINGS`` partial readings at a row boundary only
    the simplest are followed on, and the result says it is not ``complete``."""
    count = len(row_keys)
    out = Placements()
    if len(values) != count * WIDTH:
        return out
    # which blocks keep every row's total (but ``misprints``): independent of the rows before them
    placed = [(layout, _columns_in(layout)) for layout in layouts]
    breaks = [0]  # breaks[i]: breaks between stream neighbours before position i
    for flag in apart or [False] * (len(values) - 1):
        breaks.append(breaks[-1] + flag)
    valid: list[list[tuple[Block, tuple[Row, ...], int]]] = []
    for first in range(count):
        options = []
        for size in range(1, count - first + 1):
            for layout, columns in placed:
                if size == 1 and layout != PLAIN:
                    continue  # one row reads the same in every grouping; out of order it breaks its total
                rows: list[Row] = []
                unfit = 0
                for k in range(size):
                    row = tuple(values[p] for p in _row_positions(first, size, k, columns))
                    unfit += not row_fits(row)
                    if unfit > misprints:
                        break
                    rows.append(row)
                else:
                    options.append(((size, layout), tuple(rows), unfit))
        valid.append(options)
    # readings of the first i rows, each with the simplest cut that gives it and its rows that break

    def cost_of(first: int, block: Block) -> Cost:
        size, layout = block
        offset, gaps = first * WIDTH, 0
        for group in layout:
            end = offset + size * len(group)
            gaps += breaks[end - 1] - breaks[offset]
            offset = end
        return gaps, 1, int(layout != PLAIN)

    frontier: list[Partials] = [{} for _ in range(count + 1)]
    frontier[0][()] = ((0, 0, 0), (), 0)
    for first in range(count):
        if len(frontier[first]) > MAX_READINGS:
            frontier[first] = _simplest(frontier[first])
            out.complete = False
        for prefix, (cost, blocks, unfit) in frontier[first].items():
            for block, block_rows, block_unfit in valid[first]:
                if unfit + block_unfit > misprints:
                    continue
                reading = prefix + block_rows
                level = frontier[first + block[0]]
                known = level.get(reading)
                step = cost_of(first, block)
                total = (cost[0] + step[0], cost[1] + step[1], cost[2] + step[2])
                if known is None or total < known[0]:
                    level[reading] = (total, (*blocks, block), unfit + block_unfit)
                    if len(level) > 4 * MAX_READINGS:  # bounded while it fills, too
                        frontier[first + block[0]] = level = _simplest(level)
                        out.complete = False
    identities = application_identities(row_keys)
    scored = []
    for reading, (cost, blocks, _) in frontier[count].items():
        flat = {
            f"applications.{row}.{col}": value
            for row, row_values in zip(row_keys, reading, strict=True)
            for col, value in zip(APPLICANT_COLUMNS, row_values, strict=True)
        }
        broken = sum(1 for identity in identities if evaluate_identity(identity, flat).passed is False)
        if broken <= (MAX_BROKEN if misprints else 0):
            scored.append(((cost, broken), reading, blocks))
    out.extend((reading, blocks) for _, reading, blocks in sorted(scored, key=lambda s: s[0]))
    return out


def _simplest(level: Partials) -> Partials:
    """The ``MAX_READINGS`` partial readings of the simplest cuts (fewest breaks inside printed groups,
    then fewest blocks)."""
    kept = sorted(level.items(), key=lambda item: item[1][0])[:MAX_READINGS]
    return dict(kept)


def broken_identities(reading: Sequence[Row], row_keys: Sequence[str]) -> int:
    """How many identities of section 三 a reading breaks."""
    flat = {
        f"applications.{row}.{col}": value
        for row, row_values in zip(row_keys, reading, strict=True)
        for col, value in zip(APPLICANT_COLUMNS, row_values, strict=True)
    }
    return sum(1 for identity in _identities(tuple(row_keys)) if evaluate_identity(identity, flat).passed is False)


@functools.lru_cache(maxsize=8)
def _identities(row_keys: tuple[str, ...]) -> tuple[Identity, ...]:
    return tuple(application_identities(row_keys))


def _plainness(blocks: Sequence[Block]) -> tuple[int, int]:
    """Fewer blocks, then fewer blocks not printed column by column, is the simpler account of the text."""
    return len(blocks), sum(1 for _, layout in blocks if layout != PLAIN)


def _row_sets(anchors: Sequence[Anchor]) -> list[tuple[str, ...]]:
    """The template's row lists this table may print: （六） as one row or as three, as far as the
    labels found tell."""
    found = {a.key for a in anchors}
    single, three = form_rows(True), form_rows(False)
    if "other_handling" in found:
        return [single]
    if found & set(OTHER_SUBROWS):
        return [three]
    return [single, three]


def _page_numbers(tokens: Sequence[Token], doc: Document) -> list[int]:
    """Indexes of numbers that may be page numbers: alone on their line, and on the first or last line
    of a page with text or equal to the page's number (a converter may print it among the cells)."""
    edges: set[int] = set()
    for page in doc.pages:
        filled = [line for line in page.lines if line.text.strip()]
        if filled:
            edges.update({id(filled[0]), id(filled[-1])})
    lone = [i for i, t in enumerate(tokens) if t.line is not None and t.line.text.strip() == t.text]
    at_edge = [i for i in lone if id(tokens[i].line) in edges]
    numbered = [
        i for i in lone if i not in at_edge and (line := tokens[i].line) is not None and tokens[i].value == line.page
    ]
    return at_edge + numbered


def without_page_numbers(numbers: Sequence[Token], strays: Sequence[int], extra: int) -> Iterator[list[Token]]:
    """``numbers`` less ``extra`` of the possible page numbers ``strays`` (indexes from ``_page_numbers``),
    each choice in turn, at most ``MAX_DROP_TRIALS`` of them."""
    for dropped in itertools.islice(itertools.combinations(strays, extra), MAX_DROP_TRIALS):
        yield [t for i, t in enumerate(numbers) if i not in dropped]


def read_stream(doc: Document, norm: str, sections: Sections, anchors: Sequence[Anchor]) -> StreamResult | None:
    """Section 三's number stream placed into the template's rows, or None when its count fits no
    row list or no placement keeps every identity.

    Blocks printed column by column are tried first, the other layouts only when no placement of
    them keeps every identity (``LAYOUT_ROUNDS``)."""
    numbers = _stream_numbers(doc, norm, sections)
    if not numbers:
        return None
    strays = _page_numbers(numbers, doc)
    # the rounds of layouts, then (a report that misprints a cell) column by column with one row off
    for layouts, misprints in [*((layouts, 0) for layouts in LAYOUT_ROUNDS), (LAYOUT_ROUNDS[0], 1)]:
        readings: dict[tuple[Row, ...], StreamReading] = {}
        complete = True
        for row_keys in _row_sets(anchors):  # they differ by fourteen cells: at most one fits the count
            extra = len(numbers) - WIDTH * len(row_keys)
            if extra < 0 or extra > MAX_STRAY:
                continue
            for kept in without_page_numbers(numbers, strays, extra):
                apart = [_apart(norm, a, b) for a, b in itertools.pairwise(kept)]
                found = decompositions([t.value for t in kept], row_keys, layouts, misprints, apart)
                complete = complete and found.complete
                for rows, blocks in found:
                    gaps = _gaps_inside(blocks, apart)
                    if rows in readings and (readings[rows].gaps, _plainness(readings[rows].blocks)) <= (
                        gaps,
                        _plainness(blocks),
                    ):
                        continue
                    positions = [p for first, block in _block_starts(blocks) for p in _block_positions(first, *block)]
                    tokens = tuple(tuple(kept[p] for p in row) for row in positions)
                    readings[rows] = StreamReading(tuple(row_keys), rows, tokens, blocks, gaps)
        if readings:
            # the placement whose printed columns run on unbroken lines, as converters print them
            ordered = sorted(readings.values(), key=lambda r: (r.gaps, _plainness(r.blocks)))
            broken = broken_identities(ordered[0].values, ordered[0].rows)
            return StreamResult(tuple(ordered), broken, complete)
    return None


def _stream_numbers(doc: Document, norm: str, sections: Sections) -> list[Token]:
    """The numbers of section 三's span, each with its line."""
    span = sections.span("applications")
    if span is None:
        return []
    return _with_lines(doc, [t for t in tokenize(norm, *span) if t.kind == "num"])


def _with_lines(doc: Document, numbers: list[Token]) -> list[Token]:
    """``numbers``, each given the line it stands on."""
    lines = doc.lines
    starts = [line.start for line in lines]
    for token in numbers:
        index = bisect.bisect_right(starts, token.start) - 1
        token.line = lines[index] if 0 <= index < len(lines) and token.start <= lines[index].end else None
    return numbers


def _apart(norm: str, before: Token, after: Token) -> bool:
    """Whether a blank line or text stands between two numbers of the stream."""
    return bool(_BREAK.search(norm, before.end, after.start))


_BREAK = re.compile(r"\n[ \t]*\n|[\u4e00-\u9fff]")


def _gaps_inside(blocks: Sequence[Block], apart: Sequence[bool]) -> int:
    """Breaks (``_apart``) between neighbours of one printed group of a block: a converter prints a
    column of a block (or a group of columns, row by row) as one run of lines."""
    gaps, offset = 0, 0
    for size, layout in blocks:
        for group in layout:
            end = offset + size * len(group)
            gaps += sum(apart[offset : end - 1])
            offset = end
    return gaps


def _block_starts(blocks: Sequence[Block]) -> list[tuple[int, Block]]:
    out, first = [], 0
    for block in blocks:
        out.append((first, block))
        first += block[0]
    return out


def stream_cells(result: StreamResult) -> dict[str, dict[str, CellReading]]:
    """The first reading as cell readings, every one in review; cells on which the surviving
    readings differ list the others as alternatives."""
    from extractor.parse.tables import CellReading  # tables reads section 四 with this module's help

    best, others = result.readings[0], result.readings[1:]
    misprint = f"; the report breaks {result.broken} identities under every placement" if result.broken else ""
    cells: dict[str, dict[str, CellReading]] = {}
    for index, (row, values, tokens) in enumerate(zip(best.rows, best.values, best.tokens, strict=True)):
        row_cells: dict[str, CellReading] = {}
        for col_index, (col, value, token) in enumerate(zip(APPLICANT_COLUMNS, values, tokens, strict=True)):
            alternatives = _differing(value, (other.values[index][col_index] for other in others))
            cell = CellReading(value, CONF_STREAM, token.start, token.end, token, review=REASON + misprint)
            if not result.complete:
                cell.alternatives = list(alternatives)
                cell.review = REASON_UNCOUNTED + misprint
                cell.confidence = CONF_STREAM_AMBIGUOUS
            elif alternatives:
                cell.alternatives = list(alternatives)
                cell.review = REASON_AMBIGUOUS + misprint
                cell.confidence = CONF_STREAM_AMBIGUOUS
            row_cells[col] = cell
        cells[row] = row_cells
    return cells


def _differing(value: Value, candidates: Iterable[Value]) -> list[Value | str]:
    """The values other readings give a cell, each once, where they differ from ``value``."""
    out: list[Value | str] = []
    for candidate in candidates:
        if candidate != value and candidate not in out:
            out.append(candidate)
    return out


def _broken(cells: dict[str, dict[str, CellReading]], row_keys: Sequence[str], blank: int | None = None) -> int | None:
    """How many identities a reading of section 三 breaks; None when it misses a row, or has a null
    (unless ``blank`` says what a null counts as)."""
    flat: dict[str, Value] = {}
    for row in row_keys:
        for col in APPLICANT_COLUMNS:
            cell = cells.get(row, {}).get(col)
            value = None if cell is None else cell.value if cell.value is not None else blank
            if cell is None or not isinstance(value, int | float):
                return None
            flat[f"applications.{row}.{col}"] = value
    return sum(1 for identity in _identities(tuple(row_keys)) if evaluate_identity(identity, flat).passed is False)


def _labels_off_numbers(norm: str, anchors: Sequence[Anchor]) -> bool:
    """Whether most found row labels have no number after them on their own line."""
    on_line = 0
    for anchor in anchors:
        line_end = norm.find("\n", anchor.end)
        if re.search(r"\d", norm[anchor.end : line_end if line_end >= 0 else len(norm)]):
            on_line += 1
    return on_line * 2 <= len(anchors)


def place_by_stream(
    doc: Document,
    norm: str,
    sections: Sections,
    anchors: Sequence[Anchor],
    present: dict[str, dict[str, CellReading]],
) -> dict[str, dict[str, CellReading]] | None:
    """Section 三 placed from its number stream, when that explains the text better than the reading
    by labels: the labels mostly stand apart from the numbers, and some placement of the stream breaks
    fewer identities than the present reading (none, as a rule; a report that misprints a cell breaks
    some under every reading) or the present reading misses a cell. Else None."""
    if not _labels_off_numbers(norm, anchors):
        return None
    result = read_stream(doc, norm, sections, anchors)
    if result is not None:
        present_broken = _broken(present, result.rows)
        if present_broken is not None and present_broken <= result.broken:
            return None
        boxed = read_boxes(doc, norm, sections, anchors) if result.broken == 0 else None
        if boxed is None:
            return stream_cells(result)
        first = result.readings[0]
        if any(layout != PLAIN for _, layout in first.blocks) or boxed.readings[0].cost < _order_cost_of(first, boxed):
            return box_cells(boxed)  # pdfminer moved a column: the likeliest order of its boxes
        cells = stream_cells(result)
        _add_box_alternatives(cells, first.rows, boxed)
        return cells
    if not any(_broken(present, rows) == 0 for rows in _row_sets(anchors)):
        # the reading by labels misses a cell or breaks an identity: pdfminer's text boxes, columns
        # and bands of rows in its order, may explain the numbers
        boxed = read_boxes(doc, norm, sections, anchors)
        if boxed is not None:
            return box_cells(boxed)
    if any(_broken(present, rows, blank=0) == 0 for rows in _row_sets(anchors)):
        return None  # the reading by labels misses no cell and keeps every identity
    blank = read_blank_stream(doc, norm, sections, anchors)
    return None if blank is None else blank_stream_cells(*blank)


def _order_cost_of(reading: StreamReading, boxed: BoxResult) -> tuple[int, ...]:
    """The cost ``boxes`` gives the column-by-column reading (the largest cost when it is not one of
    the tilings): a column of natural persons that is not the largest is an unlikely reading."""
    match = next((r for r in boxed.readings if r.values == reading.values), None)
    return (2, 0) if match is None else match.cost


def _add_box_alternatives(cells: dict[str, dict[str, CellReading]], rows: Sequence[str], boxed: BoxResult) -> None:
    """The values other tilings of pdfminer's boxes give a cell (its applicant columns trade places
    without breaking an identity), as alternatives of the column-by-column reading."""
    for index, row in enumerate(rows):
        for col_index, col in enumerate(APPLICANT_COLUMNS):
            cell = cells[row][col]
            value = cell.value if not isinstance(cell.value, str) else None
            others = _differing(value, (reading.values[index][col_index] for reading in boxed.readings))
            fresh = [value for value in others if value not in cell.alternatives]
            if fresh:
                cell.alternatives = [*cell.alternatives, *fresh]
                cell.confidence = min(cell.confidence, CONF_STREAM_AMBIGUOUS)
                if cell.review == REASON:
                    cell.review = REASON_AMBIGUOUS


def read_blank_stream(
    doc: Document, norm: str, sections: Sections, anchors: Sequence[Anchor]
) -> tuple[BlankRowsResult, list[Token]] | None:
    """Section 三's number stream read as rows printed one by one that left out their blank cells
    (``blank_rows``), with the numbers it was read from; page numbers among them may be left out.
    None when no reading keeps every identity."""
    numbers = _stream_numbers(doc, norm, sections)
    strays = _page_numbers(numbers, doc)
    for row_keys in _row_sets(anchors):
        for extra in range(MAX_STRAY + 1):
            for kept in without_page_numbers(numbers, strays, extra):
                result = read_blank_rows([t.value for t in kept], row_keys)
                if result is not None:
                    return result, kept
    return None


def blank_stream_cells(result: BlankRowsResult, tokens: Sequence[Token]) -> dict[str, dict[str, CellReading]]:
    """The first reading as cell readings, every one in review; a blank cell is null with 0 as its
    alternative, and cells on which the surviving readings differ list the others."""
    from extractor.parse.tables import CellReading

    best, others = result.readings[0], result.readings[1:]
    other_values = [other.values(tokens) for other in others]
    cells: dict[str, dict[str, CellReading]] = {}
    for index, (row, indexes) in enumerate(zip(best.rows, best.cells, strict=True)):
        row_cells: dict[str, CellReading] = {}
        for col_index, (col, at) in enumerate(zip(APPLICANT_COLUMNS, indexes, strict=True)):
            token = None if at is None else tokens[at]
            value = None if token is None else token.value
            alternatives = _differing(value, (values[index][col_index] for values in other_values))
            if col_index in best.unplaced and None in indexes and value in (None, 0):
                # a row of zeros with a blank in one of several columns: 0 in each, the blank the other reading
                start, end = (None, None) if token is None else (token.start, token.end)
                cell = CellReading(0, CONF_STREAM, start, end, token, review=REASON_UNPLACED_BLANK)
                cell.alternatives = [None, *(a for a in alternatives if a not in (0, None))]
                competing = True
            elif token is None:  # a blank: 0 is always its other reading
                cell = CellReading(None, CONF_STREAM, review=REASON_BLANK_CELL)
                cell.alternatives = alternatives if 0 in alternatives else [0, *alternatives]
                competing = len(cell.alternatives) > 1
            else:
                cell = CellReading(value, CONF_STREAM, token.start, token.end, token, review=REASON_BLANK_ROWS)
                cell.alternatives = alternatives
                competing = bool(alternatives)
            if not result.complete:
                cell.review = REASON_UNCOUNTED
            if competing or not result.complete:
                cell.confidence = CONF_STREAM_AMBIGUOUS
            row_cells[col] = cell
        cells[row] = row_cells
    return cells


# --- section 四 ------------------------------------------------------------------

REVIEW_GROUP = 5  # section 四: three groups of five cells, the fifth the total of the four before it
MAX_RUNS = 4  # runs of consecutive cells a converter may have printed out of order


def reordered_runs(values: Sequence[Value]) -> list[list[int]]:
    """Orders of section 四's fifteen printed numbers under which every group keeps identity 4, when the
    converter printed the values row as runs of consecutive cells in another order (pdftotext:
    ``72 64 178 37 | 12 1 1 6 | 351 | 13 4 8 1 26 | 20``).

    Each order is a list of stream indexes, one per cell. The fewest runs that explain the stream
    win; among them, the orders that keep the runs closest to their printed order come first.
    Distinct readings only; empty when none of at most ``MAX_RUNS`` runs keeps every identity."""
    count = len(values)
    for runs_count in range(1, MAX_RUNS + 1):
        found: dict[tuple[Value, ...], tuple[int, list[int]]] = {}
        for cuts in itertools.combinations(range(1, count), runs_count - 1):
            bounds = (0, *cuts, count)
            runs = [list(range(bounds[i], bounds[i + 1])) for i in range(runs_count)]
            for order in itertools.permutations(range(runs_count)):
                indexes = [index for run in order for index in runs[run]]
                cells = tuple(values[i] for i in indexes)
                if all(row_fits(cells[g : g + REVIEW_GROUP]) for g in range(0, count, REVIEW_GROUP)):
                    inversions = sum(1 for a, b in itertools.combinations(order, 2) if a > b)
                    if cells not in found or inversions < found[cells][0]:
                        found[cells] = (inversions, indexes)
        if found:
            return [indexes for _, indexes in sorted(found.values(), key=lambda f: f[0])]
    return []
