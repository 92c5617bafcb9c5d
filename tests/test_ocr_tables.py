"""OCR of a page with ruled tables: where the detector runs, and how cells are cut (real models, a real page)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pymupdf
import pytest

from extractor.load import ocr as ocr_module
from extractor.load._grid import Grid, GridCell, build_grids
from extractor.load._layout import Glyph, assemble, place_glyphs

HUAIAN = Path(__file__).resolve().parents[1] / "gold" / "2024_jiangsu_huaian_city_gov.pdf"
PX = 200 / 72


def _page(number: int) -> np.ndarray:
    assert HUAIAN.is_file(), f"{HUAIAN} is missing: the real reports live beside their gold files"
    page = pymupdf.open(HUAIAN)[number - 1]
    pix = page.get_pixmap(dpi=200, colorspace=pymupdf.csGRAY)
    return np.frombuffer(pix.samples, np.uint8).reshape(pix.height, pix.width).copy()


def _grids(gray: np.ndarray) -> tuple[list[Grid], np.ndarray]:
    h_rules, v_rules, mask = ocr_module.find_rules(gray, PX)
    grids = build_grids(h_rules, v_rules, tol=2.5 * PX, min_size=4.0 * PX, bridge=8.0 * PX)
    return grids, ocr_module.without_rules(gray, mask, PX)


@pytest.mark.slow
def test_a_table_page_is_read_without_the_detector_over_the_whole_page(monkeypatch: pytest.MonkeyPatch) -> None:
    gray = _page(4)  # section 三's table, with a heading above it
    grids, clean = _grids(gray)
    assert len(grids) == 2
    seen: list[tuple[int, ...]] = []
    detect = ocr_module.detect

    def recorded(image: np.ndarray, as_given: bool = False) -> list[np.ndarray]:
        seen.append(image.shape)
        return detect(image, as_given)

    monkeypatch.setattr(ocr_module, "detect", recorded)
    lines = ocr_module.read_table_page(gray, clean, grids, PX)
    page_area = gray.shape[0] * gray.shape[1]
    assert sum(h * w for h, w in seen) < 0.3 * page_area  # tables at half scale, outside only the inked bands
    outside = [line.text for line in lines if not ocr_module._in_grid(line, grids)]
    assert any("收到和处理政府信息公开申请情况" in text for text in outside)
    place_glyphs([line.glyphs for line in lines], grids)
    ocr_module.read_missed_cells(clean, grids, PX)
    cells = {assemble(cell.items)[0] for grid in grids for cell in grid.cells}
    assert "二、上年结转政府信息公开申请数量" in cells or "、上年结转政府信息公开申请数量" in cells
    row = [c for c in grids[1].cells if c.row0 == grids[1].cells[-1].row0]  # the last row read to its numbers
    assert all(assemble(c.items)[0] for c in row)


def test_a_box_over_two_cells_lies_in_both_and_one_inside_a_cell_in_one() -> None:
    left, right = GridCell(0, 1, 0, 1, (0, 0, 100, 40)), GridCell(0, 1, 1, 2, (100, 0, 200, 40))
    grid = Grid([0.0, 100.0, 200.0], [0.0, 40.0], [left, right], {(0, 0): 0, (0, 1): 1})
    assert ocr_module._cells_under((10, 5, 90, 35), [grid]) == [left]
    assert ocr_module._cells_under((10, 5, 104, 35), [grid]) == [left]  # a margin over the rule is not a second cell
    assert ocr_module._cells_under((40, 5, 140, 35), [grid]) == [left, right]
    assert ocr_module._cells_under((70, 5, 170, 35), [grid]) == [right, left]
    assert ocr_module._cells_under((90, 5, 190, 35), [grid]) == [right]  # a tenth over the rule: one cell
    assert ocr_module._cells_under((210, 5, 260, 35), [grid]) == []  # outside the table


def test_a_small_image_is_detected_at_its_own_size(input_shapes: Callable[[type], list[tuple[int, ...]]]) -> None:
    """RapidOCR enlarges an image whose shorter side is under 736 pixels; a part of a page shrunk on purpose
    must not be enlarged again."""
    gray = _page(4)[600:900, 200:1400]
    shapes = input_shapes(type(ocr_module.engine().text_det.infer))
    small = np.ascontiguousarray(gray[::2, ::2])
    boxes = ocr_module.detect(small, as_given=True)
    assert shapes == [(1, 3, 160, 608)]  # 150 x 600, in steps of 32
    assert boxes and all(0 <= float(p[:, 0].max()) <= small.shape[1] for p in boxes)
    ocr_module.detect(small)
    assert shapes[-1][2] >= 736  # RapidOCR's own way, for comparison


@pytest.mark.slow
def test_a_table_page_reads_its_headings_but_not_its_running_prose() -> None:
    gray = _page(3)  # prose of section 一, the heading of section 二, then its table
    grids, clean = _grids(gray)
    assert grids
    whole = ocr_module.read_table_page(gray, clean, grids, PX)
    skimmed = ocr_module.read_table_page(gray, clean, grids, PX, ocr_module.Skim(first=False, last=False))
    prose = [line.text for line in whole if not ocr_module._in_grid(line, grids)]
    kept = [line.text for line in skimmed if not ocr_module._in_grid(line, grids)]
    assert "二、主动公开政府信息情况" in kept
    assert len(prose) >= len(kept) + 8  # the paragraphs above the heading are left unread
    cells = sorted(line.text for line in whole if ocr_module._in_grid(line, grids))
    assert cells == sorted(line.text for line in skimmed if ocr_module._in_grid(line, grids))


def test_rules_that_overrun_the_outer_rule_by_a_few_points_open_no_column() -> None:
    """A generated report photographed as one long image (seed 3131, document 3): its rows' rules ran
    4-5 pt past the table's outer rules on both sides, which once made a sliver column at each edge,
    so every row's last seven cells were read one column off and section 三's total column blank."""
    xs = [50.0, 150.0, 200.0, 250.0]
    rows = [0.0, 20.0, 40.0]
    v = [(x, 0.0, 40.0) for x in xs]
    overrun = [(y, 45.0, 255.0) for y in rows]  # 5 units past both outer rules
    (grid,) = build_grids(overrun, v, tol=1.0, min_size=2.0)
    assert grid.xs == xs
    open_side = [(y, 50.0, 300.0) for y in rows]  # no rule on the right: the rules' ends close it
    (grid,) = build_grids(open_side, v, tol=1.0, min_size=2.0)
    assert grid.xs == [*xs, 300.0]


def test_digits_on_two_lines_of_one_cell_are_one_wrapped_number() -> None:
    """A narrow column wraps 26 as ``2`` over ``6``: one value in a one-row cell; words still get
    their space, and a cell spanning rows keeps its lines apart."""
    two = [Glyph("2", (0, 0, 5, 10)), Glyph("6", (0, 12, 5, 22))]
    assert assemble(two, one_value=True)[0] == "26"
    assert assemble(two)[0] == "2 6"
    words = [Glyph("ab", (0, 0, 10, 10)), Glyph("cd", (0, 12, 10, 22))]
    assert assemble(words, one_value=True)[0] == "ab cd"
