"""LLM settings: environment over config file, typos are errors, no endpoint means no LLM."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from extractor.errors import ConfigError
from extractor.llm.settings import LLMSettings


def test_not_configured_without_base_url_and_model() -> None:
    assert not LLMSettings.load(environ={}).configured()
    assert not LLMSettings.load(environ={"EXTRACTOR_LLM_BASE_URL": "http://127.0.0.1:8080/v1"}).configured()
    settings = LLMSettings.load(
        environ={"EXTRACTOR_LLM_BASE_URL": "http://127.0.0.1:8080/v1", "EXTRACTOR_LLM_MODEL": "qwen"}
    )
    assert settings.configured()
    assert settings.mode == "json"


def test_api_key_falls_back_to_openai_api_key_and_is_not_printed() -> None:
    settings = LLMSettings.load(environ={"OPENAI_API_KEY": "sk-secret"})
    assert settings.api_key_value() == "sk-secret"
    assert "sk-secret" not in repr(settings)
    own = LLMSettings.load(environ={"OPENAI_API_KEY": "sk-a", "EXTRACTOR_LLM_API_KEY": "sk-b"})
    assert own.api_key_value() == "sk-b"
    assert LLMSettings().api_key_value() == "not-needed"


def test_config_file_then_environment(tmp_path: Path) -> None:
    config = tmp_path / "llm.toml"
    config.write_text('[llm]\nbase_url = "http://a/v1"\nmodel = "m1"\nmax_calls_per_document = 5\n')
    settings = LLMSettings.load(environ={"EXTRACTOR_LLM_CONFIG": str(config), "EXTRACTOR_LLM_MODEL": "m2"})
    assert (settings.base_url, settings.model, settings.max_calls_per_document) == ("http://a/v1", "m2", 5)


def test_typos_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="EXTRACTOR_LLM_MODLE"):
        LLMSettings.load(environ={"EXTRACTOR_LLM_MODLE": "x"})
    config = tmp_path / "llm.toml"
    config.write_text('base_ulr = "http://a/v1"\n')
    with pytest.raises(ConfigError, match="base_ulr"):
        LLMSettings.load(environ={}, config_file=config)
    with pytest.raises(ConfigError, match="mode"):
        LLMSettings.load(environ={"EXTRACTOR_LLM_MODE": "telepathy"})
    with pytest.raises(ConfigError, match="no such LLM config file"):
        LLMSettings.load(environ={}, config_file=tmp_path / "missing.toml")


def test_the_core_imports_without_openai_or_instructor() -> None:
    code = (
        "import sys, extractor.reconcile, extractor.llm, extractor.llm.engine\n"
        "heavy = [m for m in ('openai', 'instructor') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])
