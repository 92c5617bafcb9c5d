"""PDF: the text layer with character boxes, ruled tables rebuilt from the drawn lines.

Each page is read once with ``get_text("rawdict")`` (characters with boxes: the
"words" mode does not split Chinese) and ``get_cdrawings()`` (the table rules).
The rules give the grid, the characters fall into its cells, and each table
row becomes one line of cells (see ``_layout`` for how merged cells read).
A page without a usable text layer -- none at all, or glyphs without Unicode
meaning -- is rendered and OCR'd; only such pages pay for OCR.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from extractor.document import Box, Document
from extractor.errors import (
    CorruptDocumentError,
    EmptyDocumentError,
    EncryptedDocumentError,
    MissingDependencyError,
)
from extractor.load._grid import Grid, Segment, build_grids
from extractor.load._layout import Block, Glyph, PageLayout, build_document, layout_page
from extractor.load.textlayer import page_doubt

log = logging.getLogger(__name__)

OCR_DPI = 200
RULE_TOL = 2.0  # points: rules closer than this are one rule
MIN_CELL = 4.0  # points: narrower rows/columns are double rules, not cells
THIN = 3.0  # points: a filled rectangle thinner than this is drawn as a rule
MIN_TEXT_CHARS = 20  # fewer characters than this on a page covered by images: a scan with a stray label
MIN_GOOD_SHARE = 0.6  # below this share of meaningful characters the text layer is garbage
MIN_PICTURE_SHARE = 0.04  # a picture covering this share of a text page may be a table pasted as an image
TEXT_OVER_PICTURE = 20  # this many characters over a picture: a scan under an OCR text layer


# Optional companions PyMuPDF imports when they are installed (PyMuPDF 2.x depends on both): a page-layout
# model that starts onnxruntime sessions, and pymupdf4llm. We use neither, and they cost more CPU than
# reading a whole report. PyMuPDF imports each inside ``try/except ImportError``, so a ``None`` entry in
# ``sys.modules`` while PyMuPDF itself is imported keeps them out; the entries are removed afterwards,
# so code that imports them on purpose still can.
PYMUPDF_EXTRAS = ("pymupdf.layout", "pymupdf4llm")


def _pymupdf() -> Any:
    """PyMuPDF, imported without its layout model and pymupdf4llm (see ``PYMUPDF_EXTRAS``)."""
    module = sys.modules.get("pymupdf")
    if module is not None:
        return module
    blocked = [name for name in PYMUPDF_EXTRAS if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        import pymupdf
    except ImportError as exc:  # pragma: no cover - pymupdf is a core dependency
        raise MissingDependencyError("Reading PDF files", "pymupdf") from exc
    finally:
        for name in blocked:
            if sys.modules.get(name, False) is None:
                del sys.modules[name]
    return pymupdf


def pymupdf_module() -> Any:
    """PyMuPDF for other modules (review renders pages): the same lean import as the loader's."""
    return _pymupdf()


def open_pdf(path: Path, data: bytes) -> Any:
    """Open the PDF, turning the library's failures into errors that name the file and the fix."""
    pymupdf = _pymupdf()
    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:
        raise CorruptDocumentError(
            path, f"cannot be read as a PDF ({exc}): the file is damaged or truncated; download or export it again"
        ) from exc
    if doc.needs_pass:
        doc.close()
        raise EncryptedDocumentError(
            path,
            "the PDF is protected by a password: remove it first "
            "(e.g. `qpdf --decrypt --password=PASSWORD in.pdf out.pdf`) and try again",
        )
    if doc.page_count == 0:
        doc.close()
        raise EmptyDocumentError(path, "the PDF has no pages")
    return doc


def load_pdf(path: Path, data: bytes) -> Document:
    pymupdf = _pymupdf()
    doc = open_pdf(path, data)
    pages: list[PageLayout] = []
    doubts: list[str | None] = []
    with doc:
        for page in doc:
            try:
                pages.append(read_page(page))
                doubts.append(page_doubt(page, pages[-1]))
            except (RuntimeError, pymupdf.mupdf.FzErrorBase) as exc:  # MuPDF failing on a damaged page
                raise CorruptDocumentError(
                    path, f"page {page.number + 1} cannot be read ({exc}): the file is damaged; export it again"
                ) from exc
    if not any(page.blocks for page in pages):
        raise EmptyDocumentError(
            path,
            f"no text on any of its {len(pages)} page(s), and OCR found none: "
            "if it is a scan, scan it again at 200 dpi or more",
        )
    ocr_pages = sum(1 for page in pages if page.scanned)
    content_pages = sum(1 for page in pages if page.blocks)
    kind = "scan" if ocr_pages and ocr_pages == content_pages else "pdf"
    document = build_document(path.name, kind, pages)
    for page, doubt in zip(document.pages, doubts, strict=True):
        page.doubt = doubt
    return document


def read_page(page: Any) -> PageLayout:
    """The blocks of one page: from its text layer, or from OCR when the text layer is unusable.

    Lines come from ``extractDICT``; a line is one glyph unless it crosses a table rule, and only then
    are its characters (``extractRAWDICT``) placed one by one -- most pages never need that.
    """
    pymupdf = _pymupdf()
    flags = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP | pymupdf.TEXT_PRESERVE_LIGATURES
    textpage = page.get_textpage(flags=flags)
    rect = page.rect
    lines: list[list[Glyph]] = []
    for block in textpage.extractDICT()["blocks"]:
        for line in block.get("lines", ()):
            text = "".join(span["text"] for span in line["spans"])
            if text.strip():
                lines.append([Glyph(text, tuple(line["bbox"]))])
    if needs_ocr(page, lines):
        return ocr_page(page)
    h_rules, v_rules = rules(page.get_cdrawings())
    grids = build_grids(h_rules, v_rules, RULE_TOL, MIN_CELL)
    pasted: list[Block] = []
    for picture in pictures(page):
        over = sum(len(g.text.strip()) for line in lines for g in line if _centre_in(g.box, picture))
        if over >= TEXT_OVER_PICTURE:  # a scan under its OCR text layer: its rules are in the picture
            if not any(_intersects(grid.box, picture) for grid in grids):
                grids += _picture_grids(page, picture)
        else:  # a table pasted as a picture: read it if it shows one
            pasted += _picture_tables(page, picture)
    if grids and any(_straddles(line[0].box, grids) for line in lines):
        lines = _char_lines(textpage, grids)
    layout = layout_page(page.number + 1, rect.width, rect.height, lines, grids)
    if pasted:
        layout.blocks = sorted(layout.blocks + pasted, key=lambda b: (b.box[1], b.box[0]))
        layout.ocr = True
    return layout


def pictures(page: Any) -> list[Any]:
    """Rectangles of the pictures big enough to hold a table (``get_images`` first: it is cheap)."""
    if not page.get_images():
        return []
    area = page.rect.width * page.rect.height
    out = []
    for info in page.get_image_info():
        box = _pymupdf().Rect(info["bbox"]) & page.rect
        if not box.is_empty and box.width * box.height >= MIN_PICTURE_SHARE * area and box.height >= 40:
            out.append(box)
    return out


def _centre_in(box: Box, rect: Any) -> bool:
    x, y = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return bool(rect.x0 <= x <= rect.x1 and rect.y0 <= y <= rect.y1)


def _intersects(box: Box, rect: Any) -> bool:
    return not (box[2] <= rect.x0 or box[0] >= rect.x1 or box[3] <= rect.y0 or box[1] >= rect.y1)


def _picture_grids(page: Any, picture: Any) -> list[Grid]:
    from extractor.load.ocr import image_grids

    return image_grids(render_gray(page, clip=picture), OCR_DPI / 72.0, (picture.x0, picture.y0))


def _picture_tables(page: Any, picture: Any) -> list[Block]:
    from extractor.load.ocr import ocr_tables

    image = render_gray(page, clip=picture)
    rect, scale = page.rect, OCR_DPI / 72.0
    layout = ocr_tables(image, page.number + 1, rect.width, rect.height, scale, (picture.x0, picture.y0))
    return layout.blocks if layout is not None else []


def _straddles(box: Box, grids: list[Grid]) -> bool:
    """True when a text line crosses a rule of a table (so its characters belong to different cells)."""
    x0, y0, x1, y1 = box
    for grid in grids:
        gx0, gy0, gx1, gy1 = grid.box
        if x1 <= gx0 or x0 >= gx1 or y1 <= gy0 or y0 >= gy1:
            continue
        cy = (y0 + y1) / 2
        inset = min(1.0, (x1 - x0) / 4)
        first, last = grid.cell_at(x0 + inset, cy), grid.cell_at(x1 - inset, cy)
        if first is None or first is not last:
            return True
    return False


def _char_lines(textpage: Any, grids: list[Grid]) -> list[list[Glyph]]:
    """Lines again, a glyph per character for the lines that cross a rule."""
    lines: list[list[Glyph]] = []
    for block in textpage.extractRAWDICT()["blocks"]:
        for line in block.get("lines", ()):
            if _straddles(tuple(line["bbox"]), grids):
                glyphs = [Glyph(ch["c"], tuple(ch["bbox"])) for span in line["spans"] for ch in span["chars"]]
            else:
                text = "".join(ch["c"] for span in line["spans"] for ch in span["chars"])
                glyphs = [Glyph(text, tuple(line["bbox"]))] if text.strip() else []
            if glyphs:
                lines.append(glyphs)
    return lines


def _good(ch: str) -> bool:
    code = ord(ch)
    return (
        0x20 < code < 0x7F
        or 0x4E00 <= code <= 0x9FFF
        or 0x3000 <= code <= 0x303F
        or 0xFF00 <= code <= 0xFFEF
        or 0x2000 <= code <= 0x27BF  # punctuation, letterlike, numbers ①, arrows, maths, boxes, shapes
        or 0x3400 <= code <= 0x4DBF
        or 0xF900 <= code <= 0xFAFF
        or code in (0xB7, 0xD7, 0xB0, 0xA5, 0xA9, 0xAE)
    )


def text_layer_usable(lines: list[list[Glyph]]) -> bool:
    """False when there is no text, or most glyphs are not meaningful characters (missing ToUnicode maps)."""
    chars = [ch for line in lines for g in line for ch in g.text if not ch.isspace()]
    if not chars:
        return False
    good = sum(1 for ch in chars if _good(ch))
    return good >= MIN_GOOD_SHARE * len(chars)


def needs_ocr(page: Any, lines: list[list[Glyph]]) -> bool:
    usable = text_layer_usable(lines)
    n_chars = sum(len(g.text.strip()) for line in lines for g in line)
    if usable and n_chars >= MIN_TEXT_CHARS:
        return False
    images = page.get_image_info()
    if not images and not usable:
        return bool(page.get_cdrawings())  # vector-outlined text, or blank
    if not images:
        return False
    area = page.rect.width * page.rect.height
    covered = sum(
        max(0.0, min(i["bbox"][2], page.rect.x1) - max(i["bbox"][0], 0.0))
        * max(0.0, min(i["bbox"][3], page.rect.y1) - max(i["bbox"][1], 0.0))
        for i in images
    )
    return not usable or covered >= 0.4 * area


def rules(drawings: list[dict]) -> tuple[list[Segment], list[Segment]]:
    """Horizontal and vertical rules among the page's vector paths: stroked lines and thin filled bars."""
    h: list[Segment] = []
    v: list[Segment] = []
    for path in drawings:
        kind = path.get("type", "")
        stroked = "s" in kind and _visible(path.get("color")) and path.get("stroke_opacity", 1) > 0
        filled = "f" in kind and _visible(path.get("fill")) and path.get("fill_opacity", 1) > 0
        if not (stroked or filled):
            continue
        for item in path["items"]:
            op = item[0]
            if op == "l" and stroked:
                (x0, y0), (x1, y1) = item[1], item[2]
                _add_edge(h, v, x0, y0, x1, y1)
            elif op == "re":
                x0, y0, x1, y1 = item[1]
                _add_rect(h, v, x0, y0, x1, y1, stroked, filled)
            elif op == "qu":
                xs = [p[0] for p in item[1]]
                ys = [p[1] for p in item[1]]
                _add_rect(h, v, min(xs), min(ys), max(xs), max(ys), stroked, filled)
    return h, v


def _visible(color: Any) -> bool:
    return bool(color) and min(color) < 0.85


def _add_edge(h: list[Segment], v: list[Segment], x0: float, y0: float, x1: float, y1: float) -> None:
    if abs(y1 - y0) <= 1.0 and abs(x1 - x0) > 1.0:
        h.append(((y0 + y1) / 2, min(x0, x1), max(x0, x1)))
    elif abs(x1 - x0) <= 1.0 and abs(y1 - y0) > 1.0:
        v.append(((x0 + x1) / 2, min(y0, y1), max(y0, y1)))


def _add_rect(
    h: list[Segment], v: list[Segment], x0: float, y0: float, x1: float, y1: float, stroked: bool, filled: bool
) -> None:
    x0, x1 = min(x0, x1), max(x0, x1)
    y0, y1 = min(y0, y1), max(y0, y1)
    if y1 - y0 <= THIN and x1 - x0 > THIN:
        if stroked or filled:
            h.append(((y0 + y1) / 2, x0, x1))
    elif x1 - x0 <= THIN and y1 - y0 > THIN:
        if stroked or filled:
            v.append(((x0 + x1) / 2, y0, y1))
    elif stroked:
        h.extend([(y0, x0, x1), (y1, x0, x1)])
        v.extend([(x0, y0, y1), (x1, y0, y1)])


def render_gray(page: Any, dpi: int = OCR_DPI, clip: Any = None) -> Any:
    """The page (or the ``clip`` of it) as a grayscale numpy array at ``dpi``."""
    import numpy as np

    pymupdf = _pymupdf()
    pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY, alpha=False, clip=clip)
    return np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, pix.n)[:, :, 0].copy()


def ocr_page(page: Any) -> PageLayout:
    """OCR of a page without a usable text layer; a page without tables is only skimmed (see ``ocr.Skim``)."""
    from extractor.load.ocr import Skim, ocr_layout

    image = render_gray(page)
    scale = OCR_DPI / 72.0
    rect = page.rect
    skim = Skim(first=page.number == 0, last=page.number == page.parent.page_count - 1)
    return ocr_layout(image, page.number + 1, rect.width, rect.height, scale, skim)
