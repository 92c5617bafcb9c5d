"""What the rule-based parser hands on: every field with its detail, and why some need a look."""

from __future__ import annotations

from dataclasses import dataclass, field

from extractor.result import FieldDetail
from extractor.template import TemplateName


@dataclass(slots=True)
class Span:
    start: int
    end: int


@dataclass(slots=True)
class ParseOutcome:
    """The parser's reading of one document.

    ``fields`` holds every dotted key of the report (null where nothing was
    read). ``review`` maps a key to the reason it needs a person's eye.
    ``sections`` maps "metadata", "active_disclosure", "applications" and
    "reviews_and_lawsuits" to the span of ``Document.text`` the section's
    table was read from (absent when the parser did not find it): the LLM
    path sends exactly that text.
    """

    fields: dict[str, FieldDetail]
    review: dict[str, str] = field(default_factory=dict)
    sections: dict[str, Span] = field(default_factory=dict)
    template: TemplateName | None = None
    rows: list[str] = field(default_factory=list)  # applications rows the report prints

    def values(self) -> dict[str, object]:
        return {key: detail.value for key, detail in self.fields.items()}
