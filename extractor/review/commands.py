"""``extractor review queue | next | decide | export | serve``: the queue from the command line.

``queue`` creates the queue file; every other step refuses a ``--db`` that
does not exist. Mistakes print one line naming the problem, never a traceback.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from extractor.review import store
from extractor.review.store import ReviewError
from extractor.review.values import InvalidValue

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _cmd_queue(args: argparse.Namespace) -> int:
    paths: list[Path] = []
    for raw in args.results:
        path = Path(raw)
        if path.is_dir():
            found = sorted(path.glob("*.json"))
            if not found:
                raise ReviewError(f"{path}: no result files (*.json) in this folder")
            paths.extend(found)
        else:
            paths.append(path)
    connection = store.connect(args.db, create=True)
    try:
        summary = store.queue_results(connection, paths)
    finally:
        connection.close()
    print(
        f"queued {summary.added} field(s) from {summary.results} result(s)"
        f" ({summary.updated} updated, {summary.dropped} no longer flagged); {summary.pending} pending in {args.db}"
    )
    return EXIT_OK


def _cmd_next(args: argparse.Namespace) -> int:
    from extractor.review.view import item_source, render_page

    connection = store.connect(args.db)
    try:
        pending = store.list_items(connection, status="pending")
        if not pending:
            print("nothing pending")
            return EXIT_OK
        item = min(pending, key=lambda i: (i["confidence"] is None, i["confidence"] or 0, i["id"]))
        row = store.get_row(connection, item["id"])
        document = connection.execute("SELECT document FROM documents WHERE id = ?", (row["document_id"],)).fetchone()
    finally:
        connection.close()
    print(f"#{item['id']} {item['document']}  {item['key']}  (version {item['version']})")
    print(f"  value: {item['value']}   confidence: {item['confidence']}")
    if item["alternatives"]:
        print(f"  alternatives: {item['alternatives']}")
    print(f"  why: {item['reason']}")
    shown = item_source(row, document["document"])
    for line in shown.get("lines", []):
        print(f"  {line['number']:>5} | {line['before']}[{line['span']}]{line['after']}")
    if shown["kind"] == "image":
        args.images.mkdir(parents=True, exist_ok=True)
        image = args.images / f"{item['id']}.png"
        image.write_bytes(render_page(document["document"], shown["page"], shown["box"]))
        print(f"  page {shown['page']}: {image}")
    elif shown["kind"] == "none":
        print(f"  source: {shown['why']}")
    print(f"confirm: extractor review decide {item['id']} --confirm --db {args.db}")
    print(f"correct: extractor review decide {item['id']} --value N --db {args.db}")
    return EXIT_OK


def _cmd_decide(args: argparse.Namespace) -> int:
    given = [args.confirm, args.value is not None, args.undo]
    if sum(given) != 1:
        print("extractor review decide: give exactly one of --confirm, --value V or --undo", file=sys.stderr)
        return EXIT_USAGE
    connection = store.connect(args.db)
    try:
        if args.undo:
            item = store.undo(connection, args.id, version=args.version, reviewer=args.reviewer)
        else:
            item = store.decide(
                connection,
                args.id,
                version=args.version,
                reviewer=args.reviewer,
                value=args.value,
                confirm=args.confirm,
                reason=args.reason,
            )
    finally:
        connection.close()
    print(f"#{item['id']} {item['key']}: {item['status']} {item['value']} (version {item['version']})")
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    from extractor.review.export import export

    connection = store.connect(args.db)
    try:
        summary = export(connection, args.out)
    finally:
        connection.close()
    for path in summary.written:
        print(path)
    for problem in summary.problems:
        print(f"extractor review export: {problem}", file=sys.stderr)
    return EXIT_FAILED if summary.problems else EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    from extractor.review.web import serve

    serve(args.db, args.host, args.port)
    return EXIT_OK


def _one_line_errors(name: str, command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except (ReviewError, InvalidValue) as exc:
            print(f"extractor review {name}: {exc}", file=sys.stderr)
            return EXIT_FAILED

    return run


def _default_reviewer() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "reviewer"


def add_review_commands(sub: Any) -> None:
    review = sub.add_parser(
        "review",
        help="confirm or correct the fields a result flagged",
        description="A queue (SQLite file) of flagged fields: queue results, review them in the browser (serve) "
        "or one at a time (next, decide), export corrected results, gold files and the decisions.",
    )
    commands = review.add_subparsers(dest="review_command", required=True, metavar="STEP")

    def common(parser: argparse.ArgumentParser, name: str, command: Callable[[argparse.Namespace], int]) -> None:
        parser.add_argument("--db", type=Path, default=Path("review.sqlite"), help="queue file (review.sqlite)")
        parser.set_defaults(func=_one_line_errors(name, command))

    queue = commands.add_parser(
        "queue",
        help="add the flagged fields of result files (creates the queue)",
        description="Queue results. Re-queueing a re-extracted result updates changed values (dropping decisions "
        "made on the old value) and drops fields that are no longer flagged.",
    )
    queue.add_argument("results", nargs="+", metavar="RESULT", help="result JSON files or directories of them")
    common(queue, "queue", _cmd_queue)

    nxt = commands.add_parser("next", help="show the least certain pending field", description="Show the next field.")
    nxt.add_argument("--images", type=Path, default=Path("review-pages"), help="where page images go")
    common(nxt, "next", _cmd_next)

    dec = commands.add_parser("decide", help="confirm, correct or undo one field", description="Record a decision.")
    dec.add_argument("id", type=int, metavar="ID")
    dec.add_argument("--confirm", action="store_true", help="the extracted value is right")
    dec.add_argument("--value", metavar="V", help="the right value (checked against the field: a count, amount, date)")
    dec.add_argument("--undo", action="store_true", help="take back the latest decision on this field")
    dec.add_argument("--version", type=int, metavar="N", help="refuse if the item is no longer at version N")
    dec.add_argument("--reviewer", default=_default_reviewer(), help="who decides (default: the login name)")
    dec.add_argument("--reason", help="why, kept in the log")
    common(dec, "decide", _cmd_decide)

    exp = commands.add_parser(
        "export", help="write corrected results, gold files and decisions.csv", description="Export decisions."
    )
    exp.add_argument("--out", type=Path, required=True, metavar="DIR")
    common(exp, "export", _cmd_export)

    srv = commands.add_parser(
        "serve", help="review in the browser", description="A local web app over the queue, and its JSON API."
    )
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    srv.add_argument("--port", type=int, default=8765, help="port (8765)")
    common(srv, "serve", _cmd_serve)
