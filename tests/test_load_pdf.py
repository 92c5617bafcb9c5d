"""The PDF loader: rows of cells from ruled tables, on the three real reports and on generated PDFs."""

from __future__ import annotations

import re
from pathlib import Path

import pymupdf
import pytest

from extractor.document import Document, Line
from extractor.errors import CorruptDocumentError, EmptyDocumentError, EncryptedDocumentError
from extractor.load import load_document
from extractor.load.pdf import text_layer_usable

CORPUS = Path(__file__).resolve().parents[1] / "gold"  # the real reports sit beside their gold files
HZ2023 = CORPUS / "2023_jiangsu_huaian_hongzequ_gov.pdf"
HZ2024 = CORPUS / "2024_jiangsu_huaian_hongzequ_gov.pdf"
CITY2024 = CORPUS / "2024_jiangsu_huaian_city_gov.pdf"
NUMBER = re.compile(r"^\d+(?:\.\d+)?$")

# Section 三, as printed (read from the page images): the first numbers row and the section-4 values row.
NEW_RECEIVED = {
    HZ2023: ["21", "0", "0", "0", "0", "0", "21"],
    HZ2024: ["95", "0", "0", "0", "0", "0", "95"],
    CITY2024: ["3001", "53", "0", "0", "61", "4", "3119"],
}
REVIEWS = {
    HZ2023: "10 1 0 0 0 0 0 0 0 0 5 0 0 0 0",  # the report's own totals do not add up: kept as printed
    HZ2024: "1 1 0 0 2 1 0 0 0 1 2 0 1 0 3",
    CITY2024: "72 64 178 37 351 13 4 8 1 26 12 1 1 6 20",
}
OWN_LABELS_2021 = [
    "一、本年新收政府信息公开申请数量",
    "二、上年结转政府信息公开申请数量",
    "（一）予以公开",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "1.属于国家秘密",
    "2.其他法律行政法规禁止公开",
    "3.危及“三安全一稳定”",
    "4.保护第三方合法权益",
    "5.属于三类内部事务信息",
    "6.属于四类过程性信息",
    "7.属于行政执法案卷",
    "8.属于行政查询事项",
    "1.本机关不掌握相关政府信息",
    "2.没有现成信息需要另行制作",
    "3.补正后申请内容仍不明确",
    "1.信访举报投诉类申请",
    "2.重复申请",
    "3.要求提供公开出版物",
    "4.无正当理由大量反复申请",
    "5.要求行政机关确认或重新出具已获取信息",
]


def _corpus(path: Path) -> Path:
    assert path.is_file(), f"{path} is missing: the real reports live beside their gold files"
    return path


_docs: dict[Path, Document] = {}


def load(path: Path) -> Document:
    if path not in _docs:
        _docs[path] = load_document(_corpus(path))
    return _docs[path]


def rows(doc: Document) -> list[Line]:
    return [line for line in doc.lines if line.cells is not None]


def texts(line: Line) -> list[str]:
    return [c.text for c in line.cells or []]


def numbers_row(doc: Document) -> list[list[str]]:
    """The section-3 rows: label cells, then exactly seven number cells."""
    out = []
    for line in rows(doc):
        cells = texts(line)
        if len(cells) >= 8 and all(NUMBER.match(c) for c in cells[-7:]) and not NUMBER.match(cells[-8]):
            out.append(cells)
    return out


def row_with(doc: Document, label: str) -> Line:
    found = [line for line in rows(doc) if any(label in c for c in texts(line))]
    assert found, f"no row with {label!r}"
    return found[0]


@pytest.mark.parametrize("path", list(NEW_RECEIVED), ids=lambda p: p.stem)
def test_new_received_row_has_its_label_then_seven_numbers(path: Path) -> None:
    line = row_with(load(path), "本年新收政府信息公开申请数量")
    cells = texts(line)
    assert cells[-7:] == NEW_RECEIVED[path]
    assert [c for c in cells if NUMBER.match(c)] == NEW_RECEIVED[path]
    assert cells[0] == "一、本年新收政府信息公开申请数量"
    assert line.text == "\t".join(cells)


@pytest.mark.parametrize("path", list(NEW_RECEIVED), ids=lambda p: p.stem)
def test_every_section_3_row_is_one_line_in_template_order(path: Path) -> None:
    body = numbers_row(load(path))
    own = [[c for c in r[:-7] if c][-1] for r in body]
    expected = list(OWN_LABELS_2021)
    if path != CITY2024:
        expected[5] = "2.其他法律行政止公开"  # 洪泽区's typo, as printed
    assert own[: len(expected)] == expected
    tail = own[len(OWN_LABELS_2021) :]
    if path == CITY2024:  # the three (六) sub-rows
        assert tail[0].startswith("1、申请人无正当理由逾期不补正") and tail[1].startswith("2、申请人逾期未按收费")
        assert tail[2:] == ["3、其他", "（七）总计", "四、结转下年度继续办理"]
    else:  # 洪泽区 prints （六）其他处理 as one row
        assert tail == ["（六）其他处理", "（七）总计", "四、结转下年度继续办理"]


@pytest.mark.parametrize("path", list(NEW_RECEIVED), ids=lambda p: p.stem)
def test_merged_labels_repeat_on_each_row_they_span(path: Path) -> None:
    doc = load(path)
    secret = texts(row_with(doc, "1.属于国家秘密"))
    assert secret[:3] == ["三、本年度办理结果", "（三）不予公开", "1.属于国家秘密"]
    petition = row_with(doc, "1.信访举报投诉类申请")
    assert texts(petition)[:2] == ["三、本年度办理结果", "（五）不予处理"]
    # the vertical label printed one character per line is one cell, the same cell on every row
    granted = row_with(doc, "（一）予以公开")
    assert petition.cells and granted.cells
    assert petition.cells[0].ref == granted.cells[0].ref


def test_wrapped_labels_are_one_cell() -> None:
    doc = load(CITY2024)
    cells = texts(row_with(doc, "不再处理其政府信息公开申请"))
    assert cells[2] == "1、申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
    assert cells[3:] == ["67", "3", "0", "0", "1", "0", "71"]
    header = [line for line in rows(doc) if "商业企业" in texts(line)]
    assert header, "the header words split over lines (商业企 / 业) come back whole"


def test_table_continues_over_the_page_break() -> None:
    doc = load(CITY2024)
    before = row_with(doc, "1.本机关不掌握相关政府信息")
    after = row_with(doc, "2.没有现成信息需要另行制作")
    assert (before.page, after.page) == (4, 5)
    # （四）无 / 法提供 is cut by the break: both halves read as one label, with one reference
    assert texts(before)[:2] == texts(after)[:2] == ["三、本年度办理结果", "（四）无法提供"]
    assert before.cells and after.cells
    assert before.cells[1].ref == after.cells[1].ref
    assert before.cells[0].ref and before.cells[0].ref.startswith("table 2 ")
    assert texts(after)[3:] == ["11", "0", "0", "0", "0", "0", "11"]
    # nothing but the rows between the two parts
    lines = doc.lines
    i = lines.index(before)
    assert lines[i + 1] is after


def test_empty_continuation_cells_take_the_label_of_the_first_part() -> None:
    doc = load(HZ2023)
    after = row_with(doc, "3.补正后申请内容仍不明确")
    assert after.page == 4
    assert texts(after)[:2] == ["三、本年度办理结果", "（四）无法提供"]


@pytest.mark.parametrize("path", list(REVIEWS), ids=lambda p: p.stem)
def test_section_4_values_row_has_fifteen_cells(path: Path) -> None:
    doc = load(path)
    values = [texts(line) for line in rows(doc) if len(texts(line)) == 15 and all(NUMBER.match(c) for c in texts(line))]
    assert values == [REVIEWS[path].split()]
    header = [texts(line) for line in rows(doc) if texts(line)[:1] == ["结果维持"] and len(texts(line)) == 15]
    assert header, "the last header row names all fifteen columns"


def test_section_2_rows() -> None:
    doc = load(HZ2023)
    assert texts(row_with(doc, "规章")) == ["规章", "0", "0", "0"]
    assert texts(row_with(doc, "行政规范性文件")) == ["行政规范性文件", "0", "5", "5"]
    assert texts(row_with(doc, "行政许可")) == ["行政许可", "550"]
    assert texts(row_with(doc, "行政事业性收费")) == ["行政事业性收费", "7730.28"]
    city = load(CITY2024)
    assert texts(row_with(city, "行政处罚")) == ["行政处罚", "3985758"]


def test_blank_cells_stay_as_empty_cells() -> None:
    doc = load(HZ2024)
    other = texts(row_with(doc, "（六）其他处理"))
    assert other == ["三、本年度办理结果", "（六）其他处理", "", "0", "0", "0", "0", "0", "0", "0"]


@pytest.mark.parametrize("path", list(NEW_RECEIVED), ids=lambda p: p.stem)
def test_page_footers_are_dropped(path: Path) -> None:
    doc = load(path)
    for line in doc.lines:
        assert not re.fullmatch(r"[-—–\s]*\d{1,3}[-—–\s]*", line.text), f"footer {line.text!r} on page {line.page}"


@pytest.mark.parametrize("path", list(NEW_RECEIVED), ids=lambda p: p.stem)
def test_offsets_pages_and_boxes(path: Path) -> None:
    doc = load(path)
    assert doc.kind == "pdf"
    assert not any(page.ocr for page in doc.pages)
    for page in doc.pages:
        assert page.width == pytest.approx(595, abs=1)
        for line in page.lines:
            assert line.page == page.number
            assert doc.text[line.start : line.end] == line.text
            assert line.box is not None
            for cell in line.cells or []:
                assert doc.text[cell.start : cell.end] == cell.text
                assert cell.box is not None and cell.ref is not None
                assert line.box[1] - 1 <= (cell.box[1] + cell.box[3]) / 2 or cell.box[3] >= line.box[3]


def test_text_outside_tables_keeps_reading_order() -> None:
    doc = load(CITY2024)
    texts_ = [line.text for line in doc.lines]
    heading = texts_.index("三、收到和处理政府信息公开申请情况")
    assert "本年收费金额（单位：万元）" in doc.lines[heading - 2].text
    assert texts_[heading + 1].startswith("（本列数据的勾稽关系为")
    assert texts_[0] == "淮安市人民政府"


def test_text_pages_never_start_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    from extractor.load import ocr

    def refuse() -> None:
        raise AssertionError("OCR started for a page with a text layer")

    monkeypatch.setattr(ocr, "engine", refuse)
    assert load_document(_corpus(HZ2024)).kind == "pdf"


# ---------------------------------------------------------------- generated PDFs

FONT = "china-s"  # PyMuPDF's built-in CJK font: no system font needed


def _rules(page: pymupdf.Page, xs: list[float], ys: list[float], merged: list[tuple[int, int, int, int]]) -> None:
    """Draw the grid of ``xs`` by ``ys``, leaving out the rules inside merged cells (r0, r1, c0, c1)."""

    def owner(r: int, c: int) -> tuple[int, int, int, int] | tuple[int, int]:
        for m in merged:
            if m[0] <= r < m[1] and m[2] <= c < m[3]:
                return m
        return (r, c)

    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    for r in range(n_rows + 1):
        for c in range(n_cols):
            if 0 < r < n_rows and owner(r - 1, c) == owner(r, c):
                continue
            page.draw_line((xs[c], ys[r]), (xs[c + 1], ys[r]), width=0.5)
    for c in range(n_cols + 1):
        for r in range(n_rows):
            if 0 < c < n_cols and owner(r, c - 1) == owner(r, c):
                continue
            page.draw_line((xs[c], ys[r]), (xs[c], ys[r + 1]), width=0.5)


def _text(page: pymupdf.Page, x: float, y: float, text: str, size: float = 9) -> None:
    page.insert_text((x, y), text, fontname=FONT, fontsize=size)


def make_report_pdf(path: Path) -> Path:
    """Two pages: a section-3 style table with merged and wrapped labels that runs over the page break."""
    doc = pymupdf.open()
    xs = [60, 80, 140, 260, 300, 340, 380, 420, 460, 500, 540]
    # page 1: header row, 新收 row, then rows under a vertical label spanning rows 2..5 (continuing on page 2)
    page = doc.new_page(width=595, height=842)
    _text(page, 60, 60, "三、收到和处理政府信息公开申请情况", 12)
    ys = [80, 110, 130, 160, 180, 200]
    _rules(page, xs, ys, [(0, 1, 0, 3), (1, 2, 0, 3), (2, 5, 0, 1), (2, 3, 1, 3), (3, 5, 1, 2)])
    for i, head in enumerate(["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]):
        _text(page, xs[3 + i] + 2, 98, head[:2], 7)
        if len(head) > 2:
            _text(page, xs[3 + i] + 2, 106, head[2:], 7)
    # numbers written before their label (content order must not matter)
    for i, value in enumerate(["3001", "53", "0", "", "61", "4", "3119"]):
        if value:
            _text(page, xs[3 + i] + 4, 124, value)
    _text(page, 62, 124, "一、本年新收政府信息公开申请数量", 8)
    for k, ch in enumerate("三、本年度"):  # a vertical label, one character per line
        _text(page, 65, 142 + 12 * k, ch, 8)
    _text(page, 82, 140, "（二）部分公开（区分处理", 6)  # a label wrapped in its cell
    _text(page, 82, 152, "的，只计这一情形）", 6)
    for i, value in enumerate(["447", "7", "0", "0", "0", "0", "454"]):
        _text(page, xs[3 + i] + 4, 150, value)
    _text(page, 82, 174, "（四）无", 8)
    _text(page, 142, 174, "1.本机关不掌握相关政府信息", 6)
    # one text run across the column rules: its characters must still land in their own cells
    _text(page, xs[3] + 4, 174, "746 12", 9)  # the font's space is 9 pt wide: "12" falls in the next cell
    for i, value in enumerate(["0", "0", "10", "1", "769"]):
        _text(page, xs[5 + i] + 4, 174, value)
    _text(page, 142, 194, "2.没有现成信息需要另行制作", 6)
    for i, value in enumerate(["11", "0", "0", "0", "0", "0", "11"]):
        _text(page, xs[3 + i] + 4, 194, value)
    _text(page, 290, 815, "— 1 —", 9)
    # page 2: the table goes on; the group label's second half, then the last row
    page = doc.new_page(width=595, height=842)
    _text(page, 560, 40, "2", 9)  # a lone page number at the top
    ys = [60, 80, 100]
    _rules(page, xs, ys, [(0, 2, 0, 1), (0, 1, 1, 2)])
    _text(page, 82, 74, "法提供", 8)
    _text(page, 142, 74, "3.补正后申请内容仍不明确", 6)
    for i, value in enumerate(["1", "0", "0", "0", "0", "0", "1"]):
        _text(page, xs[3 + i] + 4, 74, value)
    _text(page, 82, 94, "（五）不予处理", 7)
    _text(page, 142, 94, "1.信访举报投诉类申请", 6)
    for i, value in enumerate(["56", "6", "0", "0", "0", "0", "62"]):
        _text(page, xs[3 + i] + 4, 94, value)
    _text(page, 60, 130, "四、政府信息公开行政复议、行政诉讼情况", 12)
    _text(page, 290, 815, "- 2 -", 9)
    doc.save(path)
    return path


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Document:
    return load_document(make_report_pdf(tmp_path_factory.mktemp("pdf") / "generated.pdf"))


def test_generated_rows(generated: Document) -> None:
    table = [texts(line) for line in rows(generated)]
    assert table[0] == ["", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    assert table[1] == ["一、本年新收政府信息公开申请数量", "3001", "53", "0", "", "61", "4", "3119"]
    assert table[2] == [
        "三、本年度",
        "（二）部分公开（区分处理的，只计这一情形）",
        "447",
        "7",
        "0",
        "0",
        "0",
        "0",
        "454",
    ]
    assert table[3] == [
        "三、本年度",
        "（四）无法提供",
        "1.本机关不掌握相关政府信息",
        "746",
        "12",
        "0",
        "0",
        "10",
        "1",
        "769",
    ]
    assert table[4] == [
        "三、本年度",
        "（四）无法提供",
        "2.没有现成信息需要另行制作",
        "11",
        "0",
        "0",
        "0",
        "0",
        "0",
        "11",
    ]
    assert table[5] == ["三、本年度", "（四）无法提供", "3.补正后申请内容仍不明确", "1", "0", "0", "0", "0", "0", "1"]
    assert table[6] == ["三、本年度", "（五）不予处理", "1.信访举报投诉类申请", "56", "6", "0", "0", "0", "0", "62"]
    assert len(table) == 7


def test_generated_footers_and_order(generated: Document) -> None:
    all_text = [line.text for line in generated.lines]
    assert all_text[0] == "三、收到和处理政府信息公开申请情况"
    assert all_text[-1] == "四、政府信息公开行政复议、行政诉讼情况"
    assert not any(t in {"— 1 —", "- 2 -", "2"} for t in all_text)
    pages = [line.page for line in generated.lines if line.cells]
    assert pages == [1, 1, 1, 1, 1, 2, 2]


def test_generated_blank_cell_is_empty_string(generated: Document) -> None:
    line = row_with(generated, "本年新收")
    assert line.cells is not None
    blank = line.cells[4]
    assert blank.text == "" and blank.start == blank.end and blank.box is not None


# ---------------------------------------------------------------- bad input


def test_corrupt_pdf_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken report.pdf"
    bad.write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    with pytest.raises(CorruptDocumentError) as info:
        load_document(bad)
    assert "broken report.pdf" in str(info.value)
    assert "again" in str(info.value)


def test_truncated_pdf_is_corrupt_or_readable(tmp_path: Path) -> None:
    data = _corpus(HZ2023).read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) // 3])
    try:
        doc = load_document(cut)
    except (CorruptDocumentError, EmptyDocumentError) as exc:
        assert "cut.pdf" in str(exc)
    else:
        assert doc.pages  # MuPDF repaired what was left


def test_encrypted_pdf_says_how_to_fix(tmp_path: Path) -> None:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "secret", fontsize=12)
    locked = tmp_path / "locked.pdf"
    doc.save(locked, encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="u", owner_pw="o")
    with pytest.raises(EncryptedDocumentError) as info:
        load_document(locked)
    assert "locked.pdf" in str(info.value) and "password" in str(info.value)


def test_blank_pdf_is_empty(tmp_path: Path) -> None:
    doc = pymupdf.open()
    doc.new_page()
    blank = tmp_path / "blank.pdf"
    doc.save(blank)
    with pytest.raises(EmptyDocumentError) as info:
        load_document(blank)
    assert "blank.pdf" in str(info.value)


def test_pdf_without_pages_is_empty(tmp_path: Path) -> None:
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    xref = len(body)
    data = body + (
        b"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
        b"trailer<</Size 3/Root 1 0 R>>\nstartxref\n" + str(xref).encode() + b"\n%%EOF\n"
    )
    empty = tmp_path / "nopages.pdf"
    empty.write_bytes(data)
    with pytest.raises((EmptyDocumentError, CorruptDocumentError)) as info:
        load_document(empty)
    assert "nopages.pdf" in str(info.value)


def test_garbage_text_layer_is_not_usable() -> None:
    from extractor.load._layout import Glyph

    box = (0.0, 0.0, 10.0, 10.0)
    assert text_layer_usable([[Glyph("本年新收政府信息公开申请数量 21", box)]])
    assert not text_layer_usable([[Glyph("\ufffd" * 30, box)]])
    assert not text_layer_usable([[Glyph("\ue001\ue002\ue003" * 10 + "ab", box)]])
    assert not text_layer_usable([[Glyph("ÍøÕ¾ÐÅÏ¢¹«¿ª", box)]])
    assert not text_layer_usable([])


def test_scan_under_an_ocr_text_layer_gets_its_rules_from_the_picture(tmp_path: Path) -> None:
    """A scanned page that a scanner already OCR'd: invisible text over the picture, no drawn rules."""
    source = pymupdf.open(_corpus(HZ2023))[2]
    scan = pymupdf.open()
    page = scan.new_page(width=source.rect.width, height=source.rect.height)
    page.insert_image(page.rect, pixmap=source.get_pixmap(dpi=150, colorspace=pymupdf.csGRAY))
    for block in source.get_text("dict")["blocks"]:
        for line in block.get("lines", ()):
            for span in line["spans"]:
                if span["text"].strip():
                    page.insert_text(span["origin"], span["text"], fontname=FONT, fontsize=span["size"], render_mode=3)
    path = tmp_path / "ocred_scan.pdf"
    scan.save(path)
    doc = load_document(path)
    assert doc.kind == "pdf" and not doc.pages[0].ocr
    assert texts(row_with(doc, "本年新收政府信息公开申请数量"))[-7:] == NEW_RECEIVED[HZ2023]
    assert texts(row_with(doc, "行政处罚")) == ["行政处罚", "4119"]
    secret = texts(row_with(doc, "1.属于国家秘密"))
    assert secret[:3] == ["三、本年度办理结果", "（三）不予公开", "1.属于国家秘密"]
