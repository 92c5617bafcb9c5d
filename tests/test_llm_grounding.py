"""Grounding: every LLM number must be printed near its label; section texts; number normalisation."""

from __future__ import annotations

import pytest
from conftest import load_gold
from hypothesis import given
from hypothesis import strategies as st

from extractor.document import Document
from extractor.llm.grounding import Grounder, normalise, numbers_in, parse_number
from extractor.llm.sections import keyword_window, section_text
from extractor.llm.types import SECTIONS, Grounding, SectionText, section_of
from extractor.load import load_document
from extractor.parse.outcome import ParseOutcome, Span
from extractor.report import flatten

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@given(st.integers(min_value=0, max_value=10**9))
def test_thousands_separators_and_full_width_digits_read_as_the_number(n: int) -> None:
    printed = f"{n:,}"
    assert parse_number(printed) == n
    assert parse_number(printed.translate(FULL_WIDTH)) == n
    assert [p.value for p in numbers_in(f"行政许可\t{printed.translate(FULL_WIDTH)}\n")] == [n]


@given(st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False))
def test_money_keeps_its_decimals(amount) -> None:  # type: ignore[no-untyped-def]
    assert parse_number(str(amount)) == pytest.approx(float(amount))


def test_enumerators_and_article_numbers_are_not_data() -> None:
    text = "第二十条第（一）项\n（三）不予公开\n1.属于国家秘密 0 0 0\n2、其他 5"
    assert [p.value for p in numbers_in(normalise(text))] == [0, 0, 0, 5]


def _whole(text: str, section: str = "applications") -> SectionText:
    return SectionText(section, text, ((0, len(text)),), "keyword_window")  # type: ignore[arg-type]


def test_a_value_must_sit_at_its_cell_when_the_row_prints_every_cell() -> None:
    text = "（一）予以公开\t65\t1\t0\t0\t0\t0\t66\n（二）部分公开\t5\t0\t0\t0\t0\t0\t5\n"
    grounder = Grounder(_whole(text), "2021")
    good = grounder.ground("applications.granted.natural_person", 65)
    assert good.status is Grounding.EXACT and text[good.start : good.end] == "65"  # type: ignore[misc]
    assert grounder.ground("applications.granted.total", 66).status is Grounding.EXACT
    wrong_cell = grounder.ground("applications.granted.natural_person", 0)
    assert wrong_cell.status is Grounding.NOT_FOUND
    assert "its natural_person cell is 65" in wrong_cell.reason
    assert grounder.ground("applications.granted.natural_person", 5).status is Grounding.NOT_FOUND  # next row's


def test_a_row_with_lost_or_stray_cells_grounds_among_its_numbers() -> None:
    text = "(七) 总计\t80\t2\t0\t0\t0\t0\t0\t82\n四、结转下年度继续办理\t0\t0\t0\t0\t0\t0\t0\n"
    grounder = Grounder(_whole(text), "2021")
    assert grounder.ground("applications.total_processed.total", 82).status is Grounding.FUZZY
    assert grounder.ground("applications.total_processed.total", 81).status is Grounding.NOT_FOUND


def test_labels_broken_over_lines_still_match() -> None:
    text = (
        "5.要求行政机关确认或重新出具已\n\n获取信息\n0 0 0 0 0 0 0\n\n（六）其\n\n他处理\n\n"
        "1.申请人无正当理由逾期不补正、行\n\n政机关不再处理\n\n3 0 0 0 0 0 3\n"
    )
    grounder = Grounder(_whole(text), "2021")
    assert grounder.ground("applications.other_no_correction.total", 3).status is Grounding.EXACT
    assert grounder.ground("applications.rejected_confirmation.total", 0).status is Grounding.EXACT


def test_money_printed_in_10k_yuan_grounds_a_yuan_amount() -> None:
    text = "信息内容\t采购项目数量\t采购总金额\n政府集中采购\t24\t1114.5 万元\n"
    grounder = Grounder(_whole(text, "active_disclosure"), "2019")
    assert grounder.ground("active_disclosure.procurement.amount_yuan", 11145000).grounded


def test_metadata_grounding() -> None:
    text = "金昌市2022年政府信息公开工作年度报告\n……\n金昌市人民政府办公室\n2023 年 3 月 1 日\n"
    grounder = Grounder(_whole(text, "metadata"), "2021", document_text="本年制发件数 本年废止件数")
    assert grounder.ground("organization", "金昌市人民政府").status is Grounding.EXACT
    assert grounder.ground("organization", "兰州市人民政府").status is Grounding.NOT_FOUND
    assert grounder.ground("year", 2022).status is Grounding.EXACT
    assert grounder.ground("year", 2019).status is Grounding.NOT_FOUND
    assert grounder.ground("published_on", "2023-03-01").status is Grounding.EXACT
    assert grounder.ground("published_on", "2023-03-02").status is Grounding.NOT_FOUND
    assert grounder.ground("template", "2021").status is Grounding.EXACT
    assert grounder.ground("template", "2019").status is Grounding.NOT_FOUND


def test_every_gold_value_of_the_seeds_grounds_in_its_keyword_window(seed_paths) -> None:  # type: ignore[no-untyped-def]
    """The fallback windows hold the tables, and the grounding accepts what the documents print."""
    for path in seed_paths:
        document = load_document(path)
        gold = load_gold(path.stem)
        flat = flatten(gold["report"])
        for section in SECTIONS:
            text = section_text(document, None, section)
            grounder = Grounder(text, gold["report"]["template"], document.text)
            for key, value in flat.items():
                if section_of(key) == section and value is not None:
                    result = grounder.ground(key, value)
                    assert result.grounded, f"{path.name} {key}={value}: {result.reason}"


def test_the_parser_span_is_used_when_given() -> None:
    text = "前言 规章 9\n二、主动公开政府信息情况\n规章\t1\t0\t5\n"
    document = Document("x.txt", "text", [], text)
    start = text.index("二、")
    parsed = ParseOutcome(fields={}, sections={"active_disclosure": Span(start, len(text))})
    chosen = section_text(document, parsed, "active_disclosure")
    assert chosen.origin == "parser_span" and chosen.text == text[start:]
    assert chosen.document_offset(3) == start + 3


def test_keyword_window_prefers_the_table_over_the_introduction() -> None:
    intro = "本报告包括主动公开政府信息情况、收到和处理政府信息公开申请情况等。规章 5 部。\n"
    table = (
        "二、主动公开政府信息情况\n信息内容\t本年制发件数\t本年废止件数\t现行有效件数\n规章\t1\t0\t5\n"
        "三、收到和处理政府信息公开申请情况\n"
    )
    text = intro + table
    start, end = keyword_window(text, "active_disclosure")  # type: ignore[misc]
    assert text[start:end].startswith("主动公开政府信息情况\n信息内容")
    assert "收到和处理" not in text[start:end]
