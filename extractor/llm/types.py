"""The LLM boundary: one request per report section, one method to answer it.

``LanguageModel.complete`` is the only thing the engine calls; the instructor
adapter (``extractor.llm.adapter``) and the scripted fake of the tests both
implement it. Failures come back as values (``SectionResponse.status``), never
as exceptions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from extractor.report import Value
from extractor.result import Source
from extractor.template import TemplateName

SectionName = Literal["metadata", "active_disclosure", "applications", "reviews_and_lawsuits"]
SECTIONS: tuple[SectionName, ...] = ("metadata", "active_disclosure", "applications", "reviews_and_lawsuits")

ResponseStatus = Literal["ok", "invalid", "failed"]


def section_of(key: str) -> SectionName:
    """The section a dotted key belongs to (metadata keys have no dot)."""
    head = key.split(".", 1)[0]
    if head in ("active_disclosure", "applications", "reviews_and_lawsuits"):
        return head  # type: ignore[return-value]
    return "metadata"


@dataclass(frozen=True, slots=True)
class SectionText:
    """The text sent for one section, and where its pieces sit in ``Document.text``.

    ``text`` is the pieces of ``segments`` joined by ``SEPARATOR``, so an offset
    into ``text`` maps back to the document.
    """

    section: SectionName
    text: str
    segments: tuple[tuple[int, int], ...]
    origin: Literal["parser_span", "keyword_window", "head_and_tail", "whole_document"]

    SEPARATOR = "\n…\n"

    def document_offset(self, offset: int) -> int | None:
        pos = 0
        for start, end in self.segments:
            length = end - start
            if offset <= pos + length:
                return start + max(offset - pos, 0)
            pos += length + len(self.SEPARATOR)
        return None


@dataclass(slots=True)
class DocumentBudget:
    """Caps on one document's LLM use, shared by all its section requests.

    Tokens are capped on what is sent (``sent_tokens``, counted by us from each
    request's body) as well as on what the server reports; ``max_seconds`` is the
    wall-clock time all of the document's calls may take together.
    """

    max_calls: int
    max_tokens: int
    max_seconds: float | None = None
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    sent_tokens: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def time_left(self) -> float:
        if self.max_seconds is None:
            return float("inf")
        return self.max_seconds - (time.monotonic() - self.started)

    def exhausted(self) -> bool:
        return (
            self.calls >= self.max_calls
            or max(self.tokens, self.sent_tokens + self.completion_tokens) >= self.max_tokens
            or self.time_left() <= 0
        )

    def charge_call(self) -> None:
        self.calls += 1

    def charge_sent(self, tokens: int) -> None:
        self.sent_tokens += tokens

    def charge_tokens(self, prompt: int, completion: int) -> None:
        self.prompt_tokens += prompt
        self.completion_tokens += completion


@dataclass(frozen=True, slots=True)
class SectionRequest:
    """Everything a model needs to read one section."""

    section: SectionName
    messages: tuple[dict[str, str], ...]  # system, then user (the document, delimited)
    response_model: type[BaseModel]  # validators carry the identities and the grounding
    context: dict[str, Any]  # validation context: {"grounder": Grounder}
    prompt_version: str
    max_attempts: int  # the first call plus re-asks on validation errors
    max_output_tokens: int
    budget: DocumentBudget
    template: TemplateName | None = None


@dataclass(slots=True)
class SectionResponse:
    """What came back for one section.

    ``data`` is the answer as flat dotted report keys; with ``status="invalid"``
    it is the last answer that failed validation (each value is still grounded
    one by one before use), or None when nothing parsed.
    """

    section: SectionName
    status: ResponseStatus
    data: dict[str, Value] | None = None
    error: str | None = None
    attempts: int = 0  # HTTP calls made for this section
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached: bool = False

    def to_cache(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "status": self.status,
            "data": self.data,
            "error": self.error,
            "attempts": self.attempts,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
        }

    @classmethod
    def from_cache(cls, data: dict[str, Any]) -> SectionResponse:
        return cls(cached=True, **data)


class LanguageModel(Protocol):
    """One method between the pipeline and any model."""

    @property
    def name(self) -> str: ...

    def complete(self, request: SectionRequest) -> SectionResponse: ...


class Grounding(StrEnum):
    """How a value the LLM returned was found in the section text."""

    EXACT = "exact"  # at its cell: the row prints exactly the expected numbers
    FUZZY = "fuzzy"  # among the numbers printed near its label
    NOT_FOUND = "not_found"


@dataclass(frozen=True, slots=True)
class GroundResult:
    status: Grounding
    reason: str
    start: int | None = None  # offsets into Document.text
    end: int | None = None
    printed: str | None = None

    @property
    def grounded(self) -> bool:
        return self.status is not Grounding.NOT_FOUND


@dataclass(frozen=True, slots=True)
class LLMField:
    """One value the LLM read and the grounding accepted."""

    key: str
    value: Value
    grounding: Grounding
    source: Source | None
    validated: bool  # from an answer that passed the section's validators

    @property
    def confidence(self) -> float:
        base = 0.9 if self.grounding is Grounding.EXACT else 0.7
        return base if self.validated else base - 0.2


@dataclass(frozen=True, slots=True)
class RejectedValue:
    """An LLM value that was not used, and why."""

    key: str
    value: Value
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "value": self.value, "reason": self.reason}


@dataclass(slots=True)
class LLMReading:
    """The LLM's reading of one document: accepted values, rejections, cost."""

    fields: dict[str, LLMField] = field(default_factory=dict)
    rejected: list[RejectedValue] = field(default_factory=list)
    responses: dict[str, SectionResponse] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
