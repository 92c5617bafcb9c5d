"""The review queue in one SQLite file: documents, flagged items with versions, and an append-only log.

Every change to an item (queued, decided, undone, re-queued, dropped) bumps its
``version`` and appends one row to ``log`` with who, when, the old and the new
value and why. Nothing in ``log`` is ever updated or deleted. A decision names
the version it was made on; if the item has changed since, it is refused with
``StaleVersion`` naming the changes, and nothing is written.

The file runs in WAL mode with a busy timeout, and every write is one
``BEGIN IMMEDIATE`` transaction, so several reviewers (threads of the web app,
or separate processes) can write at once without ``database is locked``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from extractor.errors import ExtractorError
from extractor.report import Value, flatten
from extractor.review.values import parse_value

SCHEMA_VERSION = 2
BUSY_TIMEOUT_MS = 30_000
OPEN_FOR = timedelta(minutes=10)  # an item opened this recently is shown as open by that reviewer

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    result_path TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    document TEXT,
    queued_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    key TEXT NOT NULL,
    extracted TEXT NOT NULL,          -- JSON of the value in the result
    confidence REAL,
    alternatives TEXT NOT NULL,       -- JSON list
    reason TEXT NOT NULL,
    source TEXT NOT NULL,             -- JSON of fields[key].source, or null
    flagged INTEGER NOT NULL DEFAULT 1,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'corrected')),
    decided TEXT,                     -- JSON of the decided value
    decided_by TEXT,
    decided_at TEXT,
    version INTEGER NOT NULL DEFAULT 1,
    opened_by TEXT,
    opened_at TEXT,
    UNIQUE (document_id, key)
);
CREATE TABLE IF NOT EXISTS log (
    id INTEGER PRIMARY KEY,
    item_id INTEGER NOT NULL REFERENCES items(id),
    at TEXT NOT NULL,
    reviewer TEXT,
    action TEXT NOT NULL,             -- queued, confirm, correct, undo, requeue, flagged, dropped
    old_status TEXT,
    new_status TEXT,
    old_value TEXT,                   -- JSON
    new_value TEXT,                   -- JSON
    version INTEGER NOT NULL,         -- the item's version after this entry
    reason TEXT,
    undoes INTEGER REFERENCES log(id)
);
CREATE INDEX IF NOT EXISTS log_item ON log(item_id, id);
CREATE TRIGGER IF NOT EXISTS log_no_update BEFORE UPDATE ON log
BEGIN SELECT RAISE(ABORT, 'the review log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS log_no_delete BEFORE DELETE ON log
BEGIN SELECT RAISE(ABORT, 'the review log is append-only'); END;
"""

TALLY_REASON = "part of a tally identity that does not hold"
DECISIONS = ("confirm", "correct")
RESETS = ("queued", "requeue")  # undo never reaches back past these


class ReviewError(ExtractorError):
    """A review request that cannot be carried out; the message says why."""


class QueueMissing(ReviewError):
    pass


class UnknownItem(ReviewError):
    pass


class StaleVersion(ReviewError):
    """The item changed since the version the decision was made on."""


class NothingToUndo(ReviewError):
    pass


class NotFlagged(StaleVersion):
    """The item left the queue (a re-extraction no longer flags it): there is nothing to decide."""


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def connect(db: Path, create: bool = False) -> sqlite3.Connection:
    """Open the queue file; only ``create`` makes a new one (a misspelt path is an error, not an empty queue)."""
    if not create and not db.is_file():
        raise QueueMissing(f"{db}: no such review queue (make one with: extractor review queue RESULTS --db {db})")
    try:
        connection = sqlite3.connect(db, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
        connection.row_factory = sqlite3.Row
        connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA foreign_keys = ON")
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        tables = connection.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise ReviewError(f"{db}: not a review queue ({exc})") from None
    if version != SCHEMA_VERSION and tables:
        connection.close()
        raise ReviewError(f"{db}: a review queue of another format (version {version}); queue into a new file")
    if not tables:
        connection.executescript(f"BEGIN IMMEDIATE;\n{SCHEMA}\nPRAGMA user_version = {SCHEMA_VERSION};\nCOMMIT;")
    return connection


@contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction that takes the write lock at once (no upgrade deadlock between readers)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _log(
    connection: sqlite3.Connection,
    item_id: int,
    action: str,
    version: int,
    *,
    reviewer: str | None,
    old: tuple[str | None, Value],
    new: tuple[str | None, Value],
    reason: str | None,
    undoes: int | None = None,
    at: str | None = None,
) -> None:
    connection.execute(
        "INSERT INTO log (item_id, at, reviewer, action, old_status, new_status, old_value, new_value, version,"
        " reason, undoes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            item_id,
            at or now(),
            reviewer,
            action,
            old[0],
            new[0],
            _dump(old[1]),
            _dump(new[1]),
            version,
            reason,
            undoes,
        ),
    )


# --- queueing -------------------------------------------------------------------


@dataclass
class QueueSummary:
    results: int = 0
    added: int = 0
    updated: int = 0  # value changed on re-extraction: the old decision is dropped
    dropped: int = 0  # no longer flagged
    pending: int = 0


def read_result(path: Path) -> dict[str, Any]:
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ReviewError(f"{path}: no such result file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReviewError(f"{path}: not a result file ({exc})") from None
    if not isinstance(result, dict) or not isinstance(result.get("report"), dict):
        raise ReviewError(f"{path}: not a result file (no 'report')")
    if not isinstance(result.get("review"), list) or not isinstance(result.get("fields", {}), dict):
        raise ReviewError(f"{path}: not a result file of extractor extract (no 'review' list)")
    return result


def queue_results(connection: sqlite3.Connection, result_paths: list[Path]) -> QueueSummary:
    """Queue (or re-queue) the flagged fields of these results; see the module docstring for what re-queue does."""
    summary = QueueSummary()
    results = [(path, read_result(path)) for path in result_paths]  # every file checked before anything is written
    for path, result in results:
        with transaction(connection):
            _queue_one(connection, path, result, summary)
        summary.results += 1
    summary.pending = connection.execute(
        "SELECT COUNT(*) FROM items WHERE flagged = 1 AND status = 'pending'"
    ).fetchone()[0]
    return summary


def _queue_one(connection: sqlite3.Connection, path: Path, result: dict[str, Any], summary: QueueSummary) -> None:
    stamp = now()
    result_path = str(path.resolve())
    source = str(result.get("source") or path.name)
    connection.execute(
        "INSERT INTO documents (result_path, source, document, queued_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (result_path) DO UPDATE SET source = excluded.source, document = excluded.document,"
        " queued_at = excluded.queued_at",
        (result_path, source, result.get("document"), stamp),
    )
    document_id = connection.execute("SELECT id FROM documents WHERE result_path = ?", (result_path,)).fetchone()[0]
    flat = flatten(result["report"])
    fields = result.get("fields", {})
    flagged = [key for key in dict.fromkeys(result.get("review", [])) if isinstance(key, str)]
    existing = {
        row["key"]: row for row in connection.execute("SELECT * FROM items WHERE document_id = ?", (document_id,))
    }
    for key in flagged:
        detail = fields.get(key) or {}
        value = flat.get(key)
        facts = (
            detail.get("confidence"),
            _dump(detail.get("alternatives") or []),
            detail.get("note") or TALLY_REASON,
            _dump(detail.get("source")),
        )
        row = existing.get(key)
        if row is None:
            cursor = connection.execute(
                "INSERT INTO items (document_id, key, extracted, confidence, alternatives, reason, source)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (document_id, key, _dump(value), *facts),
            )
            _log(
                connection,
                int(cursor.lastrowid or 0),
                "queued",
                1,
                reviewer=None,
                old=(None, None),
                new=("pending", value),
                reason=facts[2],
                at=stamp,
            )
            summary.added += 1
            continue
        connection.execute(
            "UPDATE items SET confidence = ?, alternatives = ?, reason = ?, source = ? WHERE id = ?",
            (*facts, row["id"]),
        )
        old_value = _load(row["extracted"])
        version = row["version"] + 1
        if old_value != value:
            connection.execute(
                "UPDATE items SET extracted = ?, flagged = 1, status = 'pending', decided = NULL, decided_by = NULL,"
                " decided_at = NULL, version = ? WHERE id = ?",
                (_dump(value), version, row["id"]),
            )
            dropped = f"; the {row['status']} decision made on {_text(old_value)} is dropped"
            _log(
                connection,
                row["id"],
                "requeue",
                version,
                reviewer=None,
                old=(row["status"], current_value(row)),
                new=("pending", value),
                reason=f"re-extracted: value {_text(old_value)} -> {_text(value)}"
                + (dropped if row["status"] != "pending" else ""),
                at=stamp,
            )
            summary.updated += 1
        elif not row["flagged"]:
            connection.execute("UPDATE items SET flagged = 1, version = ? WHERE id = ?", (version, row["id"]))
            state = (row["status"], current_value(row))
            _log(connection, row["id"], "flagged", version, reviewer=None, old=state, new=state, reason=facts[2])
    for key, row in existing.items():
        if key not in flagged and row["flagged"]:
            version = row["version"] + 1
            connection.execute("UPDATE items SET flagged = 0, version = ? WHERE id = ?", (version, row["id"]))
            state = (row["status"], current_value(row))
            _log(
                connection,
                row["id"],
                "dropped",
                version,
                reviewer=None,
                old=state,
                new=state,
                reason="re-extracted: no longer flagged",
                at=stamp,
            )
            summary.dropped += 1


def _text(value: Value) -> str:
    return "null" if value is None else str(value)


# --- reading ----------------------------------------------------------------------


def current_value(row: sqlite3.Row) -> Value:
    """What the item holds now: the decision if there is one, else the extracted value."""
    value: Value = _load(row["decided"] if row["status"] != "pending" else row["extracted"])
    return value


ITEM_QUERY = (
    "SELECT items.*, documents.source AS document, documents.result_path"
    " FROM items JOIN documents ON documents.id = items.document_id"
)


def item_json(row: sqlite3.Row) -> dict[str, Any]:
    opened_by = row["opened_by"]
    if opened_by and row["opened_at"] and datetime.fromisoformat(row["opened_at"]) < datetime.now(UTC) - OPEN_FOR:
        opened_by = None
    source = _load(row["source"]) or {}
    return {
        "id": row["id"],
        "document": row["document"],
        "document_id": row["document_id"],
        "key": row["key"],
        "value": current_value(row),
        "extracted": _load(row["extracted"]),
        "alternatives": _load(row["alternatives"]),
        "confidence": row["confidence"],
        "reason": row["reason"],
        "status": row["status"],
        "version": row["version"],
        "flagged": bool(row["flagged"]),
        "decided_by": row["decided_by"],
        "decided_at": row["decided_at"],
        "opened_by": opened_by,
        "page": source.get("page"),
        "cell": source.get("cell"),
    }


def list_items(
    connection: sqlite3.Connection,
    *,
    document: str | None = None,
    status: str | None = None,
    reason: str | None = None,
    key: str | None = None,
    include_dropped: bool = False,
) -> list[dict[str, Any]]:
    """Items in queue order (document, then least certain first). ``document`` is an id or a source name."""
    clauses: list[str] = [] if include_dropped else ["items.flagged = 1"]
    params: list[object] = []
    if document is not None:
        if document.isdigit():
            clauses.append("items.document_id = ?")
            params.append(int(document))
        else:
            clauses.append("documents.source = ?")
            params.append(document)
    for column, wanted in (("items.status", status), ("items.reason", reason), ("items.key", key)):
        if wanted is not None:
            clauses.append(f"{column} = ?")
            params.append(wanted)
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = connection.execute(
        f"{ITEM_QUERY}{where} ORDER BY documents.source, items.document_id, items.confidence IS NULL,"
        " items.confidence, items.id",
        params,
    )
    return [item_json(row) for row in rows]


def get_row(connection: sqlite3.Connection, item_id: int) -> sqlite3.Row:
    row: sqlite3.Row | None = connection.execute(f"{ITEM_QUERY} WHERE items.id = ?", (item_id,)).fetchone()
    if row is None:
        raise UnknownItem(f"no review item {item_id}")
    return row


def history(connection: sqlite3.Connection, item_id: int) -> list[dict[str, Any]]:
    get_row(connection, item_id)
    return [
        {
            "id": row["id"],
            "at": row["at"],
            "reviewer": row["reviewer"],
            "action": row["action"],
            "old_status": row["old_status"],
            "new_status": row["new_status"],
            "old_value": _load(row["old_value"]),
            "new_value": _load(row["new_value"]),
            "version": row["version"],
            "reason": row["reason"],
            "undoes": row["undoes"],
        }
        for row in connection.execute("SELECT * FROM log WHERE item_id = ? ORDER BY id", (item_id,))
    ]


def documents(connection: sqlite3.Connection) -> list[dict[str, Any]]:
    """Each queued document with its counts of flagged items by status and by reason."""
    out = []
    for doc in connection.execute("SELECT * FROM documents ORDER BY source, id"):
        items = list_items(connection, document=str(doc["id"]))
        by_reason: dict[str, int] = {}
        for item in items:
            by_reason[item["reason"]] = by_reason.get(item["reason"], 0) + 1
        out.append(
            {
                "id": doc["id"],
                "source": doc["source"],
                "document": doc["document"],
                "result_path": doc["result_path"],
                "flagged": len(items),
                "pending": sum(item["status"] == "pending" for item in items),
                "by_reason": by_reason,
                "open_by": sorted({item["opened_by"] for item in items if item["opened_by"]}),
            }
        )
    return out


# --- deciding ---------------------------------------------------------------------


def decide(
    connection: sqlite3.Connection,
    item_id: int,
    *,
    version: int | None,
    reviewer: str,
    value: object = None,
    confirm: bool = False,
    reason: str | None = None,
) -> dict[str, Any]:
    """Confirm the extracted value or store a corrected one. ``version=None`` skips the check (the CLI)."""
    with transaction(connection):
        row = get_row(connection, item_id)
        _check_version(connection, row, version)
        extracted = _load(row["extracted"])
        new_value = extracted if confirm else parse_value(row["key"], value)
        new_status = "confirmed" if new_value == extracted else "corrected"
        _apply(connection, row, reviewer, "confirm" if confirm else "correct", (new_status, new_value), reason)
        return item_json(get_row(connection, item_id))


def undo(
    connection: sqlite3.Connection, item_id: int, *, version: int | None, reviewer: str, reason: str | None = None
) -> dict[str, Any]:
    """Take back the latest decision still standing: a new log entry restores the state before it."""
    with transaction(connection):
        row = get_row(connection, item_id)
        _check_version(connection, row, version)
        entries = connection.execute("SELECT * FROM log WHERE item_id = ? ORDER BY id", (item_id,)).fetchall()
        start = max((e["id"] for e in entries if e["action"] in RESETS), default=0)
        undone = {e["undoes"] for e in entries if e["undoes"] is not None}
        standing = [e for e in entries if e["id"] > start and e["action"] in DECISIONS and e["id"] not in undone]
        if not standing:
            raise NothingToUndo(f"item {item_id} has no decision to undo")
        target = standing[-1]
        restored = (target["old_status"], _load(target["old_value"]))
        _apply(
            connection,
            row,
            reviewer,
            "undo",
            restored,
            reason or f"undo of log entry {target['id']} ({target['action']} by {target['reviewer']})",
            undoes=target["id"],
        )
        return item_json(get_row(connection, item_id))


def open_item(connection: sqlite3.Connection, item_id: int, reviewer: str) -> dict[str, Any]:
    """Mark the item as open by this reviewer (not a change of the item: no version, no log entry)."""
    with transaction(connection):
        get_row(connection, item_id)
        connection.execute("UPDATE items SET opened_by = ?, opened_at = ? WHERE id = ?", (reviewer, now(), item_id))
        return item_json(get_row(connection, item_id))


def _check_version(connection: sqlite3.Connection, row: sqlite3.Row, version: int | None) -> None:
    if not row["flagged"]:
        raise NotFlagged(f"item {row['id']} ({row['key']}) is no longer flagged: a re-extraction took it out of review")
    if version is None or version == row["version"]:
        return
    if version > row["version"]:
        raise StaleVersion(f"item {row['id']} ({row['key']}) is at version {row['version']}, not {version}")
    changes = connection.execute(
        "SELECT * FROM log WHERE item_id = ? AND version > ? ORDER BY id", (row["id"], version)
    ).fetchall()
    told = "; ".join(
        f"{e['action']} by {e['reviewer'] or 'the queue'} at {e['at']}: "
        f"{_text(_load(e['old_value']))} -> {_text(_load(e['new_value']))} ({e['new_status']})"
        for e in changes
    )
    raise StaleVersion(
        f"item {row['id']} ({row['key']}) changed since version {version}, now version {row['version']}: "
        f"{told or 'unknown change'}"
    )


def _apply(
    connection: sqlite3.Connection,
    row: sqlite3.Row,
    reviewer: str,
    action: str,
    new: tuple[str | None, Value],
    reason: str | None,
    undoes: int | None = None,
) -> None:
    stamp = now()
    version = row["version"] + 1
    status, value = new
    if status == "pending":
        connection.execute(
            "UPDATE items SET status = 'pending', decided = NULL, decided_by = NULL, decided_at = NULL, version = ?"
            " WHERE id = ?",
            (version, row["id"]),
        )
    else:
        connection.execute(
            "UPDATE items SET status = ?, decided = ?, decided_by = ?, decided_at = ?, version = ? WHERE id = ?",
            (status, _dump(value), reviewer, stamp, version, row["id"]),
        )
    _log(
        connection,
        row["id"],
        action,
        version,
        reviewer=reviewer,
        old=(row["status"], current_value(row)),
        new=new,
        reason=reason,
        undoes=undoes,
        at=stamp,
    )
