"""What a reviewer may store for a field: one parser per kind of field, refusing with a reason.

Counts are non-negative integers (本年增/减 may be negative), money keeps its
decimals, ``published_on`` is an ISO date, ``template`` one of the template
names, ``year`` an integer year. JSON numbers and their plain text forms are
both accepted, so a page can send what the reviewer typed; ``null`` says the
document leaves the cell blank.
"""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal, InvalidOperation

from extractor.report import Value
from extractor.template import MONEY_FIELDS, TEMPLATES

MAX_COUNT = 10**9  # no report counts a billion of anything: a longer number is a typing slip
MAX_MONEY = Decimal(10**13)
SIGNED_COUNT_FIELDS = frozenset({"items_change"})  # 本年增/减 of the 2019 template
TABLE_PREFIXES = ("applications.", "reviews_and_lawsuits.", "active_disclosure.")

_INTEGER = re.compile(r"[+-]?\d+")
_DECIMAL = re.compile(r"\d+(\.\d+)?")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class InvalidValue(ValueError):
    """A value a field cannot hold; the message says why."""


def parse_value(key: str, raw: object) -> Value:
    """The value ``raw`` (as JSON gave it) means for field ``key``, or ``InvalidValue``."""
    if raw is None:
        return None
    if isinstance(raw, str) and raw.strip().lower() in {"", "null"}:
        return None
    if key == "year":
        return _year(raw)
    if key == "published_on":
        return _iso_date(raw)
    if key == "template":
        return _template(raw)
    if key == "organization":
        return _organization(raw)
    if not key.startswith(TABLE_PREFIXES):
        raise InvalidValue(f"unknown field {key!r}")
    leaf = key.rsplit(".", 1)[-1]
    if leaf in MONEY_FIELDS:
        return _money(raw)
    return _count(raw, signed=leaf in SIGNED_COUNT_FIELDS)


def _integer(raw: object, what: str) -> int:
    if isinstance(raw, bool):
        raise InvalidValue(f"{what} must be a whole number, not {raw!r}")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise InvalidValue(f"{what} must be a finite whole number, not {raw!r}")
        if not raw.is_integer():
            raise InvalidValue(f"{what} must be a whole number, not {raw!r}")
        return int(raw)
    if isinstance(raw, str) and _INTEGER.fullmatch(raw.strip()):
        return int(raw.strip())
    raise InvalidValue(f"{what} must be a whole number, not {_shown(raw)}")


def _count(raw: object, signed: bool) -> int:
    number = _integer(raw, "a count")
    if number < 0 and not signed:
        raise InvalidValue(f"a count cannot be negative ({number})")
    if abs(number) >= MAX_COUNT:
        raise InvalidValue(f"{number} is too large for a count")
    return number


def _money(raw: object) -> int | float:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise InvalidValue(f"an amount must be a decimal number, not {_shown(raw)}")
    if isinstance(raw, float) and not math.isfinite(raw):
        raise InvalidValue(f"an amount must be a finite number, not {raw!r}")
    text = raw.strip() if isinstance(raw, str) else repr(raw)
    if isinstance(raw, str) and not _DECIMAL.fullmatch(text):
        raise InvalidValue(f"an amount must be a plain decimal number like 12.5, not {_shown(raw)}")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise InvalidValue(f"an amount must be a decimal number, not {_shown(raw)}") from None
    if not amount.is_finite() or amount < 0:
        raise InvalidValue(f"an amount must be a non-negative finite number, not {_shown(raw)}")
    if amount >= MAX_MONEY:
        raise InvalidValue(f"{text} is too large for an amount")
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _year(raw: object) -> int:
    year = _integer(raw, "a year")
    if not 1990 <= year <= 2100:
        raise InvalidValue(f"{year} is not a plausible report year (1990-2100)")
    return year


def _iso_date(raw: object) -> str:
    if not isinstance(raw, str) or not _ISO_DATE.fullmatch(raw.strip()):
        raise InvalidValue(f"published_on must be an ISO date YYYY-MM-DD, not {_shown(raw)}")
    try:
        return date.fromisoformat(raw.strip()).isoformat()
    except ValueError:
        raise InvalidValue(f"{raw.strip()} is not a date on the calendar") from None


def _template(raw: object) -> str:
    text = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) else None
    if text not in TEMPLATES:
        raise InvalidValue(f"template must be one of {', '.join(TEMPLATES)}, not {_shown(raw)}")
    return text


def _organization(raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidValue("organization must be the body's name as printed")
    name = raw.strip()
    if len(name) > 200 or "\n" in name:
        raise InvalidValue("organization must be one line of at most 200 characters")
    return name


def _shown(raw: object) -> str:
    text = repr(raw)
    return text if len(text) <= 40 else text[:37] + "..."
