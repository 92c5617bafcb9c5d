"""The converted corpus (eval/converted/, made by eval/convert.py): every document keeps its source's gold."""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT / "eval"
CONVERTED = EVAL / "converted"
sys.path.insert(0, str(EVAL))

from convert import CONVERTERS, SPLITS, family  # noqa: E402
from families import parse_eval_output, table, threshold_failures  # noqa: E402
from generate import generate_one  # noqa: E402

GOLD_FILES = sorted(CONVERTED.glob("*/*.gold.json"))


@cache
def _generated_report(seed: int, index: int, kind: str) -> str:
    return json.dumps(generate_one(seed, index, kind).gold["report"], sort_keys=True)


def _source_report(origin: dict[str, Any]) -> str:
    if "gold" in origin:
        gold = json.loads((ROOT / "gold" / Path(origin["gold"]).with_suffix(".json")).read_text(encoding="utf-8"))
        return json.dumps(gold["report"], sort_keys=True)
    return _generated_report(origin["seed"], origin["index"], origin["kind"])


def test_every_split_is_there() -> None:
    assert {p.name for p in CONVERTED.iterdir() if p.is_dir()} >= set(SPLITS)
    for name in SPLITS:
        assert len(list((CONVERTED / name).glob("*.gold.json"))) >= 20, f"eval/converted/{name} is nearly empty"


@pytest.mark.parametrize("gold_path", GOLD_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_converted_document_keeps_its_sources_gold(gold_path: Path) -> None:
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    document = gold_path.parent / gold["source"]
    assert document.is_file() and document.stat().st_size > 0, f"{gold['source']} is missing or empty"
    assert gold["source"] == f"{gold_path.name.removesuffix('.gold.json')}.{document.suffix.lstrip('.')}"
    origin = gold["converted_from"]
    assert origin["converter"] in {c.name for c in CONVERTERS}
    assert origin["document"] in gold["notes"] and origin["converter"] in gold["notes"]
    assert json.dumps(gold["report"], sort_keys=True) == _source_report(origin)


def _sources(split: str) -> set[str]:
    out = set()
    for gold_path in (CONVERTED / split).glob("*.gold.json"):
        origin = json.loads(gold_path.read_text(encoding="utf-8"))["converted_from"]
        out.add(origin.get("gold") or f"seed {origin['seed']}")
    return out


def test_the_test_split_is_held_out() -> None:
    dev, test = _sources("dev"), _sources("test")
    assert dev and test
    assert not dev & test, f"the test split shares sources with dev: {dev & test}"
    assert any(not s.startswith("seed ") for s in test), "the test split keeps at least one real document"


def test_every_document_has_a_family() -> None:
    families = {c.family for c in CONVERTERS}
    for gold_path in GOLD_FILES:
        origin = json.loads(gold_path.read_text(encoding="utf-8"))["converted_from"]
        assert family(origin) in families, gold_path.name


def test_the_family_table_adds_up_from_eval_output() -> None:
    """families.py reads `extractor eval`'s per-document lines: whole names, or names cut at 48
    characters (as an older version printed them) where the cut names only one document."""
    long_name = "2024_jiangsu_huaian_city_gov__pdftotext-layout.txt"
    chained = "2024_jiangsu_huaian_city_gov__pdf2docx__pandoc3-md.md"
    origin = {
        long_name: {"document": "x.pdf", "converter": "pdftotext-layout"},
        chained: {"document": "x__pdf2docx.docx", "converter": "pandoc3-md"},
        chained.replace("-md.md", "-rst.rst"): {"document": "x__pdf2docx.docx", "converter": "pandoc3-rst"},
        "a__lynx.txt": {"document": "a.html", "converter": "lynx"},
        "b__w3m.txt": {"document": "b.html", "converter": "w3m"},
    }
    output = "\n".join(
        [
            f"{'document':<48} fields wrong silent flagged accuracy",
            f"{long_name[:48]:<48}    200     0      0       4  100.00%",
            f"{chained:<48}    200     0      0       0  100.00%",
            f"{'a__lynx.txt':<48}    200    20      2      30   90.00%",
            f"{'b__w3m.txt':<48}    200   200      0       0    0.00%  FAILED: NotAReportError: x",
            f"{'overall':<48}    800   220      2      34   72.50%",
        ]
    )
    rows = parse_eval_output(output, list(origin))
    assert [r[0] for r in rows] == [long_name, chained, "a__lynx.txt", "b__w3m.txt"]
    text = table(rows, origin, "family")
    assert "| pdf-text | pdftotext-layout | 1 | 100.00% | 0 | 0 | 2.0% |" in text
    assert "| word-markdown | pandoc3-md | 1 | 100.00% | 0 | 0 | 0.0% |" in text
    assert "| web-dump | lynx, w3m | 2 (1 failed) | 45.00% | 220 | 2 | 7.5% |" in text
    assert "| **all** | all | 4 (1 failed) | 72.50% | 220 | 2 | 4.2% |" in text
    with pytest.raises(SystemExit, match="cannot tell"):
        parse_eval_output(f"{chained[:48]:<48}    200     0      0       0  100.00%", list(origin))


def test_thresholds_fail_only_when_missed() -> None:
    rows = [("a", 100, 10, 2, 30, False), ("b", 100, 100, 0, 0, True)]  # accuracy 45%, 2 silent, 1 failed
    assert threshold_failures(rows, 0.45, 2, 1, 0.15) == []  # 30 of 200 fields in review
    missed = threshold_failures(rows, 0.46, 1, 0, 0.14)
    assert len(missed) == 4 and "45.00%" in missed[0] and "2 silent" in missed[1] and "1 documents" in missed[2]
    assert "15.00%" in missed[3]
