"""Text layers that lie: find the PDF pages whose text layer says something the page does not show.

A text layer made by OCR (``ocrmypdf`` puts tesseract's reading, drawn invisibly, over the page
image) or written with fonts whose ToUnicode map is missing or wrong gives misread characters and
digits that look born-digital. Signs, cheapest first:

- ``page_doubt`` (while loading, no OCR): text drawn invisibly over a picture (the page is a scan
  with some OCR's reading on top); characters from the private-use area or U+FFFD (glyphs without
  a usable Unicode meaning); a table of numbers on which not one of the template's row words is
  found (the labels came out as gibberish).
- ``pictures_disagree`` (after parsing, for the cells of tally identities that do not hold, when
  ``MIN_BROKEN_IDENTITIES`` or more break):
  the picture of such a cell, read by RapidOCR, shows other digits than its text.

``read_with_ocr`` then reads the doubtful pages with RapidOCR and the others as before; the
pipeline parses both readings and keeps the one whose identities hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from extractor.document import Box, Document
from extractor.load._layout import PageLayout, TableBlock, build_document
from extractor.result import FieldDetail

INVISIBLE_SHARE = 0.5  # this share of a page's characters drawn invisibly over a picture: an OCR text layer
MIN_BAD_CHARS = 3  # private-use or replacement characters on a page before they count ...
MIN_BAD_SHARE = 0.01  # ... and their share of its characters
MIN_NUMBER_CELLS = 12  # a table with this many number cells and none of the template's words: labels lie
MAX_CHECKED_CELLS = 120  # cells of broken identities read from the picture, at most
# Pictures are looked at only when this many identities break: a report's own misprint breaks one or
# two (their fields are in review anyway), a font that maps digits wrongly breaks many.
MIN_BROKEN_IDENTITIES = 3
CELL_DPI = 200

# words that every statistics table of the template prints in its row or column labels
TEMPLATE_WORDS = re.compile(
    r"行政许可|行政处罚|行政强制|行政事业性收费|规章|规范性文件|自然人|法人|本年新收|上年结转|予以公开|部分公开|"
    r"不予公开|无法提供|不予处理|其他处理|总计|结转下年度|行政复议|行政诉讼|维持|纠正|尚未审结"
)
_NUMBER_CELL = re.compile(r"^[\d０-９][\d０-９,，.．]*$")
_BAD_CHAR = re.compile("[\ue000-\uf8ff\ufffd]")


def page_doubt(page: Any, layout: PageLayout) -> str | None:
    """Why this page's text layer should not be trusted, or None. Costs no OCR; pages read by OCR pass."""
    if layout.scanned:
        return None
    texts = list(_texts(layout))
    chars = sum(len(t) for t in texts)
    bad = sum(len(_BAD_CHAR.findall(t)) for t in texts)
    if bad >= MIN_BAD_CHARS and bad >= MIN_BAD_SHARE * chars:
        return f"{bad} characters of the text layer have no Unicode meaning (private-use or U+FFFD)"
    if page.get_images() and _invisible_share(page) >= INVISIBLE_SHARE:
        return "the text layer is invisible text over a picture of the page (an OCR reading of a scan)"
    numbers = sum(1 for block in layout.blocks if isinstance(block, TableBlock) for c in block.cells if _number(c.text))
    if numbers >= MIN_NUMBER_CELLS and not any(TEMPLATE_WORDS.search(t) for t in texts):
        return f"a table of {numbers} numbers without any of the template's row labels"
    return None


def _texts(layout: PageLayout) -> Iterable[str]:
    for block in layout.blocks:
        if isinstance(block, TableBlock):
            yield from (cell.text for cell in block.cells if cell.text)
        else:
            yield block.text


def _number(text: str) -> bool:
    return bool(_NUMBER_CELL.match(text))


def _invisible_share(page: Any) -> float:
    """Share of the page's characters drawn in text render mode 3 (neither filled nor stroked)."""
    total = invisible = 0
    for span in page.get_texttrace():
        n = len(span["chars"])
        total += n
        if span["type"] == 3 or span["opacity"] == 0:
            invisible += n
    return invisible / total if total else 0.0


def doubtful_pages(document: Document) -> dict[int, str]:
    """Pages (1-based) the loader doubted, with the reason."""
    return {page.number: page.doubt for page in document.pages if page.doubt}


def pictures_disagree(path: Path, document: Document, fields: Iterable[FieldDetail]) -> dict[int, str]:
    """Pages on which the picture of a field's cell shows other digits than the text layer gave it,
    and then every other page read from the text layer.

    ``fields``: the fields of broken identities. Only cells read from a text layer (not OCR) with a
    box are looked at; their pictures are cropped from the page rendered at ``CELL_DPI`` and read
    in one batch.
    """
    ocr_pages = {page.number for page in document.pages if page.ocr}
    cells: dict[int, list[tuple[Box, str]]] = {}
    for detail in fields:
        source = detail.source
        if source is None or source.box is None or source.page is None or source.text is None:
            continue
        if source.page in ocr_pages or source.engine != "parser":
            continue
        if not any(ch.isdigit() for ch in source.text):
            continue
        cells.setdefault(source.page, []).append((source.box, source.text))
    if not cells:
        return {}
    from extractor.load.pdf import open_pdf

    doubts: dict[int, str] = {}
    budget = MAX_CHECKED_CELLS
    with open_pdf(path, path.read_bytes()) as pdf:
        for number, page_cells in sorted(cells.items()):
            page_cells = page_cells[:budget]
            budget -= len(page_cells)
            readings = _read_cells(pdf[number - 1], [box for box, _ in page_cells])
            for (_, text), seen in zip(page_cells, readings, strict=True):
                if seen is not None and _digits(seen) != _digits(text):
                    doubts[number] = f"the text layer says {text!r} where the page shows {seen!r}"
                    break
            if budget <= 0:
                break
    if doubts:  # a text layer shown to lie once is trusted nowhere: its other pages are read again too
        first = min(doubts)
        for page in document.pages:
            if page.number not in doubts and not page.ocr and page.lines:
                doubts[page.number] = f"the text layer of page {first} does not say what the page shows"
    return doubts


def _digits(text: str) -> str:
    return re.sub(r"[^0-9]", "", text.translate(_FULL_WIDTH))


_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def _read_cells(page: Any, boxes: list[Box]) -> list[str | None]:
    """What RapidOCR reads in each box of the page ("" for a blank cell; None when it cannot tell)."""
    import numpy as np

    from extractor.load.ocr import TEXT_LINE_SCORE, _read_strips
    from extractor.load.pdf import render_gray

    scale = CELL_DPI / 72.0
    image = render_gray(page, dpi=CELL_DPI)
    crops: list[Any] = []
    at: list[int | None] = []
    margin = round(2 * scale)
    for x0, y0, x1, y1 in boxes:
        inset = round(1.5 * scale)  # past the cell's rules
        top0, bottom0 = round(y0 * scale) + inset, round(y1 * scale) - inset
        region = image[top0:bottom0, round(x0 * scale) + inset : round(x1 * scale) - inset]
        ink = np.nonzero(region < 160) if region.size else (np.array([]), np.array([]))
        if len(ink[0]) < 4:
            at.append(None if region.size == 0 else -1)
            continue
        top, bottom = max(int(ink[0].min()) - margin, 0), int(ink[0].max()) + margin + 1
        left, right = max(int(ink[1].min()) - margin, 0), int(ink[1].max()) + margin + 1
        at.append(len(crops))
        crops.append(np.ascontiguousarray(region[top:bottom, left:right]))
    readings = _read_strips(crops) if crops else []
    out: list[str | None] = []
    for index in at:
        if index is None:
            out.append(None)
        elif index < 0:
            out.append("")
        else:
            text, score = readings[index]
            out.append(text if score >= TEXT_LINE_SCORE else None)
    return out


def read_with_ocr(path: Path, pages: Iterable[int]) -> Document:
    """The PDF again, the given pages (1-based) read by OCR from their picture, the others as before."""
    from extractor.load.pdf import ocr_page, open_pdf, read_page

    wanted = set(pages)
    layouts: list[PageLayout] = []
    with open_pdf(path, path.read_bytes()) as pdf:
        for page in pdf:
            layouts.append(ocr_page(page) if page.number + 1 in wanted else read_page(page))
    return build_document(path.name, "pdf", layouts)
