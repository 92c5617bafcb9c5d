"""Prompts: versioned text files in ``prompts/``, filled with the template's labels.

The system message is ``system.<version>.txt`` plus the section's file; the
document goes alone in the user message, between delimiters that are removed
from the document text first, so the document cannot close its own block.
"""

from __future__ import annotations

import hashlib
import json
import math
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from extractor.errors import ConfigError
from extractor.llm.schemas import ACTIVE_FIELD_LABELS, COLUMN_LABELS, REVIEW_COLUMN_LABELS
from extractor.llm.types import SectionName
from extractor.template import ACTIVE_DISCLOSURE, APPLICATION_ROW_LABELS, REVIEW_GROUPS, TemplateName

PROMPT_VERSION = "v1"
CHARS_PER_OUTPUT_TOKEN = 2.5  # JSON keys, punctuation and digits: tokenizers split digits, some one by one
OUTPUT_MARGIN = 1.25  # on top of the longest answer the schema allows: whitespace, a longer number
MIN_OUTPUT_TOKENS = 256


def _prompts_dir() -> Path:
    """``prompts/`` of the source tree, or its copy installed as ``extractor/prompts``."""
    source_tree = Path(__file__).resolve().parents[2] / "prompts"
    installed = Path(__file__).resolve().parents[1] / "prompts"
    return source_tree if source_tree.is_dir() else installed


PROMPTS_DIR = _prompts_dir()
OPEN, CLOSE = "<<<DOCUMENT", "DOCUMENT>>>"


@cache
def _read(name: str, prompts_dir: Path) -> str:
    path = prompts_dir / name
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise ConfigError(f"prompt file {path} is missing: reinstall the package or restore prompts/") from err


def _labels(section: SectionName, template: TemplateName | None, rows: tuple[str, ...]) -> dict[str, str]:
    if section == "applications":
        return {
            "labels": "\n".join(f"- {row}: {APPLICATION_ROW_LABELS[row]}" for row in rows),
            "columns": "\n".join(f"- {col}: {label}" for col, label in COLUMN_LABELS.items()),
        }
    if section == "reviews_and_lawsuits":
        return {
            "labels": "\n".join(f"- {group}: {label}" for group, label in REVIEW_GROUPS.items()),
            "columns": "\n".join(f"- {col}: {label}" for col, label in REVIEW_COLUMN_LABELS.items()),
        }
    if section == "active_disclosure" and template:
        lines = []
        for item, (label, fields) in ACTIVE_DISCLOSURE[template].items():
            cells = "，".join(f"{f}（{ACTIVE_FIELD_LABELS[f]}）" for f in fields)
            lines.append(f"- {item}: {label} —— {cells}")
        return {"labels": "\n".join(lines)}
    return {"labels": "字段 / fields: organization, year, published_on, template"}


def system_prompt(
    section: SectionName,
    template: TemplateName | None,
    rows: tuple[str, ...] = (),
    version: str = PROMPT_VERSION,
    prompts_dir: Path = PROMPTS_DIR,
) -> str:
    text = (
        _read(f"system.{version}.txt", prompts_dir).rstrip() + "\n\n" + _read(f"{section}.{version}.txt", prompts_dir)
    )
    for name, value in _labels(section, template, rows).items():
        text = text.replace("{{" + name + "}}", value)
    return text.rstrip() + "\n"


def user_message(document_text: str) -> str:
    cleaned = document_text.replace(OPEN, "").replace(CLOSE, "")
    return f"{OPEN}\n{cleaned}\n{CLOSE}"


def build_messages(
    section: SectionName,
    template: TemplateName | None,
    rows: tuple[str, ...],
    document_text: str,
    version: str = PROMPT_VERSION,
) -> tuple[dict[str, str], ...]:
    return (
        {"role": "system", "content": system_prompt(section, template, rows, version)},
        {"role": "user", "content": user_message(document_text)},
    )


def prompt_id(section: SectionName, version: str = PROMPT_VERSION, prompts_dir: Path = PROMPTS_DIR) -> str:
    """``applications.v1+<hash of the files>``: an edited file without a new version still misses the cache."""
    digest = hashlib.sha256(
        (_read(f"system.{version}.txt", prompts_dir) + _read(f"{section}.{version}.txt", prompts_dir)).encode()
    ).hexdigest()[:8]
    return f"{section}.{version}+{digest}"


def output_tokens(answer_model: type[BaseModel], cap: int) -> int:
    """``max_tokens`` for a section: its longest answer (every value filled, indented) with a margin, at most ``cap``.

    The applications table (about 200 numbers) needs several times what the metadata does; one cap for
    every section either cuts the big answer short (a re-ask that resends the whole conversation) or lets
    a small one run on.
    """
    schema = answer_model.model_json_schema()
    longest = json.dumps(_longest_instance(schema, schema), ensure_ascii=False, indent=2)
    wide = sum(1 for ch in longest if not ch.isascii())  # Chinese: a token or two each
    estimate = math.ceil(((len(longest) - wide) / CHARS_PER_OUTPUT_TOKEN + 2 * wide) * OUTPUT_MARGIN)
    return max(1, min(cap, max(MIN_OUTPUT_TOKENS, estimate)))


def _longest_instance(schema: dict[str, Any], root: dict[str, Any]) -> Any:
    """The longest value a JSON schema allows for our answers: every field present, numbers at full width."""
    if "$ref" in schema:
        return _longest_instance(root["$defs"][schema["$ref"].rsplit("/", 1)[-1]], root)
    if "anyOf" in schema:
        options = [_longest_instance(option, root) for option in schema["anyOf"]]
        return max(options, key=lambda value: len(json.dumps(value, ensure_ascii=False)))
    if "enum" in schema:
        return max(schema["enum"], key=lambda value: len(json.dumps(value, ensure_ascii=False)))
    kind = schema.get("type")
    if kind == "object":
        return {name: _longest_instance(sub, root) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [_longest_instance(schema.get("items", {}), root)]
    if kind == "integer":
        return 999999
    if kind == "number":
        return 9999999.99
    if kind == "string":
        return "某" * min(int(schema.get("maxLength", 40)), 40)
    return None
