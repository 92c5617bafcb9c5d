"""The rule-based parser: a ``Document`` in, every field of the report out.

Path of a report through here: normalise the text (offsets kept) -> find the
section headings -> find every row label of the three tables -> read the
numbers after each label (cells where the loader gave them) -> choose the
reading of ambiguous rows with the tally identities -> metadata.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

from extractor.document import Document
from extractor.parse.anchors import Anchor
from extractor.parse.layout import NONE_WORD, document_norm, find_sections
from extractor.parse.metadata import read_metadata
from extractor.parse.ocr_text import ocr_marks
from extractor.parse.outcome import ParseOutcome, Span
from extractor.parse.rows import RowReader, find_active_anchors, find_application_anchors, place_unlabelled_rows
from extractor.parse.streams import place_by_stream
from extractor.parse.tables import (
    CONF_MISSING,
    REVIEW_KEYS,
    CellReading,
    detect_template,
    read_active,
    read_applications,
    read_reviews,
)
from extractor.result import Engine, FieldDetail, Source
from extractor.template import ACTIVE_DISCLOSURE, APPLICANT_COLUMNS, OTHER_SUBROWS, form_rows

__all__ = ["ParseOutcome", "parse_document"]


def parse_document(doc: Document) -> ParseOutcome:
    norm = document_norm(doc)
    sections = find_sections(norm)
    region = sections.tables_span()

    metadata = read_metadata(norm)
    app_anchors = find_application_anchors(norm, *region)
    detected = detect_template(norm, *region)
    template = detected
    year = metadata["year"].value
    if template is None and (app_anchors or "active_disclosure" in sections.starts):
        template = "2019" if isinstance(year, int) and year <= 2020 else "2021"
    expected = _expected_rows(template, {a.key: a for a in app_anchors}) if app_anchors else []
    by_position = place_unlabelled_rows(doc, norm, app_anchors, expected)
    app_anchors = sorted(app_anchors + by_position, key=lambda a: a.start)
    active_keys = list(ACTIVE_DISCLOSURE[template]) if template else []
    active_anchors = find_active_anchors(norm, *region, active_keys)

    reader = RowReader(doc, norm, sections, app_anchors + active_anchors)
    active = read_active(reader, norm, active_anchors, template, region) if template else {}
    reader.consumed_until = 0
    applications = read_applications(reader, app_anchors)
    by_stream = place_by_stream(doc, norm, sections, app_anchors, applications)
    if by_stream is not None:  # numbers printed apart from their labels, column by column
        applications, by_position = by_stream, []
    for anchor in by_position:
        for cell in applications.get(anchor.key, {}).values():
            cell.review = cell.review or "row label not recognised; the row was placed by its position in the table"
            cell.confidence = min(cell.confidence, 0.6)
    after = app_anchors[-1].end if app_anchors else region[0]
    reviews, review_span = read_reviews(reader, norm, sections, after)

    outcome = ParseOutcome(fields={}, template=template)
    builder = _FieldBuilder(doc, outcome, blank_means_zero=bool(BLANK_MEANS_ZERO.search(norm)))

    for name in ("organization", "year", "published_on"):
        meta = metadata[name]
        builder.add(name, CellReading(meta.value, meta.confidence, meta.start, meta.end, review=meta.review))
    template_reading = CellReading(template, 0.95 if detected else 0.5)
    if detected is None:
        template_reading.review = "no section 二 header told the template apart" + (
            f"; read as {template} from the year" if template else ""
        )
    builder.add("template", template_reading)

    if template:
        for item, (_, field_keys) in ACTIVE_DISCLOSURE[template].items():
            row = active.get(item, {})
            for field_key in field_keys:
                builder.add(f"active_disclosure.{item}.{field_key}", row.get(field_key) or _blank_table(bool(active)))
    printed = {a.key: a for a in app_anchors} | applications  # a row is printed if its label was found
    # with no table read (a converter that wrote ``[TABLE]`` in its place), every cell is null and in review
    not_found = "the template has this row, but it was not found" if applications else _blank_table().review
    for row_key in _expected_rows(template, printed):
        outcome.rows.append(row_key)
        cells = applications.get(row_key)
        for col in APPLICANT_COLUMNS:
            missing = CellReading(None, CONF_MISSING, review=not_found)
            builder.add(f"applications.{row_key}.{col}", cells[col] if cells else missing)
    if not any(k in printed for k in ("other_handling", "other_no_correction", "other_unpaid_fee")):
        _sixth_not_pinned(builder, outcome)
    for key in REVIEW_KEYS:
        builder.add(f"reviews_and_lawsuits.{key}", reviews.get(key) or _blank_table(bool(reviews)))

    _record_sections(outcome, active_anchors, app_anchors, review_span, norm)
    _doubt_metadata_of_damaged_text(outcome)
    _doubt_organization_printed_otherwise(outcome, norm)
    if doc.kind == "text":
        _doubt_unchecked_fields_of_ocr_text(outcome, ocr_marks(doc.text))
    return outcome


# where the table's rows and sections could not be read, the text is damaged (OCR text of a photo,
# a broken extraction): a name or date read from it may hold a misread character as well
DAMAGED_SHARE = 0.5
TABLE_PREFIXES = ("active_disclosure.", "applications.", "reviews_and_lawsuits.")
FEES_DOUBTFUL = 100_000  # 万元: 10亿元 of administrative fees in one year


def _doubt_metadata_of_damaged_text(outcome: ParseOutcome) -> None:
    table = [k for k in outcome.fields if k.startswith(TABLE_PREFIXES)]
    unread = {
        k
        for k in table
        if outcome.fields[k].value is None and any(w in outcome.review.get(k, "") for w in ("not found", "not be read"))
    }
    if not table or len(unread) <= DAMAGED_SHARE * len(table):
        return
    reason = f"{len(unread)} of {len(table)} table cells could not be found in this text: it may misread this too"
    for name in METADATA_READ:
        _doubt(outcome, name, reason)


METADATA_READ = ("organization", "year", "published_on")  # the metadata read from the text (not the template)


def _doubt(outcome: ParseOutcome, name: str, reason: str) -> None:
    """Put a field that holds a value in review with ``reason``, unless it is there already."""
    detail = outcome.fields.get(name)
    if detail is not None and detail.value is not None and name not in outcome.review:
        outcome.review[name] = reason
        detail.note = reason
        detail.confidence = min(detail.confidence, 0.6)


def _doubt_organization_printed_otherwise(outcome: ParseOutcome, norm: str) -> None:
    """The body's name as read, printed elsewhere in the report with one character changed, added or
    left out inside it (``诸州市市场监督管理局`` in the title, ``赣州市市场监督管理局`` in the text;
    ``临县`` read where the text prints ``临朐县``): one of them is a misread or a typo, and nothing
    says which. The name goes to review with the others."""
    detail = outcome.fields.get("organization")
    if detail is None or not isinstance(detail.value, str) or len(detail.value) < 4:
        return
    name = detail.value
    cjk = "[\u4e00-\u9fff]"
    changed = [f"{re.escape(name[:i])}{cjk}{re.escape(name[i + 1 :])}" for i in range(len(name))]
    added = [f"{re.escape(name[:i])}{cjk}{re.escape(name[i:])}" for i in range(1, len(name))]
    left_out = [re.escape(name[:i] + name[i + 1 :]) for i in range(1, len(name) - 1)]
    pattern = re.compile("|".join(changed + added + left_out))
    variants = Counter(m.group() for m in pattern.finditer(norm) if m.group() not in name)
    if not variants:
        return
    others = [v for v, _ in variants.most_common()]
    detail.alternatives = [*detail.alternatives, *(v for v in others if v not in detail.alternatives)]
    _doubt(
        outcome,
        "organization",
        f"the name is also printed as {'、'.join(others[:3])}: a character of it is misread or mistyped",
    )


def _doubt_unchecked_fields_of_ocr_text(outcome: ParseOutcome, marks: list[str]) -> None:
    """Text an OCR engine made misreads digits where nothing shows it: the fields no tally identity
    checks (the report's name and dates, section 二) go to review; the identities check the rest."""
    if not marks:
        return
    reason = f"the text looks like OCR output ({'; '.join(marks)}): no identity checks this value for a misread"
    for name in [n for n in outcome.fields if n in METADATA_READ or n.startswith("active_disclosure.")]:
        _doubt(outcome, name, reason)


def _expected_rows(template: str | None, found: Mapping[str, object]) -> list[str]:
    """The rows this report's table has: every template row, with （六） as printed (one row or three)."""
    single = "other_handling" in found or (template == "2019" and not any(r in found for r in OTHER_SUBROWS))
    return list(form_rows(single))


def _sixth_not_pinned(builder: _FieldBuilder, outcome: ParseOutcome) -> None:
    """No label told whether （六） is printed as one row (其他处理) or as three: the result carries
    both forms, each field in review, so whichever the report prints is listed for a person."""
    reason = "the report's （六） row was not recognised: it prints either one row 其他处理 or three sub-rows"
    chosen = [r for r in outcome.rows if r in ("other_handling", *OTHER_SUBROWS)]
    other = list(OTHER_SUBROWS) if chosen == ["other_handling"] else ["other_handling"]
    for row_key in chosen:
        for col in APPLICANT_COLUMNS:
            key = f"applications.{row_key}.{col}"
            outcome.review.setdefault(key, reason)
            outcome.fields[key].note = outcome.fields[key].note or reason
    for row_key in other:
        for col in APPLICANT_COLUMNS:
            builder.add(f"applications.{row_key}.{col}", CellReading(None, CONF_MISSING, review=reason))


def _blank_table(table_found: bool = False) -> CellReading:
    """A field the parser has no reading for: null, and never certain."""
    if table_found:
        return CellReading(None, CONF_MISSING, review="value not found in the table")
    return CellReading(None, CONF_MISSING, review="this section's table was not found or could not be read")


# a note saying that an empty cell (or — or /) stands for zero, e.g. 注：表中“—”表示0，空白表示无;
# the blank word and the zero within one sentence, the blank word first
BLANK_MEANS_ZERO = re.compile(
    r"(?:空白|空格|为空|未填|空缺|无数据|没有数据|“\s*[-/／]\s*”|\"\s*[-/／]\s*\"|[-/／]\s*号"
    r"|(?:^|(?<=[:：\s(（]))[-/／](?=\s*(?:表示|代表|为|即)))"
    r"[^。\n；;]{0,24}?(?:表示|代表|即为|即|视为|均为|计为|记为|数值为|数量为|为|是)\s*(?:数量\s*为\s*|数值\s*为\s*)?"
    r"[“\"‘']?(?:0|零|无|没有)(?![\d.])"
)


class _FieldBuilder:
    def __init__(self, doc: Document, outcome: ParseOutcome, blank_means_zero: bool = False) -> None:
        self.doc = doc
        self.outcome = outcome
        self.blank_means_zero = blank_means_zero

    def add(self, key: str, cell: CellReading) -> None:
        blank = (cell.token is not None and cell.token.kind == "blank") or (cell.restored and cell.token is None)
        if self.blank_means_zero and cell.value is None and blank:
            cell.value = 0  # the document says so; a reading of a note, so a person confirms it
            cell.alternatives = [a for a in cell.alternatives if a != 0]
            cell.review = "blank cell read as 0: the document says a blank (or — or /) means zero"
            cell.confidence = min(cell.confidence, 0.9)
        token = cell.token
        if cell.value is None and token is not None and token.kind == "blank" and token.text == NONE_WORD:
            cell.value = 0  # 无 means none; a word where the table prints numbers, so a person confirms it
            cell.review = cell.review or "the cell says 无 (none) where a number stands: read as 0"
            cell.confidence = min(cell.confidence, 0.9)
        if cell.value is None and token is not None and token.kind == "blank" and token.line is not None:
            page = self.doc.pages[token.line.page - 1] if 0 < token.line.page <= len(self.doc.pages) else None
            if (page is not None and page.ocr) or token.line.confidence < 1.0:
                # OCR that saw nothing in a cell may have missed a faint digit: not a printed blank for sure
                cell.review = cell.review or "OCR found this cell empty"
                cell.confidence = min(cell.confidence, 0.6)
        if isinstance(cell.value, float) and not key.endswith(("amount_10k_yuan", "amount_yuan")):
            # a count cannot have decimals: OCR or a converter read a thousands separator as a point
            text = f"{cell.value:.3f}" if cell.token is None else cell.token.text
            whole = text.replace(".", "")
            if whole.isdigit() and len(text.partition(".")[2]) == 3 and int(whole) not in cell.alternatives:
                cell.alternatives.append(int(whole))
            cell.review = cell.review or "a count printed with a decimal point"
            cell.confidence = min(cell.confidence, 0.5)
        if key.endswith("amount_10k_yuan") and isinstance(cell.value, int | float) and cell.value >= FEES_DOUBTFUL:
            # 10亿元 of fees is rare, a converter that dropped a decimal point or an amount in 元 is not
            cell.review = cell.review or "a fee of 10亿元 or more: a lost decimal point, or an amount in 元?"
            cell.confidence = min(cell.confidence, 0.6)
        source = None
        if cell.start is not None and cell.end is not None:
            box = None
            cell_ref = None
            line = cell.token.line if cell.token is not None else None
            if line is not None and line.cells is not None and cell.token is not None:
                index = cell.token.cell_index
                if index is not None and index < len(line.cells):
                    box = line.cells[index].box
                    cell_ref = line.cells[index].ref
            elif line is not None:
                box = line.box
            engine = Engine.OCR if line is not None and line.confidence < 1.0 else Engine.PARSER
            source = Source(
                engine=engine,
                page=line.page if line is not None else self.doc.page_at(cell.start),
                start=cell.start,
                end=cell.end,
                box=box,
                cell=cell_ref,
                text=self.doc.text[cell.start : cell.end],
            )
        elif cell.restored:
            source = Source(engine=Engine.INFERRED)
        self.outcome.fields[key] = FieldDetail(
            value=cell.value,
            confidence=round(cell.confidence, 4),
            source=source,
            alternatives=cell.alternatives,
            note=cell.review,
        )
        if cell.review:
            self.outcome.review[key] = cell.review


def _record_sections(
    outcome: ParseOutcome,
    active_anchors: list[Anchor],
    app_anchors: list[Anchor],
    review_span: tuple[int, int] | None,
    norm: str,
) -> None:
    """Where each section's text is (for the LLM), as windows that never overlap: no character is sent twice.

    A table's window reaches a little before its first row label (its heading and column headers) and after
    its last (that row's numbers). Where two windows would meet, they part at the later section's heading,
    or else halfway between the last row of the one and the first row of the other; the earlier keeps all
    its rows (rows of one section found among another's lose their window). The metadata is the head of
    the document up to the first table and the tail after the last.
    """
    length = len(norm)
    headings = find_sections(norm).starts
    # (name, window start, first row start, last row end, window end)
    windows: list[tuple[str, int, int, int, int]] = []
    if active_anchors:
        first, last = min(a.start for a in active_anchors), max(a.end for a in active_anchors)
        windows.append(("active_disclosure", max(0, first - SECTION_LEAD), first, last, min(length, last + 200)))
    if app_anchors:
        first, last = app_anchors[0].start, app_anchors[-1].end
        windows.append(("applications", max(0, first - 400), first, last, min(length, last + 300)))
    if review_span:
        windows.append(("reviews_and_lawsuits", review_span[0], review_span[0], review_span[1], review_span[1]))
    windows.sort(key=lambda w: w[2])
    spans: list[tuple[str, int, int]] = []
    for name, start, first, _last, end in windows:
        if spans and start < spans[-1][2]:
            previous, previous_start, _ = spans[-1]
            previous_last = next(w[3] for w in windows if w[0] == previous)
            heading = headings.get(name)
            cut = heading if heading is not None and previous_last <= heading <= first else (previous_last + first) // 2
            cut = max(cut, previous_start, min(previous_last, spans[-1][2]))  # the earlier keeps all its rows
            spans[-1] = (previous, previous_start, cut)
            start = max(start, cut)
        if end > start:
            spans.append((name, start, end))
    for name, start, end in spans:
        if end > start:
            outcome.sections[name] = Span(start, end)
    head_end = min(length, METADATA_HEAD, spans[0][1] if spans else length)
    if head_end > 0:
        outcome.sections["metadata"] = Span(0, head_end)
    tail_start = max(length - METADATA_TAIL, spans[-1][2] if spans else head_end, head_end)
    if tail_start < length:
        outcome.sections["metadata_tail"] = Span(tail_start, length)


SECTION_LEAD = 300  # characters before section 二's first row: its heading and column headers
METADATA_HEAD = 1500  # characters of the document's head sent for the metadata, at most
METADATA_TAIL = 600  # characters of its end (the signature), at most
