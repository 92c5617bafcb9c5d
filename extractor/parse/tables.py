"""Reading the three statistics tables into cell readings, choosing between
ambiguous readings with the tally identities."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal

from extractor.checks import application_identities, evaluate_identity
from extractor.document import Line
from extractor.parse.anchors import (
    FEES_UNIT,
    PROCUREMENT_UNIT,
    TEMPLATE_2019_HEADERS,
    TEMPLATE_2021_HEADERS,
    Anchor,
)
from extractor.parse.boxes import active_from_boxes
from extractor.parse.joint import surviving
from extractor.parse.layout import Sections, Token, find_sections, line_tokens, tokenize
from extractor.parse.normalize import scale
from extractor.parse.rows import RowReader, RowTokens, _number_run
from extractor.parse.solve import Reading, candidates, group_splits, groups_fit, row_fits
from extractor.parse.streams import _differing, _page_numbers, reordered_runs, without_page_numbers
from extractor.template import (
    ACTIVE_DISCLOSURE,
    APPLICANT_COLUMNS,
    OUTCOME_ROWS,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    TemplateName,
    form_rows,
)

Value = int | float | str | None

CONF_LITERAL = 0.99
CONF_STRUCTURED = 0.995
CONF_SPLIT = 0.9
CONF_RESTORED = 0.6
CONF_AMBIGUOUS = 0.5
CONF_MISSING = 0.3
OCR_REVIEW_BELOW = 0.8  # section 二 values read by OCR below this confidence go to review


@dataclass(slots=True)
class CellReading:
    value: Value
    confidence: float
    start: int | None = None
    end: int | None = None
    token: Token | None = None
    alternatives: list[Value] = field(default_factory=list)
    review: str | None = None
    restored: bool = False


def _cells_from(reading: Reading, structured: bool, keys: list[str]) -> dict[str, CellReading]:
    out: dict[str, CellReading] = {}
    # a run of digits cut into one digit per cell is read as printed; a cut that puts several
    # digits into one cell is a choice (the identities made it), so a person confirms it
    chosen_cuts = {
        id(p.token) for p in reading.pieces if p.token is not None and p.part is not None and p.part[1] - p.part[0] > 1
    }
    for index, (key, piece) in enumerate(zip(keys, reading.pieces, strict=True)):
        if piece.token is None:
            out[key] = CellReading(
                piece.value,
                CONF_RESTORED,
                restored=True,
                review="restored from the tally identities: the text lost this cell",
            )
            continue
        token = piece.token
        start, end = token.start, token.end
        if piece.part is not None:
            start, end = token.start + piece.part[0], token.start + piece.part[1]
        confidence = CONF_STRUCTURED if structured else CONF_LITERAL
        if piece.part is not None:
            confidence = CONF_SPLIT
        confidence = min(confidence, token.confidence)
        cell = CellReading(piece.value, confidence, start, end, token)
        if token.misread:
            cell.review = f"OCR read {token.text!r} as a look-alike character in a number cell"
        elif id(token) in chosen_cuts:
            cell.review = f"cells ran together ({token.text}): this cut of the digits is chosen, not printed"
        if index in reading.inserted:
            cell.review = "the text lost a cell of this row; this value's column is not certain"
            cell.confidence = min(cell.confidence, CONF_RESTORED)
        out[key] = cell
    for note in reading.notes:
        _doubt_row(out, f"row read with a correction: {note}", 0.8)
    return out


# a number inside its row label's cell (``| 行政规范性文件21 | 11 | 10 |``): a cell wall the loader
# did not see, or a converter that moved a cell into the label's; nothing binds it to its column
UNWALLED = "a number stands in its row label's cell, with no cell wall to bind it to its column: placed by order"


def _doubt_row(cells: dict[str, CellReading], reason: str, confidence: float) -> None:
    """Every cell of a row in review with ``reason`` (unless it has one already), at most ``confidence``."""
    for cell in cells.values():
        cell.review = cell.review or reason
        cell.confidence = min(cell.confidence, confidence)


# --- section 三 -------------------------------------------------------------


def read_applications(reader: RowReader, anchors: list[Anchor]) -> dict[str, dict[str, CellReading]]:
    """Every anchored row of section 三 as seven cell readings."""
    width = len(APPLICANT_COLUMNS)
    reader.pair_by_order(anchors, width, reader.next_boundary(max((a.end for a in anchors), default=0)))
    row_tokens = {a.key: _short_pipe_row(reader, reader.read(a, width), width) for a in anchors}
    _blanks_by_position(reader, list(row_tokens.values()), width)
    rows = form_rows("other_handling" in row_tokens)
    in_order = reader.in_row_order(list(row_tokens.values()), dict.fromkeys(rows, width))
    options: dict[str, list[Reading]] = {}
    for key, row in row_tokens.items():
        if not row.tokens or all(t.kind == "blank" for t in row.tokens):
            continue
        found = candidates(row.tokens, width, row_fits, allow_blanks=not row.structured)
        if found:
            options[key] = found
    outcome_rows = [r for r in rows if r in OUTCOME_ROWS]
    complete = all(key in options for key in outcome_rows)  # else identity 2 has a null: it says nothing
    chosen, alternatives = _solve(options, complete)
    cells: dict[str, dict[str, CellReading]] = {}
    for key, reading in chosen.items():
        row_cells = _cells_from(reading, row_tokens[key].structured, list(APPLICANT_COLUMNS))
        for col, values in alternatives.get(key, {}).items():
            row_cells[col].alternatives = values
            row_cells[col].review = row_cells[col].review or "more than one reading of this row fits every check"
            row_cells[col].confidence = min(row_cells[col].confidence, CONF_AMBIGUOUS)
        if not row_tokens[key].structured and not in_order:
            _bound_by_order(reader, row_tokens[key].anchor, row_cells)
        if key in reader.moved:
            _doubt_row(row_cells, "the row's numbers stand on the table line above its label: bound by order", 0.8)
        if key in reader.unwalled:
            _doubt_row(row_cells, UNWALLED, 0.8)
        if row_tokens[key].structured and _stacked_cells(reader.doc.text, row_tokens[key].tokens):
            stacked = "a table cell holds numbers on two lines: rows of the table run together"
            _doubt_row(row_cells, stacked, CONF_AMBIGUOUS)  # which number is whose is a guess
        cells[key] = row_cells
    # rows without cell walls (or whose "cells" hold several numbers: a converter merged them), where
    # no other reading of the row fits
    spaced = {
        key: row
        for key, row in cells.items()
        if (not row_tokens[key].structured or _merged_cells(row_tokens[key].tokens)) and not alternatives.get(key)
    }
    _lost_cells_as_blank(spaced)
    for key, row in row_tokens.items():
        if key not in cells and len(row.tokens) == width and all(t.kind == "blank" for t in row.tokens):
            # a row printed with every cell blank: null as printed (0 where the document says so)
            cells[key] = {
                col: CellReading(None, CONF_STRUCTURED, t.start, t.end, t)
                for col, t in zip(APPLICANT_COLUMNS, row.tokens, strict=True)
            }
        elif key not in cells and row.tokens and any(t.kind == "num" for t in row.tokens):
            cells[key] = {
                col: CellReading(None, CONF_MISSING, review="row printed, but its numbers could not be read")
                for col in APPLICANT_COLUMNS
            }
    return cells


def _short_pipe_row(reader: RowReader, row: RowTokens, width: int) -> RowTokens:
    """A row with fewer cells than the table has columns: text split at pipes whose converter merged
    the blank cells, or a table cell holding several of the row's numbers (a PDF-to-Word converter
    that drew one cell round the whole table). The cells say nothing of the columns, so the numbers
    are read as a run without walls, blanks placed by the identities and flagged."""
    if not row.structured or len(row.tokens) >= width:
        return row
    numbers = [t for t in row.tokens if t.kind == "num"]
    shared = len({t.cell_index for t in numbers}) < len(numbers)
    if reader.doc.kind != "text" and not shared:
        return row
    return RowTokens(row.key, row.anchor, numbers, False)


ALIGN_SLACK = 1.5  # characters: a number's middle this close to its column's
ALIGN_GAP = 3.0  # characters between columns' middles, at least, for a position to tell them apart


def _blanks_by_position(reader: RowReader, rows: list[RowTokens], width: int) -> None:
    """Blank cells a text converter dropped, placed where the text leaves their columns empty.

    ``pdftotext -layout`` puts each number at its place on the page: the rows that print every cell
    show where each column stands, and a row with fewer numbers shows which columns it leaves empty.
    Each of its numbers must stand in one column, in order; the empty ones are blank cells, printed
    blank. Only where the text is laid out by position: two or more full rows of a page agree on
    every column, and rows whose labels end at different places put their numbers in those columns
    (text that only separates cells by spaces moves them with the label's length)."""
    pages: dict[int, list[tuple[RowTokens, Line, list[float], int]]] = {}
    for row in rows:
        line = _one_line(row.tokens)
        if line is None or row.structured or not 0 < len(row.tokens) <= width:
            continue
        middles = [(t.start + t.end) / 2 - line.start for t in row.tokens]
        lead = row.anchor.end - line.start if line.start <= row.anchor.start < line.end else -1
        pages.setdefault(line.page, []).append((row, line, middles, lead))
    for found in pages.values():
        full = [m for _, _, m, _ in found if len(m) == width]
        if len(full) < 2:
            continue
        columns = [sorted(m[i] for m in full)[len(full) // 2] for i in range(width)]
        if any(abs(m[i] - columns[i]) > ALIGN_SLACK for m in full for i in range(width)):
            continue
        if any(b - a < ALIGN_GAP for a, b in itertools.pairwise(columns)):
            continue
        placed = {id(row): _columns_of(middles, columns) for row, _, middles, _ in found}
        leads = {lead for row, _, _, lead in found if placed[id(row)] is not None}
        if len(leads) < 2:
            continue
        for row, line, _, _ in found:
            where = placed[id(row)]
            if where is None or len(where) == width:
                continue
            if any(_printed_near(reader.norm, line, c) for i, c in enumerate(columns) if i not in where):
                continue  # something stands where the blank would be: not this reading
            given = iter(row.tokens)
            row.tokens = [
                next(given)
                if i in where
                else Token("blank", "", line.start + round(c), line.start + round(c), line=line)
                for i, c in enumerate(columns)
            ]


def _printed_near(norm: str, line: Line, column: float) -> bool:
    """Whether anything but spaces stands within reach of ``column`` on ``line``."""
    begin = max(line.start, line.start + int(column - ALIGN_SLACK - 1))
    end = min(line.end, line.start + int(column + ALIGN_SLACK + 2))
    return bool(norm[begin:end].strip())


def _columns_of(middles: list[float], columns: list[float]) -> list[int] | None:
    """The column each number stands in, in order, each close to one column only; else None."""
    placed: list[int] = []
    for where in middles:
        near = [i for i, c in enumerate(columns) if abs(where - c) <= ALIGN_SLACK]
        if len(near) != 1 or (placed and near[0] <= placed[-1]):
            return None
        placed.append(near[0])
    return placed


def _one_line(tokens: list[Token]) -> Line | None:
    """The line all of ``tokens`` stand on, if they are all numbers on one line of text."""
    lines = {id(t.line) for t in tokens}
    if not tokens or len(lines) != 1 or any(t.kind != "num" for t in tokens):
        return None
    return tokens[0].line


def _stacked_cells(text: str, tokens: list[Token]) -> bool:
    """Two numbers of one cell on two lines of it (``| 0<br>0 |`` in the document's own text): a
    converter ran two table rows into one (pymupdf4llm across a wrapped label), unlike markitdown's
    ``| 74 0 |``, two columns of one row."""
    numbers = [t for t in tokens if t.kind == "num" and t.cell_index is not None]
    return any(
        a.cell_index == b.cell_index and "<br" in text[a.end : b.start].lower() for a, b in itertools.pairwise(numbers)
    )


def _merged_cells(tokens: list[Token]) -> bool:
    """Two numbers in one cell: the walls are a converter's guess (markitdown's ``| 74 0 | 0 2 |``)."""
    cells = [t.cell_index for t in tokens if t.kind == "num" and t.cell_index is not None]
    return len(cells) != len(set(cells))


def _lost_cells_as_blank(cells: dict[str, dict[str, CellReading]]) -> None:
    """A cell lost from a row of space-separated numbers, where other rows print every cell, was
    most likely blank.

    Text converters (pypdf, pdftotext, pdfplumber) drop blank cells and keep printed zeros. Text
    with cell walls (tabs, pipes) would show a blank as an empty cell, so a cell lost there was a
    number: those rows are not passed here. Restored as 0 by the identities, such a cell is read
    as blank, with 0 as its alternative; both stay in review."""
    full_rows = sum(1 for row in cells.values() if not any(c.restored for c in row.values()))
    if full_rows == 0:
        return
    blank_columns: set[int] = set()
    unplaced: list[tuple[dict[str, CellReading], int]] = []
    for row in cells.values():
        values = [c.value for c in row.values()]
        for index, cell in enumerate(row.values()):
            if not (cell.restored and cell.value == 0):
                continue
            # a 0 inserted next to a printed 0 reads the same wherever in that run it goes: not pinned
            beside = values[max(index - 1, 0) : index] + values[index + 1 : index + 2]
            if 0 in beside:
                unplaced.append((row, index))
                continue
            _as_blank(cell, "the text lost this cell, which other rows print: read as blank (0 fits too)")
            blank_columns.add(index)
    if len(blank_columns) != 1:
        return
    (column,) = blank_columns
    for row, index in unplaced:
        keys = list(row)
        ordered = list(row.values())
        lo, hi = sorted((index, column))
        if any(c.value != 0 for c in ordered[lo : hi + 1]):
            continue  # the column other rows leave blank is not in this row's run of zeros
        # the run of zeros reads the same with the lost cell anywhere in it: put it where the pinned
        # rows have theirs (a body's blank column is blank in every row), still in review
        cell = ordered.pop(index)
        ordered.insert(column, cell)
        _as_blank(cell, "the text lost a cell of this row of zeros: read as blank in the column other rows leave blank")
        row.clear()
        row.update(zip(keys, ordered, strict=True))


def _as_blank(cell: CellReading, reason: str) -> None:
    cell.value = None
    cell.alternatives = [0]
    cell.review = reason


def _bound_by_order(reader: RowReader, anchor: Anchor, cells: dict[str, CellReading]) -> None:
    """Numbers printed off their label's line belong to the row only by the order of the text.

    Converters move a row's numbers above or below its label (wrapped labels, markdown tables
    cut into fake tables); a shift of every row by one keeps every column sum, so the
    identities cannot see it. Such cells go to review. Numbers level with the middle of their
    wrapped label (``pdftotext -layout``: the label's first line, the numbers, the rest of the
    label) are bound by the layout: no other row's label is near them."""
    label_line = reader.line_at(anchor.start)
    for cell in cells.values():
        token = cell.token
        if token is not None and token.line is not None and token.line is not label_line and cell.review is None:
            if reader.inside_wrapped_label(anchor, token.line):
                continue
            before = token.start < anchor.start
            cell.review = (
                "number printed " + ("before" if before else "after") + " its label's line: bound by order only"
            )
            cell.confidence = min(cell.confidence, 0.8)


def _flat(chosen: dict[str, Reading]) -> dict[str, Value]:
    return {
        f"applications.{row}.{col}": value
        for row, reading in chosen.items()
        for col, value in zip(APPLICANT_COLUMNS, reading.values, strict=True)
    }


def _score(chosen: dict[str, Reading]) -> tuple[int, int, int]:
    """(identities broken, how much the text was bent, minus the ways each restored row arises).

    The last term prefers, between equal readings, the one that more choices of
    lost column produce: a lost zero column reads the same wherever it was.
    """
    values = _flat(chosen)
    broken = sum(
        1 for identity in application_identities(chosen) if evaluate_identity(identity, values).passed is False
    )
    return broken, sum(r.cost for r in chosen.values()), -sum(len(r.inserted) for r in chosen.values())


def _solve(
    options: dict[str, list[Reading]], complete: bool = True
) -> tuple[dict[str, Reading], dict[str, dict[str, list[Value]]]]:
    """Pick one reading per row so that the fewest identities break, then the least bending.

    First the whole table is solved at once (``joint.surviving``): when some reading of it
    satisfies every identity, each row keeps only the readings that take part in one, and a
    cell on which those disagree lists the others as alternatives. Otherwise (a report that
    breaks its own identities, or a search too large), local search: a lost column is usually
    the same column in every row, so each column is tried as the lost one for all rows at once
    before rows are improved one by one.
    """
    joint = surviving(options, len(APPLICANT_COLUMNS), complete) if options else None
    if joint is not None and all(joint[row] for row in options):
        pools = {row: sorted(readings, key=lambda r: r.cost) for row, readings in joint.items()}
        chosen, alternatives = _solve_locally(pools)
        if _score(chosen)[0] == 0:
            for row, pool in pools.items():
                for reading in pool:
                    for col, old, new in zip(APPLICANT_COLUMNS, chosen[row].values, reading.values, strict=True):
                        listed = alternatives.setdefault(row, {}).setdefault(col, [])
                        if old != new and new not in listed:
                            listed.append(new)
            return chosen, {row: {c: v for c, v in cols.items() if v} for row, cols in alternatives.items()}
    return _solve_locally(options)


def _solve_locally(
    options: dict[str, list[Reading]],
) -> tuple[dict[str, Reading], dict[str, dict[str, list[Value]]]]:
    positions: set[int | None] = {None}
    for readings in options.values():
        for reading in readings:
            positions.update(reading.inserted)
    solutions: list[tuple[tuple[int, int, int], dict[str, Reading]]] = []
    for hypothesis in sorted(positions, key=lambda p: -1 if p is None else p):
        pools = {
            row: [r for r in readings if not r.inserted or hypothesis in r.inserted] or readings
            for row, readings in options.items()
        }
        chosen = {row: pool[0] for row, pool in pools.items()}
        chosen, score = _descend(chosen, pools)
        solutions.append((score, chosen))
    best_score, best = min(solutions, key=lambda s: s[0])
    alternatives: dict[str, dict[str, list[Value]]] = {}

    def note(row: str, other: Reading) -> None:
        for col, old, new in zip(APPLICANT_COLUMNS, best[row].values, other.values, strict=True):
            if old != new:
                listed = alternatives.setdefault(row, {}).setdefault(col, [])
                if new not in listed:
                    listed.append(new)

    # another lost column, the same for every row, that breaks no more identities: the columns
    # trade places and every identity still holds, so the cells that differ are not certain
    for score, solution in solutions:
        if solution is not best and score[0] <= best_score[0]:
            for row, reading in solution.items():
                note(row, reading)
    # other readings of one row that leave the broken count as it is
    for row, readings in options.items():
        for reading in readings:
            if reading.values == best[row].values:
                continue
            trial = dict(best)
            trial[row] = reading
            if _score(trial)[0] <= best_score[0]:
                note(row, reading)
    return best, alternatives


def _descend(
    chosen: dict[str, Reading], pools: dict[str, list[Reading]], rounds: int = 4
) -> tuple[dict[str, Reading], tuple[int, int, int]]:
    score = _score(chosen) if chosen else (0, 0, 0)
    for _ in range(rounds):
        improved = False
        for row, pool in pools.items():
            if len(pool) < 2:
                continue
            for reading in pool:
                if reading is chosen[row]:
                    continue
                trial = dict(chosen)
                trial[row] = reading
                trial_score = _score(trial)
                if trial_score < score:
                    chosen, score, improved = trial, trial_score, True
        if not improved:
            break
    return chosen, score


# --- section 二 -------------------------------------------------------------


def detect_template(norm: str, start: int, end: int) -> TemplateName | None:
    region = norm[start:end]
    has_2019 = TEMPLATE_2019_HEADERS.search(region)
    has_2021 = TEMPLATE_2021_HEADERS.search(region)
    if has_2021 and not has_2019:
        return "2021"
    if has_2019 and not has_2021:
        return "2019"
    if has_2019 and has_2021:
        return "2021" if has_2021.start() < has_2019.start() else "2019"
    return None


def read_active(
    reader: RowReader, norm: str, anchors: list[Anchor], template: TemplateName, region: tuple[int, int]
) -> dict[str, dict[str, CellReading]]:
    layout = ACTIVE_DISCLOSURE[template]
    if template == "2021" and anchors and _labels_apart(reader, anchors):
        boxed = active_from_boxes(reader.doc, norm, find_sections(norm))
        if boxed is not None:  # pdfminer's boxes, in the order it prints this table
            for item, item_cells in boxed.items():
                _apply_units(item, item_cells, norm, region)
            return boxed
    rows = {anchor.key: reader.read(anchor, len(layout[anchor.key][1])) for anchor in anchors}
    in_order = reader.in_row_order(list(rows.values()), {key: len(fields) for key, (_, fields) in layout.items()})
    out: dict[str, dict[str, CellReading]] = {}
    for anchor in anchors:
        _, fields = layout[anchor.key]
        row = rows[anchor.key]
        tokens = [t for t in row.tokens if t.kind in ("num", "blank")]
        numbers = [t for t in tokens if t.kind == "num"]
        spread = len(tokens) > len(fields) and len(numbers) == len(fields)
        if spread:
            # a converter spread the row over more cells than the table has (markitdown's
            # ``| 规章 | | | 0 | | | 0 | | | | 0 |``): its numbers, in order, one per column
            tokens = numbers
        values: dict[str, CellReading] = {}
        if len(tokens) == len(fields):
            for field_key, token in zip(fields, tokens, strict=True):
                conf = min(CONF_STRUCTURED if row.structured else CONF_LITERAL, token.confidence)
                cell = CellReading(None if token.kind == "blank" else token.value, conf, token.start, token.end, token)
                if conf < OCR_REVIEW_BELOW or token.misread:  # no identity checks section 二: OCR doubt is shown
                    cell.review = f"OCR read this cell with confidence {conf:.2f}"
                elif spread:
                    cell.review = "row spread over more cells than the table's columns: numbers placed in order"
                    cell.confidence = min(cell.confidence, 0.8)
                values[field_key] = cell
        else:
            values = _split_active(tokens, list(fields))
        if not row.structured and not in_order:
            _bound_by_order(reader, anchor, values)  # section 二 has no identity: its line is all that pins it
        if anchor.key in reader.unwalled:
            _doubt_row(values, UNWALLED, 0.8)
        _apply_units(anchor.key, values, norm, region)
        out[anchor.key] = values
    return out


def _labels_apart(reader: RowReader, anchors: list[Anchor]) -> bool:
    """Whether no row label of section 二 has a number on its own line."""
    lines = [reader.line_at(a.start) for a in anchors]
    return not any(re.search(r"\d", line.text) for line in lines if line is not None)


def _split_active(tokens: list[Token], fields: list[str]) -> dict[str, CellReading]:
    """A section 二 row whose cells ran together (``规章0226``): every split of its digit runs.

    Section 二 has no identities: a run with one reading is read (flagged when a cell of it
    holds more than one digit), a run with several is flagged with the others as alternatives.
    """
    readings = candidates(tokens, len(fields), lambda values: True, allow_insert=False) if tokens else []
    if not readings:
        return {
            field_key: CellReading(
                None, CONF_MISSING, review=f"row printed {len(tokens)} value(s) where the template has {len(fields)}"
            )
            for field_key in fields
        }
    # with nothing to check the cut, the likelier of the cheapest readings first (see _likeliness)
    readings = sorted(readings, key=lambda r: (r.cost, _likeliness(r, fields)))
    best = readings[0]
    cells = _cells_from(best, False, fields)
    if any(p.part is not None for p in best.pieces) and any(v != 0 for v in best.values):
        # no identity checks section 二: a cut is a choice even when it is the only one (the run may
        # also have lost a cell to the converter), so a person confirms it; a run of zeros is not
        for cell in cells.values():
            cell.review = cell.review or "cells ran together: the only cut of the digits, with nothing to check it"
            cell.confidence = min(cell.confidence, CONF_SPLIT)
    for other in readings[1:]:
        for field_key, old, new in zip(fields, best.values, other.values, strict=True):
            cell = cells[field_key]
            if old != new and new not in cell.alternatives:
                cell.alternatives.append(new)
                cell.review = cell.review or f"the run of digits splits {len(readings)} ways into this row's cells"
                cell.confidence = min(cell.confidence, CONF_AMBIGUOUS)
    return cells


# section 二's cells that count what a year changed (废止件数, 本年增/减): few, next to the stock; and
# procurement projects, a count next to an amount in 元
SMALL_CELLS = frozenset({"repealed", "items_change", "projects"})
# its cells that hold a stock (现行有效件数, 对外公开总数量), at least the year's count before them
STOCK_CELLS = frozenset({"in_force", "total_published"})


def _likeliness(reading: Reading, fields: list[str]) -> tuple[int, int, int, int]:
    """How unlikely a cut of a section 二 row is, smallest first.

    A stock printed last is at least the year's count in the first cell; a change (废止, 增/减) has
    the fewest digits; then the most even cut (counts of one body's documents and decisions are
    seldom digits apart), the last cell the longer.
    """
    numbers = [v for v in reading.values if isinstance(v, (int, float))]
    digits = [len(str(abs(int(v)))) for v in numbers]
    below_stock = int(
        bool(fields) and fields[-1] in STOCK_CELLS and len(numbers) == len(fields) and numbers[-1] < numbers[0]
    )
    small = sum(
        len(str(abs(int(v))))
        for key, v in zip(fields, reading.values, strict=False)
        if key in SMALL_CELLS and isinstance(v, (int, float))
    )
    return (below_stock, small, max(digits, default=0), -digits[-1] if digits else 0)


def _apply_units(item: str, values: dict[str, CellReading], norm: str, region: tuple[int, int]) -> None:
    """Money in the unit the contract asks for: 万元 for fees (2021), 元 for procurement."""
    if "amount_10k_yuan" in values:
        _convert(values["amount_10k_yuan"], _header_unit(FEES_UNIT, norm, region) or "万元", "万元")
    if "amount_yuan" in values:
        _convert(values["amount_yuan"], _header_unit(PROCUREMENT_UNIT, norm, region), "元")


def _header_unit(pattern: re.Pattern[str], norm: str, region: tuple[int, int]) -> str | None:
    """The unit a section 二 header names (``万 元`` or ``万|元`` as 万元), None where it names none."""
    match = pattern.search(norm, *region)
    return re.sub(r"[\s|]", "", match.group(1)) if match else None


_UNIT_FACTOR = {"元": Decimal(1), "万元": Decimal(10000), "亿元": Decimal(100000000)}


def _convert(cell: CellReading, header_unit: str | None, wanted: str) -> None:
    if not isinstance(cell.value, int | float):
        return
    unit = (cell.token.unit if cell.token else None) or header_unit
    if unit not in _UNIT_FACTOR:
        if header_unit is None and cell.token is not None and cell.token.unit is None:
            cell.review = cell.review or f"amount printed without a unit; read as {wanted}"
            cell.confidence = min(cell.confidence, 0.8)
        return
    if unit != wanted:
        cell.value = scale(cell.value, _UNIT_FACTOR[unit] / _UNIT_FACTOR[wanted])


# --- section 四 -------------------------------------------------------------

REVIEW_KEYS = [f"{group}.{col}" for group in REVIEW_GROUPS for col in REVIEW_COLUMNS]


def read_reviews(
    reader: RowReader, norm: str, sections: Sections, after: int
) -> tuple[dict[str, CellReading], tuple[int, int] | None]:
    span = sections.span("reviews_and_lawsuits")
    if span is None:
        match = _find_review_header(norm, after)
        if match is None:
            return {}, None
        span = (match, sections.starts.get("problems", sections.length))
    start, end = span
    start = _past_page_numbers(reader, norm, start, end)
    tokens = _review_tokens(reader, norm, start, end)
    width = len(REVIEW_KEYS)
    structured = any(t.kind == "blank" for t in tokens) or bool(tokens and tokens[0].line and tokens[0].line.cells)
    variants = [] if structured else _numbers_apart(reader, norm, start, end, tokens)
    apart = variants[0] if variants else None
    if apart is None and not structured and len(tokens) > width:
        apart = _numbers_after_labels(norm, start, end)  # pdfminer: section 三's last boxes came first
    orders: list[list[int]] = []
    if apart is not None:  # text printed among the numbers (pdftotext): all fifteen, in order
        for token in apart:
            token.line = reader.line_at(token.start)
        if not groups_fit(tuple(t.value for t in apart)):  # or as runs of cells out of order
            orders = reordered_runs([t.value for t in apart])
        tokens = [apart[i] for i in orders[0]] if orders else apart
    if len(tokens) == width and all(t.kind == "blank" for t in tokens):
        return {
            key: CellReading(None, CONF_STRUCTURED, t.start, t.end, t)
            for key, t in zip(REVIEW_KEYS, tokens, strict=True)
        }, span
    readings: list[Reading] = []
    if tokens and len(tokens) < width and all(t.kind == "num" and t.text.isdigit() for t in tokens):
        readings = group_splits(tokens, width, len(REVIEW_COLUMNS))  # digits ran together: cut group by group
    if not readings and tokens:
        readings = candidates(tokens, width, groups_fit, allow_split=len(tokens) >= width - 1)
    cells: dict[str, CellReading] = {}
    if not readings:
        headers = _group_headers(reader, norm, start, tokens) if reader.doc.kind == "text" else None
        if blank_groups := _blank_groups(tokens, headers) or _glued_blank_groups(tokens):
            return blank_groups, span
    if not readings:
        if tokens:
            for key in REVIEW_KEYS:
                cells[key] = CellReading(
                    None, CONF_MISSING, review=f"section 四 printed {len(tokens)} values where the table has 15"
                )
        return cells, span
    best = readings[0]
    cells = _cells_from(best, structured, REVIEW_KEYS)
    for cell in cells.values() if apart is not None else ():
        cell.review = cell.review or (REASON_REORDERED if orders else REASON_REVIEWS)
        cell.confidence = min(cell.confidence, 0.7)
    for order in orders[1:]:  # the groups' values in other orders that keep identity 4
        _add_alternatives(cells, [apart[index].value if apart else None for index in order])
    for variant in variants[1:]:  # other page numbers dropped
        _add_alternatives(cells, [token.value for token in variant])
    fitting = [r for r in readings if groups_fit(r.values)]
    for other in fitting[1:]:
        _add_alternatives(cells, list(other.values), "more than one reading of section 四 fits every check")
    return cells, span


def _add_alternatives(cells: dict[str, CellReading], other: list[Value], review: str | None = None) -> None:
    """Another reading of section 四's fifteen cells: each value that differs joins its cell's alternatives."""
    for key, new in zip(REVIEW_KEYS, other, strict=True):
        cell = cells[key]
        if cell.value != new and new not in cell.alternatives:
            cell.alternatives.append(new)
            cell.review = cell.review or review
            cell.confidence = min(cell.confidence, CONF_AMBIGUOUS)


# section 四's group headers, as printed over their groups
GROUP_HEADERS = tuple(re.compile(r"\s*".join(word)) for word in ("行政复议", "直接起诉", "复议后起诉"))
GROUP_GAP = 6.0  # characters: a placement shown first by position beats the next by this much


def _group_headers(reader: RowReader, norm: str, start: int, tokens: list[Token]) -> list[float] | None:
    """Where each of section 四's three group headers stands on its line (its middle, in characters),
    between the section's heading and its numbers; None unless each is found once, left to right."""
    numbers = [t for t in tokens if t.kind == "num"]
    if not numbers:
        return None
    middles: list[float] = []
    for pattern in GROUP_HEADERS:
        found = []
        for match in pattern.finditer(norm, start, numbers[0].start):
            line = reader.line_at(match.start())
            if line is not None and not re.search(r"四\s*[、.]|情况", norm[line.start : line.end]):
                found.append((match.start() + match.end()) / 2 - line.start)
        if len(found) != 1:
            return None
        middles.append(found[0])
    return middles if middles == sorted(middles) else None


def _by_position(placements: list[tuple[int, ...]], tokens: list[Token], headers: list[float] | None) -> None:
    """Placements of the printed groups ordered by how near each group's numbers stand to the header
    of the group it is placed under, where the text keeps positions (``pdftotext -layout``) and one
    placement is clearly nearest; else left as they are."""
    size = len(REVIEW_COLUMNS)
    if headers is None or any(t.line is None for t in tokens):
        return
    middles = [
        sum((t.start + t.end) / 2 - t.line.start for t in tokens[i : i + size] if t.line is not None) / size
        for i in range(0, len(tokens), size)
    ]

    def distance(groups: tuple[int, ...]) -> float:
        return sum(abs(middle - headers[group]) for middle, group in zip(middles, groups, strict=True))

    ranked = sorted(placements, key=distance)
    if len(ranked) > 1 and distance(ranked[1]) - distance(ranked[0]) >= GROUP_GAP:
        placements[:] = ranked


def _blank_groups(tokens: list[Token], headers: list[float] | None = None) -> dict[str, CellReading] | None:
    """Section 四 printed five or ten numbers: whole groups left blank, with nothing to say which.

    Each placement of the printed groups, in order, whose totals hold is a reading; the first (the
    one whose numbers stand nearest their groups' headers where the text keeps positions, else the
    blank groups last: 复议后起诉 is the rarest) is shown, the others are its alternatives, and every
    cell is in review, a blank one as null.
    """
    size = len(REVIEW_COLUMNS)
    tokens = [t for t in tokens if t.kind != "blank"]  # cells a converter split or shifted
    if not tokens or len(tokens) % size or len(tokens) >= len(REVIEW_KEYS):
        return None
    if any(t.kind != "num" or not t.text.isdigit() for t in tokens):
        return None
    printed = [tuple(t.value for t in tokens[i : i + size]) for i in range(0, len(tokens), size)]
    if not all(row_fits(group) for group in printed):
        return None
    placements = list(itertools.combinations(range(len(REVIEW_GROUPS)), len(printed)))
    _by_position(placements, tokens, headers)
    readings: list[list[Token | None]] = []
    for groups in placements:
        reading: list[Token | None] = [None] * len(REVIEW_KEYS)
        for index, group in enumerate(groups):
            reading[group * size : (group + 1) * size] = tokens[index * size : (index + 1) * size]
        readings.append(reading)
    blank = len(REVIEW_GROUPS) - len(printed)
    reason = (
        f"section 四 printed {len(tokens)} values: {blank} of its three groups blank, "
        f"placed {len(readings)} ways that keep every total"
    )
    cells: dict[str, CellReading] = {}
    for index, key in enumerate(REVIEW_KEYS):
        token, *others = (reading[index] for reading in readings)
        cell = (
            CellReading(token.value, CONF_AMBIGUOUS, token.start, token.end, token, review=reason)
            if token is not None
            else CellReading(None, CONF_AMBIGUOUS, review=reason)
        )
        value = None if token is None else token.value
        cell.alternatives = _differing(value, (None if other is None else other.value for other in others))
        cells[key] = cell
    return cells


def _glued_blank_groups(tokens: list[Token]) -> dict[str, CellReading] | None:
    """Section 四's digits run together (``33651700202``) short of three groups: cut into two whole
    groups (else one) whose totals hold, each cut placed as ``_blank_groups`` places printed groups;
    the first cut is shown and every other cut's values are alternatives."""
    if not tokens or any(t.kind != "num" or not t.text.isdigit() for t in tokens):
        return None
    size = len(REVIEW_COLUMNS)
    for cells_printed in range(len(REVIEW_KEYS) - size, 0, -size):
        placed = (_blank_groups(_piece_tokens(cut)) for cut in group_splits(tokens, cells_printed, size))
        readings = [cells for cells in placed if cells]
        if readings:
            cells = readings[0]
            for key, cell in cells.items():
                others = (value for other in readings[1:] for value in [other[key].value, *other[key].alternatives])
                cell.alternatives = list(dict.fromkeys(v for v in [*cell.alternatives, *others] if v != cell.value))
            return cells
    return None


def _piece_tokens(reading: Reading) -> list[Token]:
    """A cut's cells as tokens of their own, spans inside the run they were cut from."""
    out = []
    for piece in reading.pieces:
        token = piece.token
        assert token is not None
        begin, end = piece.part or (0, len(token.text))
        text = token.text[begin:end]
        out.append(Token("num", text, token.start + begin, token.start + end, int(text), line=token.line))
    return out


REASON_REVIEWS = "section 四's numbers printed apart from their labels, with text between them: read in order"
REASON_REORDERED = "section 四's numbers printed apart from their labels, out of order: placed by identity 4"


def _numbers_apart(reader: RowReader, norm: str, start: int, end: int, run: list[Token]) -> list[list[Token]]:
    """Section 四's fifteen numbers when a converter printed text among them (``... 0 0 总计 0``): the
    run stops at that text short of fifteen while the section holds exactly fifteen whole numbers.

    With one or two more, a page number printed among the cells (pdftotext puts a page's footer where
    its reading order meets it): each choice of dropped page numbers whose groups add up, the first
    likeliest; none when no choice does."""
    if len(run) >= len(REVIEW_KEYS) or any(t.kind != "num" for t in run):
        return []
    numbers = [t for t in tokenize(norm, start, end) if t.kind == "num"]
    if not all(t.text.isdigit() for t in numbers):
        return []
    if len(numbers) == len(REVIEW_KEYS):
        return [numbers]
    extra = len(numbers) - len(REVIEW_KEYS)
    if not 0 < extra <= 2:
        return []
    for token in numbers:
        token.line = reader.line_at(token.start)
    strays = _page_numbers(numbers, reader.doc)
    return [kept for kept in without_page_numbers(numbers, strays, extra) if groups_fit(tuple(t.value for t in kept))]


def _past_page_numbers(reader: RowReader, norm: str, start: int, end: int) -> int:
    """Where section 四's cells can start: past a page number printed between its heading and its
    column headers (``四、…情况`` / ``2`` / ``行政复议 行政诉讼 … 结果维持``): one number there, alone on
    its line; the table's values come after its headers. (Several such numbers are cells printed
    out of place, pdfminer's spill of section 三: left to the readers.)"""
    header = norm.find("维持", start, end)
    if header < 0:
        return start
    numbers = [t for t in tokenize(norm, start, header) if t.kind == "num"]
    if len(numbers) != 1:
        return start
    line = reader.line_at(numbers[0].start)
    if line is None or norm[line.start : line.end].strip(" \t-—") != numbers[0].text:
        return start
    return header


def _numbers_after_labels(norm: str, start: int, end: int) -> list[Token] | None:
    """Section 四's fifteen numbers when more numbers stand between its heading and its labels
    (pdfminer printed the last boxes of section 三 after section 四's heading): the whole numbers
    after the section's last text, when there are exactly fifteen."""
    tokens = tokenize(norm, start, end)
    texts = [i for i, t in enumerate(tokens) if t.kind == "text"]
    tail = [t for t in tokens[texts[-1] + 1 :] if t.kind == "num"] if texts else []
    return tail if len(tail) == len(REVIEW_KEYS) and all(t.text.isdigit() for t in tail) else None


def _find_review_header(norm: str, after: int) -> int | None:
    index = norm.find("行政复议", after)
    return index if index >= 0 else None


def _review_tokens(reader: RowReader, norm: str, start: int, end: int) -> list[Token]:
    """The fifteen values of section 四: a structured values row if there is one, else the number run.

    A row of blank cells is the values row printed blank only in a real table (PDF grid, Word,
    HTML) that has no filled values row: markdown converters print empty header rows."""
    blank_row: list[Token] = []
    for line in reader.lines:
        if line.end < start or line.start > end or not line.cells:
            continue
        cells = line_tokens(norm, line)
        filled = [t for t in cells if t.kind != "blank"]
        if not filled and len(cells) >= len(REVIEW_KEYS) and reader.doc.kind != "text" and not blank_row:
            blank_row = cells[-len(REVIEW_KEYS) :]
        if len(cells) >= 10 and filled and all(t.kind == "num" for t in filled):
            while cells and cells[-1].kind == "blank" and len(cells) > 15:
                cells.pop()
            while cells and cells[0].kind == "blank" and len(cells) > 15:
                cells.pop(0)
            return cells
    if blank_row:
        return blank_row
    # the three groups printed as three small tables of five (markdown converters)
    rows = []
    for line in reader.lines:
        if line.end < start or line.start > end or not line.cells:
            continue
        cells = line_tokens(norm, line)
        if len(cells) == len(REVIEW_COLUMNS) and all(t.kind == "num" for t in cells):
            rows.append(cells)
    if len(rows) == len(REVIEW_GROUPS):
        return [token for row in rows for token in row]
    run = _number_run(tokenize(norm, start, end))
    for token in run:
        token.line = reader.line_at(token.start)
    return run


__all__ = ["CellReading", "detect_template", "read_active", "read_applications", "read_reviews"]
