"""One document in, one result out: load -> parse -> (LLM, reconcile) -> validate -> result.

``extract_path`` is a pure function of the file and the options, so a batch
runner (a process pool here, Ray later) can call it per document.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from extractor.checks import evaluate, failed_fields
from extractor.document import Document
from extractor.errors import NotAReportError
from extractor.load import load_document
from extractor.parse import ParseOutcome, parse_document
from extractor.result import CheckResult, FieldDetail, Result, Status, build_result

LLMMode = Literal["never", "auto", "always"]


class ExtractOptions(BaseModel):
    """Settings of one extraction run. Unknown settings are an error, not a silent default."""

    model_config = ConfigDict(extra="forbid")

    llm: LLMMode | None = None  # None: "auto" when an endpoint is configured, else "never"
    cache_dir: Path | None = None
    second_readers: bool = True  # prose, LLM agreement, repair targeting; False to measure without them


def extract_path(path: str | Path, options: ExtractOptions | None = None) -> Result:
    """Extract one file. Bad input raises ``DocumentLoadError`` naming the file and the reason."""
    document = load_document(path)
    result = extract_document(document, options or ExtractOptions(), path=Path(path))
    result.document = str(Path(path).resolve())
    return result


def extract_document(document: Document, options: ExtractOptions, path: Path | None = None) -> Result:
    parsed = parse_document(document)
    text_layer: dict[str, object] = {}
    if document.kind == "pdf" and path is not None:
        document, parsed, text_layer = _check_text_layer(document, parsed, path)
    _require_report(parsed, path or Path(document.source))
    fields, review_reasons, usage = _with_llm(document, parsed, options)
    if text_layer:
        usage = {**usage, "text_layer": text_layer}
    if options.second_readers:
        from extractor.parse.prose import second_read

        result = second_read(document, fields, review_reasons, usage, validate)
    else:
        result = validate(document.source, fields, review_reasons, usage)
    llm_errors = [f"llm: {error}" for error in (usage.get("llm") or {}).get("errors", [])]  # type: ignore[attr-defined]
    if llm_errors:  # the rule parser's reading stands; the result says what the LLM could not do
        result.errors.extend(llm_errors)
        result.status = Status.PARTIAL
    return result


def _check_text_layer(
    document: Document, parsed: ParseOutcome, path: Path
) -> tuple[Document, ParseOutcome, dict[str, object]]:
    """Pages whose PDF text layer looks wrong (see ``load.textlayer``) are read again by OCR and the
    better reading is kept (``choose_reading``); ``usage.text_layer`` says which pages and why."""
    from extractor.load import textlayer

    doubts = textlayer.doubtful_pages(document)
    checks = evaluate({key: detail.value for key, detail in parsed.fields.items()})
    broken = [parsed.fields[key] for key in failed_fields(checks) if key in parsed.fields]
    if sum(1 for check in checks if check.passed is False) >= textlayer.MIN_BROKEN_IDENTITIES:
        doubts |= {n: why for n, why in textlayer.pictures_disagree(path, document, broken).items() if n not in doubts}
    if not doubts:
        return document, parsed, {}
    ocr_document = textlayer.read_with_ocr(path, doubts)
    chosen, kept = choose_reading(parsed, parse_document(ocr_document))
    record: dict[str, object] = {"pages": {str(n): why for n, why in sorted(doubts.items())}, "kept": kept}
    return (ocr_document if kept == "ocr" else document), chosen, record


def choose_reading(text: ParseOutcome, ocr: ParseOutcome) -> tuple[ParseOutcome, str]:
    """The reading with more identities that hold than break (an identity with a value missing counts
    neither way, so a reading that lost rows gains nothing), then more table values found, then
    fewer fields in review; the text layer on a tie. Fields the other reading gives another value
    go to review."""

    def score(outcome: ParseOutcome) -> tuple[int, int, int]:
        values = {key: detail.value for key, detail in outcome.fields.items()}
        checks = evaluate(values)
        held = sum(1 for check in checks if check.passed is True) - sum(1 for c in checks if c.passed is False)
        found = sum(1 for key, value in values.items() if value is not None and key.startswith(TABLE_PREFIXES))
        return -held, -found, len(outcome.review)

    kept, other, name = (ocr, text, "ocr") if score(ocr) < score(text) else (text, ocr, "text")
    for key, detail in kept.fields.items():
        alternative = other.fields.get(key)
        if alternative is None or alternative.value == detail.value:
            continue
        if alternative.value is not None and alternative.value not in detail.alternatives:
            detail.alternatives = [*detail.alternatives, alternative.value]
        readings = {name: detail.value, "text" if name == "ocr" else "ocr": alternative.value}
        note = (
            f"the PDF's text layer reads {readings['text']!r} and OCR of the page reads {readings['ocr']!r}; "
            f"the {'OCR' if name == 'ocr' else 'text layer'} reading was kept"
        )
        detail.note = f"{detail.note}; {note}" if detail.note else note
        detail.confidence = min(detail.confidence, 0.5)
        kept.review[key] = detail.note
    return kept, name


def validate(
    source: str, fields: dict[str, FieldDetail], review_reasons: dict[str, str], usage: dict[str, object]
) -> Result:
    """Run every tally identity; fields of broken ones join the review list. Values stay as printed."""
    values = {key: detail.value for key, detail in fields.items()}
    blanks = {key for key, detail in fields.items() if detail.value is None and key not in review_reasons}
    checks = evaluate(values, blanks)
    broken = failed_fields(checks)
    for key in broken:
        if key in fields and key not in review_reasons:
            review_reasons[key] = "part of a tally identity that does not hold"
    _doubt_blank_rows(fields, broken, review_reasons)
    _doubt_unchecked_rows(fields, checks, blanks, review_reasons)
    review = [key for key in fields if key in review_reasons]
    status = Status.PARTIAL if review else Status.SUCCESS
    return build_result(source, fields, checks, review, status=status, usage=usage)


def _doubt(detail: FieldDetail, key: str, reason: str, review_reasons: dict[str, str]) -> None:
    review_reasons[key] = reason
    detail.note = f"{detail.note}; {reason}" if detail.note else reason


def _doubt_blank_rows(fields: dict[str, FieldDetail], broken: list[str], review_reasons: dict[str, str]) -> None:
    """One blank of a row breaks an identity: the row's other blanks may have lost their values too."""
    rows = {key.rsplit(".", 1)[0] for key in broken if key in fields and fields[key].value is None}
    for key, detail in fields.items():
        if detail.value is None and key.rsplit(".", 1)[0] in rows and key not in review_reasons:
            _doubt(detail, key, "blank in a row where another blank breaks a tally identity", review_reasons)


def _doubt_unchecked_rows(
    fields: dict[str, FieldDetail], checks: list[CheckResult], blanks: set[str], review_reasons: dict[str, str]
) -> None:
    """The row total is what checks each cell's column: where a cell of the row is not read (a null in
    review, not a printed blank), nothing shows a column shift, so the row's values are not certain."""
    reason = "its row's total identity could not be checked: a cell of the row is not read"
    for check in checks:
        if check.passed is not None or not check.rule.startswith("applications.row_total["):
            continue
        if not any(k in fields and fields[k].value is None and k not in blanks for k in check.fields):
            continue
        for key in check.fields:
            detail = fields.get(key)
            if detail is not None and detail.value is not None and key not in review_reasons:
                _doubt(detail, key, reason, review_reasons)


TABLE_PREFIXES = ("applications.", "active_disclosure.", "reviews_and_lawsuits.")


def _require_report(parsed: ParseOutcome, path: Path) -> None:
    found = [
        key for key, detail in parsed.fields.items() if key.startswith(TABLE_PREFIXES) and detail.value is not None
    ]
    if not found:
        raise NotAReportError(
            path,
            "no statistics table of a 政府信息公开工作年度报告 was found (sections 二, 三, 四); "
            "if this is a scanned report, check that it is not a blank or unreadable image",
        )


def _with_llm(
    document: Document, parsed: ParseOutcome, options: ExtractOptions
) -> tuple[dict[str, FieldDetail], dict[str, str], dict[str, object]]:
    """The LLM joins only when asked to, or (by default) when an endpoint is configured."""
    from extractor.llm.settings import LLMSettings

    settings = LLMSettings.load()
    if options.llm == "never" or (options.llm is None and not settings.configured()):
        return dict(parsed.fields), dict(parsed.review), {}
    from extractor.reconcile import run_llm

    settle = options.second_readers
    outcome = run_llm(document, parsed, mode=options.llm, settings=settings, cache_dir=options.cache_dir, settle=settle)
    return outcome.fields, outcome.review, outcome.usage
