"""The same body's other years: cross-year checks over a directory of results.

Results are grouped by body (the name normalised, so that 淮安市人民政府 and
淮安市政府, or an OCR'd 沐阳县 and 沭阳县, are one body) and year. For each pair
of consecutive years Y, Y+1 of one body:

- ``carry_over`` (an identity, per column): year Y's 结转下年度继续办理
  (``applications.carried_forward``) equals year Y+1's 上年结转
  (``applications.carried_over``);
- ``in_force`` (a flag): section 二's 现行有效件数 of Y plus Y+1's issued minus
  repealed equals Y+1's in_force; real reports break it often (documents
  cleaned up, counting rules changed), so it is reported, not enforced;
- ``jump`` (a flag): a headline figure that grows more than fivefold or
  shrinks below a fifth from one year to the next.

Checks read results only; they never change a value. ``settle`` (run after a batch, or by
``extractor series --settle``) is the one writer: a carried-over cell in review whose value the
neighbouring year prints, unflagged, as the other side of the identity leaves review with that
evidence recorded (``evidence`` of kind ``series``); it never changes a value either.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extractor.errors import ExtractorError
from extractor.report import Value, flatten
from extractor.template import APPLICANT_COLUMNS

# characters OCR confuses in body names: each maps to the one real names use
LOOK_ALIKES = str.maketrans({"沐": "沭", "准": "淮", "汨": "汩", "己": "已", "曰": "日", "末": "未"})

JUMP_RATIO = 5.0
JUMP_MIN = 10  # below this on both sides a jump is noise (1 -> 6 applications)
JUMP_FIELDS: tuple[str, ...] = (
    "applications.new_received.total",
    "applications.total_processed.total",
    "applications.granted.total",
    "active_disclosure.normative_documents.in_force",
    "active_disclosure.licensing.decisions",
    "active_disclosure.penalty.decisions",
    "active_disclosure.coercion.decisions",
    "active_disclosure.fees.amount_10k_yuan",
    "reviews_and_lawsuits.reconsideration.total",
    "reviews_and_lawsuits.litigation_direct.total",
)
IN_FORCE_ITEMS: tuple[str, ...] = ("regulations", "normative_documents")


class SeriesInputError(ExtractorError):
    """RESULTS_DIR is missing or holds no readable result."""


def body_key(name: str) -> str:
    """A body's name reduced to what stays the same across years and extractions.

    Spaces and width variants go, OCR look-alikes are unified, 办公厅 counts as
    办公室, and the 人民政府 / 政府 suffix of a government is dropped (the
    government's 办公室 stays a body of its own: 淮安市办公室).
    """
    text = unicodedata.normalize("NFKC", name)
    text = re.sub(r"\s+", "", text).translate(LOOK_ALIKES)
    text = text.replace("办公厅", "办公室").replace("人民政府", "政府")
    text = re.sub(r"政府(?=办公室$|$)", "", text)
    return text


@dataclass(frozen=True, slots=True)
class YearResult:
    body: str  # the name as the first result of this body printed it
    year: int
    path: Path
    values: dict[str, Value]
    review: frozenset[str] = frozenset()
    alternatives: Mapping[str, list[Value]] = field(default_factory=dict)  # readings besides the value
    notes: Mapping[str, str] = field(default_factory=dict)  # why a field is in review
    broken: frozenset[str] = frozenset()  # fields of identities that do not hold


@dataclass(frozen=True, slots=True)
class SeriesCheck:
    """One cross-year comparison. ``held`` is None when a value is missing."""

    check: str  # "carry_over", "in_force" or "jump"
    body: str
    from_year: int
    to_year: int
    column: str  # applicant column (carry_over), section 二 item (in_force) or dotted key (jump)
    previous: Value
    current: Value
    held: bool | None
    expected: Value = None  # in_force: previous + issued - repealed
    files: tuple[str, str] = ("", "")
    pins: str | None = None  # carry_over: the flagged cell of one year whose reading the other year settles

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "check": self.check,
            "body": self.body,
            "from_year": self.from_year,
            "to_year": self.to_year,
            "column": self.column,
            "previous": self.previous,
            "current": self.current,
        }
        if self.check == "carry_over":
            data["held"] = self.held
        else:  # a flag, not an identity
            data["flagged"] = None if self.held is None else not self.held
        if self.check == "in_force":
            data["expected"] = self.expected
        if self.pins:
            data["pins"] = self.pins
        data["files"] = list(self.files)
        return data


@dataclass(slots=True)
class SeriesReport:
    checks: list[SeriesCheck] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "file: reason"
    duplicates: list[str] = field(default_factory=list)  # "body year: kept a, also b"
    bodies: int = 0


def load_results(directory: Path) -> tuple[list[YearResult], list[str]]:
    """Every result (or gold) JSON file of ``directory`` with a body and a year; the others, with why."""
    if not directory.is_dir():
        raise SeriesInputError(f"{directory}: not a directory of result files")
    found: list[YearResult] = []
    skipped: list[str] = []
    for path in sorted(directory.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            skipped.append(f"{path}: not readable JSON ({exc})")
            continue
        report = data.get("report") if isinstance(data, dict) else None
        if not isinstance(report, dict):
            skipped.append(f"{path}: not a result file (no report)")
            continue
        name, year = report.get("organization"), report.get("year")
        if not isinstance(name, str) or not name.strip():
            skipped.append(f"{path}: the result names no body (report.organization is empty)")
            continue
        if not isinstance(year, int):
            skipped.append(f"{path}: the result has no year (report.year is empty)")
            continue
        review = data.get("review")
        details = data.get("fields")
        alternatives = {
            key: detail["alternatives"]
            for key, detail in (details.items() if isinstance(details, dict) else [])
            if isinstance(detail, dict) and isinstance(detail.get("alternatives"), list) and detail["alternatives"]
        }
        flagged = frozenset(k for k in review if isinstance(k, str)) if isinstance(review, list) else frozenset()
        notes = {
            key: detail["note"]
            for key, detail in (details.items() if isinstance(details, dict) else [])
            if isinstance(detail, dict) and isinstance(detail.get("note"), str)
        }
        checks = data.get("checks")
        broken = frozenset(
            key
            for check in (checks if isinstance(checks, list) else [])
            if isinstance(check, dict) and check.get("passed") is False
            for key in check.get("fields") or []
            if isinstance(key, str)
        )
        found.append(YearResult(name.strip(), year, path, flatten(report), flagged, alternatives, notes, broken))
    return found, skipped


def group_by_body(results: Iterable[YearResult]) -> tuple[dict[str, dict[int, YearResult]], list[str]]:
    """body key -> year -> result; a second result for the same body and year is listed, not used."""
    groups: dict[str, dict[int, YearResult]] = {}
    duplicates: list[str] = []
    for result in results:
        years = groups.setdefault(body_key(result.body), {})
        kept = years.get(result.year)
        if kept is None:
            years[result.year] = result
        else:
            duplicates.append(f"{kept.body} {result.year}: kept {kept.path.name}, also {result.path.name}")
    _merge_parent_prefixed(groups, duplicates)
    return groups, duplicates


PARENT_PREFIX = re.compile(r".+(?:省|市|州|盟|地区|自治区)$")


def _merge_parent_prefixed(groups: dict[str, dict[int, YearResult]], duplicates: list[str]) -> None:
    """洪泽区 and 淮安市洪泽区 are one body: a name that another name repeats after a parent region's
    name joins it, when exactly one such longer name is present (two cities may each have a 市中区)."""
    for short in sorted(groups, key=len):
        longer = [k for k in groups if k != short and k.endswith(short) and PARENT_PREFIX.match(k[: -len(short)])]
        if len(longer) != 1:
            continue
        target = groups[longer[0]]
        for year, result in groups.pop(short).items():
            kept = target.setdefault(year, result)
            if kept is not result:
                duplicates.append(f"{kept.body} {year}: kept {kept.path.name}, also {result.path.name}")


def compare_years(previous: YearResult, current: YearResult, body: str | None = None) -> list[SeriesCheck]:
    """Every cross-year check of two consecutive years of one body (named ``body``, else as Y names it)."""
    name = body or previous.body
    files = (previous.path.name, current.path.name)
    out: list[SeriesCheck] = []

    def make(check: str, column: str, before: Value, after: Value, held: bool | None, **extra: Any) -> None:
        out.append(
            SeriesCheck(check, name, previous.year, current.year, column, before, after, held, files=files, **extra)
        )

    for col in APPLICANT_COLUMNS:
        before = previous.values.get(f"applications.carried_forward.{col}")
        after = current.values.get(f"applications.carried_over.{col}")
        if _number(before) is None and _number(after) is None and not _has_row(previous, current):
            continue
        pins = _pins(previous, f"applications.carried_forward.{col}", current, f"applications.carried_over.{col}")
        make("carry_over", col, before, after, _equal(before, after), pins=pins)
    for item in IN_FORCE_ITEMS:
        before = previous.values.get(f"active_disclosure.{item}.in_force")
        issued = current.values.get(f"active_disclosure.{item}.issued")
        repealed = current.values.get(f"active_disclosure.{item}.repealed")
        after = current.values.get(f"active_disclosure.{item}.in_force")
        parts = [_number(v) for v in (before, issued, repealed, after)]
        if all(p is None for p in parts):
            continue
        b, i, r, a = parts
        expected: Value = None
        held: bool | None = None
        if b is not None and i is not None and r is not None and a is not None:
            expected = _plain(b + i - r)
            held = _equal(expected, a)
        make("in_force", item, before, after, held, expected=expected)
    for key in JUMP_FIELDS:
        before, after = _number(previous.values.get(key)), _number(current.values.get(key))
        if before is None or after is None or before <= 0 or after <= 0 or max(before, after) < JUMP_MIN:
            continue
        ratio = after / before
        if ratio > JUMP_RATIO or ratio < 1 / JUMP_RATIO:
            make("jump", key, _plain(before), _plain(after), False)
    return out


def run_series(directory: Path) -> SeriesReport:
    results, skipped = load_results(directory)
    groups, duplicates = group_by_body(results)
    report = SeriesReport(skipped=skipped, duplicates=duplicates, bodies=len(groups))
    for years in groups.values():
        # the body as most of its reports name it
        name = Counter(result.body for result in years.values()).most_common(1)[0][0]
        for year in sorted(years):
            if year + 1 in years:
                report.checks.extend(compare_years(years[year], years[year + 1], name))
    return report


def format_table(report: SeriesReport) -> str:
    """One line per check, then a summary."""
    lines: list[str] = []
    header = f"{'body':<24} {'years':<10} {'check':<10} {'column':<44} {'previous':>10} {'current':>10}  result"
    lines.append(header)
    lines.append("-" * len(header))
    for check in report.checks:
        if check.check == "carry_over":
            result = {True: "held", False: "BROKEN", None: "not evaluated (missing value)"}[check.held]
            if check.pins:
                result += f"; settles {check.pins}"
        elif check.check == "in_force":
            result = {
                True: "continuous",
                False: f"FLAG: expected {_fmt(check.expected)}",
                None: "not evaluated (missing value)",
            }[check.held]
        else:
            result = "FLAG: jump"
        lines.append(
            f"{check.body:<24} {check.from_year}-{str(check.to_year)[2:]:<5} {check.check:<10} {check.column:<44} "
            f"{_fmt(check.previous):>10} {_fmt(check.current):>10}  {result}"
        )
    carry = [c for c in report.checks if c.check == "carry_over"]
    pairs = {(c.body, c.from_year) for c in carry}
    broken_pairs = {(c.body, c.from_year) for c in carry if c.held is False}
    flags = sum(1 for c in report.checks if c.check != "carry_over" and c.held is False)
    lines.append("")
    lines.append(
        f"{report.bodies} bod{'y' if report.bodies == 1 else 'ies'}, {len(pairs)} pair(s) of consecutive years: "
        f"carry-over broken in {len(broken_pairs)} pair(s) "
        f"({sum(1 for c in carry if c.held is False)} of {len(carry)} column check(s)); {flags} flag(s)"
    )
    for line in report.duplicates:
        lines.append(f"duplicate: {line}")
    return "\n".join(lines)


def _pins(previous: YearResult, before_key: str, current: YearResult, after_key: str) -> str | None:
    """A cell in review with several readings, exactly one of which the other year's unflagged value gives:
    the cross-year identity is evidence for that reading (said, not applied: results are not rewritten)."""
    for flagged, key, other, other_key in (
        (previous, before_key, current, after_key),
        (current, after_key, previous, before_key),
    ):
        readings = [flagged.values.get(key), *flagged.alternatives.get(key, [])]
        stated = other.values.get(other_key)
        if key not in flagged.review or other_key in other.review or len(readings) < 2 or _number(stated) is None:
            continue
        if sum(1 for reading in readings if _equal(reading, stated)) == 1:
            return f"{flagged.path.name} {key} = {_fmt(stated)}"
    return None


@dataclass(frozen=True, slots=True)
class Settled:
    """A field that left review: its file and key, its value, and the other year's field that states it."""

    path: Path
    key: str
    value: Value
    other: str  # "file key"


def settle(directory: Path) -> list[Settled]:
    """Take out of review, in the result files of ``directory``, each carried-over cell that the same
    body's neighbouring year confirms: 结转下年度继续办理 of year Y equals 上年结转 of Y+1, column by
    column, and one side is in review for how it was read (order, position, competing readings)
    while the other is not. The value must be the one the other year gives, and the only one of
    its readings that does; nothing restored, misread, blank or in a broken identity is settled.
    Files are rewritten in place (atomically); values never change."""
    results, _ = load_results(directory)
    groups, _ = group_by_body(results)
    found: list[Settled] = []
    for years in groups.values():
        for year in sorted(years):
            after = years.get(year + 1)
            if after is None:
                continue
            before = years[year]
            for col in APPLICANT_COLUMNS:
                forward, over = f"applications.carried_forward.{col}", f"applications.carried_over.{col}"
                for flagged, key, other, other_key in ((before, forward, after, over), (after, over, before, forward)):
                    if _confirms(flagged, key, other, other_key):
                        stated = other.values[other_key]
                        found.append(Settled(flagged.path, key, stated, f"{other.path.name} {other_key}"))
    by_file: dict[Path, list[Settled]] = {}
    for item in found:
        by_file.setdefault(item.path, []).append(item)
    return [item for path, items in by_file.items() for item in _rewrite(path, items)]


def _confirms(flagged: YearResult, key: str, other: YearResult, other_key: str) -> bool:
    from extractor.reconcile import NOT_SETTLED

    stated = other.values.get(other_key)
    value = flagged.values.get(key)
    if key not in flagged.review or other_key in other.review or _number(stated) is None:
        return False
    readings = [value, *flagged.alternatives.get(key, [])]
    if not _equal(value, stated) or sum(1 for reading in readings if _equal(reading, stated)) != 1:
        return False
    reason = flagged.notes.get(key) or ""
    return bool(reason) and not NOT_SETTLED.search(reason) and key not in flagged.broken


def _rewrite(path: Path, items: list[Settled]) -> list[Settled]:
    """Record the settled fields in ``path``; those whose field or review entry changed since are left."""
    from extractor.batch import _write_atomic

    data = json.loads(path.read_text(encoding="utf-8"))
    review, fields = data.get("review"), data.get("fields")
    if not isinstance(review, list) or not isinstance(fields, dict):
        return []
    done: list[Settled] = []
    for item in items:
        detail = fields.get(item.key)
        if item.key not in review or not isinstance(detail, dict) or not _equal(detail.get("value"), item.value):
            continue
        review.remove(item.key)
        evidence = detail.get("evidence") or []
        evidence.append({"kind": "series", "value": item.value, "agrees": True, "text": item.other})
        detail["evidence"] = evidence
        detail["note"] = f"confirmed by the same body's neighbouring year ({item.other}); was: {detail.get('note')}"
        done.append(item)
    if done:
        usage = data.setdefault("usage", {})
        readers = usage.setdefault("second_readers", {})
        readers["series_confirmed"] = readers.get("series_confirmed", 0) + len(done)
        if not review and data.get("status") == "partial" and not data.get("errors"):
            data["status"] = "success"
        _write_atomic(path, data)
    return done


def _has_row(previous: YearResult, current: YearResult) -> bool:
    return any(k.startswith("applications.carried_forward.") for k in previous.values) or any(
        k.startswith("applications.carried_over.") for k in current.values
    )


def _number(value: Value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _equal(a: Value, b: Value) -> bool | None:
    x, y = _number(a), _number(b)
    if x is None or y is None:
        return None
    return abs(x - y) <= 1e-6


def _plain(value: float) -> Value:
    return int(value) if float(value).is_integer() else round(value, 6)


def _fmt(value: Value) -> str:
    return "-" if value is None else str(value)
