"""Minimal repair targeting: the fewest cells whose change restores every broken identity."""

from __future__ import annotations

from pathlib import Path

from textreports import ROWS_2021, SEC4_PLAIN, plain_rows, report_text

from extractor.load.text import load_text
from extractor.pipeline import ExtractOptions, extract_document
from extractor.repair import minimal_repairs
from extractor.report import Value
from extractor.template import APPLICANT_COLUMNS


def consistent() -> dict[str, Value]:
    values: dict[str, Value] = {
        f"applications.{row}.{col}": v
        for row, row_values in ROWS_2021
        for col, v in zip(APPLICANT_COLUMNS, row_values, strict=True)
    }
    for group in ("reconsideration", "litigation_direct", "litigation_after_reconsideration"):
        for col in ("upheld", "corrected", "other", "pending", "total"):
            values[f"reviews_and_lawsuits.{group}.{col}"] = 0
    return values


def test_nothing_to_repair_when_every_identity_holds() -> None:
    assert minimal_repairs(consistent()) == []


def test_one_misprinted_cell_is_found_with_the_value_that_restores_everything() -> None:
    values = consistent()
    values["applications.granted.natural_person"] = 9  # printed 9 where the tallies say 8
    proposals = minimal_repairs(values)
    assert [p.cells for p in proposals] == [{"applications.granted.natural_person": 8}]
    assert proposals[0].printed == {"applications.granted.natural_person": 9}
    assert set(proposals[0].restores) == {"applications.outcomes[natural_person]", "applications.row_total[granted]"}


def test_two_cells_when_no_single_cell_does() -> None:
    values = consistent()
    # one application counted in the wrong column: the row still adds up, two column sums break
    values["applications.granted.natural_person"] = 7
    values["applications.granted.commercial"] = 1
    proposals = minimal_repairs(values)
    assert [p.cells for p in proposals] == [
        {"applications.granted.natural_person": 8, "applications.granted.commercial": 0}
    ]


def test_negative_or_fractional_fixes_are_not_proposed() -> None:
    values = consistent()
    values["reviews_and_lawsuits.reconsideration.upheld"] = 10
    values["reviews_and_lawsuits.reconsideration.corrected"] = 1  # total printed 0
    proposals = minimal_repairs(values)
    assert [p.cells for p in proposals] == [{"reviews_and_lawsuits.reconsideration.total": 11}]


def test_unrelated_breaks_are_repaired_separately() -> None:
    values = consistent()
    values["reviews_and_lawsuits.reconsideration.upheld"] = 2  # total printed 0
    values["applications.granted.natural_person"] = 9
    proposals = minimal_repairs(values)
    assert [p.cells for p in proposals] == [
        {"applications.granted.natural_person": 8},
        {"reviews_and_lawsuits.reconsideration.total": 2},
        {"reviews_and_lawsuits.reconsideration.upheld": 0},
    ]
    assert proposals[1].restores == ["reviews_and_lawsuits.total[reconsideration]"]


def test_pipeline_proposes_but_keeps_the_printed_numbers() -> None:
    sec4 = SEC4_PLAIN.replace("2 1 0 0 3", "10 1 0 0 0")
    text = report_text(plain_rows(), sec4=sec4)
    document = load_text(Path("report.txt"), text.encode("utf-8"))
    result = extract_document(document, ExtractOptions())
    assert result.report["reviews_and_lawsuits"]["reconsideration"]["total"] == 0  # as printed
    assert [p.cells for p in result.repairs] == [{"reviews_and_lawsuits.reconsideration.total": 11}]
    assert "reviews_and_lawsuits.reconsideration.total" in result.review
    assert "proposed fix: 11 instead of 0" in (result.fields["reviews_and_lawsuits.reconsideration.total"].note or "")
    assert result.to_json()["repairs"][0]["cells"] == {"reviews_and_lawsuits.reconsideration.total": 11}

    off = extract_document(document, ExtractOptions(second_readers=False))
    assert off.repairs == [] and off.report == result.report
