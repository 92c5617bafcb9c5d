"""Reconcile the parser's reading with the LLM's, and the one LLM entry point of the pipeline.

Policy, field by field:

- a parser value that is certain (not in review, no broken identity touches
  it) is never overwritten: a different LLM value is recorded as rejected;
- where parser and LLM agree, confidence rises. A field in review for how its value
  was bound to its row and column (order, position, a stream, a lost cell's column,
  competing readings) leaves review when the LLM's value is grounded at its cell and
  every identity holds: two readers read it the same way (``settle``; the field's
  evidence says so). Nothing else leaves review that way: not a null, a restored or
  OCR value, a blank read as zero, nor a field of a broken identity;
- where they disagree on an uncertain field, the reading whose identities hold
  wins (the parser's when both or neither hold; the LLM's when the parser has
  no value), and the field goes to review with both candidates in
  ``FieldDetail.alternatives``;
- the LLM only ever adds to review; every identity still broken at the end
  puts its fields in review.

Only grounded LLM values reach this step (``extractor.llm.engine``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from extractor.checks import evaluate, failed_fields
from extractor.document import Document
from extractor.errors import ConfigError
from extractor.llm.cache import DEFAULT_CACHE_DIR, AnswerCache
from extractor.llm.engine import read_sections
from extractor.llm.settings import LLMSettings
from extractor.llm.types import (
    SECTIONS,
    DocumentBudget,
    Grounding,
    LanguageModel,
    LLMField,
    LLMReading,
    RejectedValue,
    SectionName,
    section_of,
)
from extractor.parse.outcome import ParseOutcome
from extractor.report import Value
from extractor.result import Evidence, FieldDetail

LLMUse = Literal["never", "auto", "always"]
LLM_USES: tuple[LLMUse, ...] = ("never", "auto", "always")
AGREEMENT_CAP = 0.99
# review reasons that two readers agreeing does not settle: the LLM reads the same text, so it
# cannot vouch for a misread character, a value the text never printed or a broken identity
NOT_SETTLED = re.compile(r"restored|OCR|look-alike|text layer|blank|not found|not recognised|identit|proposed fix")
DISPUTED = 0.8  # confidence factor for a value another reader contradicts


@dataclass(slots=True)
class ReconcileOutcome:
    """Every field after reconciling; ``review`` is the full review set (the parser's included)."""

    fields: dict[str, FieldDetail]
    review: dict[str, str]
    rejected: list[RejectedValue] = field(default_factory=list)
    usage: dict[str, Any] = field(default_factory=dict)
    confirmed: int = 0  # fields that left review because parser and LLM agree


def default_use(settings: LLMSettings) -> LLMUse:
    """``auto`` with an endpoint, ``never`` without one."""
    return "auto" if settings.configured() else "never"


def sections_to_ask(parsed: ParseOutcome, use: LLMUse) -> list[SectionName]:
    """``always``: every section; ``auto``: sections with a key in review or a broken identity."""
    if use == "never":
        return []
    if use == "always":
        return list(SECTIONS)
    unsure = {section_of(key) for key in parsed.review}
    unsure |= {section_of(key) for key in failed_fields(evaluate(parsed.values()))}  # type: ignore[arg-type]
    return [s for s in SECTIONS if s in unsure]


def _settles(key: str, detail: FieldDetail, reading: LLMField, review: Mapping[str, str], broken: set[str]) -> bool:
    """Whether an agreeing LLM reading takes a field out of review (the policy above)."""
    reason = review.get(key)
    return (
        reason is not None
        and detail.value is not None
        and detail.source is not None
        and detail.source.start is not None
        and reading.grounding is Grounding.EXACT
        and key not in broken
        and not NOT_SETTLED.search(reason)
    )


def _same(a: Value, b: Value) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, str) or isinstance(b, str):
        return str(a).replace(" ", "") == str(b).replace(" ", "")
    return abs(float(a) - float(b)) <= 1e-9


def reconcile(
    parsed: ParseOutcome,
    llm: Mapping[str, LLMField] | None,
    rejected: Iterable[RejectedValue] = (),
    usage: dict[str, Any] | None = None,
    settle: bool = True,
) -> ReconcileOutcome:
    """Merge grounded LLM values into the parser's fields by the policy above; ``settle`` False keeps
    every agreeing field in review (to measure review load without second readers)."""
    fields = {key: detail.model_copy(deep=True) for key, detail in parsed.fields.items()}
    review = dict(parsed.review)
    rejected_values = list(rejected)
    parser_values: dict[str, Value] = {key: detail.value for key, detail in fields.items()}
    broken_by_parser = set(failed_fields(evaluate(parser_values)))
    certain = {key for key in fields if key not in review and key not in broken_by_parser}
    parsed_sections = {section_of(key) for key in fields}

    usable: dict[str, LLMField] = {}
    for key, reading in (llm or {}).items():
        if key not in fields and section_of(key) in parsed_sections:
            rejected_values.append(
                RejectedValue(key, reading.value, "not a field of this report as the parser read it (row not printed)")
            )
        elif key in certain and not _same(parser_values.get(key), reading.value):
            rejected_values.append(
                RejectedValue(
                    key,
                    reading.value,
                    f"the parser's reading {parser_values.get(key)!r} is certain (not in review, identities hold)",
                )
            )
        else:
            usable[key] = reading

    # the values with every usable LLM reading in place, to see which identities then hold
    candidate = dict(parser_values)
    candidate.update({key: reading.value for key, reading in usable.items()})
    broken_by_candidate = set(failed_fields(evaluate(candidate)))

    confirmed = 0
    broken = broken_by_parser | broken_by_candidate
    for key, reading in usable.items():
        detail = fields.get(key)
        parser_value = detail.value if detail else None
        if detail is not None and _same(parser_value, reading.value):
            detail.confidence = min(AGREEMENT_CAP, 1 - (1 - detail.confidence) * (1 - reading.confidence))
            detail.note = _join(detail.note, f"LLM agrees ({reading.grounding.value})")
            if settle and _settles(key, detail, reading, review, broken):
                del review[key]
                detail.note = _join(detail.note, "out of review: parser and LLM read it the same way")
                start, end = (reading.source.start, reading.source.end) if reading.source else (None, None)
                detail.evidence = [
                    *(detail.evidence or []),
                    Evidence(kind="llm", value=reading.value, agrees=True, start=start, end=end),
                ]
                confirmed += 1
            continue
        # the template decides which fields the report has: the LLM never switches it, only flags it
        take_llm = key != "template" and (
            parser_value is None or (key not in broken_by_candidate and key in broken_by_parser)
        )
        chosen, other = (reading.value, parser_value) if take_llm else (parser_value, reading.value)
        why = (
            "the template is the parser's (it decides the fields)"
            if key == "template"
            else "the parser has no value"
            if parser_value is None
            else "the identities hold with it"
            if take_llm
            else "the LLM's value does not make the identities hold"
        )
        readings = f"parser read {parser_value!r}, LLM read {reading.value!r} ({reading.grounding.value})"
        note = f"{readings}; kept {chosen!r}: {why}"
        if take_llm:
            fields[key] = FieldDetail(
                value=chosen,
                confidence=reading.confidence * DISPUTED,
                source=reading.source,
                alternatives=[other],
                note=note,
            )
        else:
            if detail is None:
                detail = fields[key] = FieldDetail(value=None, confidence=0.0)
            detail.alternatives = [*detail.alternatives, other]
            detail.confidence *= DISPUTED
            detail.note = _join(detail.note, note)
        review[key] = _join(review.get(key), note)

    final_values = {key: detail.value for key, detail in fields.items()}
    for check in evaluate(final_values):
        if check.passed is False:
            for key in check.fields:
                if key not in review:
                    review[key] = f"tally {check.rule} fails: {check.detail}"
    return ReconcileOutcome(fields, review, rejected_values, usage or {}, confirmed)


def _join(first: str | None, second: str) -> str:
    return f"{first}; {second}" if first else second


def run_llm(
    document: Document,
    parsed: ParseOutcome,
    mode: LLMUse | None = None,
    settings: LLMSettings | None = None,
    cache_dir: str | Path | None = None,
    model: LanguageModel | None = None,
    use_cache: bool = True,
    settle: bool = True,
) -> ReconcileOutcome:
    """The pipeline's one LLM call: ask the sections ``mode`` selects, ground, reconcile.

    ``mode``: ``never`` (no LLM), ``auto`` (sections the parser is unsure of),
    ``always`` (every section); None: ``auto`` with an endpoint, else ``never``.
    Without an endpoint ``always`` raises ``ConfigError``. ``settings`` default to
    ``LLMSettings.load()`` (environment and config file). ``cache_dir`` defaults
    to ``.extractor-cache/llm``; ``use_cache=False`` turns the cache off. ``model``
    replaces the instructor adapter (tests, or one adapter shared by a batch).
    ``usage["llm"]`` holds calls, tokens, cache hits, per-section status,
    every rejected LLM value with its reason and the fields agreement took out of
    review (``confirmed``; none with ``settle`` False): store it in ``Result.usage``.
    """
    settings = settings or LLMSettings.load()
    use: LLMUse = mode if mode is not None else default_use(settings)
    if use not in LLM_USES:
        raise ConfigError(f"--llm must be one of {', '.join(LLM_USES)}, not {use!r}")
    sections = sections_to_ask(parsed, use)
    summary: dict[str, Any] = {"use": use, "sections_asked": sections}
    if not sections:
        summary["status"] = "not needed" if use != "never" else "off"
        return reconcile(parsed, None, usage={"llm": summary})
    if model is None:
        if not settings.configured():
            if use == "always":
                raise ConfigError(
                    "--llm always needs an endpoint: set EXTRACTOR_LLM_BASE_URL and EXTRACTOR_LLM_MODEL "
                    "(see README, 'LLM fallback')"
                )
            summary["status"] = "off: no endpoint configured"
            return reconcile(parsed, None, usage={"llm": summary})
        from extractor.llm.adapter import InstructorLanguageModel

        model = InstructorLanguageModel(settings)
    budget = DocumentBudget(
        settings.max_calls_per_document, settings.max_tokens_per_document, settings.max_seconds_per_document
    )
    cache = AnswerCache(cache_dir if cache_dir is not None else DEFAULT_CACHE_DIR) if use_cache else None
    try:
        reading = read_sections(document, parsed, sections, model, settings, cache, budget)
    except Exception as exc:  # whatever the LLM side does, the rule parser's reading stands
        reading = LLMReading(
            errors=[f"LLM step failed, the rule parser's reading is kept ({type(exc).__name__}: {exc})"]
        )
    outcome = reconcile(parsed, reading.fields, reading.rejected, settle=settle)
    summary.update(_usage(model.name, reading, budget, outcome.rejected))
    summary["confirmed"] = outcome.confirmed
    outcome.usage = {"llm": summary}
    return outcome


def _usage(
    model_name: str, reading: LLMReading, budget: DocumentBudget, rejected: list[RejectedValue]
) -> dict[str, Any]:
    sections = {
        name: {
            "status": response.status,
            "cached": response.cached,
            "attempts": response.attempts,
            "prompt_tokens": response.prompt_tokens,
            "completion_tokens": response.completion_tokens,
            "error": response.error,
        }
        for name, response in reading.responses.items()
    }
    return {
        "status": "ran",
        "model": model_name,
        "calls": budget.calls,
        "prompt_tokens": budget.prompt_tokens,
        "completion_tokens": budget.completion_tokens,
        "total_tokens": budget.tokens,
        "cache_hits": sum(1 for response in reading.responses.values() if response.cached),
        "sent_tokens": budget.sent_tokens,
        "budget": {
            "max_calls": budget.max_calls,
            "max_tokens": budget.max_tokens,
            "max_seconds": budget.max_seconds,
            "exhausted": budget.exhausted(),
        },
        "sections": sections,
        "accepted": sorted(set(reading.fields) - {value.key for value in rejected}),
        "rejected": [value.to_json() for value in rejected],
        "errors": list(reading.errors),
    }
