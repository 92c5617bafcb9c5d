"""The report model of SCHEMA.md, and dotted-key addressing of its fields.

A report is handled in two shapes: nested (the JSON of SCHEMA.md, validated
by the pydantic models below) and flat (``{"applications.granted.total": 3}``),
which is what the parser, the checks, eval and review work with.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from extractor.template import (
    ACTIVE_DISCLOSURE,
    APPLICATION_ROWS,
    TemplateName,
)

Value = int | float | str | None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApplicationRow(_Strict):
    natural_person: int | None = None
    commercial: int | None = None
    research: int | None = None
    social_welfare: int | None = None
    legal_service: int | None = None
    other_org: int | None = None
    total: int | None = None


class ReviewGroup(_Strict):
    upheld: int | None = None
    corrected: int | None = None
    other: int | None = None
    pending: int | None = None
    total: int | None = None


class ReviewsAndLawsuits(_Strict):
    reconsideration: ReviewGroup = ReviewGroup()
    litigation_direct: ReviewGroup = ReviewGroup()
    litigation_after_reconsideration: ReviewGroup = ReviewGroup()


class Report(_Strict):
    """One report as SCHEMA.md lays it out. Every number is as printed."""

    organization: str | None = None
    year: int | None = None
    published_on: str | None = None
    template: TemplateName | None = None
    active_disclosure: dict[str, dict[str, int | float | None]] | None = None
    applications: dict[str, ApplicationRow] = {}
    reviews_and_lawsuits: ReviewsAndLawsuits = ReviewsAndLawsuits()

    @field_validator("applications")
    @classmethod
    def _known_rows(cls, rows: dict[str, ApplicationRow]) -> dict[str, ApplicationRow]:
        unknown = set(rows) - set(APPLICATION_ROWS)
        if unknown:
            raise ValueError(f"unknown applications rows: {sorted(unknown)}")
        return rows

    def to_json(self) -> dict[str, Any]:
        """Nested dict in SCHEMA.md key order; absent rows are left out."""
        data = self.model_dump(mode="json")
        data["applications"] = {
            row: data["applications"][row] for row in APPLICATION_ROWS if row in data["applications"]
        }
        if self.template and self.active_disclosure is not None:
            layout = ACTIVE_DISCLOSURE[self.template]
            data["active_disclosure"] = {
                item: {f: self.active_disclosure.get(item, {}).get(f) for f in fields}
                for item, (_, fields) in layout.items()
            }
        return data

    def to_flat(self) -> dict[str, Value]:
        return flatten(self.to_json())

    @classmethod
    def from_flat(cls, flat: dict[str, Value]) -> Report:
        return cls.model_validate(unflatten(flat))


def flatten(nested: dict[str, Any], prefix: str = "") -> dict[str, Value]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``. A null subtree stays one null key."""
    flat: dict[str, Value] = {}
    for key, value in nested.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten(value, f"{path}."))
        else:
            flat[path] = value
    return flat


def unflatten(flat: dict[str, Value]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for path, value in flat.items():
        node = nested
        *parents, leaf = path.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return nested


__all__ = [
    "ApplicationRow",
    "Report",
    "ReviewGroup",
    "ReviewsAndLawsuits",
    "Value",
    "flatten",
    "unflatten",
]
