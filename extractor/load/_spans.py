"""Tables with declared spans (Word gridSpan/vMerge, HTML colspan/rowspan) into rows of cells.

The loader lays the table out on its grid -- each slot points at the cell that
covers it -- and this module writes one line per row, the same way the PDF
loader writes ruled tables: a cell spanning columns is one cell; a label
spanning rows repeats on each row (same ``ref``); a number spanning rows shows
on its first row only; a blank cell is an empty string.
"""

from __future__ import annotations

from dataclasses import dataclass

from extractor.document import DocumentBuilder
from extractor.load._layout import clean, is_label


@dataclass(slots=True, eq=False)
class SpanCell:
    text: str
    row: int  # first grid row (0-based)
    col: int  # first grid column (0-based)


def join_paragraphs(parts: list[str]) -> str:
    """Text of a cell's paragraphs or lines: run together for CJK, a space between Latin words."""
    out = ""
    for part in (clean(p) for p in parts):
        if not part:
            continue
        if out and out[-1].isascii() and out[-1].isalnum() and part[0].isascii() and part[0].isalnum():
            out += " "
        out += part
    return out


def add_grid_rows(builder: DocumentBuilder, table_number: int, grid: list[list[SpanCell | None]]) -> int:
    """Write the rows of a laid-out table; return how many lines were written."""
    written = 0
    for r, slots in enumerate(grid):
        cells: list[tuple[str, None, float, str]] = []
        previous: SpanCell | None = None
        for slot in slots:
            if slot is None or slot is previous:
                continue
            previous = slot
            shown = slot.text if slot.row == r or is_label(slot.text) else ""
            cells.append((shown, None, 1.0, f"table {table_number} row {slot.row + 1} col {slot.col + 1}"))
        if any(text for text, *_ in cells):
            builder.add_line("", cells=cells)
            written += 1
    return written
