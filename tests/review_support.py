"""Helpers for the review tests: real results of real reports, and a real server on a free loopback port."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn

from extractor.pipeline import extract_path
from extractor.review.web import create_app

ROOT = Path(__file__).resolve().parents[1]
HONGZEQU = ROOT / "gold" / "2023_jiangsu_huaian_hongzequ_gov.pdf"  # its own section-4 totals break identity 4
SEED_003 = ROOT / "gold" / "003_b16be583a40a36b1.txt"  # a text report with a flagged (七)总计 row
SEED_004 = ROOT / "gold" / "004_bd42eb570d158966.txt"  # a text report that lost cells: many flagged fields
RECONSIDERATION_TOTAL = "reviews_and_lawsuits.reconsideration.total"
RECONSIDERATION_RULE = "reviews_and_lawsuits.total[reconsideration]"


def extract_to(documents: list[Path], out: Path) -> list[Path]:
    """Extract each document (the real pipeline) and write its result as extract --out would."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for document in documents:
        target = out / f"{document.stem}.json"
        target.write_text(json.dumps(extract_path(document).to_json(), ensure_ascii=False, indent=2), encoding="utf-8")
        written.append(target)
    return written


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(db: Path) -> Iterator[str]:
    """``extractor review serve``'s app under uvicorn in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the review server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
