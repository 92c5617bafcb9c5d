"""``extractor export``: the table equals the JSON results, in every format."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from extractor.export import ExportError, export, field_keys
from extractor.report import flatten

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "extractor" / "samples" / "jinchang_2022_report.txt"
CORPUS = REPO / "eval" / "corpus"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "extractor", *args], capture_output=True, text=True, cwd=REPO)


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real batch: the seed report (2021 template, money with decimals) and two generated ones."""
    inputs = tmp_path_factory.mktemp("in")
    for source in (SEED, CORPUS / "syn2024_002_docx.docx", CORPUS / "syn2024_003_html.html"):
        (inputs / source.name).write_bytes(source.read_bytes())
    (inputs / "broken.txt").write_text("没有表格的文字。", encoding="utf-8")  # a failed input: not exported
    out = tmp_path_factory.mktemp("out")
    completed = run("extract", str(inputs), "--out", str(out), "-q")
    assert completed.returncode == 1 and "broken.txt" in completed.stderr
    return out


def results(out: Path) -> dict[str, dict[str, Any]]:
    return {path.name: json.loads(path.read_text(encoding="utf-8")) for path in sorted(out.glob("*.json"))}


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


def test_csv_has_one_row_per_report_equal_to_the_json(batch: Path) -> None:
    completed = run("export", str(batch))
    assert completed.returncode == 0, completed.stderr
    rows = list(csv.DictReader(io.StringIO(completed.stdout)))
    by_result = {row["result"]: row for row in rows}
    expected = results(batch)
    assert set(by_result) == set(expected) and len(rows) == 3
    for name, data in expected.items():
        row = by_result[name]
        flat = flatten(data["report"])
        for key in field_keys():
            assert row[key] == as_text(flat.get(key)), (name, key)
        assert int(row["review_count"]) == len(data["review"])
        failed = [c["rule"] for c in data["checks"] if c["passed"] is False]
        assert row["failed_checks"] == "; ".join(failed)
    seed = by_result["jinchang_2022_report.json"]
    assert seed["organization"] == "金昌市人民政府" and seed["active_disclosure.fees.amount_10k_yuan"] == "5840.5495"


def test_long_form_has_one_row_per_field_with_review_reason_and_page(batch: Path) -> None:
    out = io.StringIO()
    stats = export(batch, "jsonl", long=True, stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    expected = results(batch)
    assert stats.reports == 3 and stats.rows == len(rows)
    for name, data in expected.items():
        mine = {row["key"]: row for row in rows if row["result"] == name}
        flat = flatten(data["report"])
        assert {key: row["value"] for key, row in mine.items()} == flat
        for key, row in mine.items():
            assert row["in_review"] == (key in data["review"])
            detail = data["fields"].get(key) or {}
            assert row["reason"] == detail.get("note")
            assert row["page"] == (detail.get("source") or {}).get("page")
    assert any(row["in_review"] and row["reason"] for row in rows)


def test_parquet_and_xlsx_equal_the_json(batch: Path, tmp_path: Path) -> None:
    import pyarrow.parquet as pq
    from openpyxl import load_workbook

    expected = results(batch)
    parquet = tmp_path / "reports.parquet"
    assert run("export", str(batch), "--format", "parquet", "-o", str(parquet)).returncode == 0
    table = pq.read_table(parquet).to_pylist()
    xlsx = tmp_path / "reports.xlsx"
    assert run("export", str(batch), "--format", "xlsx", "-o", str(xlsx)).returncode == 0
    sheet = load_workbook(xlsx, read_only=True)["reports"]
    header, *cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook_rows = [dict(zip(header, row, strict=True)) for row in cells]
    for rows in (table, workbook_rows):
        assert len(rows) == 3
        for row in rows:
            flat = flatten(expected[row["result"]]["report"])
            for key in field_keys():
                assert row[key] == flat.get(key), (row["result"], key)


def test_chinese_headers(batch: Path) -> None:
    completed = run("export", str(batch), "--chinese-headers")
    header = next(csv.reader(io.StringIO(completed.stdout)))
    assert "机关名称" in header and "三、（一）予以公开·自然人" in header and "四、行政复议·结果维持" in header
    assert len(header) == len(set(header))


def test_a_missing_extra_and_a_binary_format_without_a_file_are_one_line(
    batch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    completed = run("export", str(batch), "--format", "xlsx")
    assert completed.returncode == 1 and "give -o FILE" in completed.stderr and "Traceback" not in completed.stderr
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if the extra were not installed
    with pytest.raises(ExportError, match=r"pip install 'gov-disclosure-extractor\[parquet\]'"):
        export(batch, "parquet", tmp_path / "x.parquet")
    missing = run("export", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and "not a folder of results" in missing.stderr
