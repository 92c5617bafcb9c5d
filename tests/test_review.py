"""The review queue on a real SQLite file: values, versions, the log, re-queue, export and the command line."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from extractor.report import Report
from extractor.review import store
from extractor.review.export import export
from extractor.review.values import InvalidValue, parse_value
from tests.review_support import HONGZEQU, RECONSIDERATION_RULE, RECONSIDERATION_TOTAL, SEED_003, extract_to

TOTAL_NP = "applications.total_processed.natural_person"  # flagged in seed 003, printed 80


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "extractor", *args], capture_output=True, text=True, cwd=cwd)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("results")
    hongzequ, seed = extract_to([HONGZEQU, SEED_003], out)
    return {"hongzequ": hongzequ, "seed": seed}


def queued(tmp_path: Path, *paths: Path) -> sqlite3.Connection:
    connection = store.connect(tmp_path / "queue.sqlite", create=True)
    store.queue_results(connection, list(paths))
    return connection


def item(connection: sqlite3.Connection, key: str) -> dict:
    found = store.list_items(connection, key=key, include_dropped=True)
    assert len(found) == 1
    return found[0]


# --- values ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "raw", "value"),
    [
        (TOTAL_NP, 81, 81),
        (TOTAL_NP, "81", 81),
        (TOTAL_NP, " 7 ", 7),
        (TOTAL_NP, 4.0, 4),
        (TOTAL_NP, None, None),
        (TOTAL_NP, "", None),
        ("active_disclosure.licensing.items_change", "-3", -3),
        ("active_disclosure.fees.amount_10k_yuan", "12.50", 12.5),
        ("active_disclosure.fees.amount_10k_yuan", 7730.28, 7730.28),
        ("active_disclosure.procurement.amount_yuan", "11149286", 11149286),
        ("published_on", "2023-03-01", "2023-03-01"),
        ("template", "2019", "2019"),
        ("template", 2021, "2021"),
        ("year", "2022", 2022),
        ("organization", " 金昌市人民政府 ", "金昌市人民政府"),
    ],
)
def test_values_a_field_can_hold(key: str, raw: object, value: object) -> None:
    assert parse_value(key, raw) == value


@pytest.mark.parametrize(
    ("key", "raw", "why"),
    [
        (TOTAL_NP, "abc", "whole number"),
        (TOTAL_NP, -5, "negative"),
        (TOTAL_NP, "-5", "negative"),
        (TOTAL_NP, float("inf"), "finite"),
        (TOTAL_NP, "1e400", "whole number"),
        (TOTAL_NP, 2.5, "whole number"),
        (TOTAL_NP, True, "whole number"),
        (TOTAL_NP, {"a": [1, 2]}, "whole number"),
        (TOTAL_NP, 10**12, "too large"),
        ("active_disclosure.fees.amount_10k_yuan", "1e400", "plain decimal"),
        ("active_disclosure.fees.amount_10k_yuan", float("nan"), "finite"),
        ("active_disclosure.fees.amount_10k_yuan", "-1", "plain decimal"),
        ("published_on", "2023-02-30", "calendar"),
        ("published_on", "2023年3月1日", "ISO date"),
        ("template", "2020", "template must be one of"),
        ("year", 20222, "plausible"),
        ("organization", ["x"], "name"),
        ("applications", 3, "unknown field"),
        ("nonsense.key", 1, "unknown field"),
    ],
)
def test_values_a_field_refuses_with_the_reason(key: str, raw: object, why: str) -> None:
    with pytest.raises(InvalidValue, match=why):
        parse_value(key, raw)


# --- versions, undo, the log --------------------------------------------------------


def test_undo_is_a_new_entry_and_the_log_cannot_be_rewritten(tmp_path: Path, results: dict[str, Path]) -> None:
    connection = queued(tmp_path, results["seed"])
    target = item(connection, TOTAL_NP)
    with pytest.raises(store.NothingToUndo):
        store.undo(connection, target["id"], version=1, reviewer="ann")
    store.decide(connection, target["id"], version=1, reviewer="ann", value="79")
    store.decide(connection, target["id"], version=2, reviewer="ann", value="78")
    after = store.undo(connection, target["id"], version=3, reviewer="ann")
    assert (after["status"], after["value"]) == ("corrected", 79)
    after = store.undo(connection, target["id"], version=4, reviewer="ann")
    assert (after["status"], after["value"], after["version"]) == ("pending", 80, 5)
    actions = [entry["action"] for entry in store.history(connection, target["id"])]
    assert actions == ["queued", "correct", "correct", "undo", "undo"]
    with pytest.raises(store.StaleVersion, match="changed since version 2"):
        store.decide(connection, target["id"], version=2, reviewer="bob", confirm=True)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        connection.execute("UPDATE log SET new_value = '1'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        connection.execute("DELETE FROM log")


# --- re-queue -----------------------------------------------------------------------


def test_requeue_updates_values_keeps_decisions_on_unchanged_ones_and_drops_unflagged(
    tmp_path: Path, results: dict[str, Path]
) -> None:
    mine = tmp_path / results["seed"].name
    mine.write_text(results["seed"].read_text(encoding="utf-8"), encoding="utf-8")
    connection = queued(tmp_path, mine)
    store.decide(connection, item(connection, TOTAL_NP)["id"], version=1, reviewer="ann", value=81)
    commercial = "applications.total_processed.commercial"
    store.decide(connection, item(connection, commercial)["id"], version=1, reviewer="ann", confirm=True)
    summary = store.queue_results(connection, [mine])  # the same result again: nothing moves
    assert (summary.added, summary.updated, summary.dropped) == (0, 0, 0)

    # A re-extraction, simulated by editing the real result: the cell now reads 81, `organization` is
    # no longer flagged.
    result = json.loads(mine.read_text(encoding="utf-8"))
    result["report"]["applications"]["total_processed"]["natural_person"] = 81
    result["fields"][TOTAL_NP]["value"] = 81
    result["review"].remove("organization")
    mine.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    summary = store.queue_results(connection, [mine])
    assert (summary.added, summary.updated, summary.dropped) == (0, 1, 1)
    changed = item(connection, TOTAL_NP)
    assert (changed["extracted"], changed["value"], changed["status"]) == (81, 81, "pending")
    last = store.history(connection, changed["id"])[-1]
    assert last["action"] == "requeue" and "80 -> 81" in last["reason"] and "dropped" in last["reason"]
    assert item(connection, commercial)["status"] == "confirmed"  # made on a value that did not change
    assert item(connection, "organization")["flagged"] is False
    assert "organization" not in {i["key"] for i in store.list_items(connection)}
    dropped = item(connection, "organization")
    with pytest.raises(store.NotFlagged, match="no longer flagged"):
        store.decide(connection, dropped["id"], version=dropped["version"], reviewer="ann", confirm=True)
    exported = export(connection, tmp_path / "out")
    corrected = json.loads(exported.written[0].read_text(encoding="utf-8"))
    assert corrected["report"]["applications"]["total_processed"]["natural_person"] == 81  # not the stale 80


# --- export -------------------------------------------------------------------------


def test_export_recomputes_checks_and_flags_what_a_correction_broke(tmp_path: Path, results: dict[str, Path]) -> None:
    connection = queued(tmp_path, results["seed"], results["hongzequ"])
    # 79 breaks new_received + carried_over = total_processed + carried_forward for natural persons
    store.decide(connection, item(connection, TOTAL_NP)["id"], version=1, reviewer="ann", value=79)
    summary = export(connection, tmp_path / "out")
    corrected = json.loads((tmp_path / "out" / f"{SEED_003.stem}.json").read_text(encoding="utf-8"))
    assert corrected["report"]["applications"]["total_processed"]["natural_person"] == 79
    balance = next(c for c in corrected["checks"] if c["rule"] == "applications.balance[natural_person]")
    assert balance["passed"] is False and balance["difference"] == 1
    assert TOTAL_NP not in corrected["review"]
    assert "applications.new_received.natural_person" in corrected["review"]  # undecided, in a broken identity
    assert corrected["fields"][TOTAL_NP]["value"] == 79
    assert not (tmp_path / "out" / f"{SEED_003.stem}.gold.json").exists()
    assert (tmp_path / "out" / "decisions.csv") in summary.written


def test_gold_only_for_fully_decided_documents_and_names_never_collide(
    tmp_path: Path, results: dict[str, Path]
) -> None:
    twin = tmp_path / "twin" / results["hongzequ"].name  # another result with the same file name
    twin.parent.mkdir()
    twin.write_text(results["hongzequ"].read_text(encoding="utf-8"), encoding="utf-8")
    connection = queued(tmp_path, results["hongzequ"], twin)
    for entry in store.list_items(connection, document=str(1)):
        if entry["key"] == RECONSIDERATION_TOTAL:
            store.decide(connection, entry["id"], version=entry["version"], reviewer="ann", value=11)
        else:
            store.decide(connection, entry["id"], version=entry["version"], reviewer="ann", confirm=True)
    summary = export(connection, tmp_path / "out")
    names = sorted(path.name for path in summary.written)
    assert len(names) == len(set(names)) == 4  # two results, one gold, decisions.csv
    gold_files = [path for path in summary.written if path.name.endswith(".gold.json")]
    assert len(gold_files) == 1
    gold = json.loads(gold_files[0].read_text(encoding="utf-8"))
    Report.model_validate(gold["report"])
    assert gold["report"]["reviews_and_lawsuits"]["reconsideration"]["total"] == 11 and "1 corrected" in gold["notes"]
    exported = json.loads(gold_files[0].with_name(gold_files[0].name.replace(".gold", "")).read_text(encoding="utf-8"))
    assert exported["review"] == [] and exported["status"] == "success"
    assert next(c for c in exported["checks"] if c["rule"] == RECONSIDERATION_RULE)["passed"] is True
    rows = list(csv.DictReader((tmp_path / "out" / "decisions.csv").open(encoding="utf-8")))
    assert sum(row["action"] in ("confirm", "correct") for row in rows) == 11  # published_on among them


def test_no_gold_file_the_report_model_refuses(tmp_path: Path, results: dict[str, Path]) -> None:
    # a hand-edited result (not from the pipeline) whose report carries a row the model does not know
    result = json.loads(results["hongzequ"].read_text(encoding="utf-8"))
    result["report"]["applications"]["made_up_row"] = {"total": 1}
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    connection = queued(tmp_path, edited)
    for entry in store.list_items(connection):
        store.decide(connection, entry["id"], version=entry["version"], reviewer="ann", confirm=True)
    summary = export(connection, tmp_path / "out")
    assert not list((tmp_path / "out").glob("*.gold.json"))
    assert len(summary.problems) == 1 and "report model refuses" in summary.problems[0]


# --- the command line -----------------------------------------------------------------


def test_cli_round_trip_and_one_line_errors(tmp_path: Path, results: dict[str, Path]) -> None:
    db = tmp_path / "queue.sqlite"
    for step in (["next"], ["decide", "1", "--confirm"], ["export", "--out", "x"], ["serve"]):
        refused = run("review", *step, "--db", str(db), cwd=tmp_path)
        assert refused.returncode == 1 and "no such review queue" in refused.stderr, step
        assert len(refused.stderr.strip().splitlines()) == 1 and not db.exists()
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    broken = run("review", "queue", str(bad), "--db", str(db), cwd=tmp_path)
    assert broken.returncode == 1 and "bad.json: not a result file" in broken.stderr
    assert len(broken.stderr.strip().splitlines()) == 1

    queued_out = run("review", "queue", str(results["hongzequ"]), "--db", str(db), cwd=tmp_path)
    assert queued_out.returncode == 0 and "queued 11 field(s) from 1 result(s)" in queued_out.stdout
    key_of = dict(sqlite3.connect(db).execute("SELECT id, key FROM items"))
    date_id = next(i for i, k in key_of.items() if k == "published_on")  # printed nowhere: no page to show
    assert run("review", "decide", str(date_id), "--confirm", "--db", str(db), cwd=tmp_path).returncode == 0
    del key_of[date_id]
    shown = run("review", "next", "--db", str(db), "--images", str(tmp_path / "pages"), cwd=tmp_path)
    assert shown.returncode == 0 and "confirm: extractor review decide" in shown.stdout
    images = list((tmp_path / "pages").glob("*.png"))
    assert len(images) == 1 and images[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    total_id = next(i for i, k in key_of.items() if k == RECONSIDERATION_TOTAL)
    for value in ("abc", "-5", "1e400"):
        refused = run("review", "decide", str(total_id), "--value", value, "--db", str(db), cwd=tmp_path)
        assert refused.returncode == 1 and len(refused.stderr.strip().splitlines()) == 1, value
        assert "Traceback" not in refused.stderr
    both = run("review", "decide", str(total_id), "--confirm", "--value", "3", "--db", str(db), cwd=tmp_path)
    assert both.returncode == 2 and "exactly one" in both.stderr
    unknown = run("review", "decide", "99", "--confirm", "--db", str(db), cwd=tmp_path)
    assert unknown.returncode == 1 and "no review item 99" in unknown.stderr

    # decisions from many processes at once: none lost, none 'database is locked'
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "extractor", "review", "decide", str(item_id), "--db", str(db)]
            + (["--value", "11"] if item_id == total_id else ["--confirm"]),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )
        for item_id in key_of
    ]
    outcomes = [(proc.wait(timeout=120), proc.stderr.read() if proc.stderr else "") for proc in procs]
    assert [code for code, _ in outcomes] == [0] * len(key_of), outcomes
    stale = run("review", "decide", str(total_id), "--confirm", "--version", "1", "--db", str(db), cwd=tmp_path)
    assert stale.returncode == 1 and "changed since version 1" in stale.stderr
    assert "nothing pending" in run("review", "next", "--db", str(db), cwd=tmp_path).stdout

    exported = run("review", "export", "--out", str(tmp_path / "reviewed"), "--db", str(db), cwd=tmp_path)
    assert exported.returncode == 0
    corrected = json.loads((tmp_path / "reviewed" / f"{HONGZEQU.stem}.json").read_text(encoding="utf-8"))
    assert corrected["report"]["reviews_and_lawsuits"]["reconsideration"]["total"] == 11
    assert corrected["review"] == []
    gold = json.loads((tmp_path / "reviewed" / f"{HONGZEQU.stem}.gold.json").read_text(encoding="utf-8"))
    assert gold["source"] == HONGZEQU.name and "1 corrected" in gold["notes"]


def test_an_image_document_is_shown_with_the_box_where_ocr_put_it(tmp_path: Path) -> None:
    from PIL import Image

    from extractor.review.view import render_page

    scan = tmp_path / "scan.png"
    Image.new("RGB", (800, 600), "white").save(scan)
    png = render_page(str(scan), 1, [400.0, 300.0, 440.0, 320.0])  # a box in pixels, as load/image.py gives it
    shown = Image.open(io.BytesIO(png)).convert("RGB")
    assert shown.size[0] < 800 and shown.size[1] < 600  # zoomed to the field
    red = [
        xy
        for xy in ((x, y) for x in range(shown.size[0]) for y in range(shown.size[1]))
        if shown.getpixel(xy) == (255, 0, 0)
    ]
    assert red, "the field's box is drawn"
    # the box sits where the field is: 2 box heights right of the crop's left edge, 4 below its top
    assert min(x for x, _ in red) == pytest.approx(40 - 3, abs=2) and min(y for _, y in red) == pytest.approx(
        80 - 3, abs=2
    )
    with pytest.raises(store.ReviewError, match="no page 2"):
        render_page(str(scan), 2, None)


def test_a_decision_inside_a_table_the_result_has_as_null(tmp_path: Path, results: dict[str, Path]) -> None:
    # a hand-edited result (not from the pipeline): section 二 missing, one of its cells flagged
    result = json.loads(results["hongzequ"].read_text(encoding="utf-8"))
    result["report"]["active_disclosure"] = None
    result["review"] = ["active_disclosure.fees.amount_10k_yuan"]
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    connection = queued(tmp_path, edited)
    fees = item(connection, "active_disclosure.fees.amount_10k_yuan")
    assert fees["value"] is None
    store.decide(connection, fees["id"], version=1, reviewer="ann", value="7730.28")
    summary = export(connection, tmp_path / "out")
    assert not summary.problems
    gold = json.loads((tmp_path / "out" / f"{HONGZEQU.stem}.gold.json").read_text(encoding="utf-8"))
    assert gold["report"]["active_disclosure"]["fees"]["amount_10k_yuan"] == 7730.28
