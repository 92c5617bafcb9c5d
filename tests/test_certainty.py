"""Certainty is earned: over every corpus in the repository, no unpinned value leaves ``review``.

A field outside ``review`` must be read as printed. The test fails on

- a null outside ``review``, unless its source is a printed blank cell of a row that was found
  (a span of the document whose text is empty or a dash);
- a value restored from the identities (``source.engine == "inferred"``) outside ``review``;
- a value that differs from the document's gold and is not in ``review`` (a silent error).

Corpora: ``gold/`` (seeds, real PDFs, the real web page), ``eval/corpus/``, the converted
corpus's CI subset ``eval/converted/ci/``, the converter outputs of ``tests/data/converted/``, and
plain ``get_text()`` dumps of every HTML page made here (the web-page dumps users feed the tool,
every cell run into the next, and one line per text node; a dump keeps its page's gold).
Documents that need OCR (scans with no text layer, images) are left out to keep the test quick;
``test_only_documents_needing_ocr_are_left_out`` holds that nothing else is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from extractor.errors import NotAReportError
from extractor.load import HTML_SUFFIXES, IMAGE_SUFFIXES, TEXT_SUFFIXES
from extractor.pipeline import extract_path
from extractor.report import flatten
from extractor.result import Engine, Result
from extractor.scoring import find_document, gold_files, score_document

REPO = Path(__file__).resolve().parents[1]
DOCUMENT_SUFFIXES = (TEXT_SUFFIXES - {""}) | HTML_SUFFIXES | IMAGE_SUFFIXES | {".pdf", ".docx"}
BLANK_TEXTS = {"", "-", "/", "—", "－", "–", "\\"}  # what a cell printed blank holds


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    document: Path
    gold: Path | None  # the document's gold file, if it has one


def _corpus_dirs() -> list[Path]:
    # the converted corpus's CI subset; its dev split is measured by eval/families.py, and its test
    # split is held out (scored only to report, never tuned on); converter outputs kept as test data
    return [
        REPO / "gold",
        REPO / "eval" / "corpus",
        REPO / "eval" / "converted" / "ci",
        REPO / "tests" / "data" / "converted",
    ]


def needs_ocr(path: Path) -> bool:
    """An image, or a PDF most of whose pages carry no text layer (a scan)."""
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return True
    if suffix != ".pdf":
        return False
    import pymupdf

    with pymupdf.open(path) as pdf:
        empty = sum(1 for page in pdf if len(page.get_text().strip()) < 20)
        return empty * 2 > pdf.page_count


@cache
def _all_cases() -> tuple[Case, ...]:
    cases: list[Case] = []
    seen: set[Path] = set()
    for directory in _corpus_dirs():
        for gold_path in sorted(directory.rglob("*.gold.json")) or gold_files(directory):
            gold = json.loads(gold_path.read_text(encoding="utf-8"))
            document = find_document(gold_path, gold)
            assert document is not None, f"{gold_path}: its document {gold.get('source')!r} is missing"
            seen.add(document.resolve())
            cases.append(Case(str(document.relative_to(REPO)), document, gold_path))
        for document in sorted(directory.rglob("*")):
            if document.suffix.lower() not in DOCUMENT_SUFFIXES or document.name.startswith(("_", "README")):
                continue
            if document.is_file() and document.resolve() not in seen:
                seen.add(document.resolve())
                cases.append(Case(str(document.relative_to(REPO)), document, None))
    return tuple(cases)


def _cases() -> list[Case]:
    return [case for case in _all_cases() if not needs_ocr(case.document)]


def _html_pages() -> list[Case]:
    return [case for case in _cases() if case.document.suffix.lower() in HTML_SUFFIXES]


@cache
def _extract(document: Path) -> dict[str, Any] | None:
    """The result, or None when the document fails loudly: one error naming the file, which loses
    nothing silently (a converter that keeps section 三 as a grid table pandoc cannot flatten)."""
    try:
        return extract_path(document).to_json()
    except NotAReportError as error:
        assert str(document) in str(error)
        return None


def _dump(page: Path, directory: Path, separator: str) -> Path:
    """The page as ``get_text()`` gives it: with no separator every cell runs into the next."""
    from bs4 import BeautifulSoup

    from extractor.load.html import decode_html

    text = BeautifulSoup(decode_html(page.read_bytes()), "lxml").get_text(separator)
    dump = directory / f"{page.stem}.txt"
    dump.write_text(text, encoding="utf-8")
    return dump


def is_printed_blank(detail: dict[str, Any]) -> bool:
    """A null read from a cell the document prints blank: a span of the text holding nothing or a dash."""
    source = detail.get("source") or {}
    return (
        detail.get("value") is None
        and source.get("engine") in (Engine.PARSER.value, Engine.OCR.value)
        and source.get("start") is not None
        and (source.get("text") or "").strip() in BLANK_TEXTS
    )


def unearned_fields(result: dict[str, Any]) -> list[str]:
    """Every field outside ``review`` that the document does not pin: a null, or a value inferred."""
    review = set(result.get("review", []))
    fields: dict[str, Any] = result.get("fields", {})
    out: list[str] = []
    for key, detail in sorted(fields.items()):
        if key in review:
            continue
        engine = (detail.get("source") or {}).get("engine")
        if engine == Engine.INFERRED.value:
            out.append(f"{key}: inferred value {detail.get('value')!r} outside review")
        elif detail.get("value") is None and not is_printed_blank(detail):
            out.append(f"{key}: null outside review, and no blank cell printed for it")
    for key, value in sorted(flatten(result.get("report", {})).items()):
        if value is None and key not in fields and key not in review:
            out.append(f"{key}: null in the report with no field detail, outside review")
    return out


def silent_errors(gold_path: Path, result: dict[str, Any]) -> list[str]:
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    return [f"{e.key}: gold {e.expected!r}, read {e.got!r}" for e in score_document(gold, result).silent]


# -- the corpora are there -------------------------------------------------------


def test_the_corpora_are_found() -> None:
    cases = _all_cases()
    assert sum(1 for c in cases if c.document.parent == REPO / "gold") >= 9, "gold/ documents missing"
    assert sum(1 for c in cases if c.document.parent == REPO / "eval" / "corpus") >= 24, "eval/corpus missing"
    assert _html_pages(), "no HTML page to dump"
    assert all(c.gold is not None for c in cases if c.document.parent == REPO / "eval" / "corpus")


def test_only_documents_needing_ocr_are_left_out() -> None:
    left_out = [c for c in _all_cases() if c not in _cases()]
    for case in left_out:
        assert needs_ocr(case.document), case.name
        assert case.document.suffix.lower() in IMAGE_SUFFIXES | {".pdf"}, case.name
    assert len(left_out) < len(_all_cases()) / 4, "most of the corpus left out"


# -- the rule, on every document ---------------------------------------------------


@pytest.mark.parametrize("case", _cases(), ids=lambda c: c.name)
def test_no_unpinned_value_outside_review(case: Case) -> None:
    result = _extract(case.document)
    problems = unearned_fields(result) if result is not None else []
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case", [c for c in _cases() if c.gold is not None], ids=lambda c: c.name)
def test_no_silent_error(case: Case) -> None:
    assert case.gold is not None
    result = _extract(case.document)
    problems = silent_errors(case.gold, result) if result is not None else []
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("separator", ["", "\n"], ids=["get_text", "lines"])
@pytest.mark.parametrize("case", _html_pages(), ids=lambda c: c.name)
def test_a_pages_text_dump_earns_its_certainty_too(case: Case, separator: str, tmp_path: Path) -> None:
    dump = _dump(case.document, tmp_path, separator)
    result = _extract(dump)
    problems = unearned_fields(result)
    if case.gold is not None:
        problems += silent_errors(case.gold, result)
    assert not problems, "\n".join(problems)


# -- the checker itself --------------------------------------------------------------


def _result(fields: dict[str, Any], review: list[str]) -> dict[str, Any]:
    return Result.model_validate(
        {"source": "t.txt", "report": {}, "review": review, "checks": [], "fields": fields}
    ).to_json()


def test_the_checker_catches_a_null_or_an_inferred_value_outside_review() -> None:
    fields = {
        "published_on": {"value": None, "confidence": 0.9},
        "applications.total.total": {"value": 3, "confidence": 0.6, "source": {"engine": "inferred"}},
        "applications.carried_over.total": {
            "value": None,
            "confidence": 0.9,
            "source": {"engine": "parser", "start": 10, "end": 10, "text": ""},
        },
        "applications.new.total": {
            "value": None,
            "confidence": 0.9,
            "source": {"engine": "parser", "start": 10, "end": 11, "text": "—"},
        },
        "applications.new.legal_person": {
            "value": None,
            "confidence": 0.9,
            "source": {"engine": "parser", "start": 10, "end": 12, "text": "12"},
        },
        "year": {"value": None, "confidence": 0.0},
    }
    found = unearned_fields(_result(fields, review=["year"]))
    assert [line.split(":")[0] for line in found] == [
        "applications.new.legal_person",
        "applications.total.total",
        "published_on",
    ]


def test_the_checker_finds_a_silent_error_against_gold(tmp_path: Path) -> None:
    gold_path = REPO / "gold" / "000_7304c82c33c7aa4a.json"
    result = _extract(REPO / "gold" / "000_7304c82c33c7aa4a.txt")
    wrong = json.loads(json.dumps(result))
    wrong["report"]["year"] = 1999
    assert silent_errors(gold_path, wrong) == ["year: gold 2023, read 1999"]
    wrong["review"].append("year")
    assert silent_errors(gold_path, wrong) == []


def test_cells_whose_row_total_is_not_read_are_not_certain() -> None:
    """Hand-made fields (no document): a row whose total cell OCR saw empty. Its other cells may sit
    one column off (a sliver column at the table's edge did that once) and only the row total would
    show it, so they go to review; a row whose total reads and holds stays certain."""
    from extractor.pipeline import validate
    from extractor.result import FieldDetail, Source

    columns = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total")

    def fields(total: int | None) -> tuple[dict[str, FieldDetail], dict[str, str]]:
        values = dict(zip(columns, (0, 0, 1, 3, 1, 14, total), strict=True))
        made = {
            f"applications.new_received.{c}": FieldDetail(value=v, confidence=0.9, source=Source(engine=Engine.OCR))
            for c, v in values.items()
        }
        return made, ({"applications.new_received.total": "OCR found this cell empty"} if total is None else {})

    shifted, reasons = fields(None)
    result = validate("made.txt", shifted, reasons, {})
    assert {f"applications.new_received.{c}" for c in columns} <= set(result.review)
    assert "row's total identity could not be checked" in (
        result.fields["applications.new_received.other_org"].note or ""
    )
    read, reasons = fields(19)
    assert validate("made.txt", read, reasons, {}).review == []
