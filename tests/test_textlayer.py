"""PDF text layers that lie: detected, read again by OCR, and the reading whose identities hold kept.

The lying PDFs under ``tests/data/lying/`` are real files made by ``eval/make_lying_pdfs.py`` from
a gold report (see ``tests/data/README.md``): an ``ocrmypdf`` (tesseract) text layer over page
images, an invisible text layer with changed digits over page images, and the born-digital PDF
with its fonts' ToUnicode maps changed so that 3 and 8 swap.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pymupdf
import pytest

from extractor.load import load_document
from extractor.load import textlayer as textlayer_module
from extractor.load.text import load_text
from extractor.parse import parse_document
from extractor.pipeline import choose_reading, extract_path
from extractor.scoring import score_document

ROOT = Path(__file__).resolve().parents[1]
LYING = ROOT / "tests" / "data" / "lying"
STEM = "2024_jiangsu_huaian_city_gov"
BORN_DIGITAL = sorted((ROOT / "gold").glob("*.pdf")) + sorted((ROOT / "eval" / "corpus").glob("*_pdf.pdf"))


# -- detection while loading (no OCR) -----------------------------------------------------------


@pytest.mark.parametrize("kind", ["ocrmypdf", "invisible"])
def test_an_ocr_text_layer_over_page_images_is_doubted_on_every_page(kind: str) -> None:
    document = load_document(LYING / f"{STEM}_{kind}.pdf")
    assert document.pages
    for page in document.pages:
        assert page.doubt is not None and "invisible text over a picture" in page.doubt


@pytest.mark.parametrize("path", BORN_DIGITAL, ids=lambda p: p.name)
def test_a_born_digital_text_layer_is_not_doubted_and_not_read_again(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_ocr(*args: Any) -> Any:
        raise AssertionError(f"{path.name}: a good text layer was sent to OCR")

    monkeypatch.setattr(textlayer_module, "read_with_ocr", no_ocr)
    document = load_document(path)
    assert [page.doubt for page in document.pages if page.doubt] == []
    result = extract_path(path)
    assert "text_layer" not in result.usage


def _table_pdf(path: Path, labels: list[str]) -> Path:
    """A real PDF with one ruled table: a label column and three number columns."""
    doc = pymupdf.open()
    page = doc.new_page()
    x = [50, 250, 330, 410, 490]
    rows = len(labels)
    for r in range(rows + 1):
        page.draw_line((x[0], 100 + 24 * r), (x[-1], 100 + 24 * r))
    for c in x:
        page.draw_line((c, 100), (c, 100 + 24 * rows))
    for r, label in enumerate(labels):
        y = 100 + 24 * r + 16
        page.insert_text((x[0] + 4, y), label, fontsize=10, fontname="china-s")
        for c in range(3):
            page.insert_text((x[c + 1] + 6, y), str(10 * r + c + 1), fontsize=10)
    doc.save(path)
    return path


def test_a_table_of_numbers_without_any_template_label_is_doubted(tmp_path: Path) -> None:
    gibberish = _table_pdf(tmp_path / "gibberish.pdf", ["Qx#7 kz", "Wr!9 pa", "Zn&2 tt", "Lk%4 vv", "Mm*1 oo"])
    assert load_document(gibberish).pages[0].doubt == "a table of 15 numbers without any of the template's row labels"


def test_a_table_with_the_template_labels_is_not_doubted(tmp_path: Path) -> None:
    labels = ["（一）予以公开", "（二）部分公开", "（三）不予公开", "（四）无法提供", "（七）总计"]
    assert load_document(_table_pdf(tmp_path / "labelled.pdf", labels)).pages[0].doubt is None


def test_digits_mapped_to_the_private_use_area_make_the_table_pages_doubtful(tmp_path: Path) -> None:
    """The real report with its fonts' ToUnicode maps sending the digits to U+E030..U+E039."""
    path = tmp_path / "pua.pdf"
    with pymupdf.open(ROOT / "gold" / f"{STEM}.pdf") as doc:
        for xref in range(1, doc.xref_length()):
            if doc.xref_get_key(xref, "ToUnicode")[0] != "xref":
                continue
            cmap_xref = int(doc.xref_get_key(xref, "ToUnicode")[1].split()[0])
            cmap = doc.xref_stream(cmap_xref).decode("latin-1")
            cmap = re.sub(r"(<[0-9A-Fa-f]+>)\s*<003([0-9])>", r"\1 <E03\2>", cmap)
            doc.update_stream(cmap_xref, cmap.encode("latin-1"))
        doc.save(path)
    doubts = {page.number: page.doubt for page in load_document(path).pages}
    for number in (4, 5):  # the pages of section 三's table
        assert doubts[number] is not None and "no Unicode meaning" in doubts[number]


# -- the choice between two readings (our own logic, on parsed text) ------------------------------


def _parse(text: str) -> Any:
    return parse_document(load_text(Path("report.txt"), text.encode("utf-8")))


def test_the_reading_whose_identities_hold_is_kept_and_the_disagreement_flagged() -> None:
    printed = (ROOT / "gold" / "000_7304c82c33c7aa4a.txt").read_text(encoding="utf-8")
    row = "一、本年新收政府信息公开申请数量 2 0 0 0 0 0 2"
    assert row in printed
    lying = printed.replace(row, "一、本年新收政府信息公开申请数量 3 0 0 0 0 0 2")
    kept, name = choose_reading(_parse(lying), _parse(printed))
    assert name == "ocr"
    key = "applications.new_received.natural_person"
    assert kept.fields[key].value == 2
    assert kept.fields[key].alternatives == [3]
    assert key in kept.review and "text layer reads 3" in kept.review[key]
    assert [k for k in kept.review if "text layer" in kept.review[k]] == [key]


def test_two_readings_that_agree_change_nothing() -> None:
    printed = (ROOT / "gold" / "000_7304c82c33c7aa4a.txt").read_text(encoding="utf-8")
    first, second = _parse(printed), _parse(printed)
    review = dict(first.review)
    kept, name = choose_reading(first, second)
    assert name == "text"
    assert kept.review == review


# -- the real lying documents, end to end (RapidOCR) ----------------------------------------------


# the invisible-layer file is only checked for detection above: its OCR is the same as ocrmypdf's
@pytest.fixture(scope="module")
def lying_results() -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    out = {}
    for kind in ("ocrmypdf", "tounicode"):
        path = LYING / f"{STEM}_{kind}.pdf"
        gold = json.loads(path.with_suffix(".gold.json").read_text(encoding="utf-8"))
        out[kind] = (extract_path(path).to_json(), gold)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["ocrmypdf", "tounicode"])
def test_a_lying_text_layer_is_read_again_and_every_wrong_value_is_flagged(
    kind: str, lying_results: dict[str, tuple[dict[str, Any], dict[str, Any]]]
) -> None:
    result, gold = lying_results[kind]
    record = result["usage"]["text_layer"]
    assert record["pages"], "no page was found doubtful"
    assert record["kept"] == "ocr"
    score = score_document(gold, result)
    assert score.silent == [], [(e.key, e.expected, e.got) for e in score.silent]
    assert score.accuracy >= 0.97  # the text layer alone: 73% (ocrmypdf), 87% (tounicode)
    for error in score.errors:  # what OCR still misreads is in review, with a reason
        assert error.key in result["review"] and result["fields"][error.key]["note"]


@pytest.mark.slow
def test_the_swapped_digits_are_caught_by_the_picture_of_a_broken_identity(
    lying_results: dict[str, tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    result, gold = lying_results["tounicode"]
    reasons = list(result["usage"]["text_layer"]["pages"].values())
    assert any("where the page shows" in reason for reason in reasons)
    # 8001 is how the lying layer reads the printed 3001
    assert gold["report"]["applications"]["new_received"]["natural_person"] == 3001
    assert result["report"]["applications"]["new_received"]["natural_person"] == 3001
