"""``extractor series``: cross-year checks of one body's results (result files written here)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from extractor.cli import main
from extractor.series import body_key, run_series, settle
from extractor.template import APPLICANT_COLUMNS, APPLICANT_PARTS

YEARS = range(2019, 2026)
# one body as seven reports name it: suffix variants, spaces, an OCR look-alike (沐 for 沭)
NAMES = (
    "沭阳县人民政府",
    "沭阳县政府",
    "沐阳县人民政府",
    "沭阳县 人民政府",
    "沭阳县人民政府",
    "沭阳县",
    "沭阳县人民政府",
)


def _row(rng: random.Random, total_max: int) -> dict[str, int]:
    parts = {col: rng.randint(0, total_max) for col in APPLICANT_PARTS}
    return {**parts, "total": sum(parts.values())}


def _report(name: str, year: int, carried_over: dict[str, int], rng: random.Random) -> dict[str, Any]:
    new = _row(rng, 40)
    carried_forward = {col: rng.randint(0, min(3, new[col] + carried_over[col])) for col in APPLICANT_PARTS}
    carried_forward["total"] = sum(carried_forward.values())
    processed = {col: new[col] + carried_over[col] - carried_forward[col] for col in APPLICANT_COLUMNS}
    in_force = 40 + year - 2019
    return {
        "organization": name,
        "year": year,
        "template": "2021",
        "active_disclosure": {
            "regulations": {"issued": 0, "repealed": 0, "in_force": 0},
            "normative_documents": {"issued": 3, "repealed": 2, "in_force": in_force},
            "licensing": {"decisions": 1000 + year},
        },
        "applications": {
            "new_received": new,
            "carried_over": dict(carried_over),
            "total_processed": processed,
            "carried_forward": carried_forward,
        },
    }


def write_series(directory: Path, seed: int = 3) -> list[Path]:
    """Seven consecutive years whose carry-over always holds, as result files."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    carried = {col: 0 for col in APPLICANT_COLUMNS}
    paths = []
    for name, year in zip(NAMES, YEARS, strict=True):
        report = _report(name, year, carried, rng)
        carried = report["applications"]["carried_forward"]
        path = directory / f"{year}_shuyang.json"
        path.write_text(json.dumps({"schema_version": 1, "source": path.name, "report": report}, ensure_ascii=False))
        paths.append(path)
    # another body's year must not join this series
    other = _report("淮安市人民政府", 2020, {col: 9 for col in APPLICANT_COLUMNS}, rng)
    (directory / "2020_huaian.json").write_text(json.dumps({"report": other}, ensure_ascii=False))
    return paths


def _carry(checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for c in checks if c["check"] == "carry_over"]


def run_json(directory: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    assert main(["series", str(directory), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_body_names_are_normalised() -> None:
    assert body_key("沐阳县人民政府") == body_key("沭阳县 政府") == body_key("沭阳县")
    assert body_key("淮安市人民政府办公厅") == body_key("淮安市政府办公室") == "淮安市办公室"
    assert body_key("淮安市人民政府办公室") != body_key("淮安市人民政府")
    assert body_key("淮安市人民政府") != body_key("沭阳县人民政府")


def test_a_name_with_its_parent_region_is_the_same_body(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = random.Random(5)
    first = _report("洪泽区人民政府", 2023, {col: 0 for col in APPLICANT_COLUMNS}, rng)
    second = _report("淮安市洪泽区人民政府", 2024, first["applications"]["carried_forward"], rng)
    for name, report in (("a", first), ("b", second)):
        (tmp_path / f"{name}.json").write_text(json.dumps({"report": report}, ensure_ascii=False), encoding="utf-8")
    carry = _carry(run_json(tmp_path, capsys))
    assert len(carry) == len(APPLICANT_COLUMNS) and all(c["held"] for c in carry)
    # two cities with a 市中区 each: the bare name belongs to neither
    third = _report("济南市市中区人民政府", 2024, first["applications"]["carried_forward"], rng)
    fourth = _report("乐山市市中区人民政府", 2024, first["applications"]["carried_forward"], rng)
    first["organization"] = "市中区人民政府"
    for name, report in (("a", first), ("b", third), ("c", fourth)):
        (tmp_path / f"{name}.json").write_text(json.dumps({"report": report}, ensure_ascii=False), encoding="utf-8")
    assert _carry(run_json(tmp_path, capsys)) == []


def test_seven_consecutive_years_give_six_pairs_that_all_hold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_series(tmp_path)
    checks = run_json(tmp_path, capsys)
    carry = _carry(checks)
    pairs = {(c["from_year"], c["to_year"]) for c in carry}
    assert pairs == {(y, y + 1) for y in range(2019, 2025)}
    assert len(carry) == 6 * len(APPLICANT_COLUMNS)
    assert all(c["held"] is True for c in carry)
    assert {c["body"] for c in carry} == {"沭阳县人民政府"}
    # normative documents: 40 + 3 - 2 = 41 each year, and the reports say 41, 42, ...: continuous
    in_force = [c for c in checks if c["check"] == "in_force" and c["column"] == "normative_documents"]
    assert len(in_force) == 6 and all(c["flagged"] is False for c in in_force)


def test_an_altered_carried_over_flags_exactly_that_pair(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = write_series(tmp_path)
    target = paths[3]  # 2022
    data = json.loads(target.read_text(encoding="utf-8"))
    data["report"]["applications"]["carried_over"]["natural_person"] += 2
    target.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    broken = [c for c in _carry(run_json(tmp_path, capsys)) if not c["held"]]
    assert [(c["from_year"], c["to_year"], c["column"]) for c in broken] == [(2021, 2022, "natural_person")]
    assert broken[0]["current"] == broken[0]["previous"] + 2
    assert broken[0]["files"] == ["2021_shuyang.json", "2022_shuyang.json"]


def test_in_force_breaks_and_jumps_are_flags(tmp_path: Path) -> None:
    paths = write_series(tmp_path)
    data = json.loads(paths[5].read_text(encoding="utf-8"))  # 2024
    data["report"]["active_disclosure"]["normative_documents"]["in_force"] = 10
    data["report"]["active_disclosure"]["licensing"]["decisions"] = 99999
    paths[5].write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    report = run_series(tmp_path)
    flagged = [(c.check, c.from_year, c.column) for c in report.checks if c.check != "carry_over" and c.held is False]
    assert ("in_force", 2023, "normative_documents") in flagged
    assert ("in_force", 2024, "normative_documents") in flagged  # 10 + 3 - 2 != 47
    assert ("jump", 2023, "active_disclosure.licensing.decisions") in flagged
    assert ("jump", 2024, "active_disclosure.licensing.decisions") in flagged
    assert ("jump", 2023, "active_disclosure.normative_documents.in_force") not in flagged  # 46 -> 10 is not fivefold


def test_table_output_and_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_series(tmp_path)
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    assert main(["series", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "6 pair(s) of consecutive years: carry-over broken in 0 pair(s)" in captured.out
    assert "broken.json: not readable JSON" in captured.err

    assert main(["series", str(tmp_path / "missing")]) == 1
    assert "missing: not a directory of result files" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["series", str(empty)]) == 1
    assert "no result file with a body and a year" in capsys.readouterr().err


def test_a_neighbouring_year_pins_one_reading_of_a_flagged_cell(tmp_path: Path) -> None:
    paths = write_series(tmp_path)
    data = json.loads(paths[1].read_text(encoding="utf-8"))  # 2020, whose total 上年结转 had two readings
    key = "applications.carried_over.total"
    printed = data["report"]["applications"]["carried_over"]["total"]
    data["review"] = [key]
    data["fields"] = {key: {"value": printed, "alternatives": [printed + 10]}}
    paths[1].write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    checks = [c for c in run_series(tmp_path).checks if c.check == "carry_over" and c.from_year == 2019]
    pinned = [c for c in checks if c.pins]
    assert [(c.column, c.pins) for c in pinned] == [("total", f"2020_shuyang.json {key} = {printed}")]
    assert pinned[0].to_json()["pins"] == pinned[0].pins


def _flag(path: Path, key: str, note: str, alternatives: list[int] | None = None) -> int:
    """Put ``key`` of a written result in review with ``note`` (hand-made result files: a unit test of
    the settling rule, not of extraction)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    section, row, col = key.split(".")
    value = data["report"][section][row][col]
    data.setdefault("review", []).append(key)
    data.setdefault("fields", {})[key] = {"value": value, "alternatives": alternatives or [], "note": note}
    data["status"] = "partial"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return value


def test_a_carried_over_cell_the_neighbouring_year_confirms_leaves_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = write_series(tmp_path)
    order = "number printed before its label's line: bound by order only"
    settled_key = "applications.carried_over.total"
    value = _flag(paths[1], settled_key, order)  # 2020, confirmed by 2019's unflagged 结转下年度
    _flag(paths[2], "applications.carried_over.total", "restored from the tally identities: the text lost this cell")
    _flag(paths[3], "applications.carried_over.total", order)  # 2022: 2021's side is in review too
    _flag(paths[2], "applications.carried_forward.total", order)
    _flag(paths[4], "applications.carried_over.natural_person", order, alternatives=[7])
    data = json.loads(paths[3].read_text(encoding="utf-8"))
    data["checks"] = [{"rule": "x", "passed": False, "fields": ["applications.carried_over.natural_person"]}]
    paths[3].write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    _flag(paths[3], "applications.carried_over.natural_person", order)  # in a broken identity

    settled = settle(tmp_path)
    assert [(s.path.name, s.key) for s in settled] == [
        ("2020_shuyang.json", settled_key),
        ("2023_shuyang.json", "applications.carried_over.natural_person"),
    ]
    data = json.loads(paths[1].read_text(encoding="utf-8"))
    assert settled_key not in data["review"] and data["status"] == "success"
    other = "2019_shuyang.json applications.carried_forward.total"
    evidence = data["fields"][settled_key]["evidence"]
    assert evidence == [{"kind": "series", "value": value, "agrees": True, "text": other}]
    assert data["report"]["applications"]["carried_over"]["total"] == value  # values never change
    for path, key in ((paths[2], "applications.carried_over.total"), (paths[3], "applications.carried_over.total")):
        assert key in json.loads(path.read_text(encoding="utf-8"))["review"]
    assert "applications.carried_over.natural_person" in json.loads(paths[3].read_text(encoding="utf-8"))["review"]
    assert settle(tmp_path) == []  # nothing left to settle: a second run changes nothing

    assert main(["series", str(tmp_path), "--settle", "--json"]) == 0
    assert "0 field(s) confirmed" in capsys.readouterr().err


def test_a_batch_settles_a_cut_that_the_neighbouring_years_printed_cell_confirms(tmp_path: Path) -> None:
    """Two reports of one body, extracted in one batch: 2023 prints its 上年结转 row run together
    (``110000011``, a cut the identities chose), 2022 prints its 结转下年度 row plainly. After the
    batch the 2023 cells of that cut have left review, with 2022's cell as their evidence."""
    from textreports import ROWS_2021, plain_rows, report_text

    def rows(**changed: list[int]) -> list[tuple[str, list[int]]]:
        return [(key, changed.get(key, values)) for key, values in ROWS_2021]

    eleven = [11, 0, 0, 0, 0, 0, 11]
    earlier = report_text(plain_rows(rows(new_received=[25, 0, 0, 0, 0, 0, 25], carried_forward=eleven)))
    earlier = earlier.replace("2023", "2022").replace("2024年1月20日", "2023年1月20日")
    later = report_text(plain_rows(rows(new_received=[5, 0, 0, 0, 0, 0, 5], carried_over=eleven)))
    label = "二、上年结转政府信息公开申请数量"
    later = later.replace(f"{label} 11 0 0 0 0 0 11", f"{label} 110000011")
    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    (inputs / "2022.txt").write_text(earlier, encoding="utf-8")
    (inputs / "2023.txt").write_text(later, encoding="utf-8")
    key = "applications.carried_over.natural_person"

    assert main(["extract", str(inputs), "--out", str(out), "-q", "--jobs", "1", "--no-second-readers"]) == 0
    unsettled = json.loads((out / "2023.json").read_text(encoding="utf-8"))
    assert unsettled["report"]["applications"]["carried_over"]["natural_person"] == 11
    assert key in unsettled["review"]  # the cut is a choice: without second readers it waits for a person

    assert main(["extract", str(inputs), "--out", str(out), "-q", "--jobs", "1"]) == 0
    settled = json.loads((out / "2023.json").read_text(encoding="utf-8"))
    assert key not in settled["review"]
    assert settled["fields"][key]["evidence"][-1]["kind"] == "series"
    assert settled["fields"][key]["evidence"][-1]["text"] == "2022.json applications.carried_forward.natural_person"
    assert settled["usage"]["second_readers"]["series_confirmed"] >= 1
