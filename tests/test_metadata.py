"""Report metadata: certain only where the document pins it, in review with its reason otherwise.

Hand-written cases for each rule, then the real texts: the seeds, the real web page and the
corpus pages, and text dumps of those pages made here with BeautifulSoup (navigation before the
title, a site footer after the signature).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from textreports import plain_rows, report_text

from extractor.load.html import decode_html
from extractor.load.text import load_text
from extractor.parse.metadata import NO_SIGNATURE_DATE, MetaField, read_metadata
from extractor.parse.normalize import normalize
from extractor.pipeline import ExtractOptions, extract_document, extract_path

REPO = Path(__file__).resolve().parents[1]
TITLE = "沭阳县发展和改革局2023年政府信息公开工作年度报告\n"
PERIOD = "本报告中所列数据的统计期限自2023年1月1日起至2023年12月31日止。\n"
BODY = "一、总体情况\n2023年，我局认真贯彻落实《条例》。\n六、其他需要报告的事项\n本年度未收取信息处理费。\n"
FOOTER = "\n版权所有：沭阳县人民政府\n网站标识码：3213220001\n联系我们\n2025年12月30日\n"


def meta(text: str) -> dict[str, MetaField]:
    return read_metadata(normalize(text))


def certain(field: MetaField) -> bool:
    return field.review is None and field.value is not None


# -- published_on ----------------------------------------------------------------


def test_a_date_under_the_signers_line_is_certain() -> None:
    got = meta(TITLE + PERIOD + BODY + "沭阳县发展和改革局\n2024年1月17日\n")["published_on"]
    assert (got.value, got.review) == ("2024-01-17", None)


def test_a_date_under_a_body_that_is_not_the_titles_is_certain() -> None:
    got = meta(TITLE + PERIOD + BODY + "  沭阳县人民政府办公室  \n\n  2024 年 1 月 17 日  \n")["published_on"]
    assert (got.value, got.review) == ("2024-01-17", None)


def test_a_date_in_chinese_numerals_under_the_signer_is_certain() -> None:
    got = meta(TITLE + PERIOD + BODY + "沭阳县发展和改革局\n二〇二四年一月十七日\n")["published_on"]
    assert (got.value, got.review) == ("2024-01-17", None)


def test_the_signers_name_and_the_date_on_one_line_are_certain() -> None:
    got = meta(TITLE + PERIOD + BODY + "沭阳县发展和改革局 2024年1月17日\n")["published_on"]
    assert (got.value, got.review) == ("2024-01-17", None)


def test_a_date_closing_the_text_before_the_page_footer_is_certain() -> None:
    got = meta(TITLE + PERIOD + BODY + "2024年1月17日\n" + FOOTER)["published_on"]
    assert (got.value, got.review) == ("2024-01-17", None)


def test_the_footers_date_never_replaces_the_signature_date() -> None:
    got = meta(TITLE + PERIOD + BODY + "沭阳县发展和改革局\n2024年1月17日\n" + FOOTER)["published_on"]
    assert (got.value, got.review) == ("2024-01-17", None)


def test_a_footers_date_alone_is_not_a_signature_date() -> None:
    got = meta(TITLE + PERIOD + BODY + FOOTER)["published_on"]
    assert got.value is None
    assert got.review == "no signature date was found"


def test_a_date_line_under_a_sentence_goes_to_review() -> None:
    text = TITLE + PERIOD + "本局召开会议。\n2024年1月17日\n" + BODY
    got = meta(text)["published_on"]
    assert got.value == "2024-01-17"
    assert got.review is not None and "signer" in got.review


def test_a_sentence_ending_in_a_date_goes_to_review() -> None:
    got = meta(TITLE + PERIOD + BODY + "本报告经局务会审议，于2024年1月17日\n")["published_on"]
    assert got.value == "2024-01-17"
    assert got.review == "date read from the end of a line that holds other text"


@pytest.mark.parametrize(
    ("printed", "expected"),
    [
        ("发布时间：2023-01-20", "2023-01-20"),
        ("发布时间：2023-01-20 10:31:05", "2023-01-20"),
        ("发布日期: 2023/1/20", "2023-01-20"),
        ("发布日期：2023年1月20日 09:00", "2023-01-20"),
        ("来源：本局  时间：2023-01-20  浏览次数：12", "2023-01-20"),
        ("公开日期\n2023-01-20", "2023-01-20"),
    ],
)
def test_without_a_signature_date_the_pages_publication_time_is_taken_flagged(printed: str, expected: str) -> None:
    got = meta(TITLE + printed + "\n" + PERIOD + BODY + FOOTER)["published_on"]
    assert (got.value, got.review) == (expected, NO_SIGNATURE_DATE)


def test_a_signature_date_wins_over_the_pages_publication_time() -> None:
    text = TITLE + "发布时间：2024-01-20\n" + PERIOD + BODY + "沭阳县发展和改革局\n2024年1月17日\n" + FOOTER
    got = meta(text)["published_on"]
    assert (got.value, got.review) == ("2024-01-17", None)


def test_a_pages_label_lines_are_not_a_signer() -> None:
    nav = "发布机构\n沭阳县发展和改革局\n2024年1月17日\n"
    got = meta(TITLE + nav + PERIOD + BODY)["published_on"]
    assert got.value == "2024-01-17"
    assert got.review is not None


def test_a_date_before_the_title_is_never_read() -> None:
    got = meta("2025年12月30日\n" + TITLE + PERIOD + BODY)["published_on"]
    assert got.value is None and got.review == "no signature date was found"


def test_no_date_at_all_is_a_null_in_review() -> None:
    got = meta(TITLE + PERIOD + BODY)["published_on"]
    assert got.value is None and got.review is not None


# -- organization and year --------------------------------------------------------


def test_the_title_prints_the_body_and_the_period_the_year() -> None:
    got = meta(TITLE + PERIOD + BODY)
    assert (got["organization"].value, got["organization"].review) == ("沭阳县发展和改革局", None)
    assert (got["year"].value, got["year"].review) == (2023, None)


@pytest.mark.parametrize(
    "line",
    [
        "当前位置：首页 > 政务公开 > 沭阳县发展和改革局2023年政府信息公开工作年度报告",
        "您的位置：首页>信息公开>年报>沭阳县发展和改革局2023年政府信息公开工作年度报告",
        "标题：沭阳县发展和改革局2023年政府信息公开工作年度报告",
        "名称 沭阳县发展和改革局2023年政府信息公开工作年度报告",
    ],
)
def test_breadcrumbs_and_labels_before_the_title_are_not_the_body(line: str) -> None:
    text = "索引号：014314799/2024-00002\n发布机构：沭阳县发展和改革局\n" + line + "\n" + PERIOD + BODY
    got = meta(text)["organization"]
    assert (got.value, got.review) == ("沭阳县发展和改革局", None)
    assert got.start is not None and normalize(text)[got.start : got.start + 9] == "沭阳县发展和改革局"


def test_a_breadcrumb_naming_no_body_is_skipped_for_the_title() -> None:
    text = "当前位置：首页 > 2023年政府信息公开工作年度报告\n" + TITLE + PERIOD + BODY
    assert meta(text)["organization"].value == "沭阳县发展和改革局"


def test_an_area_in_the_title_is_read_as_its_government_in_review() -> None:
    got = meta("沭阳县2023年政府信息公开工作年度报告\n" + PERIOD + BODY)["organization"]
    assert got.value == "沭阳县人民政府"
    assert got.review == "the title names an area; read as its 人民政府"


def test_a_title_whose_text_is_no_body_name_goes_to_review() -> None:
    got = meta("关注民生2023年政府信息公开工作年度报告\n" + PERIOD + BODY)["organization"]
    assert got.review is not None


def test_no_title_is_a_null_organization_in_review() -> None:
    got = meta(PERIOD + BODY)
    assert got["organization"].value is None and got["organization"].review is not None
    assert (got["year"].value, got["year"].review) == (2023, None)  # the statistics period prints it


def test_title_and_period_disagreeing_on_the_year_go_to_review() -> None:
    got = meta(TITLE + PERIOD.replace("2023", "2022") + BODY)["year"]
    assert got.value == 2022
    assert got.review is not None and "2022" in got.review and "2023" in got.review


def test_no_year_anywhere_is_a_null_in_review() -> None:
    got = meta("沭阳县发展和改革局工作总结\n" + BODY.replace("2023年，", ""))["year"]
    assert got.value is None and got.review is not None


# -- real texts ---------------------------------------------------------------------

METADATA = ("organization", "year", "published_on")


def _gold(path: Path) -> dict[str, object]:
    report: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))["report"]
    return report


def _pages() -> list[Path]:
    return sorted(REPO.glob("gold/*.html")) + sorted((REPO / "eval" / "corpus").glob("*.html"))


def _dump(page: Path, directory: Path, separator: str) -> Path:
    text = BeautifulSoup(decode_html(page.read_bytes()), "lxml").get_text(separator)
    dump = directory / f"{page.stem}.txt"
    dump.write_text(text, encoding="utf-8")
    return dump


@pytest.mark.parametrize("seed", sorted(REPO.glob("gold/0*.txt")), ids=lambda p: p.name)
def test_the_seeds_metadata_is_right_or_in_review(seed: Path) -> None:
    result = extract_path(seed)
    gold = _gold(seed.with_suffix(".json"))
    for key in METADATA:
        assert result.fields[key].value == gold[key] or key in result.review, key


@pytest.mark.parametrize("separator", ["", "\n", " "], ids=["get_text", "lines", "spaces"])
@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.name)
def test_a_pages_text_dump_reads_the_metadata_right_or_in_review(page: Path, separator: str, tmp_path: Path) -> None:
    gold_path = page.with_name(page.name.replace(".html", ".gold.json"))
    if page.parent.name == "gold":  # the real page: its metadata as printed on it
        gold: dict[str, object] = {"organization": "沭阳县发展和改革局", "year": 2023, "published_on": "2024-01-17"}
    else:
        gold = _gold(gold_path)
    for document in (page, _dump(page, tmp_path, separator)):
        result = extract_path(document)
        accept = json.loads(gold_path.read_text(encoding="utf-8")).get("accept", {}) if gold_path.is_file() else {}
        for key in METADATA:
            value = result.fields[key].value
            assert value == gold[key] or value in accept.get(key, []), (document.name, key, value)
            assert value is not None or key in result.review, (document.name, key)
            if value != gold[key]:
                assert key in result.review, (document.name, key, value)


def test_the_real_pages_signature_date_is_certain_and_its_nav_date_is_not_read(tmp_path: Path) -> None:
    page = REPO / "gold" / "2023_jiangsu_shuyang_fagaiju.html"
    result = extract_path(_dump(page, tmp_path, "\n"))
    assert result.fields["published_on"].value == "2024-01-17"
    assert "published_on" not in result.review
    assert result.fields["organization"].value == "沭阳县发展和改革局"


@pytest.mark.parametrize("name", ["syn2024_013_html", "syn2024_023_html"])
def test_a_page_without_a_signature_date_gives_its_publication_time_flagged(name: str, tmp_path: Path) -> None:
    page = REPO / "eval" / "corpus" / f"{name}.html"
    accepted = json.loads(page.with_name(f"{name}.gold.json").read_text(encoding="utf-8"))["accept"]["published_on"]
    for document in (page, _dump(page, tmp_path, "")):
        result = extract_path(document)
        assert [result.fields["published_on"].value] == accepted
        assert result.review.count("published_on") == 1
        assert result.fields["published_on"].note == NO_SIGNATURE_DATE


def test_a_page_footers_date_after_a_missing_signature_is_not_taken_as_certain(tmp_path: Path) -> None:
    page = REPO / "eval" / "corpus" / "syn2024_003_html.html"
    text = BeautifulSoup(decode_html(page.read_bytes()), "lxml").get_text("\n")
    text = text.replace("二〇二五年三月三日", "")  # drop the signature date
    assert "二〇二五" not in text
    text += "\n版权所有：盐城市人民政府\n2025年12月30日 星期二\n2025年12月30日\n"
    dump = tmp_path / "footer.txt"
    dump.write_text(text, encoding="utf-8")
    result = extract_path(dump)
    assert result.fields["published_on"].value == "2025-03-09"  # the page's 发布时间
    assert result.fields["published_on"].note == NO_SIGNATURE_DATE
    assert "published_on" in result.review


def test_a_signature_run_into_the_last_sentence_is_certain() -> None:
    text = TITLE + PERIOD + BODY.rstrip("\n") + "沭阳县发展和改革局2024年1月17日\n" + FOOTER
    got = meta(text)["published_on"]
    assert (got.value, got.review) == ("2024-01-17", None)


def test_a_page_dumped_as_one_line_keeps_its_signature_date_before_the_site_footer() -> None:
    """``get_text()`` of a web page: 。晋中市人民政府2025年3月3日主办：晋中市人民政府办公室 ... on one line."""
    head = "首页>政务公开>年报" + TITLE.strip() + "发布时间：2025-03-08来源：沭阳县人民政府"
    text = (
        head
        + PERIOD.strip()
        + BODY.replace("\n", "")
        + "沭阳县发展和改革局2024年1月17日主办：沭阳县人民政府办公室网站标识码：3213220001"
    )
    got = meta(text)["published_on"]
    assert (got.value, got.review) == ("2024-01-17", None)


def test_a_title_with_the_year_first_names_the_body() -> None:
    got = meta("2023年度沭阳县发展和改革局政府信息公开工作年度报告\n" + PERIOD + BODY)
    assert (got["organization"].value, got["organization"].review) == ("沭阳县发展和改革局", None)
    assert (got["year"].value, got["year"].review) == (2023, None)
    bare = meta("2023年政府信息公开工作年度报告\n" + PERIOD + BODY)
    assert bare["organization"].value is None and bare["organization"].review is not None


def test_two_signed_dates_that_differ_go_to_review() -> None:
    letter = "沭阳县人民政府办公室\n2024年1月20日\n"
    text = TITLE + letter + PERIOD + BODY + "沭阳县发展和改革局\n2024年1月17日\n"
    got = meta(text)["published_on"]
    assert got.value == "2024-01-17"
    assert got.review is not None and "2024-01-20" in got.review
    same = meta(TITLE + letter + PERIOD + BODY + "沭阳县发展和改革局\n2024年1月20日\n")["published_on"]
    assert (same.value, same.review) == ("2024-01-20", None)


def test_the_metadata_of_text_whose_tables_could_not_be_read_goes_to_review() -> None:
    """tesseract's text of a photographed report: most table rows are lost, and the body's name in
    the title may hold a misread character (旌德县 read as 旋德县) just as well."""
    damaged = extract_path(REPO / "eval" / "converted" / "dev" / "2024_jiangsu_huaian_city_gov__photo-tesseract.txt")
    assert "organization" in damaged.review
    assert "could not be found" in (damaged.fields["organization"].note or "")
    clean = extract_path(REPO / "eval" / "converted" / "dev" / "2024_jiangsu_huaian_city_gov__pypdf.txt")
    assert "organization" not in clean.review


@pytest.mark.parametrize(
    ("elsewhere", "why"),
    [
        ("示例市人民致府", "a character changed"),
        ("示例市市人民政府", "a character added"),
        ("示例人民政府", "a character left out"),
    ],
)
def test_a_name_printed_otherwise_in_the_text_goes_to_review_with_the_other_spelling(elsewhere: str, why: str) -> None:
    """OCR read the title's 临朐县 as 临县: the name printed otherwise elsewhere shows one of them is
    misread, and nothing says which."""
    text = report_text(plain_rows()).replace("我市共发布", f"{elsewhere}共发布")
    result = extract_document(load_text(Path("report.txt"), text.encode("utf-8")), ExtractOptions())
    assert result.fields["organization"].value == "示例市人民政府"
    assert "organization" in result.review, why
    assert elsewhere in result.fields["organization"].alternatives


def test_the_name_followed_by_more_of_a_longer_name_is_not_a_misspelling() -> None:
    text = report_text(plain_rows()).replace("我市共发布", "示例市人民政府办公室共发布")
    result = extract_document(load_text(Path("report.txt"), text.encode("utf-8")), ExtractOptions())
    assert "organization" not in result.review


@pytest.mark.parametrize(
    "printed",
    [
        "2024-01-17",
        "2024/1/17",
        "2024.01.17",
        "二〇二四年一月十七日",
        "二○二四年一月十七日",  # a circle typed for 〇
        "2024年01月17日",
    ],
)
@pytest.mark.parametrize("same_line", [False, True])
def test_a_signature_date_in_any_common_form_is_read(printed: str, same_line: bool) -> None:
    signer = "沭阳县发展和改革局" + (" " if same_line else "\n")
    got = meta(TITLE + PERIOD + BODY + signer + printed + "\n" + FOOTER)["published_on"]
    assert (got.value, got.review) == ("2024-01-17", None)


def test_a_numeric_date_that_is_not_one_is_not_read() -> None:
    got = meta(TITLE + PERIOD + BODY + "沭阳县发展和改革局\n2024-13-17\n" + FOOTER)["published_on"]
    assert got.value is None


def test_a_title_that_says_guanyu_after_the_body_names_the_body() -> None:
    got = meta("沭阳县发展和改革局关于2023年度政府信息公开工作年度报告\n" + PERIOD + BODY)
    assert (got["organization"].value, got["organization"].review) == ("沭阳县发展和改革局", None)
    assert got["year"].value == 2023
