"""The tally identities (勾稽关系) of SCHEMA.md, as data, and their evaluation.

Each identity is a linear equation ``sum(coef * field) == 0`` over dotted keys.
Evaluating returns one ``CheckResult`` per identity: checks never raise and
never change a value; the caller decides what a failure means (review).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from extractor.report import Value
from extractor.result import CheckResult
from extractor.template import (
    APPLICANT_COLUMNS,
    APPLICANT_PARTS,
    APPLICATION_ROWS,
    OUTCOME_ROWS,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
)

TOLERANCE = 1e-6


@dataclass(frozen=True, slots=True)
class Identity:
    rule: str
    terms: tuple[tuple[str, int], ...]  # (dotted key, +1 or -1)
    text: str  # human-readable form

    @property
    def fields(self) -> list[str]:
        return [key for key, _ in self.terms]


def _app(row: str, col: str) -> str:
    return f"applications.{row}.{col}"


def application_identities(rows: Iterable[str]) -> list[Identity]:
    """Identities 1-3 for a report printing ``rows`` in its applications table."""
    present = [r for r in APPLICATION_ROWS if r in set(rows)]
    identities: list[Identity] = []
    balance = ("new_received", "carried_over", "total_processed", "carried_forward")
    outcomes = [r for r in OUTCOME_ROWS if r in present]
    for col in APPLICANT_COLUMNS:
        if all(r in present for r in balance):
            identities.append(
                Identity(
                    f"applications.balance[{col}]",
                    (
                        (_app("new_received", col), 1),
                        (_app("carried_over", col), 1),
                        (_app("total_processed", col), -1),
                        (_app("carried_forward", col), -1),
                    ),
                    "new_received + carried_over = total_processed + carried_forward",
                )
            )
        if "total_processed" in present and outcomes:
            identities.append(
                Identity(
                    f"applications.outcomes[{col}]",
                    ((_app("total_processed", col), -1), *((_app(r, col), 1) for r in outcomes)),
                    "total_processed = sum of granted, partially_granted, denied_*, unavailable_*, rejected_*, other_*",
                )
            )
    for row in present:
        identities.append(
            Identity(
                f"applications.row_total[{row}]",
                ((_app(row, "total"), -1), *((_app(row, c), 1) for c in APPLICANT_PARTS)),
                "natural_person + commercial + research + social_welfare + legal_service + other_org = total",
            )
        )
    return identities


def review_identities() -> list[Identity]:
    return [
        Identity(
            f"reviews_and_lawsuits.total[{group}]",
            (
                (f"reviews_and_lawsuits.{group}.total", -1),
                *((f"reviews_and_lawsuits.{group}.{c}", 1) for c in REVIEW_COLUMNS[:-1]),
            ),
            "upheld + corrected + other + pending = total",
        )
        for group in REVIEW_GROUPS
    ]


def identities_for(values: Mapping[str, Value]) -> list[Identity]:
    rows = {key.split(".")[1] for key in values if key.startswith("applications.")}
    return application_identities(rows) + review_identities()


def evaluate_identity(identity: Identity, values: Mapping[str, Value], blanks: Collection[str] = ()) -> CheckResult:
    """Whether ``identity`` holds. A null in ``blanks`` (a cell printed blank) counts as 0: a blank
    the identity needs a number from breaks it. Any other null skips the identity."""
    numbers = {k: float(v) if isinstance(v := values.get(k), int | float) else 0.0 for k, _ in identity.terms}
    lhs = sum(numbers[k] for k, coef in identity.terms if coef > 0)
    rhs = sum(numbers[k] for k, coef in identity.terms if coef < 0)
    difference = lhs - rhs
    passed = abs(difference) <= TOLERANCE
    nulls = [key for key, _ in identity.terms if not isinstance(values.get(key), int | float)]
    if nulls and (passed or any(key not in blanks for key in nulls)):
        # Blanks that add up as zeros, or cells not read: nothing contradicted.
        return CheckResult(
            rule=identity.rule,
            passed=None,
            detail=f"skipped: no value for {', '.join(nulls)}",
            fields=identity.fields,
        )
    detail = identity.text if passed else f"{identity.text}: {_num(lhs)} != {_num(rhs)} (off by {_num(difference)})"
    if nulls:
        # A blank read where the identity needs a number: the cell may have lost its value.
        detail = f"{detail}, reading {', '.join(nulls)} as 0"
    return CheckResult(
        rule=identity.rule,
        passed=passed,
        detail=detail,
        fields=identity.fields,
        lhs=lhs,
        rhs=rhs,
        difference=difference,
    )


def evaluate(values: Mapping[str, Value], blanks: Collection[str] = ()) -> list[CheckResult]:
    """Evaluate every identity that applies to ``values`` (a flat report), ``blanks`` as 0."""
    return [evaluate_identity(identity, values, blanks) for identity in identities_for(values)]


def failed_fields(checks: Iterable[CheckResult]) -> list[str]:
    """Fields of every broken identity, in first-seen order."""
    seen: dict[str, None] = {}
    for check in checks:
        if check.passed is False:
            seen.update(dict.fromkeys(check.fields))
    return list(seen)


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
