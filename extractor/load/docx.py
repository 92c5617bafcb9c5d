"""Word (.docx): paragraphs as lines, tables as rows of cells with merged cells laid out on the grid.

Read from the document XML (through python-docx) in body order, so paragraphs
and tables keep their places. A cell spanning columns (``gridSpan``) is one
cell; a cell merged down (``vMerge``) repeats its label on the rows it covers
(see ``_spans``). Cells carry ``ref`` "table T row R col C"; Word has no fixed
pages, so a page starts only at an explicit page break.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from extractor.document import Document, DocumentBuilder
from extractor.errors import CorruptDocumentError, EmptyDocumentError, MissingDependencyError
from extractor.load._layout import clean
from extractor.load._spans import SpanCell, add_grid_rows, join_paragraphs

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def load_docx(path: Path, data: bytes) -> Document:
    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError as exc:
        raise MissingDependencyError("Reading Word files", "python-docx") from exc
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise CorruptDocumentError(path, "is an old Word .doc file: open it in Word or WPS and save it as .docx")
    try:
        body = docx.Document(io.BytesIO(data)).element.body
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise CorruptDocumentError(
            path, f"cannot be read as a Word .docx file ({exc}): open and save it again in Word or WPS"
        ) from exc
    except Exception as exc:  # lxml's XMLSyntaxError and kin: a damaged part inside the package
        if type(exc).__module__.startswith("lxml"):
            raise CorruptDocumentError(path, f"the Word file is damaged ({exc}): save it again") from exc
        raise
    reader = _Reader(DocumentBuilder(path.name, "docx"))
    reader.builder.new_page()
    reader.blocks(body)
    if reader.lines == 0:
        raise EmptyDocumentError(path, "the Word file holds no text")
    return reader.builder.build()


class _Reader:
    def __init__(self, builder: DocumentBuilder) -> None:
        self.builder = builder
        self.tables = 0
        self.lines = 0

    def blocks(self, parent: Any) -> None:
        for child in parent.iterchildren():
            tag = child.tag
            if tag == f"{W}p":
                self.paragraph(child)
            elif tag == f"{W}tbl":
                self.table(child)
            elif tag in (f"{W}sdt", f"{W}sdtContent", f"{W}customXml", f"{W}ins", f"{W}smartTag"):
                self.blocks(child.find(f"{W}sdtContent") if tag == f"{W}sdt" else child)

    def paragraph(self, p: Any) -> None:
        if p.find(f"{W}pPr/{W}pageBreakBefore") is not None and self.lines:
            self.builder.new_page()
        for line in paragraph_text(p).split("\n"):
            if "\t" in line.strip():
                cells = [(clean(piece), None, 1.0, None) for piece in line.strip().split("\t")]
                self.builder.add_line("", cells=cells)
                self.lines += 1
            elif clean(line):
                self.builder.add_line(clean(line))
                self.lines += 1
        if any(br.get(f"{W}type") == "page" for br in p.iter(f"{W}br")):
            self.builder.new_page()

    def table(self, tbl: Any) -> None:
        self.tables += 1
        self.lines += add_grid_rows(self.builder, self.tables, table_grid(tbl))


def paragraph_text(p: Any) -> str:
    """A paragraph's text: runs, tabs as tab, line breaks as newline (deleted text left out)."""
    parts: list[str] = []
    for node in p.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr", f"{W}noBreakHyphen", f"{W}sym"):
        if any(a.tag == f"{W}del" for a in node.iterancestors(f"{W}del")):
            continue
        tag = node.tag
        if tag == f"{W}t":
            parts.append(node.text or "")
        elif tag == f"{W}tab":
            parts.append("\t")
        elif tag in (f"{W}br", f"{W}cr") and node.get(f"{W}type") != "page":
            parts.append("\n")
        elif tag == f"{W}noBreakHyphen":
            parts.append("-")
    return "".join(parts)


def cell_text(tc: Any) -> str:
    lines: list[str] = []
    for p in tc.iter(f"{W}p"):
        lines.extend(paragraph_text(p).split("\n"))
    return join_paragraphs(lines)


def _int(value: str | None, default: int) -> int:
    try:
        return max(1, int(value)) if value is not None else default
    except ValueError:
        return default


def table_grid(tbl: Any) -> list[list[SpanCell | None]]:
    """Lay a Word table on its grid: each slot holds the cell covering it."""
    grid: list[list[SpanCell | None]] = []
    for r, tr in enumerate(tbl.iterchildren(f"{W}tr")):
        row: list[SpanCell | None] = []
        before = tr.find(f"{W}trPr/{W}gridBefore")
        row.extend([None] * (_int(before.get(f"{W}val"), 0) if before is not None else 0))
        for tc in tr.iterchildren(f"{W}tc"):
            props = tc.find(f"{W}tcPr")
            span = 1
            merge = None
            if props is not None:
                grid_span = props.find(f"{W}gridSpan")
                span = _int(grid_span.get(f"{W}val"), 1) if grid_span is not None else 1
                v_merge = props.find(f"{W}vMerge")
                if v_merge is not None:
                    merge = v_merge.get(f"{W}val") or "continue"
            col = len(row)
            above = grid[r - 1][col] if r and col < len(grid[r - 1]) else None
            if merge == "continue" and above is not None:
                cell = above
            else:
                cell = SpanCell(cell_text(tc), r, col)
            row.extend([cell] * span)
        grid.append(row)
    return grid
