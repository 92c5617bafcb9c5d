"""Choosing a reading of a table row when the text did not keep its cells apart.

A row's printed tokens can be fewer than its columns (cells run together, a
column lost by the text extraction), or more (a stray token). Each row gets a
few candidate readings with a cost (how much they bend the text); the tally
identities then choose among them. A row printed with exactly its number of
cells has one reading, the literal one: printed numbers are never "fixed".
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

from extractor.parse.layout import Token

Value = int | float | None

COST_SPLIT = 1  # a run of digits split in two
COST_DROP = 2  # a stray token left out
COST_DROP_BLANK = 1  # an empty cell left out of a row with a number for every column
COST_INSERT = 3  # a cell the text lost, restored from the identities
COST_BLANK = 2  # a blank cell placed at a gap of run-together text
MAX_CANDIDATES = 40000  # split readings of one token; a 21-digit row of seven has C(20,6) = 38760


@dataclass(frozen=True, slots=True)
class Piece:
    """One cell of a reading: its value and the token (or part of one) it came from."""

    value: Value
    token: Token | None  # None: restored (inserted) cell
    part: tuple[int, int] | None = None  # character range inside a split token


@dataclass(slots=True)
class Reading:
    pieces: tuple[Piece, ...]
    cost: int
    inserted: frozenset[int] = frozenset()
    notes: list[str] = field(default_factory=list)

    @property
    def values(self) -> tuple[Value, ...]:
        return tuple(p.value for p in self.pieces)


def _splits(digits: str, parts: int) -> list[list[tuple[int, int]]]:
    """Ways to cut ``digits`` into ``parts`` numbers without leading zeros."""
    if parts == 1:
        return [[(0, len(digits))]] if _valid(digits) else []
    out = []
    for cuts in itertools.combinations(range(1, len(digits)), parts - 1):
        bounds = (0, *cuts, len(digits))
        ranges = [(bounds[i], bounds[i + 1]) for i in range(parts)]
        if all(_valid(digits[a:b]) for a, b in ranges):
            out.append(ranges)
            if len(out) > MAX_CANDIDATES:
                break
    return out


def _valid(piece: str) -> bool:
    return bool(piece) and (piece == "0" or not piece.startswith("0"))


def _token_options(token: Token, max_parts: int) -> list[list[Piece]]:
    """Each way of reading one token as one or more cells."""
    if token.kind == "blank":
        return [[Piece(None, token)]]
    options = [[Piece(token.value, token)]]
    digits, dot, fraction = token.text.partition(".")
    if token.value is None or not digits.isdigit() or len(digits) < 2 or (dot and not fraction.isdigit()):
        return options
    if not _valid(digits):  # "000015": a leading zero means cells ran together
        options = []
    for parts in range(2, min(len(digits), max_parts) + 1):
        for ranges in _splits(digits, parts):
            pieces = [Piece(int(digits[a:b]), token, (a, b)) for a, b in ranges]
            if dot:  # "152479595716.56": the decimals belong to the last cell
                a, b = ranges[-1]
                pieces[-1] = Piece(float(f"{digits[a:b]}.{fraction}"), token, (a, len(token.text)))
            if token.value < 0:  # "155-18303": the minus sign belongs to the first cell of the run
                first = pieces[0]
                pieces[0] = Piece(-first.value if first.value is not None else None, token, first.part)
            options.append(pieces)
    return options


def candidates(
    tokens: Sequence[Token],
    width: int,
    fits: Callable[[tuple[Value, ...]], bool],
    allow_insert: bool = True,
    allow_blanks: bool = False,
    allow_split: bool = True,
) -> list[Reading]:
    """Readings of ``tokens`` as ``width`` cells.

    ``fits`` says whether a full reading satisfies the row's own identity; it
    is used to restore one lost cell (the value that makes the row fit) and to
    prune split readings.
    """
    tokens = list(tokens)
    if len(tokens) == width and all(t.kind == "blank" or _valid(t.text.replace(",", "").split(".")[0]) for t in tokens):
        return [Reading(tuple(_piece(t) for t in tokens), 0)]

    readings: dict[tuple[Value, ...], Reading] = {}

    def add(reading: Reading) -> None:
        known = readings.get(reading.values)
        if known is None or reading.cost < known.cost:
            readings[reading.values] = reading
        elif reading.cost == known.cost:
            known.inserted = known.inserted | reading.inserted

    # readings that drop stray tokens (at most two)
    if len(tokens) > width:
        extra = len(tokens) - width
        if extra <= 2:
            for dropped in itertools.combinations(range(len(tokens)), extra):
                kept = [t for i, t in enumerate(tokens) if i not in dropped]
                notes = [f"left out stray token {tokens[i].text!r}" for i in dropped]
                # a converter that spreads a row over more cells than the table has leaves empty cells
                # between the numbers: leaving those out is the likelier reading than losing a number
                cost = sum(COST_DROP_BLANK if tokens[i].kind == "blank" else COST_DROP for i in dropped)
                add(Reading(tuple(_piece(t) for t in kept), cost, notes=notes))
        return _filtered(list(readings.values()), fits)

    # one lost cell, restored from the identities (only when nothing ran together)
    if len(tokens) == width - 1 and allow_insert and all(_valid(t.text.split(".")[0]) for t in tokens):
        pieces = [_piece(t) for t in tokens]
        for position in range(width):
            restored = _restore(pieces, position, fits)
            if restored is not None:
                add(Reading(restored, COST_INSERT, frozenset({position})))
    # digit runs split into cells so that the row has exactly ``width`` of them
    count = 0
    for pieces in _split_readings(tokens, width) if allow_split else ():
        count += 1
        if count > MAX_CANDIDATES:
            break
        reading = Reading(tuple(pieces), COST_SPLIT * (len(pieces) - len(tokens)))
        if reading.cost == 0 or fits(reading.values):
            add(reading)
    if allow_blanks and len(tokens) > 1 and not any(fits(r.values) for r in readings.values()):
        for pieces in _gap_readings(tokens, width):
            blanks = sum(1 for p in pieces if p.token is not None and p.token.kind == "blank")
            cost = COST_BLANK * blanks + COST_SPLIT * (len(pieces) - blanks - len(tokens))
            values = tuple(p.value for p in pieces)
            if fits(tuple(0 if v is None else v for v in values)):  # a blank here is a zero as far as sums go
                add(Reading(tuple(pieces), cost, notes=["a blank cell was placed where the run of digits had a gap"]))
    digits = sum(len(t.text) for t in tokens if t.kind == "num")
    if allow_blanks and 0 < digits < width and not any(fits(r.values) for r in readings.values()):
        for reading in _vanished_blank_readings(tokens, width, fits):
            add(reading)
    return _filtered(list(readings.values()), fits)


def _vanished_blank_readings(
    tokens: list[Token], width: int, fits: Callable[[tuple[Value, ...]], bool]
) -> Iterator[Reading]:
    """Readings of a row with fewer digits than cells: blank cells that left no trace at all (a page
    dumped without separators, ``2626`` for 自然人 26, four blanks, 总计 26). Where the blanks were is
    a guess: each placement that fits is a reading, the earliest columns filled first, all flagged."""
    for blanks in range(1, width):
        for positions in itertools.combinations(range(width - 1), blanks):  # the total is printed
            for pieces in _split_readings(tokens, width - blanks):
                filled = iter(pieces)
                gap = Token("blank", "", tokens[0].start, tokens[0].start)
                row = [Piece(None, gap) if i in positions else next(filled) for i in range(width)]
                values = tuple(p.value for p in row)
                if fits(tuple(0 if v is None else v for v in values)):
                    late = sum(width - 1 - i for i in positions)  # prefer blanks in the later columns
                    yield Reading(
                        tuple(row), COST_BLANK * blanks * width + late, notes=["blank cells left no trace in the text"]
                    )


def _gap_readings(tokens: list[Token], width: int) -> Iterator[list[Piece]]:
    """Readings with blank cells where run-together text has a gap between digit runs.

    A web page dumped without separators prints a blank cell as a space (``10 0001``): the
    gap is the only trace of the cell.
    """
    count = 0

    def walk(index: int, room: int) -> Iterator[list[Piece]]:
        nonlocal count
        if index == len(tokens):
            if room == 0:
                yield []
            return
        token = tokens[index]
        rest = len(tokens) - index - 1
        for option in _token_options(token, room - rest):
            if len(option) > room - rest:
                continue
            gaps = range(0, room - len(option) - rest + 1) if rest else range(0, 1)
            for blanks in gaps:
                if not rest and room - len(option) != 0:
                    continue
                gap = [Piece(None, Token("blank", "", token.end, token.end)) for _ in range(blanks)]
                for tail in walk(index + 1, room - len(option) - blanks):
                    count += 1
                    if count > MAX_CANDIDATES:
                        return
                    yield [*option, *gap, *tail]

    yield from walk(0, width)


def group_splits(tokens: Sequence[Token], width: int, group: int) -> list[Reading]:
    """Every cut of whole-number digit runs into ``width`` cells in which each consecutive
    ``group`` of cells adds up (the first ``group - 1`` to the last): section 四's fifteen
    cells are three groups of five. Depth first, checking each group as soon as it is complete,
    so a run of twenty-odd digits costs thousands of steps, not millions."""
    texts = [t.text for t in tokens]
    if not texts or not all(text.isdigit() for text in texts) or width % group:
        return []
    remaining = [sum(len(t) for t in texts[i:]) for i in range(len(texts) + 1)]
    found: list[Reading] = []
    steps = 0

    def walk(index: int, offset: int, pieces: list[Piece]) -> None:
        nonlocal steps
        steps += 1
        if steps > MAX_CANDIDATES * 10 or len(found) > 64:
            return
        if len(pieces) % group == 0 and pieces:
            values = [p.value for p in pieces[-group:]]
            if sum(values[:-1]) != values[-1]:  # type: ignore[arg-type]
                return
        if index == len(texts):
            if len(pieces) == width:
                found.append(Reading(tuple(pieces), COST_SPLIT * (width - len(texts))))
            return
        left_chars = remaining[index] - offset
        left_cells = width - len(pieces)
        if left_cells <= 0 or left_chars < left_cells or left_cells < len(texts) - index:
            return
        text = texts[index]
        for end in range(offset + 1, len(text) + 1):
            piece = text[offset:end]
            if not _valid(piece):
                break
            part = None if (offset, end) == (0, len(text)) else (offset, end)
            nxt = (index + 1, 0) if end == len(text) else (index, end)
            walk(*nxt, [*pieces, Piece(int(piece), tokens[index], part)])

    walk(0, 0, [])
    return sorted(found, key=lambda r: r.cost)


def _split_readings(tokens: list[Token], width: int) -> Iterator[list[Piece]]:
    """Every way to cut the tokens into exactly ``width`` cells, depth first.

    Each token takes as many cells as the tokens after it leave room for, so
    only complete readings are built.
    """
    if not tokens:
        if width == 0:
            yield []
        return
    first, rest = tokens[0], tokens[1:]
    most = width - len(rest)
    for option in _token_options(first, most):
        if len(option) > most or (not rest and len(option) != width):
            continue
        for tail in _split_readings(rest, width - len(option)):
            yield [*option, *tail]


def _restore(pieces: list[Piece], position: int, fits: Callable[[tuple[Value, ...]], bool]) -> tuple[Piece, ...] | None:
    """Insert a cell at ``position`` whose value makes the row fit, if exactly one does."""
    base = [*pieces[:position], Piece(None, None), *pieces[position:]]
    known = [p.value for p in base]
    if any(v is None for i, v in enumerate(known) if i != position):
        return None
    # rows here are "parts = total" (last cell) or groups of such rows: try the
    # value that balances the row containing the position
    for value in _balancing_values(known, position):
        trial = tuple(value if i == position else v for i, v in enumerate(known))
        if value >= 0 and fits(trial):
            return tuple(Piece(value, None) if i == position else p for i, p in enumerate(base))
    return None


def _balancing_values(values: list[Value], position: int) -> list[int]:
    width = len(values)
    group = width if width <= 7 else 5  # an applications row, or section 四's groups of five
    lo = (position // group) * group
    row = values[lo : lo + group]
    idx = position - lo
    nums = [v for i, v in enumerate(row) if i != idx]
    ints = [v for v in nums if isinstance(v, int)]
    if len(ints) != len(nums):
        return []
    if idx == len(row) - 1:
        return [sum(ints)]  # the lost cell is the total
    return [ints[-1] - sum(ints[:-1])]


def _filtered(readings: list[Reading], fits: Callable[[tuple[Value, ...]], bool]) -> list[Reading]:
    fitting = [r for r in readings if fits(r.values)]
    pool = fitting or readings
    return sorted(pool, key=lambda r: r.cost)


def _piece(token: Token) -> Piece:
    return Piece(None if token.kind == "blank" else token.value, token)


def row_fits(values: tuple[Value, ...]) -> bool:
    """Identity 3: the six applicant columns add up to the total (a row with a blank fits)."""
    if any(v is None for v in values):
        return True
    *parts, total = values
    return abs(sum(parts) - total) < 1e-6  # type: ignore[arg-type, operator]


def groups_fit(values: tuple[Value, ...], size: int = 5) -> bool:
    """Identity 4 for consecutive groups of ``size`` cells (section 四)."""
    return all(row_fits(values[i : i + size]) for i in range(0, len(values), size))
