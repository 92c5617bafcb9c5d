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
from extractor.result import FieldDetail, Result, Status, build_result

LLMMode = Literal["never", "auto", "always"]


class ExtractOptions(BaseModel):
    """Settings of one extraction run. Unknown settings are an error, not a silent default."""

    model_config = ConfigDict(extra="forbid")

    llm: LLMMode | None = None  # None: "auto" when an endpoint is configured, else "never"
    cache_dir: Path | None = None
    second_readers: bool = True  # the report's prose and repair targeting; False to measure without them


def extract_path(path: str | Path, options: ExtractOptions | None = None) -> Result:
    """Extract one file. Bad input raises ``DocumentLoadError`` naming the file and the reason."""
    document = load_document(path)
    result = extract_document(document, options or ExtractOptions(), path=Path(path))
    result.document = str(Path(path).resolve())
    return result


def extract_document(document: Document, options: ExtractOptions, path: Path | None = None) -> Result:
    parsed = parse_document(document)
    _require_report(parsed, path or Path(document.source))
    fields, review_reasons, usage = _with_llm(document, parsed, options)
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


def validate(
    source: str, fields: dict[str, FieldDetail], review_reasons: dict[str, str], usage: dict[str, object]
) -> Result:
    """Run every tally identity; fields of broken ones join the review list. Values stay as printed."""
    values = {key: detail.value for key, detail in fields.items()}
    checks = evaluate(values)
    broken = failed_fields(checks)
    for key in broken:
        if key in fields and key not in review_reasons:
            review_reasons[key] = "part of a tally identity that does not hold"
    review = [key for key in fields if key in review_reasons]
    status = Status.PARTIAL if review else Status.SUCCESS
    return build_result(source, fields, checks, review, status=status, usage=usage)


def _require_report(parsed: ParseOutcome, path: Path) -> None:
    found = [
        key
        for key, detail in parsed.fields.items()
        if key.startswith(("applications.", "active_disclosure.", "reviews_and_lawsuits.")) and detail.value is not None
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

    outcome = run_llm(document, parsed, mode=options.llm, settings=settings, cache_dir=options.cache_dir)
    return outcome.fields, outcome.review, outcome.usage
