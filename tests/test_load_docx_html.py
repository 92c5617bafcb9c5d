"""Word and HTML loaders: paragraphs as lines, tables as rows with merged cells laid out, refs on cells."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from extractor.document import Document, Line
from extractor.errors import CorruptDocumentError, EmptyDocumentError
from extractor.load import load_document
from extractor.load.html import decode_html

HEADER = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]


def rows(doc: Document) -> list[Line]:
    return [line for line in doc.lines if line.cells is not None]


def texts(line: Line) -> list[str]:
    return [c.text for c in line.cells or []]


def refs(line: Line) -> list[str | None]:
    return [c.ref for c in line.cells or []]


def check_offsets(doc: Document) -> None:
    for line in doc.lines:
        assert doc.text[line.start : line.end] == line.text
        for cell in line.cells or []:
            assert doc.text[cell.start : cell.end] == cell.text


# ---------------------------------------------------------------- Word


def make_docx(path: Path) -> Path:
    """A section-3 style table: label columns merged down and across, a blank cell, a wrapped label."""
    document = docx.Document()
    document.add_paragraph("淮安市人民政府2024年政府信息公开工作年度报告")
    document.add_paragraph("三、收到和处理政府信息公开申请情况")
    table = document.add_table(rows=6, cols=10)
    table.cell(0, 0).merge(table.cell(0, 2)).text = "（本列数据的勾稽关系为：第一项加第二项之和）"
    for i, head in enumerate(HEADER):
        table.cell(0, 3 + i).text = head
    table.cell(1, 0).merge(table.cell(1, 2)).text = "一、本年新收政府信息公开申请数量"
    for i, value in enumerate(["3001", "53", "0", "", "61", "4", "3119"]):
        table.cell(1, 3 + i).text = value
    group = table.cell(2, 0).merge(table.cell(5, 0))
    group.text = "三、本年度办理结果"
    table.cell(2, 1).merge(table.cell(2, 2)).text = "（一）予以公开"
    sub = table.cell(3, 1).merge(table.cell(5, 1))
    sub.text = "（三）不予公开"
    wrapped = table.cell(3, 2)
    wrapped.text = "1.属于国家"
    wrapped.add_paragraph("秘密")
    table.cell(4, 2).text = "2.其他法律行政法规禁止公开"
    table.cell(5, 2).text = "3.危及“三安全一稳定”"
    for r, values in zip(range(2, 6), [["1288", "21", "0", "0", "50", "3", "1362"]] + [["0"] * 7] * 3, strict=True):
        for i, value in enumerate(values):
            table.cell(r, 3 + i).text = value
    document.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    document.save(path)
    return path


@pytest.fixture(scope="module")
def word(tmp_path_factory: pytest.TempPathFactory) -> Document:
    return load_document(make_docx(tmp_path_factory.mktemp("docx") / "report.docx"))


def test_docx_paragraphs_and_tables_in_order(word: Document) -> None:
    assert word.kind == "docx"
    lines = [line.text for line in word.lines]
    assert lines[0] == "淮安市人民政府2024年政府信息公开工作年度报告"
    assert lines[1] == "三、收到和处理政府信息公开申请情况"
    assert lines[-1] == "四、政府信息公开行政复议、行政诉讼情况"
    assert len(rows(word)) == 6
    check_offsets(word)


def test_docx_rows_have_labels_then_seven_numbers(word: Document) -> None:
    table = [texts(line) for line in rows(word)]
    assert table[0] == ["（本列数据的勾稽关系为：第一项加第二项之和）", *HEADER]
    assert table[1] == ["一、本年新收政府信息公开申请数量", "3001", "53", "0", "", "61", "4", "3119"]
    assert table[2] == ["三、本年度办理结果", "（一）予以公开", "1288", "21", "0", "0", "50", "3", "1362"]
    assert table[3] == ["三、本年度办理结果", "（三）不予公开", "1.属于国家秘密", *["0"] * 7]
    assert table[4] == ["三、本年度办理结果", "（三）不予公开", "2.其他法律行政法规禁止公开", *["0"] * 7]
    assert table[5][:3] == ["三、本年度办理结果", "（三）不予公开", "3.危及“三安全一稳定”"]


def test_docx_refs_point_at_the_merged_cell(word: Document) -> None:
    table = rows(word)
    assert refs(table[1])[:2] == ["table 1 row 2 col 1", "table 1 row 2 col 4"]
    assert refs(table[1])[-1] == "table 1 row 2 col 10"
    # the vertical merge: every row names the cell where it starts
    assert {refs(line)[0] for line in table[2:]} == {"table 1 row 3 col 1"}
    assert refs(table[5])[1] == "table 1 row 4 col 2"
    assert refs(table[5])[2] == "table 1 row 6 col 3"
    assert all(line.page == 1 and cell.box is None for line in table for cell in line.cells or [])


def test_docx_page_breaks_start_pages(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("第一页")
    document.add_page_break()
    document.add_paragraph("第二页")
    doc = load_document(document.save(tmp_path / "pages.docx") or tmp_path / "pages.docx")
    assert [(line.page, line.text) for line in doc.lines] == [(1, "第一页"), (2, "第二页")]


def test_docx_errors_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(CorruptDocumentError) as info:
        load_document(broken)
    assert "broken.docx" in str(info.value)
    empty = tmp_path / "empty.docx"
    docx.Document().save(empty)
    with pytest.raises(EmptyDocumentError) as info_empty:
        load_document(empty)
    assert "empty.docx" in str(info_empty.value)


# ---------------------------------------------------------------- HTML

HTML = """<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>淮安市人民政府2024年政府信息公开工作年度报告</title>
<script>var x = "不是正文";</script><style>td {{ color: red }}</style></head>
<body><table class="layout"><tr><td>
<div class="nav">首页 &gt; 政府信息公开</div>
<p>一、总体情况</p><p>2024年，我市<b>共受理</b>申请3119件。<br>第二行</p>
<p>三、收到和处理政府信息公开申请情况</p>
<table border="1">
<tr><td colspan="3" rowspan="2">（本列数据的勾稽关系为：第一项加第二项之和）</td>
    <td colspan="7">申请人情况</td></tr>
<tr>{header}</tr>
<tr><td colspan="3">一、本年新收政府信息<br>公开申请数量</td>
    <td>3001</td><td>53</td><td>0</td><td></td><td>61</td><td>4</td><td>3119</td></tr>
<tr><td rowspan="3">三、本年度办理结果</td><td colspan="2">（一）予以公开</td>
    <td>1288</td><td>21</td><td>0</td><td>0</td><td>50</td><td>3</td><td>1362</td></tr>
<tr><td rowspan="2">（三）不予公开</td><td>1.属于国家秘密</td>
    <td>2</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>2</td></tr>
<tr><td>2.其他法律行政法规禁止公开</td>
    <td>30</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>31</td></tr>
</table>
<p>四、政府信息公开行政复议、行政诉讼情况</p>
</td></tr></table></body></html>
""".format(header="".join(f"<th>{h}</th>" for h in HEADER))


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Document:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_bytes(HTML.encode("gb2312"))
    return load_document(path)


def test_html_charset_and_block_text(page: Document) -> None:
    assert page.kind == "html"
    lines = [line.text for line in page.lines if line.cells is None]
    assert lines[0] == "淮安市人民政府2024年政府信息公开工作年度报告"
    assert "2024年，我市共受理申请3119件。" in lines
    assert "第二行" in lines
    assert "首页 > 政府信息公开" in lines
    assert not any("不是正文" in line or "color" in line for line in lines)
    assert lines[-1] == "四、政府信息公开行政复议、行政诉讼情况"
    check_offsets(page)


def test_html_rows_with_spans_expanded(page: Document) -> None:
    table = [texts(line) for line in rows(page)]
    assert table[0] == ["（本列数据的勾稽关系为：第一项加第二项之和）", "申请人情况"]
    assert table[1] == ["（本列数据的勾稽关系为：第一项加第二项之和）", *HEADER]
    assert table[2] == ["一、本年新收政府信息公开申请数量", "3001", "53", "0", "", "61", "4", "3119"]
    assert table[3] == ["三、本年度办理结果", "（一）予以公开", "1288", "21", "0", "0", "50", "3", "1362"]
    assert table[4] == ["三、本年度办理结果", "（三）不予公开", "1.属于国家秘密", "2", "0", "0", "0", "0", "0", "2"]
    assert table[5] == [
        "三、本年度办理结果",
        "（三）不予公开",
        "2.其他法律行政法规禁止公开",
        "30",
        "1",
        "0",
        "0",
        "0",
        "0",
        "31",
    ]


def test_html_refs(page: Document) -> None:
    table = rows(page)
    assert refs(table[2])[:2] == ["table 1 row 3 col 1", "table 1 row 3 col 4"]
    assert refs(table[5])[:3] == ["table 1 row 4 col 1", "table 1 row 5 col 2", "table 1 row 6 col 3"]
    assert refs(table[1])[0] == refs(table[0])[0] == "table 1 row 1 col 1"


def test_html_number_spanning_rows_shows_once(tmp_path: Path) -> None:
    path = tmp_path / "t.html"
    path.write_text(
        "<table><tr><td>行政许可</td><td rowspan='2'>550</td></tr><tr><td>行政处罚</td></tr></table>",
        encoding="utf-8",
    )
    table = [texts(line) for line in rows(load_document(path))]
    assert table == [["行政许可", "550"], ["行政处罚", ""]]


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("<meta charset='utf-8'><p>政府信息公开</p>".encode(), "政府信息公开"),
        ('<meta charset="GBK"><p>政府信息公开</p>'.encode("gbk"), "政府信息公开"),
        ("<p>政府信息公开</p>".encode("gb18030"), "政府信息公开"),
        ('<meta charset="utf-8"><p>政府信息公开</p>'.encode("gbk"), "政府信息公开"),  # a wrong declaration
    ],
)
def test_html_charsets(raw: bytes, text: str) -> None:
    assert text in decode_html(raw)


def test_empty_html(tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_text("<html><body><script>x()</script></body></html>", encoding="utf-8")
    with pytest.raises(EmptyDocumentError) as info:
        load_document(path)
    assert "empty.html" in str(info.value)


REPO = Path(__file__).resolve().parents[1]
SHUYANG = REPO / "gold" / "2023_jiangsu_shuyang_fagaiju.html"


def test_a_page_chromium_saved_as_one_file_reads_as_the_page() -> None:
    """Chrome's "Webpage, Single File" (MHTML, made by Chromium's Page.captureSnapshot): the HTML part,
    quoted-printable, is read as the page itself."""
    from extractor.pipeline import extract_path

    saved = extract_path(REPO / "eval" / "converted" / "dev" / "2023_jiangsu_shuyang_fagaiju__chromium-mhtml.mhtml")
    page = extract_path(SHUYANG)
    assert {k: d.value for k, d in saved.fields.items()} == {k: d.value for k, d in page.fields.items()}
    assert saved.review == page.review


def _mhtml(html: bytes, charset: str, suffix_line: str = "") -> bytes:
    import quopri

    body = quopri.encodestring(html).decode("ascii")
    return (
        "From: <Saved by Blink>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related;\r\n"
        f'\ttype="text/html";\r\n\tboundary="b"\r\n{suffix_line}\r\n--b\r\n'
        f"Content-Type: text/html; charset={charset}\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        f"{body}\r\n--b--\r\n"
    ).encode("ascii")


@pytest.mark.parametrize("name", ["page.mhtml", "page.mht", "page.html"])
def test_the_html_parts_charset_beats_the_pages_meta(tmp_path: Path, name: str) -> None:
    """A GBK page whose <meta> says UTF-8, saved as MHTML with the part's true charset: read right,
    whatever the file is called."""
    html = '<html><head><meta charset="utf-8"></head><body><p>淮安市人民政府</p></body></html>'
    path = tmp_path / name
    path.write_bytes(_mhtml(html.encode("gbk"), "gbk"))
    document = load_document(path)
    assert document.kind == "html" and "淮安市人民政府" in document.text


def test_an_mhtml_file_without_a_page_says_so(tmp_path: Path) -> None:
    path = tmp_path / "empty.mhtml"
    path.write_bytes(
        b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="b"\r\n\r\n--b\r\n'
        b"Content-Type: image/png\r\n\r\nxx\r\n--b--\r\n"
    )
    with pytest.raises(EmptyDocumentError, match="no HTML page"):
        load_document(path)
