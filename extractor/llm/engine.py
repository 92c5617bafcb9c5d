"""Read chosen sections of one document with a ``LanguageModel``, ground every value.

One request per section, with that section's text and schema only. Answers
come from the cache when the model, prompt, schema and text are unchanged.
Every returned number is grounded again here (the validators already did, but
a cached or salvaged answer must pass the same gate): a value not printed near
its label becomes a ``RejectedValue`` with the reason, never a field.
"""

from __future__ import annotations

from collections.abc import Iterable

from extractor.document import Document
from extractor.llm.cache import AnswerCache, cache_key
from extractor.llm.grounding import TEMPLATE_MARKERS, Grounder, normalise
from extractor.llm.prompts import CLOSE, OPEN, build_messages, output_tokens, prompt_id
from extractor.llm.schemas import application_rows_for, response_model, schema_hash
from extractor.llm.sections import section_text
from extractor.llm.settings import LLMSettings
from extractor.llm.types import (
    DocumentBudget,
    LanguageModel,
    LLMField,
    LLMReading,
    RejectedValue,
    SectionName,
    SectionRequest,
    SectionResponse,
)
from extractor.parse.outcome import ParseOutcome
from extractor.result import Engine, Source
from extractor.template import TemplateName


def guess_template(text: str) -> TemplateName | None:
    """The template whose section 2 headers the document prints, when only one does."""
    normalised = normalise(text)
    hits = [name for name, markers in TEMPLATE_MARKERS.items() if any(m in normalised for m in markers)]
    return hits[0] if len(hits) == 1 else None


def without_delimiters(text: str) -> str:
    """The text with every copy of the prompt's document delimiters removed, until none is left.

    One pass is not enough: ``DOCUDOCUMENT>>>MENT>>>`` becomes ``DOCUMENT>>>`` after it.
    """
    while OPEN in text or CLOSE in text:
        text = text.replace(OPEN, "").replace(CLOSE, "")
    return text


def read_sections(
    document: Document,
    parsed: ParseOutcome,
    sections: Iterable[SectionName],
    model: LanguageModel,
    settings: LLMSettings,
    cache: AnswerCache | None = None,
    budget: DocumentBudget | None = None,
) -> LLMReading:
    """Ask ``model`` for each section and keep the grounded values."""
    budget = budget or DocumentBudget(
        settings.max_calls_per_document, settings.max_tokens_per_document, settings.max_seconds_per_document
    )
    template = parsed.template or guess_template(document.text)
    rows = application_rows_for(template, parsed.rows)
    reading = LLMReading()
    for section in sections:
        if section == "active_disclosure" and template is None:
            reading.errors.append("active_disclosure: not asked, the template (2021 or 2019) is unknown")
            continue
        text = section_text(document, parsed, section)
        grounder = Grounder(text, template, document.text)
        answer_model = response_model(section, template, rows if section == "applications" else ())
        pid = prompt_id(section)
        key = cache_key(model.name, settings.mode, pid, schema_hash(answer_model), text.text)
        response = cache.get(key) if cache else None
        if response is None:
            if budget.exhausted():
                reading.errors.append(
                    f"{section}: not asked, the document's LLM budget is spent "
                    f"({budget.calls} calls, {max(budget.tokens, budget.sent_tokens)} tokens, "
                    f"{budget.max_seconds or 0:g} s)"
                )
                reading.responses[section] = SectionResponse(section, "failed", error="budget exhausted")
                continue
            request = SectionRequest(
                section=section,
                messages=build_messages(section, template, rows, without_delimiters(text.text)),
                response_model=answer_model,
                context={"grounder": grounder},
                prompt_version=pid,
                max_attempts=settings.max_attempts_per_section,
                max_output_tokens=output_tokens(answer_model, settings.max_output_tokens),
                budget=budget,
                template=template,
            )
            response = model.complete(request)
            if cache:
                cache.put(
                    key, response, {"model": model.name, "prompt": pid, "section": section, "origin": text.origin}
                )
        reading.responses[section] = response
        if response.status != "ok":
            reading.errors.append(f"{section}: {response.status}: {response.error}")
        _accept(reading, document, response, grounder)
    return reading


def _accept(reading: LLMReading, document: Document, response: SectionResponse, grounder: Grounder) -> None:
    validated = response.status == "ok"
    for key, value in (response.data or {}).items():
        if value is None:
            continue  # the model saw no value: it abstains
        result = grounder.ground(key, value)
        if not result.grounded:
            why = "" if validated else f" (from an answer that failed validation: {response.status})"
            reading.rejected.append(RejectedValue(key, value, f"not grounded: {result.reason}{why}"))
            continue
        page = document.page_at(result.start) if result.start is not None else None
        source = Source(engine=Engine.LLM, page=page, start=result.start, end=result.end, text=result.printed)
        reading.fields[key] = LLMField(key, value, result.status, source, validated)
