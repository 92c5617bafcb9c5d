"""The hand-labelled gold set: every seed and corpus document has a gold file, and extraction matches it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor.checks import evaluate
from extractor.pipeline import extract_path
from extractor.report import Report, flatten
from extractor.scoring import find_document, gold_files, score_document

REPO = Path(__file__).resolve().parents[1]
GOLD = REPO / "gold"
# each document sits beside its gold file
DOCUMENTS = sorted(p for pattern in ("*.txt", "*.pdf", "*.html", "*.md") for p in GOLD.glob(pattern))


def test_the_shared_documents_are_there() -> None:
    assert len(DOCUMENTS) == 10, f"expected the five seeds, three PDFs, a web page and an OCR markdown under {GOLD}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_every_document_has_a_gold_file_naming_it(document: Path) -> None:
    gold_path = GOLD / f"{document.stem}.json"
    assert gold_path.is_file(), f"no gold file for {document.name}"
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    assert gold["source"] == document.name
    assert find_document(gold_path, gold) == document.resolve() or find_document(gold_path, gold).samefile(document)
    Report.model_validate({k: v for k, v in gold["report"].items() if k != "organization_aliases"})


@pytest.mark.parametrize("gold_path", gold_files(GOLD), ids=lambda p: p.stem)
def test_extraction_matches_gold_with_no_wrong_field(gold_path: Path) -> None:
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    document = find_document(gold_path, gold)
    assert document is not None
    result = extract_path(document).to_json()
    score = score_document(gold, result)
    assert [(e.key, e.expected, e.got) for e in score.errors] == []
    # every identity the gold report itself breaks is reported, with its fields in review
    broken = [c for c in evaluate(flatten(gold["report"])) if c.passed is False]
    for check in broken:
        assert any(c["rule"] == check.rule and c["passed"] is False for c in result["checks"])
        assert set(check.fields) <= set(result["review"])
