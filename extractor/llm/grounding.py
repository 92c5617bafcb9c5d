"""Grounding: is a number the LLM returned printed in the section text, near its label?

Labels are found in a compact copy of the text (no whitespace, half-width
brackets), so labels broken over lines still match; numbers are read from the
original text between one row label and the next, with digits normalised
(full-width, thousands separators) and enumerators such as ``1.`` or ``（三）``
left out. When the row prints exactly as many numbers as the template has
cells, a value must sit at its own cell (``EXACT``); when it prints more or
fewer (lost or stray cells), it must be among them (``FUZZY``). Anything else is
``NOT_FOUND``: never accepted.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from extractor.llm.types import Grounding, GroundResult, SectionText
from extractor.report import Value
from extractor.template import (
    ACTIVE_DISCLOSURE,
    APPLICANT_COLUMNS,
    APPLICATION_ROW_LABELS,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    TemplateName,
)

# distinctive part of each applications row label, as it appears in compact text
APPLICATION_ROW_KEYS: dict[str, tuple[str, ...]] = {
    "new_received": ("本年新收",),
    "carried_over": ("上年结转",),
    "granted": ("予以公开",),
    "partially_granted": ("部分公开",),
    "denied_state_secret": ("国家秘密",),
    "denied_prohibited_by_law": ("禁止公开",),
    "denied_security_stability": ("三安全一稳定", "三安全"),
    "denied_third_party": ("第三方合法权益", "第三方"),
    "denied_internal_affairs": ("内部事务",),
    "denied_process_info": ("过程性信息",),
    "denied_enforcement_file": ("行政执法案卷", "执法案卷"),
    "denied_inquiry": ("行政查询",),
    "unavailable_not_held": ("不掌握",),
    "unavailable_needs_creation": ("另行制作",),
    "unavailable_unclear": ("仍不明确",),
    "rejected_petition": ("信访举报",),
    "rejected_duplicate": ("重复申请",),
    "rejected_publication": ("公开出版物",),
    "rejected_excessive": ("大量反复",),
    "rejected_confirmation": ("重新出具",),
    "other_no_correction": ("逾期不补正",),
    "other_unpaid_fee": ("缴纳费用",),
    "other_other": ("3.其他",),
    "other_handling": ("其他处理",),
    "total_processed": ("七)总计",),
    "carried_forward": ("结转下年",),
}
ACTIVE_ITEM_KEYS: dict[str, tuple[str, ...]] = {
    "regulations": ("规章",),
    "normative_documents": ("规范性文件",),
    "licensing": ("行政许可",),
    "other_services": ("对外管理服务",),
    "penalty": ("行政处罚",),
    "coercion": ("行政强制",),
    "fees": ("事业性收费",),
    "procurement": ("集中采购",),
}
TEMPLATE_MARKERS: dict[TemplateName, tuple[str, ...]] = {
    "2021": ("本年制发件数", "本年新制发件数", "本年废止件数", "现行有效件数", "收费金额"),
    "2019": ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量"),
}
REVIEW_COLUMN_LABELS_ZH = {
    "upheld": "结果维持",
    "corrected": "结果纠正",
    "other": "其他结果",
    "pending": "尚未审结",
    "total": "总计",
}
ROW_WINDOW = 400  # characters after a label, at most, that can hold its numbers

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，（）－", "0123456789.,()-")
_NUMBER = re.compile(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?")
# enumerators and article references that are not data: "1." "2、" "(三)" "第二十条第(一)项"
_NOT_DATA = re.compile(r"(?<![\d.])\d{1,2}\s*[.、](?![\d])|\([一二三四五六七八九十]+\)|第[一二三四五六七八九十]+[条项]")


def normalise(text: str) -> str:
    """Full-width digits and punctuation to ASCII; one character for one, so offsets hold."""
    return text.translate(_FULL_WIDTH)


def parse_number(text: str) -> float | None:
    """``"1,234"``, ``"１２３"``, ``"5840.5495"`` -> a float; anything else -> None."""
    cleaned = normalise(text).replace(",", "").strip()
    try:
        return float(cleaned)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class PrintedNumber:
    value: float
    start: int  # offset in the section text
    end: int
    text: str


def numbers_in(text: str, start: int = 0, end: int | None = None) -> list[PrintedNumber]:
    """Numbers printed in ``text[start:end]``, enumerators left out."""
    window = normalise(text[start:end])
    masked = _NOT_DATA.sub(lambda m: " " * len(m.group(0)), window)
    found = []
    for match in _NUMBER.finditer(masked):
        value = parse_number(match.group(0))
        if value is not None:
            found.append(PrintedNumber(value, start + match.start(), start + match.end(), match.group(0)))
    return found


class CompactText:
    """``text`` without whitespace and with half-width brackets, mapped back to offsets."""

    def __init__(self, text: str) -> None:
        chars: list[str] = []
        offsets: list[int] = []
        for i, ch in enumerate(normalise(text)):
            if ch.isspace() or ch == "|":
                continue
            chars.append(ch)
            offsets.append(i)
        self.text = "".join(chars)
        self.offsets = offsets
        self.length = len(text)

    def find(self, needle: str, start: int = 0) -> tuple[int, int] | None:
        """Span in the original text of the first ``needle`` at or after original offset ``start``."""
        compact_start = next((i for i, off in enumerate(self.offsets) if off >= start), len(self.offsets))
        pos = self.text.find(normalise(needle).replace(" ", ""), compact_start)
        if pos < 0:
            return None
        last = pos + len(needle.replace(" ", "")) - 1
        return self.offsets[pos], self.offsets[last] + 1


def _aligned(printed: list[PrintedNumber], index: int, cells: int) -> list[PrintedNumber]:
    """Where cell ``index`` of ``cells`` can be when more or fewer numbers are printed.

    Cells keep their order: with extra numbers (stray cells) the value sits at
    most that many places after its index; with lost cells, at most that many before.
    """
    extra = len(printed) - cells
    lo, hi = (index, index + extra + 1) if extra > 0 else (max(0, index + extra), index + 1)
    return printed[lo:hi]


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


class Grounder:
    """Grounds the values of one section against its text."""

    def __init__(self, section: SectionText, template: TemplateName | None, document_text: str = "") -> None:
        self.section = section
        self.template = template
        self.document_text = document_text
        self.compact = CompactText(section.text)
        self._rows = self._locate(APPLICATION_ROW_KEYS)
        self._items = self._locate(ACTIVE_ITEM_KEYS)
        # a window ends at the next label of either table (some reports print one inside the other)
        self._label_starts = sorted(start for start, _ in [*self._rows.values(), *self._items.values()])

    # -- label positions -------------------------------------------------
    def _locate(self, keys: dict[str, tuple[str, ...]]) -> dict[str, tuple[int, int]]:
        """First match of each label, searched in template order after the previous one."""
        spans: dict[str, tuple[int, int]] = {}
        cursor = 0
        for name, needles in keys.items():
            span = None
            for needle in needles:
                span = self.compact.find(needle, cursor) or self.compact.find(needle)
                if span:
                    break
            if span:
                spans[name] = span
                cursor = span[0]
        return spans

    def _window(self, spans: dict[str, tuple[int, int]], name: str) -> tuple[int, int] | None:
        if name not in spans:
            return None
        start = spans[name][1]
        following = [s for s in self._label_starts if s >= start]
        end = min([*following, start + ROW_WINDOW, len(self.section.text)])
        return start, end

    # -- grounding -------------------------------------------------------
    def ground(self, key: str, value: Value) -> GroundResult:
        if value is None:
            return GroundResult(Grounding.NOT_FOUND, "no value")
        parts = key.split(".")
        if parts[0] == "applications" and len(parts) == 3:
            return self._ground_cells(
                self._rows, parts[1], APPLICANT_COLUMNS, parts[2], value, APPLICATION_ROW_LABELS.get(parts[1], parts[1])
            )
        if parts[0] == "active_disclosure" and len(parts) == 3 and self.template:
            layout = ACTIVE_DISCLOSURE[self.template].get(parts[1])
            if layout is None:
                return GroundResult(Grounding.NOT_FOUND, f"{parts[1]} is not an item of template {self.template}")
            return self._ground_cells(self._items, parts[1], layout[1], parts[2], value, layout[0])
        if parts[0] == "reviews_and_lawsuits" and len(parts) == 3:
            return self._ground_reviews(parts[1], parts[2], value)
        if key in ("organization", "year", "published_on", "template"):
            return self._ground_metadata(key, value)
        return GroundResult(Grounding.NOT_FOUND, f"no grounding rule for {key}")

    def _number(self, value: Value) -> float | None:
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            return float(value)
        if isinstance(value, str):
            return parse_number(value)
        return None

    def _result(self, status: Grounding, reason: str, printed: PrintedNumber | None = None) -> GroundResult:
        if printed is None:
            return GroundResult(status, reason)
        start = self.section.document_offset(printed.start)
        end = self.section.document_offset(printed.end)
        return GroundResult(status, reason, start, end, printed.text)

    def _span_result(self, status: Grounding, reason: str, span: tuple[int, int]) -> GroundResult:
        start, end = span
        printed = self.section.text[start:end]
        return GroundResult(
            status, reason, self.section.document_offset(start), self.section.document_offset(end), printed
        )

    def _ground_cells(
        self,
        spans: dict[str, tuple[int, int]],
        row: str,
        columns: tuple[str, ...],
        column: str,
        value: Value,
        label: str,
    ) -> GroundResult:
        number = self._number(value)
        if number is None:
            return GroundResult(Grounding.NOT_FOUND, f"{value!r} is not a number")
        window = self._window(spans, row)
        if window is None:
            return GroundResult(Grounding.NOT_FOUND, f"label 「{label}」 not found in the section text")
        printed = numbers_in(self.section.text, *window)
        wanted = [number]
        if column == "amount_yuan" and "万元" in self.section.text[window[0] : window[1]]:
            wanted.append(number / 10000)  # printed in 万元, reported in 元
        if column in columns and len(printed) == len(columns):
            cell = printed[columns.index(column)]
            if any(_same(cell.value, w) for w in wanted):
                return self._result(Grounding.EXACT, f"printed at its cell after 「{label}」", cell)
            row_text = " ".join(p.text for p in printed)
            return GroundResult(
                Grounding.NOT_FOUND,
                f"the row 「{label}」 prints {row_text}; its {column} cell is {cell.text}, not {_fmt(number)}",
            )
        # more or fewer numbers than cells: cells keep their order, so the value of cell i sits
        # at most (extra) places after i, or (lost) places before it
        candidates = _aligned(printed, columns.index(column), len(columns)) if column in columns else printed
        for candidate in candidates:
            if any(_same(candidate.value, w) for w in wanted):
                return self._result(Grounding.FUZZY, f"printed near 「{label}」", candidate)
        row_text = " ".join(p.text for p in printed) or "no numbers"
        return GroundResult(
            Grounding.NOT_FOUND, f"{_fmt(number)} is not printed near 「{label}」 (it prints {row_text})"
        )

    def _review_numbers(self) -> list[PrintedNumber]:
        """The numbers after the last column header (总计), else all of the section's."""
        last = self.compact.text.rfind("总计")
        if last >= 0:
            after = numbers_in(self.section.text, self.compact.offsets[last] + len("总计"))
            if after:
                return after
        return numbers_in(self.section.text)

    def _ground_reviews(self, group: str, column: str, value: Value) -> GroundResult:
        number = self._number(value)
        if number is None:
            return GroundResult(Grounding.NOT_FOUND, f"{value!r} is not a number")
        if group not in REVIEW_GROUPS or column not in REVIEW_COLUMNS:
            return GroundResult(Grounding.NOT_FOUND, f"no cell {group}.{column}")
        printed = self._review_numbers()
        label = f"{REVIEW_GROUPS[group]}/{REVIEW_COLUMN_LABELS_ZH[column]}"
        expected = len(REVIEW_GROUPS) * len(REVIEW_COLUMNS)
        index = list(REVIEW_GROUPS).index(group) * len(REVIEW_COLUMNS) + REVIEW_COLUMNS.index(column)
        if len(printed) == expected:
            cell = printed[index]
            if _same(cell.value, number):
                return self._result(Grounding.EXACT, f"printed at its cell ({label})", cell)
            return GroundResult(Grounding.NOT_FOUND, f"the table prints {cell.text} at {label}, not {_fmt(number)}")
        for candidate in _aligned(printed, index, expected):
            if _same(candidate.value, number):
                return self._result(Grounding.FUZZY, f"printed in the section ({label})", candidate)
        return GroundResult(Grounding.NOT_FOUND, f"{_fmt(number)} is not printed where {label} can be")

    def _ground_metadata(self, key: str, value: Value) -> GroundResult:
        text = self.compact.text
        if key == "organization":
            name = normalise(str(value)).replace(" ", "")
            span = self.compact.find(name) if name else None
            if span:
                return self._span_result(Grounding.EXACT, "printed", span)
            for suffix in ("人民政府", "人民政府办公室"):
                stem = name.removesuffix(suffix)
                if stem != name and len(stem) >= 2 and (span := self.compact.find(stem)):
                    return self._span_result(Grounding.FUZZY, f"{stem} printed (body named by convention)", span)
            return GroundResult(Grounding.NOT_FOUND, f"「{value}」 is not printed")
        if key == "year":
            number = self._number(value)
            if number is None or not number.is_integer():
                return GroundResult(Grounding.NOT_FOUND, f"{value!r} is not a year")
            year = str(int(number))
            for needle, status in ((f"{year}年", Grounding.EXACT), (year, Grounding.FUZZY)):
                if span := self.compact.find(needle):
                    return self._span_result(status, f"{needle} printed", span)
            return GroundResult(Grounding.NOT_FOUND, f"{year} is not printed")
        if key == "published_on":
            match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", str(value))
            if not match:
                return GroundResult(Grounding.NOT_FOUND, f"{value!r} is not a YYYY-MM-DD date")
            y, m, d = match.group(1), int(match.group(2)), int(match.group(3))
            pattern = re.compile(rf"{y}(?:年0?{m}月0?{d}日|[.\-/]0?{m}[.\-/]0?{d}(?!\d))")
            if found := pattern.search(text):
                span = (self.compact.offsets[found.start()], self.compact.offsets[found.end() - 1] + 1)
                return self._span_result(Grounding.EXACT, "date printed", span)
            return GroundResult(Grounding.NOT_FOUND, f"the date {value} is not printed")
        if key == "template":
            haystack = normalise(self.document_text or self.section.text)
            hits = {name: any(m in haystack for m in markers) for name, markers in TEMPLATE_MARKERS.items()}
            if value in ("2021", "2019") and hits[value]:  # type: ignore[index]
                status = Grounding.EXACT if sum(hits.values()) == 1 else Grounding.FUZZY
                return GroundResult(status, f"section 2 headers of template {value} printed")
            return GroundResult(Grounding.NOT_FOUND, f"no section 2 header of template {value!r} is printed")
        return GroundResult(Grounding.NOT_FOUND, f"no grounding rule for {key}")
