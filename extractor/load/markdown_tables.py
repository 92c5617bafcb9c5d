"""Tables and inline markup of markdown writers, rewritten as pipe-table rows and plain text.

``pandoc -t markdown`` (and ``-t plain``, ``-t rst``) lays a table out by column: a *simple*
table is one line per row under or between lines of dash runs (``----- ------``); a
*multiline* table wraps a cell over several lines and puts a blank line after each row; a
*grid* table (``+----+----+``, rst too) draws every cell with ``|`` walls and ``+---+`` rules
(``+===+`` under the header). rst *simple* tables use ``=====  =====`` runs. Tables with merged
cells come out as raw HTML (``-t markdown``, ``gfm``, ``commonmark``, ``markdown_strict``).

Each such table row becomes one line ``| cell | cell | ... |``, cut at the column positions
that the rule lines give (display columns: a CJK character is two wide, as pandoc counts it),
a cell wrapped over several lines joined into one, a blank cell kept as an empty one. An HTML
table is laid on its grid the way the HTML loader lays it (``rowspan``/``colspan``). Inline
markup is reduced to its text: attribute spans ``[text]{style=...}``, links, ``\\`` escapes,
``**``, footnote marks, fenced-div fences and inline HTML tags.

Pure Python: it reads what pandoc wrote without pandoc being installed.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from extractor.load._layout import is_label
from extractor.load._spans import SpanCell, join_paragraphs

# a rule of dash runs (pandoc simple and multiline tables), of = runs (rst simple tables)
_DASH_RULE = re.compile(r"^( *)-{3,}(?: +-{3,})*[ \t]*$")
_EQUALS_RULE = re.compile(r"^( *)={2,}(?: +={2,})+[ \t]*$")
_GRID_RULE = re.compile(r"^( *)\+(?:[-=:]+\+)+[ \t]*$")
_HTML_TABLE_OPEN = re.compile(r"<table\b", re.IGNORECASE)
_HTML_TABLE_TAG = re.compile(r"<(/?)table\b[^>]*>", re.IGNORECASE)

# inline markup
_ATTR_SPAN = re.compile(r"\[([^\[\]]*)\]\{[^{}]*\}")  # [text]{style="..."}
_LINK = re.compile(r"!?\[([^\[\]]*)\]\([^()\s]*(?:\s+\"[^\"]*\")?\)(?:\{[^{}]*\})?")  # [text](url){attrs}
_FOOTNOTE_MARK = re.compile(r"\[\^[^\]\s]{1,20}\]")
_TRAILING_ATTRS = re.compile(r"[ \t]*\{[#.][^{}\n]*\}[ \t]*$", re.MULTILINE)  # # Heading {#id .class}
_FENCE = re.compile(r"^[ \t]*:{3,}.*$", re.MULTILINE)  # ::: {.class}  and  :::
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{}~])")  # not \| : a pipe in a pipe-table cell stays escaped
_HARD_BREAK = re.compile(r"\\$", re.MULTILINE)
_STRONG = re.compile(r"\*\*|~~")
_QUOTE = re.compile(r"^[ \t]*(?:>(?:[ \t]|$))+", re.MULTILINE)  # pandoc quotes a Word file's indented text
_LINE_BLOCK = re.compile(r"^[ \t]*\|[ \t]+(?=[^|\n]+$)", re.MULTILINE)  # rst's line block: | 淮安市人民政府
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_INLINE_TAG = re.compile(
    r"</?(?:span|font|strong|b|i|em|u|sup|sub|a|small|big|mark|ins|del|s|strike|o:p)\b[^<>]*>", re.IGNORECASE
)
# block tags of raw HTML in markdown (pandoc's commonmark and gfm writers keep a page's divs)
_BLOCK_TAG = re.compile(
    r"</?(?:div|p|section|article|header|footer|nav|main|aside|center|blockquote|ul|ol|li|dl|dt|dd|h[1-6]|"
    r"figure|figcaption|form|img|hr|col|colgroup|caption|thead|tbody|tfoot|tr|td|th|table)\b[^<>]*>",
    re.IGNORECASE,
)


def reduce_inline(text: str) -> str:
    """Text with pandoc's inline markup reduced to what it says."""
    text = _COMMENT.sub("", text)
    text = _INLINE_TAG.sub("", text)
    text = _BLOCK_TAG.sub("", text)
    text = _FOOTNOTE_MARK.sub("", text)
    previous = None
    while previous != text:  # spans inside spans and links
        previous = text
        text = _ATTR_SPAN.sub(r"\1", text)
        text = _LINK.sub(r"\1", text)
    text = _TRAILING_ATTRS.sub("", text)
    text = _FENCE.sub("", text)
    text = _HARD_BREAK.sub("", text)
    text = _STRONG.sub("", text)
    text = _QUOTE.sub("", text)
    text = _LINE_BLOCK.sub("", text)
    return _ESCAPE.sub(r"\1", text)


def char_width(ch: str) -> int:
    """Display columns of a character as pandoc counts them: wide and full-width CJK are two."""
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_columns(line: str) -> list[int]:
    """The display column each character of ``line`` starts at."""
    starts = []
    col = 0
    for ch in line:
        starts.append(col)
        col += 4 - col % 4 if ch == "\t" else char_width(ch)
    return starts


def slice_columns(line: str, lo: int, hi: int | None) -> str:
    """The characters of ``line`` that start at display columns ``lo`` to ``hi`` (open end: the rest)."""
    return "".join(
        ch for ch, col in zip(line, display_columns(line), strict=True) if col >= lo and (hi is None or col < hi)
    )


def _runs(rule: str, char: str) -> list[tuple[int, int]]:
    """The display-column extents ``[start, end)`` of the runs of ``char`` in a rule line."""
    return [(m.start(), m.end()) for m in re.finditer(re.escape(char) + "+", rule)]  # rules are ASCII


@dataclass(slots=True)
class _Table:
    """A table found in the lines: where it is, and its rows as cell texts."""

    first: int  # index of its first line
    last: int  # index of its last line (inclusive)
    rows: list[list[str]]


def _cut_rows(lines: list[str], runs: list[tuple[int, int]], multiline: bool) -> list[list[str]]:
    """Rows of the lines between a table's rules, cut at the column starts of ``runs``."""
    starts = [0] + [start for start, _ in runs[1:]]
    groups: list[list[str]] = []
    if multiline:  # a row's lines run to the next empty line
        current: list[str] = []
        for line in lines:
            if line == "":
                if current:
                    groups.append(current)
                current = []
            else:
                current.append(line)
        if current:
            groups.append(current)
    else:
        groups = [[line] for line in lines if line != ""]
    rows = []
    for group in groups:
        cells = []
        for index, lo in enumerate(starts):
            hi = starts[index + 1] if index + 1 < len(starts) else None
            width = runs[index][1] - runs[index][0]
            cells.append(_join_wrapped([(slice_columns(line, lo, hi), width) for line in group]))
        rows.append(_reduced(cells))
    return rows


def _reduced(cells: list[str]) -> list[str]:
    """Cells with any markup left after joining (a span wrapped over lines) reduced, pipes made slashes."""
    return [reduce_inline(cell).replace("|", "/").strip() for cell in cells]


def _dash_table(lines: list[str], index: int) -> _Table | None:
    """A pandoc simple or multiline table starting at ``lines[index]``, if one does."""
    rule = lines[index]
    match = _DASH_RULE.match(rule)
    if match is None:
        return None
    runs = _runs(rule, "-")
    indent = match.group(1)
    if len(runs) > 1:
        # headerless: column rule, rows (one line each, or separated by empty lines), the same rule again
        close = _closing_rule(lines, index + 1, lambda line: _DASH_RULE.match(line) is not None)
        if close is not None and close > index + 1 and _runs(lines[close], "-") == runs:
            body = lines[index + 1 : close]
            if not _within(body, runs[-1][1]):
                return None
            return _Table(index, close, _cut_rows(body, runs, multiline="" in body))
    else:
        # a multiline table with a header: full rule, header lines, column rule, rows, full rule
        for col_rule in range(index + 1, min(len(lines), index + 12)):
            if lines[col_rule] == "":
                return None
            if _DASH_RULE.match(lines[col_rule]) and lines[col_rule].startswith(indent + "-"):
                break
        else:
            return None
        col_runs = _runs(lines[col_rule], "-")
        if col_rule == index + 1 or col_runs[-1][1] != runs[0][1]:
            return None
        close = _closing_rule(lines, col_rule + 1, lambda line: line.rstrip() == rule.rstrip())
        if close is None:
            return None
        header = _cut_rows(lines[index + 1 : col_rule], col_runs, multiline=True)
        body = lines[col_rule + 1 : close]
        if not _within(lines[index + 1 : close], runs[0][1]):
            return None
        return _Table(index, close, header + _cut_rows(body, col_runs, multiline="" in body))
    above = lines[index - 1] if index > 0 else ""
    if len(runs) > 1 and above.strip() and not _DASH_RULE.match(above) and not _FENCE.match(above):
        # a simple table with a header line above the rule; it ends at an empty line or a closing rule
        head = index - 1
        if head > 0 and lines[head - 1].strip():
            return None  # a paragraph's last line over a rule, not a header
        end = index + 1
        while end < len(lines) and lines[end].strip() and not _DASH_RULE.match(lines[end]):
            end += 1
        if end == index + 1:
            return None
        last = end if end < len(lines) and _DASH_RULE.match(lines[end]) else end - 1
        rows = _cut_rows([lines[head]], runs, multiline=False) + _cut_rows(lines[index + 1 : end], runs, False)
        return _Table(head, last, rows)
    return None


def _within(lines: list[str], right: int) -> bool:
    """Whether the lines stand inside the rules' width, as a table's do (nine in ten, for a long word).

    Paragraphs between a YAML header's ``---`` and a later ``---`` rule run past it.
    """
    filled = [line for line in lines if line.strip()]
    beyond = sum(1 for line in filled if sum(char_width(ch) for ch in line.rstrip()) > right + 2)
    return beyond * 10 <= len(filled)


def _closing_rule(lines: list[str], start: int, is_rule: object) -> int | None:
    """The index of the first line from ``start`` that closes the table; None past two empty lines in a row."""
    assert callable(is_rule)
    empty_run = 0
    for at in range(start, len(lines)):
        if is_rule(lines[at]):
            return at
        empty_run = empty_run + 1 if lines[at] == "" else 0
        if empty_run >= 2:
            return None
    return None


def _rst_simple_table(lines: list[str], index: int) -> _Table | None:
    """An rst simple table: ``===  ===`` rules above, (under the header,) and below."""
    if not _EQUALS_RULE.match(lines[index]):
        return None
    runs = _runs(lines[index], "=")
    rules = [index]
    at = index + 1
    while at < len(lines) and len(rules) < 3:
        if _EQUALS_RULE.match(lines[at]):
            rules.append(at)
            if at + 1 >= len(lines) or not lines[at + 1].strip():
                break
        elif not lines[at].strip():
            return None
        at += 1
    if len(rules) < 2:
        return None
    body = [line for at, line in enumerate(lines[index : rules[-1] + 1], index) if at not in rules]
    return _Table(index, rules[-1], _cut_rows(body, runs, multiline=False))


def _grid_table(lines: list[str], index: int) -> _Table | None:
    """A grid table (pandoc, rst): ``+---+`` rules, ``|`` walls; a cell may span several lines."""
    match = _GRID_RULE.match(lines[index])
    if match is None:
        return None
    indent = len(match.group(1))
    at = index
    while at + 1 < len(lines) and lines[at + 1][indent : indent + 1] in ("|", "+") and lines[at + 1].strip():
        at += 1
    while at > index and not _GRID_RULE.match(lines[at]):
        at -= 1
    if at == index:
        return None
    spanned = _spanned_grid_rows([line[indent:] for line in lines[index : at + 1]])
    if spanned is not None:
        return _Table(index, at, spanned)
    rows: list[list[str]] = []
    group: list[str] = []
    for line in lines[index + 1 : at + 1]:
        if _GRID_RULE.match(line):
            if group:
                rows.append(_grid_row(group))
            group = []
        else:
            group.append(line)
    return _Table(index, at, rows)


_PAD = "\x00"  # follows each wide character, so that characters stand at their display columns


def _spanned_grid_rows(block: list[str]) -> list[list[str]] | None:
    """Rows of a grid table whose cells may span rows and columns (pandoc 3, rst), or None.

    docutils' grid-table parser follows each cell's walls; a wide character is padded to its
    two columns first, and pandoc's alignment colons (``+:---+``) are read as rules. None when
    the walls do not line up (pandoc 2's rst writer shifts them after a wide character).
    """
    from docutils.parsers.rst.tableparser import GridTableParser, TableMarkupError
    from docutils.statemachine import StringList

    padded = []
    for line in block:
        line = "".join(ch + _PAD if char_width(ch) == 2 else ch for ch in line.rstrip())
        if line.startswith("+"):
            line = re.sub(r"(?<=[-=]):|:(?=[-=])", "=" if "=" in line else "-", line)
        padded.append(line)
    width = max(len(line) for line in padded)
    if any(len(line) != width for line in padded):
        return None
    try:
        widths, head, body = GridTableParser().parse(StringList(padded))
    except (TableMarkupError, AssertionError, IndexError):
        return None
    grid: list[list[SpanCell | None]] = [[None] * len(row) for row in head + body]
    for r, row in enumerate(head + body):
        for c, cell in enumerate(row):
            if cell is None:
                continue
            more_rows, more_cols, _, text_lines = cell
            fill = sum(widths[c : c + more_cols + 1]) + more_cols - 2  # inside the one-space margins
            text = _join_wrapped([(line, fill) for line in text_lines])
            span = SpanCell(text, r, c)
            for dr in range(more_rows + 1):
                for dc in range(more_cols + 1):
                    if r + dr < len(grid) and c + dc < len(grid[r + dr]):
                        grid[r + dr][c + dc] = span
    return _grid_layout(grid)


def _grid_layout(grid: list[list[SpanCell | None]]) -> list[list[str]]:
    """Rows of a table laid on its grid, as the HTML and Word loaders write them.

    A cell spanning columns is one cell; a label spanning rows repeats on each row; a number
    spanning rows shows on its first row only.
    """
    rows = []
    for r, slots in enumerate(grid):
        cells: list[str] = []
        previous = None
        for slot in slots:
            if slot is None or slot is previous:
                continue
            previous = slot
            cells.append(slot.text if slot.row == r or is_label(slot.text) else "")
        if any(cells):
            rows.append(_reduced(cells))
    return rows


def _grid_row(group: list[str]) -> list[str]:
    """The cells of one grid-table row.

    Each line is split at its ``|`` walls when every line of the row has as many: pandoc's rst
    writer lets a wide character overflow its column and shifts the walls after it, so the
    walls' count holds where their positions do not. Otherwise the row is cut at the wall
    positions that every line has.
    """
    inner = [line.strip()[1:-1] if line.strip()[-1:] in "|+" else line.strip()[1:] for line in group]
    split = [piece.split("|") for piece in inner]
    if len({len(pieces) for pieces in split}) == 1:
        columns = zip(*split, strict=True)
        return _reduced([_join_wrapped([(p[1:], _width(p) - 2) for p in pieces]) for pieces in columns])
    positions = [display_columns(line) for line in group]
    walls: set[int] | None = None
    for line, cols in zip(group, positions, strict=True):
        here = {col for ch, col in zip(line, cols, strict=True) if ch in "|+"}
        walls = here if walls is None else walls & here
    cuts = sorted(walls or set())
    cells = []
    for lo, hi in itertools.pairwise(cuts):
        cells.append(_join_wrapped([(slice_columns(line, lo + 1, hi), hi - lo - 3) for line in group]))
    return _reduced(cells)


def _width(text: str) -> int:
    return sum(char_width(ch) for ch in text)


_DIGITS = re.compile(r"^[\d.,]+$")


def _join_wrapped(pieces: list[tuple[str, int]]) -> str:
    """A cell's text from its lines, each with the width it had to fill.

    Lines run together as ``join_paragraphs`` joins them (a space between Latin words only),
    except that a number cut at the column's width (``1`` over ``8`` in a column one wide)
    is one number again.
    """
    parts: list[str] = []
    width_before = 0
    for text, width in pieces:
        text = reduce_inline(text).strip()
        if not text:
            continue
        if parts and _DIGITS.match(parts[-1][-1:] + text[:1]) and _cut_at_width(parts[-1], width_before):
            parts[-1] += text
        else:
            parts.append(text)
        width_before = width
    return join_paragraphs(parts)


def _cut_at_width(text: str, width: int) -> bool:
    """Whether the last line of ``text`` is a run of digits that fills its line's width."""
    last = text.split(" ")[-1]
    return bool(_DIGITS.match(last)) and width > 0 and _width(last) >= width


def _html_table(lines: list[str], index: int) -> tuple[_Table, str, str] | None:
    """A raw HTML table (pandoc writes one for merged cells): its rows on the table's grid.

    Also returns the text before ``<table`` on its first line and after ``</table>`` on its last.
    """
    opened = _HTML_TABLE_OPEN.search(lines[index])
    if opened is None:
        return None
    rest = "\n".join(lines[index:])
    depth = 0
    for tag in _HTML_TABLE_TAG.finditer(rest, opened.start()):
        depth += -1 if tag.group(1) else 1
        if depth == 0:
            rows = html_table_rows(rest[opened.start() : tag.end()])
            if rows is None:
                return None
            last = index + rest.count("\n", 0, tag.end())
            column = tag.end() - (rest.rfind("\n", 0, tag.end()) + 1)
            return _Table(index, last, rows), lines[index][: opened.start()], lines[last][column:]
    return None


def html_table_rows(markup: str) -> list[list[str]] | None:
    """Rows of an HTML table's markup as the HTML loader lays them; None when it is page layout."""
    from bs4 import BeautifulSoup

    from extractor.load.html import is_data_table, table_grid

    table = BeautifulSoup(markup, "lxml").find("table")
    if table is None or not is_data_table(table):
        return None
    return _grid_layout(table_grid(table))


_BARE_PIPE_RULE = re.compile(r"^[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)+$")
_PIPE = re.compile(r"(?<!\\)\|")


def _bare_pipe_table(lines: list[str], index: int) -> _Table | None:
    """A pipe table written without its outer pipes (html2text, GitHub markdown): ``a | b`` over
    ``---|---``, then every following line that holds a ``|``. Rows keep their own cell count:
    html2text sizes the rule by the first row, and merged cells make later rows longer."""
    if index == 0 or not _BARE_PIPE_RULE.match(lines[index]) or not _PIPE.search(lines[index - 1]):
        return None
    if lines[index - 1].lstrip().startswith("|"):
        return None  # a pipe table with outer pipes: the text loader reads those rows as they are
    last = index
    while last + 1 < len(lines) and lines[last + 1].strip() and _PIPE.search(lines[last + 1]):
        last += 1
    body = [lines[index - 1], *lines[index + 1 : last + 1]]
    rows = [_reduced([cell.replace("\\|", "|").strip() for cell in _PIPE.split(line.strip())]) for line in body]
    return _Table(index - 1, last, rows)


_FINDERS = (_grid_table, _rst_simple_table, _dash_table, _bare_pipe_table)


def _tables(lines: list[str]) -> Iterator[tuple[_Table, str, str]]:
    index = 0
    while index < len(lines):
        line = lines[index]
        found: tuple[_Table, str, str] | None = None
        if "<" in line:
            found = _html_table(lines, index)
        if found is None and line.lstrip()[:1] in ("+", "-", "=", ":"):
            for finder in _FINDERS:
                table = finder(lines, index)
                if table is not None:
                    found = (table, "", "")
                    break
        if found is None:
            index += 1
            continue
        yield found
        index = found[0].last + 1


# box-drawing tables (w3m -dump, terminal renderings). The lines between two rules are one row (w3m
# wraps a long label over lines and prints the numbers level with its middle): cells are joined
# column by column when every line of the row has its walls in the same places; else each line is
# a row of its own. Rules, and partial rules beside a cell merged across rows, end a row. (Drawn as
# a grid table instead, narrow columns whose header wraps one character a line defeat the grid.)
_BOX_WALLS = "│║┃"
_BOX_ROW = re.compile(r"^[ \t]*[│║┃].*[│║┃][ \t]*$")
_BOX_RULE_CHARS = re.compile(r"[─═━┌├└╔╠╚┏┣┗┬┼┴╦╬╩┳╋┻┐┤┘╗╣╝┓┫┛]")


def _pipe_row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _box_tables(lines: list[str]) -> list[str]:
    out: list[str] = []
    group: list[str] = []

    def flush() -> None:
        if group:
            out.extend(_box_row(group))
            group.clear()

    for line in lines:
        if _BOX_RULE_CHARS.search(line) and line.lstrip()[:1] in "┌├└╔╠╚┏┣┗│║┃":
            flush()
            out.append("")
        elif _BOX_ROW.match(line):
            group.append(line)
        else:
            flush()
            out.append(line)
    flush()
    return out


def _box_row(group: list[str]) -> list[str]:
    walls = [[col for ch, col in zip(line, display_columns(line), strict=True) if ch in _BOX_WALLS] for line in group]
    split = [re.split(f"[{_BOX_WALLS}]", line.strip())[1:-1] for line in group]
    if any(w != walls[0] for w in walls) or any(len(cells) != len(split[0]) for cells in split):
        return [_pipe_row(c.strip() for c in cells) for cells in split]
    widths = [b - a - 1 for a, b in itertools.pairwise(walls[0])]
    columns = [_join_wrapped([(cells[i], widths[i]) for cells in split]) for i in range(len(split[0]))]
    return [_pipe_row(c.replace("|", "/") for c in columns)]


# section 二's column labels: a PDF-to-markdown converter that cuts one of them over two cells cuts
# the numbers under it the same way (``|采购总金|额（元）|`` over ``|195427|858.25|``)
_COLUMN_WORDS = (
    "本年制发件数",
    "本年废止件数",
    "现行有效件数",
    "处理决定数量",
    "收费金额",
    "本年新制作数量",
    "本年新公开数量",
    "对外公开总数量",
    "上一年项目数量",
    "本年增/减",
    "采购项目数量",
    "采购总金额",
)
_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")


def _cells_of(line: str) -> list[str]:
    inner = line.strip()[1:-1]
    return _PIPE.split(inner)


def _cut_labels(cells: list[str]) -> list[int]:
    """Indexes ``i`` where cells ``i`` and ``i + 1`` are one column label cut in two."""
    cuts = []
    for i in range(len(cells) - 1):
        left, right = re.sub(r"\s", "", cells[i]), re.sub(r"\s", "", cells[i + 1])
        joined = left + right
        if any(w in joined and w not in left and w not in right for w in _COLUMN_WORDS) and left and right:
            cuts.append(i)
    return cuts


def _merge_cut_columns(lines: list[str]) -> list[str]:
    """Join the cells under a column label that a converter cut over two cells, row by row, from
    that header row to the next header row or the end of the pipe table. Only rows with as many
    cells as the header are joined; the joined text is the two cells' text run together."""
    out: list[str] = []
    cuts: list[int] = []
    width = 0
    for line in lines:
        if not _PIPE_ROW.match(line):
            cuts, width = [], 0
            out.append(line)
            continue
        cells = _cells_of(line)
        if "信息内容" in line:
            cuts, width = _cut_labels(cells), len(cells)
        if cuts and len(cells) == width:
            for i in reversed(cuts):
                cells[i : i + 2] = [cells[i].strip() + cells[i + 1].strip()]
            line = _pipe_row(c.strip() for c in cells)
        out.append(line)
    return out


def rewrite(text: str) -> str:
    """The text with every table a run of pipe rows and inline markup reduced to its text.

    Text with no table form and no markup comes back as it was.
    """
    lines = _box_tables(text.split("\n")) if "│" in text or "║" in text or "┃" in text else text.split("\n")
    out: list[str] = []
    plain: list[str] = []  # lines outside tables, reduced together (a span may wrap over lines)
    index = 0

    def flush() -> None:
        if plain:
            out.append(reduce_inline("\n".join(plain)))
            plain.clear()

    for table, before, after in _tables(lines):
        plain.extend(lines[index : table.first])
        if before.strip():
            plain.append(before)
        flush()
        out.extend(_pipe_row(row) for row in table.rows if any(row))
        if after.strip():
            plain.append(after)
        index = table.last + 1
    plain.extend(lines[index:])
    flush()
    joined = "\n".join(out)
    return "\n".join(_merge_cut_columns(joined.split("\n"))) if "信息内容" in joined else joined
