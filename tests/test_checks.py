"""The tally identities: a consistent table passes; one changed cell breaks exactly its identities."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.checks import evaluate, failed_fields, identities_for
from extractor.template import APPLICANT_PARTS, OUTCOME_ROWS, REVIEW_COLUMNS, REVIEW_GROUPS

ROWS_2021 = [r for r in OUTCOME_ROWS if r != "other_handling"]
ROWS_2019 = [r for r in OUTCOME_ROWS if not r.startswith("other_") or r == "other_handling"]

counts = st.integers(min_value=0, max_value=500)


@st.composite
def consistent_reports(draw: st.DrawFn) -> dict[str, int]:
    outcome_rows = draw(st.sampled_from([ROWS_2021, ROWS_2019]))
    values: dict[str, int] = {}

    def put_row(row: str, parts: list[int]) -> None:
        for col, value in zip(APPLICANT_PARTS, parts, strict=True):
            values[f"applications.{row}.{col}"] = value
        values[f"applications.{row}.total"] = sum(parts)

    processed = [0] * len(APPLICANT_PARTS)
    for row in outcome_rows:
        parts = [draw(counts) for _ in APPLICANT_PARTS]
        put_row(row, parts)
        processed = [a + b for a, b in zip(processed, parts, strict=True)]
    put_row("total_processed", processed)
    forward = [draw(counts) for _ in APPLICANT_PARTS]
    put_row("carried_forward", forward)
    carried = [draw(st.integers(0, p + f)) for p, f in zip(processed, forward, strict=True)]
    put_row("carried_over", carried)
    put_row("new_received", [p + f - c for p, f, c in zip(processed, forward, carried, strict=True)])
    for group in REVIEW_GROUPS:
        parts = [draw(counts) for _ in REVIEW_COLUMNS[:-1]]
        for col, value in zip(REVIEW_COLUMNS, [*parts, sum(parts)], strict=True):
            values[f"reviews_and_lawsuits.{group}.{col}"] = value
    return values


@given(consistent_reports())
@settings(max_examples=60, deadline=None)
def test_a_consistent_table_passes_every_identity(values: dict[str, int]) -> None:
    checks = evaluate(values)
    assert checks, "identities were evaluated"
    assert all(check.passed is True for check in checks), [c.detail for c in checks if not c.passed]
    assert failed_fields(checks) == []


@given(consistent_reports(), st.data())
@settings(max_examples=80, deadline=None)
def test_changing_one_cell_breaks_exactly_the_identities_that_contain_it(
    values: dict[str, int], data: st.DataObject
) -> None:
    key = data.draw(st.sampled_from(sorted(values)))
    delta = data.draw(st.integers(min_value=1, max_value=50))
    changed = dict(values, **{key: values[key] + delta})
    broken = {check.rule for check in evaluate(changed) if check.passed is False}
    expected = {identity.rule for identity in identities_for(changed) if key in identity.fields}
    assert broken == expected
    assert key in failed_fields(evaluate(changed))


def test_an_identity_with_a_null_is_skipped_and_says_so() -> None:
    values = {f"reviews_and_lawsuits.reconsideration.{c}": 0 for c in REVIEW_COLUMNS}
    values["reviews_and_lawsuits.reconsideration.total"] = None  # type: ignore[assignment]
    check = next(c for c in evaluate(values) if c.rule == "reviews_and_lawsuits.total[reconsideration]")
    assert check.passed is None
    assert "skipped" in check.detail and "reconsideration.total" in check.detail


def test_a_broken_identity_reports_both_sides_and_the_difference() -> None:
    values = {"reviews_and_lawsuits.reconsideration.upheld": 10, "reviews_and_lawsuits.reconsideration.corrected": 1}
    values |= {"reviews_and_lawsuits.reconsideration.other": 0, "reviews_and_lawsuits.reconsideration.pending": 0}
    values["reviews_and_lawsuits.reconsideration.total"] = 0
    check = next(c for c in evaluate(values) if c.rule == "reviews_and_lawsuits.total[reconsideration]")
    assert check.passed is False
    assert (check.lhs, check.rhs, check.difference) == (11, 0, 11)
    assert "off by 11" in check.detail
