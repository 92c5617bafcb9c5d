"""The document as blocks, and the three statistics tables as grids with merged cells.

Renderers (PDF, Word, HTML, text) all start from ``layout(synthetic, rng)``: a
list of blocks in reading order, where each table is a ``Grid`` of cells with
row and column spans, laid out like the national template.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from gen_prose import conclusion, intro, other_matters, overview, section_heading
from gen_report import Synthetic, format_date

from extractor.template import APPLICANT_COLUMNS, REVIEW_COLUMNS, REVIEW_GROUPS


@dataclass
class GridCell:
    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    role: str = "label"  # header / label / value / group
    key: str | None = None  # dotted key of a value cell


@dataclass
class Grid:
    name: str  # active / applications / reviews
    n_rows: int
    n_cols: int
    cells: list[GridCell]
    header_rows: int
    col_weights: list[float]
    row_keys: dict[int, str] = field(default_factory=dict)  # grid row -> applications row key

    def at(self, row: int, col: int) -> GridCell | None:
        """The cell whose top-left corner is (row, col)."""
        for cell in self.cells:
            if cell.row == row and cell.col == col:
                return cell
        return None

    def covering(self, row: int, col: int) -> GridCell:
        for cell in self.cells:
            if cell.row <= row < cell.row + cell.rowspan and cell.col <= col < cell.col + cell.colspan:
                return cell
        raise KeyError((row, col))

    def row_cells(self, row: int) -> list[GridCell]:
        return sorted((c for c in self.cells if c.row == row), key=lambda c: c.col)


@dataclass
class Block:
    kind: str  # title / heading / para / table / signature
    text: str = ""
    grid: Grid | None = None
    level: int = 1


class _Builder:
    def __init__(self, name: str, n_cols: int, col_weights: list[float]) -> None:
        self.grid = Grid(name, 0, n_cols, [], 0, col_weights)

    def add(self, row: int, col: int, text: str, rowspan: int = 1, colspan: int = 1, **kw: object) -> None:
        self.grid.cells.append(GridCell(row, col, text, rowspan, colspan, **kw))  # type: ignore[arg-type]
        self.grid.n_rows = max(self.grid.n_rows, row + rowspan)


# ---------------------------------------------------------------- labels


def application_labels(syn: Synthetic) -> dict[str, tuple[str, str]]:
    """Row key -> (group label, item label); the group label is "" for rows without a group."""
    st = syn.style
    o, c, sep = st.paren_open, st.paren_close, st.item_sep
    quote = '"三安全一稳定"' if st.ascii_quotes else "“三安全一稳定”"
    prohibited = st.typo_prohibited or "其他法律行政法规禁止公开"
    partial = "部分公开（区分处理的，只计这一情形，不计其他情形）" if st.partial_note else "部分公开"
    groups = {
        "denied": f"{o}三{c}不予公开",
        "unavailable": f"{o}四{c}无法提供",
        "rejected": f"{o}五{c}不予处理",
        "other": f"{o}六{c}其他处理",
    }
    items = {
        "denied_state_secret": "属于国家秘密",
        "denied_prohibited_by_law": prohibited,
        "denied_security_stability": f"危及{quote}",
        "denied_third_party": "保护第三方合法权益",
        "denied_internal_affairs": "属于三类内部事务信息",
        "denied_process_info": "属于四类过程性信息",
        "denied_enforcement_file": "属于行政执法案卷",
        "denied_inquiry": "属于行政查询事项",
        "unavailable_not_held": "本机关不掌握相关政府信息",
        "unavailable_needs_creation": "没有现成信息需要另行制作",
        "unavailable_unclear": "补正后申请内容仍不明确",
        "rejected_petition": "信访举报投诉类申请",
        "rejected_duplicate": "重复申请",
        "rejected_publication": "要求提供公开出版物",
        "rejected_excessive": "无正当理由大量反复申请",
        "rejected_confirmation": "要求行政机关确认或重新出具已获取信息",
        "other_no_correction": "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "other_unpaid_fee": "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
        "other_other": "其他",
    }
    labels: dict[str, tuple[str, str]] = {
        "new_received": ("", "一、本年新收政府信息公开申请数量"),
        "carried_over": ("", "二、上年结转政府信息公开申请数量"),
        "granted": ("", f"{o}一{c}予以公开"),
        "partially_granted": ("", f"{o}二{c}{partial}"),
        "other_handling": ("", groups["other"]),
        "total_processed": ("", f"{o}七{c}总计"),
        "carried_forward": ("", "四、结转下年度继续办理"),
    }
    numbering: dict[str, int] = {}
    for key, text in items.items():
        prefix = key.split("_")[0]
        numbering[prefix] = numbering.get(prefix, 0) + 1
        labels[key] = (groups[prefix], f"{numbering[prefix]}{sep}{text}")
    return {row: labels[row] for row in syn.rows()}


def result_group_label(syn: Synthetic) -> str:
    return "三、本年度办理结束" if syn.style.typo_result else "三、本年度办理结果"


RELATION_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
PART_HEADERS = ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")


# ---------------------------------------------------------------- section 3


def applications_grid(syn: Synthetic) -> Grid:
    """Columns: result group | sub-group | item | seven applicant columns."""
    b = _Builder("applications", 10, [0.55, 1.25, 3.6] + [1.0] * 7)
    b.add(0, 0, RELATION_NOTE, rowspan=3, colspan=3, role="header")
    b.add(0, 3, "申请人情况", colspan=7, role="header")
    b.add(1, 3, "自然人", rowspan=2, role="header")
    b.add(1, 4, "法人或其他组织", colspan=5, role="header")
    b.add(1, 9, "总计", rowspan=2, role="header")
    for i, text in enumerate(PART_HEADERS):
        b.add(2, 4 + i, text, role="header")
    b.grid.header_rows = 3
    labels = application_labels(syn)
    rows = syn.rows()
    row = 3
    outcome_rows = [r for r in rows if r not in ("new_received", "carried_over", "carried_forward")]
    for key in rows:
        group, item = labels[key]
        if key == outcome_rows[0]:
            b.add(row, 0, result_group_label(syn), rowspan=len(outcome_rows), role="group")
        if key in ("new_received", "carried_over", "carried_forward"):
            b.add(row, 0, item, colspan=3)
        elif not group:
            b.add(row, 1, item, colspan=2)
        else:
            members = [r for r in rows if labels[r][0] == group]
            if key == members[0]:
                b.add(row, 1, group, rowspan=len(members), role="group")
            b.add(row, 2, item)
        for i, col in enumerate(APPLICANT_COLUMNS):
            dotted = f"applications.{key}.{col}"
            b.add(row, 3 + i, syn.printed(dotted), role="value", key=dotted)
        b.grid.row_keys[row] = key
        row += 1
    return b.grid


# ---------------------------------------------------------------- section 4

REVIEW_HEADERS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")


def reviews_grid(syn: Synthetic) -> Grid:
    b = _Builder("reviews", 15, [1.0] * 15)
    b.add(0, 0, "行政复议", colspan=5, role="header")
    b.add(0, 5, "行政诉讼", colspan=10, role="header")
    for i, text in enumerate(REVIEW_HEADERS):
        b.add(1, i, text, rowspan=2, role="header")
    b.add(1, 5, "未经复议直接起诉", colspan=5, role="header")
    b.add(1, 10, "复议后起诉", colspan=5, role="header")
    for g in range(2):
        for i, text in enumerate(REVIEW_HEADERS):
            b.add(2, 5 + 5 * g + i, text, role="header")
    b.grid.header_rows = 3
    for g, group in enumerate(REVIEW_GROUPS):
        for i, col in enumerate(REVIEW_COLUMNS):
            dotted = f"reviews_and_lawsuits.{group}.{col}"
            b.add(3, 5 * g + i, syn.printed(dotted), role="value", key=dotted)
    return b.grid


# ---------------------------------------------------------------- section 2


def active_grid(syn: Synthetic) -> Grid:
    st = syn.style
    hv = st.header_variants
    b = _Builder("active", 4, [1.6, 1.3, 1.3, 1.3])
    row = 0

    def heading(text: str) -> None:
        nonlocal row
        b.add(row, 0, text, colspan=4, role="header")
        row += 1

    def header(*texts: str) -> None:
        nonlocal row
        b.add(row, 0, "信息内容", role="header")
        spans = [1] * len(texts)
        spans[-1] = 4 - len(texts)
        col = 1
        for text, span in zip(texts, spans, strict=True):
            b.add(row, col, hv.get(text, text), colspan=span, role="header")
            col += span
        row += 1

    def item(label: str, key: str, fields: tuple[str, ...]) -> None:
        nonlocal row
        b.add(row, 0, label)
        spans = [1] * len(fields)
        spans[-1] = 4 - len(fields)
        col = 1
        for f, span in zip(fields, spans, strict=True):
            dotted = f"active_disclosure.{key}.{f}"
            b.add(row, col, syn.printed(dotted), colspan=span, role="value", key=dotted)
            col += span
        row += 1

    if syn.template == "2021":
        heading("第二十条第（一）项")
        header("本年制发件数", "本年废止件数", "现行有效件数")
        item("规章", "regulations", ("issued", "repealed", "in_force"))
        item(st.normative_label, "normative_documents", ("issued", "repealed", "in_force"))
        heading("第二十条第（五）项")
        header("本年处理决定数量")
        item("行政许可", "licensing", ("decisions",))
        heading("第二十条第（六）项")
        header("本年处理决定数量")
        item("行政处罚", "penalty", ("decisions",))
        item("行政强制", "coercion", ("decisions",))
        heading("第二十条第（八）项")
        header("本年收费金额（单位：万元）")
        item("行政事业性收费", "fees", ("amount_10k_yuan",))
    else:
        service = ("items_last_year", "items_change", "decisions")
        heading("第二十条第（一）项")
        header("本年新制作数量", "本年新公开数量", "对外公开总数量")
        item("规章", "regulations", ("made", "published", "total_published"))
        item(st.normative_label, "normative_documents", ("made", "published", "total_published"))
        heading("第二十条第（五）项")
        header("上一年项目数量", "本年增/减", "处理决定数量")
        item("行政许可", "licensing", service)
        item("其他对外管理服务事项", "other_services", service)
        heading("第二十条第（六）项")
        header("上一年项目数量", "本年增/减", "处理决定数量")
        item("行政处罚", "penalty", service)
        item("行政强制", "coercion", service)
        heading("第二十条第（八）项")
        header("上一年项目数量", "本年增/减")
        item("行政事业性收费", "fees", ("items_last_year", "items_change"))
        heading("第二十条第（九）项")
        amount_header = "采购总金额" if st.procurement_unit != "header" else "采购总金额（元）"
        header("采购项目数量", amount_header)
        item("政府集中采购", "procurement", ("projects", "amount_yuan"))
    return b.grid


# ---------------------------------------------------------------- the whole document


def signature_lines(syn: Synthetic) -> list[str]:
    lines = [syn.signer] if syn.signer else []
    date = syn.report["published_on"]
    if date:
        import datetime as dt

        lines.append(format_date(dt.date.fromisoformat(date), syn.style.date_style))
    return lines


def layout(syn: Synthetic, rng: random.Random) -> list[Block]:
    """The report in reading order: title, prose, headings, the three tables, signature."""
    blocks = [Block("title", syn.title)]
    blocks += [Block("para", text) for text in intro(syn, rng)]
    blocks.append(Block("heading", section_heading(1, rng)))
    for sub, text in overview(syn, rng):
        if sub:
            blocks.append(Block("heading", sub, level=2))
        blocks.append(Block("para", text))
    blocks.append(Block("heading", section_heading(2, rng)))
    blocks.append(Block("table", grid=active_grid(syn)))
    blocks.append(Block("heading", section_heading(3, rng)))
    blocks.append(Block("table", grid=applications_grid(syn)))
    blocks.append(Block("heading", section_heading(4, rng)))
    blocks.append(Block("table", grid=reviews_grid(syn)))
    blocks.append(Block("heading", section_heading(5, rng)))
    blocks += [Block("para", text) for text in conclusion(syn, rng)]
    blocks.append(Block("heading", section_heading(6, rng)))
    blocks += [Block("para", text) for text in other_matters(syn, rng)]
    lines = signature_lines(syn)
    if lines:
        blocks.append(Block("signature", "\n".join(lines)))
    return blocks


def split_grid(grid: Grid, at: int, repeat_header: bool, repeat_labels: bool) -> tuple[Grid, Grid]:
    """Cut a table before grid row ``at``, as a page break does to a table pasted from a PDF.

    A merged cell crossing the cut becomes one cell in each part; the second part
    repeats its text (``repeat_labels``) or leaves it empty, and may repeat the header rows.
    """
    head = grid.header_rows if repeat_header else 0
    first = Grid(grid.name, at, grid.n_cols, [], grid.header_rows, grid.col_weights)
    second = Grid(grid.name, grid.n_rows - at + head, grid.n_cols, [], head, grid.col_weights)
    for cell in grid.cells:
        end = cell.row + cell.rowspan
        if cell.row < at:
            first.cells.append(
                GridCell(cell.row, cell.col, cell.text, min(end, at) - cell.row, cell.colspan, cell.role, cell.key)
            )
        if cell.row < grid.header_rows and repeat_header:
            second.cells.append(
                GridCell(cell.row, cell.col, cell.text, cell.rowspan, cell.colspan, cell.role, cell.key)
            )
        if end > at and cell.row >= grid.header_rows:
            text = cell.text if cell.row >= at or repeat_labels else ""
            start = max(cell.row, at)
            second.cells.append(
                GridCell(start - at + head, cell.col, text, end - start, cell.colspan, cell.role, cell.key)
            )
    first.row_keys = {r: k for r, k in grid.row_keys.items() if r < at}
    second.row_keys = {r - at + head: k for r, k in grid.row_keys.items() if r >= at}
    return first, second


def maybe_split(grid: Grid, rng: random.Random, chance: float) -> list[Grid]:
    """The applications table as one grid, or (with ``chance``) cut in two somewhere in section 三."""
    if grid.name != "applications" or rng.random() >= chance:
        return [grid]
    rows = sorted(grid.row_keys)
    at = rng.choice(rows[6:-4])
    return list(split_grid(grid, at, repeat_header=rng.random() < 0.4, repeat_labels=rng.random() < 0.5))
