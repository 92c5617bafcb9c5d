"""Response models, one per section, built from the template.

Field names are the contract keys; each field's description is the template's
Chinese label, so the JSON schema the model sees reads like the printed table.
The ``after`` validator carries the grounding and the tally identities: a value
that is not printed near its label, or an identity broken by values that are
not all printed, raises, and instructor re-asks with that message. An identity
broken by printed values (the document's own numbers) is accepted: re-asking
cannot fix the document, and the reconcile step sends those fields to review.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, create_model, model_validator

from extractor.checks import application_identities, evaluate_identity, review_identities
from extractor.llm.grounding import parse_number
from extractor.llm.types import SectionName
from extractor.report import Value, flatten
from extractor.template import (
    ACTIVE_DISCLOSURE,
    ACTIVE_FIELD_LABELS,
    APPLICANT_COLUMNS,
    APPLICATION_ROW_LABELS,
    APPLICATION_ROWS,
    COLUMN_LABELS,
    MONEY_FIELDS,
    REVIEW_COLUMN_LABELS,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    TemplateName,
    form_rows,
)

MAX_PROBLEMS_SHOWN = 20
_BLANK = {"", "-", "—", "——", "/", "无", "null", "none"}


def _to_number(value: Any) -> Any:
    """Accept ``"1,234"``, ``"１２"``, ``"24 个"``; a blank-looking string is null."""
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.lower() in _BLANK:
            return None
        stripped = re.sub(r"\s*(个|件|元|万元|项|次)$", "", stripped)
        number = parse_number(stripped)
        if number is not None:
            return int(number) if number.is_integer() else number
    return value


def _to_text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Count = Annotated[int | None, BeforeValidator(_to_number)]
Money = Annotated[float | None, BeforeValidator(_to_number)]


class SectionAnswer(BaseModel):
    """Base of every section's response model."""

    model_config = ConfigDict(extra="forbid")

    SECTION: ClassVar[SectionName]

    def flat(self) -> dict[str, Value]:
        data = self.model_dump()
        if self.SECTION == "metadata":
            return data
        return flatten(data, f"{self.SECTION}.")

    @model_validator(mode="after")
    def _grounded_and_balanced(self, info: ValidationInfo) -> SectionAnswer:
        problems = answer_problems(self.flat(), self.SECTION, info.context)
        if problems:
            shown = problems[:MAX_PROBLEMS_SHOWN]
            more = len(problems) - len(shown)
            lines = "\n".join(f"- {p}" for p in shown) + (f"\n- ... and {more} more" if more else "")
            raise ValueError(
                "The answer does not match the document. Copy each number exactly as printed in its cell "
                f"(null for a blank cell); do not compute or guess.\n{lines}"
            )
        return self


def answer_problems(flat: dict[str, Value], section: SectionName, context: dict[str, Any] | None) -> list[str]:
    """Ungrounded values, and identities broken by values that are not all printed."""
    grounder = (context or {}).get("grounder")
    problems: list[str] = []
    grounded: set[str] = set()
    for key, value in flat.items():
        if value is None or grounder is None:
            continue
        result = grounder.ground(key, value)
        if result.grounded:
            grounded.add(key)
        else:
            problems.append(f"{key} = {value}: {result.reason}")
    if section == "applications":
        rows = {key.split(".")[1] for key in flat}
        identities = application_identities(rows)
    elif section == "reviews_and_lawsuits":
        identities = review_identities()
    else:
        identities = []
    for identity in identities:
        check = evaluate_identity(identity, flat)
        if check.passed is False and not all(key in grounded for key in check.fields):
            problems.append(f"tally {check.rule} fails: {check.detail}")
    return problems


def _field(annotation: Any, label: str) -> tuple[Any, Any]:
    # required key, null allowed: the model must say something about every cell
    return (annotation, Field(..., description=label))


@cache
def _application_row_model() -> type[BaseModel]:
    fields = {col: _field(Count, COLUMN_LABELS[col]) for col in APPLICANT_COLUMNS}
    return create_model("ApplicationRow", __config__=ConfigDict(extra="forbid"), **fields)  # type: ignore[call-overload]


@cache
def _review_group_model() -> type[BaseModel]:
    fields = {col: _field(Count, REVIEW_COLUMN_LABELS[col]) for col in REVIEW_COLUMNS}
    return create_model("ReviewGroup", __config__=ConfigDict(extra="forbid"), **fields)  # type: ignore[call-overload]


def application_rows_for(template: TemplateName | None, rows: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The rows to ask for: what the parser says the report prints, else the template's."""
    if rows:
        return tuple(r for r in APPLICATION_ROWS if r in set(rows))
    return form_rows(template == "2019")


@cache
def response_model(
    section: SectionName, template: TemplateName | None, rows: tuple[str, ...] = ()
) -> type[SectionAnswer]:
    """The response model of one section (for one template and set of applications rows)."""
    if section == "metadata":
        fields: dict[str, Any] = {
            "organization": _field(str | None, "发布报告的机关名称（如 ××市人民政府）"),
            "year": _field(Annotated[int | None, BeforeValidator(_to_number)], "统计年度（统计期限所在年份）"),
            "published_on": (
                str | None,
                Field(..., description="落款日期 YYYY-MM-DD", pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"),
            ),
            "template": _field(
                Annotated[
                    Literal["2021", "2019"] | None, BeforeValidator(lambda v: str(v) if isinstance(v, int) else v)
                ],
                "表格格式：2021 或 2019",
            ),
        }
        name = "MetadataAnswer"
    elif section == "applications":
        row_model = _application_row_model()
        fields = {row: _field(row_model, APPLICATION_ROW_LABELS[row]) for row in rows}
        name = "ApplicationsAnswer"
    elif section == "reviews_and_lawsuits":
        group_model = _review_group_model()
        fields = {group: _field(group_model, label) for group, label in REVIEW_GROUPS.items()}
        name = "ReviewsAndLawsuitsAnswer"
    elif section == "active_disclosure":
        if template is None:
            raise ValueError("active_disclosure needs the template (2021 or 2019)")
        fields = {}
        for item, (label, item_fields) in ACTIVE_DISCLOSURE[template].items():
            inner = {f: _field(Money if f in MONEY_FIELDS else Count, ACTIVE_FIELD_LABELS[f]) for f in item_fields}
            item_model = create_model(  # type: ignore[call-overload]
                f"Active_{item}", __config__=ConfigDict(extra="forbid"), **inner
            )
            fields[item] = _field(item_model, label)
        name = f"ActiveDisclosure{template}Answer"
    else:
        raise ValueError(f"unknown section {section!r}")
    model = create_model(name, __base__=SectionAnswer, **fields)
    model.SECTION = section
    return model


def schema_hash(model: type[BaseModel]) -> str:
    schema = json.dumps(model.model_json_schema(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(schema.encode()).hexdigest()[:16]


def expected_keys(model: type[SectionAnswer]) -> list[str]:
    """The flat dotted keys an answer of ``model`` has."""
    prefix = "" if model.SECTION == "metadata" else f"{model.SECTION}."
    keys = []
    for name, info in model.model_fields.items():
        inner = info.annotation
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            keys += [f"{prefix}{name}.{sub}" for sub in inner.model_fields]
        else:
            keys.append(f"{prefix}{name}")
    return keys


def lenient_flat(model: type[BaseModel], raw: Any) -> dict[str, Value] | None:
    """The values of an answer that failed validation, each kept only if it has the right shape.

    Used to salvage the last answer once re-asks run out: every value is still
    grounded on its own before anything uses it.
    """
    if not isinstance(raw, dict) or not issubclass(model, SectionAnswer):
        return None
    flat = flatten(raw, "" if model.SECTION == "metadata" else f"{model.SECTION}.")
    salvaged: dict[str, Value] = {}
    for key in expected_keys(model):
        if key not in flat:
            continue
        value = flat[key]
        if key in ("organization", "published_on", "template"):
            salvaged[key] = str(value) if isinstance(value, str | int) else None
            continue
        number = _to_number(value)
        if isinstance(number, int | float) and not isinstance(number, bool):
            salvaged[key] = number
        elif number is None:
            salvaged[key] = None
    return salvaged
