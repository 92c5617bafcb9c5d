"""The LLM path against a real OpenAI-compatible server, live and replayed.

Live (off by default): start the loopback server (``bash eval/llm_server.sh``,
llama.cpp + Gemma 3 270M), then ``python -m pytest -m live tests/test_llm_live.py``.
With ``EXTRACTOR_RECORD_CASSETTES=1`` the live run records its HTTP into
``tests/cassettes/llm_live_seeds.yaml`` (Authorization filtered). The replay
test runs in the normal suite and in CI with no server and no network: vcrpy
serves the recorded responses in order. Re-record when the request flow
changes (prompts, schemas, retry policy); the small model reads poorly, so
the point is the wire: requests, schemas, re-asks, usage and the cache.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import pytest
from conftest import CASSETTES_DIR

from extractor.llm.adapter import InstructorLanguageModel
from extractor.llm.settings import LLMSettings
from extractor.load import load_document
from extractor.parse import parse_document
from extractor.reconcile import run_llm

CASSETTE = "llm_live_seeds.yaml"
RECORD_FLAG = "EXTRACTOR_RECORD_CASSETTES"
LIVE_BASE_URL = os.environ.get("EXTRACTOR_LIVE_BASE_URL", "http://127.0.0.1:8765/v1")
LIVE_MODEL = os.environ.get("EXTRACTOR_LIVE_MODEL", "gemma3-270m")
# Bounded: the recording (5 seeds, 39 calls) took 35 minutes on 2 busy cores with a llama.cpp
# built without native SIMD (GGML_NATIVE=OFF). "tools": llama-cpp-python turns
# a forced tool call into a grammar of the schema, so even this tiny model answers schema-valid
# JSON (in "json" mode it answers {}); and the prompt is shorter (no schema in the system text).
# A long timeout and no transport retries: llama.cpp finishes a request whose client gave up.
LIVE_SETTINGS = LLMSettings(
    base_url=LIVE_BASE_URL,
    model=LIVE_MODEL,
    mode="tools",
    max_attempts_per_section=2,
    max_output_tokens=400,
    timeout_s=900,
    max_transport_retries=0,
)


def _vcr(record_mode: str) -> Any:
    import vcr

    return vcr.VCR(
        cassette_library_dir=str(CASSETTES_DIR),
        record_mode=record_mode,
        match_on=["method", "scheme", "host", "port", "path"],
        filter_headers=["authorization", "openai-organization", "openai-project", "cookie"],
        decode_compressed_response=True,
    )


def _extract_seeds(seed_paths: list[Path], settings: LLMSettings, cache_dir: Path) -> dict[str, dict[str, Any]]:
    model = InstructorLanguageModel(settings)  # one adapter for the batch
    usage = {}
    for path in seed_paths:
        document = load_document(path)
        outcome = run_llm(document, parse_document(document), "always", settings, cache_dir=cache_dir, model=model)
        usage[path.name] = outcome.usage["llm"]
    return usage


def _check_runs(first: dict[str, dict[str, Any]], second: dict[str, dict[str, Any]]) -> None:
    for name, usage in first.items():
        assert usage["status"] == "ran", name
        assert set(usage["sections"]) == {"metadata", "active_disclosure", "applications", "reviews_and_lawsuits"}
        assert usage["calls"] >= 4 and usage["prompt_tokens"] > 0, name
        assert usage["calls"] == sum(s["attempts"] for s in usage["sections"].values()), name
        for section, detail in usage["sections"].items():
            assert detail["status"] in ("ok", "invalid", "failed"), (name, section)
            assert detail["status"] == "ok" or detail["error"], (name, section)
        for rejected in usage["rejected"]:
            assert rejected["reason"], (name, rejected)
    for name, usage in second.items():
        assert usage["calls"] == 0 and usage["total_tokens"] == 0, name
        cacheable = [s for s, d in first[name]["sections"].items() if d["status"] != "failed"]
        assert usage["cache_hits"] == len(cacheable), name


@pytest.fixture
def cache_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "llm-cache"


@pytest.mark.live
def test_live_server_reads_every_seed_and_a_second_run_hits_the_cache(  # type: ignore[no-untyped-def]
    seed_paths, cache_dir: Path, allow_model_requests: None
) -> None:
    import httpx2

    try:
        httpx2.get(LIVE_BASE_URL.rstrip("/") + "/models", timeout=5)
    except httpx2.HTTPError:
        pytest.fail(f"no LLM server at {LIVE_BASE_URL}: start one with `bash eval/llm_server.sh`")
    recording: AbstractContextManager[Any] = nullcontext()
    if os.environ.get(RECORD_FLAG) == "1":
        recording = _vcr("all").use_cassette(CASSETTE)
    with recording:
        first = _extract_seeds(seed_paths, LIVE_SETTINGS, cache_dir)
    second = _extract_seeds(seed_paths, LIVE_SETTINGS, cache_dir)
    _check_runs(first, second)


def test_recorded_server_replays_offline(seed_paths, cache_dir: Path, allow_model_requests: None) -> None:  # type: ignore[no-untyped-def]
    cassette = CASSETTES_DIR / CASSETTE
    if not cassette.exists():
        pytest.fail(f"{cassette} is missing: record it with {RECORD_FLAG}=1 python -m pytest -m live")
    text = cassette.read_text(encoding="utf-8")
    assert "authorization" not in text.lower().replace("authorization header", "")
    settings = LIVE_SETTINGS.model_copy(update={"base_url": "http://127.0.0.1:8765/v1", "model": "gemma3-270m"})
    with _vcr("none").use_cassette(CASSETTE) as recorded:
        first = _extract_seeds(seed_paths, settings, cache_dir)
        assert recorded.play_count == sum(usage["calls"] for usage in first.values())
    second = _extract_seeds(seed_paths, settings, cache_dir)
    _check_runs(first, second)


def test_the_record_flag_is_not_left_on() -> None:
    assert os.environ.get(RECORD_FLAG) is None, f"unset {RECORD_FLAG}: it is for recording live runs only"
