"""Page layout shared by the PDF, scan and image loaders.

A loader turns each page into glyphs (characters with boxes, from a text layer
or from OCR) and rules (drawn or seen table lines). This module builds the
page's blocks from them -- text lines and ruled tables, top to bottom -- joins
a table that runs on over a page break, drops page footers, and writes the
blocks into a ``DocumentBuilder``: each table row becomes one line whose cells
are the row's merged cells in column order.

Rows and merged cells, as the parser sees them:

- a cell that spans several columns is one cell (its box spans them);
- a label cell that spans several rows (``三、本年度办理结果``, ``（三）不予公开``)
  is repeated on every row it spans, with the same box and the same ``ref``,
  so each row reads as a whole: parent labels, its own label, then its numbers;
- a number never repeats: a number cell spanning rows shows on the row where it
  is printed and is blank on the others;
- a blank cell is an empty-string cell.

Outside ruled tables, a line whose pieces stand far apart and include a number
(a table printed without rules) also gets cells, one per piece.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from extractor.document import Box, Document, DocumentBuilder
from extractor.load._grid import Grid, GridCell


@dataclass(slots=True)
class Glyph:
    """Text with its box: a character, or a whole text line that does not cross a table rule."""

    text: str
    box: Box
    confidence: float = 1.0


@dataclass(slots=True)
class TextBlock:
    text: str
    box: Box
    confidence: float = 1.0
    cells: list[TextBlock] | None = None  # pieces of a row of a table drawn without rules


@dataclass(slots=True)
class TableCell:
    grid: GridCell
    text: str = ""
    confidence: float = 1.0
    text_row: int | None = None  # the grid row a number is printed on
    same_as: TableCell | None = None  # the first part of a cell cut by a page break
    ref: str | None = None
    label: bool = False

    @property
    def box(self) -> Box:
        return self.grid.box


@dataclass(slots=True)
class TableBlock:
    grid: Grid
    cells: list[TableCell]
    by_grid: dict[int, TableCell] = field(default_factory=dict)
    number: int = 0  # 1-based table number in the document (shared by the parts of a split table)
    first_row: int = 0  # rows of earlier parts of the same table
    skip_rows: set[int] = field(default_factory=set)  # rows folded into the previous part

    @property
    def box(self) -> Box:
        return self.grid.box

    def row(self, r: int) -> list[TableCell]:
        return [self.by_grid[id(g)] for g in self.grid.cells_in_row(r)]


Block = TextBlock | TableBlock


@dataclass(slots=True)
class PageLayout:
    number: int
    width: float
    height: float
    blocks: list[Block] = field(default_factory=list)
    ocr: bool = False  # OCR read this page, or part of it
    scanned: bool = False  # OCR read all of it (no usable text layer)


# ---------------------------------------------------------------- text

_CJK = (
    r"\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3200-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
    r"\u201c\u201d\u2018\u2019\u2014\u2026"
)
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_SPACES = re.compile(r"\s+")
# What a page carries but does not show: zero-width space, joiners and word joiner, a byte-order
# mark inside the text, soft hyphen. Pages pasted from other editors put them between the
# characters of a label (申\u200b请); they mean nothing, so every loader drops them.
INVISIBLE = str.maketrans(dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_NUMBER = re.compile(r"^[-+−]?\(?[\d０-９][\d０-９,，.．]*\)?[%％]?$")


def clean(text: str) -> str:
    """Drop invisible characters, collapse whitespace, and drop the layout spaces between CJK characters."""
    text = _SPACES.sub(" ", text.translate(INVISIBLE)).strip()
    return _CJK_SPACE.sub("", text)


def is_number(text: str) -> bool:
    return bool(_NUMBER.match(text))


def is_label(text: str) -> bool:
    """A cell that names something (has letters or CJK), as opposed to a number, a dash or specks."""
    return any(ch.isalpha() for ch in text)


def _ascii_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def assemble(glyphs: list[Glyph], one_value: bool = False) -> tuple[str, float]:
    """Text of glyphs: visual lines top to bottom, glyphs left to right; and the lowest confidence.

    ``one_value``: the glyphs fill one cell of one table row, where digits on two lines are one
    number wrapped by a narrow column (``2`` over ``6`` is 26), not two."""
    if not glyphs:
        return "", 1.0
    lines = visual_lines(glyphs)
    parts: list[str] = []
    for line in lines:
        text = _join_line(line)
        if not text:
            continue
        wrapped = one_value and text.isdigit() and "".join(parts).isdigit()
        if parts and _ascii_word(parts[-1][-1]) and _ascii_word(text[0]) and not wrapped:
            parts.append(" ")
        parts.append(text)
    return clean("".join(parts)), min(g.confidence for g in glyphs)


def visual_lines(glyphs: list[Glyph]) -> list[list[Glyph]]:
    """Group glyphs whose vertical centres fall in the same band; each line sorted left to right."""
    ordered = sorted(glyphs, key=lambda g: (g.box[1] + g.box[3]) / 2)
    lines: list[list[Glyph]] = []
    band: tuple[float, float] = (0.0, 0.0)
    for glyph in ordered:
        y0, y1 = glyph.box[1], glyph.box[3]
        centre = (y0 + y1) / 2
        if lines and band[0] <= centre <= band[1]:
            lines[-1].append(glyph)
            if not glyph.text.isspace():
                band = (min(band[0], y0 + (y1 - y0) * 0.25), max(band[1], y1 - (y1 - y0) * 0.25))
        else:
            lines.append([glyph])
            band = (y0 + (y1 - y0) * 0.25, y1 - (y1 - y0) * 0.25)
    for line in lines:
        line.sort(key=lambda g: g.box[0])
    return lines


def _join_line(line: list[Glyph]) -> str:
    out: list[str] = []
    prev: Glyph | None = None
    for glyph in line:
        if prev is not None and not glyph.text.isspace() and not prev.text.isspace():
            gap = glyph.box[0] - prev.box[2]
            height = max(prev.box[3] - prev.box[1], glyph.box[3] - glyph.box[1])
            limit = 0.2 if _ascii_word(prev.text[-1]) and _ascii_word(glyph.text[0]) else 0.6
            if gap > limit * height:
                out.append(" ")
        out.append(glyph.text)
        prev = glyph
    return "".join(out)


# ---------------------------------------------------------------- page blocks

_FOOTER = re.compile(
    r"^(?:[-—–－_~·•\s]*\d{1,4}[-—–－_~·•\s]*"
    r"|第\s*\d{1,4}\s*页(?:\s*[,，/／]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*[/／]\s*\d{1,4}"
    r"|page\s*\d{1,4}(?:\s*of\s*\d{1,4})?)$",
    re.IGNORECASE,
)
MARGIN = 0.1  # share of the page height at top and bottom where footers and headers live


def is_page_number(text: str, box: Box, height: float) -> bool:
    centre = (box[1] + box[3]) / 2
    in_margin = centre < height * MARGIN or centre > height * (1 - MARGIN)
    return in_margin and bool(_FOOTER.match(text.strip()))


def layout_page(
    number: int,
    width: float,
    height: float,
    lines: list[list[Glyph]],
    grids: list[Grid],
    ocr: bool = False,
) -> PageLayout:
    """Blocks of one page from its glyphs (grouped in the loader's text lines) and its ruled tables."""
    outside = place_glyphs(lines, grids)
    return page_layout(number, width, height, outside, grids, ocr)


def place_glyphs(lines: list[list[Glyph]], grids: list[Grid]) -> list[list[Glyph]]:
    """Put each glyph into the table cell under its centre; return the lines of glyphs outside tables."""
    outside: list[list[Glyph]] = []
    for line in lines:
        rest: list[Glyph] = []
        for glyph in line:
            x = (glyph.box[0] + glyph.box[2]) / 2
            y = (glyph.box[1] + glyph.box[3]) / 2
            for grid in grids:
                cell = grid.cell_at(x, y)
                if cell is not None:
                    cell.items.append(glyph)
                    break
            else:
                rest.append(glyph)
        if rest:
            outside.append(rest)
    return outside


def page_layout(
    number: int, width: float, height: float, outside: list[list[Glyph]], grids: list[Grid], ocr: bool = False
) -> PageLayout:
    """Blocks from the placed glyphs: tables with text, and the visual lines outside them, top to bottom."""
    tables = [table_block(grid) for grid in grids]
    blocks: list[Block] = [t for t in tables if any(c.text for c in t.cells)]
    for text_line in merge_lines(outside):
        text, confidence = assemble(text_line)
        if not text:
            continue
        box = union(g.box for g in text_line)
        if is_page_number(text, box, height):
            continue
        blocks.append(TextBlock(text, box, confidence, _gapped_cells(text_line)))
    blocks.sort(key=lambda b: (b.box[1], b.box[0]))
    return PageLayout(number, width, height, blocks, ocr, scanned=ocr)


CELL_GAP = 1.5  # a gap wider than this many line heights separates the cells of a rule-less table row


def _gapped_cells(line: list[Glyph]) -> list[TextBlock] | None:
    """Cells of a line that looks like a row of a table drawn without rules: pieces apart, some numbers."""
    if len(line) < 2:
        return None
    height = sorted(g.box[3] - g.box[1] for g in line)[len(line) // 2]
    pieces: list[list[Glyph]] = [[line[0]]]
    for prev, glyph in itertools.pairwise(line):
        if glyph.box[0] - prev.box[2] > CELL_GAP * height:
            pieces.append([glyph])
        else:
            pieces[-1].append(glyph)
    if len(pieces) < 2:
        return None
    cells = []
    for piece in pieces:
        text, confidence = assemble(piece)
        cells.append(TextBlock(text, union(g.box for g in piece), confidence))
    if not any(is_number(c.text) for c in cells):
        return None
    return cells


def table_block(grid: Grid) -> TableBlock:
    cells = []
    for gcell in grid.cells:
        text, confidence = assemble(gcell.items, one_value=gcell.row1 - gcell.row0 == 1)
        cell = TableCell(gcell, text, confidence, label=is_label(text))
        if text and not cell.label:
            centre = sum((g.box[1] + g.box[3]) / 2 for g in gcell.items) / len(gcell.items)
            cell.text_row = min(max(_row_of(grid, centre), gcell.row0), gcell.row1 - 1)
        cells.append(cell)
    block = TableBlock(grid, cells)
    block.by_grid = {id(c.grid): c for c in cells}
    return block


def _row_of(grid: Grid, y: float) -> int:
    for r in range(grid.n_rows):
        if y < grid.ys[r + 1]:
            return r
    return grid.n_rows - 1


def merge_lines(lines: list[list[Glyph]]) -> list[list[Glyph]]:
    """Join the loader's lines that sit on the same baseline band into visual lines, top to bottom."""
    pieces = [(union(g.box for g in line), line) for line in lines if line]
    pieces.sort(key=lambda p: (p[0][1] + p[0][3]) / 2)
    merged: list[tuple[Box, list[Glyph]]] = []
    for box, line in pieces:
        if merged:
            mbox, mline = merged[-1]
            overlap = min(mbox[3], box[3]) - max(mbox[1], box[1])
            if overlap > 0.5 * min(mbox[3] - mbox[1], box[3] - box[1]):
                merged[-1] = (union([mbox, box]), mline + line)
                continue
        merged.append((box, list(line)))
    return [sorted(line, key=lambda g: g.box[0]) for _, line in merged]


def union(boxes) -> Box:
    boxes = list(boxes)
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


# ---------------------------------------------------------------- tables over page breaks

_ENUMERATOR = re.compile(r"^\s*(?:[（(][一二三四五六七八九十\d]+[)）]|[一二三四五六七八九十]+、|\d+\s*[.、．])")


def join_continued_tables(pages: list[PageLayout]) -> None:
    """Number the tables; a table that runs on to the next page keeps its number and row count."""
    number = 0
    previous: TableBlock | None = None  # the last block of the previous page, if a table
    for page in pages:
        first = _first_body_block(page)
        for block in page.blocks:
            if not isinstance(block, TableBlock):
                continue
            if block is first and previous is not None and _same_columns(previous, block, page.width):
                block.number = previous.number
                block.first_row = previous.first_row + previous.grid.n_rows
                _join_cut_cells(previous, block)
            else:
                number += 1
                block.number = number
        last = page.blocks[-1] if page.blocks else None
        previous = last if isinstance(last, TableBlock) else None


def _first_body_block(page: PageLayout) -> Block | None:
    for block in page.blocks:
        if isinstance(block, TextBlock) and block.box[3] < page.height * MARGIN and len(block.text) < 40:
            continue  # a running header
        return block
    return None


def _same_columns(a: TableBlock, b: TableBlock, width: float) -> bool:
    tol = max(width * 0.012, 2.0)
    ax, bx = a.grid.xs, b.grid.xs
    if abs(ax[0] - bx[0]) > 3 * tol or abs(ax[-1] - bx[-1]) > 3 * tol:
        return False
    matched = sum(1 for x in bx if any(abs(x - y) <= tol for y in ax))
    return matched >= 0.6 * len(bx)


def _join_cut_cells(a: TableBlock, b: TableBlock) -> None:
    """Mend the cells a page break cut in two: a group label, or a row that broke across the pages."""
    last = a.row(a.grid.n_rows - 1)
    top = b.row(0)
    top_has_numbers = any(c.text and not c.label for c in top)
    last_has_numbers = any(c.text and not c.label for c in last)
    split_row = not top_has_numbers and last_has_numbers
    for i, cell in enumerate(top):
        match = _same_place(cell, last)
        if match is None or (match.text and not match.label):
            continue
        parent = _label_after(top, i) and _label_after(last, last.index(match))
        if not cell.text:
            if parent or split_row:
                cell.text, cell.label, cell.same_as = match.text, match.label, match
            continue
        if not cell.label or _ENUMERATOR.match(cell.text) or not match.text:
            continue
        if parent or split_row:
            joined = match.text + cell.text
            match.text = cell.text = joined
            cell.same_as = match
    if split_row and all(not c.text or c.same_as is not None for c in top if c.grid.row1 == 1):
        b.skip_rows.add(0)


def _label_after(row: list[TableCell], i: int) -> bool:
    return any(c.label for c in row[i + 1 :])


def _same_place(cell: TableCell, row: list[TableCell]) -> TableCell | None:
    """The cell of ``row`` in the same column span as ``cell`` (both edges within a few points)."""
    tol = max(3.0, 0.01 * (cell.box[2] - cell.box[0] + row[-1].box[2] - row[0].box[0]))
    for other in row:
        if abs(other.box[0] - cell.box[0]) <= tol and abs(other.box[2] - cell.box[2]) <= tol:
            return other
    return None


# ---------------------------------------------------------------- into the document


def build_document(source: str, kind: str, pages: list[PageLayout]) -> Document:
    join_continued_tables(pages)
    builder = DocumentBuilder(source, kind)
    for page in pages:
        builder.new_page(page.width, page.height, page.ocr)
        for block in page.blocks:
            if isinstance(block, TextBlock):
                cells = [(c.text, c.box, c.confidence, None) for c in block.cells] if block.cells else None
                builder.add_line(block.text, block.box, block.confidence, cells=cells)
            else:
                _add_table(builder, block)
    return builder.build()


def _ref(cell: TableCell, table: TableBlock) -> str:
    origin = cell
    while origin.same_as is not None:
        origin = origin.same_as
    if origin.ref is None:
        origin.ref = f"table {table.number} row {table.first_row + origin.grid.row0 + 1} col {origin.grid.col0 + 1}"
    return origin.ref


def _add_table(builder: DocumentBuilder, table: TableBlock) -> None:
    for r in range(table.grid.n_rows):
        if r in table.skip_rows:
            continue
        row = table.row(r)
        cells = []
        for cell in row:
            shown = cell.text if cell.label or cell.text_row == r else ""
            confidence = cell.confidence if shown or not cell.text else 1.0
            cells.append((shown, cell.box, confidence, _ref(cell, table)))
        if not any(text for text, *_ in cells):
            continue
        confidence = min(c[2] for c in cells)
        builder.add_line("", table.grid.row_band(r), confidence, cells=cells)
