"""Converter outputs that once gave wrong values nobody was told about (tests/data/converted/).

Each file is a real converter's output of a generated or real report, with the source's gold
beside it; see tests/data/README.md.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest

from extractor.checks import Identity, evaluate_identity
from extractor.errors import UnsupportedFormatError
from extractor.load.text import load_text
from extractor.parse.layout import tokenize
from extractor.pipeline import ExtractOptions, extract_document, extract_path
from extractor.report import flatten
from extractor.scoring import score_document

CONVERTED = Path(__file__).resolve().parent / "data" / "converted"
NEEDS_CREATION = "applications.unavailable_needs_creation"
COLUMNS = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total")


def _gold_json(name: str) -> dict[str, Any]:
    return json.loads((CONVERTED / f"{name}.gold.json").read_text(encoding="utf-8"))


def _gold(name: str) -> dict[str, object]:
    return flatten(_gold_json(name)["report"])


def _wrong_and_silent(name: str, suffix: str) -> tuple[list[str], list[str]]:
    return _wrong_and_silent_at(CONVERTED / f"{name}{suffix}", name)


def _wrong_and_silent_at(path: Path, name: str) -> tuple[list[str], list[str]]:
    result = extract_path(path, ExtractOptions())
    score = score_document(_gold_json(name), result.to_json())
    return [e.key for e in score.errors], [e.key for e in score.silent]


@pytest.mark.parametrize(
    ("name", "suffix"),
    [
        ("syn7171_012_pdf__markitdown", ".md"),
        ("syn7171_000_pdf__pdftotext", ".txt"),
        ("syn7171_004_html__gettext", ".txt"),
        ("syn7171_024_pdf__pymupdf4llm", ".md"),
        # a real page whose zero cells print 无 half the time: markitdown keeps the row's empty
        # colspan cell before the first 无 (a row of 无 and blanks read blank, certain); LibreOffice
        # wraps a label over two lines, its cells on the first; w3m prints a wrapped label's cells on
        # its second line
        ("2023_jiangsu_shuyang_fagaiju__none-word__markitdown", ".md"),
        ("2023_jiangsu_shuyang_fagaiju__none-word__libreoffice-pdf", ".pdf"),
        ("2023_jiangsu_shuyang_fagaiju__none-word__w3m", ".txt"),
    ],
)
def test_no_wrong_value_outside_review(name: str, suffix: str) -> None:
    _, silent = _wrong_and_silent(name, suffix)
    assert silent == []


def test_a_row_markitdown_cut_under_its_label_is_read_from_the_line_below() -> None:
    """``| 2、没有现成信息需要另行制作 | | | …`` then ``| | | | 5 0 | 0 | … | 5 |``: not a blank row."""
    wrong, _ = _wrong_and_silent("syn7171_012_pdf__markitdown", ".md")
    assert wrong == []


def test_blanks_that_break_an_identity_go_to_review_with_their_row() -> None:
    """The same page with the numbers under the label lost: the row reads blank, identity 3 breaks
    with the blanks as zeros, so every blank of the row is in review, not a certain null."""
    text = (CONVERTED / "syn7171_012_pdf__markitdown.md").read_text(encoding="utf-8")
    lost = text.replace("|     |     |                |     | 5 0 | 0   | 0   | 0   | 0   | 5   |\n", "")
    assert lost != text
    result = extract_document(load_text(Path("lost.md"), lost.encode("utf-8")), ExtractOptions())
    row = [f"{NEEDS_CREATION}.{column}" for column in COLUMNS]
    assert all(result.fields[key].value is None for key in row)
    assert set(row) <= set(result.review)
    broken = next(c for c in result.checks if c.rule == "applications.outcomes[natural_person]")
    assert broken.passed is False and f"{NEEDS_CREATION}.natural_person as 0" in broken.detail


def test_a_blank_counts_as_zero_only_where_it_was_printed() -> None:
    identity = Identity("sum", (("t", -1), ("a", 1), ("b", 1)), "a + b = t")
    values = {"t": 5, "a": 5, "b": None}
    assert evaluate_identity(identity, values).passed is None  # b not read: nothing to check
    assert evaluate_identity(identity, values, blanks={"b"}).passed is None  # 5 + 0 = 5: holds, nothing said
    values = {"t": 9, "a": 5, "b": None}
    broken = evaluate_identity(identity, values, blanks={"b"})
    assert broken.passed is False and broken.difference == -4 and "reading b as 0" in broken.detail


def test_section_four_with_a_page_number_among_its_cells() -> None:
    """pdftotext printed page 2's number between two cells of 未经复议直接起诉: 16 numbers."""
    wrong, _ = _wrong_and_silent("syn7171_000_pdf__pdftotext", ".txt")
    assert not [key for key in wrong if key.startswith("reviews_and_lawsuits.")]


def test_section_four_run_together_with_a_group_blank_lists_each_placement() -> None:
    """``33651700202``: two groups whose totals hold, the third printed blank; which one is blank
    the text does not say, so each placement is an alternative and every cell is in review."""
    result = extract_path(CONVERTED / "syn7171_004_html__gettext.txt", ExtractOptions())
    cells = {k: d for k, d in result.fields.items() if k.startswith("reviews_and_lawsuits.")}
    assert set(cells) <= set(result.review)
    values = [cells[f"reviews_and_lawsuits.reconsideration.{c}"].value for c in ("upheld", "total")]
    assert values == [3, 17]
    gold = _gold("syn7171_004_html__gettext")
    assert all(gold[key] == detail.value or gold[key] in detail.alternatives for key, detail in cells.items())


def test_a_fee_of_ten_yi_yuan_goes_to_review() -> None:
    """pymupdf4llm put 10849.1's point in another cell: 108491 万元 is read as printed, in review."""
    result = extract_path(CONVERTED / "syn7171_024_pdf__pymupdf4llm.md", ExtractOptions())
    key = "active_disclosure.fees.amount_10k_yuan"
    assert result.fields[key].value == 108491 and key in result.review


def test_a_stray_nul_from_a_text_layer_keeps_a_text_file_text(tmp_path: Path) -> None:
    """PyMuPDF's ``get_text("blocks")`` of a browser-printed page passed on two NUL bytes; the text is
    text all the same. A file that is mostly NULs or control bytes is still refused."""
    text = (CONVERTED / "syn7171_000_pdf__pdftotext.txt").read_text(encoding="utf-8")
    stray = tmp_path / "stray.txt"
    stray.write_bytes(text.replace("根据", "\x00根据", 1).encode("utf-8"))
    assert _wrong_and_silent_at(stray, "syn7171_000_pdf__pdftotext") == ([], [])
    binary = tmp_path / "binary.txt"
    binary.write_bytes(bytes(range(32)) * 20 + text.encode("utf-8"))
    with pytest.raises(UnsupportedFormatError, match="unsupported file type"):
        extract_path(binary, ExtractOptions())


def test_blank_cells_pdftotext_layout_leaves_empty_are_read_blank_where_they_stand() -> None:
    """``pdftotext -layout`` of a table whose 科研机构 column is blank: the rows that print every cell
    show where each column stands, the others leave 科研机构's place empty. Those cells are blank as
    printed (null, certain); before, each row lost a cell whose column only the identities guessed."""
    result = extract_path(CONVERTED / "syn9090_021_pdf__pdftotext-layout.txt", ExtractOptions())
    assert result.fields["applications.granted.research"].value is None
    assert "applications.granted.research" not in result.review
    assert _wrong_and_silent("syn9090_021_pdf__pdftotext-layout", ".txt") == ([], [])


def test_rows_separated_by_single_spaces_say_nothing_about_their_blank_columns() -> None:
    """pypdf's text of the same page: a row's numbers move with its label's length, so where its
    blank cell was is the identities' guess, in review."""
    result = extract_path(CONVERTED / "syn9090_021_pdf__pypdf.txt", ExtractOptions())
    assert "applications.granted.research" in result.review
    assert _wrong_and_silent("syn9090_021_pdf__pypdf", ".txt")[1] == []


def test_a_number_before_a_line_of_a_label_printed_down_the_page_is_a_cell() -> None:
    """pdftotext printed 三、本年度办理结果 down the page, a character a line: a row ending in 0 above
    the line ``、`` or ``年 ...`` kept its last cell (it was taken for an ordinal ``0、`` or a date)."""
    assert _wrong_and_silent("syn7171_015_pdf__pdftotext-layout", ".txt") == ([], [])
    text = "x 0\n、\n本 y 0\n年 z 2023年"
    assert [t.text for t in tokenize(text, 0, len(text)) if t.kind == "num"] == ["0", "0"]


# Converter chains on real reports: a converter's output read by a second converter (eval/convert.py's
# ``chains``): a web page printed to PDF by Chromium, a PDF turned into Word by pdf2docx.
SHUYANG_PRINTED = "2023_jiangsu_shuyang_fagaiju__chromium-pdf"
HUAIAN_WORD = "2024_jiangsu_huaian_city_gov__pdf2docx"


def test_tables_a_converter_left_out_are_null_and_in_review() -> None:
    """pandoc's plain text of pdf2docx's Word file writes ``[TABLE]`` for sections 三 and 四: every
    cell of them is null and in review. Before, section 三's keys were missing from the result."""
    name = f"{HUAIAN_WORD}__pandoc-plain"
    result = extract_path(CONVERTED / f"{name}.txt", ExtractOptions())
    granted = "applications.granted.natural_person"
    assert result.fields[granted].value is None and granted in result.review
    assert "not found" in (result.fields[granted].note or "")
    assert _wrong_and_silent(name, ".txt")[1] == []


@pytest.mark.parametrize(
    ("name", "suffix"),
    [
        # wrapped labels whose first line carries the row's numbers: ``5.属于三类内部事 0 0`` / ``务信息``
        (f"{SHUYANG_PRINTED}__pdfplumber", ".txt"),
        # the same, with the label's characters spaced out and blank lines before its rest
        (f"{SHUYANG_PRINTED}__pdftotext-layout", ".txt"),
        # pipe rows of four or five cells for seven columns, labels cut across a table rule line
        (f"{SHUYANG_PRINTED}__markitdown", ".md"),
        # one Word table cell round the whole of section 三: its walls bind nothing
        (f"{SHUYANG_PRINTED}__pdf2docx", ".docx"),
        # pandoc quotes the Word file's indented text (``> 规章`` inside grid cells)
        (f"{HUAIAN_WORD}__pandoc-md", ".md"),
        # rst line blocks: ``| 淮安市人民政府`` as the title
        (f"{HUAIAN_WORD}__pandoc-rst", ".rst"),
    ],
)
def test_chained_conversions_of_real_reports_read_right(name: str, suffix: str) -> None:
    assert _wrong_and_silent(name, suffix) == ([], [])


def test_a_blank_group_of_section_four_is_placed_where_the_layout_leaves_it_empty() -> None:
    """``pdftotext -layout`` of a page whose 未经复议直接起诉 group is blank: ten numbers, the second
    five under 复议后起诉's header. They are placed there (in review: a placement by position)."""
    name = "syn6262_009_pdf__pdftotext-layout"
    result = extract_path(CONVERTED / f"{name}.txt", ExtractOptions())
    direct = "reviews_and_lawsuits.litigation_direct.total"
    after = "reviews_and_lawsuits.litigation_after_reconsideration.total"
    assert result.fields[direct].value is None and result.fields[after].value == 1
    assert {direct, after} <= set(result.review)
    assert _wrong_and_silent(name, ".txt") == ([], [])


DEV = Path(__file__).resolve().parents[1] / "eval" / "converted" / "dev"


def test_a_number_a_narrow_pdf_column_wrapped_is_one_number() -> None:
    """LibreOffice's PDF of the real web page prints 26 in the narrow 总计 column as ``2`` over ``6``:
    one number of one cell, not two."""
    result = extract_path(DEV / "2023_jiangsu_shuyang_fagaiju__libreoffice-pdf.pdf", ExtractOptions())
    for row in ("new_received", "granted", "total_processed"):
        assert result.fields[f"applications.{row}.total"].value == 26, row
        assert result.fields[f"applications.{row}.other_org"].value is None, row


def test_empty_lines_of_a_cell_per_line_text_are_blank_cells_in_place() -> None:
    """LibreOffice's text of a Word table prints every cell as a line, an empty cell as an empty line
    (``（一）予以公开`` 9 1 0 0 _ 0 10): the blank 法律服务机构 cells are read where they stand."""
    name = "syn1101_002_docx__libreoffice-txt"
    result = extract_path(DEV / f"{name}.txt", ExtractOptions())
    assert result.fields["applications.granted.legal_service"].value is None
    assert result.fields["applications.granted.total"].value == 10
    score = score_document(json.loads((DEV / f"{name}.gold.json").read_text(encoding="utf-8")), result.to_json())
    assert score.errors == [] and score.silent == []


def test_empty_lines_after_a_rows_last_number_are_not_cells() -> None:
    """``get_text("\\n")`` prints no line for an empty cell: the two empty lines after a row of five
    zeros are spacing, so which two cells are blank stays a guess in review (76 silent errors when
    they were taken for the last two cells)."""
    assert _wrong_and_silent("syn6262_004_html__gettext-nl", ".txt")[1] == []


# Word files saved as PDF by LibreOffice (as most reports are made), then read by a converter
WORD_PRINTED = "syn6363_004_docx__libreoffice-pdf"
SHUYANG_OFFICE = "2023_jiangsu_shuyang_fagaiju__libreoffice-pdf"


@pytest.mark.parametrize(
    ("name", "suffix"),
    [
        # 5．属于三类 with the row's numbers at a page's foot, 内部事务信息 with empty cells at the next
        # page's head: the row was read blank and certain (7 silent nulls each)
        (f"{WORD_PRINTED}__pdf2docx", ".docx"),
        (f"{WORD_PRINTED}__pymupdf4llm", ".md"),
        # the same with blank cells in the line above: 5.要求行政机 | 0 | | … | 0, then 关确认或重新出具…
        (f"{SHUYANG_OFFICE}__pdf2docx", ".docx"),
        # ``| 0<br>0 |``: two rows run into one cell, whose other cells were read as certain
        (f"{SHUYANG_OFFICE}__pymupdf4llm", ".md"),
        # section 二 printed column by column: a label, an empty line and two numbers was taken for a
        # row of cells one per line (3 silent)
        ("syn6363_008_docx__libreoffice-pdf__pdftotext", ".txt"),
        # ``（单位：万|元）``: the unit cut by a cell wall was read as 元 (2829 万元 as 0.2829)
        ("syn6363_010_docx__libreoffice-pdf__pymupdf4llm", ".md"),
    ],
)
def test_converters_of_word_files_saved_as_pdf_leave_no_value_wrong_outside_review(name: str, suffix: str) -> None:
    assert _wrong_and_silent(name, suffix)[1] == []


def test_a_row_whose_numbers_stand_on_the_table_line_above_its_label_is_read_from_there() -> None:
    result = extract_path(CONVERTED / f"{WORD_PRINTED}__pdf2docx.docx", ExtractOptions())
    key = "applications.denied_internal_affairs.total"
    assert result.fields[key].value == 0 and key in result.review
    assert "bound by order" in (result.fields[key].note or "")
    assert _wrong_and_silent(f"{WORD_PRINTED}__pdf2docx", ".docx") == ([], [])


def test_a_fee_unit_cut_by_a_cell_wall_is_still_wan_yuan() -> None:
    result = extract_path(CONVERTED / "syn6363_010_docx__libreoffice-pdf__pymupdf4llm.md", ExtractOptions())
    assert result.fields["active_disclosure.fees.amount_10k_yuan"].value == 2829


@pytest.mark.parametrize(
    ("name", "suffix"),
    [
        ("syn7171_000_pdf__pdftotext", ".txt"),
        ("syn7171_004_html__gettext", ".txt"),
        ("syn7171_012_pdf__markitdown", ".md"),
    ],
)
@pytest.mark.parametrize("invisible", ["\u200b", "\ufeff", "\u00ad", "\u200d"])
def test_characters_a_page_does_not_show_inside_labels_change_nothing(
    tmp_path: Path, name: str, suffix: str, invisible: str
) -> None:
    """Web pages pasted from other editors carry zero-width spaces, joiners and soft hyphens between
    the characters of a label (申\u200b请): the text reads as it would without them."""
    text = (CONVERTED / f"{name}{suffix}").read_text(encoding="utf-8")
    rng = random.Random(7)
    spiked = re.sub(r"(?<=[\u4e00-\u9fff])(?=[\u4e00-\u9fff])", lambda m: invisible if rng.random() < 0.2 else "", text)
    assert spiked.count(invisible) > 100
    path = tmp_path / f"{name}{suffix}"
    path.write_text(spiked, encoding="utf-8")
    plain = extract_path(CONVERTED / f"{name}{suffix}", ExtractOptions()).to_json()
    assert _wrong_and_silent_at(path, name) == _wrong_and_silent(name, suffix)
    assert extract_path(path, ExtractOptions()).to_json()["review"] == plain["review"]
