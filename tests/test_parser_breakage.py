"""Each way real extractions break the tables, in a small hand-made input."""

from __future__ import annotations

import re

from textreports import LABELS, ROWS_2021, SEC2_PLAIN, SEC4_PLAIN, parse_text, plain_rows, report_text, values

EXPECTED = dict(ROWS_2021)


def assert_applications(outcome, expected=EXPECTED) -> None:  # type: ignore[no-untyped-def]
    for row, row_values in expected.items():
        assert values(outcome, f"applications.{row}") == row_values, row


def test_clean_plain_text_reads_every_field_without_review() -> None:
    _, outcome = parse_text(report_text(plain_rows()))
    assert_applications(outcome)
    assert values(outcome, "reviews_and_lawsuits.reconsideration") == [2, 1, 0, 0, 3]
    assert values(outcome, "reviews_and_lawsuits.litigation_direct") == [0, 0, 0, 1, 1]
    assert outcome.fields["active_disclosure.normative_documents.in_force"].value == 40
    assert outcome.fields["active_disclosure.licensing.decisions"].value == 1234  # thousands separator
    assert outcome.fields["active_disclosure.fees.amount_10k_yuan"].value == 56.78
    assert outcome.fields["organization"].value == "示例市人民政府"
    assert outcome.fields["year"].value == 2023
    assert outcome.fields["published_on"].value == "2024-01-20"
    assert outcome.fields["template"].value == "2021"
    assert outcome.review == {}


def test_labels_split_one_character_per_line_and_numbers_on_their_own_line() -> None:
    lines = []
    for key, row_values in ROWS_2021:
        label = plain_rows([(key, row_values)]).rsplit(" ", 7)[0]
        lines.append("\n".join(label[i : i + 3] for i in range(0, len(label), 3)))  # wrapped label
        lines.append(" ".join(map(str, row_values)))
    vertical = "\n".join("三、本年度办理结果")
    text = report_text("\n".join(lines[:4]) + "\n" + vertical + "\n" + "\n".join(lines[4:]))
    _, outcome = parse_text(text)
    assert_applications(outcome)
    # each row's numbers stand on a line of their own after its label, every row of the form in
    # order, nothing before the first: bound by the order of the rows
    assert not outcome.review


def test_labels_split_over_lines_with_a_row_missing_are_bound_by_order_only() -> None:
    lines = []
    for key, row_values in ROWS_2021:
        if key == "denied_third_party":
            continue  # a row the text lost: the rows after it could be shifted by one unseen
        label = plain_rows([(key, row_values)]).rsplit(" ", 7)[0]
        lines.append("\n".join(label[i : i + 3] for i in range(0, len(label), 3)))
        lines.append(" ".join(map(str, row_values)))
    _, outcome = parse_text(report_text("\n".join(lines)))
    present = [f"applications.{key}.{col}" for key, _ in ROWS_2021 for col in ("natural_person", "total")]
    assert all(key in outcome.review for key in present)


def test_numbers_printed_before_their_label() -> None:
    rows = plain_rows().splitlines()
    # the (七) total row's numbers come on the line before its label
    index = next(i for i, line in enumerate(rows) if line.startswith("（七）总计"))
    label, numbers = rows[index].split(" ", 1)
    rows[index] = f"{numbers}\n{label}"
    _, outcome = parse_text(report_text("\n".join(rows)))
    assert values(outcome, "applications.total_processed") == EXPECTED["total_processed"]


def test_section_two_table_interleaved_inside_section_three() -> None:
    rows = plain_rows().splitlines()
    interleaved = "\n".join(rows[:9]) + "\n" + SEC2_PLAIN + "\n".join(rows[9:])
    text = report_text(interleaved, sec2="")
    _, outcome = parse_text(text)
    assert_applications(outcome)
    assert outcome.fields["active_disclosure.penalty.decisions"].value == 12
    assert outcome.fields["active_disclosure.normative_documents.issued"].value == 5


def test_markdown_table_split_in_two_with_a_row_shifted_by_one_column() -> None:
    def md(key: str, row_values: list[int], shift: bool = False) -> str:
        cells = ["", plain_rows([(key, row_values)]).rsplit(" ", 7)[0], *map(str, row_values)]
        if shift:  # the label moved one cell left, a blank cell at the end
            cells = [*cells[1:], ""]
        return "| " + " | ".join(cells) + " |"

    first = [md(k, v) for k, v in ROWS_2021[:8]]
    second = [md(k, v, shift=(k == "total_processed")) for k, v in ROWS_2021[8:]]
    rule = "|---|---|---|---|---|---|---|---|---|"
    table = "\n".join(
        ["| | | 自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计 |", rule, *first]
    )
    table += "\n\n" + "\n".join(["| | | | | | | | | |", rule, *second])
    _, outcome = parse_text(report_text(table))
    assert_applications(outcome)


def test_tab_separated_rows_without_group_labels_a_lost_column_and_a_stray_token() -> None:
    rows = []
    for key, row_values in ROWS_2021:
        label = plain_rows([(key, row_values)]).rsplit(" ", 7)[0]
        label = re.sub(r"^（[一二三四五六七]）", "", label) if key != "total_processed" else label
        cells = list(map(str, row_values))
        if key not in ("new_received",):
            cells.pop(3)  # the extraction lost the 社会公益组织 column (zeros there)
        if key == "total_processed":
            cells.insert(2, "0")  # and a stray token in the total row
        rows.append("\t" + label + "\t" + "\t".join(cells))
    _, outcome = parse_text(report_text("\n".join(rows)))
    assert_applications(outcome)
    granted = outcome.fields["applications.granted.social_welfare"]
    assert "applications.granted.social_welfare" in outcome.review  # a restored cell is flagged
    assert granted.value == 0


def test_lost_column_is_chosen_by_the_identities() -> None:
    # the first column is the one lost: only the column identities tell which
    rows = []
    for key, row_values in ROWS_2021:
        label = plain_rows([(key, row_values)]).rsplit(" ", 7)[0]
        cells = list(map(str, row_values))
        if key != "new_received":
            cells.pop(1)
        rows.append(f"{label}\t" + "\t".join(cells))
    _, outcome = parse_text(report_text("\n".join(rows)))
    assert_applications(outcome)


def test_cells_run_together_in_a_web_page_dump() -> None:
    expected = dict(ROWS_2021)
    expected["granted"] = [6, 0, 0, 0, 0, 2, 8]
    expected["partially_granted"] = [2, 0, 0, 0, 0, 0, 2]
    expected["new_received"] = [13, 0, 0, 0, 0, 2, 15]
    expected["total_processed"] = [13, 0, 0, 0, 0, 2, 15]
    rows = []
    for key, row_values in expected.items():
        label = plain_rows([(key, row_values)]).rsplit(" ", 7)[0]
        digits = "".join(map(str, row_values))
        rows.append(label + digits[:2] + " " + digits[2:])  # one space in a random place
    sec4 = "行政复议 行政诉讼 结果维持 结果纠正 其他结果 尚未审结 总计\n" + "210030001100000"
    _, outcome = parse_text(report_text("\n".join(rows), sec4=sec4))
    assert_applications(outcome, expected)
    assert values(outcome, "reviews_and_lawsuits.reconsideration") == [2, 1, 0, 0, 3]
    assert values(outcome, "reviews_and_lawsuits.litigation_direct") == [0, 0, 0, 1, 1]


def test_web_dump_examples_from_the_issue() -> None:
    rows = plain_rows().splitlines()
    rows[0] = "一、本年新收政府信息公开申请数量150 000015"
    _, outcome = parse_text(report_text("\n".join(rows)))
    assert values(outcome, "applications.new_received") == [15, 0, 0, 0, 0, 0, 15]


def test_label_variants_typos_full_width_digits_notes_and_blank_cells() -> None:
    rows = plain_rows().replace("2.其他法律行政法规禁止公开", "2、其他法律行政止公开")
    rows = rows.replace("（一）予以公开 8 0 0 0 0 0 8", "（一）予以公开 ８ ０ ０ ０ ０ ０ ８")
    sec2 = SEC2_PLAIN.replace("行政规范性文件 5 1 40", "规范性文件\t22（其中修订16件）\t1\t40").replace(
        "行政处罚 12", "行政处罚\t\t"
    )
    _, outcome = parse_text(report_text(rows, sec2=sec2))
    assert_applications(outcome)
    assert outcome.fields["active_disclosure.normative_documents.issued"].value == 22
    assert outcome.fields["active_disclosure.penalty.decisions"].value is None  # blank cell is null


def test_money_in_yuan_is_converted_to_the_contract_unit() -> None:
    sec2 = SEC2_PLAIN.replace("本年收费金额（单位：万元）", "本年收费金额（单位：元）").replace(
        "行政事业性收费 56.78", "行政事业性收费 567800"
    )
    _, outcome = parse_text(report_text(plain_rows(), sec2=sec2))
    assert outcome.fields["active_disclosure.fees.amount_10k_yuan"].value == 56.78


def test_other_handling_printed_as_one_row_in_a_2021_report() -> None:
    rows = [(k, v) for k, v in ROWS_2021 if not k.startswith("other_")]
    text = plain_rows(rows).replace("（七）总计", "（六）其他处理 0 0 0 0 0 0 0\n（七）总计")
    _, outcome = parse_text(report_text(text))
    assert outcome.template == "2021"
    assert "other_handling" in outcome.rows
    assert not any(r in outcome.rows for r in ("other_no_correction", "other_unpaid_fee", "other_other"))
    assert values(outcome, "applications.other_handling") == [0] * 7


def test_ambiguous_reading_keeps_the_likeliest_and_lists_alternatives() -> None:
    # a single row that lost a column, and no other row whose identities could tell which one
    _, outcome = parse_text(report_text("（一）予以公开 1 0 0 0 0 1", sec2="", sec4=""))
    cells = {c: outcome.fields[f"applications.granted.{c}"] for c in ("natural_person", "commercial", "other_org")}
    assert [cells[c].value for c in cells] == [1, 0, 0]  # the likeliest: a zero column was lost
    assert 0 in cells["natural_person"].alternatives  # the other readings are listed
    assert all(f"applications.granted.{c}" in outcome.review for c in cells)


def test_a_report_breaking_its_own_identity_keeps_the_printed_numbers() -> None:
    sec4 = SEC4_PLAIN.replace("2 1 0 0 3", "10 1 0 0 0")
    _, outcome = parse_text(report_text(plain_rows(), sec4=sec4))
    assert values(outcome, "reviews_and_lawsuits.reconsideration") == [10, 1, 0, 0, 0]


def test_a_template_row_the_text_does_not_show_is_null_and_flagged() -> None:
    rows = [line for line in plain_rows().splitlines() if "行政查询" not in line]
    _, outcome = parse_text(report_text("\n".join(rows)))
    assert values(outcome, "applications.denied_inquiry") == [None] * 7
    assert "applications.denied_inquiry.total" in outcome.review


def test_an_area_named_in_the_title_is_read_as_its_government_and_flagged() -> None:
    text = report_text(plain_rows()).replace("示例市人民政府2023年", "示例县2023年")
    _, outcome = parse_text(text)
    assert outcome.fields["organization"].value == "示例县人民政府"
    assert "organization" in outcome.review


def test_total_row_printed_without_its_numeral() -> None:
    _, outcome = parse_text(report_text(plain_rows().replace("（七）总计", "总计")))
    assert values(outcome, "applications.total_processed") == EXPECTED["total_processed"]


def test_ocr_lookalike_characters_in_number_cells_are_read_and_flagged() -> None:
    rows = []
    for key, row_values in ROWS_2021:
        label = plain_rows([(key, row_values)]).rsplit(" ", 7)[0]
        cells = [str(v) for v in row_values]
        if key == "denied_prohibited_by_law":
            cells[0], cells[1] = "一", "o"  # OCR: 1 read as the numeral 一, 0 as the letter o
        rows.append(label + "\t" + "\t".join(cells))
    _, outcome = parse_text(report_text("\n".join(rows)))
    assert values(outcome, "applications.denied_prohibited_by_law") == [1, 0, 0, 0, 0, 0, 1]
    assert "applications.denied_prohibited_by_law.natural_person" in outcome.review
    assert "applications.denied_prohibited_by_law.commercial" in outcome.review


def test_a_column_lost_from_every_row_is_never_silently_misplaced() -> None:
    # every row lost its first cell: the identities hold whichever column is taken as the lost
    # one, so every cell that depends on that choice must be flagged (or right)
    true_rows = [
        (k, [v[0], 1, *v[2:6], v[6] + 1]) if k in ("new_received", "granted", "total_processed") else (k, v)
        for k, v in ROWS_2021
    ]
    lines = []
    for key, row_values in true_rows:
        label = plain_rows([(key, row_values)]).rsplit(" ", 7)[0]
        lines.append(label + "\t" + "\t".join(map(str, row_values[1:])))
    _, outcome = parse_text(report_text("\n".join(lines)))
    for key, row_values in true_rows:
        for col, true_value in zip(
            ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total"),
            row_values,
            strict=True,
        ):
            dotted = f"applications.{key}.{col}"
            assert outcome.fields[dotted].value == true_value or dotted in outcome.review, dotted


def test_headings_numbered_in_brackets() -> None:
    text = report_text(plain_rows())
    for numeral in "一二三四五六":
        text = text.replace(f"\n{numeral}、", f"\n（{numeral}）")
    prose = "（一）主动公开。本年新收政府信息公开申请数量为15件，予以公开8件。"  # row words in section 一
    text = text.replace("2023年，我市共发布信息100条。", prose)
    _, outcome = parse_text(text)
    assert_applications(outcome)
    assert values(outcome, "reviews_and_lawsuits.reconsideration") == [2, 1, 0, 0, 3]


def test_a_row_whose_label_ocr_garbled_is_placed_by_position_and_flagged() -> None:
    rows = []
    for key, row_values in ROWS_2021:
        label = plain_rows([(key, row_values)]).rsplit(" ", 7)[0]
        if key == "rejected_petition":
            label = "1.信坊举损投拆类申请"  # OCR misread every key word of 信访举报投诉类申请
        rows.append("三、本年度办理结果\t" + label + "\t" + "\t".join(map(str, row_values)))
    _, outcome = parse_text(report_text("\n".join(rows)))
    assert values(outcome, "applications.rejected_petition") == EXPECTED["rejected_petition"]
    assert "applications.rejected_petition.total" in outcome.review


def test_blank_cells_are_zero_only_where_the_document_says_so() -> None:
    sec2 = SEC2_PLAIN.replace("行政处罚 12", "行政处罚\t—")
    _, plain = parse_text(report_text(plain_rows(), sec2=sec2))
    assert plain.fields["active_disclosure.penalty.decisions"].value is None
    _, noted = parse_text(report_text(plain_rows(), sec2=sec2 + "注：表中“—”表示0。\n"))
    assert noted.fields["active_disclosure.penalty.decisions"].value == 0


def test_a_title_year_that_disagrees_with_the_statistics_period_is_flagged() -> None:
    text = report_text(plain_rows()).replace("示例市人民政府2023年", "示例市人民政府2022年")
    _, outcome = parse_text(text)
    assert outcome.fields["year"].value == 2023  # the period says which year the numbers cover
    assert "year" in outcome.review


WHOLE_LABELS = {"partially_granted": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"}


def test_numbers_level_with_the_middle_of_a_wrapped_label_are_bound_by_the_layout() -> None:
    # pdftotext -layout prints a row whose label cell wraps with its numbers on a line of their own,
    # between the label's first line and the rest of it; pypdf prints them after the rest of the
    # label, on its line: nothing else can claim them
    lines = []
    for key, row in ROWS_2021:
        label = WHOLE_LABELS.get(key, LABELS[key])
        numbers = " ".join(map(str, row))
        if key in ("partially_granted", "denied_prohibited_by_law", "other_no_correction"):
            cut = len(label) - 3
            lines += [label[:cut], f"                {numbers}", f"    {label[cut:]}"]
        elif key in ("unavailable_not_held", "rejected_confirmation"):  # pypdf: the numbers after the rest
            lines += [label[:-2], f"{label[-2:]} {numbers}"]
        else:
            lines.append(f"{label} {numbers}")
    _, outcome = parse_text(report_text("\n".join(lines)))
    assert_applications(outcome)
    assert not [k for k in outcome.review if k.startswith("applications.")]


def test_numbers_between_a_label_and_text_that_does_not_finish_it_are_bound_by_order_only() -> None:
    # the same layout, but the line after the numbers is not the end of the label (a note, the next
    # group's name), and the rows are not all printed label first: the numbers are bound by order only
    lines = []
    for key, row in ROWS_2021:
        label = LABELS[key]
        numbers = " ".join(map(str, row))
        if key == "denied_prohibited_by_law":
            lines += [label[:-3], f"                {numbers}", "    （注：见说明）"]
        elif key == "partially_granted":  # the label whole on its line
            lines += [label, f"                {numbers}", "    公开"]
        elif key == "total_processed":  # numbers before their label: the rows are not all in order
            lines += [numbers, label]
        else:
            lines.append(f"{label} {numbers}")
    _, outcome = parse_text(report_text("\n".join(lines)))
    flagged = {k.rsplit(".", 1)[0] for k in outcome.review if k.startswith("applications.")}
    assert {"applications.denied_prohibited_by_law", "applications.partially_granted"} <= flagged
    assert "applications.granted" not in flagged


def _cells_on_lines(rows: list[tuple[str, list[int]]]) -> str:
    """Section 三 as ``lynx -dump`` prints a web page's table: every cell a paragraph of its own."""
    return "\n\n".join(f"{LABELS[key]}\n\n" + "\n\n".join(map(str, row)) for key, row in rows)


def test_a_table_printed_cell_by_cell_row_after_row_binds_each_label_to_the_numbers_after_it() -> None:
    _, outcome = parse_text(report_text(_cells_on_lines(ROWS_2021)))
    assert_applications(outcome)
    assert not [k for k in outcome.review if k.startswith("applications.")]


def test_cell_by_cell_rows_with_a_label_missing_are_bound_by_order_only() -> None:
    # a label the parser does not know (a typo) leaves two rows' numbers after one label: which
    # label the numbers go with is no longer pinned by the order of rows
    text = _cells_on_lines(ROWS_2021).replace(LABELS["denied_third_party"], "4.保扩第叁方权益")
    _, outcome = parse_text(report_text(text))
    flagged = [k for k in outcome.review if k.startswith("applications.")]
    assert "applications.denied_security_stability.natural_person" in flagged
    assert "applications.granted.total" in flagged  # every row: the order of the whole table is in doubt


def _words_on_lines(text: str) -> str:
    """``lynx -dump`` of a table: every cell (here every word) a paragraph of its own."""
    return "\n\n".join(text.split())


def test_section_two_printed_cell_by_cell_is_bound_by_the_order_of_its_rows() -> None:
    _, outcome = parse_text(report_text(_cells_on_lines(ROWS_2021), sec2=_words_on_lines(SEC2_PLAIN)))
    assert values(outcome, "active_disclosure.normative_documents") == [5, 1, 40]
    assert outcome.fields["active_disclosure.fees.amount_10k_yuan"].value == 56.78
    assert not [k for k in outcome.review if k.startswith("active_disclosure.")]


def test_section_two_cell_by_cell_with_a_row_missing_is_bound_by_order_only() -> None:
    sec2 = _words_on_lines(SEC2_PLAIN.replace("行政强制 3\n", ""))
    _, outcome = parse_text(report_text(_cells_on_lines(ROWS_2021), sec2=sec2))
    assert "active_disclosure.normative_documents.in_force" in outcome.review
    assert "active_disclosure.penalty.decisions" in outcome.review
