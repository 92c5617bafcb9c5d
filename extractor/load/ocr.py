"""OCR of page images with RapidOCR (models ship in its wheel; nothing is downloaded).

``ocr_layout`` turns a grayscale page image into the same blocks a PDF text
layer gives: it straightens the page, finds the table rules in the image,
recognises the text with character boxes, and puts each character into its
table cell by position. That split by position is what keeps neighbouring
cells apart when OCR reads them as one token (``1,234.561,100.00``, ``00``).
A token that still cannot be one cell is flagged with a low confidence.

Only the pages that carry the statistics tables are read whole. A page without a
ruled table is skimmed (``Skim``): the text detector alone finds its lines, and
only the lines the parser can use are recognised -- headings, the title, the
signature and date (lines shorter than the running prose), the top of the first
page (title, preface with the statistics period) and the bottom of the last. A
page whose detected lines look like a table (many narrow boxes) is read whole
even when no rules show. Recognition is 90% of the cost of OCR; detection at half
resolution finds the same lines for a fraction of it.

A page with ruled tables (``read_table_page``) is not detected whole either: the detector sees each
table at half scale, only to tell the cells with one line of text from those with several, and the
bands of the page outside the tables that hold ink at RapidOCR's own scale (headings, the title, the
signature). A cell with one line is cut around its own ink, with the margin the detector gives a box,
so the reduced scale costs no precision; a box across two cells is dropped and those cells, like a
cell whose lone digit the detector missed, are read from their own ink (``read_missed_cells``).
Outside its tables, a page of a longer document recognises only the lines a skimmed page would: a
table page's running prose is as little needed as any other page's.

The engine is created once per process (``engine()``), with one onnxruntime thread
per session (``EXTRACTOR_OCR_THREADS``): on a busy machine, or with one worker per
core, more threads cost more CPU than they save time. The angle classifier is off:
pages are straightened first. The recogniser reads one crop per call
(``REC_BATCH``): RapidOCR pads a batch of six to its widest crop, and on one
thread a batch costs more per pixel than single crops; one at a time reads the
same text for about a third less CPU. The detector's input is normalised in
single precision (``detect``): the same boxes as RapidOCR's own call, for a
fifth less of the detector's CPU.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from typing import Any

from extractor.errors import ConfigError, MissingDependencyError
from extractor.load._grid import Grid, GridCell, Segment, build_grids
from extractor.load._layout import (
    Glyph,
    PageLayout,
    TableBlock,
    TextBlock,
    assemble,
    page_layout,
    place_glyphs,
    union,
)

MIN_TEXT_SCORE = 0.3  # keep weak readings (a faint "0"); their confidence goes with them
TEXT_LINE_SCORE = 0.5  # outside tables, weaker readings are dropped as noise
GLUED_CONFIDENCE = 0.3  # a cell whose text cannot be one value
UNREAD_CONFIDENCE = 0.2  # a cell with ink that OCR could not read
H_RULE_PT = 25.0  # a horizontal rule is at least this long (points): longer than any stroke of a heading
V_RULE_PT = 18.0  # a vertical rule spans at least one table row
MAX_SKEW = 5.0  # degrees searched when straightening the page

SKIM_DET_SCALE = 0.5  # a skimmed page's lines are detected on the image at this scale
TABLE_DET_PX = 1.4  # a page with ruled tables is detected at this many pixels per point (about 100 dpi)
SHORT_LINE = 0.7  # a line narrower than this share of the text's width is not running prose: read it
FIRST_PAGE_TOP = 0.45  # on the first page, the lines above this share of its height are read (title, preface)
LAST_PAGE_BOTTOM = 0.7  # on the last page, the lines below this share of its height are read (signature)
NARROW_BOX = 0.1  # a detected box narrower than this share of the page is a table cell's worth of text
TABLE_BOXES = 8  # this many narrow boxes on a page without rules: a table all the same, read whole
THREADS_ENV = "EXTRACTOR_OCR_THREADS"
REC_BATCH = 1  # crops per recogniser call: a batch is padded to its widest crop, and a third dearer on one thread

_engine: Any = None
_engine_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Skim:
    """Where a page sits in its document, for reading a page without tables only as far as needed."""

    first: bool
    last: bool


def ocr_threads() -> int:
    """onnxruntime threads per session: ``EXTRACTOR_OCR_THREADS``, default 1."""
    raw = os.environ.get(THREADS_ENV, "").strip()
    if not raw:
        return 1
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{THREADS_ENV}={raw!r}: give a whole number of threads, 1 or more")
    return int(raw)


def engine() -> Any:
    """The process-wide RapidOCR engine (loading the ONNX models takes about a second)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            try:
                from rapidocr_onnxruntime import RapidOCR
            except ImportError as exc:
                raise MissingDependencyError("OCR of scanned pages and images", "rapidocr_onnxruntime") from exc
            threads = ocr_threads()
            _engine = RapidOCR(
                use_cls=False, intra_op_num_threads=threads, inter_op_num_threads=1, rec_batch_num=REC_BATCH
            )
        return _engine


def _cv2() -> Any:
    try:
        import cv2
    except ImportError as exc:  # pragma: no cover - opencv comes with rapidocr_onnxruntime
        raise MissingDependencyError("OCR of scanned pages and images", "opencv-python") from exc
    return cv2


@dataclass(slots=True)
class OcrLine:
    """One detected text box: its characters with boxes and confidences."""

    text: str
    box: tuple[float, float, float, float]
    confidence: float
    glyphs: list[Glyph]


# ---------------------------------------------------------------- the page


def ocr_layout(
    image: Any, number: int, width: float, height: float, scale: float, skim: Skim | None = None
) -> PageLayout:
    """Blocks of a page image, with boxes in page units.

    ``scale``: image pixels per page unit (a PDF page rendered at 72 * scale dpi; 1.0 for a bare
    image, whose unit is the pixel). ``skim``: a page of a longer document, read only as far as the
    parser needs when it shows no table (None: read every line).
    """
    layout = _ocr(image, number, width, height, scale, (0.0, 0.0), only_tables=False, skim=skim)
    return layout if layout is not None else PageLayout(number, width, height, [], ocr=True, scanned=True)


def ocr_tables(
    image: Any, number: int, width: float, height: float, scale: float, offset: tuple[float, float]
) -> PageLayout | None:
    """Blocks of a picture inside a page (``offset``: its top left on the page), or None, without
    running OCR, when the picture shows no ruled table."""
    return _ocr(image, number, width, height, scale, offset, only_tables=True)


def _ocr(
    image: Any,
    number: int,
    width: float,
    height: float,
    scale: float,
    offset: tuple[float, float],
    only_tables: bool,
    skim: Skim | None = None,
) -> PageLayout | None:
    gray = _to_gray(image)
    px = scale if scale != 1.0 else image_scale(gray.shape[1])  # pixels per point, for tolerances
    angle = estimate_skew(gray)
    if abs(angle) >= 0.1:
        gray = rotate(gray, angle)
    h_rules, v_rules, rule_mask = find_rules(gray, px)
    grids = build_grids(h_rules, v_rules, tol=2.5 * px, min_size=4.0 * px, bridge=8.0 * px)
    if only_tables and not grids:
        return None
    clean = without_rules(gray, rule_mask, px) if grids else None
    lines = skim_lines(gray, skim) if skim is not None and not grids else None
    if lines is None:
        lines = read_table_page(gray, clean, grids, px, skim) if clean is not None else recognize(gray)
    kept = [line.glyphs for line in lines if line.confidence >= TEXT_LINE_SCORE or _in_grid(line, grids)]
    outside = place_glyphs(kept, grids)
    if clean is not None:
        read_missed_cells(clean, grids, px)
        second_look(clean, grids, px)
    dx, dy = offset
    for grid in grids:
        grid.scale(scale, dx, dy)
    outside = [[_scaled(g, scale, dx, dy) for g in line] for line in outside]
    page = page_layout(number, width, height, outside, grids, ocr=True)
    for block in page.blocks:
        if isinstance(block, TableBlock):
            _flag_glued(block)
        elif block.cells:
            block.cells = _split_glued_cells(block.cells)
    return page


def table_det_scale(px: float) -> float:
    """The detector's scale on a page with ruled tables: at least ``TABLE_DET_PX`` pixels per point."""
    return min(1.0, max(TABLE_DET_PX / px, 0.25))


def image_grids(image: Any, scale: float, offset: tuple[float, float]) -> list[Grid]:
    """Ruled tables seen in an image (no OCR), in page units: for text laid over a scan."""
    gray = _to_gray(image)
    h_rules, v_rules, _ = find_rules(gray, scale)
    grids = build_grids(h_rules, v_rules, tol=2.5 * scale, min_size=4.0 * scale, bridge=8.0 * scale)
    for grid in grids:
        grid.scale(scale, *offset)
    return grids


def image_scale(width_px: int) -> float:
    """Pixels per point of a page image, taking its width as an A4 page's (595 pt)."""
    return max(1.0, width_px / 595.0)


def _scaled(glyph: Glyph, scale: float, dx: float, dy: float) -> Glyph:
    if scale == 1.0 and dx == dy == 0.0:
        return glyph
    x0, y0, x1, y1 = glyph.box
    return Glyph(glyph.text, (x0 / scale + dx, y0 / scale + dy, x1 / scale + dx, y1 / scale + dy), glyph.confidence)


def _to_gray(image: Any) -> Any:
    import numpy as np

    array = np.asarray(image)
    if array.ndim == 3:
        cv2 = _cv2()
        if array.shape[2] == 4:
            array = cv2.cvtColor(array, cv2.COLOR_RGBA2GRAY)
        else:
            array = cv2.cvtColor(array, cv2.COLOR_RGB2GRAY)
    if array.dtype != np.uint8:
        array = array.astype(np.uint8)
    return np.ascontiguousarray(array)


def _in_grid(line: OcrLine, grids: list[Grid]) -> bool:
    x = (line.box[0] + line.box[2]) / 2
    y = (line.box[1] + line.box[3]) / 2
    return any(grid.cell_at(x, y) is not None for grid in grids)


# ---------------------------------------------------------------- straightening and rules


def estimate_skew(gray: Any) -> float:
    """The page's rotation in degrees (counter-clockwise positive), from the sharpness of its row profile."""
    import numpy as np

    cv2 = _cv2()
    small_w = 600
    factor = small_w / gray.shape[1]
    small = cv2.resize(gray, (small_w, max(1, int(gray.shape[0] * factor))), interpolation=cv2.INTER_AREA)
    ink = (small < 160).astype(np.float32)
    if ink.sum() < 50:
        return 0.0
    centre = (small.shape[1] / 2, small.shape[0] / 2)

    def sharpness(angle: float) -> float:
        matrix = cv2.getRotationMatrix2D(centre, angle, 1.0)
        turned = cv2.warpAffine(ink, matrix, (ink.shape[1], ink.shape[0]), flags=cv2.INTER_NEAREST)
        profile = turned.sum(axis=1)
        return float(np.square(np.diff(profile)).sum())

    best = max(np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 0.5), key=sharpness)
    best = max(np.arange(best - 0.4, best + 0.41, 0.1), key=sharpness)
    return float(round(best, 2))


def rotate(gray: Any, angle: float) -> Any:
    cv2 = _cv2()
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


def find_rules(gray: Any, scale: float) -> tuple[list[Segment], list[Segment], Any]:
    """Horizontal and vertical rules seen in the image (pixel coordinates), and the mask of their pixels."""
    cv2 = _cv2()
    # Thin rules come out light after scanning: take what is darker than its surroundings, not than a
    # global threshold; thicken across the rule so a rule that drifts by a pixel stays one run.
    block = max(15, round(11 * scale)) | 1
    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 20)
    h_length = max(15, int(H_RULE_PT * scale))
    v_length = max(12, int(V_RULE_PT * scale))
    bridge = max(3, int(1.5 * scale))
    across = max(3, round(0.8 * scale)) | 1
    horizontal = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (1, across)))
    horizontal = cv2.morphologyEx(horizontal, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (h_length, 1)))
    horizontal = cv2.dilate(horizontal, cv2.getStructuringElement(cv2.MORPH_RECT, (bridge, 1)))
    vertical = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_RECT, (across, 1)))
    vertical = cv2.morphologyEx(vertical, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, v_length)))
    vertical = cv2.dilate(vertical, cv2.getStructuringElement(cv2.MORPH_RECT, (1, bridge)))
    # A thicker bar is a filled area, not a rule. Thickness is the mean across the run (area / length),
    # not the bounding box's: a rule the straightening left a fraction of a degree off spans several
    # pixels more across than it is thick.
    thick = 3.0 * scale
    h: list[Segment] = []
    n, _, stats, _ = cv2.connectedComponentsWithStats(horizontal, connectivity=8)
    for i in range(1, n):
        x, y, w, hh, area = stats[i]
        if w >= h_length and area / w <= thick:
            h.append((y + hh / 2, float(x), float(x + w)))
    v: list[Segment] = []
    n, _, stats, _ = cv2.connectedComponentsWithStats(vertical, connectivity=8)
    for i in range(1, n):
        x, y, ww, hh, area = stats[i]
        if hh >= v_length and area / hh <= thick:
            v.append((x + ww / 2, float(y), float(y + hh)))
    return h, v, cv2.bitwise_or(horizontal, vertical)


def without_rules(gray: Any, mask: Any, scale: float) -> Any:
    """The image with the rules painted white, so a cell's crop holds only its own ink."""
    cv2 = _cv2()
    grow = max(3, round(1.0 * scale)) | 1
    wide = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_RECT, (grow, grow)))
    clean = gray.copy()
    clean[wide > 0] = 255
    return clean


# ---------------------------------------------------------------- recognition


def recognize(gray: Any, det_scale: float | None = None) -> list[OcrLine]:
    """Text boxes of an image, each with a glyph per character spread over its box.

    The steps of RapidOCR's own call, its detector through ``detect``. RapidOCR can return character
    boxes itself (``return_word_box``), but that costs about a tenth more than the whole recognition;
    spreading by character width is as good for telling cells apart. ``det_scale``: the detector
    runs on the image at this scale and the boxes are cut from the full image (None: RapidOCR's own
    detector input, the longest side at most ``max_side_len``).
    """
    import numpy as np

    cv2 = _cv2()
    if det_scale is not None:
        small = cv2.resize(gray, None, fx=det_scale, fy=det_scale, interpolation=cv2.INTER_AREA)
        return read_boxes(gray, [points / det_scale for points in detect(small)])
    ocr = engine()
    small, back = _detector_input(gray, ocr.max_side_len)
    bgr = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
    polygons = detect(small)
    if not polygons:
        return []
    readings, _ = ocr.text_rec(ocr.get_crop_img_list(bgr, polygons))
    height, width = gray.shape
    lines = []
    for points, reading in zip(polygons, readings, strict=True):
        text, score = str(reading[0]).translate(_FULLWIDTH_DIGITS), float(reading[1])
        if text.strip() and score >= MIN_TEXT_SCORE:
            box = _bounds(np.clip(points * back, 0, np.array([width, height], np.float32)))
            lines.append(OcrLine(text, box, score, _spread(text, box, score)))
    return lines


def read_table_page(gray: Any, clean: Any, grids: list[Grid], px: float, skim: Skim | None = None) -> list[OcrLine]:
    """The text of a page with ruled tables: lines outside the tables, and the text of their cells.

    Outside the tables, the detector sees only the bands of the page that hold ink (``_outside_boxes``),
    at the scale RapidOCR gives it. Inside, it runs on each table at ``table_det_scale``, a third of its
    cost at full size, only to tell which cells hold one line and which several. A cell with one box is
    cut around its ink in ``clean`` (the page without its rules) with the detector's margin
    (``UNCLIP``), so a box found at reduced scale loses no precision; a cell with several keeps the
    detector's boxes. A box across two cells is dropped: those cells are read from their own ink
    (``read_missed_cells``), so no character lands in its neighbour. With ``skim``, the lines outside
    the tables are read as on a skimmed page: headings, the title, the signature, not running prose.
    """
    import numpy as np

    cv2 = _cv2()
    scale = table_det_scale(px)
    height, width = gray.shape
    pad = round(2 * px)
    in_cell: dict[int, list[tuple[Any, GridCell]]] = {}
    kept: list[Any] = []
    for grid in grids:
        x0, y0, x1, y1 = grid.box
        left, top = max(round(x0) - pad, 0), max(round(y0) - pad, 0)
        right, bottom = min(round(x1) + pad, width), min(round(y1) + pad, height)
        small = cv2.resize(gray[top:bottom, left:right], None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        origin = np.array([left, top], np.float32)
        for points in detect(small, as_given=True):
            points = points / scale + origin
            cells = _cells_under(_bounds(points), [grid])
            if len(cells) == 1:
                in_cell.setdefault(id(cells[0]), []).append((points, cells[0]))
    for boxes in in_cell.values():
        if len(boxes) > 1:
            kept.extend(points for points, _ in boxes)
            continue
        points, gcell = boxes[0]
        tight = _ink_box(clean, gcell, _bounds(points), px)
        kept.append(points if tight is None else _corners(tight))
    outside = [points for points in _outside_boxes(gray, grids, px) if not _in_grid_box(_bounds(points), grids)]
    if skim is not None and outside:
        widest_table = max(grid.box[2] - grid.box[0] for grid in grids)
        outside = _needed_lines(outside, skim, height, widest_table)
    return read_boxes(clean, kept) + read_boxes(gray, outside)


BAND_GAP = 32  # white rows between two bands stacked for the detector (detector pixels)


def _outside_boxes(gray: Any, grids: list[Grid], px: float) -> list[Any]:
    """Text boxes outside the tables: the runs of rows with ink above, between and below the tables,
    each cut to its ink's width, stacked into one image for one detector pass at RapidOCR's scale."""
    import numpy as np

    cv2 = _cv2()
    height, width = gray.shape
    free = np.ones(height, bool)
    for grid in grids:
        free[max(round(grid.box[1]), 0) : round(grid.box[3]) + 1] = False
    ink = gray < 160
    rows = np.flatnonzero(free & (ink.sum(axis=1) >= 3))
    if not len(rows):
        return []
    gap, pad = round(8 * px), round(4 * px)
    runs: list[list[int]] = [[int(rows[0]), int(rows[0])]]
    for row in rows[1:]:
        if row - runs[-1][1] <= gap:
            runs[-1][1] = int(row)
        else:
            runs.append([int(row), int(row)])
    bands = []
    for first, last in runs:
        top, bottom = max(first - pad, 0), min(last + pad + 1, height)
        cols = np.flatnonzero(ink[top:bottom].sum(axis=0) >= 1)
        left, right = max(int(cols[0]) - pad, 0), min(int(cols[-1]) + pad + 1, width)
        bands.append((left, top, right, bottom))
    scale = min(1.0, engine().max_side_len / max(height, width))
    spacer = round(BAND_GAP / scale)
    stack_w = max(right - left for left, _, right, _ in bands)
    parts, at = [], []
    y = 0
    for left, top, right, bottom in bands:
        part = np.full((bottom - top, stack_w), 255, np.uint8)
        part[:, : right - left] = gray[top:bottom, left:right]
        parts += [part, np.full((spacer, stack_w), 255, np.uint8)]
        at.append((y, y + bottom - top, left, top))
        y += bottom - top + spacer
    stack = np.vstack(parts)
    small = cv2.resize(stack, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else stack
    boxes = []
    for points in detect(small, as_given=True):
        points = points / scale
        centre = float(points[:, 1].mean())
        for start, end, left, top in at:
            if start <= centre < end:
                boxes.append(points + np.array([left, top - start], np.float32))
                break
    return boxes


STRADDLE = 0.2  # a box with this share of its area in a second cell spans two cells


def _cells_under(box: tuple[float, float, float, float], grids: list[Grid]) -> list[GridCell]:
    """The cells a box lies in: none when its centre is outside every table, two or more when a second
    cell holds ``STRADDLE`` of its area."""
    if not _in_grid_box(box, grids):
        return []
    x0, y0, x1, y1 = box
    area = max((x1 - x0) * (y1 - y0), 1.0)
    found = []
    for grid in grids:
        for gcell in grid.cells:
            cx0, cy0, cx1, cy1 = gcell.box
            overlap = max(0.0, min(x1, cx1) - max(x0, cx0)) * max(0.0, min(y1, cy1) - max(y0, cy0))
            if overlap > 0:
                found.append((overlap, gcell))
    found.sort(key=lambda item: -item[0])
    return [gcell for overlap, gcell in found if overlap >= STRADDLE * area or gcell is found[0][1]]


def _in_grid_box(box: tuple[float, float, float, float], grids: list[Grid]) -> bool:
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return any(grid.cell_at(x, y) is not None for grid in grids)


def _ink_box(
    clean: Any, gcell: GridCell, near: tuple[float, float, float, float], px: float
) -> tuple[float, float, float, float] | None:
    """The box the detector would draw around the ink of a cell that lies under ``near`` (a box found at
    reduced scale, grown by a quarter of its height), or None when no ink is there."""
    grow = (near[3] - near[1]) / 4
    x0, y0, x1, y1 = gcell.box
    inset = max(2, round(1.2 * px))
    area = (
        round(max(near[0] - grow, x0 + inset)),
        round(max(near[1] - grow, y0 + inset)),
        round(min(near[2] + grow, x1 - inset)),
        round(min(near[3] + grow, y1 - inset)),
    )
    ink = _ink_bounds(clean, area, px)
    return None if ink is None else _grown(ink[0], gcell.box)


def _ink_bounds(gray: Any, area: tuple[int, int, int, int], px: float) -> tuple[tuple[int, int, int, int], Any] | None:
    """The bounds of the ink inside ``area`` of ``gray`` (specks left out) and the crop of ``area`` with
    the specks painted out, or None when it holds too little ink to be text."""
    import numpy as np

    cv2 = _cv2()
    left, top, right, bottom = area
    region = gray[top:bottom, left:right]
    if region.shape[0] < 4 or region.shape[1] < 4:
        return None
    speck = max(6, round(px * px))  # smaller dark blobs are scanner noise, not strokes
    dark = (region < 160).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    keep = [i for i in range(1, n) if stats[i, cv2.CC_STAT_AREA] >= speck]
    if sum(int(stats[i, cv2.CC_STAT_AREA]) for i in keep) < max(12, 1.5 * px * px):
        return None
    ink = np.isin(labels, keep)
    ys, xs = np.nonzero(ink)
    bounds = (left + int(xs.min()), top + int(ys.min()), left + int(xs.max()) + 1, top + int(ys.max()) + 1)
    return bounds, np.where(ink | (dark == 0), region, 255).astype(np.uint8)


def _grown(
    ink: tuple[float, float, float, float], limit: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    """``ink`` grown by the detector's margin (``UNCLIP`` times area over perimeter), within ``limit``."""
    left, top, right, bottom = ink
    width, height = right - left, bottom - top
    grow = UNCLIP * width * height / (2 * (width + height))
    return (
        max(left - grow, limit[0]),
        max(top - grow, limit[1]),
        min(right + grow, limit[2]),
        min(bottom + grow, limit[3]),
    )


def _corners(box: tuple[float, float, float, float]) -> Any:
    import numpy as np

    x0, y0, x1, y1 = box
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)


def read_boxes(gray: Any, polygons: list[Any]) -> list[OcrLine]:
    """The text of ``polygons`` (four corner points each, in ``gray``'s pixels), cut from ``gray``."""
    if not polygons:
        return []
    cv2 = _cv2()
    bgr = cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    readings, _ = engine().text_rec(engine().get_crop_img_list(bgr, polygons))
    lines = []
    for points, reading in zip(polygons, readings, strict=True):
        text, score = str(reading[0]).translate(_FULLWIDTH_DIGITS), float(reading[1])
        if text.strip() and score >= MIN_TEXT_SCORE:
            box = _bounds(points)
            lines.append(OcrLine(text, box, score, _spread(text, box, score)))
    return lines


def _detector_input(gray: Any, max_side: int) -> tuple[Any, Any]:
    """The image as RapidOCR shrinks it for its detector (longest side at most ``max_side``, sides
    rounded to multiples of 32), and the factors (x, y) from its pixels back to ``gray``'s."""
    import numpy as np

    height, width = gray.shape
    if max(height, width) <= max_side:
        return gray, np.array([1.0, 1.0], np.float32)
    ratio = max_side / max(height, width)
    new_h, new_w = round(int(height * ratio) / 32) * 32, round(int(width * ratio) / 32) * 32
    small = _cv2().resize(gray, (new_w, new_h))
    return small, np.array([width / new_w, height / new_h], np.float32)


def detect(gray: Any, as_given: bool = False) -> list[Any]:
    """Text boxes (four corner points each, in ``gray``'s pixels, in reading order), as RapidOCR's own
    call finds them.

    RapidOCR normalises the detector's input in double precision: a fifth of the detector's CPU, for
    the same boxes as single precision gives. Its steps are taken here with that one changed; an
    image that RapidOCR would shrink, enlarge or pad first is left to its own call. ``as_given``: the
    image is already at the scale wanted (a part of a page, shrunk on purpose), and is only rounded
    to multiples of 32, where RapidOCR would enlarge an image whose shorter side is under 736 pixels.
    """
    import numpy as np

    ocr = engine()
    det = ocr.text_det
    height, width = gray.shape
    if as_given and min(height, width) >= 16:
        resized = _cv2().resize(gray, (max(32, round(width / 32) * 32), max(32, round(height / 32) * 32)))
    elif (
        max(height, width) > ocr.max_side_len
        or min(height, width) < ocr.min_side_len
        or height <= ocr.min_height
        or width / height > ocr.width_height_ratio
    ):
        found, _ = ocr(_cv2().cvtColor(gray, _cv2().COLOR_GRAY2BGR), use_cls=False, use_rec=False)
        return [np.asarray(points, dtype=np.float32) for points in found or ()]
    else:
        resized = det.get_preprocess(max(height, width)).resize(gray)
    tensor = np.empty((1, 3, *resized.shape), np.float32)
    tensor[0] = resized * np.float32(2 / 255) - np.float32(1)  # (pixel / 255 - mean 0.5) / std 0.5
    boxes, _ = det.postprocess_op(det.infer(tensor)[0], (height, width))
    boxes = det.filter_tag_det_res(boxes, (height, width))
    return [np.asarray(points, dtype=np.float32) for points in ocr.sorted_boxes(boxes)] if len(boxes) else []


def skim_lines(gray: Any, skim: Skim) -> list[OcrLine] | None:
    """The lines of a page without rules that the parser needs, or None when it looks like a table.

    Detection runs alone on the page at ``SKIM_DET_SCALE``; the chosen boxes are cut from the full
    image and recognised.
    """

    cv2 = _cv2()
    small = cv2.resize(gray, None, fx=SKIM_DET_SCALE, fy=SKIM_DET_SCALE, interpolation=cv2.INTER_AREA)
    polygons = [points / SKIM_DET_SCALE for points in detect(small)]
    if not polygons:
        return []
    height, width = gray.shape
    boxes = [_bounds(points) for points in polygons]
    if sum(1 for b in boxes if b[2] - b[0] < NARROW_BOX * width) >= TABLE_BOXES:
        return None
    return read_boxes(gray, _needed_lines(polygons, skim, height))


def _needed_lines(polygons: list[Any], skim: Skim, height: int, column: float = 0.0) -> list[Any]:
    """The boxes a skimmed page reads: lines shorter than the running text's width (or ``column``, when
    wider), the top of the first page and the bottom of the last."""
    boxes = [_bounds(points) for points in polygons]
    column = max(column, max(b[2] for b in boxes) - min(b[0] for b in boxes))  # the width the running text spans
    return [
        points
        for points, box in zip(polygons, boxes, strict=True)
        if box[2] - box[0] < SHORT_LINE * column
        or (skim.first and box[1] < FIRST_PAGE_TOP * height)
        or (skim.last and box[3] > LAST_PAGE_BOTTOM * height)
    ]


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
_NARROW = set(".,:;'!|·")  # half-width punctuation


def _bounds(points: Any) -> tuple[float, float, float, float]:
    xs = [float(p[0]) for p in points]
    ys = [float(p[1]) for p in points]
    return (min(xs), min(ys), max(xs), max(ys))


def _width(ch: str) -> float:
    """Advance of a character in ems: CJK full, digits and Latin half, narrow punctuation less."""
    if ch in _NARROW:
        return 0.3
    if ch.isspace():
        return 0.5
    if ch.isascii() or ord(ch) < 0x2E80:
        return 0.55
    return 1.0


def _spread(text: str, box: tuple[float, float, float, float], confidence: float) -> list[Glyph]:
    """One glyph per character over ``box`` by character width; down the box for vertical text."""
    weights = [_width(ch) for ch in text]
    total = sum(weights)
    if not text.strip() or total <= 0:
        return []
    x0, y0, x1, y1 = box
    vertical = len(text) > 1 and (y1 - y0) > 1.5 * (x1 - x0)
    span = (y1 - y0) if vertical else (x1 - x0)
    glyphs, at = [], y0 if vertical else x0
    for ch, weight in zip(text, weights, strict=True):
        end = at + span * weight / total
        if not ch.isspace():
            glyphs.append(Glyph(ch, (x0, at, x1, end) if vertical else (at, y0, end, y1), confidence))
        at = end
    return glyphs


# ---------------------------------------------------------------- second looks


UNCLIP = 1.6  # the detector grows a text's box by this times its area over its perimeter


def read_missed_cells(gray: Any, grids: list[Grid], px: float) -> None:
    """Read the cells that hold ink but got no text, each crop alone, as RapidOCR reads a detected box.

    A table page is detected at reduced scale, where a lone narrow digit can go unseen. Each such
    cell's ink is cut out with the margin the detector gives a box (``UNCLIP``) and recognised on
    its own; what stays weak gets its ``second_look``.
    """
    todo: list[tuple[GridCell, Any, tuple[float, float, float, float]]] = []
    for grid in grids:
        for gcell in grid.cells:
            if gcell.items:
                continue
            ink = _cell_ink(gray, gcell, px)
            if ink is None:
                continue
            box = _grown(ink[0], gcell.box)
            crop = gray[round(box[1]) : round(box[3]), round(box[0]) : round(box[2])]
            if crop.shape[0] >= 4 and crop.shape[1] >= 4:
                todo.append((gcell, crop, box))
    if not todo:
        return
    cv2 = _cv2()
    readings, _ = engine().text_rec([cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR) for _, crop, _ in todo])
    for (gcell, _crop, box), reading in zip(todo, readings, strict=True):
        text, score = str(reading[0]).strip().translate(_FULLWIDTH_DIGITS), float(reading[1])
        if text and score >= MIN_TEXT_SCORE:
            gcell.items = _spread(text, box, score)


def _cell_ink(gray: Any, gcell: GridCell, px: float) -> tuple[tuple[int, int, int, int], Any] | None:
    """The bounds of a cell's ink in ``gray``'s pixels (specks left out) and the crop of the cell inside
    its rules with the specks painted out, or None when the cell holds too little ink to be text."""
    inset = max(2, round(1.2 * px))
    x0, y0, x1, y1 = (round(v) for v in gcell.box)
    return _ink_bounds(gray, (x0 + inset, y0 + inset, x1 - inset, y1 - inset), px)


STRIP_CELLS = 8  # cells read together in one strip
WEAK = 0.8  # numbers read with less confidence get a second look


def second_look(gray: Any, grids: list[Grid], px: float) -> None:
    """Read again the cells that hold ink but no text, or only a weak or impossible number.

    The detector misses lone narrow digits, and the recogniser reads a "0" cropped with its cell's
    white space as "o" or "。"; a crop tight around the cell's ink reads it cleanly. The crops are laid
    side by side in strips, so one recogniser pass reads up to ``STRIP_CELLS`` cells, and each
    character goes back to the crop under it. A new reading replaces the first one only when surer.
    """
    todo = [item for grid in grids for item in _weak_cells(gray, grid, px)]
    if not todo:
        return
    readings = _read_strips([crop for _, crop, _ in todo])
    for (gcell, _crop, (text, confidence)), (new_text, score) in zip(todo, readings, strict=True):
        new_text = new_text.strip().translate(_FULLWIDTH_DIGITS)
        if not text:
            if new_text and score >= MIN_TEXT_SCORE:
                gcell.items = [Glyph(new_text, gcell.box, score)]
            else:
                gcell.items = [Glyph("", gcell.box, UNREAD_CONFIDENCE)]  # ink that reads as nothing: ask a person
        elif new_text and _better(new_text, score, text, confidence):
            gcell.items = [Glyph(new_text, union(g.box for g in gcell.items), score)]


def _better(new: str, score: float, old: str, confidence: float) -> bool:
    """Whether a second reading replaces the first: a whole number beats anything that is not one."""
    new_ok, old_ok = can_be_one_number(new), can_be_one_number(old.strip(_STRAY + " ").rstrip("-—–_"))
    if new_ok and not old_ok:
        return score >= TEXT_LINE_SCORE
    if old_ok and not new_ok:
        return False
    return score > confidence


def _weak_cells(gray: Any, grid: Grid, px: float) -> list[tuple[GridCell, Any, tuple[str, float]]]:
    margin = max(3, round(2.0 * px))
    inset = max(2, round(1.2 * px))
    out = []
    for gcell in grid.cells:
        text, confidence = assemble(gcell.items)
        if _CJK_CHAR.search(text) or (text and confidence >= WEAK and can_be_one_number(text)):
            continue
        ink = _cell_ink(gray, gcell, px)
        if ink is None:
            continue
        (left, top, right, bottom), clean = ink
        x0, y0 = round(gcell.box[0]) + inset, round(gcell.box[1]) + inset
        crop = clean[max(top - y0 - margin, 0) : bottom - y0 + margin, max(left - x0 - margin, 0) : right - x0 + margin]
        out.append((gcell, crop, (text, confidence)))
    return out


_CJK_CHAR = re.compile(r"[\u3400-\u9fff]")


STRIP_HEIGHT = 48  # the recogniser's input height: crops are scaled to it, so nothing is resized again
STRIP_GAP = 20  # white between two crops: enough for the recogniser to see them apart


def _read_strips(crops: list[Any]) -> list[tuple[str, float]]:
    """Recognise crops laid side by side in strips, all strips in one batched pass.

    Every strip is padded to the same width, so the recogniser's output columns map linearly onto
    each strip, and each recognised character goes back to the crop under it.
    """
    import numpy as np

    cv2 = _cv2()
    scaled = []
    for crop in crops:
        width = max(1, round(crop.shape[1] * STRIP_HEIGHT / crop.shape[0]))
        scaled.append(cv2.resize(crop, (width, STRIP_HEIGHT), interpolation=cv2.INTER_AREA))
    layouts: list[list[tuple[float, float]]] = []
    strips_parts: list[list[Any]] = []
    for start in range(0, len(scaled), STRIP_CELLS):
        parts, spans, x = [], [], STRIP_GAP
        for crop in scaled[start : start + STRIP_CELLS]:
            parts += [np.full((STRIP_HEIGHT, STRIP_GAP), 255, np.uint8), crop]
            spans.append((x - STRIP_GAP / 2, x + crop.shape[1] + STRIP_GAP / 2))
            x += crop.shape[1] + STRIP_GAP
        strips_parts.append(parts)
        layouts.append(spans)
    width = max(max(sum(p.shape[1] for p in parts) for parts in strips_parts) + STRIP_GAP, 321)
    strips = []
    for parts in strips_parts:
        used = sum(p.shape[1] for p in parts)
        strip = np.hstack([*parts, np.full((STRIP_HEIGHT, width - used), 255, np.uint8)])
        strips.append(cv2.cvtColor(strip, cv2.COLOR_GRAY2BGR))
    results, _ = engine().text_rec(strips, True)
    readings: list[tuple[str, float]] = []
    for spans, result in zip(layouts, results, strict=True):
        readings.extend(_by_position(result, spans, width))
    return readings


def _by_position(result: Any, spans: list[tuple[float, float]], width: int) -> list[tuple[str, float]]:
    texts = [""] * len(spans)
    scores = [1.0] * len(spans)
    info = result[2] if len(result) > 2 else None
    if not result[0] or not info:
        return [("", 0.0)] * len(spans)
    columns, words, word_cols, confs = info[0], info[1], info[2], info[4]
    chars = [ch for word in words for ch in word]
    cols = [c for word in word_cols for c in word]
    if len(chars) != len(cols) or len(confs) != len(chars):
        return [("", 0.0)] * len(spans)
    for ch, col, conf in zip(chars, cols, confs, strict=True):
        at = (col + 0.5) / columns * width
        for i, (a, b) in enumerate(spans):
            if a <= at < b:
                texts[i] += ch
                scores[i] = min(scores[i], float(conf))
                break
    return [(t, s if t else 0.0) for t, s in zip(texts, scores, strict=True)]


# ---------------------------------------------------------------- glued tokens

_ONE_NUMBER = re.compile(r"^0(?:\.\d+)?%?$|^[-+]?(?:[1-9]\d{0,2}(?:,\d{3})+|[1-9]\d*)(?:\.\d+)?%?$|^[-+]0\.\d+%?$")
_NUMERIC = re.compile(r"^[\d,.\s%+-]+$")


def can_be_one_number(text: str) -> bool:
    """False for tokens no single cell prints: ``00``, ``012``, ``1,234.561,100.00``, ``0 0``."""
    return bool(_ONE_NUMBER.match(text.replace("，", ",")))


_LEADING_SPECK = re.compile(r"^[.,·'`:;，。、]+(?=[\d（(一二三四五六七八九十])")
_STRAY = ".,·'`:;，。、：；‘’“”\"|"


def _flag_glued(table: TableBlock) -> None:
    """Numbers OCR read with specks around them lose the specks; tokens that are no one number are flagged."""
    for cell in table.cells:
        if cell.label:
            cell.text = _LEADING_SPECK.sub("", cell.text)
            continue
        if not cell.text:
            continue
        stripped = cell.text.strip(_STRAY + " ").rstrip("-—–_")
        if stripped != cell.text and can_be_one_number(stripped):
            cell.text, cell.confidence = stripped, min(cell.confidence, 0.8)
        if _NUMERIC.match(cell.text) and not can_be_one_number(cell.text):
            cell.confidence = min(cell.confidence, GLUED_CONFIDENCE)


def split_glued(text: str) -> list[str] | None:
    """The one way to read a numeric token as the fewest whole numbers, or None if there is not exactly one.

    ``00`` -> ``["0", "0"]``; ``1,234.561,100.00`` has two readings (``1,234.56|1,100.00`` and
    ``1,234.5|61,100.00``), so None: the caller flags it instead of guessing.
    """
    token = text.replace(" ", "")
    if not token or not _NUMERIC.match(token) or can_be_one_number(token):
        return None
    best: list[list[str]] = []
    for parts in range(2, 5):
        best = [split for split in _splits(token, parts) if all(can_be_one_number(p) for p in split)]
        if best:
            break
    return best[0] if len(best) == 1 else None


def _splits(token: str, parts: int) -> list[list[str]]:
    if parts == 1:
        return [[token]]
    out = []
    for i in range(1, len(token) - parts + 2):
        for rest in _splits(token[i:], parts - 1):
            out.append([token[:i], *rest])
    return out


def _split_glued_cells(cells: list[TextBlock]) -> list[TextBlock]:
    """Cells of a rule-less row: a glued token is split where it reads one way only, else flagged."""
    out: list[TextBlock] = []
    for cell in cells:
        if not (cell.text and _NUMERIC.match(cell.text)) or can_be_one_number(cell.text):
            out.append(cell)
            continue
        parts = split_glued(cell.text)
        if parts is None:
            out.append(TextBlock(cell.text, cell.box, min(cell.confidence, GLUED_CONFIDENCE)))
            continue
        x0, y0, x1, y1 = cell.box
        total = sum(len(p) for p in parts)
        left = x0
        for part in parts:
            right = left + (x1 - x0) * len(part) / total
            out.append(TextBlock(part, (left, y0, right, y1), min(cell.confidence, 0.5)))
            left = right
    return out
