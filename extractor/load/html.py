"""HTML: block text as lines, data tables as rows of cells with rowspan/colspan laid out on the grid.

The charset comes from a BOM, the ``<meta>`` charset or the XML declaration,
else UTF-8, else GB18030 (a superset of GB2312 and GBK). A ``<table>`` holding
other tables, or a single cell, is page layout: its cells are read as blocks.
Every other table is data: one line per ``<tr>``, cells with ``ref``
"table T row R col C" (see ``_spans`` for merged cells).
"""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path
from typing import Any

from extractor.document import Document, DocumentBuilder
from extractor.errors import EmptyDocumentError, MissingDependencyError
from extractor.load._layout import clean
from extractor.load._spans import SpanCell, add_grid_rows, join_paragraphs

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_CHINESE = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936", "euc-cn", "gb18030", "hz-gb-2312"}
SKIP = {"script", "style", "noscript", "template", "head", "svg", "math", "button", "select", "option", "iframe"}
BLOCK = {
    "p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "h1", "h2", "h3", "h4", "h5",
    "h6", "ul", "ol", "li", "dl", "dt", "dd", "blockquote", "pre", "address", "center", "form", "fieldset",
    "figure", "figcaption", "hr", "body", "html", "caption", "tr", "td", "th", "thead", "tbody", "tfoot",
}  # fmt: skip
MAX_SPAN = 200


def decode_html(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    head = data[:4096]
    declared = _CHARSET.search(head) or _XML_ENCODING.search(head)
    if declared:
        name = declared.group(1).decode("ascii").lower()
        encoding = "gb18030" if name in _CHINESE else name
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration: fall through to sniffing
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def load_mhtml(path: Path, data: bytes) -> Document:
    """A web page saved as one MIME file (``.mhtml``, ``.mht``): its HTML part, read as a page."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    for part in message.walk():
        if part.get_content_type() != "text/html":
            continue
        body = part.get_payload(decode=True)
        if not isinstance(body, bytes) or not body.strip():
            continue
        charset = (part.get_content_charset() or "").lower()
        if charset:  # the part's own header names the charset: it beats a <meta> in the page
            encoding = "gb18030" if charset in _CHINESE else charset
            try:
                body = b"\xef\xbb\xbf" + body.decode(encoding).encode("utf-8")
            except (LookupError, UnicodeDecodeError):
                pass  # a wrong declaration: the page's own <meta>, or sniffing, decides
        return load_html(path, body)
    raise EmptyDocumentError(path, "the saved web page (MHTML) holds no HTML page")


def load_html(path: Path, data: bytes) -> Document:
    try:
        from bs4 import BeautifulSoup
    except ImportError as exc:
        raise MissingDependencyError("Reading HTML files", "beautifulsoup4") from exc
    try:
        soup = BeautifulSoup(decode_html(data), "lxml")
    except Exception as exc:  # bs4.FeatureNotFound when lxml is missing
        if type(exc).__name__ == "FeatureNotFound":
            raise MissingDependencyError("Reading HTML files", "lxml") from exc
        raise
    reader = _Reader(DocumentBuilder(path.name, "html"))
    reader.builder.new_page()
    title = soup.find("title")
    if title is not None and clean(title.get_text()):
        reader.line(title.get_text())
    reader.walk(soup.body or soup)
    reader.flush()
    if reader.lines == 0:
        raise EmptyDocumentError(path, "the HTML page holds no text")
    return reader.builder.build()


class _Reader:
    def __init__(self, builder: DocumentBuilder) -> None:
        self.builder = builder
        self.buffer: list[str] = []
        self.tables = 0
        self.lines = 0

    def line(self, text: str) -> None:
        text = clean(text)
        if text:
            self.builder.add_line(text)
            self.lines += 1

    def flush(self) -> None:
        if self.buffer:
            self.line("".join(self.buffer))
            self.buffer = []

    def walk(self, node: Any) -> None:
        for child in node.children:
            name = getattr(child, "name", None)
            if name is None:
                if type(child).__name__ == "NavigableString":
                    self.buffer.append(str(child))
                continue
            if name in SKIP:
                continue
            if name == "br":
                self.flush()
            elif name == "table":
                self.flush()
                if is_data_table(child):
                    self.tables += 1
                    self.lines += add_grid_rows(self.builder, self.tables, table_grid(child))
                else:
                    self.walk(child)
                self.flush()
            elif name in BLOCK:
                self.flush()
                self.walk(child)
                self.flush()
            else:
                self.walk(child)


def is_data_table(table: Any) -> bool:
    """A table of data: no tables inside, and more than one cell."""
    if table.find("table") is not None:
        return False
    return len(table.find_all(["td", "th"])) > 1


def _rows(table: Any) -> list[Any]:
    return [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]


def _span(cell: Any, name: str) -> int:
    try:
        return min(MAX_SPAN, max(1, int(str(cell.get(name, "1")).strip() or "1")))
    except ValueError:
        return 1


def cell_text(cell: Any) -> str:
    """A cell's text, its lines (``<br>``, ``<p>``) run together the way a wrapped label reads."""
    parts: list[str] = []
    current: list[str] = []
    for node in cell.descendants:
        name = getattr(node, "name", None)
        if name in ("br", "p", "div", "li") and current:
            parts.append("".join(current))
            current = []
        elif name is None and type(node).__name__ == "NavigableString":
            if not any(getattr(parent, "name", None) in SKIP for parent in node.parents):
                current.append(str(node))
    parts.append("".join(current))
    return join_paragraphs(parts)


def table_grid(table: Any) -> list[list[SpanCell | None]]:
    """Lay an HTML table on its grid: each slot holds the cell covering it."""
    grid: list[list[SpanCell | None]] = []
    for r, tr in enumerate(_rows(table)):
        while len(grid) <= r:
            grid.append([])
        row = grid[r]
        col = 0
        for cell in tr.find_all(["td", "th"], recursive=False):
            while col < len(row) and row[col] is not None:
                col += 1
            rowspan, colspan = _span(cell, "rowspan"), _span(cell, "colspan")
            span_cell = SpanCell(cell_text(cell), r, col)
            for dr in range(rowspan):
                while len(grid) <= r + dr:
                    grid.append([])
                target = grid[r + dr]
                while len(target) < col + colspan:
                    target.append(None)
                for dc in range(colspan):
                    if target[col + dc] is None:
                        target[col + dc] = span_cell
            col += colspan
    n_rows = len(_rows(table))
    return grid[:n_rows]  # rowspans reaching past the last row add nothing
