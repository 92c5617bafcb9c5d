"""The review queue: fields a person should confirm or correct, kept in a SQLite file.

``extractor review queue`` loads the ``review`` keys of result files;
``next`` shows the least certain pending field with its page rendered beside
it (the field's box drawn on the page image); ``decide`` records a
confirmation or a correction; ``export`` writes the corrected results and,
for documents whose every flagged field was decided, a gold file.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from extractor.report import flatten, unflatten

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY,
    result_path TEXT NOT NULL,
    document TEXT,
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT,
    confidence REAL,
    alternatives TEXT,
    reason TEXT,
    page INTEGER,
    box TEXT,
    printed TEXT,
    status TEXT NOT NULL DEFAULT 'pending',
    decided_value TEXT,
    decided_at TEXT,
    UNIQUE (result_path, key)
);
"""


def connect(db: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(db)
    connection.row_factory = sqlite3.Row
    connection.executescript(SCHEMA)
    return connection


def queue_results(connection: sqlite3.Connection, result_paths: list[Path]) -> int:
    """Add every flagged field of these results; a field already queued keeps its decision."""
    added = 0
    for path in result_paths:
        result = json.loads(path.read_text(encoding="utf-8"))
        fields = result.get("fields", {})
        flat = flatten(result["report"])
        for key in result.get("review", []):
            detail = fields.get(key, {})
            source = detail.get("source") or {}
            cursor = connection.execute(
                "INSERT OR IGNORE INTO items (result_path, document, source, key, value, confidence, alternatives,"
                " reason, page, box, printed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    str(path.resolve()),
                    result.get("document"),
                    result.get("source", path.name),
                    key,
                    json.dumps(flat.get(key), ensure_ascii=False),
                    detail.get("confidence"),
                    json.dumps(detail.get("alternatives", []), ensure_ascii=False),
                    detail.get("note"),
                    source.get("page"),
                    json.dumps(source.get("box")),
                    source.get("text"),
                ),
            )
            added += cursor.rowcount
    connection.commit()
    return added


def next_item(connection: sqlite3.Connection) -> sqlite3.Row | None:
    row: sqlite3.Row | None = connection.execute(
        "SELECT * FROM items WHERE status = 'pending' ORDER BY confidence IS NULL, confidence, id LIMIT 1"
    ).fetchone()
    return row


def decide(connection: sqlite3.Connection, item_id: int, value: Any | None, confirm: bool) -> None:
    row = connection.execute("SELECT * FROM items WHERE id = ?", (item_id,)).fetchone()
    if row is None:
        raise KeyError(f"no review item {item_id}")
    status = "confirmed" if confirm else "corrected"
    decided = row["value"] if confirm else json.dumps(value, ensure_ascii=False)
    connection.execute(
        "UPDATE items SET status = ?, decided_value = ?, decided_at = ? WHERE id = ?",
        (status, decided, datetime.now(UTC).isoformat(timespec="seconds"), item_id),
    )
    connection.commit()


def render_page(document: str, page: int, box: list[float] | None, out: Path) -> Path | None:
    """The page as a PNG with the field's box drawn on it (PDF and image documents)."""
    path = Path(document)
    if not path.is_file() or path.suffix.lower() not in {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}:
        return None
    from extractor.load.pdf import pymupdf_module

    pymupdf = pymupdf_module()
    with pymupdf.open(path) as doc:
        if page < 1 or page > doc.page_count:
            return None
        pdf_page = doc[page - 1]
        if box and path.suffix.lower() == ".pdf":
            x0, y0, x1, y1 = box
            rect = pymupdf.Rect(x0 - 3, y0 - 3, x1 + 3, y1 + 3)
            pdf_page.draw_rect(rect, color=(1, 0, 0), width=1.5)
        pixmap = pdf_page.get_pixmap(dpi=110)
        out.parent.mkdir(parents=True, exist_ok=True)
        pixmap.save(out)
    return out


def export(connection: sqlite3.Connection, out_dir: Path) -> list[Path]:
    """Write corrected results, and gold files for documents with nothing left pending."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    paths = [r["result_path"] for r in connection.execute("SELECT DISTINCT result_path FROM items")]
    for result_path in paths:
        items = connection.execute("SELECT * FROM items WHERE result_path = ?", (result_path,)).fetchall()
        result = json.loads(Path(result_path).read_text(encoding="utf-8"))
        flat = flatten(result["report"])
        decided = [i for i in items if i["status"] != "pending"]
        for item in decided:
            flat[item["key"]] = json.loads(item["decided_value"])
        result["report"] = unflatten(flat)
        result["review"] = [k for k in result["review"] if k not in {i["key"] for i in decided}]
        stem = Path(result["source"]).stem
        target = out_dir / f"{stem}.json"
        target.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        written.append(target)
        if all(i["status"] != "pending" for i in items):
            corrected = [i["key"] for i in decided if i["status"] == "corrected"]
            gold = {
                "schema_version": 1,
                "source": result["source"],
                "notes": (
                    f"from review: {len(decided)} flagged field(s) checked against the document by a person "
                    f"({len(corrected)} corrected: {', '.join(corrected) or 'none'}); unflagged fields as extracted"
                ),
                "report": result["report"],
            }
            gold_path = out_dir / f"{stem}.gold.json"
            gold_path.write_text(json.dumps(gold, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            written.append(gold_path)
    return written


# --- command line ---------------------------------------------------------------


def _parse_value(text: str) -> Any:
    if text.lower() in {"null", "none", ""}:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _cmd_queue(args: argparse.Namespace) -> int:
    paths: list[Path] = []
    for raw in args.results:
        path = Path(raw)
        paths.extend(sorted(path.glob("*.json")) if path.is_dir() else [path])
    with connect(args.db) as connection:
        added = queue_results(connection, paths)
        pending = connection.execute("SELECT COUNT(*) FROM items WHERE status = 'pending'").fetchone()[0]
    print(f"queued {added} field(s) from {len(paths)} result(s); {pending} pending in {args.db}")
    return 0


def _cmd_next(args: argparse.Namespace) -> int:
    with connect(args.db) as connection:
        item = next_item(connection)
        if item is None:
            print("nothing pending")
            return 0
        print(f"#{item['id']} {item['source']}  {item['key']}")
        print(f"  value: {json.loads(item['value'])}   confidence: {item['confidence']}")
        alternatives = json.loads(item["alternatives"] or "[]")
        if alternatives:
            print(f"  alternatives: {alternatives}")
        print(f"  why: {item['reason'] or 'part of a broken tally identity'}")
        if item["printed"]:
            print(f"  printed text: {item['printed']!r}")
        if item["document"] and item["page"]:
            image = render_page(
                item["document"], item["page"], json.loads(item["box"] or "null"), args.images / f"{item['id']}.png"
            )
            print(f"  page {item['page']}" + (f": {image}" if image else ""))
        print(f"confirm: extractor review decide {item['id']} --confirm --db {args.db}")
        print(f"correct: extractor review decide {item['id']} --value N --db {args.db}")
    return 0


def _cmd_decide(args: argparse.Namespace) -> int:
    if args.confirm == (args.value is not None):
        print("extractor review decide: give exactly one of --confirm or --value", file=sys.stderr)
        return 2
    with connect(args.db) as connection:
        try:
            decide(connection, args.id, _parse_value(args.value) if args.value is not None else None, args.confirm)
        except KeyError as exc:
            print(f"extractor review decide: {exc.args[0]}", file=sys.stderr)
            return 1
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    with connect(args.db) as connection:
        written = export(connection, args.out)
    for path in written:
        print(path)
    return 0


def add_review_commands(sub: Any) -> None:
    review = sub.add_parser(
        "review",
        help="confirm or correct the fields a result flagged",
        description="A queue (SQLite file) of flagged fields: queue results, look at the next field beside its "
        "page, decide, export corrected results and gold files.",
    )
    commands = review.add_subparsers(dest="review_command", required=True, metavar="STEP")

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--db", type=Path, default=Path("review.sqlite"), help="queue file (review.sqlite)")

    queue = commands.add_parser("queue", help="add the flagged fields of result files", description="Queue results.")
    queue.add_argument("results", nargs="+", metavar="RESULT", help="result JSON files or directories of them")
    common(queue)
    queue.set_defaults(func=_cmd_queue)

    nxt = commands.add_parser("next", help="show the least certain pending field", description="Show the next field.")
    nxt.add_argument("--images", type=Path, default=Path("review-pages"), help="where page images go")
    common(nxt)
    nxt.set_defaults(func=_cmd_next)

    dec = commands.add_parser("decide", help="confirm or correct one field", description="Record a decision.")
    dec.add_argument("id", type=int, metavar="ID")
    dec.add_argument("--confirm", action="store_true", help="the extracted value is right")
    dec.add_argument("--value", metavar="V", help="the right value (a number, text, or null)")
    common(dec)
    dec.set_defaults(func=_cmd_decide)

    exp = commands.add_parser("export", help="write corrected results and gold files", description="Export decisions.")
    exp.add_argument("--out", type=Path, required=True, metavar="DIR")
    common(exp)
    exp.set_defaults(func=_cmd_export)
