"""Text that an OCR engine made: recognised by the marks its misreadings leave.

A text file or markdown may be the output of ``tesseract`` or another OCR run over a scan or a
photo. Such text misreads digits as other digits (``26`` as ``20``, ``66`` as ``600``) in a way
nothing in the text shows; where tally identities hold, they vouch for the cells they contain,
but section 二 and the report's name and dates have none. The marks OCR leaves elsewhere in the
text give it away:

- a bracket opened as one kind and closed as another (``第〈一) 项``, ``《五 ) 不``, ``〈单位; 万元)``);
- letters that look like digits inside a number (``SS0``, ``5$``, ``1O``);
- a template word with its first character misread (``言息内容`` for 信息内容).

Two different marks make the text OCR-like; one could be a typo.
"""

from __future__ import annotations

import re

MARKS: dict[str, re.Pattern[str]] = {
    "a bracket opened and closed as different kinds": re.compile(r"[〈《][^〉》\n]{0,12}[)）]"),
    "letters that look like digits inside a number": re.compile(
        r"(?<![A-Za-z\d])(?=[\dSO$]*\d)(?=[\dSO$]*[SO$])[\dSO$]{2,}(?![A-Za-z\d])"
    ),
    "a misread template word": re.compile(r"[\u4e00-\u9fff](?<!信)息内容"),
}
MIN_KINDS = 2


def ocr_marks(text: str) -> list[str]:
    """The kinds of OCR marks found in ``text``, each with an example; empty unless at least
    ``MIN_KINDS`` different kinds are found."""
    found = []
    for name, pattern in MARKS.items():
        match = pattern.search(text)
        if match:
            found.append(f"{name} ({match.group().strip()!r})")
    return found if len(found) >= MIN_KINDS else []


__all__ = ["MARKS", "MIN_KINDS", "ocr_marks"]
