"""Plain text and markdown: lines with offsets into the file's own text.

Tab-separated lines and markdown table rows also get cells, so blank cells
survive (a blank is not a lost cell).
"""

from __future__ import annotations

import re
from pathlib import Path

from extractor.document import Cell, Document, Line, Page
from extractor.errors import EmptyDocumentError

ENCODINGS = ("utf-8-sig", "gb18030", "utf-16")
_MD_ROW = re.compile(r"^\s*\|.*\|\s*$")
_MD_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")


def decode(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def split_cells(text: str, start: int) -> list[Cell] | None:
    """Cells of a tab-separated line or a markdown table row, with document offsets."""
    if _MD_ROW.match(text):
        if _MD_RULE.match(text) and set(text.strip()) <= set("|-: "):
            return []
        first = text.index("|")
        last = text.rindex("|")
        return _cells_between(text, start, first + 1, last, "|")
    if "\t" in text:
        return _cells_between(text, start, 0, len(text), "\t")
    return None


def _cells_between(text: str, start: int, lo: int, hi: int, sep: str) -> list[Cell]:
    cells = []
    pos = lo
    for piece in text[lo:hi].split(sep):
        stripped = piece.strip()
        offset = piece.find(stripped) if stripped else 0
        cells.append(Cell(stripped, start + pos + offset, start + pos + offset + len(stripped)))
        pos += len(piece) + 1
    return cells


def load_text(path: Path, data: bytes) -> Document:
    text = decode(path, data).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise EmptyDocumentError(path, "the file holds no text")
    pages: list[Page] = [Page(number=1)]
    offset = 0
    for raw in text.split("\n"):
        if "\f" in raw:  # form feed: a page break inside the line
            before, _, after = raw.partition("\f")
            if before:
                pages[-1].lines.append(Line(before, offset, offset + len(before), pages[-1].number))
            pages.append(Page(number=len(pages) + 1))
            line_start = offset + len(before) + 1
            raw_rest = after
        else:
            line_start, raw_rest = offset, raw
        cells = split_cells(raw_rest, line_start)
        pages[-1].lines.append(Line(raw_rest, line_start, line_start + len(raw_rest), pages[-1].number, cells=cells))
        offset += len(raw) + 1
    return Document(source=path.name, kind="text", pages=pages, text=text)
