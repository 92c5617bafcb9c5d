"""Done-when: ``--llm always`` against a loopback server of schema-valid but wrong numbers.

The whole pipeline runs (loader, parser, instructor adapter over real HTTP on
127.0.0.1, grounding, reconcile, checks); every wrong value must be either
rejected or in review: zero silent errors on the five seeds, and each result
lists the rejected LLM values with their reasons.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import WrongNumbersServer, load_gold

from extractor.pipeline import ExtractOptions, extract_path
from extractor.report import flatten


@pytest.mark.parametrize(("kind", "mode"), [("zeros", "json"), ("random", "json"), ("random", "tools")])
def test_wrong_numbers_server_makes_no_silent_error(  # type: ignore[no-untyped-def]
    seed_paths, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, allow_model_requests: None, kind: str, mode: str
) -> None:
    server = WrongNumbersServer(kind, seed=11)
    monkeypatch.setenv("EXTRACTOR_LLM_BASE_URL", server.base_url)
    monkeypatch.setenv("EXTRACTOR_LLM_MODEL", f"wrong-{kind}")
    monkeypatch.setenv("EXTRACTOR_LLM_MODE", mode)
    try:
        for path in seed_paths:
            result = extract_path(path, ExtractOptions(llm="always", cache_dir=tmp_path / "cache"))
            gold = load_gold(path.stem)
            accept = gold.get("accept", {})
            got = flatten(result.report)
            silent = [
                key
                for key, value in flatten(gold["report"]).items()
                if got.get(key) != value and got.get(key) not in accept.get(key, []) and key not in result.review
            ]
            assert silent == [], f"{path.name}: silent errors {silent}"
            usage = result.usage["llm"]
            assert usage["calls"] > 0 and usage["total_tokens"] > 0
            assert usage["rejected"], f"{path.name}: the wrong values must be listed as rejected"
            assert all(item["reason"] for item in usage["rejected"])
    finally:
        server.close()
    assert server.calls > 0
