"""Section 三 from a stream printed row by row that left out its blank cells (``pdftotext`` default
mode on a table whose zero cells are printed blank). The real converter output kept in
``eval/converted`` must give section 三 exactly, every cell in review; unit tests of the dynamic
program use generated tables (said so where they do).
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.checks import application_identities, evaluate_identity
from extractor.parse import streams
from extractor.parse.blank_rows import read_blank_rows
from extractor.parse.layout import tokenize
from extractor.pipeline import extract_path
from extractor.report import flatten
from extractor.template import APPLICANT_COLUMNS, OUTCOME_ROWS

REPO = Path(__file__).resolve().parents[1]
DEV = REPO / "eval" / "converted" / "dev"
SINGLE_ROWS = streams._row_sets([])[0]  # the table with （六） printed as one row
OUTCOMES = [r for r in SINGLE_ROWS if r in OUTCOME_ROWS]

Table = tuple[tuple[int | None, ...], ...]


def test_pdftotext_of_a_table_with_blank_cells_reads_section_three() -> None:
    # a generated report whose zero cells of the outcome rows are blank in the 法律服务机构 column,
    # rendered as a PDF and converted by pdftotext: 21 rows print six numbers, and the labels of the
    # rows after the first seven stand apart from their numbers
    path = DEV / "syn1101_003_pdf__pdftotext.txt"
    gold = flatten(json.loads(path.with_name(path.stem + ".gold.json").read_text(encoding="utf-8"))["report"])
    result = extract_path(path)
    flat = flatten(result.report)
    keys = [k for k in gold if k.startswith("applications.")]
    blanks = [k for k in keys if gold[k] is None]
    assert len(blanks) == 21
    for key in keys:
        assert flat[key] == gold[key], key
        assert key in result.review, key
    for key in blanks:
        assert result.fields[key].note == streams.REASON_BLANK_CELL, key
        assert 0 in (result.fields[key].alternatives or []), key


def _table(parts: list[list[int]], forward: list[int]) -> tuple[tuple[int, ...], ...]:
    """A generated section 三 that keeps every identity (nothing carried over)."""
    rows: dict[str, list[int]] = {r: [*p, sum(p)] for r, p in zip(OUTCOMES, parts, strict=True)}
    total = [sum(rows[r][c] for r in OUTCOMES) for c in range(7)]
    rows["total_processed"] = total
    rows["carried_over"] = [0] * 7
    rows["carried_forward"] = [*forward, sum(forward)]
    rows["new_received"] = [t + f for t, f in zip(total, rows["carried_forward"], strict=True)]
    return tuple(tuple(rows[r]) for r in SINGLE_ROWS)


def _blanked(table: tuple[tuple[int, ...], ...], column: int) -> Table:
    """The zero cells of ``column`` in the outcome rows printed blank."""
    return tuple(
        tuple(None if c == column and v == 0 and key in OUTCOME_ROWS else v for c, v in enumerate(row))
        for key, row in zip(SINGLE_ROWS, table, strict=True)
    )


def _printed(table: Table) -> list[int]:
    return [v for row in table for v in row if v is not None]


def _keeps_identities(reading: Table) -> bool:
    flat = {
        f"applications.{r}.{c}": 0 if v is None else v
        for r, row in zip(SINGLE_ROWS, reading, strict=True)
        for c, v in zip(APPLICANT_COLUMNS, row, strict=True)
    }
    return all(evaluate_identity(i, flat).passed for i in application_identities(SINGLE_ROWS))


@st.composite
def _blank_tables(draw: st.DrawFn) -> Table:
    small = st.integers(0, 4)
    parts = [draw(st.lists(small, min_size=6, max_size=6)) for _ in OUTCOMES]
    forward = draw(st.lists(small, min_size=6, max_size=6))
    return _blanked(_table(parts, forward), draw(st.integers(0, 5)))


@settings(max_examples=40, deadline=None)
@given(_blank_tables())
def test_every_reading_keeps_the_identities_and_a_complete_result_holds_the_printed_table(table: Table) -> None:
    stream = _printed(table)
    if len(stream) == 7 * len(SINGLE_ROWS):
        return  # nothing blank: the plain stream reader's case
    result = read_blank_rows(stream, SINGLE_ROWS)
    assert result is not None
    tokens = [_Token(v) for v in stream]
    readings = [reading.values(tokens) for reading in result.readings]  # type: ignore[arg-type]
    assert all(_keeps_identities(r) for r in readings)
    if result.complete:
        numeric = {tuple(tuple(0 if v is None else v for v in row) for row in r) for r in readings}
        assert tuple(tuple(0 if v is None else v for v in row) for row in table) in numeric


class _Token:
    """Stands in for a text token: only its value is read."""

    def __init__(self, value: int) -> None:
        self.value = value


def test_a_blank_is_put_where_other_rows_leave_the_same_column_blank() -> None:
    # generated: zero cells of 科研机构 printed blank; a row of zeros that lost one cell could have
    # lost any of its six, and goes with the rows whose numbers pin the blank column
    parts = [[0] * 6 for _ in OUTCOMES]
    parts[0] = [3, 1, 0, 2, 0, 1]
    parts[3] = [1, 0, 0, 0, 2, 0]
    table = _blanked(_table(parts, [1, 0, 0, 0, 0, 0]), 2)
    result = read_blank_rows(_printed(table), SINGLE_ROWS)
    assert result is not None and result.complete
    tokens = [_Token(v) for v in _printed(table)]
    assert result.readings[0].values(tokens) == table  # type: ignore[arg-type]


def test_a_stream_that_breaks_an_identity_under_every_cut_has_no_reading() -> None:
    parts = [[0] * 6 for _ in OUTCOMES]
    parts[0] = [3, 1, 0, 2, 0, 1]
    table = _blanked(_table(parts, [0] * 6), 4)
    stream = _printed(table)
    stream[0] += 1  # 自然人 of 本年新收 misprinted, and its row's total with it
    stream[6] += 1
    assert read_blank_rows(stream, SINGLE_ROWS) is None


def test_a_blank_no_row_pins_is_read_as_zero_in_each_column_it_may_be_in() -> None:
    # generated: zero cells of 社会公益组织 printed blank, but 科研机构, 法律服务机构 and 其他 are zero
    # in every outcome row too: a row's blank reads the same in any of the four, so none is null and
    # each is 0 with a blank as its other reading
    parts = [[0] * 6 for _ in OUTCOMES]
    parts[0] = [3, 1, 0, 0, 0, 0]
    parts[3] = [1, 0, 0, 0, 0, 0]
    table = _blanked(_table(parts, [1, 1, 0, 0, 0, 0]), 3)
    stream = _printed(table)
    result = read_blank_rows(stream, SINGLE_ROWS)
    assert result is not None and result.complete
    assert result.readings[0].unplaced == {2, 3, 4, 5}
    text = " ".join(map(str, stream))
    cells = streams.blank_stream_cells(result, tokenize(text, 0, len(text)))
    granted = cells[OUTCOMES[0]]
    assert [granted[c].value for c in APPLICANT_COLUMNS] == [3, 1, 0, 0, 0, 0, 4]
    for column in APPLICANT_COLUMNS[2:6]:
        assert granted[column].alternatives == [None]
        assert granted[column].review == streams.REASON_UNPLACED_BLANK
    assert granted["natural_person"].alternatives == []
    assert granted["natural_person"].review == streams.REASON_BLANK_ROWS  # still bound by order only
