"""Prompts: versioned text files in ``prompts/``, filled with the template's labels.

The system message is ``system.<version>.txt`` plus the section's file; the
document goes alone in the user message, between delimiters that are removed
from the document text first, so the document cannot close its own block.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from extractor.errors import ConfigError
from extractor.llm.schemas import ACTIVE_FIELD_LABELS, COLUMN_LABELS, REVIEW_COLUMN_LABELS
from extractor.llm.types import SectionName
from extractor.template import ACTIVE_DISCLOSURE, APPLICATION_ROW_LABELS, REVIEW_GROUPS, TemplateName

PROMPT_VERSION = "v1"


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
