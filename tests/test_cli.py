"""The command line: exit codes and messages, help on every command, the result contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from extractor.cli import build_parser, main

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "extractor" / "samples" / "jinchang_2022_report.txt"
SCHEMA_REPORT_KEYS = [
    "organization",
    "year",
    "published_on",
    "template",
    "active_disclosure",
    "applications",
    "reviews_and_lawsuits",
]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "extractor", *args], capture_output=True, text=True, cwd=REPO)


def test_every_command_has_help() -> None:
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command")
    for name in subparsers.choices:  # type: ignore[union-attr]
        with pytest.raises(SystemExit) as exit_info:
            main([name, "--help"])
        assert exit_info.value.code == 0
    completed = run("--help")
    assert completed.returncode == 0 and "extract" in completed.stdout and "eval" in completed.stdout


def test_version_prints_the_installed_version() -> None:
    from importlib.metadata import version

    completed = run("--version")
    assert completed.returncode == 0
    assert completed.stdout.strip() == f"extractor {version('gov-disclosure-extractor')}"


def test_single_input_prints_the_result_in_the_contract_shape() -> None:
    completed = run("extract", str(SEED))
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert list(result)[:5] == ["schema_version", "source", "report", "review", "checks"]
    assert list(result["report"]) == SCHEMA_REPORT_KEYS
    assert result["report"]["applications"]["new_received"]["total"] == 82
    assert result["fields"]["applications.new_received.total"]["source"]["page"] == 1
    assert all({"rule", "passed", "detail"} <= set(check) for check in result["checks"])


def test_missing_empty_and_non_report_files_fail_alone_and_say_why(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    prose = tmp_path / "notes.txt"
    prose.write_text("这是一份会议纪要，与政府信息公开年度报告无关。\n" * 5, encoding="utf-8")
    missing = tmp_path / "missing.pdf"
    out = tmp_path / "out"
    completed = run("extract", str(SEED), str(empty), str(prose), str(missing), "--out", str(out))
    assert completed.returncode == 1
    errors = [line for line in completed.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 3
    assert any(str(empty) in line and "empty" in line for line in errors)
    assert any(str(prose) in line and "no statistics table" in line for line in errors)
    assert any(str(missing) in line and "no such file" in line for line in errors)
    assert sorted(p.name for p in out.iterdir()) == ["jinchang_2022_report.json", "manifest.jsonl"]  # the good one


def test_unsupported_file_type_names_the_file(tmp_path: Path) -> None:
    odd = tmp_path / "report.xyz"
    odd.write_text("data")
    completed = run("extract", str(odd))
    assert completed.returncode == 1
    assert str(odd) in completed.stderr and "unsupported file type" in completed.stderr


def test_several_inputs_need_an_output_directory() -> None:
    completed = run("extract", str(SEED), str(SEED))
    assert completed.returncode == 2 and "--out" in completed.stderr


def test_eval_reports_silent_errors_and_fails_on_them(tmp_path: Path) -> None:
    gold_dir = tmp_path / "gold"
    pred_dir = tmp_path / "pred"
    gold_dir.mkdir()
    pred_dir.mkdir()
    result = json.loads(run("extract", str(SEED)).stdout)
    gold = {"schema_version": 1, "source": SEED.name, "report": json.loads(json.dumps(result["report"]))}
    (gold_dir / "jinchang.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    (pred_dir / f"{SEED.stem}.json").write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    ok = run("eval", str(gold_dir), "--pred", str(pred_dir))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "silent errors 0" in ok.stdout

    result["report"]["applications"]["granted"]["total"] = 99  # a wrong value nobody flagged
    (pred_dir / f"{SEED.stem}.json").write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    bad = run("eval", str(gold_dir), "--pred", str(pred_dir))
    assert bad.returncode == 1
    assert "silent errors 1" in bad.stdout and "applications.granted.total" in bad.stdout


def test_a_batch_resumes_and_runs_in_parallel(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("a", "b", "c"):
        (inputs / f"{name}.txt").write_bytes(SEED.read_bytes())
    out = tmp_path / "out"
    first = run("extract", str(inputs), "--out", str(out), "--jobs", "2")
    assert first.returncode == 0, first.stderr
    assert sorted(p.name for p in out.iterdir()) == ["a.json", "b.json", "c.json", "manifest.jsonl"]
    assert "[3/3]" in first.stderr
    (out / "b.json").unlink()
    second = run("extract", str(inputs), "--out", str(out), "--resume")
    assert second.returncode == 0
    assert "1 extracted" in second.stderr and "2 unchanged" in second.stderr
    assert "b.txt" in second.stderr and "a.txt" not in second.stderr
    assert (out / "b.json").exists()
