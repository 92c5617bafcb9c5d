"""Section 三 from a number stream printed row by row that left out its blank cells.

``pdftotext`` (default mode) prints a ruled table's rows one after another, each cell a
paragraph of its own, and the row labels elsewhere. A blank cell prints nothing, so a row of
seven cells may come out as six numbers, or none: the stream is shorter than the table and
its cut into rows is not known. ``streams`` needs every cell; this module reads the rest.

Each row takes the next ``k`` numbers of the stream, its ``7 - k`` lost cells blank: applicant
columns, among the one or two columns the table leaves blank (tried one column first). A blank counts as zero in the
identities: each row's six columns add up to its total (3), and down every column new +
carried over = total processed + carried forward (1) and the outcome rows add up to the total
processed (2). A dynamic program over (row, numbers used, the running column sums those two
identities need) keeps every cut under which all of them hold; the readings that survive are
reported, cells on which they differ with the others as alternatives.

Where several places of a blank give the same numbers (a row of zeros that lost one), the blank
goes to the column other rows leave blank where their numbers pin it, else the first such
column: a null there and 0 in the cell beside it read the same in every identity, so the cell
carries the other as its alternative.

Every cell placed this way is bound to its row by the order of the text and the identities,
never by the layout: every cell goes to review.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from extractor.parse.layout import Token
from extractor.parse.solve import Value, row_fits
from extractor.template import APPLICANT_COLUMNS, OUTCOME_ROWS

WIDTH = len(APPLICANT_COLUMNS)
PARTS = WIDTH - 1  # the applicant columns; the last is the total
MAX_STATES = 5_000  # partial readings kept at one row boundary; past that, no reading
MAX_READINGS = 64  # complete readings listed; past that, the result says it is not complete

Numbers = tuple[float, ...]  # a row's values, a blank as 0
# per column: new + carried over (after the total row: less the total), then the outcome rows' sum
Acc = tuple[float, ...]


@dataclass(frozen=True, slots=True)
class BlankRowsReading:
    """One reading: per row, the stream index of each cell's number (None: the cell is blank)."""

    rows: tuple[str, ...]
    cells: tuple[tuple[int | None, ...], ...]
    # columns whose blank gives these same numbers too (rows of zeros): nothing says which of them
    # holds a row's blank, so each is 0 with a blank as its other reading
    unplaced: frozenset[int] = frozenset()

    def values(self, tokens: Sequence[Token]) -> tuple[tuple[Value, ...], ...]:
        return tuple(tuple(None if i is None else tokens[i].value for i in row) for row in self.cells)


@dataclass(frozen=True, slots=True)
class BlankRowsResult:
    readings: tuple[BlankRowsReading, ...]
    complete: bool = True  # False: more readings than MAX_READINGS keep every identity


def _placements(count: int, blank: frozenset[int]) -> list[tuple[int | None, ...]]:
    """The ways a row of seven cells prints ``count`` numbers with its lost cells among the columns
    ``blank``: for each cell, the offset of its number in the row's run, or None for a blank. The
    total is always printed."""
    if count == WIDTH:
        return [tuple(range(WIDTH))]
    if count == 0:
        return []
    out = []
    for printed in itertools.combinations(range(PARTS), count - 1):  # the total is printed
        if not set(range(PARTS)) - set(printed) <= blank:
            continue
        cells: list[int | None] = [None] * WIDTH
        for offset, col in enumerate(printed):
            cells[col] = offset
        cells[-1] = count - 1
        out.append(tuple(cells))
    return out


def _numbers(values: Sequence[float], start: int, cells: tuple[int | None, ...]) -> Numbers:
    return tuple(0.0 if offset is None else values[start + offset] for offset in cells)


def _blank_sets() -> list[list[frozenset[int]]]:
    """Rounds of the columns a table may leave blank, fewest first: one applicant column, then two.
    (Blanks anywhere, every zero of a table printed blank, leave so many cuts that the search costs
    seconds and the columns stay unpinned: such a stream is left to the reading by labels.)"""
    return [[frozenset(cols) for cols in itertools.combinations(range(PARTS), size)] for size in (1, 2)]


BLANK_ROUNDS = _blank_sets()

State = tuple[int, Acc]  # numbers used, column sums
Step = tuple[int, Numbers]  # numbers a row took, its values
Levels = list[dict[State, list[tuple[State, Step]]]]


def read_blank_rows(values: Sequence[Value], row_keys: Sequence[str]) -> BlankRowsResult | None:
    """Every reading of ``values`` as ``row_keys`` printed row by row with blank cells left out, under
    which every identity of section 三 holds (blanks as zero), from the first round of
    ``BLANK_ROUNDS`` that has one; None when none has, when the partial readings pass
    ``MAX_STATES``, or when fewer than half the cells printed a number."""
    known = {"new_received", "carried_over", "total_processed", "carried_forward", *OUTCOME_ROWS}
    size = WIDTH * len(row_keys)
    if any(v is None for v in values) or not set(row_keys) <= known or not size / 2 <= len(values) < size:
        return None  # a table mostly blank is more likely a table not printed at all
    numbers = [float(v) for v in values if v is not None]
    for blank_sets in BLANK_ROUNDS:
        found: dict[tuple[Step, ...], list[frozenset[int]]] = {}
        complete = True
        for blank in blank_sets:
            levels = _levels(numbers, row_keys, blank)
            if levels is None:
                continue
            finals = [state for state in levels[-1] if state[0] == len(numbers)]
            readings: list[tuple[Step, ...]] = []
            complete = _collect(levels, finals, len(row_keys), (), readings) and complete
            for reading in readings:
                found.setdefault(reading, []).append(blank)
        if found:
            listed = list(found.items())[:MAX_READINGS]
            complete = complete and len(found) <= MAX_READINGS
            return BlankRowsResult(
                tuple(
                    BlankRowsReading(
                        tuple(row_keys),
                        _cells_of(reading, numbers, blanks[0]),
                        frozenset().union(*blanks) if len(blanks) > 1 else frozenset(),
                    )
                    for reading, blanks in listed
                ),
                complete,
            )
    return None


def _levels(numbers: Sequence[float], row_keys: Sequence[str], blank: frozenset[int]) -> Levels | None:
    """The dynamic program's states at every row boundary, each with the ways to reach it."""
    placements = [_placements(count, blank) for count in range(WIDTH + 1)]
    end = len(numbers)
    start: State = (0, (0.0,) * (2 * WIDTH))
    levels: Levels = [{start: []}]
    for index, key in enumerate(row_keys):
        rows_left = len(row_keys) - index - 1
        level: dict[State, list[tuple[State, Step]]] = {}
        for state in levels[-1]:
            used, acc = state
            for count in range(min(WIDTH, end - used) + 1):
                if end - used - count > WIDTH * rows_left:
                    continue  # the rows left could not hold the numbers left
                seen: set[Numbers] = set()
                for cells in placements[count]:
                    row = _numbers(numbers, used, cells)
                    if row in seen or not row_fits(row):
                        continue
                    seen.add(row)
                    after = _step(acc, key, row)
                    if after is not None:
                        level.setdefault((used + count, after), []).append((state, (count, row)))
        if not level or len(level) > MAX_STATES:
            return None
        levels.append(level)
    return levels


def _step(acc: Acc, key: str, row: Numbers) -> Acc | None:
    """The column sums after ``row``; None where an identity fails at this row."""
    carried, outcomes = acc[:WIDTH], acc[WIDTH:]
    if key in ("new_received", "carried_over"):
        return tuple(a + b for a, b in zip(carried, row, strict=True)) + outcomes
    if key in OUTCOME_ROWS:
        return carried + tuple(a + b for a, b in zip(outcomes, row, strict=True))
    if key == "total_processed":  # identity 2, then what identity 1 leaves for the carried forward row
        if any(abs(a - b) > 1e-6 for a, b in zip(outcomes, row, strict=True)):
            return None
        return tuple(a - b for a, b in zip(carried, row, strict=True)) + outcomes
    # carried_forward: identity 1
    if any(abs(a - b) > 1e-6 for a, b in zip(carried, row, strict=True)):
        return None
    return acc


def _collect(
    levels: Levels, states: Sequence[State], index: int, suffix: tuple[Step, ...], out: list[tuple[Step, ...]]
) -> bool:
    """Walk back from ``states`` at row boundary ``index``, appending every distinct reading to ``out``
    (rows that lost cells tried first); False once more than ``MAX_READINGS`` exist."""
    if index == 0:
        if len(out) >= MAX_READINGS:
            return False
        out.append(suffix)
        return True
    by_step: dict[Step, list[State]] = {}
    for state in states:
        for before, step in levels[index][state]:
            by_step.setdefault(step, []).append(before)
    for step in sorted(by_step, key=lambda s: s[0]):
        if not _collect(levels, list(dict.fromkeys(by_step[step])), index - 1, (step, *suffix), out):
            return False
    return True


def _cells_of(
    reading: tuple[Step, ...], numbers: Sequence[float], blank: frozenset[int]
) -> tuple[tuple[int | None, ...], ...]:
    """Stream indexes of each row's cells. Where several places of a row's blanks give the same
    numbers, they go to the columns that rows with one possible place leave blank most."""
    options: list[list[tuple[int | None, ...]]] = []
    used = 0
    for count, row in reading:
        fitting = [
            tuple(None if c is None else used + c for c in cells)
            for cells in _placements(count, blank)
            if _numbers(numbers, used, cells) == row
        ]
        options.append(fitting)
        used += count
    pinned = Counter(col for fitting in options if len(fitting) == 1 for col, c in enumerate(fitting[0]) if c is None)
    return tuple(
        max(fitting, key=lambda cells: sum(pinned[col] for col, c in enumerate(cells) if c is None))
        for fitting in options
    )
