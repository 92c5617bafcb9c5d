"""Tables of markdown writers read as rows of cells (extractor/load/markdown_tables.py).

The fixtures in tests/data/pandoc/ are real pandoc output (2.17, Debian's, and 3.9) of a web page
and a Word file made for them (see the README there). A table read from a writer's output must give
the same rows as the HTML or Word loader gives for the same table in the source, wherever the writer
kept the table's merged cells; where it lost them (pandoc 2 writes a merged cell once and blanks
the slots it covered) the rows are the ones printed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractor.load import load_document
from extractor.load.markdown_tables import char_width, reduce_inline, rewrite
from extractor.pipeline import ExtractOptions, extract_path

REPO = Path(__file__).resolve().parents[1]
PANDOC = REPO / "tests" / "data" / "pandoc"
DEV = REPO / "eval" / "converted" / "dev"


def table_rows(text: str) -> list[list[str]]:
    """The cells of every pipe row of the rewritten text (rule rows and all-blank rows left out)."""
    rows = []
    for line in rewrite(text).split("\n"):
        if not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip()[1:-1].split("|")]
        if any(cells) and not all(set(cell) <= set(":-") for cell in cells):
            rows.append(cells)
    return rows


def loader_rows(path: Path) -> list[list[str]]:
    doc = load_document(path)
    return [[cell.text for cell in line.cells] for line in doc.lines if line.cells]


# what pandoc 2 prints for merged.html and word.docx's first table: each merged cell once
MERGED_AS_PRINTED = [
    ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "", "申请人情况", ""],
    ["", "", "自然人", "总计"],
    ["一、本年新收政府信息公开申请数量", "", "12", "12"],
    ["三、本年度办理结果", "（一）予以公开", "5", "5"],
    ["", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "7", ""],
    ["", "（七）总计", "12", "18"],
]


@pytest.mark.parametrize("name", ["merged.pandoc3.markdown", "merged.pandoc3.plain", "merged.pandoc3.rst"])
def test_pandoc3_grid_tables_with_merged_cells_read_as_the_html_loader_reads_the_page(name: str) -> None:
    assert table_rows((PANDOC / name).read_text(encoding="utf-8")) == loader_rows(PANDOC / "merged.html")


@pytest.mark.parametrize("name", ["merged.pandoc3.gfm", "merged.pandoc2.gfm"])
def test_raw_html_and_pipe_tables_in_gfm(name: str) -> None:
    text = (PANDOC / name).read_text(encoding="utf-8")
    rows = table_rows(text)
    if "<table" in text:  # pandoc 3 keeps the merged cells as a raw HTML table
        assert rows == loader_rows(PANDOC / "merged.html")
    else:
        assert rows == MERGED_AS_PRINTED


@pytest.mark.parametrize("name", ["merged.pandoc2.markdown", "merged.pandoc2.plain"])
def test_pandoc2_simple_tables_keep_blank_cells_in_their_columns(name: str) -> None:
    assert table_rows((PANDOC / name).read_text(encoding="utf-8")) == MERGED_AS_PRINTED


def test_pandoc2_rst_grid_table_joins_cells_wrapped_over_lines() -> None:
    rows = table_rows((PANDOC / "word.pandoc2.rst").read_text(encoding="utf-8"))
    assert rows == [
        MERGED_AS_PRINTED[0],
        MERGED_AS_PRINTED[1],
        ["一、本年新收政府信息公开申请数量", "", "1234", "1234"],
        *MERGED_AS_PRINTED[3:],
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "3", "", "17"],
        ["行政规范性文件", "10", "0", "239"],
    ]


@pytest.mark.parametrize(
    "name", ["simple.pandoc2.markdown", "simple.pandoc3.markdown", "simple.pandoc2.plain", "simple.pandoc3.plain",
             "simple.pandoc2.rst", "simple.pandoc3.rst", "simple.pandoc2.gfm", "simple.pandoc3.gfm"],
)  # fmt: skip
def test_tables_without_merged_cells_read_as_the_html_loader_reads_the_page(name: str) -> None:
    assert table_rows((PANDOC / name).read_text(encoding="utf-8")) == loader_rows(PANDOC / "simple.html")


@pytest.mark.parametrize("name", ["word.pandoc3.markdown", "word.pandoc3.plain", "word.pandoc3.rst"])
def test_pandoc3_output_of_a_word_file_reads_as_the_word_loader_reads_it(name: str) -> None:
    """Grid tables with merged cells, and a multiline table with a header (pandoc 3 from Word)."""
    assert table_rows((PANDOC / name).read_text(encoding="utf-8")) == loader_rows(PANDOC / "word.docx")


@pytest.mark.parametrize("name", ["word.pandoc2.markdown", "word.pandoc2.plain"])
def test_pandoc2_multiline_tables_one_row_per_blank_line_separated_block(name: str) -> None:
    rows = table_rows((PANDOC / name).read_text(encoding="utf-8"))
    word = loader_rows(PANDOC / "word.docx")
    assert rows[-3:] == word[-3:]  # the table without merged cells: exactly as the Word loader reads it
    assert rows[2] == ["一、本年新收政府信息公开申请数量", "", "1234", "1234"]
    assert rows[5] == ["", "（七）总计", "12", "18"]


def test_cells_are_cut_at_display_columns() -> None:
    """pandoc lays columns out by display width: a CJK character takes two columns."""
    text = (
        "  ------------ ------ ------\n"
        "  规范性文件   8      18\n"
        "  规章                0\n"
        "  ------------ ------ ------\n"
    )
    assert table_rows(text) == [["规范性文件", "8", "18"], ["规章", "", "0"]]
    assert char_width("规") == 2 and char_width("8") == 1 and char_width("（") == 2


def test_a_number_cut_at_its_columns_width_is_one_number_again() -> None:
    """pandoc 2's rst writer wraps ``18`` in a column one wide as ``1`` over ``8`` (eval/converted/dev has it)."""
    text = "+---+---+\n| 结 | 总 |\n| 果 | 计 |\n+===+===+\n| 1 | 2 |\n| 8 | 6 |\n+---+---+\n"
    assert table_rows(text) == [["结果", "总计"], ["18", "26"]]


def test_numbers_on_separate_lines_of_a_wide_cell_stay_apart() -> None:
    """Only a number that fills its column was cut by the width; a shorter one ended its line."""
    text = "  ---------- ------\n  行政复议   12\n             3\n\n  合计       15\n  ---------- ------\n"
    assert table_rows(text) == [["行政复议", "12 3"], ["合计", "15"]]


def test_inline_markup_is_reduced_to_its_text() -> None:
    assert reduce_inline('[[规章]{style="font-family:宋体;"}]{.x}') == "规章"
    assert reduce_inline("**二、主动公开政府信息情况**") == "二、主动公开政府信息情况"
    assert reduce_inline("1\\. 属于国家秘密\\*") == "1. 属于国家秘密*"
    assert reduce_inline('[首页](/index.html){target="_self"} 共12件[^1]') == "首页 共12件"
    assert reduce_inline("# 年度报告 {#id .title}\n::: {.article}\n正文\n:::") == "# 年度报告\n\n正文\n"
    assert reduce_inline('<span\nstyle="font-family: 宋体;">一、总体情况</span>') == "一、总体情况"


@given(st.text(alphabet="规章行政复议一二三、。，（）0123456789 \n", max_size=200))
def test_text_without_tables_or_markup_comes_back_as_it_was(text: str) -> None:
    assert rewrite(text) == text


def test_a_markdown_hrule_and_a_setext_heading_are_not_tables() -> None:
    text = "标题\n----\n\n正文一段。\n\n---\n\n正文二段。\n\n---\n"
    assert rewrite(text) == text


def test_paragraphs_between_yaml_rules_are_not_a_table() -> None:
    text = "---\ntitle: 年度报告\n---\n本年新收政府信息公开申请数量为十二件，均已按期答复完毕。\n\n---\n"
    assert rewrite(text) == text


def test_an_escaped_pipe_stays_inside_its_cell() -> None:
    assert rewrite("| 规章\\|规范性文件 | 3 |") == "| 规章\\|规范性文件 | 3 |"


def test_the_pandoc_markdown_of_the_real_web_page_reads_every_table(tmp_path: Path) -> None:
    """pandoc -t markdown of gold/'s saved web page: attribute spans, a simple table, a raw HTML table."""
    doc = load_document(DEV / "2023_jiangsu_shuyang_fagaiju__pandoc-md.md")
    rows = [[cell.text for cell in line.cells] for line in doc.lines if line.cells]
    assert ["规范性文件", "8", "0", "18"] in rows  # the simple table, spans reduced
    assert ["三、本年度办理结果", "（三）不予公开", "1.属于国家秘密", "0", "", "", "", "", "", "0"] in rows  # raw HTML
    assert "{style=" not in doc.text and "<td" not in doc.text
    gold = json.loads((DEV / "2023_jiangsu_shuyang_fagaiju__pandoc-md.gold.json").read_text(encoding="utf-8"))
    assert gold["report"]["applications"]["new_received"]["natural_person"] == 26
    assert ["一、本年新收政府信息公开申请数量", "26", "", "", "", "", "", "26"] in rows


def test_rst_files_load_as_text(tmp_path: Path) -> None:
    source = PANDOC / "word.pandoc3.rst"
    target = tmp_path / "report.rst"
    target.write_bytes(source.read_bytes())
    doc = load_document(target)
    assert doc.kind == "text"
    assert any(line.cells and [c.text for c in line.cells][:2] == ["规章", "3"] for line in doc.lines)


def test_markdown_opening_with_raw_html_is_read_as_markdown(tmp_path: Path) -> None:
    """pandoc's gfm and commonmark writers keep a page's ``<div>``s: the file is still markdown."""
    markdown = tmp_path / "report.md"
    text = '<div class="header">\n\n**二、主动公开政府信息情况**\n\n</div>\n\n| 规章 | 3 |\n'
    markdown.write_text(text, encoding="utf-8")
    doc = load_document(markdown)
    assert doc.kind == "text"
    assert "<div" not in doc.text and "**" not in doc.text
    assert [[c.text for c in line.cells] for line in doc.lines if line.cells] == [["规章", "3"]]
    page = tmp_path / "page.md"
    page.write_text("<!DOCTYPE html><html><body><p>二、主动公开政府信息情况</p></body></html>", encoding="utf-8")
    assert load_document(page).kind == "html"  # a web page saved under a markdown name


def test_pipe_tables_without_outer_pipes_keep_blank_cells_in_their_columns() -> None:
    """html2text writes ``label |  26 |  |  |  |  |  |  26`` under a ``---|---`` rule sized by the first row."""
    text = (
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） |  申请人情况  \n"
        "---|---  \n"
        "一、本年新收政府信息公开申请数量 |  26 |  |  |  |  |  |  26  \n"
        "文号 \\| 其他 |  1\n"
        "\n"
        "after | the table\n"
    )
    lines = rewrite(text).split("\n")
    assert lines[0] == "| （本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和） | 申请人情况 |"
    assert lines[1] == "| 一、本年新收政府信息公开申请数量 | 26 |  |  |  |  |  | 26 |"
    assert lines[2] == "| 文号 / 其他 | 1 |"  # an escaped pipe is no cell wall
    assert lines[-2] == "after | the table"  # no rule under it: not a table


def test_html2text_of_the_real_page_binds_every_cell_to_its_column() -> None:
    source = REPO / "eval" / "converted" / "ci" / "2023_jiangsu_shuyang_fagaiju__html2text.md"
    result = extract_path(source, ExtractOptions(llm="never"))
    gold = json.loads(source.with_name(source.name.replace(".md", ".gold.json")).read_text(encoding="utf-8"))
    assert result.report["applications"]["granted"] == gold["report"]["applications"]["granted"]
    assert result.report["applications"]["granted"]["commercial"] is None  # printed blank
    assert not [key for key in result.review if key.startswith("applications.")]


def test_box_drawn_rows_wrapped_over_lines_are_one_row_each() -> None:
    """w3m prints a wrapped label's numbers level with its middle line, the other lines blank."""
    text = (
        "┌──────┬──────────────┬───┬───┐\n"
        "│      │1.申请人无正当│   │   │\n"
        "│（六）│理由逾期不补正│12 │3  │\n"
        "│      │申请          │   │   │\n"
        "│      ├──────────────┼───┼───┤\n"
        "│      │3.其他        │1  │   │\n"
        "└──────┴──────────────┴───┴───┘\n"
    )
    assert [line for line in rewrite(text).split("\n") if line] == [
        "| （六） | 1.申请人无正当理由逾期不补正申请 | 12 | 3 |",
        "|  | 3.其他 | 1 |  |",
    ]


def test_w3m_of_a_generated_page_reads_every_cell_in_its_row_and_column() -> None:
    source = REPO / "eval" / "converted" / "dev" / "syn1101_001_html__w3m.txt"
    result = extract_path(source, ExtractOptions(llm="never"))
    gold = json.loads(source.with_name(source.name.replace(".txt", ".gold.json")).read_text(encoding="utf-8"))
    assert result.report["applications"] == gold["report"]["applications"]
    assert result.report["active_disclosure"] == gold["report"]["active_disclosure"]


def test_a_column_label_cut_over_two_cells_joins_the_cells_under_it() -> None:
    """pymupdf4llm cuts 采购总金额（元） over two cells, and the amount under it the same way."""
    text = (
        "|信息内容|上一年项目数量|本年|增/减|\n"
        "|行政事业性收费|19|-|3|\n"
        "|信息内容|采购项目数量|采购总金|额（元）|\n"
        "|政府集中采购|84|195427|858.25|\n"
        "|信息内容|本年制发件数|本年废止件数|现行有效件数|\n"
        "|规章|1|2|3|\n"
    )
    assert rewrite(text).split("\n")[:-1] == [
        "| 信息内容 | 上一年项目数量 | 本年增/减 |",
        "| 行政事业性收费 | 19 | -3 |",
        "| 信息内容 | 采购项目数量 | 采购总金额（元） |",
        "| 政府集中采购 | 84 | 195427858.25 |",
        "|信息内容|本年制发件数|本年废止件数|现行有效件数|",  # no label cut: left as it was
        "|规章|1|2|3|",
    ]


def test_quote_marks_and_rst_line_blocks_are_not_part_of_the_text() -> None:
    """pandoc quotes a Word file's indented paragraphs (``> 规章`` even inside grid-table cells) and
    writes a title of two lines as an rst line block (``| 淮安市人民政府``)."""
    assert reduce_inline("> 淮安市人民政府\\\n> 2024 年报告\n>\n> 一、总体情况") == (
        "淮安市人民政府\n2024 年报告\n\n一、总体情况"
    )
    assert reduce_inline("   | 淮安市人民政府\n   | 2024 年报告") == "淮安市人民政府\n2024 年报告"
    # a pipe row and a comparison stay as they are
    assert reduce_inline("| 规章 | 1 | 0 |") == "| 规章 | 1 | 0 |"
    assert reduce_inline("增幅>5%") == "增幅>5%"
