"""Text nobody tuned for: cells run together, blank cells, rows bound only by order.

Each case is a small hand-made input in the shape a converter or a page dump produces; every
assertion is about a value being right, or being in review with its reason and alternatives.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from textreports import LABELS, ROWS_2021, SEC4_PLAIN, parse_text, plain_rows, report_text, values

from extractor.load.html import load_html
from extractor.load.text import load_text
from extractor.parse import parse_document
from extractor.parse.layout import tokenize
from extractor.parse.solve import group_splits
from extractor.pipeline import ExtractOptions, extract_document
from extractor.template import APPLICANT_COLUMNS


def _flat_rows(rows: list[tuple[str, list[int]]] = ROWS_2021) -> str:
    """A page dumped without separators: each row's label and digits run into the next row."""
    return "".join(f"{LABELS[key]}{''.join(map(str, row))}" for key, row in rows)


def test_a_label_ordinal_glued_to_the_previous_rows_digits_is_not_a_digit() -> None:
    text = "00000002.其他法律行政法规禁止公开"
    tokens = tokenize(text, 0, len(text))
    assert [(t.kind, t.text) for t in tokens] == [("num", "0000000"), ("text", "2.其他法律行政法规禁止公开")]
    tokens = tokenize("100.其他", 0, 6)  # no ordinal 0: the number stays whole
    assert tokens[0].text == "100"


def test_a_whole_table_run_together_reads_every_row() -> None:
    sec4 = "行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计未经复议直接起诉复议后起诉" + "210030001100000"
    _, outcome = parse_text(report_text(_flat_rows(), sec4=sec4))
    for key, row in ROWS_2021:
        assert values(outcome, f"applications.{key}") == row, key
    assert values(outcome, "reviews_and_lawsuits.reconsideration") == [2, 1, 0, 0, 3]
    # one digit per cell is read as printed; a row whose cut puts two digits into a cell is a choice
    for key, row in ROWS_2021:
        flagged = f"applications.{key}.natural_person" in outcome.review
        assert flagged == any(value > 9 for value in row), key


def test_a_cut_that_joins_digits_is_flagged_even_when_it_is_the_only_one() -> None:
    rows = dict(ROWS_2021)
    rows["new_received"] = [26, 2, 0, 0, 0, 0, 28]
    rows["granted"] = [25, 2, 0, 0, 0, 0, 27]
    rows["total_processed"] = [26, 2, 0, 0, 0, 0, 28]
    rows["partially_granted"] = [0] * 7
    rows["denied_prohibited_by_law"] = [0] * 7
    rows["unavailable_not_held"] = [1, 0, 0, 0, 0, 0, 1]
    rows["rejected_petition"] = [0] * 7
    _, outcome = parse_text(report_text(_flat_rows(list(rows.items()))))
    for key, row in rows.items():
        assert values(outcome, f"applications.{key}") == row, key
    assert "cells ran together" in outcome.review["applications.new_received.natural_person"]


def test_two_rows_that_can_change_together_are_both_flagged() -> None:
    """``262000028`` reads as 26,2,...,28 or 2,6,20,...,28 in new_received and in total_processed at
    once: identity 1 holds either way, so neither row is certain (no outcome row is readable here)."""
    rows = [
        ("new_received", [26, 2, 0, 0, 0, 0, 28]),
        ("carried_over", [0] * 7),
        ("total_processed", [26, 2, 0, 0, 0, 0, 28]),
        ("carried_forward", [0] * 7),
    ]
    _, outcome = parse_text(report_text(_flat_rows(rows)))
    for row in ("new_received", "total_processed"):
        key = f"applications.{row}.natural_person"
        assert key in outcome.review
        assert {outcome.fields[key].value, *outcome.fields[key].alternatives} >= {26, 2}


def test_section_two_runs_with_one_reading_are_read_and_with_several_are_flagged() -> None:
    sec2 = "第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章000行政规范性文件0172\n行政许可2629\n"
    _, outcome = parse_text(report_text(plain_rows(), sec2=sec2))
    assert values(outcome, "active_disclosure.regulations") == [0, 0, 0]
    assert "active_disclosure.regulations.issued" not in outcome.review
    assert values(outcome, "active_disclosure.licensing") == [2629]
    in_force = outcome.fields["active_disclosure.normative_documents.in_force"]
    assert "active_disclosure.normative_documents.in_force" in outcome.review
    assert {in_force.value, *in_force.alternatives} == {2, 72}


def test_of_several_cuts_of_a_section_two_run_the_likeliest_comes_first() -> None:
    # the stock in force is at least the year's issues, the repealed the fewest digits, then the
    # most even cut; every other cut stays an alternative, and the row is in review
    sec2 = "第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章000行政规范性文件161721\n"
    _, outcome = parse_text(report_text(plain_rows(), sec2=sec2))
    assert values(outcome, "active_disclosure.normative_documents") == [16, 1, 721]
    in_force = outcome.fields["active_disclosure.normative_documents.in_force"]
    assert {21, 1721} <= set(in_force.alternatives)
    assert "active_disclosure.normative_documents.in_force" in outcome.review
    sec2 = "第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章000行政规范性文件181829\n"
    _, outcome = parse_text(report_text(plain_rows(), sec2=sec2))
    assert values(outcome, "active_disclosure.normative_documents") == [18, 1, 829]


def test_a_procurement_run_puts_the_projects_small() -> None:
    """A page dump of the 2019 form printed ``政府集中采购6479716726.5``: 6 projects and 479716726.5 元 is the likelier
    cut than the most even one (64797 and 16726.5); both are there, in review."""
    sec2 = (
        "第二十条第（一）项信息内容本年新制作数量本年新公开数量对外公开总数量规章100"
        "第二十条第（九）项信息内容采购项目数量采购总金额政府集中采购6479716726.5\n"
    )
    _, outcome = parse_text(report_text(plain_rows(), sec2=sec2))
    assert values(outcome, "active_disclosure.procurement") == [6, 479716726.5]
    projects = outcome.fields["active_disclosure.procurement.projects"]
    assert 64797 in projects.alternatives and "active_disclosure.procurement.projects" in outcome.review


def test_the_2019_forms_runs_put_the_change_small_and_keep_its_sign() -> None:
    sec2 = (
        "第二十条第（一）项信息内容本年新制作数量本年新公开数量对外公开总数量规章100行政规范性文件181829"
        "第二十条第（五）项信息内容上一年项目数量本年增/减处理决定数量行政许可463523其他对外管理服务事项155-18303"
        "第二十条第（八）项信息内容上一年项目数量本年增/减行政事业性收费243"
        "第二十条第（九）项信息内容采购项目数量采购总金额政府集中采购120项427013900.91元\n"
    )
    _, outcome = parse_text(report_text(plain_rows(), sec2=sec2))
    assert values(outcome, "active_disclosure.regulations") == [1, 0, 0]
    assert values(outcome, "active_disclosure.normative_documents") == [18, 18, 29]
    assert values(outcome, "active_disclosure.licensing") == [46, 3, 523]
    assert values(outcome, "active_disclosure.other_services") == [155, -1, 8303]
    assert values(outcome, "active_disclosure.fees") == [24, 3]
    assert values(outcome, "active_disclosure.procurement") == [120, 427013900.91]
    assert "active_disclosure.licensing.decisions" in outcome.review
    assert -18 in outcome.fields["active_disclosure.other_services.items_change"].alternatives


def test_a_minus_glued_to_the_previous_cell_keeps_its_sign() -> None:
    text = "22-2"
    assert [t.value for t in tokenize(text, 0, len(text))] == [22, -2]


@pytest.mark.parametrize("seed", range(5))
def test_section_four_as_one_long_run_is_cut_group_by_group(seed: int) -> None:
    rng = random.Random(seed)
    cells: list[int] = []
    for _ in range(3):
        parts = [rng.choice([0, 0, 1, 2, 5, 12, 31, 120, 1005]) for _ in range(4)]
        cells += [*parts, sum(parts)]
    digits = "".join(map(str, cells))
    tokens = tokenize(digits, 0, len(digits))
    started = time.process_time()
    readings = group_splits(tokens, 15, 5)
    assert time.process_time() - started < 5  # the plain enumeration took minutes on 23 digits
    assert tuple(cells) in [r.values for r in readings]
    assert all(sum(r.values[i : i + 4]) == r.values[i + 4] for r in readings for i in (0, 5, 10))  # type: ignore[misc]


def test_a_page_number_between_section_fours_heading_and_headers_is_not_a_cell() -> None:
    sec4 = "2\n行政复议 行政诉讼\n结果维持 结果纠正 其他结果 尚未审结 总计\n0 2 3 1 6 0 1 0 0 1 1 1 0 0 2\n"
    _, outcome = parse_text(report_text(plain_rows(), sec4=sec4))
    assert values(outcome, "reviews_and_lawsuits") == [0, 2, 3, 1, 6, 0, 1, 0, 0, 1, 1, 1, 0, 0, 2]
    # a number among the headers is not a page number: the section is not read past it
    sec4 = "行政复议 2 行政诉讼\n结果维持 结果纠正 其他结果 尚未审结 总计\n0 2 3 1 6 0 1 0 0 1 1 1 0 0 2\n"
    _, outcome = parse_text(report_text(plain_rows(), sec4=sec4))
    assert "reviews_and_lawsuits.reconsideration.upheld" in outcome.review


def test_section_four_with_a_whole_group_blank_is_placed_every_way_and_flagged() -> None:
    sec4 = "行政复议 行政诉讼\n结果维持 结果纠正 其他结果 尚未审结 总计\n0 1 3 1 5 0 0 0 1 1\n"
    _, outcome = parse_text(report_text(plain_rows(), sec4=sec4))
    assert values(outcome, "reviews_and_lawsuits") == [0, 1, 3, 1, 5, 0, 0, 0, 1, 1, *[None] * 5]
    assert all(key in outcome.review for key in outcome.fields if key.startswith("reviews_and_lawsuits."))
    total = outcome.fields["reviews_and_lawsuits.litigation_direct.total"]
    assert set(total.alternatives) == {None, 5}  # group 2 blank, or group 1
    assert outcome.fields["reviews_and_lawsuits.litigation_after_reconsideration.total"].alternatives == [1]
    # ten numbers whose groups break their totals are not placed
    sec4 = "行政复议 行政诉讼\n结果维持 结果纠正 其他结果 尚未审结 总计\n0 1 3 1 9 0 0 0 1 1\n"
    _, outcome = parse_text(report_text(plain_rows(), sec4=sec4))
    assert values(outcome, "reviews_and_lawsuits") == [None] * 15


def test_numbers_above_their_label_are_bound_by_order_only() -> None:
    """A converter printed each row's numbers on the line above its label: a shift by one row keeps
    every column sum, so nothing may come out of it certain."""
    lines = []
    for key, row in ROWS_2021:
        lines.append(" ".join(map(str, row)))
        lines.append(LABELS[key])
    _, outcome = parse_text(report_text("\n".join(lines)))
    for key, _ in ROWS_2021:
        assert f"applications.{key}.natural_person" in outcome.review, key


HTML_ROW = "<tr><td>{label}</td>{cells}</tr>"


def _html(rows: list[tuple[str, list[int | None]]], note: str = "") -> bytes:
    body = []
    for key, row in rows:
        cells = "".join(f"<td>{'&nbsp;' if v is None else v}</td>" for v in row)
        body.append(HTML_ROW.format(label=LABELS[key], cells=cells))
    text = (
        "<html><body><h1>示例市人民政府2023年政府信息公开工作年度报告</h1>"
        "<p>本报告所列数据统计期限自2023年1月1日起至2023年12月31日止。</p>"
        "<p>三、收到和处理政府信息公开申请情况</p><table>"
        "<tr><td>申请人情况</td><td>自然人</td><td>商业企业</td><td>科研机构</td><td>社会公益组织</td>"
        "<td>法律服务机构</td><td>其他</td><td>总计</td></tr>" + "".join(body) + "</table>"
        f"<p>{note}</p><p>四、政府信息公开行政复议、行政诉讼情况</p><p>{SEC4_PLAIN}</p>"
        "<p>五、存在的主要问题及改进情况</p><p>示例市人民政府办公室</p><p>2024年1月20日</p></body></html>"
    )
    return text.encode("utf-8")


def _blank_first_column() -> list[tuple[str, list[int | None]]]:
    rows: list[tuple[str, list[int | None]]] = []
    for key, row in ROWS_2021:
        printed: list[int | None] = list(row)
        if row[0] == 0:
            printed[0] = None  # the 自然人 cell printed blank
        rows.append((key, printed))
    return rows


def test_a_blank_cell_in_a_web_table_keeps_the_values_after_it_in_their_columns(tmp_path: Path) -> None:
    document = load_html(tmp_path / "page.html", _html(_blank_first_column()))
    outcome = parse_document(document)
    assert values(outcome, "applications.denied_state_secret") == [None, 0, 0, 0, 0, 0, 0]
    assert values(outcome, "applications.granted") == [8, 0, 0, 0, 0, 0, 8]
    # printed blank, in a row that was found: a null as printed
    assert "applications.denied_state_secret.natural_person" not in outcome.review


@pytest.mark.parametrize("spacer", ['<td width="0"></td>', "<td>&nbsp;</td>", "<td></td><td></td>"])
def test_columns_that_show_nothing_after_a_web_tables_last_are_not_its_columns(tmp_path: Path, spacer: str) -> None:
    """A table pasted from Word into a page keeps hidden empty columns after the real ones. Read as
    the row's last cells they moved every value one column to the left, and rows of zeros still
    added up: 200 wrong values over 11 pages, none in review."""
    page = _html(_blank_first_column()).decode("utf-8").replace("</tr>", f"{spacer}</tr>")
    outcome = parse_document(load_html(tmp_path / "page.html", page.encode("utf-8")))
    for key, row in _blank_first_column():
        assert values(outcome, f"applications.{key}") == row, key
    assert not any(key.startswith("applications.") for key in outcome.review)


def test_a_cell_that_says_none_in_words_is_read_as_zero_and_flagged(tmp_path: Path) -> None:
    """Some tables print 无 (none) where others print 0. As a word it ended the row, and the row went
    unread; it is a cell of its own, read as 0 and in review."""
    page = _html(ROWS_2021).decode("utf-8").replace("<td>0</td>", "<td>无</td>")
    outcome = parse_document(load_html(tmp_path / "page.html", page.encode("utf-8")))
    for key, row in ROWS_2021:
        assert values(outcome, f"applications.{key}") == row, key
    granted = "applications.granted"
    assert "无" in outcome.review[f"{granted}.commercial"]
    assert f"{granted}.natural_person" not in outcome.review  # printed 8, in its cell, identities hold


def test_cells_that_say_none_in_a_markdown_table_keep_their_places() -> None:
    """markitdown and pandoc write the page's 无 cells as they are (``| 8.属于行政查询事项 | 无 | … | 0 |``):
    leading 无 cells are cells of the row, not the end of its label."""
    rows = "\n".join(
        f"| {LABELS[key]} | " + " | ".join("无" if v == 0 else str(v) for v in row) + " |" for key, row in ROWS_2021
    )
    _, outcome = parse_text(report_text(rows + "\n"), name="sample.md")
    for key, row in ROWS_2021:
        assert values(outcome, f"applications.{key}") == row, key
    assert "无" in outcome.review["applications.granted.commercial"]


def test_a_wrapped_label_whose_cells_say_none_on_its_second_line_is_not_a_blank_row() -> None:
    """w3m wraps a long label cell over three lines and prints the row's cells on the middle one; the
    first line's cells are empty. Cells that say 无 there are the row's values, not a blank row."""
    width = len(ROWS_2021[0][1])

    def row(key: str, values: list[int]) -> str:
        cells = " | ".join("无" if v == 0 else str(v) for v in values)
        if key != "other_no_correction":
            return f"| {LABELS[key]} | {cells} |"
        label = LABELS[key]
        empty = " | ".join([""] * width)
        cells = " | ".join(["无", *[""] * (width - 2), "无"])  # the page printed its other cells blank
        return f"| {label[:12]} | {empty} |\n| {label[12:24]} | {cells} |\n| {label[24:]} | {empty} |"

    rows = "\n".join(row(key, values) for key, values in ROWS_2021)
    _, outcome = parse_text(report_text(rows + "\n"), name="sample.md")
    key = "applications.other_no_correction"
    assert dict(ROWS_2021)["other_no_correction"] == [0] * width
    expected = [0, *[None] * (width - 2), 0]
    got = values(outcome, key)
    flagged = [f"{key}.{col}" in outcome.review for col in APPLICANT_COLUMNS]
    assert all(g == e or f for g, e, f in zip(got, expected, flagged, strict=True))
    assert got != [None] * width


@pytest.mark.parametrize(
    "note",
    [
        "注：表格中空白处表示0。",
        "说明：表内“—”代表数量为零。",
        "（表中数据为空的，表示无）",
        "备注：本表中未填写数字的单元格数值为0",
        "注：—表示0。",
        "注：表中空白处为“0”。",
    ],
)
def test_blank_means_zero_notes_are_read_and_their_zeros_flagged(tmp_path: Path, note: str) -> None:
    document = load_html(tmp_path / "page.html", _html(_blank_first_column(), note))
    result = extract_document(document, ExtractOptions(llm="never"))
    key = "applications.denied_state_secret.natural_person"
    assert result.fields[key].value == 0
    assert key in result.review
    assert "blank" in (result.fields[key].note or "")


def test_when_no_label_pins_the_form_of_the_sixth_row_both_forms_are_listed() -> None:
    rows = [(key, row) for key, row in ROWS_2021 if not key.startswith("other_")]
    _, outcome = parse_text(report_text(plain_rows(rows)))
    for row in ("other_handling", "other_no_correction", "other_unpaid_fee", "other_other"):
        key = f"applications.{row}.total"
        assert key in outcome.fields and key in outcome.review, row
    assert "（六）" in outcome.review["applications.other_handling.total"]


def test_blank_cells_that_left_no_trace_are_placed_and_flagged() -> None:
    """A page whose legal-person cells are empty, dumped without separators: ``数量2626``."""
    rows = [(key, [row[0], None, None, None, None, None, row[-1]]) for key, row in ROWS_2021]
    text = "".join(f"{LABELS[key]}{row[0]}{row[-1]}" for key, row in rows)
    _, outcome = parse_text(report_text(text))
    assert values(outcome, "applications.new_received") == [15, None, None, None, None, None, 15]
    assert values(outcome, "applications.granted") == [8, None, None, None, None, None, 8]
    assert "applications.new_received.natural_person" in outcome.review
    assert "applications.new_received.commercial" in outcome.review


def test_a_cell_lost_from_space_separated_numbers_is_read_as_blank_where_its_place_is_pinned() -> None:
    """pypdf text of a PDF whose legal-service zeros print blank: the blank cells left no trace."""
    path = Path(__file__).parent.parent / "eval" / "converted" / "dev" / "syn1101_003_pdf__pypdf.txt"
    result = extract_document(load_text(path, path.read_bytes()), ExtractOptions(llm="never"))
    # 予以公开 74 0 0 2 6 82: the column sums put the lost cell in 法律服务机构, printed blank
    granted = result.fields["applications.granted.legal_service"]
    assert (granted.value, granted.alternatives) == (None, [0])
    assert "applications.granted.legal_service" in result.review
    assert result.fields["applications.granted.total"].value == 82
    # a row of zeros reads the same with the lost cell anywhere: it goes where the pinned rows have it
    secret = {col: result.fields[f"applications.denied_state_secret.{col}"] for col in ("commercial", "legal_service")}
    assert (secret["legal_service"].value, secret["commercial"].value) == (None, 0)
    assert all(f"applications.denied_state_secret.{col}" in result.review for col in ("research", "legal_service"))


@pytest.mark.parametrize(
    ("converter", "by_position"), [("markitdown.md", False), ("pdfplumber.txt", False), ("pdftotext-layout.txt", True)]
)
def test_blank_cells_lost_by_other_converters_land_in_the_blank_column(converter: str, by_position: bool) -> None:
    """markitdown merges cells (``| 74 0 | 0 2 |``): its walls say nothing about a lost cell.
    ``pdftotext -layout`` leaves the blank cell's place empty under its column: blank as printed."""
    path = Path(__file__).parent.parent / "eval" / "converted" / "dev" / f"syn1101_003_pdf__{converter}"
    result = extract_document(load_text(path, path.read_bytes()), ExtractOptions(llm="never"))
    for row in ("granted", "denied_state_secret", "rejected_duplicate"):
        assert result.fields[f"applications.{row}.legal_service"].value is None, row
        assert (f"applications.{row}.legal_service" in result.review) is not by_position, row


def test_a_label_cut_into_two_markdown_cells_still_finds_its_row() -> None:
    """pymupdf4llm cuts a wide label cell in two: ``|一、本年新|收政府信息公开申请数量|280|...``."""
    rows = "\n".join(
        f"|{LABELS[key][: len(LABELS[key]) // 2]}|{LABELS[key][len(LABELS[key]) // 2 :]}|{'|'.join(map(str, row))}|"
        for key, row in ROWS_2021
    )
    _, outcome = parse_text(report_text(rows + "\n"), name="sample.md")
    for key, row in ROWS_2021:
        assert values(outcome, f"applications.{key}") == row, key
    assert "applications.new_received.natural_person" not in outcome.review  # on its label's line, in its cell


def test_box_drawing_cell_walls_are_cell_walls() -> None:
    """w3m dumps a web page's tables with box-drawing walls: ``│规章          │3 │1 │17 │``."""
    sec2 = (
        "│第二十条第（一）项                                   │\n"
        "│信息内容      │本年制发件数│本年废止件数│现行有效件数│\n"
        "│规章          │3           │1           │17          │\n"
        "│行政规范性文件│10          │0           │239         │\n"
        "│第二十条第（五）项                                   │\n"
        "│信息内容      │本年处理决定数量                      │\n"
        "│行政许可      │35635                                 │\n"
    )
    _, outcome = parse_text(report_text(plain_rows(), sec2=sec2))
    assert values(outcome, "active_disclosure.regulations") == [3, 1, 17]
    assert values(outcome, "active_disclosure.normative_documents") == [10, 0, 239]
    assert outcome.fields["active_disclosure.licensing.decisions"].value == 35635


# where each row's numbers stand: 0 on the label's line, 1 above it, 2 below it
HONGZE_PDFPLUMBER = [0, 1, 0, 2, 1, 0, 1, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0]


@pytest.mark.parametrize("places", [[1] * len(ROWS_2021), [2] * len(ROWS_2021), HONGZE_PDFPLUMBER])
def test_rows_of_numbers_on_lines_of_their_own_pair_with_number_less_labels_in_order(places: list[int]) -> None:
    """pdfplumber prints a row's numbers level with the middle of its wrapped label cell: above the
    label's line for some rows, below it for others. The nearest line after a label is not its row."""
    lines = []
    for place, (key, row) in zip(places, ROWS_2021, strict=True):
        numbers = " ".join(map(str, row))
        lines += (
            [f"{LABELS[key]} {numbers}"]
            if place == 0
            else [numbers, LABELS[key]]
            if place == 1
            else [LABELS[key], numbers]
        )
    _, outcome = parse_text(report_text("\n".join(lines) + "\n"))
    for key, row in ROWS_2021:
        assert values(outcome, f"applications.{key}") == row, key
    if set(places) == {2}:  # every label, then its numbers, nothing before the first: one reading
        assert "applications.carried_over.total" not in outcome.review
    else:
        assert "bound by order" in outcome.review["applications.carried_over.total"]


def test_rows_spread_over_more_cells_than_the_table_has_keep_every_number() -> None:
    """markitdown spreads a PDF table's rows over more pipe cells than it has, empty ones among the
    numbers: ``| 规章 | | | 0 | | | 0 | | | | 0 |`` and ``| label | | 15 | 0 | 0 | 0 | | 0 | 0 | 15 |``."""
    sec2 = (
        "第二十条第（一）项\n"
        "| | 信息内容 | 本年制发件数 | | | 本年废止件数 | | | 现行有效件数 | |\n"
        "| 规章 | | | 0 | | | 1 | | | 40 |\n"
        "| 行政规范性文件 | | | 5 | | | | 1 | | 40 |\n"
    )
    rows = "\n".join(
        f"| {LABELS[key]} | | {' | '.join(map(str, row[:4]))} | | {' | '.join(map(str, row[4:]))} |"
        for key, row in ROWS_2021
    )
    _, outcome = parse_text(report_text(rows + "\n", sec2=sec2), name="sample.md")
    assert values(outcome, "active_disclosure.regulations") == [0, 1, 40]
    assert values(outcome, "active_disclosure.normative_documents") == [5, 1, 40]
    assert "active_disclosure.regulations.issued" in outcome.review  # placed in order, not by its cell
    for key, row in ROWS_2021:
        assert values(outcome, f"applications.{key}") == row, key


@pytest.mark.parametrize("bracket", ["〈七)", "[七]", "(七)"])
def test_the_total_row_is_found_under_a_misread_bracket(bracket: str) -> None:
    """tesseract read （七）总计 as ``〈七) 总计``: the row was not found, seven nulls in review."""
    text = plain_rows().replace(LABELS["total_processed"], f"{bracket} 总计")
    _, outcome = parse_text(report_text(text))
    assert values(outcome, "applications.total_processed") == [15, 0, 0, 0, 0, 0, 15]
    assert "applications.total_processed.total" not in outcome.review


def test_a_label_whose_quotes_a_converter_moved_into_its_words_is_found() -> None:
    """pypdf printed 3.危及“三安全一稳定” as ``3.危“及 三安全一”稳定``: the row was not found, and the
    whole table went to a reader that binds nothing."""
    text = plain_rows().replace(LABELS["denied_security_stability"], "3.危“及 三安全一”稳定")
    assert "危“及" in text
    _, outcome = parse_text(report_text(text))
    assert values(outcome, "applications.denied_security_stability") == [0] * 7
    assert "applications.denied_security_stability.total" not in outcome.review


SEC2_MARKDOWN = """第二十条第（一）项
| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |
| --- | --- | --- | --- |
| 规章 | 0 | 0 | 3 |
| 行政规范性文件 | 5 | 1 | 40 |

第二十条第（五）项
| 信息内容 | 本年处理决定数量 |
| --- | --- |
| 行政许可 | 1234 |
"""


def test_a_number_inside_its_labels_cell_is_placed_by_order_and_flagged() -> None:
    """A hard-wrapped pandoc table, rewritten into pipe rows, moved a row's last cell into its label's
    cell (``| 行政规范性文件21 | 11 | 10 |``): no wall binds that number to its column, so the row is
    in review; its neighbour, a cell per number, is not."""
    sec2 = SEC2_MARKDOWN.replace("| 行政规范性文件 | 5 | 1 | 40 |", "| 行政规范性文件40 | 5 | 1 |")
    _, outcome = parse_text(report_text(plain_rows(), sec2=sec2), name="sample.md")
    keys = [f"active_disclosure.normative_documents.{k}" for k in ("issued", "repealed", "in_force")]
    assert all(key in outcome.review for key in keys)
    assert "placed by order" in outcome.review[keys[0]]
    assert not any(key.startswith("active_disclosure.regulations.") for key in outcome.review)
    _, clean = parse_text(report_text(plain_rows(), sec2=SEC2_MARKDOWN), name="sample.md")
    assert not any(key.startswith("active_disclosure.normative_documents.") for key in clean.review)


def test_qita_written_with_ta_reads_as_the_templates_qita(tmp_path: Path) -> None:
    """Reports print 其它 for the form's 其他 (the column 其它, （六）其它处理, 3.其它)."""
    page = _html(ROWS_2021).decode("utf-8").replace("其他", "其它")
    assert page.count("其它") >= 4
    outcome = parse_document(load_html(tmp_path / "page.html", page.encode("utf-8")))
    for key, row in ROWS_2021:
        assert values(outcome, f"applications.{key}") == row, key
    assert not any(key.startswith("applications.") for key in outcome.review)


@pytest.mark.parametrize("separator", [" ", "\n"])
def test_none_words_in_text_without_cell_walls_are_cells(separator: str) -> None:
    """lynx and get_text("\\n") print a page's 无 cells as words between spaces or on lines of their
    own: each is a cell of its row, read as 0 and in review; before, the word ended the row and the
    numbers after it were read as the next row's."""
    rows = "\n".join(
        f"{LABELS[key]}{separator}" + separator.join("无" if v == 0 else str(v) for v in row) for key, row in ROWS_2021
    )
    _, outcome = parse_text(report_text(rows + "\n"))
    for key, row in ROWS_2021:
        assert values(outcome, f"applications.{key}") == row, key
    assert "无" in outcome.review["applications.granted.commercial"]
