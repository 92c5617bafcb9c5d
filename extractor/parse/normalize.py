"""Text normalisation that keeps offsets, and reading printed numbers."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

# 其它 is printed for 其他 (三、其它处理, a column 其它): the template's labels say 他
_EXTRA = str.maketrans({"〇": "0", "－": "-", "—": "-", "–": "-", "\u3000": " ", "\xa0": " ", "．": ".", "它": "他"})


@lru_cache(maxsize=4096)
def _norm_char(char: str) -> str:
    folded = unicodedata.normalize("NFKC", char)
    return folded if len(folded) == 1 else char


def normalize(text: str) -> str:
    """NFKC per character (full-width digits and brackets to ASCII), same length as ``text``.

    Keeping the length means every offset found in the normalised text is an
    offset into the original, so spans trace back to the document.
    """
    out = "".join(_norm_char(c) for c in text)
    return out.translate(_EXTRA).replace("\u3007", "0")


_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")


def parse_number(text: str) -> int | float | None:
    """``"1,234"`` -> 1234, ``"14520.30946"`` -> 14520.30946; None if not one number."""
    text = normalize(text).strip().replace(" ", "")
    if not _NUMBER.match(text):
        return None
    plain = text.replace(",", "")
    if "." in plain:
        try:
            return float(Decimal(plain))
        except InvalidOperation:
            return None
    return int(plain)


# Chinese numerals: 〇 and ○ (typed for 〇 in dates) are zero, 两 is two
CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "○": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}


def chinese_number(text: str) -> int | None:
    """``"十二"`` -> 12, ``"两"`` -> 2, ``"一百零五"`` -> 105; None if not a plain numeral."""
    total, current = 0, 0
    for char in text:
        if char in CN_DIGITS:
            current = CN_DIGITS[char]
        elif char in _CN_UNITS:
            total += (current or 1) * _CN_UNITS[char]
            current = 0
        else:
            return None
    return total + current


def scale(value: int | float, factor: Decimal) -> int | float:
    """Multiply a money amount by a unit factor without binary-float drift."""
    result = Decimal(str(value)) * factor
    return int(result) if result == result.to_integral_value() else float(result)
