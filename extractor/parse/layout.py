"""Where things are: section headings, table row anchors, and the tokens after them.

Everything here works on the normalised document text (same offsets as the
original), so matches are spans of the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractor.document import Document, Line
from extractor.parse.normalize import normalize, parse_number


def loose(word: str) -> str:
    """A regex for ``word`` that tolerates white space and cell walls between its characters.

    Labels come out of PDFs one character per line; markdown and OCR add spaces; PDF-to-markdown
    converters cut a wide label cell into two pipe cells (``|一、本年新|收政府信息公开申请数量|``);
    pypdf moves the quotes of “三安全一稳定” into the words (``危“及 三安全一”稳定``).
    """
    return r"[\s|“”\"]*".join(re.escape(ch) for ch in word)


# a heading run into the text before it (a page dumped as one line): after a sentence or a number
_AFTER_SENTENCE = r"(?<=[。；！？)\d])"
_HEAD = rf"(?m)(?:^|{_AFTER_SENTENCE})[\s#|*]*"

# Section headings: the numeral and the keywords that tell them apart from the
# table rows that also start with 一、 二、 三、 四、.
SECTION_PATTERNS: dict[str, re.Pattern[str]] = {
    "general": re.compile(rf"{_HEAD}{loose('一')}\s*[、.,]\s*{loose('总体情况')}"),
    "active_disclosure": re.compile(rf"{_HEAD}{loose('二')}\s*[、.,]\s*{loose('主动公开政府信息')}"),
    "applications": re.compile(rf"{_HEAD}{loose('三')}\s*[、.,]\s*{loose('收到和处理政府信息公开申请')}"),
    "reviews_and_lawsuits": re.compile(
        rf"{_HEAD}{loose('四')}\s*[、.,]\s*(?:(?!结转)[^\n]){{0,30}}?(?:{loose('行政复议')}|{loose('行政诉讼')})"
    ),
    "problems": re.compile(rf"{_HEAD}{loose('五')}\s*[、.,]\s*[^\n]{{0,12}}?{loose('存在')}"),
    "other": re.compile(rf"{_HEAD}{loose('六')}\s*[、.,]\s*[^\n]{{0,6}}?{loose('其他需要报告')}"),
}


def _bracketed(pattern: re.Pattern[str], numeral: str) -> re.Pattern[str]:
    """The same heading numbered （三） instead of 三、."""
    return re.compile(pattern.pattern.replace(f"{numeral}\\s*[、.,]", rf"\(\s*{numeral}\s*\)\s*[、.,]?", 1))


# fallbacks, each used only when the forms before it are not there: headings numbered （三）
# (section 一 may use those for its own subsections, hence not first), then with no numeral
FALLBACK_PATTERNS: dict[str, list[re.Pattern[str]]] = {
    "active_disclosure": [
        _bracketed(SECTION_PATTERNS["active_disclosure"], "二"),
        re.compile(rf"{_HEAD}{loose('主动公开政府信息情况')}"),
    ],
    "applications": [
        _bracketed(SECTION_PATTERNS["applications"], "三"),
        re.compile(rf"{_HEAD}{loose('收到和处理政府信息公开申请')}"),
    ],
    "reviews_and_lawsuits": [_bracketed(SECTION_PATTERNS["reviews_and_lawsuits"], "四")],
    "problems": [_bracketed(SECTION_PATTERNS["problems"], "五")],
    "other": [_bracketed(SECTION_PATTERNS["other"], "六")],
}


@dataclass(slots=True)
class Sections:
    starts: dict[str, int]
    length: int

    def tables_span(self) -> tuple[int, int]:
        """From the first table section heading to the problems section (or the end)."""
        firsts = [self.starts[k] for k in ("active_disclosure", "applications") if k in self.starts]
        start = min(firsts) if firsts else 0
        end = self.starts.get("problems", self.length)
        if end <= start:
            end = self.length
        return start, end

    def span(self, name: str) -> tuple[int, int] | None:
        if name not in self.starts:
            return None
        start = self.starts[name]
        later = [pos for pos in self.starts.values() if pos > start]
        return start, min(later) if later else self.length


def find_sections(norm: str) -> Sections:
    starts: dict[str, int] = {}
    for name, pattern in SECTION_PATTERNS.items():
        # the heading is the first match after the previous heading, where one exists
        match = pattern.search(norm)
        for fallback in FALLBACK_PATTERNS.get(name, []):
            if match is not None:
                break
            match = fallback.search(norm)
        if match:
            starts[name] = match.start()
    # a heading of section 4 must come after section 3's heading
    if "reviews_and_lawsuits" in starts and "applications" in starts:
        later = [
            m.start()
            for m in SECTION_PATTERNS["reviews_and_lawsuits"].finditer(norm)
            if m.start() > starts["applications"]
        ]
        if later:
            starts["reviews_and_lawsuits"] = later[0]
    return Sections(starts, len(norm))


@dataclass(slots=True)
class Token:
    """One piece of a table region: a number, a blank cell, or text."""

    kind: str  # "num", "blank", "text"
    text: str
    start: int
    end: int
    value: int | float | None = None
    unit: str | None = None  # 元, 万元, 个, 件 ... printed after a number
    line: Line | None = None
    cell_index: int | None = None
    misread: bool = False  # read as a number from something that is not quite one (OCR)

    @property
    def confidence(self) -> float:
        """The loader's confidence in the text this token came from (OCR), 1.0 for text layers."""
        if self.line is None:
            return 1.0
        if self.line.cells is not None and self.cell_index is not None and self.cell_index < len(self.line.cells):
            return min(self.line.cells[self.cell_index].confidence, self.line.confidence)
        return self.line.confidence


BLANK_MARKS = frozenset({"", "-", "/", "—"})  # a table cell that prints no number (normalised: — is -)
NONE_WORD = "无"  # a table cell that says "none" instead of printing 0
# 无 with nothing but white space or a cell wall on either side
_STANDS_ALONE = re.compile(rf"(?<![^\s|]){NONE_WORD}(?=[\s|]|$)")
_WALLS = re.compile(r"[\s|]*")


def _none_cell(segment: str, pos: int) -> bool:
    """Whether the 无 at ``pos`` is a cell of a row: standing alone, with a number or another 无 cell
    next to it (text that spaces out its characters prints labels as ``4. 无 正 当 理 由``)."""
    if not _STANDS_ALONE.match(segment, pos):
        return False
    after = _WALLS.match(segment, pos + 1)
    nxt = segment[after.end()] if after and after.end() < len(segment) else ""
    before = segment[:pos].rstrip(" \t\n|")
    prev = before[-1:] if before else ""
    return nxt.isdigit() or nxt == NONE_WORD or nxt == "" or prev.isdigit() or prev == NONE_WORD


# a number, with an optional unit right after it
_NUM_RE = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
_UNIT_RE = re.compile(r"\s*(万元|亿元|元|个|件|项|条|次|家|份|人次|宗)")
_NOTE_RE = re.compile(r"\((?:其中|含|包括|注)[^)]{0,40}\)")
# on the number's own line: a line that starts with 、 or 年 (a label printed down the page, one
# character a line: 三 / 、 / 本 / 年) does not make the number at the end of the line before an ordinal or a date
_ENUM_AFTER = re.compile(r"[ \t]*[.、]\s*(?=[\u4e00-\u9fff(“\"])")
_DATE_AFTER = re.compile(r"[ \t]*(?:年|月|日|号|季度|%)")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def tokenize(norm: str, start: int, end: int, line: Line | None = None, cell_index: int | None = None) -> list[Token]:
    """Tokens of ``norm[start:end]``: numbers (with units), and the text between them."""
    tokens: list[Token] = []
    segment = norm[start:end]
    notes = [(m.start(), m.end()) for m in _NOTE_RE.finditer(segment)]
    pos = 0
    text_start: int | None = None

    def flush_text(upto: int) -> None:
        nonlocal text_start
        if text_start is not None:
            piece = segment[text_start:upto]
            if (piece.strip() and _CJK.search(piece)) or re.search(r"[A-Za-z]", piece or ""):
                tokens.append(
                    Token("text", piece.strip(), start + text_start, start + upto, line=line, cell_index=cell_index)
                )
            text_start = None

    while pos < len(segment):
        note = next((n for n in notes if n[0] == pos), None)
        if note:
            flush_text(pos)
            pos = note[1]
            continue
        if segment[pos] == NONE_WORD and _none_cell(segment, pos):
            # 无 as a cell of its own between spaces or on its own line (lynx, get_text("\n")): a value
            flush_text(pos)
            tokens.append(Token("blank", NONE_WORD, start + pos, start + pos + 1, line=line, cell_index=cell_index))
            pos += 1
            continue
        match = _NUM_RE.match(segment, pos)
        prev = segment[pos - 1] if pos else ""
        if match and not (prev.isdigit() or prev == "."):
            after = norm[start + match.end() : start + match.end() + 12]  # may look past the segment
            glued = match.group()
            if _ENUM_AFTER.match(after) and len(glued) >= 2 and glued.isdigit() and glued[-1] in "12345678":
                # a row label's ordinal glued to the previous row's digits (web dumps: ``00000002.其他法律``):
                # the last digit is the ordinal (the table's go from 1 to 8), the digits before it are the numbers
                match = _NUM_RE.match(segment[: pos + len(glued) - 1], pos)
                assert match is not None
                after = norm[start + match.end() : start + match.end() + 12]
            is_enum = bool(_ENUM_AFTER.match(after)) and "." not in match.group() and len(match.group()) <= 2
            is_date = bool(_DATE_AFTER.match(after))
            before = segment[max(0, pos - 2) : pos]
            is_ordinal = before.endswith("第")
            if not (is_enum or is_date or is_ordinal):
                # a minus sign after a space, or glued to the digits of the cell before (``22-2``)
                negative = prev == "-" and (pos < 2 or segment[pos - 2] in " \t|\n" or segment[pos - 2].isdigit())
                flush_text(pos - 1 if negative else pos)
                unit_match = _UNIT_RE.match(segment, match.end())
                unit = unit_match.group(1) if unit_match else None
                value = parse_number(match.group())
                if negative and value is not None:
                    value = -value
                tokens.append(
                    Token(
                        "num",
                        match.group(),
                        start + pos - (1 if negative else 0),
                        start + match.end(),
                        value,
                        unit,
                        line,
                        cell_index,
                    )
                )
                pos = unit_match.end() if unit_match else match.end()
                continue
            if text_start is None:
                text_start = pos
            pos = match.end()
            continue
        if text_start is None and not segment[pos].isspace():
            text_start = pos
        pos += 1
    flush_text(len(segment))
    return tokens


OCR_DIGIT_LOOKALIKES = {"o": 0, "O": 0, "一": 1, "l": 1, "I": 1, "丨": 1}


def line_tokens(norm: str, line: Line, from_offset: int | None = None) -> list[Token]:
    """Tokens of a line of cells: one token run per cell, and a blank token for an empty cell."""
    assert line.cells is not None
    lo = line.start if from_offset is None else max(line.start, from_offset)
    tokens: list[Token] = []
    for index, cell in enumerate(line.cells):
        if cell.end <= lo and cell.start < lo:
            continue
        printed = norm[cell.start : cell.end].strip()
        if not cell.text.strip() or printed in BLANK_MARKS:
            tokens.append(Token("blank", "", cell.start, cell.end, line=line, cell_index=index))
            continue
        if printed == NONE_WORD:  # a cell that says "none" in words: no number, read as 0 and in review
            tokens.append(Token("blank", NONE_WORD, cell.start, cell.end, line=line, cell_index=index))
            continue
        lookalike = OCR_DIGIT_LOOKALIKES.get(norm[cell.start : cell.end].strip())
        if lookalike is not None:  # OCR read a number cell's lone digit as a letter or a Chinese numeral
            digit = str(lookalike)
            tokens.append(Token("num", digit, cell.start, cell.end, lookalike, None, line, index, misread=True))
            continue
        tokens.extend(tokenize(norm, max(cell.start, lo), cell.end, line, index))
    return tokens


_FOOTER_LINE = re.compile(r"(?m)^[ \t]*[-—–][ \t]*\d{1,3}[ \t]*[-—–][ \t]*$|^[ \t]*第[ \t]*\d{1,3}[ \t]*页.*$")


def document_norm(doc: Document) -> str:
    """The normalised document text, with page footers (``- 3 -``, ``第3页``) blanked out."""
    norm = normalize(doc.text).replace("\f", "\n")  # a page break also ends a line
    norm = _LINE_BREAK_TAG.sub(lambda m: " " * len(m.group()), norm)  # markdown converters' <br> in a cell
    return _FOOTER_LINE.sub(lambda m: " " * len(m.group()), norm)


_LINE_BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
