"""Shared fixtures. Keep them generic: other test modules add theirs here too.

LLM: ``FakeLanguageModel`` is a scripted stand-in for ``LanguageModel``
(``enqueue()`` replies, read ``history``); ``FakeChatServer`` scripts the HTTP
of an OpenAI-compatible server for the real adapter (no socket). Real model
calls are blocked in every test unless it asks for ``allow_model_requests``.
"""

from __future__ import annotations

import json
import os
import random
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from extractor.llm import adapter as llm_adapter
from extractor.llm.schemas import SectionAnswer, expected_keys, lenient_flat
from extractor.llm.types import SectionRequest, SectionResponse
from extractor.report import Value, unflatten

ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = Path(os.environ.get("EXTRACTOR_SEEDS_DIR", ROOT / "gold"))  # the seed texts sit beside their gold
GOLD_DIR = ROOT / "gold"
CASSETTES_DIR = Path(__file__).resolve().parent / "cassettes"


# -- paths and data ------------------------------------------------------------
@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS_DIR.is_dir():
        pytest.fail(f"seed documents not found at {SEEDS_DIR}: set EXTRACTOR_SEEDS_DIR")
    return SEEDS_DIR


@pytest.fixture(scope="session")
def seed_paths(seeds_dir: Path) -> list[Path]:
    paths = sorted(seeds_dir.glob("*.txt"))
    if len(paths) < 5:
        pytest.fail(f"expected the five seed texts in {seeds_dir}, found {len(paths)}")
    return paths


def load_gold(stem: str) -> dict[str, Any]:
    path = GOLD_DIR / f"{stem}.json"
    if not path.exists():
        pytest.fail(f"gold file {path} is missing")
    return json.loads(path.read_text(encoding="utf-8"))


# -- blocking real model calls ---------------------------------------------------
@pytest.fixture(autouse=True)
def _block_model_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any real LLM call fails unless the test uses ``allow_model_requests``."""
    monkeypatch.setattr(llm_adapter, "ALLOW_MODEL_REQUESTS", False)
    for name in list(os.environ):
        if name.startswith("EXTRACTOR_LLM_") or name == "OPENAI_API_KEY":
            monkeypatch.delenv(name)


@pytest.fixture
def allow_model_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    """For tests whose HTTP is mocked, replayed from a cassette, or live on loopback."""
    monkeypatch.setattr(llm_adapter, "ALLOW_MODEL_REQUESTS", True)


# -- the scripted fake model -------------------------------------------------------
@dataclass(frozen=True)
class FakeTransportError:
    """A transport failure the fake reports: ``"429"``, ``"500"``, ``"timeout"``."""

    kind: str


@dataclass(frozen=True)
class FakeTruncated:
    """Output cut at max_tokens (finish_reason=length): no re-ask, the answer is lost."""

    text: str = '{"new_received": {"natural_person": 1'


Reply = dict[str, Any] | str | FakeTransportError | FakeTruncated
ReplyFactory = Callable[[SectionRequest], Reply]


class FakeLanguageModel:
    """A scripted ``LanguageModel`` for unit tests; it makes no network call.

    ``enqueue(reply, ...)`` queues replies, each consumed by one call: a dict
    (the JSON object the model sends), a string (raw text, possibly malformed),
    ``FakeTruncated`` or ``FakeTransportError``, or a callable of the request
    returning one of those. ``default`` answers when the queue is empty (else
    the test fails). Like the real adapter it validates each reply with the
    request's model and context, re-asks on a validation error up to
    ``request.max_attempts`` calls, retries transport errors up to
    ``max_transport_retries`` times, and charges the document budget.
    ``history`` holds every request; ``calls`` counts replies consumed.
    """

    def __init__(
        self,
        default: ReplyFactory | None = None,
        name: str = "fake-model",
        max_transport_retries: int = 3,
        tokens_per_call: tuple[int, int] = (100, 50),
    ) -> None:
        self._queue: deque[Reply | ReplyFactory] = deque()
        self.default = default
        self._name = name
        self.max_transport_retries = max_transport_retries
        self.tokens_per_call = tokens_per_call
        self.history: list[SectionRequest] = []
        self.calls = 0

    @property
    def name(self) -> str:
        return self._name

    def enqueue(self, *replies: Reply | ReplyFactory) -> FakeLanguageModel:
        self._queue.extend(replies)
        return self

    def _next(self, request: SectionRequest) -> Reply:
        if self._queue:
            reply = self._queue.popleft()
        elif self.default is not None:
            reply = self.default
        else:
            raise AssertionError(f"FakeLanguageModel: no reply queued for section {request.section}")
        return reply(request) if callable(reply) else reply

    def complete(self, request: SectionRequest) -> SectionResponse:
        self.history.append(request)
        response = SectionResponse(section=request.section, status="failed")
        transport_errors = 0
        answers = 0
        while True:
            if request.budget.exhausted():
                response.error = response.error or "budget exhausted"
                return response
            reply = self._next(request)
            self.calls += 1
            response.attempts += 1
            request.budget.charge_call()
            prompt, completion = self.tokens_per_call
            response.prompt_tokens += prompt
            response.completion_tokens += completion
            request.budget.charge_tokens(prompt, completion)
            if isinstance(reply, FakeTransportError):
                transport_errors += 1
                response.error = f"fake transport error {reply.kind}"
                if transport_errors > self.max_transport_retries:
                    response.status = "failed"
                    return response
                continue
            if isinstance(reply, FakeTruncated):
                response.status, response.data = "invalid", None
                response.error = "output truncated (finish_reason=length)"
                return response
            text = reply if isinstance(reply, str) else json.dumps(reply, ensure_ascii=False)
            answers += 1
            try:
                answer = request.response_model.model_validate_json(text, context=request.context)
            except ValidationError as err:
                try:
                    raw = json.loads(text)
                except json.JSONDecodeError:
                    raw = None
                response.status, response.error = "invalid", str(err)
                response.data = lenient_flat(request.response_model, raw)
                if answers >= request.max_attempts:
                    return response
                continue
            assert isinstance(answer, SectionAnswer)
            response.status, response.error, response.data = "ok", None, answer.flat()
            return response


# -- answer factories: what a server could send ------------------------------------
def answer_keys(request: SectionRequest) -> list[str]:
    return expected_keys(request.response_model)  # type: ignore[arg-type]


def nest(request: SectionRequest, flat: dict[str, Value]) -> dict[str, Any]:
    """A flat answer as the JSON object the section's schema wants."""
    prefix = "" if request.section == "metadata" else f"{request.section}."
    nested = unflatten({key.removeprefix(prefix): value for key, value in flat.items()})
    return nested


def answer_from(values: dict[str, Value]) -> ReplyFactory:
    """Answers every section with ``values`` (a flat report, e.g. a gold file's)."""

    def reply(request: SectionRequest) -> dict[str, Any]:
        return nest(request, {key: values.get(key) for key in answer_keys(request)})

    return reply


def zeros_answer(request: SectionRequest) -> dict[str, Any]:
    """Schema-valid, every number 0 (metadata: plausible but wrong)."""
    flat: dict[str, Value] = {}
    for key in answer_keys(request):
        flat[key] = _wrong_metadata(key) if request.section == "metadata" else 0
    return nest(request, flat)


def random_answer(seed: int = 0) -> ReplyFactory:
    """Schema-valid, random numbers."""
    rng = random.Random(seed)

    def reply(request: SectionRequest) -> dict[str, Any]:
        flat: dict[str, Value] = {}
        for key in answer_keys(request):
            if request.section == "metadata":
                flat[key] = _wrong_metadata(key)
            else:
                flat[key] = rng.choice([0, 1, 2, 3, 5, 7, 10, 12, 33, 80, rng.randint(0, 50000)])
        return nest(request, flat)

    return reply


def _wrong_metadata(key: str) -> Value:
    return {"organization": "某某县人民政府", "year": 2019, "published_on": "2020-01-15", "template": "2019"}[key]


@pytest.fixture
def fake_model() -> FakeLanguageModel:
    return FakeLanguageModel()


# -- a scripted OpenAI-compatible server for the real adapter (no socket) ---------
class FakeChatServer:
    """Scripts ``/chat/completions`` replies for ``httpx2.MockTransport``.

    ``enqueue(content)`` answers with a completion whose message is
    ``content``; ``enqueue(status=429)`` with that HTTP status;
    ``enqueue(timeout=True)`` raises a read timeout; ``finish_reason="length"``
    marks truncated output. ``requests`` holds each request's JSON body.
    """

    def __init__(self) -> None:
        self._queue: deque[dict[str, Any]] = deque()
        self.requests: list[dict[str, Any]] = []

    def enqueue(
        self,
        content: str | dict[str, Any] | None = None,
        *,
        status: int = 200,
        timeout: bool = False,
        finish_reason: str = "stop",
    ) -> FakeChatServer:
        if isinstance(content, dict):
            content = json.dumps(content, ensure_ascii=False)
        self._queue.append({"content": content, "status": status, "timeout": timeout, "finish": finish_reason})
        return self

    def handler(self, request: Any) -> Any:
        import httpx2

        self.requests.append(json.loads(request.content or b"{}"))
        if not self._queue:
            raise AssertionError("FakeChatServer: no reply queued")
        reply = self._queue.popleft()
        if reply["timeout"]:
            raise httpx2.ReadTimeout("timed out", request=request)
        if reply["status"] != 200:
            body = {"error": {"message": f"scripted status {reply['status']}", "type": "server_error"}}
            return httpx2.Response(reply["status"], json=body, headers={"retry-after-ms": "1"})
        return httpx2.Response(
            200,
            json={
                "id": f"chatcmpl-{len(self.requests)}",
                "object": "chat.completion",
                "created": 0,
                "model": "fake-server-model",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": reply["content"]},
                        "finish_reason": reply["finish"],
                    }
                ],
                "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150},
            },
        )

    def client(self) -> Any:
        import httpx2

        return httpx2.Client(transport=httpx2.MockTransport(self.handler))


@pytest.fixture
def fake_server() -> Iterator[FakeChatServer]:
    yield FakeChatServer()


# -- a real loopback server that answers schema-valid but wrong numbers ------------
def instance_of(schema: dict[str, Any], root: dict[str, Any], number: Callable[[], float | int]) -> Any:
    """A value matching a JSON schema (objects, $ref, anyOf, enums, scalars) with made-up content."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return instance_of(root["$defs"][name], root, number)
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return instance_of(options[0], root, number) if options else None
    if "enum" in schema:
        return schema["enum"][-1]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object":
        return {name: instance_of(sub, root, number) for name, sub in schema.get("properties", {}).items()}
    if kind == "integer":
        return int(number())
    if kind == "number":
        return float(number())
    if kind == "string":
        return "2020-01-15" if "pattern" in schema else "某某县人民政府"
    return None


class WrongNumbersServer:
    """An OpenAI-compatible server on 127.0.0.1 whose every answer fits the schema, with wrong numbers.

    ``kind="zeros"``: every number 0; ``kind="random"``: random numbers. It reads the
    schema from a forced tool (``tools`` mode) or from the system message (``json``
    mode, where instructor writes it after ``json_schema:``). ``calls`` counts requests.
    """

    def __init__(self, kind: str = "zeros", seed: int = 0) -> None:
        import http.server
        import threading

        rng = random.Random(seed)
        self.number: Callable[[], float | int] = (
            (lambda: 0) if kind == "zeros" else (lambda: rng.choice([0, 1, 2, 3, 5, 12, 80, rng.randint(0, 99999)]))
        )
        self.calls = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                outer.calls += 1
                reply = outer.reply(body)
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def reply(self, body: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": None}
        if body.get("tools"):
            tool = body["tools"][0]["function"]
            arguments = json.dumps(instance_of(tool["parameters"], tool["parameters"], self.number))
            message["tool_calls"] = [
                {"id": "call_1", "type": "function", "function": {"name": tool["name"], "arguments": arguments}}
            ]
        else:
            system = body["messages"][0]["content"]
            schema, _ = json.JSONDecoder().raw_decode(system[system.index("{", system.index("json_schema")) :])
            message["content"] = json.dumps(instance_of(schema, schema, self.number), ensure_ascii=False)
        return {
            "id": f"wrong-{self.calls}",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", "wrong"),
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 1000, "completion_tokens": 100, "total_tokens": 1100},
        }

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def input_shapes(monkeypatch: pytest.MonkeyPatch) -> Callable[[type], list[tuple[int, ...]]]:
    """``watch(cls)``: the shape of every array passed to ``cls.__call__`` from then on (an OCR model's
    session or inference class), in a list the test reads; the calls still run."""

    def watch(cls: type) -> list[tuple[int, ...]]:
        run = cls.__call__
        shapes: list[tuple[int, ...]] = []

        def counted(self: object, array: Any) -> object:
            shapes.append(array.shape)
            return run(self, array)

        monkeypatch.setattr(cls, "__call__", counted)
        return shapes

    return watch
