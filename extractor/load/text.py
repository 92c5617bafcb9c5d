"""Plain text and markdown: lines with offsets into the file's own text.

Tab-separated lines and markdown table rows also get cells, so blank cells
survive (a blank is not a lost cell).
"""

from __future__ import annotations

import re
from pathlib import Path

from extractor.document import Cell, Document, Line, Page
from extractor.errors import EmptyDocumentError
from extractor.load._layout import INVISIBLE
from extractor.load.markdown_tables import rewrite as rewrite_tables

STRAY_SHARE = 0.001  # UTF-8 with at most this share of undecodable bytes is UTF-8 with stray bytes
_MD_ROW = re.compile(r"^\s*\|.*\|\s*$")
_MD_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")


def decode(path: Path, data: bytes) -> str:
    """The file's text. UTF-8 first; a stray byte does not turn UTF-8 into another encoding.

    In order: a byte-order mark; strict UTF-8; UTF-16 without a mark (zeros on one side
    of every other byte); UTF-8 with a few stray bytes (replaced); strict GB18030 (GBK,
    GB2312); charset-normalizer's best guess (Big5 and the rest); UTF-8 with replacements.
    """
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    utf16 = bomless_utf16(data)
    if utf16:
        return data.decode(utf16, errors="replace")
    lenient = data.decode("utf-8", errors="replace")
    if lenient.count("\ufffd") <= max(2, STRAY_SHARE * len(data)):
        return lenient
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return str(best) if best is not None else lenient


def bomless_utf16(data: bytes) -> str | None:
    """``utf-16-le``/``-be`` when the zero bytes (of ASCII characters) sit on one side only."""
    sample = data[:4096]
    half = max(1, len(sample) // 2)
    zeros_even, zeros_odd = sample[0::2].count(0), sample[1::2].count(0)
    # a CJK character whose code ends in 00 (一 is U+4E00) puts a zero on the other side too
    if zeros_odd > 0.01 * half and zeros_even * 3 <= zeros_odd:
        return "utf-16-le"
    if zeros_even > 0.01 * half and zeros_odd * 3 <= zeros_even:
        return "utf-16-be"
    return None


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
    """Lines of the file's text, with the tables of markdown writers rewritten as pipe rows.

    Where a writer laid a table out by column (pandoc's simple, multiline and grid tables, rst,
    raw HTML tables) or wrapped text in inline markup, ``Document.text`` is the rewritten text
    (see ``markdown_tables``), without the characters a page does not show (``INVISIBLE``);
    offsets are into it, as the HTML loader's are into its lines.
    """
    text = decode(path, data).replace("\r\n", "\n").replace("\r", "\n").translate(INVISIBLE)
    if not text.strip():
        raise EmptyDocumentError(path, "the file holds no text")
    text = rewrite_tables(text)
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
