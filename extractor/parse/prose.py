"""The prose reader: figures the report states in words, as a second reading of its tables.

Reports say many of their numbers twice: 总体情况 and the section texts write
``全年共收到政府信息公开申请81件，上年结转2件…予以公开22件``. Each such figure is
read with its meaning (a dotted key of SCHEMA.md, or a sum of keys such as every
不予公开 row), its value and its span, and compared with the table:

- agreement on a field that is in review only because more than one reading of
  its row fits every check, where exactly one of those readings gives the prose
  figure, is evidence: the field leaves review with the evidence recorded;
- a contradiction never changes the table: the field goes to review with both
  values (the prose one among its alternatives).

A figure is read only when a unit (件, 起, 万元 …) follows the number, so table
cells, dates and phone numbers are not taken for prose figures.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from extractor.checks import evaluate, failed_fields
from extractor.document import Document
from extractor.parse.normalize import chinese_number, normalize
from extractor.report import Value
from extractor.result import CheckResult, Engine, Evidence, FieldDetail, Result
from extractor.template import APPLICANT_PARTS, OUTCOME_ROWS

Validate = Callable[[str, dict[str, FieldDetail], dict[str, str], dict[str, object]], Result]

NUM = r"(?P<num>\d[\d,]*(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+)"
COUNT_UNIT = r"\s*(?P<unit>件|起|宗|个|份|部)(?!数)"
CONF_CONFIRMED = 0.9  # a reading the prose singles out
WORD_UNITS = ("件", "起", "宗")  # a numeral in words counts only before these: 一个工作日 is not a figure
MONEY_UNIT = r"\s*(?P<unit>万元|元)"


def _gap(limit: int, exclude: str = "") -> str:
    """Up to ``limit`` characters inside one clause: no digits, no clause punctuation."""
    return rf"[^\d。；;，,、：:！!？?（）()|\t{exclude}]{{0,{limit}}}?"


@dataclass(frozen=True, slots=True)
class Meaning:
    """What a kind of prose figure states: one dotted key, or the sum of several."""

    name: str  # the rule name after "prose.": a dotted key, or a key of a sum
    keys: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]
    money: bool = False


def _p(*parts: str) -> re.Pattern[str]:
    return re.compile("".join(parts))


def _meanings() -> tuple[Meaning, ...]:
    app = "applications.{}.total".format
    denied = tuple(app(r) for r in OUTCOME_ROWS if r.startswith("denied_"))
    litigation = (
        "reviews_and_lawsuits.litigation_direct.total",
        "reviews_and_lawsuits.litigation_after_reconsideration.total",
    )
    not_a_review = "维纠结审诉案"  # 行政复议结果维持2件 is not the total; 复议、诉讼案件 is both
    return (
        Meaning(
            app("new_received"),
            (app("new_received"),),
            (
                _p(r"(?:收到|受理|新收|接收)", _gap(14, "结"), r"申请", _gap(8, "结"), NUM, COUNT_UNIT),
                _p(r"(?:收到|受理|新收|接收)", _gap(6, "结"), NUM, COUNT_UNIT, r"(?:政府信息公开|依申请公开)?申请"),
            ),
        ),
        Meaning(
            "applications.new_received.natural_person",
            ("applications.new_received.natural_person",),
            (_p(r"(?:其中|来自)?自然人(?:提出)?的?申请", _gap(3), NUM, COUNT_UNIT),),
        ),
        Meaning(
            "applications.new_received.legal_persons",
            tuple(f"applications.new_received.{c}" for c in APPLICANT_PARTS[1:]),
            (_p(r"法人(?:或|和|及)其他组织(?:提出)?的?申请", _gap(3), NUM, COUNT_UNIT),),
        ),
        Meaning(app("carried_over"), (app("carried_over"),), (_p(r"上一?年度?结转", _gap(12), NUM, COUNT_UNIT),)),
        Meaning(
            app("granted"),
            (app("granted"),),
            (
                _p(r"(?<!不)(?<!不予)予以公开", _gap(4), NUM, COUNT_UNIT),
                _p(NUM, COUNT_UNIT, _gap(2, "不"), r"(?<!不)予以公开"),
            ),
        ),
        Meaning(
            app("partially_granted"),
            (app("partially_granted"),),
            (_p(r"部分公开", _gap(4), NUM, COUNT_UNIT), _p(NUM, COUNT_UNIT, _gap(2), r"部分公开")),
        ),
        Meaning(
            "applications.denied.total",
            denied,
            (_p(r"(?<![而因])不予(?:以)?公开", _gap(4), NUM, COUNT_UNIT),),
        ),
        Meaning(
            app("total_processed"),
            (app("total_processed"),),
            (
                _p(
                    r"(?:办理完结|已办结|办结|共办理|完成办理|共答复|已答复)",
                    r"(?:政府信息公开申请|依申请公开申请|依申请公开|申请)?\s*",
                    NUM,
                    COUNT_UNIT,
                ),
            ),
        ),
        Meaning(
            app("carried_forward"),
            (app("carried_forward"),),
            (
                _p(r"结转(?:到|至|入)?下一?年度?(?:继续办理)?", _gap(4), NUM, COUNT_UNIT),
                _p(NUM, COUNT_UNIT, _gap(12), r"结转(?:到|至|入)?下一?年"),
            ),
        ),
        Meaning(
            "reviews_and_lawsuits.reconsideration.total",
            ("reviews_and_lawsuits.reconsideration.total",),
            (_p(r"行政复议", _gap(6, not_a_review), NUM, COUNT_UNIT),),
        ),
        Meaning(
            "reviews_and_lawsuits.litigation.total",
            litigation,
            (_p(r"行政诉讼", _gap(6, not_a_review), NUM, COUNT_UNIT),),
        ),
        Meaning(
            "active_disclosure.regulations.issued",
            ("active_disclosure.regulations.issued",),
            (_p(r"(?:制发|印发|出台|制定)", _gap(6), r"规章", _gap(2), NUM, COUNT_UNIT),),
        ),
        Meaning(
            "active_disclosure.normative_documents.issued",
            ("active_disclosure.normative_documents.issued",),
            (_p(r"(?:制发|印发|出台|制定)", _gap(8), r"规范性文件", _gap(2), NUM, COUNT_UNIT),),
        ),
        Meaning(
            "active_disclosure.fees.amount_10k_yuan",
            ("active_disclosure.fees.amount_10k_yuan",),
            (_p(r"行政事业性收费", _gap(10), NUM, MONEY_UNIT),),
            money=True,
        ),
    )


MEANINGS = _meanings()
# the 2019 template names section 二's 制发 column 本年新制作数量
TEMPLATE_2019_KEYS = {
    "active_disclosure.regulations.issued": "active_disclosure.regulations.made",
    "active_disclosure.normative_documents.issued": "active_disclosure.normative_documents.made",
}


@dataclass(frozen=True, slots=True)
class ProseFigure:
    """One figure the prose states: its meaning, value and span in ``Document.text``."""

    meaning: str
    keys: tuple[str, ...]
    value: int | float
    start: int  # the number
    end: int
    text: str  # the clause it was read from


def _value(number: str, unit: str, money: bool) -> int | float | None:
    if number[0].isdigit():
        plain = number.replace(",", "")
        value: int | float = float(plain) if "." in plain else int(plain)
    else:
        parsed = chinese_number(number)
        if parsed is None or unit not in WORD_UNITS:
            return None
        value = parsed
    if money and unit == "元":
        value = round(value / 10000, 6)
    if isinstance(value, float) and value.is_integer() and not money:
        value = int(value)
    return value


def read_prose(text: str, template: str | None = None) -> list[ProseFigure]:
    """Every figure the prose of ``text`` states, in document order. Table lines are skipped."""
    norm = normalize(text)
    figures: list[ProseFigure] = []
    taken: set[tuple[int, int]] = set()
    for meaning in MEANINGS:
        keys = meaning.keys
        if template == "2019":
            keys = tuple(TEMPLATE_2019_KEYS.get(k, k) for k in keys)
        if template == "2019" and meaning.money:
            continue  # the 2019 template has no fee amount
        for pattern in meaning.patterns:
            for match in pattern.finditer(norm):
                start, end = match.span("num")
                if (start, end) in taken or _in_table_line(norm, start):
                    continue
                value = _value(match.group("num"), match.group("unit"), meaning.money)
                if value is None:
                    continue
                taken.add((start, end))
                figures.append(ProseFigure(meaning.name, keys, value, start, end, text[match.start() : match.end()]))
    return sorted(figures, key=lambda f: f.start)


def _in_table_line(norm: str, offset: int) -> bool:
    """A line of tab- or pipe-separated cells is a table row, not prose."""
    line_start = max(norm.rfind("\n", 0, offset), norm.rfind("\f", 0, offset)) + 1
    line_end = norm.find("\n", offset)
    line = norm[line_start : line_end if line_end >= 0 else len(norm)]
    return "\t" in line or line.count("|") >= 2


# --- prose against the table --------------------------------------------------


def _table_value(meaning_keys: tuple[str, ...], values: Mapping[str, Value]) -> float | None:
    numbers = [values.get(k) for k in meaning_keys]
    if not any(k in values for k in meaning_keys):
        return None
    if any(not isinstance(n, int | float) for n in numbers):
        return None
    return float(sum(n for n in numbers if isinstance(n, int | float)))


def _same(a: object, b: object) -> bool:
    return isinstance(a, int | float) and isinstance(b, int | float) and abs(float(a) - float(b)) <= 1e-6


def compare(figures: list[ProseFigure], fields: Mapping[str, FieldDetail]) -> list[CheckResult]:
    """One check per prose figure whose meaning the report has: prose vs table, agreeing or not."""
    values = {key: detail.value for key, detail in fields.items()}
    checks: list[CheckResult] = []
    for figure in figures:
        if not any(k in fields for k in figure.keys):
            continue
        table = _table_value(figure.keys, values)
        label = "+".join(figure.keys) if len(figure.keys) > 1 else figure.keys[0]
        quoted = f"the prose says {_fmt(figure.value)} ({figure.text.strip()!r})"
        if table is None:
            checks.append(
                CheckResult(
                    rule=f"prose.{figure.meaning}",
                    passed=None,
                    detail=f"skipped: {quoted}, the table has no value",
                    fields=list(figure.keys),
                    lhs=float(figure.value),
                )
            )
            continue
        passed = _same(figure.value, table)
        relation = "agrees with" if passed else "differs from"
        checks.append(
            CheckResult(
                rule=f"prose.{figure.meaning}",
                passed=passed,
                detail=f"{quoted}; {relation} the table's {label} = {_fmt(table)}",
                fields=list(figure.keys),
                lhs=float(figure.value),
                rhs=table,
                difference=float(figure.value) - table,
            )
        )
    return checks


def apply_prose(
    document: Document,
    figures: list[ProseFigure],
    fields: dict[str, FieldDetail],
    review: dict[str, str],
) -> dict[str, int]:
    """Record prose evidence on the fields; take out of review what it settles, put in what it contradicts.

    Returns counts: ``confirmed`` (fields that left review), ``contradicted`` (fields sent to review).
    """
    broken = set(failed_fields(evaluate({k: d.value for k, d in fields.items()})))
    by_key: dict[str, list[ProseFigure]] = {}
    sums: list[ProseFigure] = []
    for figure in figures:
        if len(figure.keys) == 1:
            by_key.setdefault(figure.keys[0], []).append(figure)
        else:
            sums.append(figure)
    counts = {"confirmed": 0, "contradicted": 0}
    for key, stated in by_key.items():
        detail = fields.get(key)
        if detail is None:
            continue
        agreeing = [f for f in stated if _same(f.value, detail.value)]
        detail.evidence = [
            *(detail.evidence or []),
            *(_evidence(document, f, _same(f.value, detail.value)) for f in stated),
        ]
        if len(agreeing) == len(stated):
            if _settles(key, detail, review, broken, stated[0].value):
                counts["confirmed"] += 1
                del review[key]
                detail.confidence = max(detail.confidence, CONF_CONFIRMED)
                others = ", ".join(_fmt(a) for a in detail.alternatives)
                detail.note = (
                    f"the report's prose states {_fmt(stated[0].value)} ({stated[0].text.strip()!r}), "
                    f"which only this reading gives (other readings: {others})"
                )
            continue
        for figure in stated:
            if not _same(figure.value, detail.value) and figure.value not in detail.alternatives:
                detail.alternatives = [*detail.alternatives, figure.value]
        said = ", ".join(sorted({_fmt(f.value) for f in stated if not _same(f.value, detail.value)}))
        reason = f"the report's prose states {said} where the table has {_fmt(detail.value)}"
        if key not in review:
            counts["contradicted"] += 1
        review[key] = f"{review[key]}; {reason}" if key in review else reason
        detail.note = review[key]
    for figure in sums:
        table = _table_value(figure.keys, {k: d.value for k, d in fields.items()})
        if table is None or _same(figure.value, table):
            continue
        reason = f"the report's prose states {_fmt(figure.value)} for the sum of {', '.join(figure.keys)}, " + (
            f"the table {_fmt(table)}"
        )
        for key in figure.keys:
            if key in fields and key not in review:
                counts["contradicted"] += 1
                review[key] = reason
                fields[key].note = reason
    return counts


# the parser's words for a cell flagged because its reading is one of several (alternatives listed, or a
# lost cell whose column is not certain); any other flag (OCR confidence, a row placed by position,
# a missing row) is not settled by the prose
AMBIGUITY_REASONS = ("more than one reading", "column is not certain")


def _settles(key: str, detail: FieldDetail, review: Mapping[str, str], broken: set[str], stated: Value) -> bool:
    """Only a field in review because readings compete, whose value is the one reading the prose gives."""
    if key not in review or key in broken or detail.value is None:
        return False
    if not detail.alternatives and not any(reason in review[key] for reason in AMBIGUITY_REASONS):
        return False
    if detail.source is None or detail.source.engine == Engine.INFERRED:
        return False  # restored from the identities: nothing was printed to confirm
    readings = [detail.value, *detail.alternatives]
    return sum(1 for reading in readings if _same(reading, stated)) == 1


def _evidence(document: Document, figure: ProseFigure, agrees: bool) -> Evidence:
    return Evidence(
        kind="prose",
        value=figure.value,
        agrees=agrees,
        start=figure.start,
        end=figure.end,
        page=document.page_at(figure.start),
        text=figure.text.strip(),
    )


def second_read(
    document: Document,
    fields: dict[str, FieldDetail],
    review: dict[str, str],
    usage: dict[str, object],
    validate: Validate,
) -> Result:
    """The second readers between parse and validate: the prose, then repair targeting on the result."""
    from extractor.repair import propose_repairs

    template = fields["template"].value if "template" in fields else None
    figures = read_prose(document.text, template if isinstance(template, str) else None)
    counts = apply_prose(document, figures, fields, review)
    checks = compare(figures, fields)
    usage = {**usage, "second_readers": {"prose_figures": len(figures), **counts}}
    result = validate(document.source, fields, review, usage)
    result.checks.extend(checks)
    result.repairs = propose_repairs(result)
    return result


def _fmt(value: object) -> str:
    if value is None:
        return "no value"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
