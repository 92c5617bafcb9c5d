"""Number normalisation and reading glued rows: properties over many generated inputs."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.parse.layout import tokenize
from extractor.parse.normalize import normalize, parse_number
from extractor.parse.solve import candidates, row_fits

FULL_WIDTH = str.maketrans("0123456789,.", "０１２３４５６７８９，．")


@given(st.integers(min_value=0, max_value=10**9), st.booleans(), st.booleans())
def test_printed_integers_read_back(value: int, separators: bool, full_width: bool) -> None:
    text = f"{value:,}" if separators else str(value)
    if full_width:
        text = text.translate(FULL_WIDTH)
    assert parse_number(text) == value


@given(st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False))
def test_amounts_keep_their_decimals(amount: object) -> None:
    assert parse_number(str(amount)) == float(str(amount))


@given(st.text(alphabet="０１２３４５６７８９（）：，．　ａＡ中文 ", max_size=40))
def test_normalising_keeps_every_offset(text: str) -> None:
    assert len(normalize(text)) == len(text)


@st.composite
def glued_rows(draw: st.DrawFn) -> tuple[list[int], str]:
    parts = draw(st.lists(st.integers(0, 120), min_size=6, max_size=6))
    row = [*parts, sum(parts)]
    pieces = [str(v) for v in row]
    # join with a separator or nothing: a web page that lost most of its cell borders
    glue = draw(st.lists(st.sampled_from(["", "", " "]), min_size=6, max_size=6))
    text = pieces[0] + "".join(g + p for g, p in zip(glue, pieces[1:], strict=True))
    return row, text


@given(glued_rows())
@settings(max_examples=200, deadline=None)
def test_the_true_reading_of_a_glued_row_is_always_among_the_candidates(case: tuple[list[int], str]) -> None:
    row, text = case
    tokens = [t for t in tokenize(text, 0, len(text)) if t.kind == "num"]
    readings = candidates(tokens, 7, row_fits)
    assert tuple(row) in [r.values for r in readings]
    assert all(row_fits(r.values) for r in readings)  # every surviving reading fits the row total


@given(st.lists(st.integers(0, 999), min_size=7, max_size=7))
def test_a_row_printed_cell_by_cell_is_read_literally(row: list[int]) -> None:
    text = " ".join(map(str, row))
    tokens = [t for t in tokenize(text, 0, len(text)) if t.kind == "num"]
    readings = candidates(tokens, 7, row_fits)
    assert [r.values for r in readings] == [tuple(row)]  # even when it does not add up: never "fixed"
