"""Who, which year, when: the report's metadata from its title, period and signature."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "0": 0}

TITLE = re.compile(
    r"(?m)^[#*\s]*(?P<org>[^\n#]{2,60}?)\s*(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*(?:本级)?\s*"
    r"(?:政\s*府\s*)?信\s*息\s*公\s*开\s*(?:工\s*作\s*)?(?:年\s*度\s*)?报\s*告"
)
TITLE_NO_ORG = re.compile(
    r"(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*(?:政\s*府\s*)?信\s*息\s*公\s*开\s*(?:工\s*作\s*)?(?:年\s*度\s*)?报\s*告"
)
PERIOD = re.compile(
    r"(?P<year>(?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日\s*(?:起\s*)?(?:至|到|-|—)\s*(?P=year)\s*年\s*12\s*月"
)
DATE_LINE = re.compile(r"(?m)^[ \t]*(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日[ \t]*$")
CN_DATE_LINE = re.compile(
    r"(?m)^[ \t]*(?P<y>[〇零一二三四五六七八九0]{4})\s*年\s*"
    r"(?P<m>[一二三四五六七八九十]{1,3})\s*月\s*(?P<d>[一二三四五六七八九十]{1,3})\s*日[ \t]*$"
)
AREA_SUFFIX = re.compile(r"(?:省|市|县|区|旗|州|盟|自治区|自治州|自治县|镇|乡|街道)$")
NOT_ORG = re.compile(r"关于|报送|印发|转发|现将|随文")


@dataclass(slots=True)
class MetaField:
    value: str | int | None
    start: int | None = None
    end: int | None = None
    confidence: float = 0.9
    review: str | None = None


def read_metadata(norm: str) -> dict[str, MetaField]:
    out: dict[str, MetaField] = {}
    title = None
    org = ""
    for match in TITLE.finditer(norm[:20000]):
        org = match.group("org")
        if NOT_ORG.search(org):
            org = re.split(r"关于报送|关于|《", org)[-1]
            if NOT_ORG.search(org) or len(org.strip()) < 2:
                continue
        title = match
        break
    if title is not None:
        org = _clean_org(org)
        review = None
        if AREA_SUFFIX.search(org):
            org = f"{org}人民政府"
            review = "the title names an area; read as its 人民政府"
        elif len(org) > 30:
            review = "the title line is unusually long for a body's name"
        out["organization"] = MetaField(org, title.start("org"), title.end("org"), 0.7 if review else 0.9, review)
    else:
        out["organization"] = MetaField(None, confidence=0.0, review="no title naming the body was found")

    period = PERIOD.search(norm)
    if period:
        year = int(period.group("year"))
        out["year"] = MetaField(year, period.start("year"), period.end("year"), 0.98)
        if title is not None and int(title.group("year")) != year:
            out["year"].confidence = 0.6
            out["year"].review = f"the statistics period says {year}, the title {title.group('year')}"
    elif title is not None:
        out["year"] = MetaField(int(title.group("year")), title.start("year"), title.end("year"), 0.95)
    else:
        bare = TITLE_NO_ORG.search(norm)
        if bare:
            out["year"] = MetaField(int(bare.group("year")), bare.start("year"), bare.end("year"), 0.9)
        else:
            out["year"] = MetaField(None, confidence=0.0, review="no statistics year was found")

    out["published_on"] = _published_on(norm)
    return out


def _clean_org(org: str) -> str:
    org = re.sub(r"[\s#*《》\"“”|]", "", org)
    return org.strip("，,:：")


def _published_on(norm: str) -> MetaField:
    best: tuple[int, str, int, int] | None = None
    for match in DATE_LINE.finditer(norm):
        year, month, day = int(match.group("y")), int(match.group("m")), int(match.group("d"))
        if 1 <= month <= 12 and 1 <= day <= 31:
            best = (match.start(), f"{year:04d}-{month:02d}-{day:02d}", match.start(), match.end())
    for match in CN_DATE_LINE.finditer(norm):
        year = int("".join(str(_CN_DIGITS[c]) for c in match.group("y")))
        month, day = _cn_number(match.group("m")), _cn_number(match.group("d"))
        if (best is None or match.start() > best[0]) and 1 <= month <= 12 and 1 <= day <= 31:
            best = (match.start(), f"{year:04d}-{month:02d}-{day:02d}", match.start(), match.end())
    if best is None:
        return _signature_date_after_text(norm)
    return MetaField(best[1], best[2], best[3], 0.95)


SIGNED_LINE_END = re.compile(r"(?m)(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日[ \t]*$")


def _signature_date_after_text(norm: str) -> MetaField:
    """A date closing a line near the end (the signer's name run into it): taken, but flagged."""
    tail_start = max(0, len(norm) - 400)
    matches = [m for m in SIGNED_LINE_END.finditer(norm, tail_start)]
    if not matches:
        return MetaField(None, confidence=0.9)
    match = matches[-1]
    year, month, day = int(match.group("y")), int(match.group("m")), int(match.group("d"))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return MetaField(None, confidence=0.9)
    return MetaField(
        f"{year:04d}-{month:02d}-{day:02d}",
        match.start(),
        match.end(),
        0.7,
        review="date read from the end of a line that holds other text",
    )


def _cn_number(text: str) -> int:
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + _CN_DIGITS[text[1]]
    if "十" in text:
        tens, _, units = text.partition("十")
        return _CN_DIGITS[tens] * 10 + (_CN_DIGITS[units] if units else 0)
    return _CN_DIGITS[text]
