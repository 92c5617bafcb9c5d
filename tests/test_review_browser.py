"""The review page in a real browser: Debian's Chromium driven by Playwright, against a real server and queue."""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from extractor.review import store
from extractor.review.export import export
from tests.review_support import (
    HONGZEQU,
    RECONSIDERATION_RULE,
    RECONSIDERATION_TOTAL,
    SEED_003,
    extract_to,
    running_server,
)

# a shared CI machine can be slow: give each page update this long before calling it a failure
expect.set_options(timeout=20_000)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture()
def queue(tmp_path: Path) -> Path:
    db = tmp_path / "queue.sqlite"
    connection = store.connect(db, create=True)
    store.queue_results(connection, extract_to([HONGZEQU, SEED_003], tmp_path / "results"))
    connection.close()
    return db


def test_correct_a_total_from_the_keyboard_and_see_the_identity_hold(
    browser: Browser, queue: Path, tmp_path: Path
) -> None:
    with running_server(queue) as url:
        page: Page = browser.new_page()
        page.goto(url + "/")
        expect(page.locator("#progress-text")).to_contain_text("0 of")
        page.locator("a.document-link", has_text=HONGZEQU.name).click()
        expect(page.locator("table.reviews")).to_be_visible()

        rule = page.locator(f'li.check[data-rule="{RECONSIDERATION_RULE}"]')
        expect(rule).to_have_class("check broken")
        expect(rule).to_contain_text("11 != 0")  # both sides and the difference, as the report prints them

        total = page.locator(f'td[data-key="{RECONSIDERATION_TOTAL}"]')
        total.click()
        expect(total).to_have_class("cell flagged status-pending broken current")
        expect(page.locator("#item h3")).to_have_text(RECONSIDERATION_TOTAL)
        expect(page.locator("#page-image")).to_be_visible()  # the page with the field's box drawn
        page.wait_for_function("() => document.getElementById('page-image').naturalWidth > 100")
        expect(page.locator("#item .choice.implied")).to_contain_text("11")  # the one value the identity allows

        page.locator("body").press("1")  # typing a number starts the value field
        page.keyboard.press("1")
        page.keyboard.press("Enter")
        # pressed while the save is still in flight: navigation queued after the save, not typed into the value
        page.keyboard.press("k")  # back to the total, which the save moved past
        expect(rule).to_have_class("check ok")
        expect(page.locator("#message")).to_contain_text("corrected 11")
        expect(page.locator(f'td[data-key="{RECONSIDERATION_TOTAL}"]')).to_have_text("11")
        expect(page.locator("#item h3")).to_have_text(RECONSIDERATION_TOTAL)
        expect(page.locator("#item .history")).to_contain_text("correct by")

    connection = store.connect(queue)
    item = store.list_items(connection, key=RECONSIDERATION_TOTAL)[0]
    assert (item["status"], item["value"], item["extracted"], item["version"]) == ("corrected", 11, 0, 2)
    entries = store.history(connection, item["id"])
    assert [(e["action"], e["old_value"], e["new_value"]) for e in entries] == [("queued", None, 0), ("correct", 0, 11)]
    assert entries[-1]["reviewer"]
    summary = export(connection, tmp_path / "reviewed")
    connection.close()
    result = json.loads((tmp_path / "reviewed" / f"{HONGZEQU.stem}.json").read_text(encoding="utf-8"))
    assert result["report"]["reviews_and_lawsuits"]["reconsideration"]["total"] == 11
    assert RECONSIDERATION_TOTAL not in result["review"]
    check = next(c for c in result["checks"] if c["rule"] == RECONSIDERATION_RULE)
    assert check["passed"] is True
    rows = list(csv.DictReader((tmp_path / "reviewed" / "decisions.csv").open(encoding="utf-8")))
    assert [(r["action"], r["old_value"], r["new_value"]) for r in rows if r["key"] == RECONSIDERATION_TOTAL][-1] == (
        "correct",
        "0",
        "11",
    )
    assert not summary.problems


def test_a_text_report_shows_the_source_line_with_the_span_marked(browser: Browser, queue: Path) -> None:
    with running_server(queue) as url:
        page = browser.new_page()
        page.goto(url + "/")
        page.locator("a.document-link", has_text=SEED_003.name).click()
        cell = page.locator('td[data-key="applications.total_processed.natural_person"]')
        cell.click()
        expect(page.locator("#source-lines mark")).to_have_text("80")
        expect(page.locator("#source-lines")).to_contain_text("总计")
        # accept from the keyboard, then undo it: two log entries, the item back to pending
        page.keyboard.press("k")
        page.keyboard.press("j")
        expect(page.locator("#item h3")).to_have_text("applications.total_processed.natural_person")
        page.keyboard.press("a")
        expect(page.locator("#message")).to_contain_text("confirmed 80")
        cell.click()
        page.keyboard.press("u")
        expect(page.locator("#message")).to_contain_text("pending 80")
    rows = sqlite3.connect(queue).execute(
        "SELECT action FROM log JOIN items ON items.id = log.item_id WHERE items.key = ? ORDER BY log.id",
        ("applications.total_processed.natural_person",),
    )
    assert [r[0] for r in rows] == ["queued", "confirm", "undo"]
