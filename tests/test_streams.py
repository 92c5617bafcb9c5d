"""Section 三 read from a number stream printed apart from its labels, column by column.

``pdftotext`` (default mode) and pdfminer print the row labels in one place and the numbers in
another, the numbers of a block of rows column-major. The real converter outputs in
``eval/converted`` and the same converters run here on the real PDFs of ``gold/`` must give
section 三 exactly, every placed cell in review. Unit tests of the placement itself use generated
tables (said so where they do).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.parse import boxes, streams
from extractor.parse.tables import REASON_REORDERED, REASON_REVIEWS
from extractor.pipeline import extract_path
from extractor.report import flatten
from extractor.result import Result
from extractor.template import APPLICANT_COLUMNS, APPLICATION_ROW_LABELS, OUTCOME_ROWS

REPO = Path(__file__).resolve().parents[1]
DEV = REPO / "eval" / "converted" / "dev"
CI = REPO / "eval" / "converted" / "ci"
# pdfminer's text boxes (columns moved) are placed by ``boxes``; their cells are flagged the same way
STREAM_REASONS = {streams.REASON, streams.REASON_AMBIGUOUS, boxes.REASON, boxes.REASON_AMBIGUOUS}

SINGLE_ROWS = streams._row_sets([])[0]  # the table with （六） printed as one row


def _gold(path: Path) -> dict[str, object]:
    gold = json.loads(path.with_name(path.name.rsplit(".", 1)[0] + ".gold.json").read_text(encoding="utf-8"))
    return flatten(gold["report"])


def _applications_match(result: Result, gold: dict[str, object]) -> None:
    """Every cell of section 三 is the gold value and waits in review with the stream's reason."""
    flat = flatten(result.report)
    keys = [k for k in gold if k.startswith("applications.")]
    assert keys
    for key in keys:
        assert flat.get(key) == gold[key], key
        assert key in result.review, key
        note = result.fields[key].note or ""
        assert note.startswith(tuple(STREAM_REASONS)), (key, note)
        source = result.fields[key].source
        assert source is not None and source.text == str(gold[key]), key  # the printed token itself


# --- real converter output kept in the repository ------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        # one row per block, then ten rows, then four, labels before, after and between the blocks
        DEV / "2023_jiangsu_huaian_hongzequ_gov__pdftotext.txt",
        # all labels of a page first, then its numbers column by column; page 1 prints its total column
        # before the last applicant column
        DEV / "2023_jiangsu_huaian_hongzequ_gov__pdfminer.txt",
        DEV / "2024_jiangsu_huaian_city_gov__pdfminer.txt",
        # rows one by one, labels elsewhere
        CI / "2024_jiangsu_huaian_city_gov__pdftotext.txt",
        CI / "syn3303_000_pdf__pdftotext.txt",
        # the page number printed in the middle of the stream
        DEV / "syn1102_003_pdf__pdftotext.txt",
        # the whole table as one block of 25 rows
        DEV / "syn1102_000_pdf__pdfminer.txt",
    ],
    ids=lambda p: p.name,
)
def test_real_column_major_streams_read_section_three(path: Path) -> None:
    _applications_match(extract_path(path), _gold(path))


def test_the_placement_of_a_real_stream_is_unique_and_follows_its_blocks() -> None:
    from extractor.load import load_document
    from extractor.parse.layout import document_norm, find_sections

    path = DEV / "2023_jiangsu_huaian_hongzequ_gov__pdftotext.txt"
    doc = load_document(path)
    norm = document_norm(doc)
    result = streams.read_stream(doc, norm, find_sections(norm), [])
    assert result is not None and len(result.readings) == 1
    reading = result.readings[0]
    assert reading.rows == SINGLE_ROWS
    # rows 5-14 (1.属于国家秘密 .. 2.没有现成信息需要另行制作) came as one block of ten, printed
    # column 1 of the ten rows first: the cut with the fewest blocks keeps it whole
    assert (10, streams.PLAIN) in reading.blocks
    assert reading.values[SINGLE_ROWS.index("unavailable_not_held")] == (10, 0, 0, 0, 0, 0, 10)


def test_section_four_numbers_with_text_among_them_are_read_in_order() -> None:
    path = DEV / "2023_jiangsu_huaian_hongzequ_gov__pdftotext.txt"  # ``... 0 0 0 总计 0``
    result = extract_path(path)
    gold = _gold(path)
    flat = flatten(result.report)
    keys = [k for k in gold if k.startswith("reviews_and_lawsuits.")]
    assert len(keys) == 15
    for key in keys:
        assert flat[key] == gold[key], key
        assert key in result.review and (result.fields[key].note or "").startswith(REASON_REVIEWS), key


def test_section_four_printed_as_runs_out_of_order_is_placed_by_identity_four() -> None:
    # ``72 64 178 37 | 12 1 1 6 | 351 | 13 4 8 1 26 | 20``: 行政复议's four parts, 复议后起诉's four parts,
    # 行政复议's total, 未经复议直接起诉 whole, 复议后起诉's total
    path = CI / "2024_jiangsu_huaian_city_gov__pdftotext.txt"
    result = extract_path(path)
    gold, flat = _gold(path), flatten(result.report)
    keys = [k for k in gold if k.startswith("reviews_and_lawsuits.")]
    assert len(keys) == 15
    for key in keys:
        detail = result.fields[key]
        assert flat[key] == gold[key], key
        # swapping two whole groups keeps identity 4: the other order is listed
        assert detail.alternatives, key
        if key not in result.review:  # only where the report's prose states this very value
            assert detail.evidence and any(e.agrees and e.value == gold[key] for e in detail.evidence), key
        else:
            assert (detail.note or "").startswith(REASON_REORDERED), key
    assert sum(1 for k in keys if k in result.review) >= 14


def test_runs_out_of_order_prefer_the_printed_order_and_fail_on_a_report_that_breaks_identity_four() -> None:
    printed = [72, 64, 178, 37, 12, 1, 1, 6, 351, 13, 4, 8, 1, 26, 20]
    orders = streams.reordered_runs(printed)
    assert [[printed[i] for i in order] for order in orders] == [
        [72, 64, 178, 37, 351, 13, 4, 8, 1, 26, 12, 1, 1, 6, 20],
        [12, 1, 1, 6, 20, 72, 64, 178, 37, 351, 13, 4, 8, 1, 26],
    ]
    # the 2023 洪泽区 report prints 10 1 0 0 0 for 行政复议 (its total 0): nothing is moved to hide it
    assert streams.reordered_runs([10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0]) == []


@pytest.mark.parametrize(
    "path",
    [
        DEV / "2023_jiangsu_huaian_hongzequ_gov__pypdf.txt",
        DEV / "2023_jiangsu_huaian_hongzequ_gov__pdftotext-layout.txt",
    ],
    ids=lambda p: p.name,
)
def test_numbers_on_their_labels_lines_are_not_placed_by_the_stream(path: Path) -> None:
    result = extract_path(path)
    notes = {detail.note for key, detail in result.fields.items() if key.startswith("applications.")}
    assert not notes & STREAM_REASONS
    flat, gold = flatten(result.report), _gold(path)
    assert all(flat[k] == v for k, v in gold.items() if k.startswith("applications."))


def test_a_stream_whose_count_fits_no_row_list_is_left_alone() -> None:
    # pdftotext dropped the blank cells of this table: 22 rows' worth of numbers for 25 rows
    path = DEV / "syn1101_003_pdf__pdftotext.txt"
    result = extract_path(path)
    assert not {d.note for d in result.fields.values()} & STREAM_REASONS


# --- the converters themselves, run on the real PDFs of gold/ ----------------------------------

REAL_PDFS = [REPO / "gold" / "2023_jiangsu_huaian_hongzequ_gov.pdf", REPO / "gold" / "2024_jiangsu_huaian_city_gov.pdf"]


def _real_gold(pdf: Path) -> dict[str, object]:
    return flatten(json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8"))["report"])


@pytest.mark.parametrize("pdf", REAL_PDFS, ids=lambda p: p.name)
def test_pdftotext_on_a_real_pdf(pdf: Path, tmp_path: Path) -> None:
    assert shutil.which("pdftotext"), "pdftotext (Debian poppler-utils) is needed: .ci/run installs it"
    out = tmp_path / f"{pdf.stem}.txt"
    subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), str(out)], check=True, timeout=60)
    _applications_match(extract_path(out), _real_gold(pdf))


@pytest.mark.parametrize("pdf", REAL_PDFS, ids=lambda p: p.name)
def test_pdfminer_on_a_real_pdf(pdf: Path, tmp_path: Path) -> None:
    from pdfminer.high_level import extract_text

    out = tmp_path / f"{pdf.stem}.txt"
    out.write_text(extract_text(str(pdf)), encoding="utf-8")
    _applications_match(extract_path(out), _real_gold(pdf))


# pages printed to PDF by a browser (in the repository), converted here: pdftotext puts the two
# rightmost cells of a row on one line (``1 55``) inside blocks printed column by column
BROWSER_PDFS = {
    "pdftotext": DEV / "syn1101_004_html__chromium-pdf.pdf",
    "pdfminer": DEV / "syn1102_007_html__chromium-pdf.pdf",
}


@pytest.mark.parametrize("converter", sorted(BROWSER_PDFS))
def test_converters_on_browser_printed_pdfs(converter: str, tmp_path: Path) -> None:
    pdf = BROWSER_PDFS[converter]
    out = tmp_path / f"{pdf.stem}.txt"
    if converter == "pdftotext":
        assert shutil.which("pdftotext"), "pdftotext (Debian poppler-utils) is needed: .ci/run installs it"
        subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), str(out)], check=True, timeout=60)
    else:
        from pdfminer.high_level import extract_text

        out.write_text(extract_text(str(pdf)), encoding="utf-8")
    _applications_match(extract_path(out), _gold(pdf))


# --- the placement, on generated tables -------------------------------------------------------

OUTCOMES = [r for r in SINGLE_ROWS if r in OUTCOME_ROWS]
Table = tuple[tuple[int, ...], ...]


def _table(outcome_parts: list[list[int]], carried: list[int], forward: list[int]) -> Table:
    """A generated section 三 (one （六） row) that keeps every identity."""
    rows: dict[str, list[int]] = {r: [*p, sum(p)] for r, p in zip(OUTCOMES, outcome_parts, strict=True)}
    total = [sum(rows[r][c] for r in OUTCOMES) for c in range(7)]
    rows["total_processed"] = total
    rows["carried_over"] = [*carried, sum(carried)]
    rows["carried_forward"] = [*forward, sum(forward)]
    rows["new_received"] = [
        t + f - c for t, f, c in zip(total, rows["carried_forward"], rows["carried_over"], strict=True)
    ]
    return tuple(tuple(rows[r]) for r in SINGLE_ROWS)


def _print(table: Table, blocks: list[int]) -> list[int]:
    """The table as a converter prints it: each block of rows column-major."""
    out: list[int] = []
    first = 0
    for size in blocks:
        out += [table[first + k][c] for c in range(7) for k in range(size)]
        first += size
    return out


@st.composite
def _printed_tables(draw: st.DrawFn) -> tuple[Table, list[int]]:
    small = st.integers(0, 3)
    parts = [draw(st.lists(small, min_size=6, max_size=6)) for _ in OUTCOMES]
    forward = draw(st.lists(small, min_size=6, max_size=6))
    table = _table(parts, [0] * 6, forward)
    blocks: list[int] = []
    while sum(blocks) < len(SINGLE_ROWS):
        blocks.append(draw(st.integers(1, len(SINGLE_ROWS) - sum(blocks))))
    return table, blocks


@settings(max_examples=40, deadline=None)
@given(_printed_tables())
def test_the_printed_table_is_always_among_the_surviving_readings(
    case: tuple[tuple[tuple[int, ...], ...], list[int]],
) -> None:
    table, blocks = case
    found = [values for values, _ in streams.decompositions(_print(table, blocks), SINGLE_ROWS)]
    assert table in found


def test_a_block_with_its_total_printed_early_is_read_only_when_needed() -> None:
    parts = [[0] * 6 for _ in OUTCOMES]
    parts[0] = [3, 0, 0, 0, 0, 2]  # 予以公开: 自然人 3, 其他组织 2, total 5
    table = _table(parts, [0] * 6, [0] * 6)
    stream = _print(table, [len(SINGLE_ROWS)])
    # the converter printed the total column before 其他组织 (as pdfminer did on a real page)
    size = len(SINGLE_ROWS)
    columns = [stream[c * size : (c + 1) * size] for c in range(7)]
    moved = [v for col in (*columns[:5], columns[6], columns[5]) for v in col]
    assert streams.decompositions(moved, SINGLE_ROWS) == []
    found = streams.decompositions(moved, SINGLE_ROWS, streams.LAYOUT_ROUNDS[1])
    assert [values for values, _ in found][:1] == [table]
    assert found[0][1] == ((size, ((0,), (1,), (2,), (3,), (4,), (6,), (5,))),)


def _stream_report(tmp_path: Path, numbers: str, review: str) -> Result:
    """A text report whose section 三 prints every label, then ``numbers``; section 四 prints ``review``."""
    labels = "\n".join(APPLICATION_ROW_LABELS[r] for r in SINGLE_ROWS)
    text = (
        "2023年政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n"
        f"{labels}\n\n{numbers}\n\n四、政府信息公开行政复议、行政诉讼情况\n{review}\n五、存在的主要问题及改进情况\n无。\n"
    )
    document = tmp_path / "report.txt"
    document.write_text(text, encoding="utf-8")
    return extract_path(document)


# a generated table in which two outcome rows could trade places (see the test below)
_TWO_READINGS: Table = (
    (1, 6, 5, 4, 8, 4, 28), (0, 1, 0, 0, 1, 1, 3), (1, 0, 0, 0, 0, 1, 2), (0, 2, 0, 0, 0, 2, 4),
    (0, 0, 0, 0, 0, 0, 0), (0, 2, 0, 0, 0, 0, 2), (0, 0, 0, 0, 0, 0, 0), (0, 0, 0, 0, 1, 0, 1),
    (0, 0, 0, 0, 1, 0, 1), (0, 0, 0, 0, 0, 0, 0), (0, 0, 1, 0, 0, 0, 1), (0, 1, 0, 0, 2, 0, 3),
    (0, 0, 0, 0, 0, 0, 0), (0, 0, 0, 2, 1, 0, 3), (0, 0, 0, 0, 2, 0, 2), (0, 0, 1, 0, 0, 0, 1),
    (0, 0, 2, 0, 0, 0, 2), (0, 2, 0, 0, 0, 2, 4), (0, 0, 0, 1, 1, 0, 2), (0, 0, 0, 0, 0, 0, 0),
    (0, 0, 1, 0, 0, 0, 1), (1, 7, 5, 3, 8, 5, 29), (0, 0, 0, 1, 1, 0, 2),
)  # fmt: skip


def test_every_surviving_reading_is_reported_and_their_differences_flagged(tmp_path: Path) -> None:
    # a generated table in which two outcome rows could trade places: swapping two outcome rows keeps
    # identities 1, 2 and 3, and the blocks below let the stream be read both ways
    table = _TWO_READINGS
    blocks = [6, 2, 3, 6, 5, 1]
    found = streams.decompositions(_print(table, blocks), SINGLE_ROWS)
    readings = [values for values, _ in found]
    assert table in readings and len(readings) == 2
    other = next(r for r in readings if r != table)
    differing = {SINGLE_ROWS[i] for i, (a, b) in enumerate(zip(table, other, strict=True)) if a != b}
    assert differing == {"denied_third_party", "denied_enforcement_file"}

    # the same stream in a text document: both rows' differing cells carry the other value
    numbers = "\n".join(str(v) for v in _print(table, blocks))
    result = _stream_report(tmp_path, numbers, "\n".join(["0"] * 15))
    flat = flatten(result.report)
    for row in SINGLE_ROWS:
        for col in APPLICANT_COLUMNS:
            key = f"applications.{row}.{col}"
            assert key in result.review, key
            detail = result.fields[key]
            if row in differing and col in ("research", "legal_service"):
                assert detail.note == streams.REASON_AMBIGUOUS, key
                assert detail.alternatives and detail.alternatives[0] != flat[key], key
            else:
                assert detail.note == streams.REASON and not detail.alternatives, key


def test_past_the_limit_of_placements_the_simplest_are_followed_and_every_cell_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the generated table of the test above (two readings survive) with the limit of partial readings
    # kept at a row boundary set to one: only the simplest cut is followed on, the result is a reading
    # that keeps every identity, and it says that it is not the whole story
    table = _TWO_READINGS
    stream = _print(table, [6, 2, 3, 6, 5, 1])
    assert streams.decompositions(stream, SINGLE_ROWS).complete
    monkeypatch.setattr(streams, "MAX_READINGS", 1)
    found = streams.decompositions(stream, SINGLE_ROWS)
    assert not found.complete
    assert found and all(streams.broken_identities(values, SINGLE_ROWS) == 0 for values, _ in found)

    result = _stream_report(tmp_path, "\n".join(str(v) for v in stream), "\n".join(["0"] * 15))
    keys = [f"applications.{row}.{col}" for row in SINGLE_ROWS for col in APPLICANT_COLUMNS]
    assert all(key in result.review and result.fields[key].note == streams.REASON_UNCOUNTED for key in keys)
    flat = flatten(result.report)
    assert [tuple(flat[f"applications.{row}.{col}"] for col in APPLICANT_COLUMNS) for row in SINGLE_ROWS] in (
        [list(values) for values, _ in found]
    )


def test_neighbouring_columns_printed_together_are_read_when_nothing_plainer_fits() -> None:
    parts = [[0] * 6 for _ in OUTCOMES]
    parts[0] = [3, 1, 0, 0, 0, 2]
    parts[1] = [1, 0, 0, 0, 0, 4]
    table = _table(parts, [0] * 6, [1, 0, 0, 0, 0, 0])
    # rows 1-4 as one block: columns 1-5 one by one, then 其他 and 总计 of each row on one line
    block = [table[k][c] for c in range(5) for k in range(4)] + [table[k][c] for k in range(4) for c in (5, 6)]
    stream = block + _print(table[4:], [len(SINGLE_ROWS) - 4])
    assert streams.decompositions(stream, SINGLE_ROWS, streams.LAYOUT_ROUNDS[1]) == []
    found = streams.decompositions(stream, SINGLE_ROWS, streams.LAYOUT_ROUNDS[2])
    assert [values for values, _ in found][:1] == [table]
    size, layout = found[0][1][0]
    assert size == 4 and layout[-1] == (5, 6)  # the zero columns before may group either way


def test_a_misprinted_cell_is_kept_as_printed_and_every_cell_flagged(tmp_path: Path) -> None:
    # a generated report of no applications whose authors misprinted （七）总计 自然人 (1 where its rows
    # add up to 0), laid out as pdftotext prints a table row by row: labels in one place, each number a
    # paragraph of its own. Other placements put the 1 elsewhere and break fewer identities (in a
    # block of rows read column by column); the printed paragraphs tell them apart
    table = [list(row) for row in _table([[0] * 6 for _ in OUTCOMES], [0] * 6, [0] * 6)]
    table[SINGLE_ROWS.index("total_processed")][0] += 1
    numbers = "\n\n".join(str(v) for row in table for v in row)
    result = _stream_report(tmp_path, numbers, "\n\n".join(["0"] * 15))
    flat = flatten(result.report)
    for row, printed in zip(SINGLE_ROWS, table, strict=True):
        for col, value in zip(APPLICANT_COLUMNS, printed, strict=True):
            key = f"applications.{row}.{col}"
            assert flat[key] == value, key  # never "fixed"
            assert key in result.review, key
            assert "identities under every placement" in (result.fields[key].note or ""), key
