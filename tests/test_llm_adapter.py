"""The instructor adapter over scripted HTTP (httpx2.MockTransport: no socket, no server).

The real openai client, instructor and tenacity run; only the server is fake.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FakeChatServer, load_gold

from extractor.document import Document
from extractor.llm.adapter import InstructorLanguageModel
from extractor.llm.engine import read_sections
from extractor.llm.prompts import output_tokens
from extractor.llm.schemas import response_model
from extractor.llm.settings import LLMSettings
from extractor.llm.types import DocumentBudget
from extractor.load import load_document
from extractor.parse.outcome import ParseOutcome

SETTINGS = LLMSettings(
    base_url="http://127.0.0.1:9/v1",
    model="test-model",
    api_key="sk-test",
    backoff_initial_s=0,
    backoff_max_s=0,
)
REVIEWS = "reviews_and_lawsuits"


def _document() -> Document:
    text = (
        "四、政府信息公开行政复议、行政诉讼情况\n结果维持\t结果纠正\t其他结果\t尚未审结\t总计\n"
        "2\t1\t0\t0\t3\t0\t0\t0\t0\t0\t0\t0\t0\t1\t1\n五、存在的主要问题\n"
    )
    return Document("wire.txt", "text", [], text)


GOOD = {
    "reconsideration": {"upheld": 2, "corrected": 1, "other": 0, "pending": 0, "total": 3},
    "litigation_direct": {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0},
    "litigation_after_reconsideration": {"upheld": 0, "corrected": 0, "other": 0, "pending": 1, "total": 1},
}


def _read(server: FakeChatServer, settings: LLMSettings = SETTINGS, budget: DocumentBudget | None = None):  # type: ignore[no-untyped-def]
    model = InstructorLanguageModel(settings, http_client=server.client(), sleep=lambda seconds: None)
    parsed = ParseOutcome(fields={}, template="2021")
    return read_sections(_document(), parsed, [REVIEWS], model, settings, budget=budget)


@pytest.fixture
def server(allow_model_requests: None, fake_server: FakeChatServer) -> FakeChatServer:
    return fake_server


def test_a_good_answer_in_json_mode(server: FakeChatServer) -> None:
    server.enqueue(GOOD)
    reading = _read(server)
    response = reading.responses[REVIEWS]
    assert (response.status, response.attempts, response.prompt_tokens, response.completion_tokens) == (
        "ok",
        1,
        120,
        30,
    )
    [body] = server.requests
    assert body["model"] == "test-model" and body["response_format"] == {"type": "json_object"}
    sized = output_tokens(response_model(REVIEWS, "2021"), SETTINGS.max_output_tokens)  # the section's own limit
    assert body["temperature"] == 0 and body["max_tokens"] == sized < SETTINGS.max_output_tokens
    system = body["messages"][0]["content"]
    assert "结果维持" in system and '"litigation_direct"' in system  # prompt and schema
    assert reading.fields[f"{REVIEWS}.reconsideration.total"].value == 3


def test_a_wrong_number_is_re_asked_with_the_grounding_error(server: FakeChatServer) -> None:
    wrong = json.loads(json.dumps(GOOD))
    wrong["reconsideration"]["upheld"] = 5
    wrong["reconsideration"]["total"] = 6
    server.enqueue(wrong).enqueue(GOOD)
    reading = _read(server)
    assert reading.responses[REVIEWS].status == "ok" and reading.responses[REVIEWS].attempts == 2
    reask = server.requests[1]["messages"][-1]["content"]
    assert "reviews_and_lawsuits.reconsideration.upheld = 5" in reask and "prints 2" in reask


def test_malformed_json_then_good(server: FakeChatServer) -> None:
    server.enqueue('{"reconsideration": {"upheld": 2,, }').enqueue(GOOD)
    reading = _read(server)
    assert reading.responses[REVIEWS].status == "ok" and len(server.requests) == 2


def test_re_asks_stop_at_max_attempts_and_the_last_answer_is_salvaged(server: FakeChatServer) -> None:
    wrong = json.loads(json.dumps(GOOD))
    wrong["reconsideration"]["upheld"] = 5
    for _ in range(SETTINGS.max_attempts_per_section):
        server.enqueue(wrong)
    reading = _read(server)
    response = reading.responses[REVIEWS]
    assert response.status == "invalid" and response.attempts == SETTINGS.max_attempts_per_section
    assert [r.key for r in reading.rejected] == [f"{REVIEWS}.reconsideration.upheld"]
    assert reading.fields[f"{REVIEWS}.reconsideration.corrected"].value == 1  # grounded, kept


def test_truncated_output_is_not_re_asked(server: FakeChatServer) -> None:
    server.enqueue('{"reconsideration": {"upheld": 2, "corr', finish_reason="length")
    reading = _read(server)
    response = reading.responses[REVIEWS]
    assert response.status == "invalid" and "truncated" in (response.error or "")
    assert len(server.requests) == 1


def test_429_and_503_are_retried_with_backoff(server: FakeChatServer) -> None:
    server.enqueue(status=429).enqueue(status=503).enqueue(GOOD)
    waits: list[float] = []
    settings = SETTINGS.model_copy(update={"backoff_initial_s": 1.0, "backoff_max_s": 4.0})
    model = InstructorLanguageModel(settings, http_client=server.client(), sleep=waits.append)
    reading = read_sections(_document(), ParseOutcome(fields={}, template="2021"), [REVIEWS], model, settings)
    assert reading.responses[REVIEWS].status == "ok"
    assert reading.responses[REVIEWS].attempts == 3
    assert len(waits) == 2 and all(0 < w <= 5.0 for w in waits)


def test_timeouts_give_up_after_the_transport_retries(server: FakeChatServer) -> None:
    for _ in range(SETTINGS.max_transport_retries + 1):
        server.enqueue(timeout=True)
    reading = _read(server, SETTINGS.model_copy(update={"down_after_failures": 10}))
    response = reading.responses[REVIEWS]
    assert response.status == "failed" and "Timeout" in (response.error or "")
    assert len(server.requests) == SETTINGS.max_transport_retries + 1


def test_a_client_error_is_not_retried(server: FakeChatServer) -> None:
    server.enqueue(status=400)
    reading = _read(server)
    assert reading.responses[REVIEWS].status == "failed" and len(server.requests) == 1


def test_the_document_budget_counts_what_is_sent_and_stops_re_asks(server: FakeChatServer) -> None:
    probe = FakeChatServer().enqueue(GOOD)
    one_call = DocumentBudget(max_calls=100, max_tokens=10**9)
    _read(probe, budget=one_call)
    # the server claims 120 prompt tokens; the request's body is counted, not the claim
    assert one_call.sent_tokens > one_call.prompt_tokens == 120
    wrong = json.loads(json.dumps(GOOD))
    wrong["reconsideration"]["upheld"] = 5
    server.enqueue(wrong).enqueue(wrong).enqueue(wrong)
    budget = DocumentBudget(max_calls=100, max_tokens=one_call.sent_tokens * 3 // 2)
    reading = _read(server, budget=budget)
    assert len(server.requests) == 1  # the re-ask (the first request and more) would pass the cap: not sent
    assert "budget" in (reading.responses[REVIEWS].error or "")


def test_the_authorization_header_carries_the_key(allow_model_requests: None) -> None:
    import httpx2

    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.headers["authorization"])
        return httpx2.Response(500, json={"error": {"message": "no"}})

    settings = SETTINGS.model_copy(update={"max_transport_retries": 0})
    client = httpx2.Client(transport=httpx2.MockTransport(handler))
    model = InstructorLanguageModel(settings, http_client=client, sleep=lambda s: None)
    read_sections(_document(), ParseOutcome(fields={}, template="2021"), [REVIEWS], model, settings)
    assert seen == ["Bearer sk-test"]


def test_a_seed_through_the_wire(server: FakeChatServer, seeds_dir: Path) -> None:
    path = seeds_dir / "004_bd42eb570d158966.txt"
    gold = load_gold(path.stem)["report"]
    server.enqueue({k: gold[k] for k in ("organization", "year", "published_on", "template")})
    model = InstructorLanguageModel(SETTINGS, http_client=server.client(), sleep=lambda s: None)
    reading = read_sections(load_document(path), ParseOutcome(fields={}), ["metadata"], model, SETTINGS)
    assert reading.responses["metadata"].status == "ok", reading.responses["metadata"].error
    assert reading.fields["organization"].value == "中国人民银行重庆营业管理部"
