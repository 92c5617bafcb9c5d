"""LLM settings: where the OpenAI-compatible endpoint is, which model, and the caps.

Read from the environment (``EXTRACTOR_LLM_*``) over an optional TOML file
(``EXTRACTOR_LLM_CONFIG`` or an explicit path; keys are the field names below,
at top level or under ``[llm]``). ``extra="forbid"``: a misspelt key or
``EXTRACTOR_LLM_*`` variable is an error, not a silently ignored setting.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from extractor.errors import ConfigError

# instructor modes we support, by their lower-case name (instructor.Mode[name.upper()])
LLMMode = Literal["json", "md_json", "json_schema", "tools"]

ENV_PREFIX = "EXTRACTOR_LLM_"
CONFIG_ENV = "EXTRACTOR_LLM_CONFIG"
RUN_ID_ENV = "EXTRACTOR_RUN_ID"  # set by a batch: its workers share what they learn about the endpoint
# environment variable (after the prefix) -> field
ENV_FIELDS: dict[str, str] = {
    "BASE_URL": "base_url",
    "API_KEY": "api_key",
    "MODEL": "model",
    "MODE": "mode",
    "TIMEOUT": "timeout_s",
    "TEMPERATURE": "temperature",
    "MAX_OUTPUT_TOKENS": "max_output_tokens",
    "MAX_ATTEMPTS": "max_attempts_per_section",
    "MAX_TRANSPORT_RETRIES": "max_transport_retries",
    "MAX_CALLS": "max_calls_per_document",
    "MAX_TOKENS": "max_tokens_per_document",
    "BACKOFF_INITIAL": "backoff_initial_s",
    "BACKOFF_MAX": "backoff_max_s",
    "MAX_SECONDS": "max_seconds_per_document",
    "RETRY_AFTER_MAX": "retry_after_max_s",
    "DOWN_AFTER": "down_after_failures",
    "MAX_ANSWER_BYTES": "max_answer_bytes",
    "MAX_ANSWER_DEPTH": "max_answer_depth",
}


class LLMSettings(BaseModel):
    """Endpoint, model and caps. ``configured()`` is false without a base URL and a model."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: str | None = None
    api_key: SecretStr | None = None
    model: str | None = None
    # JSON (response_format=json_object) rather than TOOLS: OpenAI, DeepSeek, DashScope,
    # vLLM, Ollama and llama.cpp all accept json_object, and llama.cpp/vLLM/Ollama turn it
    # into a grammar so even small models emit valid JSON; function calling (TOOLS) is
    # missing or model-dependent on several of them. md_json: for servers that reject
    # response_format altogether.
    mode: LLMMode = "json"
    timeout_s: float = Field(120.0, gt=0)
    temperature: float = Field(0.0, ge=0, le=2)
    max_output_tokens: int = Field(4096, gt=0)  # per call
    max_attempts_per_section: int = Field(3, ge=1)  # the first call plus re-asks on validation errors
    max_transport_retries: int = Field(3, ge=0)  # 429, 5xx, timeouts, connection errors
    max_calls_per_document: int = Field(16, ge=1)  # every HTTP call, re-asks and transport retries included
    max_tokens_per_document: int = Field(120_000, ge=1)  # prompt + completion, all calls of one document
    backoff_initial_s: float = Field(1.0, ge=0)
    backoff_max_s: float = Field(30.0, ge=0)
    # a batch must never wait on the LLM: all calls of one document share this wall-clock budget
    max_seconds_per_document: float = Field(180.0, gt=0)
    retry_after_max_s: float = Field(60.0, ge=0)  # a longer Retry-After ends the section's retries
    down_after_failures: int = Field(2, ge=1)  # connection failures in a row before the endpoint is down
    max_answer_bytes: int = Field(262_144, gt=0)  # an answer is a few kB: a larger one is refused unread
    max_answer_depth: int = Field(32, gt=0)  # nesting of brackets in an answer, checked before parsing

    def configured(self) -> bool:
        """True when there is an endpoint to call; without one there is no LLM and no network."""
        return bool(self.base_url and self.model)

    def api_key_value(self) -> str:
        # local servers (llama.cpp, vLLM, Ollama) take any key, but the openai client wants one
        return self.api_key.get_secret_value() if self.api_key else "not-needed"

    @classmethod
    def load(
        cls,
        environ: Mapping[str, str] | None = None,
        config_file: str | Path | None = None,
        **overrides: Any,
    ) -> LLMSettings:
        """Settings from ``config_file`` (or ``$EXTRACTOR_LLM_CONFIG``), then the environment, then ``overrides``."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        path = config_file or env.get(CONFIG_ENV)
        if path:
            values.update(_read_config_file(Path(path)))
        unknown = [
            name
            for name in env
            if name.startswith(ENV_PREFIX) and name != CONFIG_ENV and name[len(ENV_PREFIX) :] not in ENV_FIELDS
        ]
        if unknown:
            known = ", ".join(ENV_PREFIX + suffix for suffix in ENV_FIELDS)
            raise ConfigError(f"unknown setting {', '.join(sorted(unknown))}: the known ones are {known}")
        for suffix, field in ENV_FIELDS.items():
            raw = env.get(ENV_PREFIX + suffix)
            if raw is not None and raw != "":
                values[field] = raw
        if "api_key" not in values and env.get("OPENAI_API_KEY"):
            values["api_key"] = env["OPENAI_API_KEY"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls.model_validate(values)
        except ValidationError as err:
            raise ConfigError(f"bad LLM settings: {err}") from err


def _read_config_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ConfigError(f"{path}: no such LLM config file (set {CONFIG_ENV} or pass an existing path)") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from err
    table = data.get("llm", data)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [llm] must be a table of settings")
    return dict(table)
