"""Per-field provenance and the result file of SCHEMA.md."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from extractor.report import Report, Value


class Engine(StrEnum):
    PARSER = "parser"
    OCR = "ocr"
    LLM = "llm"
    INFERRED = "inferred"  # restored from the tally identities


class Source(BaseModel):
    """Where a value came from: an engine, a page, a character span, a box or cell."""

    model_config = ConfigDict(extra="forbid")

    engine: Engine
    page: int | None = None
    start: int | None = None
    end: int | None = None
    box: tuple[float, float, float, float] | None = None
    cell: str | None = None
    text: str | None = None  # the printed text the value was read from


class Evidence(BaseModel):
    """A second reading of a field: the report's own prose, or the same body's neighbouring year."""

    model_config = ConfigDict(extra="forbid")

    kind: str  # "prose"; "llm": a reading of the LLM grounded at the field's cell; "series": the neighbouring year
    value: Value
    agrees: bool  # with the field's value
    start: int | None = None  # span in the document text
    end: int | None = None
    page: int | None = None
    text: str | None = None  # the words the figure was read from


class FieldDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: Value
    confidence: float = Field(ge=0.0, le=1.0)
    source: Source | None = None
    alternatives: list[Value] = []
    note: str | None = None
    evidence: list[Evidence] | None = None  # second readings; None when no second reader saw the field


class CheckResult(BaseModel):
    """One tally identity evaluated on one column, row or group."""

    model_config = ConfigDict(extra="forbid")

    rule: str  # e.g. "applications.balance[natural_person]"
    passed: bool | None  # None: skipped because a value is null
    detail: str
    fields: list[str]
    lhs: float | None = None
    rhs: float | None = None
    difference: float | None = None


class RepairProposal(BaseModel):
    """The fewest cells whose change would make every broken identity hold: a suggestion for review.

    The printed values stay in ``report``; this says where a person should look first.
    """

    model_config = ConfigDict(extra="forbid")

    cells: dict[str, Value]  # dotted key -> the value that restores the identities
    printed: dict[str, Value]  # dotted key -> the value as printed (or read)
    restores: list[str]  # rules of the broken identities this proposal makes hold


class Status(StrEnum):
    SUCCESS = "success"
    PARTIAL = "partial"
    FAILURE = "failure"


class Result(BaseModel):
    """What ``extract`` returns for one document. ``report``/``review``/``checks`` are the contract."""

    schema_version: int = 1
    source: str
    report: dict[str, Any]
    review: list[str]
    checks: list[CheckResult]
    document: str | None = None  # the path the document was read from
    fields: dict[str, FieldDetail] = {}
    status: Status = Status.SUCCESS
    errors: list[str] = []
    usage: dict[str, Any] = {}
    repairs: list[RepairProposal] = []  # where identities break: the smallest changes that restore them

    def to_json(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        data["checks"] = [
            {k: v for k, v in check.items() if v is not None or k == "passed"} for check in data["checks"]
        ]
        return data


def build_result(
    source: str,
    fields: dict[str, FieldDetail],
    checks: list[CheckResult],
    review: list[str],
    **extra: Any,
) -> Result:
    report = Report.from_flat({key: detail.value for key, detail in fields.items()})
    return Result(source=source, report=report.to_json(), review=review, checks=checks, fields=fields, **extra)
