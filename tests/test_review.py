"""The review queue on a real SQLite file: queue, next (with the page image), decide, export."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PDF = REPO / "gold" / "2023_jiangsu_huaian_hongzequ_gov.pdf"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "extractor", *args], capture_output=True, text=True, cwd=cwd)


def test_review_round_trip_turns_decisions_into_corrected_results_and_gold(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("extract", str(PDF), "--out", str(out), cwd=tmp_path).returncode == 0
    result = json.loads((out / f"{PDF.stem}.json").read_text(encoding="utf-8"))
    assert "reviews_and_lawsuits.reconsideration.total" in result["review"]  # the report's own broken total

    db = tmp_path / "queue.sqlite"
    queued = run("review", "queue", str(out), "--db", str(db), cwd=tmp_path)
    assert queued.returncode == 0 and f"queued {len(result['review'])} field(s)" in queued.stdout
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM items").fetchone()[0] == len(result["review"])

    shown = run("review", "next", "--db", str(db), "--images", str(tmp_path / "pages"), cwd=tmp_path)
    assert shown.returncode == 0 and "confirm: extractor review decide" in shown.stdout
    images = list((tmp_path / "pages").glob("*.png"))
    assert len(images) == 1 and images[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    ids = [row[0] for row in sqlite3.connect(db).execute("SELECT id FROM items ORDER BY id")]
    key_of = dict(sqlite3.connect(db).execute("SELECT id, key FROM items"))
    for item_id in ids:
        if key_of[item_id] == "reviews_and_lawsuits.reconsideration.total":
            assert run("review", "decide", str(item_id), "--value", "11", "--db", str(db), cwd=tmp_path).returncode == 0
        else:
            assert run("review", "decide", str(item_id), "--confirm", "--db", str(db), cwd=tmp_path).returncode == 0
    assert "nothing pending" in run("review", "next", "--db", str(db), cwd=tmp_path).stdout

    exported = run("review", "export", "--out", str(tmp_path / "reviewed"), "--db", str(db), cwd=tmp_path)
    assert exported.returncode == 0
    corrected = json.loads((tmp_path / "reviewed" / f"{PDF.stem}.json").read_text(encoding="utf-8"))
    assert corrected["report"]["reviews_and_lawsuits"]["reconsideration"]["total"] == 11
    assert corrected["review"] == []
    gold = json.loads((tmp_path / "reviewed" / f"{PDF.stem}.gold.json").read_text(encoding="utf-8"))
    assert gold["source"] == PDF.name and "1 corrected" in gold["notes"]


def test_decide_needs_exactly_one_decision(tmp_path: Path) -> None:
    both = run("review", "decide", "1", "--confirm", "--value", "3", "--db", str(tmp_path / "q.sqlite"), cwd=tmp_path)
    assert both.returncode == 2 and "exactly one" in both.stderr
    unknown = run("review", "decide", "99", "--confirm", "--db", str(tmp_path / "q.sqlite"), cwd=tmp_path)
    assert unknown.returncode == 1 and "no review item 99" in unknown.stderr
