"""What one document costs in LLM tokens: section windows that never overlap, output limits sized to
the section, and the cacheable prefix (instructions and schema first, the document last)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import FakeLanguageModel, zeros_answer

from extractor.llm.engine import application_rows_for, read_sections
from extractor.llm.prompts import CLOSE, OPEN, output_tokens
from extractor.llm.schemas import response_model
from extractor.llm.sections import section_text
from extractor.llm.settings import LLMSettings
from extractor.load import load_document
from extractor.parse import parse_document

GOLD = Path(__file__).resolve().parents[1] / "gold"
SECTIONS = ("metadata", "active_disclosure", "applications", "reviews_and_lawsuits")
DOCUMENTS = sorted(GOLD.glob("*.txt")) + sorted(GOLD.glob("*.pdf"))
SETTINGS = LLMSettings(base_url="http://127.0.0.1:9/v1", model="fake-model")


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_no_character_is_sent_for_two_sections(path: Path) -> None:
    document = load_document(path)
    parsed = parse_document(document)
    taken = [False] * len(document.text)
    sent = 0
    texts = {}
    for section in SECTIONS:
        window = section_text(document, parsed, section)
        assert window.origin == "parser_span" or section not in parsed.sections, section
        texts[section] = re.sub(r"\s+", "", window.text)
        for start, end in window.segments:
            assert not any(taken[start:end]), f"{section} repeats text another section sent"
            taken[start:end] = [True] * (end - start)
            sent += end - start
    assert sent <= len(document.text)
    # each window still holds what its section needs
    assert re.search(r"(?:19|20)\d{2}年", texts["metadata"])
    if "现行有效件数" in document.text or "对外公开总数量" in document.text:  # the document prints section 二's table
        # in its own window, or inside section 三's where a bad extraction put it (seed 000)
        assert "规章" in texts["active_disclosure"] + texts["applications"]
    assert "本年新收政府信息公开申请数量" in texts["applications"] and "自然人" in texts["applications"]
    assert "结果维持" in texts["reviews_and_lawsuits"]


def test_output_limits_follow_the_size_of_the_section() -> None:
    rows = ("new_received", "carried_over", "granted", "partially_granted", "total_processed")
    applications = output_tokens(response_model("applications", "2021", rows), 100_000)
    full_table = output_tokens(response_model("applications", "2021", application_rows_for("2021", [])), 100_000)
    metadata = output_tokens(response_model("metadata", "2021"), 100_000)
    assert full_table > applications > metadata
    assert full_table >= 25 * 7 * 6  # every cell of the table: a key, a number, punctuation
    assert full_table <= 4096
    assert output_tokens(response_model("applications", "2021", rows), 400) == 400  # the setting stays a ceiling


def test_each_request_carries_its_own_limit_and_the_document_comes_last(seeds_dir: Path) -> None:
    document = load_document(seeds_dir / "003_b16be583a40a36b1.txt")
    model = FakeLanguageModel(default=zeros_answer)
    read_sections(document, parse_document(document), SECTIONS, model, SETTINGS)
    limits = {request.section: request.max_output_tokens for request in model.history}
    assert limits["applications"] > 4 * limits["metadata"]
    assert all(limit <= SETTINGS.max_output_tokens for limit in limits.values())
    for request in model.history:
        system, user = request.messages[0], request.messages[-1]
        assert system["role"] == "system" and document.text[-200:] not in system["content"]  # the fixed prefix
        assert user["content"].startswith(OPEN) and user["content"].endswith(CLOSE)  # the document comes last
