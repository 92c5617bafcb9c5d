"""Finding each table row's label and the tokens that hold its numbers."""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass

from extractor.document import Cell, Document, Line
from extractor.parse.anchors import ACTIVE_RE, APPLICATION_RE, APPLICATION_WORDS, STOP_WORDS, Anchor
from extractor.parse.layout import BLANK_MARKS, NONE_WORD, Sections, Token, line_tokens, loose, tokenize
from extractor.template import APPLICATION_ROW_LABELS, OTHER_SUBROWS

CJK = re.compile(r"[\u4e00-\u9fff]")
# section 三's row labels as the national form prints them in their cells (the group label, （三）,
# has a cell of its own), for telling a label cut over two lines from a whole one
GROUP_PREFIX = re.compile(r"^（[一二三四五六]）(?=\d)")
PRINTED_LABELS = {key: GROUP_PREFIX.sub("", text) for key, text in APPLICATION_ROW_LABELS.items()} | {
    "partially_granted": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "other_no_correction": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other_unpaid_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
}


@dataclass(slots=True)
class RowTokens:
    key: str
    anchor: Anchor
    tokens: list[Token]
    structured: bool


def find_application_anchors(norm: str, start: int, end: int) -> list[Anchor]:
    """Section 三's row labels in template order, each searched after the previous one."""
    anchors: list[Anchor] = []
    pos = start
    for key, pattern in APPLICATION_RE.items():
        if key == "other_handling":
            continue
        if key == "other_other" and not any(a.key in OTHER_SUBROWS for a in anchors):
            handling = APPLICATION_RE["other_handling"].search(norm, pos, end)
            if handling:
                anchors.append(Anchor("other_handling", handling.start(), handling.end()))
                pos = handling.end()
            continue
        match = _with_numbers(pattern, norm, pos, end)
        if match is None and key == "total_processed":
            match = _BARE_TOTAL.search(norm, pos, end)  # 总计 without its (七)
        found = (match.start(), match.end()) if match else None
        cut = _cut_label(APPLICATION_WORDS[key], norm, pos, found[0] if found else end)
        if cut is not None:
            found = cut
        if found:
            anchors.append(Anchor(key, *found))
            pos = found[1]
    if not any(a.key in (*OTHER_SUBROWS, "other_handling") for a in anchors):
        # labels printed out of order (a text extraction that lists a column of labels): （六）其他处理
        # may stand before the row searched just before it; the single row, wherever it is
        handling = APPLICATION_RE["other_handling"].search(norm, start, end)
        if handling:
            anchors.append(Anchor("other_handling", handling.start(), handling.end()))
    return anchors


# a row's numbers closing a line whose label goes on below them: the numbers, then blank or markdown
# rule lines, then the line the label goes on in
_CUT_GAP = re.compile(r"[ \t|]+\d[\d \t,.|]*\n(?:[ \t|:-]*\n){0,3}[ \t|]*")
_GROUP_CHUNK = re.compile(r"[\u4e00-\u9fff()]{1,5}[ \t|]+")  # the next line of a group label's cell
_SPACES_AND_WALLS = re.compile(r"[\s|]")


def _cut_label(words: tuple[str, ...], norm: str, pos: int, end: int) -> tuple[int, int] | None:
    """A label cut by its row's numbers: a wrapped label cell whose first line carries the cells
    (``5.属于三类内部事 0 0`` over ``务信息``, in pdfplumber's text, markdown tables and ``pdftotext
    -layout``). The label ends at the cut, so the row's numbers stay after it. Before ``end``."""
    for gap in _CUT_GAP.finditer(norm, pos, end):
        line_start = max(norm.rfind("\n", 0, gap.start()) + 1, pos)
        head = _SPACES_AND_WALLS.sub("", norm[line_start : gap.start()])
        if not head:
            continue
        line_end = norm.find("\n", gap.end())
        rest = norm[gap.end() : line_end if line_end >= 0 else len(norm)]
        chunk = _GROUP_CHUNK.match(rest)
        rests = [_SPACES_AND_WALLS.sub("", r) for r in ([rest, rest[chunk.end() :]] if chunk else [rest])]
        for word in words:
            for k in range(2, len(word)):
                if head.endswith(word[:k]) and any(r.startswith(word[k:]) for r in rests):
                    start = re.search(loose(word[:k]) + r"[\s|]*$", norm[line_start : gap.start()])
                    if start is not None:
                        return line_start + start.start(), gap.start()
    return None


def _with_numbers(pattern: re.Pattern[str], norm: str, pos: int, end: int) -> re.Match[str] | None:
    """The label's first match, or a second one close after it when only the second has numbers
    on its line: a converter printed the label as a heading and again as the table row."""
    first = pattern.search(norm, pos, end)
    if first is None or _digits_on_line(norm, first.end()):
        return first
    line_end = norm.find("\n", first.end())
    second = pattern.search(norm, line_end, min(end, line_end + 200)) if line_end >= 0 else None
    return second if second is not None and _digits_on_line(norm, second.end()) else first


def _digits_on_line(norm: str, offset: int) -> bool:
    """A digit, or a cell that says 无 in place of one, after ``offset`` on its line."""
    line_end = norm.find("\n", offset)
    return bool(_VALUE_MARK.search(norm[offset : line_end if line_end >= 0 else len(norm)]))


_NONE_CELL_TEXT = rf"[\t|][ ]*{NONE_WORD}[ ]*(?=[\t|]|$)"  # a cell between walls that says 无
_NONE_CELL = re.compile(_NONE_CELL_TEXT, re.MULTILINE)
_VALUE_MARK = re.compile(rf"\d|{_NONE_CELL_TEXT}", re.MULTILINE)


def _numbers_after_on_line(norm: str, offset: int) -> bool:
    """A number token stands after ``offset`` on its line (a label's own ordinal does not count)."""
    line_end = norm.find("\n", offset)
    stop = line_end if line_end >= 0 else len(norm)
    return any(t.kind == "num" for t in tokenize(norm, offset, stop))


_BARE_TOTAL = re.compile(r"(?:^|(?<=[\n\t|]))[ \t]*总\s*计(?=[\s|\d])", re.MULTILINE)


def place_unlabelled_rows(doc: Document, norm: str, anchors: list[Anchor], expected: list[str]) -> list[Anchor]:
    """Rows whose label was not recognised (OCR misread it), placed by position.

    Between two found rows of a ruled table, the table lines that carry a row's
    worth of number cells and no known label are the rows the template has there,
    when their count matches exactly. The caller flags such rows for review.
    """
    lines = [line for line in doc.lines if line.cells]
    starts = [line.start for line in lines]
    found = {a.key: a for a in anchors}
    placed: list[Anchor] = []

    def line_index(offset: int) -> int:
        return bisect.bisect_right(starts, offset) - 1

    known = [key for key in expected if key in found]
    for before, after in itertools.pairwise(known):
        missing = expected[expected.index(before) + 1 : expected.index(after)]
        if not missing:
            continue
        lo, hi = line_index(found[before].start), line_index(found[after].start)
        if lo < 0 or hi <= lo:
            continue
        between = [line for line in lines[lo + 1 : hi] if _looks_like_value_row(norm, line)]
        if len(between) == len(missing):
            placed += [Anchor(key, line.start, line.start) for key, line in zip(missing, between, strict=True)]
    return placed


def _looks_like_value_row(norm: str, line: Line) -> bool:
    assert line.cells is not None
    numbers = [c for c in line.cells[-7:] if re.fullmatch(r"\s*\d[\d,]*\s*|\s*", norm[c.start : c.end])]
    return len(line.cells) >= 8 and len(numbers) == 7 and any(norm[c.start : c.end].strip() for c in numbers)


def find_active_anchors(norm: str, start: int, end: int, keys: list[str]) -> list[Anchor]:
    anchors = []
    for key in keys:
        matches = list(ACTIVE_RE[key].finditer(norm, start, end))
        # a label can stand in a header cell too: prefer the one with numbers on its line
        with_numbers = [m for m in matches if re.search(r"\d", norm[m.end() : norm.find("\n", m.end())])]
        candidates = with_numbers or matches
        if candidates:
            match = candidates[0]
            anchors.append(Anchor(key, match.start(), match.end()))
    return sorted(anchors, key=lambda a: a.start)


class RowReader:
    """Reads the tokens of every anchored row of a document."""

    def __init__(self, doc: Document, norm: str, sections: Sections, anchors: list[Anchor]) -> None:
        self.doc = doc
        self.norm = norm
        self.lines = doc.lines
        self._line_starts = [line.start for line in self.lines]
        self._label_starts = {a.start for a in anchors}
        self.moved: set[str] = set()  # rows read from the line above their label's (_orphan_row_above)
        self.unwalled: set[str] = set()  # rows whose first numbers stand in their label's cell (_structured)
        self.boundaries = sorted(
            {a.start for a in anchors}
            | set(sections.starts.values())
            | {m.start() for m in STOP_WORDS.finditer(norm)}
            | {sections.length}
        )
        self.consumed_until = 0
        self.paired: dict[str, list[Token]] = {}
        self._cell_lines: dict[int, bool] = {}  # by row width: every cell a line of its own (_cells_on_lines)
        self._empty_tails: dict[tuple[int, int], int] = {}  # by table (first, last line): _empty_last_columns

    def pair_by_order(self, anchors: list[Anchor], width: int, end: int) -> None:
        """Pair rows of numbers standing on lines of their own with the labels that have none, in order.

        A text extraction of a table whose label cells wrap prints each row's numbers level with
        the middle of its label cell: on the label's line, or on a line of their own above it,
        below it, or inside a wrapped label. When as many such lines as number-less labels stand
        in the table, the k-th line belongs to the k-th label, wherever the lines fell; taking the
        nearest line after each label instead shifts rows. Bound by order only: these cells go to
        review (see ``_bound_by_order``).
        """
        self.paired = {}
        ordered = sorted(anchors, key=lambda a: a.start)
        if not ordered:
            return
        labels = [a for a in ordered if not _numbers_after_on_line(self.norm, a.end)]
        if not labels:
            return
        index = bisect.bisect_left(self.boundaries, ordered[0].start) - 1
        begin = self.boundaries[index] if index >= 0 else 0  # the heading or header before the first label
        label_lines = {id(self.line_at(a.start)) for a in ordered}
        orphans: list[list[Token]] = []
        first_line = bisect.bisect_left(self._line_starts, begin)
        for line in self.lines[first_line:]:
            if line.start >= end:
                break
            if id(line) in label_lines:
                continue
            if line.cells is not None:
                found = line_tokens(self.norm, line)
            else:
                found = tokenize(self.norm, line.start, line.end)
            tokens = [t for t in found if t.kind != "blank"]
            if len(tokens) == width and all(t.kind == "num" for t in tokens):
                orphans.append(tokens)
        if len(orphans) != len(labels):
            return
        for anchor, tokens in zip(labels, orphans, strict=True):
            for token in tokens:
                token.line = self.line_at(token.start)
            self.paired[anchor.key] = tokens

    def in_row_order(self, rows: list[RowTokens], widths: dict[str, int]) -> bool:
        """Whether the table is printed as its rows one after another, each label followed by its
        own numbers (on its line or on lines after it: ``lynx -dump`` and ``get_text("\\n")`` of a
        web page print every cell as a line, ``pdftotext -raw`` a wrapped label's numbers after its
        last line): every row of ``widths`` (the form's rows in order, with their counts of cells)
        is found in that order, no number stands between the header and the first label, exactly
        a row's count of numbers stands after every label before the next label (the last: before
        the table's end), and each row was read from its own stretch. Numbers printed above their
        labels would leave the first row's numbers before its label, or two rows' numbers after one
        label; a row lost would shift the rest unseen: this order has one reading. False at once
        for a table whose grid binds every row (nothing for the order to bind)."""
        if all(row.structured for row in rows):
            return False
        ordered = sorted(rows, key=lambda r: r.anchor.start)
        if [r.anchor.key for r in ordered] != list(widths):
            return False
        index = bisect.bisect_left(self.boundaries, ordered[0].anchor.start) - 1
        begin = self.boundaries[index] if index >= 0 else 0
        if any(t.kind == "num" for t in tokenize(self.norm, begin, ordered[0].anchor.start)):
            return False
        for row, after in itertools.zip_longest(ordered, ordered[1:]):
            start = row.anchor.end
            end = after.anchor.start if after is not None else self.next_boundary(start)
            # a row whose blank cells keep their places (empty lines of a cell-per-line text) prints fewer
            expected = widths[row.anchor.key]
            if any(t.kind == "blank" for t in row.tokens):
                expected = sum(1 for t in row.tokens if t.kind == "num")
            if sum(1 for t in tokenize(self.norm, start, end) if t.kind == "num") != expected:
                return False
            if not row.tokens or any(not start <= t.start < end for t in row.tokens):
                return False
        return True

    def inside_wrapped_label(self, anchor: Anchor, line: Line) -> bool:
        """Whether numbers on ``line`` are bound to ``anchor``'s row (section 三) by its label cut over
        several lines: the label's first line (and at most two lines of it with no digit) comes
        right before ``line``, and either ``line`` itself holds the end of the label before its
        numbers (pypdf, ``pdftotext -raw``), or the line after it (no digit) does (``pdftotext
        -layout`` prints the numbers level with the middle of the label). The pieces joined must
        end the label as the national form prints it, and no other row's label or a heading may
        start among those lines."""
        label_line = self.line_at(anchor.start)
        index = bisect.bisect_right(self._line_starts, line.start) - 1
        if label_line is None or index < 0 or self.lines[index] is not line or line.start <= anchor.start:
            return False
        first = self._index(label_line)
        between = [ln for ln in self.lines[first + 1 : index] if ln.text.strip()]
        if len(between) > 2 or any(re.search(r"\d", ln.text) for ln in between):
            return False
        label = "".join(CJK.findall(PRINTED_LABELS.get(anchor.key, "")))
        head = "".join("".join(CJK.findall(ln.text.split()[-1])) for ln in (label_line, *between))
        digit = re.search(r"\d", line.text)
        middle = "".join(CJK.findall(line.text[: digit.start() if digit else len(line.text)]))
        last = line
        if not (middle and label.endswith(head + middle)):  # the label does not end on the numbers' line
            after = next((ln for ln in self.lines[index + 1 :] if ln.text.strip()), None)
            if after is None or re.search(r"\d", after.text):
                return False
            rest = "".join(CJK.findall(after.text.split()[-1]))
            if not rest or not label.endswith(head + middle + rest):
                return False
            last = after
        if len(head) < 2:
            return False
        following = bisect.bisect_right(self.boundaries, anchor.start)
        return following >= len(self.boundaries) or self.boundaries[following] > last.end

    def _index(self, line: Line) -> int:
        """The position of ``line`` (one of the document's) among the lines."""
        index = bisect.bisect_right(self._line_starts, line.start) - 1
        return index if 0 <= index < len(self.lines) and self.lines[index] is line else self.lines.index(line)

    def line_at(self, offset: int) -> Line | None:
        index = bisect.bisect_right(self._line_starts, offset) - 1
        if 0 <= index < len(self.lines) and self.lines[index].start <= offset <= self.lines[index].end:
            return self.lines[index]
        return None

    def next_boundary(self, offset: int) -> int:
        index = bisect.bisect_right(self.boundaries, offset)
        return self.boundaries[index] if index < len(self.boundaries) else len(self.norm)

    def read(self, anchor: Anchor, width: int) -> RowTokens:
        line = self.line_at(anchor.start)
        if line is not None and line.cells and not _cell_holds_rows(self.norm, line, anchor):
            tokens = self._grid_cells(line, anchor, width) or self._structured(line, anchor)
            if any(_printed_value(t) for t in tokens):
                self.consumed_until = max(self.consumed_until, tokens[-1].end)
                return RowTokens(anchor.key, anchor, tokens, True)
            blanks = self._blank_cells(line, anchor)
            above = self._orphan_row_above(line, width) if len(blanks) >= width else None
            if above:
                self.moved.add(anchor.key)  # bound by order: in review
                return RowTokens(anchor.key, anchor, above, any(t.kind == "blank" for t in above))
            if len(blanks) >= width and not self._numbers_below(line, anchor):
                return RowTokens(anchor.key, anchor, blanks[:width], True)  # printed, and blank
        if anchor.key in self.paired:
            tokens = self.paired[anchor.key]
            self.consumed_until = max(self.consumed_until, tokens[-1].end)
            return RowTokens(anchor.key, anchor, tokens, False)
        limit = self.next_boundary(anchor.end)
        run = _number_run(tokenize(self.norm, anchor.end, limit))
        for token in run:
            token.line = self.line_at(token.start)
        tokens = _whole_lines(run, width)
        if 0 < len(tokens) < width and (cells := self._cells_on_lines(anchor, tokens, width)):
            self.consumed_until = max(self.consumed_until, tokens[-1].end)
            return RowTokens(anchor.key, anchor, cells, True)
        if not tokens and self.consumed_until < anchor.start:
            before = tokenize(self.norm, self.consumed_until, anchor.start)
            tokens = _trailing_run(before)
        if tokens:
            self.consumed_until = max(self.consumed_until, tokens[-1].end)
        for token in tokens:
            token.line = self.line_at(token.start)
        return RowTokens(anchor.key, anchor, tokens, False)

    def _cells_on_lines(self, anchor: Anchor, tokens: list[Token], width: int) -> list[Token] | None:
        """A row of text that prints every cell on a line of its own, a blank cell as an empty line
        (LibreOffice's text of a Word table): the ``width`` lines after the label's line hold the
        row's numbers and empty lines, each empty line a blank cell in its place, the last line the
        row's total. Only in text whose full rows show that form: two or more row labels each followed
        by exactly ``width`` lines of one number and then a line that is not one."""
        if self.doc.kind != "text" or not self._one_cell_per_line(width):
            return None
        label_line = self.line_at(anchor.end)
        if label_line is None:
            return None
        index = self._index(label_line)
        window = self.lines[index + 1 : index + 1 + width]
        if len(window) < width:
            return None
        cells: list[Token] = []
        numbers = iter(tokens)
        for line in window:
            text = self.norm[line.start : line.end]
            if not text.strip():
                cells.append(Token("blank", "", line.start, line.end, line=line))
                continue
            token = next(numbers, None)
            if token is None or text.strip() != token.text or not (line.start <= token.start < line.end):
                return None
            cells.append(token)
        if next(numbers, None) is not None or cells[-1].kind != "num":
            # empty lines after a row's last number are spacing (``get_text("\n")`` prints no line
            # for an empty cell), not cells: the total column closes every row
            return None
        return cells

    def _one_cell_per_line(self, width: int) -> bool:
        if width not in self._cell_lines:
            single = [bool(re.fullmatch(r"\s*\d[\d,.]*\s*", self.norm[x.start : x.end])) for x in self.lines]
            full_rows = 0
            run = 0
            for index, one in enumerate(single):
                run = run + 1 if one else 0
                at_end = index + 1 == len(single) or not single[index + 1]
                before = index - run
                if one and at_end and run == width and before >= 0 and self._holds_label(self.lines[before]):
                    full_rows += 1
            self._cell_lines[width] = full_rows >= 2
        return self._cell_lines[width]

    def _holds_label(self, line: Line) -> bool:
        return any(line.start <= start < line.end for start in self._label_starts)

    def _orphan_row_above(self, line: Line, width: int) -> list[Token] | None:
        """The row's numbers on the table line above, under no label of their own: a row cut at a
        page break (``5．属于三类 | 0 | 0 …`` at the foot of a page, ``内部事务信息`` with empty cells at
        the head of the next), as PDF-to-markdown and PDF-to-Word converters print it."""
        index = self._index(line)
        for above in reversed(self.lines[max(0, index - 6) : index]):
            text = self.norm[above.start : above.end]
            if not text.strip() or re.fullmatch(r"[\s|:-]*", text):
                continue  # empty lines and markdown rule lines between the two pieces
            if above.cells is None or self._holds_label(above):
                return None  # a line of its own label, or no table line
            tokens = line_tokens(self.norm, above)
            first = next((i for i, t in enumerate(tokens) if _printed_value(t)), None)
            if first is None:
                return None
            cells = tokens[first:]
            blanks_before = [t for t in tokens[:first] if t.kind == "blank"]
            cells = (blanks_before + cells)[-width:] if len(cells) < width else cells
            if len(cells) != width or any(t.kind == "text" for t in cells):
                return None
            for token in cells:
                token.line = above
            return cells
        return None

    def _numbers_below(self, line: Line, anchor: Anchor) -> bool:
        """In text split at pipes, numbers under a row of blank cells before the next label: a converter
        that cut the row in two (the label's line, then its numbers), not a blank row."""
        if self.doc.kind != "text":
            return False
        limit = self.next_boundary(anchor.end)
        if _NONE_CELL.search(self.norm, line.end, limit):  # a cell saying 无 is a value too
            return True
        return any(t.kind == "num" for t in tokenize(self.norm, line.end, limit))

    def _grid_cells(self, line: Line, anchor: Anchor, width: int) -> list[Token]:
        """The row's last ``width`` cells, blanks in place, when each holds one number or nothing.

        A table row (PDF grid, Word, HTML) binds each value to its column: a blank cell keeps its
        place, so the values after it stay in their columns. Empty when the row is not that regular.
        """
        assert line.cells is not None
        label_index = _label_cell(line, anchor)
        if self.doc.kind == "text" or label_index is None or len(line.cells) - label_index - 1 < width:
            # text split at tabs or pipes: an empty cell there is as often a lost one as a blank
            return []
        end = len(line.cells)
        spare = end - label_index - 1 - width
        if spare > 0:  # a column empty in every row of the table, after the template's: no column of it
            end -= min(spare, self._empty_last_columns(line))
        tokens = [t for t in line_tokens(self.norm, line) if t.cell_index is not None]
        by_cell: dict[int, list[Token]] = {}
        for token in tokens:
            by_cell.setdefault(token.cell_index or 0, []).append(token)
        picked: list[Token] = []
        for index in range(end - width, end):
            cell_tokens = by_cell.get(index, [])
            if len(cell_tokens) != 1 or cell_tokens[0].kind not in ("num", "blank"):
                return []
            picked.append(cell_tokens[0])
        if not any(_printed_value(t) for t in picked):
            return []
        return picked

    def _empty_last_columns(self, line: Line) -> int:
        """How many last columns of ``line``'s table are empty in every row that prints a number.

        Tables pasted from Word into web pages carry columns that show nothing (``<td width=0>``)
        after the real ones; taking a row's last cells as its columns would then read each value one
        column to the left, and a row of zeros would still add up. The table is the one the cells
        name (``Cell.ref``, Word and HTML), else the run of lines with cells around ``line``."""
        index = self._index(line)
        lo = hi = index
        table = _table_of(line)
        while lo > 0 and self.lines[lo - 1].cells and _table_of(self.lines[lo - 1]) == table:
            lo -= 1
        while hi + 1 < len(self.lines) and self.lines[hi + 1].cells and _table_of(self.lines[hi + 1]) == table:
            hi += 1
        if (lo, hi) not in self._empty_tails:
            tails = []
            for row in self.lines[lo : hi + 1]:
                cells = row.cells or []
                if not any(re.search(r"\d", c.text) for c in cells):
                    continue
                tail = 0
                while tail < len(cells) and not cells[len(cells) - 1 - tail].text.strip():
                    tail += 1
                tails.append(tail)
            self._empty_tails[(lo, hi)] = min(tails, default=0)
        return self._empty_tails[(lo, hi)]

    def _blank_cells(self, line: Line, anchor: Anchor) -> list[Token]:
        """The cells after the label when every one of them is blank (else none)."""
        assert line.cells is not None
        after = [c for c in line.cells if c.start > anchor.end or (c.start >= anchor.end and c.text == "")]
        tokens = [Token("blank", _none_word(self.norm, c), c.start, c.end, line=line) for c in after]
        if any(c.text.strip() and self.norm[c.start : c.end].strip() not in BLANK_MARKS | {NONE_WORD} for c in after):
            return []
        return tokens

    def _structured(self, line: Line, anchor: Anchor) -> list[Token]:
        assert line.cells is not None
        label_index = _label_cell(line, anchor) or 0
        label_cell = line.cells[label_index]
        # numbers closing the label cell itself: a cell border the loader did not see
        in_label = tokenize(self.norm, anchor.end, label_cell.end, line, label_index)
        trailing = _trailing_run(in_label) if in_label and in_label[-1].kind == "num" else []
        tokens: list[Token] = []
        for token in line_tokens(self.norm, line, label_cell.end):
            if token.cell_index is not None and token.cell_index <= label_index:
                continue
            tokens.append(token)
        # text cells before the first number continue the label; text after ends the row
        while tokens and not _printed_value(tokens[0]):
            tokens.pop(0)
        tokens = trailing + tokens
        if trailing:  # no wall stands between the label and this number: its column is a guess
            self.unwalled.add(anchor.key)
        for index, token in enumerate(tokens):
            if token.kind == "text":
                tokens = tokens[:index]
                break
        while tokens and tokens[-1].kind == "blank" and not _printed_value(tokens[-1]):
            tokens.pop()
        return tokens


def _cell_holds_rows(norm: str, line: Line, anchor: Anchor) -> bool:
    """The label's cell goes on with the row's numbers and then another row's label: one cell holds
    several rows of the table (a PDF-to-Word converter drew one cell round it), so its walls bind
    nothing and the row is read as text."""
    index = _label_cell(line, anchor)
    if index is None:
        return False
    assert line.cells is not None
    end = line.cells[index].end
    first = next((t for t in tokenize(norm, anchor.end, end) if t.kind == "num"), None)
    if first is None:
        return False
    return any(key != anchor.key and pattern.search(norm, first.end, end) for key, pattern in APPLICATION_RE.items())


def _printed_value(token: Token) -> bool:
    """A number, or a cell that says 无 in its place: either is a value the row prints."""
    return token.kind == "num" or (token.kind == "blank" and token.text == NONE_WORD)


def _none_word(norm: str, cell: Cell) -> str:
    """``NONE_WORD`` where the cell says it, else nothing: the text of a blank token."""
    return NONE_WORD if norm[cell.start : cell.end].strip() == NONE_WORD else ""


def _table_of(line: Line) -> str | None:
    """The table a line's cells name (``table 2`` of ``table 2 row 5 col 3``), if they name one."""
    ref = line.cells[0].ref if line.cells else None
    return ref.split(" row ")[0] if ref else None


def _label_cell(line: Line, anchor: Anchor) -> int | None:
    """The index of the cell of ``line`` that holds the label's start."""
    assert line.cells is not None
    return next((i for i, c in enumerate(line.cells) if c.start <= anchor.start < max(c.end, c.start + 1)), None)


def _number_run(tokens: list[Token]) -> list[Token]:
    """Numbers after a label: text before them continues the label, text after ends the row."""
    run: list[Token] = []
    for token in tokens:
        if _printed_value(token):
            run.append(token)
        elif token.kind == "text" and run:
            break
    return run


def _whole_lines(run: list[Token], width: int) -> list[Token]:
    """A run across lines ends at the first line break once it holds a row's worth of numbers.

    Numbers of the next row printed before its label would otherwise join this row.
    """
    kept: list[Token] = []
    for index, token in enumerate(run):
        kept.append(token)
        nxt = run[index + 1] if index + 1 < len(run) else None
        if len(kept) >= width and nxt is not None and token.line is not nxt.line:
            break
    return kept


def _trailing_run(tokens: list[Token]) -> list[Token]:
    run: list[Token] = []
    for token in reversed(tokens):
        if token.kind == "num":
            run.insert(0, token)
        elif token.kind == "text" and run:
            break
    return run
