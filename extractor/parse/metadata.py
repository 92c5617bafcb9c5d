"""Who, which year, when: the report's metadata from its title, period and signature."""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractor.parse.normalize import CN_DIGITS, chinese_number

TITLE = re.compile(
    r"(?m)^[#*\s]*(?P<org>[^\n#]{2,60}?)\s*(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*(?:本级)?\s*"
    r"(?:政\s*府\s*)?信\s*息\s*公\s*开\s*(?:工\s*作\s*)?(?:年\s*度\s*)?报\s*告"
)
# the year first: 2023年度沭阳县发展和改革局政府信息公开工作年度报告
TITLE_YEAR_FIRST = re.compile(
    r"(?m)^[#*\s]*(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*(?!政\s*府|信\s*息|本\s*级)(?P<org>[^\n#，。、]{2,40}?)\s*"
    r"(?:政\s*府\s*)?信\s*息\s*公\s*开\s*(?:工\s*作\s*)?(?:年\s*度\s*)?报\s*告"
)
TITLE_NO_ORG = re.compile(
    r"(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*(?:政\s*府\s*)?信\s*息\s*公\s*开\s*(?:工\s*作\s*)?(?:年\s*度\s*)?报\s*告"
)
PERIOD = re.compile(
    r"(?P<year>(?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日\s*(?:起\s*)?(?:至|到|-|—)\s*(?P=year)\s*年\s*12\s*月"
)
DATE_LINE = re.compile(r"(?m)^[ \t]*(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日[ \t]*$")
# the same written with one separator throughout: 2024-01-20, 2024/1/20, 2024.01.20
NUMERIC_DATE_LINE = re.compile(
    r"(?m)^[ \t]*(?P<y>(?:19|20)\d{2})\s*(?P<sep>[-/.])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*(?P<d>\d{1,2})[ \t]*$"
)
CN_DATE_LINE = re.compile(
    r"(?m)^[ \t]*(?P<y>[〇○O零一二三四五六七八九0]{4})\s*年\s*"
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
    head = norm[:20000]
    titles = sorted([*TITLE.finditer(head), *TITLE_YEAR_FIRST.finditer(head)], key=lambda m: m.start())
    for match in titles:
        org = re.sub(r"\s*关\s*于\s*$", "", match.group("org"))  # 某某局关于2023年度政府信息公开工作年度报告
        if NOT_ORG.search(org):
            org = re.split(r"关于报送|关于|《", org)[-1]
            if NOT_ORG.search(org) or len(org.strip()) < 2:
                continue
        if len(_clean_org(org)) < 2:
            continue  # a page's breadcrumbs or a label before the year, no body named
        title = match
        break
    if title is not None:
        org = _clean_org(org)
        printed = title.group("org")
        org_start = title.start("org") + (printed.rfind(org) if org in printed else 0)
        review = None
        if re.search(r"[A-Za-z]", org):  # a page's text run into the title (html沭阳县…): no body's name
            review = "the body's name holds Latin letters"
        elif AREA_SUFFIX.search(org):
            org = f"{org}人民政府"
            review = "the title names an area; read as its 人民政府"
        elif len(org) > 30:
            review = "the title line is unusually long for a body's name"
        elif not BODY_SUFFIX.search(org):
            review = "the title's text before the year does not end like a body's name"
        out["organization"] = MetaField(org, org_start, title.end("org"), 0.7 if review else 0.9, review)
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

    organization = out["organization"].value
    out["published_on"] = _published_on(
        norm, organization if isinstance(organization, str) else None, title.end() if title else 0
    )
    return out


def _clean_org(org: str) -> str:
    """The body's name as the title prints it, without a page's breadcrumbs or labels before it."""
    org = re.sub(r"[\s#*《》\"“”]", "", org)
    org = re.split(r"[|>»›/\\：:]|当前位置|您的位置|您现在的位置", org)[-1]
    org = NAV_LABEL.sub("", org)
    return org.strip("，,:：-_")


# a line that names a body signing the report: short, no sentence punctuation, ending like a body's name
BODY_SUFFIX = re.compile(
    r"(?:政府|局|办公室|委员会|委|院|厅|中心|分行|支行|银行|部|处|办|署|所|站|队|会|馆|室|司|社|集团|街道|镇|乡|党委)$"
)
SENTENCE_MARK = re.compile(r"[。，,；;：:！？!?、（）()《》“”\"]")
# a page's own lines after the report: site footer, contact and sharing links
FOOTER = re.compile(
    r"版权所有|网站标识码|标识码|联系我们|ICP|备案|公网安备|主办|承办|协办|技术支持|维护|网站地图|"
    r"打印|关闭|分享|扫一扫|浏览次数|访问量|Copyright|©|地址|电话|邮编|邮箱|纠错|无障碍|返回顶部|【|"
    r"上一篇|下一篇|相关|附件|来源|责任编辑|字号|收藏",
    re.IGNORECASE,
)
# a web page's metadata labels before the report (发布机构 沭阳县发展和改革局 / 公开日期 2024-01-17)
NAV_LABEL = re.compile(
    r"^(?:发布机构|发文机关|发文单位|发布单位|所属机构|所属单位|信息来源|来源|单位|机构|名称|标题|索引号|"
    r"主题分类|分类|生成日期|公开日期|发文日期|成文日期|发布日期|发布时间|公开方式|公开范围|文号|关键词|有效性)"
)
# a web page's publication time, as printed near its title (发布时间：2023-01-20 10:30)
PAGE_TIME = re.compile(
    r"(?:发布时间|发布日期|公开日期|发文日期|成文日期|(?<![\u4e00-\u9fff])时间)\s*[:：]?\s*"
    r"(?P<y>(?:19|20)\d{2})\s*(?:年|[-/.])\s*(?P<m>\d{1,2})\s*(?:月|[-/.])\s*(?P<d>\d{1,2})(?!\d)"
)
# a line holding only a date, perhaps with the weekday or a clock time (a page's header or footer)
DATE_ONLY = re.compile(
    r"(?:19|20)\d{2}\s*(?:年|[-/.])\s*\d{1,2}\s*(?:月|[-/.])\s*\d{1,2}\s*日?"
    r"(?:\s*(?:星期|周)[一二三四五六日天])?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?\s*$"
)
NO_SIGNATURE_DATE = "no signature date; the page's publication time"


@dataclass(slots=True)
class _DateLine:
    value: str
    start: int
    end: int
    signer: str = ""  # the signer's name printed before the date on the same line, if any


def _published_on(norm: str, organization: str | None = None, title_end: int = 0) -> MetaField:
    """The date printed with the signature; certain only where the document pins it as that.

    Certain when the date line stands under a signer's line (a short line naming a body, or the
    title's body) or closes the report's text before the page footer. A date elsewhere is kept
    in review; with no signature date at all, a web page's publication time is taken, flagged.
    """
    page_times = list(PAGE_TIME.finditer(norm))
    lines = _date_lines(norm, page_times)
    certain = [d for d in lines if d.start >= title_end and _pinned(norm, d, organization)]
    if certain:
        chosen = certain[-1]
        others = sorted({d.value for d in certain} - {chosen.value})
        if others:  # a cover letter's date and the report's, or a signed item after the report
            reason = f"several signed dates: {', '.join([*others, chosen.value])}; the last taken"
            return MetaField(chosen.value, chosen.start, chosen.end, 0.7, reason)
        return MetaField(chosen.value, chosen.start, chosen.end, 0.95)
    page = next((m for m in page_times if 1 <= int(m.group("m")) <= 12 and 1 <= int(m.group("d")) <= 31), None)
    loose = [d for d in lines if d.start >= title_end and not _in_footer(norm, d)]
    if loose:
        chosen = loose[-1]
        reason = "the date line does not stand under a signer's line nor closes the report's text"
        if chosen.signer:
            reason = "date read from the end of a line that holds other text"
        if page and _page_value(page) != chosen.value:
            reason += f"; the page's publication time is {_page_value(page)}"
        return MetaField(chosen.value, chosen.start, chosen.end, 0.7, reason)
    if page:
        return MetaField(_page_value(page), page.start("y"), page.end("d"), 0.7, NO_SIGNATURE_DATE)
    return MetaField(None, confidence=0.0, review="no signature date was found")


def _page_value(match: re.Match[str]) -> str:
    return f"{int(match.group('y')):04d}-{int(match.group('m')):02d}-{int(match.group('d')):02d}"


def _date_lines(norm: str, page_times: list[re.Match[str]]) -> list[_DateLine]:
    """Every line that is a date (or a signer's name and a date), in text order, valid dates only;
    not the page's publication time (``page_times``: 发布时间：2024-01-20 is the page's, not signed)."""
    found: list[_DateLine] = []
    for match in [*DATE_LINE.finditer(norm), *NUMERIC_DATE_LINE.finditer(norm)]:
        year, month, day = int(match.group("y")), int(match.group("m")), int(match.group("d"))
        if 1 <= month <= 12 and 1 <= day <= 31:
            found.append(_DateLine(f"{year:04d}-{month:02d}-{day:02d}", match.start("y"), match.end()))
    for match in CN_DATE_LINE.finditer(norm):
        year, month, day = _ymd(match)
        if 1 <= month <= 12 and 1 <= day <= 31:
            found.append(_DateLine(f"{year:04d}-{month:02d}-{day:02d}", match.start("y"), match.end()))
    covered = {d.start for d in found}
    signed = [*SIGNED_LINE_END.finditer(norm), *SIGNED_NUMERIC_END.finditer(norm), *SIGNED_CN_END.finditer(norm)]
    for match in signed:
        year, month, day = _ymd(match)
        line_start = norm.rfind("\n", 0, match.start()) + 1
        signer = norm[line_start : match.start("y")].strip()
        if match.start("y") in covered or not signer or not (1 <= month <= 12 and 1 <= day <= 31):
            continue
        tail = re.split(r"[。！？!?]", signer)[-1].strip()
        if tail != signer and _is_signer(tail, None):
            signer = tail  # a dump that ran the signature into the text's last sentence: 。某某局2024年1月17日
        elif match.start() < len(norm) - 400 and (len(signer) > 40 or SENTENCE_MARK.search(signer)):
            continue  # a sentence ending in a date (the statistics period), not a signature
        found.append(_DateLine(f"{year:04d}-{month:02d}-{day:02d}", match.start("y"), match.end(), signer))
    pages = {m.start("y") for m in page_times}
    return sorted((d for d in found if d.start not in pages), key=lambda d: d.start)


def _pinned(norm: str, date: _DateLine, organization: str | None) -> bool:
    if date.signer:
        return _is_signer(date.signer, organization)
    head, _, before = norm[: date.start].rstrip().rpartition("\n")
    before = before.strip()
    label = head.rstrip().rsplit("\n", 1)[-1].strip()  # the line above the signer: not a page's label
    if _is_signer(before, organization) and not NAV_LABEL.search(label):
        return True
    # no signer: the date closes the text, only page-footer lines after it, and text before it
    after = [line.strip() for line in norm[date.end :].split("\n") if line.strip()]
    return (
        bool(before)
        and not FOOTER.search(before)
        and not _in_footer(norm, date)
        and all(FOOTER.search(line) or DATE_ONLY.match(line) for line in after)
    )


def _is_signer(line: str, organization: str | None) -> bool:
    name = re.sub(r"\s", "", line)
    if not 2 <= len(name) <= 40 or SENTENCE_MARK.search(name) or FOOTER.search(name) or re.search(r"\d", name):
        return False
    if NAV_LABEL.search(name):
        return False
    if organization and (name in organization or organization in name):
        return True
    return bool(BODY_SUFFIX.search(name))


def _in_footer(norm: str, date: _DateLine) -> bool:
    """A date among the page's footer lines (a site's date, not the report's)."""
    if FOOTER.search(date.signer):
        return True
    for line in reversed(norm[: date.start].split("\n")[:-1]):
        line = line.strip()
        if line and not DATE_ONLY.match(line):
            return bool(FOOTER.search(line))
    return False


# a date ending its line, or (a page dumped as one line) followed at once by the site's footer
_AFTER_SIGNED = r"(?:[ \t]*$|(?=\s*(?:主办|承办|版权所有|网站标识码|网站地图|联系我们|技术支持|关闭|打印|【)))"
SIGNED_LINE_END = re.compile(
    r"(?m)(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日" + _AFTER_SIGNED
)
SIGNED_CN_END = re.compile(
    r"(?m)(?P<y>[〇○O零一二三四五六七八九0]{4})\s*年\s*(?P<m>[一二三四五六七八九十]{1,3})\s*月\s*"
    r"(?P<d>[一二三四五六七八九十]{1,3})\s*日" + _AFTER_SIGNED
)
SIGNED_NUMERIC_END = re.compile(
    r"(?m)(?<![\d.])(?P<y>(?:19|20)\d{2})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?![\d.])" + _AFTER_SIGNED
)


def _ymd(match: re.Match[str]) -> tuple[int, int, int]:
    """Year, month and day of a date match, in digits or in Chinese numerals (0 for one that is not)."""
    y, m, d = match.group("y"), match.group("m"), match.group("d")
    if y.isdigit() and m.isdigit() and d.isdigit():
        return int(y), int(m), int(d)
    # a year's 〇 is 0 once normalised; O is a typed 〇
    year = "".join(c if c.isdigit() else "0" if c == "O" else str(CN_DIGITS[c]) for c in y)
    return int(year), chinese_number(m) or 0, chinese_number(d) or 0
