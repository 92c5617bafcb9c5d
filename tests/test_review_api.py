"""The JSON API of ``extractor review serve`` over HTTP: a real uvicorn server on loopback and a real SQLite file."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pymupdf
import pytest

from extractor.review import store
from extractor.review.export import export
from tests.review_support import (
    HONGZEQU,
    RECONSIDERATION_RULE,
    RECONSIDERATION_TOTAL,
    SEED_003,
    SEED_004,
    extract_to,
    free_port,
    running_server,
)

ITEM_KEYS = {"id", "document", "key", "value", "alternatives", "reason", "status", "version"}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return extract_to([HONGZEQU, SEED_003, SEED_004], tmp_path_factory.mktemp("results"))


@pytest.fixture()
def db(tmp_path: Path, results: list[Path]) -> Path:
    path = tmp_path / "queue.sqlite"
    connection = store.connect(path, create=True)
    store.queue_results(connection, results)
    connection.close()
    return path


def item_of(client: httpx.Client, key: str, document: str = HONGZEQU.name) -> dict:
    items = client.get("/api/items", params={"document": document, "key": key}).json()["items"]
    assert len(items) == 1
    return items[0]


def test_items_carry_the_documented_fields_and_filter(db: Path) -> None:
    with running_server(db) as url, httpx.Client(base_url=url) as client:
        every = client.get("/api/items").json()["items"]
        assert every and all(ITEM_KEYS <= set(item) for item in every)
        hongzequ = client.get("/api/items", params={"document": HONGZEQU.name}).json()["items"]
        assert {item["document"] for item in hongzequ} == {HONGZEQU.name}
        assert RECONSIDERATION_TOTAL in {item["key"] for item in hongzequ}
        by_reason = client.get("/api/items", params={"reason": "part of a tally identity that does not hold"})
        assert by_reason.json()["items"] and all(
            item["reason"] == "part of a tally identity that does not hold" for item in by_reason.json()["items"]
        )
        assert client.get("/api/items", params={"status": "corrected"}).json()["items"] == []
        pending = client.get("/api/items", params={"status": "pending"}).json()["items"]
        assert len(pending) == len(every)


def test_a_decision_is_validated_versioned_and_logged(db: Path, tmp_path: Path) -> None:
    with running_server(db) as url, httpx.Client(base_url=url) as client:
        item = item_of(client, RECONSIDERATION_TOTAL)
        assert (item["value"], item["version"], item["status"]) == (0, 1, "pending")
        decision = f"/api/items/{item['id']}/decision"

        for raw in ('"abc"', "-5", "1e400", '"1e400"', '{"a": [1, 2]}', "2.5", "true"):
            body = f'{{"value": {raw}, "version": 1, "reviewer": "alice"}}'
            refused = client.post(decision, content=body, headers={"Content-Type": "application/json"})
            assert refused.status_code == 422, raw
            assert refused.json()["error"]
        assert client.post(decision, json={"value": 3, "reviewer": "alice"}).status_code == 422  # no version
        assert client.post(decision, json={"value": 3, "version": 1, "reviewer": " "}).status_code == 422  # nobody
        assert (
            client.post("/api/items/999999/decision", json={"confirm": True, "version": 1, "reviewer": "a"}).status_code
            == 404
        )

        saved = client.post(decision, json={"value": 11, "version": 1, "reviewer": "alice", "reason": "sum of row"})
        assert saved.status_code == 200
        assert {k: saved.json()[k] for k in ("value", "status", "version")} == {
            "value": 11,
            "status": "corrected",
            "version": 2,
        }

        stale = client.post(decision, json={"value": 12, "version": 1, "reviewer": "bob"})
        assert stale.status_code == 409
        assert "alice" in stale.json()["error"] and "0 -> 11" in stale.json()["error"]
        assert item_of(client, RECONSIDERATION_TOTAL)["value"] == 11  # the stale save changed nothing
        future = client.post(decision, json={"confirm": True, "version": 99, "reviewer": "bob"})
        assert future.status_code == 409 and "is at version 2" in future.json()["error"]

        confirmed = client.post(decision, json={"confirm": True, "version": 2, "reviewer": "bob"})
        assert confirmed.json()["status"] == "confirmed" and confirmed.json()["value"] == 0
        undone = client.post(decision, json={"undo": True, "version": 3, "reviewer": "bob"})
        assert (undone.json()["status"], undone.json()["value"], undone.json()["version"]) == ("corrected", 11, 4)

        history = client.get(f"/api/items/{item['id']}/history").json()["history"]
        assert [(e["action"], e["reviewer"], e["old_value"], e["new_value"]) for e in history] == [
            ("queued", None, None, 0),
            ("correct", "alice", 0, 11),
            ("confirm", "bob", 11, 0),
            ("undo", "bob", 0, 11),
        ]
        assert history[1]["reason"] == "sum of row" and history[3]["undoes"] == history[2]["id"]

    connection = store.connect(db)
    export(connection, tmp_path / "reviewed")
    connection.close()
    result = json.loads((tmp_path / "reviewed" / f"{HONGZEQU.stem}.json").read_text(encoding="utf-8"))
    assert result["report"]["reviews_and_lawsuits"]["reconsideration"]["total"] == 11
    assert RECONSIDERATION_TOTAL not in result["review"]
    assert next(c for c in result["checks"] if c["rule"] == RECONSIDERATION_RULE)["passed"] is True
    assert not (tmp_path / "reviewed" / f"{HONGZEQU.stem}.gold.json").exists()  # nine fields still undecided


def test_two_concurrent_saves_on_one_item_one_is_refused(db: Path) -> None:
    with running_server(db) as url, httpx.Client(base_url=url) as client:
        item = item_of(client, RECONSIDERATION_TOTAL)
        barrier = threading.Barrier(2)

        def save(value: int, reviewer: str) -> int:
            with httpx.Client(base_url=url) as own:
                barrier.wait()
                body = {"value": value, "version": item["version"], "reviewer": reviewer}
                return own.post(f"/api/items/{item['id']}/decision", json=body).status_code

        with ThreadPoolExecutor(2) as pool:
            codes = sorted(pool.map(save, [11, 12], ["alice", "bob"]))
        assert codes == [200, 409]
        history = client.get(f"/api/items/{item['id']}/history").json()["history"]
        assert [e["action"] for e in history] == ["queued", "correct"]
        assert item_of(client, RECONSIDERATION_TOTAL)["value"] == history[-1]["new_value"]


def test_many_concurrent_decisions_are_all_kept(db: Path) -> None:
    with running_server(db) as url, httpx.Client(base_url=url) as client:
        items = client.get("/api/items").json()["items"]
        assert len(items) >= 140

        def confirm(item: dict) -> tuple[int, str]:
            with httpx.Client(base_url=url, timeout=60) as own:
                body = {"confirm": True, "version": item["version"], "reviewer": f"r{item['id'] % 7}"}
                answer = own.post(f"/api/items/{item['id']}/decision", json=body)
                return answer.status_code, answer.text

        with ThreadPoolExecutor(24) as pool:
            answers = list(pool.map(confirm, items))
        assert [code for code, _ in answers] == [200] * len(items), [text for code, text in answers if code != 200][:3]
        assert client.get("/api/items", params={"status": "pending"}).json()["items"] == []
    connection = store.connect(db)
    decisions = connection.execute("SELECT COUNT(*) FROM log WHERE action = 'confirm'").fetchone()[0]
    connection.close()
    assert decisions == len(items)


def test_the_page_image_has_the_field_box_drawn(db: Path) -> None:
    with running_server(db) as url, httpx.Client(base_url=url) as client:
        item = item_of(client, RECONSIDERATION_TOTAL)
        image = client.get(f"/items/{item['id']}/page.png")
        assert image.status_code == 200 and image.content[:8] == b"\x89PNG\r\n\x1a\n"
        pixmap = pymupdf.Pixmap(image.content)
        samples, step = pixmap.samples, pixmap.n
        red = sum(
            1 for i in range(0, len(samples), step) if samples[i] > 200 and samples[i + 1] < 60 and samples[i + 2] < 60
        )
        assert red > 50  # the box around the cell
        text_item = item_of(client, "applications.total_processed.natural_person", document=SEED_003.name)
        assert client.get(f"/items/{text_item['id']}/page.png").status_code == 404  # a text report has no page
        panel = client.get(f"/items/{text_item['id']}/panel").text
        assert "<mark>80</mark>" in panel


def test_the_serve_command_serves_the_queue(db: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "extractor", "review", "serve", "--db", str(db), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/items", params={"document": HONGZEQU.name})
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, "extractor review serve did not start"
                time.sleep(0.2)
        assert answer.status_code == 200 and len(answer.json()["items"]) == 11
        assert httpx.get(f"http://127.0.0.1:{port}/").status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=20)
