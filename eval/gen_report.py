"""Random, internally consistent gold reports (the "truth" every rendering prints).

A ``Synthetic`` holds the gold report in the shape of SCHEMA.md plus what the
renderers need to print it: the organisation's names, the signature, and a
``Style`` of label variants and number formats chosen once per document.
Nothing here knows about PDF, Word or HTML.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from extractor.checks import evaluate
from extractor.report import flatten
from extractor.template import (
    ACTIVE_DISCLOSURE,
    APPLICANT_COLUMNS,
    APPLICANT_PARTS,
    APPLICATION_ROWS,
    OTHER_SUBROWS,
    OUTCOME_ROWS,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
)

# (province, city, [counties / districts of that city])
PLACES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("甘肃省", "金昌市", ("永昌县", "金川区")),
    ("甘肃省", "张掖市", ("甘州区", "临泽县", "高台县", "山丹县")),
    ("江苏省", "淮安市", ("洪泽区", "淮阴区", "涟水县", "盱眙县", "金湖县")),
    ("江苏省", "盐城市", ("亭湖区", "盐都区", "响水县", "阜宁县", "射阳县")),
    ("浙江省", "衢州市", ("柯城区", "衢江区", "常山县", "开化县", "龙游县")),
    ("浙江省", "丽水市", ("莲都区", "青田县", "缙云县", "遂昌县")),
    ("安徽省", "宣城市", ("宣州区", "郎溪县", "泾县", "绩溪县", "旌德县")),
    ("江西省", "赣州市", ("章贡区", "南康区", "信丰县", "大余县", "上犹县")),
    ("河南省", "周口市", ("川汇区", "扶沟县", "西华县", "商水县", "沈丘县")),
    ("湖北省", "宜昌市", ("西陵区", "伍家岗区", "远安县", "兴山县", "秭归县")),
    ("湖南省", "常德市", ("武陵区", "鼎城区", "安乡县", "汉寿县", "澧县")),
    ("四川省", "绵阳市", ("涪城区", "游仙区", "三台县", "盐亭县", "梓潼县")),
    ("四川省", "乐山市", ("市中区", "沙湾区", "犍为县", "井研县", "夹江县")),
    ("贵州省", "遵义市", ("红花岗区", "汇川区", "桐梓县", "绥阳县", "正安县")),
    ("云南省", "曲靖市", ("麒麟区", "沾益区", "陆良县", "师宗县", "罗平县")),
    ("山东省", "潍坊市", ("潍城区", "寒亭区", "临朐县", "昌乐县")),
    ("山东省", "临沂市", ("兰山区", "罗庄区", "沂南县", "郯城县", "沂水县")),
    ("河北省", "邢台市", ("襄都区", "信都区", "临城县", "内丘县", "柏乡县")),
    ("山西省", "晋中市", ("榆次区", "太谷区", "榆社县", "左权县", "和顺县")),
    ("广东省", "韶关市", ("武江区", "浈江区", "曲江区", "始兴县", "仁化县")),
    ("广西壮族自治区", "桂林市", ("秀峰区", "叠彩区", "阳朔县", "灵川县", "全州县")),
    ("新疆维吾尔自治区", "伊犁哈萨克自治州", ("伊宁县", "霍城县", "巩留县", "新源县")),
    ("陕西省", "宝鸡市", ("渭滨区", "金台区", "陈仓区", "凤翔区", "岐山县")),
    ("福建省", "三明市", ("三元区", "沙县区", "明溪县", "清流县", "宁化县")),
)
TOWNS: tuple[str, ...] = ("城关镇", "新华镇", "东风镇", "永安镇", "长乐镇", "石桥镇", "太平乡", "红旗街道")
BUREAUS: tuple[str, ...] = (
    "生态环境局",
    "自然资源和规划局",
    "市场监督管理局",
    "教育局",
    "卫生健康委员会",
    "交通运输局",
    "住房和城乡建设局",
    "人力资源和社会保障局",
    "财政局",
    "农业农村局",
    "民政局",
    "公安局",
    "应急管理局",
    "文化和旅游局",
    "医疗保障局",
    "水利局",
)
PROVINCIAL_DEPARTMENTS: tuple[str, ...] = ("交通运输厅", "教育厅", "民政厅", "水利厅", "自然资源厅", "住房和城乡建设厅")

CN_DIGITS = "〇一二三四五六七八九"
FULLWIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")


@dataclass
class Style:
    """How this document prints labels and numbers; chosen once per document."""

    normative_label: str = "行政规范性文件"
    item_sep: str = "."  # 1.属于国家秘密 / 1、 / 1．
    paren_open: str = "（"
    paren_close: str = "）"
    partial_note: bool = True  # （二）部分公开（区分处理的，只计这一情形，不计其他情形）
    ascii_quotes: bool = False  # "三安全一稳定" instead of “三安全一稳定”
    typo_prohibited: str | None = None  # 其他法律行政止公开 / 其他法律法规禁止公开
    typo_result: bool = False  # 三、本年度办理结束
    header_variants: dict[str, str] = field(default_factory=dict)  # canonical header -> printed header
    thousands: bool = False  # 185,535
    fullwidth: bool = False  # full-width digits in value cells
    cell_notes: dict[str, str] = field(default_factory=dict)  # dotted key -> printed cell text
    fees_unit_in_cell: bool = False  # 748万元
    procurement_unit: str = "元"  # 元 / 万元 / header
    projects_suffix: str = ""  # 24个
    date_style: str = "arabic"  # arabic / spaced / chinese


@dataclass
class Synthetic:
    """One synthetic report: the gold, the printed form of every value, and the words around it."""

    seed: str
    report: dict[str, Any]
    organization: str
    aliases: list[str]
    signer: str | None
    title: str
    level: str  # city / county / district / bureau / town / province_dept
    place: tuple[str, str, str]  # province, city, county-or-empty
    style: Style
    notes: list[str] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)  # rules the "authors" broke
    blank_keys: list[str] = field(default_factory=list)

    @property
    def template(self) -> str:
        return str(self.report["template"])

    @property
    def flat(self) -> dict[str, Any]:
        return flatten(self.report)

    def rows(self) -> list[str]:
        return list(self.report["applications"])

    def printed(self, key: str) -> str:
        """The text of a value cell as this document prints it ("" for a blank cell)."""
        if key in self.style.cell_notes:
            return self.style.cell_notes[key]
        value = self.flat.get(key)
        if value is None:
            return ""
        return format_number(value, key, self.style)


def format_number(value: float | int, key: str, style: Style) -> str:
    if key.endswith("amount_yuan"):
        if style.procurement_unit == "万元":
            text = _plain(round(value / 10000, 2))
        else:
            text = _plain(value)
        if style.procurement_unit in ("元", "万元"):
            text += style.procurement_unit
    else:
        text = _plain(value)
        if style.thousands and abs(value) >= 1000 and "." not in text:
            text = f"{int(value):,}"
        if key.endswith("amount_10k_yuan") and style.fees_unit_in_cell:
            text += "万元"
        if key.endswith("projects") and style.projects_suffix:
            text += style.projects_suffix
    if style.fullwidth:
        text = text.translate(FULLWIDTH)
    return text


def _plain(value: float | int) -> str:
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)


def format_date(date: dt.date, style: str) -> str:
    if style == "chinese":
        year = "".join(CN_DIGITS[int(d)] for d in str(date.year))
        return f"{year}年{_cn_number(date.month)}月{_cn_number(date.day)}日"
    if style == "spaced":
        return f"{date.year} 年 {date.month} 月 {date.day} 日"
    return f"{date.year}年{date.month}月{date.day}日"


def _cn_number(n: int) -> str:
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


# ---------------------------------------------------------------- organisation


def make_organization(rng: random.Random) -> tuple[str, list[str], str | None, str, tuple[str, str, str]]:
    """(organization, aliases, signer, level, place)."""
    province, city, counties = rng.choice(PLACES)
    county = rng.choice(counties)
    level = rng.choices(
        ["city", "county", "district", "bureau", "county_bureau", "town", "province_dept"],
        weights=[22, 18, 10, 22, 10, 8, 6],
    )[0]
    if level == "district" and not county.endswith("区"):
        level = "county"
    city_short = city
    if level == "city":
        org = f"{city_short}人民政府"
        office = f"{city_short}人民政府办公室"
        signer = rng.choice([office, office, org])
        aliases = [office, city_short]
    elif level in ("county", "district"):
        org = rng.choice([f"{county}人民政府", f"{city_short}{county}人民政府"])
        office = f"{county}人民政府办公室"
        signer = rng.choice([office, org])
        aliases = [office, county, f"{county}人民政府", f"{city_short}{county}人民政府"]
    elif level == "bureau":
        org = f"{city_short}{rng.choice(BUREAUS)}"
        signer = org
        aliases = []
    elif level == "county_bureau":
        org = f"{county}{rng.choice(BUREAUS)}"
        signer = org
        aliases = [f"{city_short}{org}"]
    elif level == "town":
        town = rng.choice(TOWNS)
        org = f"{county}{town}" + ("办事处" if town.endswith("街道") else "人民政府")
        signer = org
        aliases = [org.removeprefix(county)]
    else:
        org = f"{province}{rng.choice(PROVINCIAL_DEPARTMENTS)}"
        signer = org
        aliases = []
    aliases = [a for a in dict.fromkeys(aliases) if a != org]
    if rng.random() < 0.15:
        signer = None
    return org, aliases, signer, level, (province, city, county)


# ---------------------------------------------------------------- numbers

_SCALE = {"none": (0, 0), "tiny": (1, 6), "small": (6, 60), "medium": (60, 400), "large": (400, 3500)}
# share of each applicant column and of each outcome row (before noise)
_PART_WEIGHT = {
    "natural_person": 1.0,
    "commercial": 0.12,
    "research": 0.01,
    "social_welfare": 0.02,
    "legal_service": 0.06,
    "other_org": 0.05,
}
_OUTCOME_WEIGHT = {
    "granted": 0.4,
    "partially_granted": 0.08,
    "denied_state_secret": 0.003,
    "denied_prohibited_by_law": 0.01,
    "denied_security_stability": 0.005,
    "denied_third_party": 0.01,
    "denied_internal_affairs": 0.01,
    "denied_process_info": 0.02,
    "denied_enforcement_file": 0.01,
    "denied_inquiry": 0.02,
    "unavailable_not_held": 0.18,
    "unavailable_needs_creation": 0.03,
    "unavailable_unclear": 0.02,
    "rejected_petition": 0.05,
    "rejected_duplicate": 0.03,
    "rejected_publication": 0.005,
    "rejected_excessive": 0.01,
    "rejected_confirmation": 0.01,
    "other_no_correction": 0.03,
    "other_unpaid_fee": 0.002,
    "other_other": 0.04,
    "other_handling": 0.07,
}


def _split(rng: random.Random, total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split ``total`` among the keys: random shares around the weights, many zeros (never the first key)."""
    keys = list(weights)
    noisy = {k: weights[k] * rng.uniform(0.1, 2.0) * (0 if rng.random() < 0.35 and k != keys[0] else 1) for k in keys}
    if sum(noisy.values()) == 0:
        noisy[keys[0]] = 1.0
    counts = dict.fromkeys(keys, 0)
    for _ in range(total) if total < 200 else ():
        counts[rng.choices(keys, weights=[noisy[k] for k in keys])[0]] += 1
    if total >= 200:
        norm = sum(noisy.values())
        for k in keys:
            counts[k] = int(total * noisy[k] / norm)
        counts[max(keys, key=lambda k: noisy[k])] += total - sum(counts.values())
    return counts


def make_applications(rng: random.Random, rows: list[str], scale: str) -> dict[str, dict[str, int]]:
    lo, hi = _SCALE[scale]
    grand = rng.randint(lo, hi)
    per_part = _split(rng, grand, _PART_WEIGHT) if grand else dict.fromkeys(APPLICANT_PARTS, 0)
    outcome_rows = [r for r in OUTCOME_ROWS if r in rows]
    table: dict[str, dict[str, int]] = {r: {} for r in rows}
    for part in APPLICANT_PARTS:
        processed = per_part[part]
        shares = _split(rng, processed, {r: _OUTCOME_WEIGHT[r] for r in outcome_rows}) if processed else {}
        for r in outcome_rows:
            table[r][part] = shares.get(r, 0)
        forward = rng.randint(0, max(0, processed // 8)) if rng.random() < 0.4 else 0
        over = rng.randint(0, max(0, (processed + forward) // 8)) if rng.random() < 0.4 else 0
        table["total_processed"][part] = processed
        table["carried_forward"][part] = forward
        table["carried_over"][part] = over
        table["new_received"][part] = processed + forward - over
    for r in rows:
        table[r]["total"] = sum(table[r][p] for p in APPLICANT_PARTS)
    return {r: {c: table[r][c] for c in APPLICANT_COLUMNS} for r in rows}


def make_reviews(rng: random.Random, scale: str) -> dict[str, dict[str, int]]:
    top = {"none": 0, "tiny": 1, "small": 3, "medium": 8, "large": 60}[scale]
    groups = {}
    for group in REVIEW_GROUPS:
        cap = top if group == "reconsideration" else top // 3
        values = {c: (rng.randint(0, cap) if rng.random() < 0.5 else 0) for c in REVIEW_COLUMNS[:-1]}
        values["total"] = sum(values.values())
        groups[group] = values
    return groups


def _lognormal_int(rng: random.Random, median: float, spread: float = 1.2) -> int:
    return int(rng.lognormvariate(0, spread) * median)


def make_active(rng: random.Random, template: str, level: str) -> dict[str, dict[str, Any]]:
    big = level in ("city", "province_dept")
    makes_rules = level in ("city", "province_dept") and rng.random() < 0.7
    if template == "2021":
        in_force_rules = rng.randint(1, 60) if makes_rules else 0
        normative_in_force = rng.randint(0, 250 if big else 60)
        licensing = _lognormal_int(rng, 20000 if big else 900) if rng.random() < 0.85 else 0
        fees_kind = rng.random()
        if fees_kind < 0.3:
            fees: float | int = 0
        elif fees_kind < 0.55:
            fees = rng.randint(1, 20000)
        else:
            fees = round(rng.uniform(0.5, 20000), rng.choice([2, 2, 4, 5]))
        return {
            "regulations": {
                "issued": rng.randint(0, 5) if makes_rules else 0,
                "repealed": rng.randint(0, 3) if makes_rules else 0,
                "in_force": in_force_rules,
            },
            "normative_documents": {
                "issued": rng.randint(0, min(40, normative_in_force)),
                "repealed": rng.randint(0, 20) if rng.random() < 0.4 else 0,
                "in_force": normative_in_force,
            },
            "licensing": {"decisions": licensing},
            "penalty": {"decisions": _lognormal_int(rng, 2000 if big else 120) if rng.random() < 0.85 else 0},
            "coercion": {"decisions": _lognormal_int(rng, 200 if big else 12) if rng.random() < 0.7 else 0},
            "fees": {"amount_10k_yuan": fees},
        }
    made = rng.randint(0, 30)

    def service() -> dict[str, int]:
        last = rng.randint(0, 300) if rng.random() < 0.8 else 0
        change = rng.randint(-min(last, 8), 8) if rng.random() < 0.4 else 0
        decisions = _lognormal_int(rng, 3000 if big else 200) if last else 0
        return {"items_last_year": last, "items_change": change, "decisions": decisions}

    fee_items = rng.randint(0, 30)
    projects = rng.randint(0, 200)
    amount = round(rng.uniform(1e4, 5e8), 2) if projects else 0
    return {
        "regulations": {"made": rng.randint(0, 5) if makes_rules else 0, "published": 0, "total_published": 0},
        "normative_documents": {"made": made, "published": made, "total_published": made + rng.randint(0, 120)},
        "licensing": service(),
        "other_services": service(),
        "penalty": service(),
        "coercion": service(),
        "fees": {"items_last_year": fee_items, "items_change": rng.randint(-min(fee_items, 3), 3)},
        "procurement": {"projects": projects, "amount_yuan": amount},
    }


# ---------------------------------------------------------------- style


def make_style(rng: random.Random, template: str, active: dict[str, dict[str, Any]]) -> Style:
    style = Style()
    style.normative_label = rng.choice(["规范性文件", "行政规范性文件"])
    style.item_sep = rng.choices([".", "、", "．", ". "], weights=[6, 2, 1, 1])[0]
    if rng.random() < 0.3:
        style.paren_open, style.paren_close = "(", ")"
    style.partial_note = rng.random() < 0.85
    style.ascii_quotes = rng.random() < 0.15
    roll = rng.random()
    style.typo_prohibited = "其他法律行政止公开" if roll < 0.12 else ("其他法律法规禁止公开" if roll < 0.18 else None)
    style.typo_result = rng.random() < 0.06
    if template == "2021":
        for canonical, variant in (("本年制发件数", "本年新制发件数"), ("本年废止件数", "本年度止件数")):
            if rng.random() < 0.08:
                style.header_variants[canonical] = variant
        if rng.random() < 0.1:
            style.header_variants["本年收费金额（单位：万元）"] = "本年度收费金额（单位：万元）"
        style.fees_unit_in_cell = rng.random() < 0.1
        issued = active["normative_documents"]["issued"]
        if issued >= 2 and rng.random() < 0.15:
            style.cell_notes["active_disclosure.normative_documents.issued"] = (
                f"{issued}（其中修订{rng.randint(1, issued - 1)}件）"
            )
    else:
        style.procurement_unit = rng.choice(["元", "元", "万元", "header"])
        style.projects_suffix = rng.choice(["", "", "个", "项"])
        if style.procurement_unit == "万元":
            amount = active["procurement"]["amount_yuan"]
            active["procurement"]["amount_yuan"] = float(round(amount, -2))  # prints exactly in 万元
    style.thousands = rng.random() < 0.2
    style.date_style = rng.choices(["arabic", "spaced", "chinese"], weights=[7, 2, 1])[0]
    return style


# ---------------------------------------------------------------- the report


def make_synthetic(
    rng: random.Random,
    seed: str,
    allow_blanks: bool = True,
    allow_broken: bool = True,
    max_scale: str = "large",
) -> Synthetic:
    """A random report; ``allow_*`` are off for renderings that lose cell positions or lean on the identities."""
    template = "2021" if rng.random() < 0.8 else "2019"
    year = rng.choice([2021, 2022, 2023, 2023, 2024]) if template == "2021" else rng.choice([2019, 2020])
    single_other = template == "2019" or rng.random() < 0.2
    rows = [
        r
        for r in APPLICATION_ROWS
        if not (single_other and r in OTHER_SUBROWS) and not (not single_other and r == "other_handling")
    ]
    org, aliases, signer, level, place = make_organization(rng)
    scale = rng.choices(list(_SCALE), weights=[8, 20, 35, 25, 12])[0]
    if list(_SCALE).index(scale) > list(_SCALE).index(max_scale):
        scale = max_scale
    if level in ("town",) and scale in ("medium", "large"):
        scale = "small"
    active = make_active(rng, template, level)
    style = make_style(rng, template, active)
    published: dt.date | None = dt.date(year + 1, rng.randint(1, 3), rng.randint(1, 28))
    if signer is None or rng.random() < 0.08:
        published = None
    report: dict[str, Any] = {
        "organization": org,
        "year": year,
        "published_on": published.isoformat() if published else None,
        "template": template,
        "active_disclosure": active,
        "applications": make_applications(rng, rows, scale),
        "reviews_and_lawsuits": make_reviews(rng, scale),
    }
    year_text = f" {year} " if rng.random() < 0.3 else str(year)
    title = rng.choice(
        [
            f"{org}{year_text}年政府信息公开工作年度报告",
            f"{org}{year_text}年政府信息公开工作年度报告",
            f"{org}{year_text}年度政府信息公开工作报告",
        ]
    )
    synthetic = Synthetic(
        seed=seed,
        report=report,
        organization=org,
        aliases=aliases,
        signer=signer,
        title=title,
        level=level,
        place=place,
        style=style,
    )
    synthetic.notes.append(
        f"Template {template}"
        + (", （六）其他处理 printed as one row (other_handling)" if single_other and template == "2021" else "")
        + f"; scale {scale}."
    )
    if allow_blanks and rng.random() < 0.25:
        _blank_cells(rng, synthetic)
    if allow_broken and rng.random() < 0.15:
        _break_identity(rng, synthetic)
    return synthetic


def _blank_cells(rng: random.Random, syn: Synthetic) -> None:
    """Leave some cells blank: null in gold (the document does not say blank means zero)."""
    report = syn.report
    choice = rng.choice(["review_group", "zero_columns", "active_row"])
    if choice == "review_group":
        group = rng.choice(list(REVIEW_GROUPS))
        report["reviews_and_lawsuits"][group] = dict.fromkeys(REVIEW_COLUMNS)
        syn.blank_keys += [f"reviews_and_lawsuits.{group}.{c}" for c in REVIEW_COLUMNS]
        syn.notes.append(f"Section 4 prints the {REVIEW_GROUPS[group]} cells blank -> null.")
    elif choice == "zero_columns":
        cols = rng.sample(["research", "social_welfare", "legal_service"], rng.randint(1, 2))
        blanked = []
        for row, values in report["applications"].items():
            if row in ("new_received", "carried_over", "total_processed", "carried_forward"):
                continue
            for col in cols:
                if values[col] == 0:
                    values[col] = None
                    blanked.append(f"applications.{row}.{col}")
        syn.blank_keys += blanked
        syn.notes.append(f"Zero cells of the outcome rows in columns {', '.join(cols)} are printed blank -> null.")
    else:
        item = "regulations" if syn.template == "2021" else rng.choice(["regulations", "other_services"])
        fields = report["active_disclosure"][item]
        for key in fields:
            fields[key] = None
        syn.blank_keys += [f"active_disclosure.{item}.{f}" for f in fields]
        syn.notes.append(f"Section 2 leaves the {ACTIVE_DISCLOSURE[syn.template][item][0]} row blank -> null.")  # type: ignore[index]


def _break_identity(rng: random.Random, syn: Synthetic) -> None:
    """The "authors" misprint one number; the gold keeps what they printed."""
    report = syn.report
    kind = rng.choice(["review_total", "row_total", "column_cell"])
    if kind == "review_total":
        group = rng.choice(list(REVIEW_GROUPS))
        values = report["reviews_and_lawsuits"][group]
        if values["total"] is None:
            return
        if values["total"] == 0:
            values["upheld"] = rng.randint(1, 9)
            what = f"{REVIEW_GROUPS[group]} 结果维持 {values['upheld']} but 总计 0"
        else:
            values["total"] = rng.choice([0, values["total"] + rng.choice([-1, 1, 2])])
            what = f"{REVIEW_GROUPS[group]} 总计 printed {values['total']}"
    elif kind == "row_total":
        row = rng.choice(["granted", "new_received", "unavailable_not_held", "total_processed"])
        values = report["applications"][row]
        values["total"] = values["total"] + rng.choice([1, 2, 10]) if values["total"] is not None else None
        what = f"row {row} prints 总计 {values['total']}"
    else:
        values = report["applications"]["total_processed"]
        values["natural_person"] = values["natural_person"] + rng.choice([1, -1 if values["natural_person"] else 1])
        what = f"（七）总计 自然人 printed {values['natural_person']}"
    failed = [c.rule for c in evaluate(flatten(report)) if c.passed is False]
    syn.broken = failed
    syn.notes.append(
        "Deliberately broken by the report's authors (gold keeps the printed numbers): "
        + what
        + "; broken identities: "
        + ", ".join(failed)
        + "."
    )


def identity_failures(report: dict[str, Any]) -> list[str]:
    return [c.rule for c in evaluate(flatten(report)) if c.passed is False]
