"""Reconcile policy, the --llm modes, and the done-when: wrong LLM answers make no silent error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import FakeLanguageModel, answer_from, load_gold, random_answer, zeros_answer

from extractor.checks import evaluate, failed_fields
from extractor.errors import ConfigError
from extractor.llm.settings import LLMSettings
from extractor.llm.types import Grounding, LLMField, section_of
from extractor.load import load_document
from extractor.parse.outcome import ParseOutcome
from extractor.reconcile import reconcile, run_llm, sections_to_ask
from extractor.report import Value, flatten
from extractor.result import Engine, FieldDetail, Source
from extractor.template import APPLICATION_ROWS

SETTINGS = LLMSettings(base_url="http://127.0.0.1:9/v1", model="fake-model")
GROUP = "reviews_and_lawsuits.reconsideration"


def _detail(value: Value, confidence: float = 0.95) -> FieldDetail:
    return FieldDetail(value=value, confidence=confidence, source=Source(engine=Engine.PARSER))


def _llm(key: str, value: Value, grounding: Grounding = Grounding.EXACT) -> LLMField:
    return LLMField(key, value, grounding, Source(engine=Engine.LLM, start=0, end=1), validated=True)


def _reviews(upheld: Value, corrected: Value, other: Value, pending: Value, total: Value) -> dict[str, FieldDetail]:
    values = dict(upheld=upheld, corrected=corrected, other=other, pending=pending, total=total)
    return {f"{GROUP}.{col}": _detail(v) for col, v in values.items()}


def test_certain_parser_values_are_never_overwritten() -> None:
    parsed = ParseOutcome(fields=_reviews(2, 1, 0, 0, 3))
    outcome = reconcile(parsed, {f"{GROUP}.upheld": _llm(f"{GROUP}.upheld", 0)})
    assert outcome.fields[f"{GROUP}.upheld"].value == 2
    assert outcome.review == {}
    [rejected] = outcome.rejected
    assert rejected.key == f"{GROUP}.upheld" and "certain" in rejected.reason


def test_agreement_raises_confidence_but_keeps_review() -> None:
    parsed = ParseOutcome(fields=_reviews(2, 1, 0, 0, 3), review={f"{GROUP}.total": "restored from the tally"})
    before = parsed.fields[f"{GROUP}.total"].confidence
    outcome = reconcile(parsed, {f"{GROUP}.total": _llm(f"{GROUP}.total", 3)})
    assert outcome.fields[f"{GROUP}.total"].confidence > before
    assert f"{GROUP}.total" in outcome.review
    assert "LLM agrees" in (outcome.fields[f"{GROUP}.total"].note or "")


def test_disagreement_the_reading_that_balances_wins_and_both_go_to_review() -> None:
    # the parser misread total as 8; the LLM reads 3, which balances 2+1+0+0
    parsed = ParseOutcome(fields=_reviews(2, 1, 0, 0, 8), review={f"{GROUP}.total": "blurred"})
    outcome = reconcile(parsed, {f"{GROUP}.total": _llm(f"{GROUP}.total", 3)})
    detail = outcome.fields[f"{GROUP}.total"]
    assert detail.value == 3 and detail.alternatives == [8] and detail.source.engine is Engine.LLM  # type: ignore[union-attr]
    assert "parser read 8, LLM read 3" in outcome.review[f"{GROUP}.total"]


def test_disagreement_that_does_not_balance_keeps_the_parser_reading() -> None:
    parsed = ParseOutcome(fields=_reviews(2, 1, 0, 0, 3), review={f"{GROUP}.upheld": "blurred"})
    outcome = reconcile(parsed, {f"{GROUP}.upheld": _llm(f"{GROUP}.upheld", 5)})
    detail = outcome.fields[f"{GROUP}.upheld"]
    assert detail.value == 2 and detail.alternatives == [5]
    assert f"{GROUP}.upheld" in outcome.review


def test_an_llm_value_fills_a_parser_null_only_into_review() -> None:
    parsed = ParseOutcome(fields=_reviews(2, 1, 0, 0, None), review={f"{GROUP}.total": "cell not found"})
    outcome = reconcile(parsed, {f"{GROUP}.total": _llm(f"{GROUP}.total", 3, Grounding.FUZZY)})
    assert outcome.fields[f"{GROUP}.total"].value == 3
    assert outcome.fields[f"{GROUP}.total"].alternatives == [None]
    assert f"{GROUP}.total" in outcome.review


def test_the_llm_never_switches_the_template() -> None:
    parsed = ParseOutcome(fields={"template": _detail("2021")}, review={"template": "headers unclear"})
    outcome = reconcile(parsed, {"template": _llm("template", "2019")})
    assert outcome.fields["template"].value == "2021" and outcome.fields["template"].alternatives == ["2019"]
    assert "template" in outcome.review


def test_a_printed_tally_break_goes_to_review() -> None:
    parsed = ParseOutcome(fields=_reviews(2, 1, 0, 0, 4))
    outcome = reconcile(parsed, {f"{GROUP}.total": _llm(f"{GROUP}.total", 4)})
    assert set(outcome.review) == {f"{GROUP}.{c}" for c in ("upheld", "corrected", "other", "pending", "total")}


def test_sections_to_ask_per_mode() -> None:
    fields = _reviews(2, 1, 0, 0, 3) | {"year": _detail(2022)}
    assert sections_to_ask(ParseOutcome(fields=fields), "never") == []
    assert sections_to_ask(ParseOutcome(fields=fields), "auto") == []
    assert len(sections_to_ask(ParseOutcome(fields=fields), "always")) == 4
    assert sections_to_ask(ParseOutcome(fields=fields, review={"year": "?"}), "auto") == ["metadata"]
    broken = ParseOutcome(fields=_reviews(2, 1, 0, 0, 4))
    assert sections_to_ask(broken, "auto") == ["reviews_and_lawsuits"]


def test_without_an_endpoint_auto_is_off_and_always_says_how_to_fix(seeds_dir: Path) -> None:
    document = load_document(next(seeds_dir.glob("003_*.txt")))
    parsed = ParseOutcome(fields=_reviews(2, 1, 0, 0, 4))
    outcome = run_llm(document, parsed, None, LLMSettings())
    assert outcome.usage["llm"]["use"] == "never"
    outcome = run_llm(document, parsed, "auto", LLMSettings())
    assert outcome.usage["llm"]["status"] == "off: no endpoint configured"
    with pytest.raises(ConfigError, match="EXTRACTOR_LLM_BASE_URL"):
        run_llm(document, parsed, "always", LLMSettings())


# -- done-when: wrong answers, zero silent errors --------------------------------------
def _gold_parse(gold: dict[str, Any], unsure: set[str], wrong: dict[str, Value] | None = None) -> ParseOutcome:
    """A parser reading built from a gold file: ``unsure`` keys in review, ``wrong`` values misread."""
    flat = flatten(gold["report"])
    fields = {key: _detail(value) for key, value in flat.items()}
    for key, value in (wrong or {}).items():
        fields[key] = _detail(value, 0.3)
    rows = [r for r in APPLICATION_ROWS if f"applications.{r}.total" in flat]
    return ParseOutcome(
        fields=fields,
        review={key: "parser unsure" for key in unsure | set(wrong or {})},
        template=gold["report"]["template"],
        rows=rows,
    )


def _silent_errors(gold: dict[str, Any], fields: dict[str, FieldDetail], review: dict[str, str]) -> list[str]:
    flat = flatten(gold["report"])
    accept = gold.get("accept", {})
    return [
        key
        for key, value in flat.items()
        if key not in review and fields[key].value != value and fields[key].value not in accept.get(key, [])
    ]


PARSER_STATES = {
    "certain": lambda gold: _gold_parse(gold, set()),
    "unsure_everywhere": lambda gold: _gold_parse(gold, set(flatten(gold["report"]))),
    "misread": lambda gold: _gold_parse(
        gold,
        {"organization"},
        {"applications.granted.total": 999, "reviews_and_lawsuits.litigation_direct.total": None, "year": 1999},
    ),
}
WRONG_SERVERS = {"zeros": lambda: zeros_answer, "random": lambda: random_answer(7)}


@pytest.mark.parametrize("state", sorted(PARSER_STATES))
@pytest.mark.parametrize("server", sorted(WRONG_SERVERS))
def test_wrong_llm_answers_make_no_silent_error_on_the_seeds(seed_paths, state: str, server: str) -> None:  # type: ignore[no-untyped-def]
    for path in seed_paths:
        document = load_document(path)
        gold = load_gold(path.stem)
        parsed = PARSER_STATES[state](gold)
        model = FakeLanguageModel(default=WRONG_SERVERS[server]())
        outcome = run_llm(document, parsed, "always", SETTINGS, model=model, use_cache=False)
        assert _silent_errors(gold, outcome.fields, outcome.review) == [], path.name
        usage = outcome.usage["llm"]
        assert usage["calls"] == model.calls > 0
        assert set(parsed.review) <= set(outcome.review)  # the LLM only adds to review
        for rejected in usage["rejected"]:
            assert rejected["reason"], rejected
        if server == "zeros" and state == "certain":
            assert usage["rejected"], f"{path.name}: wrong values must be listed as rejected"


def test_good_llm_answers_fix_a_misread_into_review(seed_paths) -> None:  # type: ignore[no-untyped-def]
    path = next(p for p in seed_paths if p.name.startswith("003_"))
    gold = load_gold(path.stem)
    parsed = _gold_parse(gold, set(), {"applications.granted.total": 99})
    model = FakeLanguageModel(default=answer_from(flatten(gold["report"])))
    outcome = run_llm(load_document(path), parsed, "auto", SETTINGS, model=model, use_cache=False)
    assert outcome.usage["llm"]["sections_asked"] == ["applications"]
    detail = outcome.fields["applications.granted.total"]
    assert detail.value == 66 and detail.alternatives == [99]
    assert "applications.granted.total" in outcome.review
    values = {key: d.value for key, d in outcome.fields.items()}
    assert not [k for k in failed_fields(evaluate(values)) if section_of(k) == "applications"]


# two readers agreeing (unit tests of the policy: the LLM readings are made up here)

ORDER = "number printed after its label's line: bound by order only"


def _printed(value: Value) -> FieldDetail:
    return FieldDetail(value=value, confidence=0.8, source=Source(engine=Engine.PARSER, start=10, end=11))


def test_agreement_grounded_at_the_cell_takes_an_order_bound_field_out_of_review() -> None:
    fields = {
        f"{GROUP}.{c}": _printed(v)
        for c, v in zip(("upheld", "corrected", "other", "pending", "total"), (2, 1, 0, 0, 3), strict=True)
    }
    parsed = ParseOutcome(fields=fields, review={f"{GROUP}.upheld": ORDER, f"{GROUP}.total": ORDER})
    llm = {f"{GROUP}.upheld": _llm(f"{GROUP}.upheld", 2), f"{GROUP}.total": _llm(f"{GROUP}.total", 3, Grounding.FUZZY)}
    outcome = reconcile(parsed, llm)
    assert f"{GROUP}.upheld" not in outcome.review and outcome.confirmed == 1
    [evidence] = outcome.fields[f"{GROUP}.upheld"].evidence or []
    assert evidence.kind == "llm" and evidence.value == 2 and evidence.agrees
    assert f"{GROUP}.total" in outcome.review  # grounded only near its label: not settled

    kept = reconcile(parsed, llm, settle=False)  # second readers off: the same agreement settles nothing
    assert f"{GROUP}.upheld" in kept.review and kept.confirmed == 0


@pytest.mark.parametrize(
    ("value", "reason", "total"),
    [
        (2, "OCR read this cell with confidence 0.41", 3),  # the LLM reads the same misread text
        (2, "restored from the tally identities: the text lost this cell", 3),
        (None, ORDER, 3),  # a null is never settled by agreement
        (2, ORDER, 9),  # a field of a broken identity
    ],
)
def test_agreement_does_not_settle_a_misread_restored_null_or_unbalanced_field(
    value: Value, reason: str, total: Value
) -> None:
    fields = {
        f"{GROUP}.{c}": _printed(v)
        for c, v in zip(("upheld", "corrected", "other", "pending", "total"), (value, 1, 0, 0, total), strict=True)
    }
    parsed = ParseOutcome(fields=fields, review={f"{GROUP}.upheld": reason})
    outcome = reconcile(parsed, {f"{GROUP}.upheld": _llm(f"{GROUP}.upheld", value)})
    assert f"{GROUP}.upheld" in outcome.review and outcome.confirmed == 0
