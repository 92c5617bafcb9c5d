"""Decisions out of the queue: corrected results, gold files, and the log as CSV.

A corrected result carries the decided values, ``checks`` evaluated again on
them (the same identities extraction runs), and ``review`` reduced to the
flagged fields nobody has decided, plus any undecided field of an identity
that a correction broke. A gold file is written only for a document whose
flagged fields are all decided (and that had some), and only if the report model accepts it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from extractor.checks import evaluate, failed_fields
from extractor.report import Report, Value, flatten, unflatten
from extractor.review.store import UnknownItem, current_value, read_result


@dataclass
class Corrected:
    """One result with the queue's decisions applied."""

    result: dict[str, Any]
    decided: dict[str, str]  # key -> "confirmed" / "corrected"
    undecided: list[str]
    values: dict[str, Value]
    checks: list[dict[str, Any]] = field(default_factory=list)


def apply_decisions(connection: sqlite3.Connection, document_id: int) -> Corrected:
    """The document's result with every standing decision applied and its checks evaluated again."""
    doc = connection.execute("SELECT * FROM documents WHERE id = ?", (document_id,)).fetchone()
    if doc is None:
        raise UnknownItem(f"no queued document {document_id}")
    result = read_result(Path(doc["result_path"]))
    rows = connection.execute("SELECT * FROM items WHERE document_id = ? AND flagged = 1", (document_id,)).fetchall()
    values = flatten(result["report"])
    fields = result.setdefault("fields", {})
    decided: dict[str, str] = {}
    for row in rows:
        if row["status"] == "pending":
            continue
        value = current_value(row)
        _drop_null_parents(values, row["key"])
        values[row["key"]] = value
        decided[row["key"]] = row["status"]
        if isinstance(fields.get(row["key"]), dict):
            fields[row["key"]]["value"] = value
            fields[row["key"]]["note"] = f"{row['status']} in review by {row['decided_by']} at {row['decided_at']}"
    evaluated = evaluate(values)
    checks = [
        {name: v for name, v in check.model_dump(mode="json").items() if v is not None or name == "passed"}
        for check in evaluated
    ]
    broken = failed_fields(evaluated)
    undecided = [key for key in result.get("review", []) if key not in decided]
    undecided += [key for key in broken if key not in decided and key not in undecided and key in values]
    result["report"] = unflatten(values)
    result["checks"] = checks
    result["review"] = undecided
    if result.get("status") in ("success", "partial"):
        result["status"] = "partial" if undecided else "success"
    return Corrected(result=result, decided=decided, undecided=undecided, values=values, checks=checks)


def _drop_null_parents(values: dict[str, Value], key: str) -> None:
    """A decided value inside a table the result has as one null (``active_disclosure: null``) replaces that null."""
    parts = key.split(".")
    for depth in range(1, len(parts)):
        parent = ".".join(parts[:depth])
        if parent in values and values[parent] is None:
            del values[parent]


@dataclass
class ExportSummary:
    written: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # gold files not written, and why


def export(connection: sqlite3.Connection, out_dir: Path) -> ExportSummary:
    out_dir.mkdir(parents=True, exist_ok=True)
    summary = ExportSummary()
    docs = connection.execute("SELECT * FROM documents ORDER BY source, id").fetchall()
    names = _file_stems(docs)
    for doc in docs:
        stem = names[doc["id"]]
        corrected = apply_decisions(connection, doc["id"])
        target = out_dir / f"{stem}.json"
        _write_json(target, corrected.result)
        summary.written.append(target)
        flagged = connection.execute(
            "SELECT COUNT(*) FROM items WHERE document_id = ? AND flagged = 1", (doc["id"],)
        ).fetchone()[0]
        if not flagged or len(corrected.decided) < flagged:
            continue  # a gold file is what a person checked: none for a document nobody had to look at
        gold = _gold(corrected)
        try:
            Report.model_validate(gold["report"])
        except ValidationError as exc:
            summary.problems.append(f"{doc['source']}: no gold file, the report model refuses it: {exc.errors()[0]}")
            continue
        gold_path = out_dir / f"{stem}.gold.json"
        _write_json(gold_path, gold)
        summary.written.append(gold_path)
    decisions = out_dir / "decisions.csv"
    _write_decisions(connection, decisions, names)
    summary.written.append(decisions)
    return summary


def _gold(corrected: Corrected) -> dict[str, Any]:
    fixed = [key for key, status in corrected.decided.items() if status == "corrected"]
    return {
        "schema_version": 1,
        "source": corrected.result["source"],
        "notes": (
            f"from review: {len(corrected.decided)} flagged field(s) checked against the document by a person "
            f"({len(fixed)} corrected: {', '.join(fixed) or 'none'}); unflagged fields as extracted"
        ),
        "report": corrected.result["report"],
    }


def _file_stems(docs: list[sqlite3.Row]) -> dict[int, str]:
    """One file stem per document; documents sharing a name get a short hash of their result path."""
    by_stem: dict[str, list[sqlite3.Row]] = {}
    for doc in docs:
        by_stem.setdefault(Path(doc["source"]).stem or "result", []).append(doc)
    taken = {f"{stem}.gold" for stem in by_stem} | {"decisions"}
    names = {}
    for stem, group in by_stem.items():
        for doc in group:
            unique = len(group) == 1 and stem not in taken
            digest = hashlib.sha1(doc["result_path"].encode()).hexdigest()[:8]
            names[doc["id"]] = stem if unique else f"{stem}.{digest}"
    return names


def _write_json(path: Path, data: dict[str, Any]) -> None:
    temporary = path.with_suffix(".part")
    temporary.write_text(json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    temporary.replace(path)


def _write_decisions(connection: sqlite3.Connection, path: Path, names: dict[int, str]) -> None:
    rows = connection.execute(
        "SELECT log.*, items.key, items.document_id, documents.source FROM log JOIN items ON items.id = log.item_id"
        " JOIN documents ON documents.id = items.document_id ORDER BY log.id"
    )
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                *("entry", "at", "reviewer", "action", "document", "file", "item", "key", "old_status"),
                *("new_status", "old_value", "new_value", "version", "reason", "undoes"),
            ]
        )
        for row in rows:
            writer.writerow(
                [
                    row["id"],
                    row["at"],
                    row["reviewer"] or "",
                    row["action"],
                    row["source"],
                    names.get(row["document_id"], ""),
                    row["item_id"],
                    row["key"],
                    row["old_status"] or "",
                    row["new_status"] or "",
                    row["old_value"],
                    row["new_value"],
                    row["version"],
                    row["reason"] or "",
                    row["undoes"] or "",
                ]
            )
