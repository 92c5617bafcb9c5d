"""The prose reader: figures stated in words, compared with the tables; evidence and contradictions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textreports import report_text

from extractor.cli import main
from extractor.document import Document
from extractor.load import load_document
from extractor.load.text import load_text
from extractor.parse.normalize import chinese_number
from extractor.parse.prose import apply_prose, read_prose
from extractor.pipeline import ExtractOptions, extract_document
from extractor.result import CheckResult, Engine, FieldDetail, Source

GOLD = Path(__file__).resolve().parents[1] / "gold"

PARAGRAPH = (
    "一、总体情况\n"
    "全年共收到政府信息公开申请81件，上年结转2件。其中予以公开22件，部分公开3件，不予公开4件；"
    "办理完结80件，结转下年度继续办理3件。本年度被申请行政复议两件，被提起行政诉讼7件。"
    "本年制发规范性文件5件。行政事业性收费12.5万元。\n"
    # not figures of the tables
    "收到留言数量483条，办结481条。全县共办理相关行政复议、行政诉讼案件74件。联系电话：0999-8359526。"
    "因其他法律行政法规禁止公开而不予公开1起。\n"
    "（一）予以公开\t22\t0\t0\t0\t0\t0\t22\n"
)


def figures_by_meaning(text: str) -> dict[str, list[int | float]]:
    out: dict[str, list[int | float]] = {}
    for figure in read_prose(text):
        out.setdefault(figure.meaning, []).append(figure.value)
    return out


def test_each_stated_figure_is_read_with_its_meaning_value_and_span() -> None:
    found = figures_by_meaning(PARAGRAPH)
    assert found == {
        "applications.new_received.total": [81],
        "applications.carried_over.total": [2],
        "applications.granted.total": [22],
        "applications.partially_granted.total": [3],
        "applications.denied.total": [4],
        "applications.total_processed.total": [80],
        "applications.carried_forward.total": [3],
        "reviews_and_lawsuits.reconsideration.total": [2],
        "reviews_and_lawsuits.litigation.total": [7],
        "active_disclosure.normative_documents.issued": [5],
        "active_disclosure.fees.amount_10k_yuan": [12.5],
    }
    for figure in read_prose(PARAGRAPH):
        assert PARAGRAPH[figure.start : figure.end] in (str(figure.value), "两")
        assert PARAGRAPH[figure.start : figure.end] in figure.text


def test_applicants_stated_in_words() -> None:
    """As the 2025 沭阳县 report writes them."""
    document = load_document(GOLD / "2025_jiangsu_shuyang_county_gov_ocr.md")
    found = {f.meaning: f.value for f in read_prose(document.text)}
    assert found == {
        "applications.new_received.total": 749,
        "applications.new_received.natural_person": 741,
        "applications.new_received.legal_persons": 8,
        "applications.total_processed.total": 718,
        "applications.carried_forward.total": 31,
    }


def test_chinese_numerals_and_money_in_yuan() -> None:
    assert [chinese_number(t) for t in ("两", "十二", "一百零五", "二十", "是")] == [2, 12, 105, 20, None]
    assert figures_by_meaning("行政事业性收费共计380元。") == {"active_disclosure.fees.amount_10k_yuan": [0.038]}
    assert figures_by_meaning("对予以公开一个工作日内答复，部分公开一份。") == {}


def test_real_seed_prose() -> None:
    """Seed 004 states its figures in 总体情况; the spans point into the document text."""
    document = load_document(GOLD / "004_bd42eb570d158966.txt")
    figures = read_prose(document.text, "2019")
    found = {f.meaning: f.value for f in figures}
    assert found == {
        "active_disclosure.normative_documents.issued": 1,
        "applications.new_received.total": 15,
        "applications.total_processed.total": 14,
        "applications.carried_forward.total": 1,
        "applications.partially_granted.total": 7,
    }
    issued = next(f for f in figures if f.meaning == "active_disclosure.normative_documents.issued")
    assert issued.keys == ("active_disclosure.normative_documents.made",)  # the 2019 template's column
    assert all(document.text[f.start : f.end] == str(f.value) for f in figures)


def _document(text: str) -> Document:
    return load_text(Path("report.txt"), text.encode("utf-8"))


# -- evidence (unit tests of the rule on hand-made fields) -------------------------------
KEY = "applications.granted.total"


def _field(value: object, alternatives: list[object], engine: Engine = Engine.PARSER) -> FieldDetail:
    return FieldDetail(value=value, confidence=0.5, source=Source(engine=engine), alternatives=alternatives)


def _apply(detail: FieldDetail, prose: str = "予以公开4件。") -> tuple[dict[str, str], dict[str, int]]:
    review = {KEY: "more than one reading of this row fits every check"}
    document = _document(prose)
    counts = apply_prose(document, read_prose(document.text), {KEY: detail}, review)
    return review, counts


def test_agreement_settles_a_field_only_one_of_whose_readings_the_prose_gives() -> None:
    detail = _field(4, [8])
    review, counts = _apply(detail)
    assert review == {} and counts["confirmed"] == 1
    assert detail.value == 4 and detail.evidence is not None and detail.evidence[0].agrees
    assert detail.evidence[0].text == "予以公开4件" and "prose states 4" in (detail.note or "")


@pytest.mark.parametrize(
    ("detail", "why"),
    [
        (_field(4, [4.0, 8]), "two readings give the prose figure"),
        (_field(4, [8], Engine.INFERRED), "restored from the identities"),
        (_field(None, [4]), "null"),
    ],
)
def test_agreement_does_not_settle_other_flags(detail: FieldDetail, why: str) -> None:
    review, counts = _apply(detail)
    assert KEY in review, why
    assert counts["confirmed"] == 0


def test_agreement_settles_a_lost_cell_whose_column_is_uncertain_but_not_other_flags() -> None:
    detail = _field(4, [])
    review = {KEY: "the text lost a cell of this row; this value's column is not certain"}
    document = _document("予以公开4件。")
    apply_prose(document, read_prose(document.text), {KEY: detail}, review)
    assert review == {}
    for reason in ("OCR read this cell with confidence 0.62", "row label not recognised; placed by its position"):
        review = {KEY: reason}
        apply_prose(document, read_prose(document.text), {KEY: _field(4, [])}, review)
        assert KEY in review, reason


def test_agreement_does_not_settle_a_field_of_a_broken_identity() -> None:
    fields = {
        "applications.granted.natural_person": _field(1, []),
        "applications.granted.commercial": _field(0, []),
        "applications.granted.research": _field(0, []),
        "applications.granted.social_welfare": _field(0, []),
        "applications.granted.legal_service": _field(0, []),
        "applications.granted.other_org": _field(0, []),
        KEY: _field(4, [8]),  # 1 + 0 + ... != 4: the row total identity is broken
    }
    review = {KEY: "more than one reading of this row fits every check"}
    document = _document("予以公开4件。")
    apply_prose(document, read_prose(document.text), fields, review)
    assert KEY in review


def test_a_contradiction_keeps_the_table_and_sends_the_field_to_review_with_both() -> None:
    detail = _field(4, [])
    review: dict[str, str] = {}
    document = _document("予以公开9件。")
    counts = apply_prose(document, read_prose(document.text), {KEY: detail}, review)
    assert detail.value == 4 and detail.alternatives == [9]
    assert "prose states 9 where the table has 4" in review[KEY]
    assert counts["contradicted"] == 1


# -- through the pipeline ---------------------------------------------------------------
AMBIGUOUS_ROW = "（一）予以公开 3 1 0 0 0 4"  # lost a cell: the total is 4 (a zero lost) or 8 (the total lost)


def _extract(prose: str, second_readers: bool = True) -> tuple[dict[str, FieldDetail], list[str], list[CheckResult]]:
    text = report_text(AMBIGUOUS_ROW, sec2="", sec4="").replace("2023年，我市共发布信息100条。", prose)
    result = extract_document(_document(text), ExtractOptions(second_readers=second_readers))
    return result.fields, result.review, [c for c in result.checks if c.rule.startswith("prose.")]


def test_pipeline_prose_evidence_takes_an_ambiguous_total_out_of_review() -> None:
    fields, review, _ = _extract("2023年，我市予以公开4件。", second_readers=False)
    assert fields[KEY].value == 4 and fields[KEY].alternatives == [8] and KEY in review

    fields, review, checks = _extract("2023年，我市予以公开4件。")
    assert fields[KEY].value == 4 and KEY not in review
    assert fields[KEY].evidence and fields[KEY].evidence[0].kind == "prose"
    assert "applications.granted.natural_person" in review  # the row's other cells are not settled
    assert [(c.rule, c.passed) for c in checks] == [("prose.applications.granted.total", True)]


def test_pipeline_contradiction_is_a_failed_check_and_a_review() -> None:
    fields, review, checks = _extract("2023年，我市予以公开5件。")
    assert fields[KEY].value == 4 and 5 in fields[KEY].alternatives and KEY in review
    assert [(c.rule, c.passed, c.lhs, c.rhs) for c in checks] == [("prose.applications.granted.total", False, 5.0, 4.0)]


def test_cli_switch_turns_the_second_readers_off(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "report.txt"
    path.write_text(
        report_text(AMBIGUOUS_ROW, sec2="", sec4="").replace("2023年，我市共发布信息100条。", "予以公开4件。"),
        encoding="utf-8",
    )
    assert main(["extract", str(path)]) == 0
    on = json.loads(capsys.readouterr().out)
    assert main(["extract", str(path), "--no-second-readers"]) == 0
    off = json.loads(capsys.readouterr().out)
    assert KEY in off["review"] and KEY not in on["review"]
    assert on["usage"]["second_readers"]["confirmed"] == 1 and "second_readers" not in off["usage"]
