"""Text made by an OCR engine (tesseract's output kept in eval/converted) is told from clean text by
the marks its misreadings leave, and the fields no identity checks go to review."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractor.parse.ocr_text import ocr_marks
from extractor.pipeline import extract_path

REPO = Path(__file__).resolve().parents[1]
DEV = REPO / "eval" / "converted" / "dev"


def test_tesseract_text_of_a_photographed_report_puts_its_unchecked_fields_in_review() -> None:
    result = extract_path(DEV / "syn1101_000_pdf__photo-tesseract.txt")
    unchecked = [k for k, d in result.fields.items() if k.startswith("active_disclosure.") and d.value is not None]
    assert unchecked
    for key in [*unchecked, "organization", "year"]:
        assert key in result.review, key  # for this reason, or an earlier one
    assert any("looks like OCR output" in (result.fields[key].note or "") for key in unchecked)


@pytest.mark.parametrize(
    "text",
    [
        "第二十条第〈一) 项\n言息内容 本年制发件数\n",  # a mixed bracket and a misread word
        "行政许可 SS0\n本年收费金额〈单位; 万元)\n",  # a look-alike number and a mixed bracket
    ],
)
def test_two_kinds_of_marks_make_text_ocr_like(text: str) -> None:
    assert len(ocr_marks(text)) == 2


@pytest.mark.parametrize(
    "text",
    [
        "（《条例》）规定，二氧化硫（SO2）排放 O3 浓度\n信息内容 本年制发件数\n",  # clean: chemistry and a book title
        "第二十条第〈一) 项\n信息内容\n",  # one mark alone may be a typo
        "| 规章 | 0 | 0 | 5 |\n规范性文件 | 1 | 0 | 26\n",  # markdown pipes are no mark
    ],
)
def test_clean_text_or_a_single_mark_is_not_ocr_like(text: str) -> None:
    assert ocr_marks(text) == []


def test_the_converted_corpora_of_clean_converters_carry_no_marks() -> None:
    splits = [REPO / "eval" / "converted" / split for split in ("ci", "dev")]
    texts = [p for split in splits for p in split.glob("*") if p.suffix in (".txt", ".md", ".rst")]
    texts += [p for p in (REPO / "gold").glob("*") if p.suffix in (".txt", ".md")]
    marked = {p.name for p in texts if ocr_marks(p.read_text(encoding="utf-8", errors="replace"))}
    assert marked and all("tesseract" in name for name in marked), marked


def test_a_name_printed_elsewhere_with_one_character_changed_is_in_review() -> None:
    from textreports import parse_text, plain_rows, report_text

    text = report_text(plain_rows())
    _, clean = parse_text(text)
    assert clean.fields["organization"].value == "示例市人民政府"
    assert "organization" not in clean.review
    # the signature misread 例 as 倒: which of the two is right, nothing in the text says
    _, outcome = parse_text(text.replace("示例市人民政府办公室", "示倒市人民政府办公室"))
    assert outcome.fields["organization"].value == "示例市人民政府"
    assert "organization" in outcome.review
    assert outcome.fields["organization"].alternatives == ["示倒市人民政府"]
