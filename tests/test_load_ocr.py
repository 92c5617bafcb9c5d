"""OCR path: scanned PDFs and images read into rows of cells, offline with RapidOCR's bundled models."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pymupdf
import pytest
from PIL import Image, ImageFilter

from extractor.document import Document, Line
from extractor.errors import ConfigError
from extractor.load import load_document
from extractor.load import ocr as ocr_module
from extractor.load._grid import build_grids
from extractor.load._layout import Glyph, place_glyphs, table_block
from extractor.load.ocr import can_be_one_number, estimate_skew, split_glued

HZ2023 = Path(__file__).resolve().parents[1] / "gold" / "2023_jiangsu_huaian_hongzequ_gov.pdf"
NUMBER = re.compile(r"^\d+(?:\.\d+)?$")


def _source() -> pymupdf.Document:
    assert HZ2023.is_file(), f"{HZ2023} is missing: the real reports live beside their gold files"
    return pymupdf.open(HZ2023)


def scan_image(clip: pymupdf.Rect, dpi: int = 200, angle: float = 0.7, seed: int = 7) -> Image.Image:
    """Page 3 of the 2023 report as a slightly turned, noisy grayscale scan."""
    page = _source()[2]
    pix = page.get_pixmap(dpi=dpi, clip=clip, colorspace=pymupdf.csGRAY)
    image = Image.frombytes("L", (pix.width, pix.height), pix.samples)
    image = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    rng = np.random.default_rng(seed)
    pixels = np.asarray(image).astype(np.float32)
    pixels += rng.normal(0, 6, pixels.shape)
    specks = rng.random(pixels.shape) < 0.004
    pixels[specks] = rng.integers(0, 255, int(specks.sum()))
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.4))
    return image


def image_only_pdf(images: list[tuple[Image.Image, pymupdf.Rect]], path: Path) -> Path:
    doc = pymupdf.open()
    for image, rect in images:
        buf = io.BytesIO()
        image.save(buf, format="JPEG", quality=80)
        page = doc.new_page(width=rect.width, height=rect.height)
        page.insert_image(page.rect, stream=buf.getvalue())
    doc.save(path)
    return path


def texts(line: Line) -> list[str]:
    return [c.text for c in line.cells or []]


def row_with(doc: Document, label: str) -> Line:
    found = [line for line in doc.lines if line.cells and any(label in c for c in texts(line))]
    assert found, f"no row with {label!r} in {[line.text for line in doc.lines]}"
    return found[0]


SECTION_3 = pymupdf.Rect(60, 350, 540, 800)  # heading, header rows and the first rows of section 三


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Document:
    image = scan_image(SECTION_3)
    path = image_only_pdf([(image, SECTION_3)], tmp_path_factory.mktemp("scan") / "scanned.pdf")
    return load_document(path)


@pytest.mark.slow
def test_scanned_page_takes_the_ocr_path(scanned: Document) -> None:
    assert scanned.kind == "scan"
    assert [page.ocr for page in scanned.pages] == [True]
    assert any("收到和处理政府" in line.text and not line.cells for line in scanned.lines)


@pytest.mark.slow
def test_scanned_rows_read_as_cells(scanned: Document) -> None:
    new = texts(row_with(scanned, "本年新收政府信息公开申请数量"))
    assert new[-7:] == ["21", "0", "0", "0", "0", "0", "21"]
    assert len([c for c in new if NUMBER.match(c)]) == 7
    carried = texts(row_with(scanned, "上年结转政府信息公开申请数量"))
    assert carried[-7:] == ["0"] * 7
    secret = texts(row_with(scanned, "属于国家秘密"))
    assert secret[-7:] == ["1", "0", "0", "0", "0", "0", "1"]
    # the vertical label, one cell, repeated on its rows (OCR may drop its small 、)
    assert secret[0].startswith("三") and secret[0].endswith("本年度办理结果")
    unavailable = texts(row_with(scanned, "本机关不掌握相关政府信息"))
    assert unavailable[-7:] == ["10", "0", "0", "0", "0", "0", "10"]


@pytest.mark.slow
def test_scanned_cells_carry_confidence_and_boxes(scanned: Document) -> None:
    line = row_with(scanned, "本年新收政府信息公开申请数量")
    assert line.cells is not None and line.box is not None
    assert 0.0 < line.confidence <= 1.0
    assert line.confidence == min(c.confidence for c in line.cells)
    for cell in line.cells:
        assert cell.box is not None and cell.ref is not None
        assert SECTION_3.width * 0 <= cell.box[0] < cell.box[2] <= SECTION_3.width + 1  # page units, not pixels
        assert scanned.text[cell.start : cell.end] == cell.text


def test_only_pages_without_text_are_ocrd(tmp_path: Path) -> None:
    clip = pymupdf.Rect(75, 120, 520, 240)  # 行政处罚 4119 / 行政强制 195
    image = scan_image(clip, angle=0.0)
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((72, 72), "二、主动公开政府信息情况", fontname="china-s", fontsize=14)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    page = doc.new_page(width=clip.width, height=clip.height)
    page.insert_image(page.rect, stream=buf.getvalue())
    path = tmp_path / "mixed.pdf"
    doc.save(path)
    loaded = load_document(path)
    assert loaded.kind == "pdf"
    assert [p.ocr for p in loaded.pages] == [False, True]
    assert texts(row_with(loaded, "行政处罚"))[-1] == "4119"
    assert texts(row_with(loaded, "行政强制"))[-1] == "195"


def test_image_file(tmp_path: Path) -> None:
    clip = pymupdf.Rect(75, 120, 520, 240)
    path = tmp_path / "table.png"
    scan_image(clip, angle=-0.5).save(path)
    doc = load_document(path)
    assert doc.kind == "image" and doc.pages[0].ocr
    row = row_with(doc, "行政处罚")
    assert texts(row) == ["行政处罚", "4119"]
    assert row.cells is not None and row.cells[1].box is not None
    assert doc.pages[0].width == Image.open(path).width  # an image's boxes are in pixels


def test_engine_is_created_once() -> None:
    assert ocr_module.engine() is ocr_module.engine()


def test_skew_is_measured() -> None:
    canvas = Image.new("L", (1200, 1600), 255)
    pixels = np.asarray(canvas).copy()
    for y in range(200, 1400, 60):
        pixels[y : y + 3, 150:1050] = 0  # rules
        pixels[y + 20 : y + 40, 200:900:7] = 0  # a text-like band
    turned = Image.fromarray(pixels).rotate(1.5, fillcolor=255)
    assert estimate_skew(np.asarray(turned)) == pytest.approx(-1.5, abs=0.2)
    assert estimate_skew(pixels) == pytest.approx(0.0, abs=0.15)


def test_rules_left_slightly_slanted_are_found() -> None:
    """A straightened scan keeps a fraction of a degree of slant: a long rule then spans more pixels
    across than it is thick, and must still count as a rule, not as a filled bar."""
    scale = 200 / 72
    pixels = np.full((1800, 1400), 255, np.uint8)
    for i, x in enumerate((100, 400, 700, 1000, 1300)):  # each column rule drifts 6 px over 1600 px
        for y in range(100, 1700):
            at = x + i + (y - 100) * 6 // 1600
            pixels[y, at : at + 3] = 0
    for y in range(100, 1701, 200):  # and each row rule 6 px over 1200 px
        for x in range(100, 1303):
            at = y + (x - 100) * 6 // 1200
            pixels[at : at + 3, x] = 0
    pixels[800:900, 500:600] = 0  # a filled box is not a rule
    h_rules, v_rules, _ = ocr_module.find_rules(pixels, scale)
    grids = build_grids(h_rules, v_rules, tol=2.5 * scale, min_size=4.0 * scale, bridge=8.0 * scale)
    assert len(grids) == 1
    assert (grids[0].n_cols, grids[0].n_rows) == (4, 8)
    assert not any(500 <= x <= 600 for x, _, _ in v_rules)


@pytest.mark.parametrize(
    ("token", "one"),
    [
        ("0", True),
        ("21", True),
        ("1,234.56", True),
        ("7730.28", True),
        ("0.5", True),
        ("00", False),
        ("012", False),
        ("1,234.561,100.00", False),
        ("1,23", False),
    ],
)
def test_which_tokens_can_be_one_number(token: str, one: bool) -> None:
    assert can_be_one_number(token) is one


def test_glued_tokens_split_only_when_they_read_one_way() -> None:
    assert split_glued("00") == ["0", "0"]
    assert split_glued("000") == ["0", "0", "0"]
    assert split_glued("21") is None  # one number: nothing to split
    assert split_glued("1,234.561,100.00") is None  # two readings: flag, do not guess


def test_a_glued_token_over_two_cells_is_split_by_position() -> None:
    # two columns 0-50 and 50-100; OCR read the "0" of each as one box "00" across the rule
    grids = build_grids([(0, 0, 100), (20, 0, 100)], [(0, 0, 20), (50, 0, 20), (100, 0, 20)], tol=1.0, min_size=2.0)
    glyphs = ocr_module._spread("00", (20.0, 4.0, 80.0, 16.0), 0.99)
    assert place_glyphs([glyphs], grids) == []
    block = table_block(grids[0])
    assert [c.text for c in block.cells] == ["0", "0"]


def test_a_glued_token_in_one_cell_is_flagged() -> None:
    grids = build_grids([(0, 0, 100), (20, 0, 100)], [(0, 0, 20), (50, 0, 20), (100, 0, 20)], tol=1.0, min_size=2.0)
    place_glyphs([[Glyph("1,234.561,100.00", (2.0, 4.0, 48.0, 16.0), 0.99)]], grids)
    block = table_block(grids[0])
    ocr_module._flag_glued(block)
    assert block.cells[0].text == "1,234.561,100.00"
    assert block.cells[0].confidence <= ocr_module.GLUED_CONFIDENCE


def test_table_pasted_as_a_picture_on_a_text_page(tmp_path: Path) -> None:
    clip = pymupdf.Rect(75, 120, 520, 240)  # 行政处罚 4119 / 行政强制 195
    buf = io.BytesIO()
    scan_image(clip, angle=0.0).save(buf, format="PNG")
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((72, 90), "二、主动公开政府信息情况", fontname="china-s", fontsize=14)
    where = pymupdf.Rect(72, 120, 72 + clip.width, 120 + clip.height)
    page.insert_image(where, stream=buf.getvalue())
    page.insert_text((72, 300), "三、收到和处理政府信息公开申请情况", fontname="china-s", fontsize=14)
    path = tmp_path / "pasted.pdf"
    doc.save(path)
    loaded = load_document(path)
    assert loaded.kind == "pdf" and loaded.pages[0].ocr
    lines = loaded.lines
    assert lines[0].text == "二、主动公开政府信息情况"
    assert lines[-1].text == "三、收到和处理政府信息公开申请情况"
    row = row_with(loaded, "行政处罚")
    assert texts(row) == ["行政处罚", "4119"]
    assert row.box is not None and where.y0 - 1 <= row.box[1] and row.box[3] <= where.y1 + 1  # page units


def test_pictures_without_tables_are_not_ocrd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    picture = Image.new("L", (400, 300), 255)
    pixels = np.asarray(picture).copy()
    pixels[100:200, 100:300] = 90  # a photo-like block, no rules
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG")
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((72, 90), "一、总体情况", fontname="china-s", fontsize=14)
    page.insert_image(pymupdf.Rect(72, 120, 472, 420), stream=buf.getvalue())
    path = tmp_path / "photo.pdf"
    doc.save(path)

    def refuse(gray: object) -> list:
        raise AssertionError("OCR ran on a picture without a table")

    monkeypatch.setattr(ocr_module, "recognize", refuse)
    loaded = load_document(path)
    assert [line.text for line in loaded.lines] == ["一、总体情况"]


HUAIAN = Path(__file__).resolve().parents[1] / "gold" / "2024_jiangsu_huaian_city_gov.pdf"


@pytest.mark.slow
def test_pages_without_tables_are_read_only_as_far_as_the_parser_needs(tmp_path: Path) -> None:
    """Pages 1, 2 and 6 of a real report (prose, no tables) as a scan: headings, title, the statistics
    period and short lines are read; running prose in the middle of the document is not."""
    source = pymupdf.open(HUAIAN)
    scan = pymupdf.open()
    for number in (0, 1, 5):
        pix = source[number].get_pixmap(dpi=200, colorspace=pymupdf.csGRAY)
        page = scan.new_page(width=source[number].rect.width, height=source[number].rect.height)
        page.insert_image(page.rect, stream=pix.tobytes("png"))
    path = tmp_path / "prose_scan.pdf"
    scan.save(path)
    doc = load_document(path)
    assert doc.kind == "scan"
    text = re.sub(r"\s+", "", doc.text)
    for wanted in ("2024年政府信息公开工作年度报告", "统计期限自2024年1月1日至2024年12月31日", "一、总体情况"):
        assert wanted in text, wanted  # first page: title, preface, heading
    assert "回应舆论关切。" in text  # a paragraph's short last line on the middle page
    assert "六、其他需要报告的事项" in text  # a heading on the last page
    assert "全市共受理政府信息公开申请" not in text  # a full prose line on the middle page: skipped


def test_ocr_engine_runs_one_thread_per_session_without_the_angle_classifier() -> None:
    engine = ocr_module.engine()
    assert engine.use_cls is False
    for session in (engine.text_det.infer.session, engine.text_rec.session.session):
        assert session.get_session_options().intra_op_num_threads == ocr_module.ocr_threads() == 1


def test_the_recogniser_reads_one_crop_per_call(input_shapes: Callable[[type], list[tuple[int, ...]]]) -> None:
    """A batch pads every crop to its widest one; one at a time reads the same for about a third less CPU."""
    engine = ocr_module.engine()
    assert engine.text_rec.rec_batch_num == ocr_module.REC_BATCH == 1
    crops = []
    for width in (60, 900):
        crop = np.full((48, width, 3), 255, np.uint8)
        crop[10:38, 10 : width - 10] = 0  # a dark bar: any reading will do, the inputs are what is checked
        crops.append(crop)
    shapes = input_shapes(type(engine.text_rec.session))
    engine.text_rec(crops)
    assert [shape[0] for shape in shapes] == [1, 1]
    assert sorted(shape[3] for shape in shapes) == [320, 900]  # the narrow crop is not padded to the wide one


def _table_page_as_the_detector_sees_it() -> np.ndarray:
    """Page 4 of a real report (section 三's table) at 200 dpi, shrunk as RapidOCR shrinks it."""
    page = pymupdf.open(HUAIAN)[3]
    pix = page.get_pixmap(dpi=200, colorspace=pymupdf.csGRAY)
    gray = np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width)
    small, _back = ocr_module._detector_input(gray, ocr_module.engine().max_side_len)
    return np.asarray(small)


def _rapidocr_boxes(gray: np.ndarray) -> list[np.ndarray]:
    found, _ = ocr_module.engine()(np.dstack([gray] * 3), use_cls=False, use_rec=False)
    return [np.asarray(points, np.float32) for points in found or ()]


@pytest.mark.slow
def test_the_detector_finds_what_rapidocr_finds() -> None:
    gray = _table_page_as_the_detector_sees_it()
    assert gray.shape == (1984, 1408)  # a 200 dpi A4 page, longest side cut to 2,000 in steps of 32
    theirs = _rapidocr_boxes(gray)
    ours = ocr_module.detect(gray)  # the input normalised in single precision: the very same boxes
    assert len(ours) == len(theirs) > 100
    assert max(float(np.abs(a - b).max()) for a, b in zip(ours, theirs, strict=True)) < 0.01
    half = np.ascontiguousarray(gray[::2, ::2])  # a skimmed page's size, which the detector resizes itself
    ours, theirs = ocr_module.detect(half), _rapidocr_boxes(half)
    assert len(ours) == len(theirs) > 50
    assert max(float(np.abs(a - b).max()) for a, b in zip(ours, theirs, strict=True)) < 0.01


def test_images_the_detector_would_resize_are_left_to_rapidocr() -> None:
    strip = _table_page_as_the_detector_sees_it()[:600]
    gray = np.hstack([strip, strip])  # 2,816 pixels wide: RapidOCR shrinks it first
    ours = ocr_module.detect(gray)
    theirs = _rapidocr_boxes(gray)
    assert len(ours) == len(theirs) > 10
    assert all(np.array_equal(a, b) for a, b in zip(ours, theirs, strict=True))


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_a_bad_thread_count_is_a_clear_error(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ocr_module.THREADS_ENV, value)
    with pytest.raises(ConfigError, match="EXTRACTOR_OCR_THREADS"):
        ocr_module.ocr_threads()
