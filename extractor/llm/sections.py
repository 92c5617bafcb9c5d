"""The text sent for each section: the parser's span, else a keyword window.

The parser's windows never overlap (``parse._record_sections``), so no text is sent
twice. The fallback window starts at a heading or an anchor of the section (several
candidates: a report names its sections in the introduction too, and some put
one table inside another) and ends at the next section's heading; the
candidate holding the most of the section's row labels wins, less any part the
parser's windows already send.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from extractor.document import Document
from extractor.llm.grounding import ACTIVE_ITEM_KEYS, APPLICATION_ROW_KEYS, CompactText
from extractor.llm.types import SectionName, SectionText
from extractor.parse.outcome import ParseOutcome

MAX_SECTION_CHARS = 6000
HEAD_CHARS = 1500
TAIL_CHARS = 600
TEMPLATE_CHARS = 300

_STARTS: dict[str, tuple[str, ...]] = {
    "active_disclosure": (r"主动公开政府信息情况", r"第二十条第[（(]一[)）]项"),
    "applications": (r"收到和处理政府信息公开申请情况", r"本列数据的勾稽关系", r"申请人情况"),
    "reviews_and_lawsuits": (r"行政复议[、，]?\s*行政诉讼情况", r"行政复议\s*行政诉讼"),
}
_ENDS: dict[str, tuple[str, ...]] = {
    "active_disclosure": (r"[三3][、.．]\s*收到和处理", r"[四4][、.．]\s*政府信息公开行政复议"),
    "applications": (r"[四4][、.．]\s*政府信息公开行政复议", r"[五5][、.．]\s*存在的主要问题"),
    "reviews_and_lawsuits": (r"[五5][、.．]\s*存在的主要问题", r"[六6][、.．]\s*其他需要报告"),
}
_LABELS: dict[str, tuple[str, ...]] = {
    "active_disclosure": tuple(k[0] for k in ACTIVE_ITEM_KEYS.values()),
    "applications": tuple(k[0] for k in APPLICATION_ROW_KEYS.values()),
    "reviews_and_lawsuits": ("结果维持", "结果纠正", "尚未审结", "未经复议", "复议后起诉"),
}
# table headers: prose that names the section's items rarely prints these
_MARKERS: dict[str, tuple[str, ...]] = {
    "active_disclosure": ("信息内容", "处理决定数量", "现行有效件数", "对外公开总数量", "收费金额", "上一年项目数量"),
    "applications": ("申请人情况", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构"),
    "reviews_and_lawsuits": ("其他结果", "总计"),
}


def section_text(document: Document, parsed: ParseOutcome | None, section: SectionName) -> SectionText:
    """The span the parser read the section from, or the best keyword window."""
    text = document.text
    span = parsed.sections.get(section) if parsed else None
    has_span = span is not None and 0 <= span.start < span.end <= len(text)
    if section == "metadata":
        if parsed is not None and has_span:
            return _metadata_from_parser(document, parsed)
        return _metadata_text(document, (0, min(len(text), HEAD_CHARS)), "head_and_tail")
    if span is not None and has_span:
        return SectionText(section, text[span.start : span.end], ((span.start, span.end),), "parser_span")
    window = keyword_window(text, section)
    if window is not None and parsed is not None:
        window = _outside_parser_windows(window, parsed) or window
    if window is None:
        end = min(len(text), MAX_SECTION_CHARS)
        return SectionText(section, text[:end], ((0, end),), "whole_document")
    return SectionText(section, text[window[0] : window[1]], (window,), "keyword_window")


def _outside_parser_windows(window: tuple[int, int], parsed: ParseOutcome) -> tuple[int, int] | None:
    """The longest part of ``window`` that no parser window covers (those texts are sent already)."""
    free = [window]
    for span in parsed.sections.values():
        free = [
            piece
            for start, end in free
            for piece in ((start, min(end, span.start)), (max(start, span.end), end))
            if piece[1] > piece[0]
        ]
    return max(free, key=lambda piece: piece[1] - piece[0], default=None)


def _metadata_from_parser(document: Document, parsed: ParseOutcome) -> SectionText:
    """Metadata from the parser's windows: the head before the first table and the tail after the last.

    They overlap no other section's window. The start of section 二 (its headers tell the template) is
    added only when the parser could not tell the template and has no window for section 二.
    """
    text = document.text
    pieces = [(span.start, span.end) for name in ("metadata", "metadata_tail") if (span := parsed.sections.get(name))]
    if parsed.template is None and "active_disclosure" not in parsed.sections:
        active = keyword_window(text, "active_disclosure")
        if active:
            pieces.append((active[0], min(active[1], active[0] + TEMPLATE_CHARS)))
    merged = _merge(p for p in pieces if 0 <= p[0] < p[1] <= len(text))
    joined = SectionText.SEPARATOR.join(text[a:b] for a, b in merged)
    return SectionText("metadata", joined, tuple(merged), "parser_span")


def _merge(pieces: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(pieces):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _metadata_text(document: Document, head: tuple[int, int], origin: str) -> SectionText:
    """Metadata: the title block, the start of section 2 (its headers tell the template), the signature."""
    text = document.text
    pieces = [head]
    active = keyword_window(text, "active_disclosure")
    if active:
        pieces.append((active[0], min(active[1], active[0] + TEMPLATE_CHARS)))
    pieces.append((max(0, len(text) - TAIL_CHARS), len(text)))
    merged = _merge(pieces)
    joined = SectionText.SEPARATOR.join(text[a:b] for a, b in merged)
    return SectionText("metadata", joined, tuple(merged), origin)  # type: ignore[arg-type]


def keyword_window(text: str, section: str) -> tuple[int, int] | None:
    starts = sorted({m.start() for pattern in _STARTS[section] for m in re.finditer(pattern, text)})
    if not starts:
        return None
    best: tuple[int, int, int, int] | None = None  # (score, -length, start, end)
    for start in starts:
        end = min(len(text), start + MAX_SECTION_CHARS)
        for pattern in _ENDS[section]:
            match = re.compile(pattern).search(text, start + 1)
            if match and match.start() < end:
                end = match.start()
        compact = CompactText(text[start:end]).text
        labels = sum(label in compact for label in _LABELS[section])
        markers = sum(marker in compact for marker in _MARKERS[section])
        candidate = (labels + 3 * markers if labels else 0, start - end, start, end)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    assert best is not None
    return (best[2], best[3]) if best[0] > 0 else None
