"""Word (.docx, merged cells via python-docx) and published web pages (HTML with rowspan/colspan)."""

from __future__ import annotations

import datetime as dt
import html
import io
import random
import zipfile

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from gen_layout import Block, Grid, GridCell, maybe_split
from gen_report import Synthetic

FIXED_ZIP_TIME = (2024, 1, 1, 0, 0, 0)

# ---------------------------------------------------------------- Word


def _east_asian(run_or_style: object, font: str) -> None:
    element = run_or_style.element  # type: ignore[attr-defined]
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), font)


def render_docx(blocks: list[Block], rng: random.Random) -> bytes:
    doc = Document()
    body_font = rng.choice(["仿宋_GB2312", "宋体", "仿宋"])
    body_size = rng.choice([12, 14, 16])
    normal = doc.styles["Normal"]
    normal.font.size = Pt(body_size)
    normal.font.name = "Times New Roman"
    _east_asian(normal, body_font)
    table_size = rng.choice([9, 10, 10.5])
    for block in blocks:
        if block.kind == "title":
            p = doc.add_paragraph()
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = p.add_run(block.text)
            run.bold = True
            run.font.size = Pt(18)
            _east_asian(run, "方正小标宋简体")
        elif block.kind == "heading":
            p = doc.add_paragraph()
            p.paragraph_format.first_line_indent = Pt(body_size * 2)
            run = p.add_run(block.text)
            run.bold = block.level == 1
            _east_asian(run, "黑体" if block.level == 1 else "楷体_GB2312")
        elif block.kind == "para":
            p = doc.add_paragraph(block.text)
            p.paragraph_format.first_line_indent = Pt(body_size * 2)
        elif block.kind == "signature":
            for line in block.text.split("\n"):
                p = doc.add_paragraph(line)
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        elif block.kind == "table" and block.grid is not None:
            for i, part in enumerate(maybe_split(block.grid, rng, 0.3)):
                if i:
                    doc.add_paragraph()  # Word keeps two tables apart by a paragraph
                _docx_table(doc, part, table_size)
    props = doc.core_properties
    props.author = "政务公开办"
    props.last_modified_by = "政务公开办"
    props.created = dt.datetime(2024, 1, 1)
    props.modified = dt.datetime(2024, 1, 1)
    props.revision = 1
    buffer = io.BytesIO()
    doc.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _docx_table(doc: object, grid: Grid, size: float) -> None:
    table = doc.add_table(rows=grid.n_rows, cols=grid.n_cols)  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    slots = table._cells  # before any merge: one per grid position (table.cell() rescans the table each call)
    n = grid.n_cols
    for cell in grid.cells:
        target = slots[cell.row * n + cell.col]
        if cell.rowspan > 1 or cell.colspan > 1:
            target = target.merge(slots[(cell.row + cell.rowspan - 1) * n + cell.col + cell.colspan - 1])
        target.text = cell.text
        for paragraph in target.paragraphs:
            if cell.role != "label":
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            for run in paragraph.runs:
                run.font.size = Pt(size)


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite the package with fixed timestamps so a seed gives the same bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


# ---------------------------------------------------------------- HTML


def render_html(blocks: list[Block], syn: Synthetic, rng: random.Random) -> tuple[bytes, str, str]:
    """A published web page: site chrome around the report. Returns (bytes, encoding, the page's 发布时间)."""
    encoding = "gbk" if rng.random() < 0.35 else "utf-8"
    word_style = rng.random() < 0.5  # cells hold <p><span> as pasted from Word
    blank = rng.choice(["&nbsp;", "", "<p>&nbsp;</p>"])
    parts: list[str] = []
    title = next(b.text for b in blocks if b.kind == "title")
    posted = syn.report["published_on"] or f"{syn.report['year'] + 1}-03-15"
    posted_date = dt.date.fromisoformat(posted) + dt.timedelta(days=rng.randint(0, 6))
    for block in blocks:
        if block.kind == "title":
            continue
        text = html.escape(block.text)
        if block.kind == "heading":
            tag = "strong" if block.level == 1 else "span"
            parts.append(f'<p style="text-indent:2em;"><{tag}>{text}</{tag}></p>')
        elif block.kind == "para":
            parts.append(f'<p style="text-indent:2em;">{text}</p>')
        elif block.kind == "signature":
            for line in block.text.split("\n"):
                parts.append(f'<p style="text-align:right;">{html.escape(line)}</p>')
        elif block.kind == "table" and block.grid is not None:
            for i, part in enumerate(maybe_split(block.grid, rng, 0.25)):
                if i:
                    parts.append("<p>&nbsp;</p>")
                parts.append(_html_table(part, word_style, blank, rng))
    meta = (
        '<meta http-equiv="Content-Type" content="text/html; charset=gbk">'
        if encoding == "gbk"
        else '<meta charset="utf-8">'
    )
    site = syn.organization if syn.level in ("city", "county", "district") else syn.place[1] + "人民政府"
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
{meta}
<title>{html.escape(title)}_{html.escape(site)}</title>
<meta name="ArticleTitle" content="{html.escape(title)}">
<link rel="stylesheet" href="/css/common.css">
</head>
<body>
<div class="header"><div class="logo">{html.escape(site)}门户网站</div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/hdjl/">互动交流</a></li><li><a href="/zwfw/">政务服务</a></li></ul></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; 政府信息公开年报</div>
<div class="article">
<h1 class="title">{html.escape(title)}</h1>
<div class="info"><span>发布时间：{posted_date.isoformat()}</span><span>来源：{html.escape(syn.signer or site)}</span>
<span>浏览次数：{rng.randint(50, 3000)}</span></div>
<div class="TRS_Editor">
{chr(10).join(parts)}
</div>
</div>
<div class="footer"><p>主办：{html.escape(site)}办公室　网站标识码：{rng.randint(1000000000, 9999999999)}</p>
<p>ICP备{rng.randint(10000000, 99999999)}号</p></div>
</body>
</html>
"""
    try:
        return page.encode(encoding), encoding, posted_date.isoformat()
    except UnicodeEncodeError:
        page = page.replace(meta, '<meta charset="utf-8">')
        return page.encode("utf-8"), "utf-8", posted_date.isoformat()


def _html_table(grid: Grid, word_style: bool, blank: str, rng: random.Random) -> str:
    rows = []
    use_th = rng.random() < 0.3
    for r in range(grid.n_rows):
        cells = []
        for cell in grid.row_cells(r):
            cells.append(_html_cell(cell, r < grid.header_rows and use_th, word_style, blank))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (
        '<table border="1" cellspacing="0" cellpadding="0" style="border-collapse:collapse;width:100%;">'
        "<tbody>" + "\n".join(rows) + "</tbody></table>"
    )


def _html_cell(cell: GridCell, header: bool, word_style: bool, blank: str) -> str:
    tag = "th" if header else "td"
    attrs = ""
    if cell.rowspan > 1:
        attrs += f' rowspan="{cell.rowspan}"'
    if cell.colspan > 1:
        attrs += f' colspan="{cell.colspan}"'
    if cell.role != "label":
        attrs += ' style="text-align:center;"' if not word_style else ' valign="center"'
    if not cell.text:
        return f"<{tag}{attrs}>{blank}</{tag}>"
    text = html.escape(cell.text)
    if word_style:
        align = "center" if cell.role != "label" else "left"
        text = f'<p style="text-align:{align};"><span style="font-family:宋体;font-size:14px;">{text}</span></p>'
    return f"<{tag}{attrs}>{text}</{tag}>"
