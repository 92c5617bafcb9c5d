"""The document model every loader fills: pages of lines, each with its place.

A line keeps its character offsets into ``Document.text`` (the whole document
as one string, pages joined by form feeds), so any span the parser finds can
be traced to a page and, where the loader knew it, a box or a table cell.
Loaders that know the table structure (PDF ruled tables, Word, HTML, tab- or
pipe-separated text) also fill ``Line.cells``; the parser then reads rows
instead of a soup of tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in page points (or pixels for images)


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell of a line: its text, its span in ``Document.text``, where it was."""

    text: str
    start: int
    end: int
    box: Box | None = None
    confidence: float = 1.0  # OCR confidence; 1.0 for text layers
    ref: str | None = None  # e.g. "table 2 row 5 col 3" for Word/HTML


@dataclass(slots=True)
class Line:
    text: str
    start: int
    end: int
    page: int  # 1-indexed
    box: Box | None = None
    cells: list[Cell] | None = None
    confidence: float = 1.0


@dataclass(slots=True)
class Page:
    number: int  # 1-indexed
    lines: list[Line] = field(default_factory=list)
    width: float | None = None
    height: float | None = None
    ocr: bool = False
    doubt: str | None = None  # why the PDF text layer of this page may not say what the page shows


@dataclass(slots=True)
class Document:
    """What a loader hands the parser. ``text`` is the concatenation of all lines."""

    source: str
    kind: str  # "text", "pdf", "scan", "docx", "html", "image"
    pages: list[Page]
    text: str

    @property
    def lines(self) -> list[Line]:
        return [line for page in self.pages for line in page.lines]

    def page_at(self, offset: int) -> int | None:
        for page in self.pages:
            if page.lines and page.lines[0].start <= offset <= page.lines[-1].end:
                return page.number
        return None


class DocumentBuilder:
    """Accumulates lines page by page and keeps offsets consistent."""

    def __init__(self, source: str, kind: str) -> None:
        self.source = source
        self.kind = kind
        self._parts: list[str] = []
        self._offset = 0
        self._pages: list[Page] = []

    def new_page(self, width: float | None = None, height: float | None = None, ocr: bool = False) -> Page:
        if self._pages:
            self._append("\f")
        page = Page(number=len(self._pages) + 1, width=width, height=height, ocr=ocr)
        self._pages.append(page)
        return page

    def _append(self, text: str) -> int:
        start = self._offset
        self._parts.append(text)
        self._offset += len(text)
        return start

    def add_line(
        self,
        text: str,
        box: Box | None = None,
        confidence: float = 1.0,
        cells: Sequence[tuple[str, Box | None, float, str | None]] | None = None,
    ) -> Line:
        """Add one line. With ``cells``, the line text is the cells joined by tabs."""
        if not self._pages:
            self.new_page()
        page = self._pages[-1]
        if page.lines:
            self._append("\n")
        cell_objs: list[Cell] | None = None
        if cells is not None:
            cell_objs = []
            pieces = []
            start = self._offset
            pos = start
            for i, (cell_text, cell_box, cell_conf, ref) in enumerate(cells):
                if i:
                    pieces.append("\t")
                    pos += 1
                clean = cell_text.replace("\t", " ").replace("\n", " ")
                cell_objs.append(Cell(clean, pos, pos + len(clean), cell_box, cell_conf, ref))
                pieces.append(clean)
                pos += len(clean)
            text = "".join(pieces)
        text = text.replace("\n", " ").replace("\f", " ")
        start = self._append(text)
        line = Line(text, start, start + len(text), page.number, box, cell_objs, confidence)
        page.lines.append(line)
        return line

    def build(self) -> Document:
        return Document(self.source, self.kind, self._pages, "".join(self._parts))
