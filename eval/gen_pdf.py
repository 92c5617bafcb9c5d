"""Born-digital PDFs with ruled tables (PyMuPDF drawing), and scans of them.

CJK text uses PyMuPDF's built-in ``china-s`` / ``china-ss`` fonts (no system
font needed); runs of ASCII (digits, ".") use a Latin base-14 font, as Word and
WPS exports do, so numbers have their natural widths. Tables are drawn cell by
cell from the grid: merged cells are one rectangle, labels wrap inside their
cell, a table that does not fit continues on the next page (a merged cell cut
by the page break is drawn in both parts), and every page has a ``- N -`` footer.
"""

from __future__ import annotations

import io
import random
import re
from dataclasses import dataclass

import numpy as np
import pymupdf
from gen_layout import Block, Grid, GridCell
from PIL import Image, ImageFilter

PAGE_W, PAGE_H = 595.28, 841.89
_ASCII_RUN = re.compile(r"[\x20-\x7e]+")
_TOKEN = re.compile(r"[0-9A-Za-z.,%:/\-+]+|.", re.S)


@dataclass
class PdfStyle:
    body_font: str = "china-ss"
    heading_font: str = "china-s"
    latin_font: str = "tiro"
    body_size: float = 12.0
    table_size: float = 9.5
    margin_x: float = 56.0
    margin_top: float = 64.0
    margin_bottom: float = 70.0
    line_width: float = 0.6
    filled_rules: bool = False  # borders as thin filled rectangles instead of stroked paths
    repeat_header: bool = False
    footer: str = "- {n} -"

    @classmethod
    def random(cls, rng: random.Random) -> PdfStyle:
        return cls(
            body_font=rng.choice(["china-ss", "china-s"]),
            latin_font=rng.choice(["tiro", "helv"]),
            body_size=rng.choice([11.0, 12.0, 12.0, 14.0]),
            table_size=rng.choice([9.0, 9.5, 10.0, 10.5]),
            margin_x=rng.uniform(48, 66),
            margin_top=rng.uniform(56, 76),
            line_width=rng.choice([0.5, 0.6, 0.75, 1.0]),
            filled_rules=rng.random() < 0.4,
            repeat_header=rng.random() < 0.4,
            footer=rng.choice(["- {n} -", "- {n} -", "— {n} —", "{n}"]),
        )


def text_width(text: str, size: float, cjk_font: str, latin_font: str) -> float:
    width = 0.0
    pos = 0
    for m in _ASCII_RUN.finditer(text):
        if m.start() > pos:
            width += pymupdf.get_text_length(text[pos : m.start()], fontname=cjk_font, fontsize=size)
        width += pymupdf.get_text_length(m.group(), fontname=latin_font, fontsize=size)
        pos = m.end()
    if pos < len(text):
        width += pymupdf.get_text_length(text[pos:], fontname=cjk_font, fontsize=size)
    return width


def wrap(text: str, width: float, size: float, cjk_font: str, latin_font: str, indent: float = 0.0) -> list[str]:
    """Greedy line breaking: CJK breaks anywhere, an ASCII run (a number) stays whole."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        limit = width - indent
        for token in _TOKEN.findall(paragraph):
            candidate = current + token
            if current and text_width(candidate, size, cjk_font, latin_font) > limit:
                lines.append(current)
                current = token.lstrip()
                limit = width
            else:
                current = candidate
        lines.append(current)
    return lines


class Typesetter:
    """Flows blocks onto A4 pages, top to bottom.

    Drawing is recorded per page and written at the end, one content stream a
    page (PyMuPDF orphans page objects when a page is added).
    """

    def __init__(self, style: PdfStyle) -> None:
        self.style = style
        self.ops: list[list[tuple]] = []
        self.y = 0.0
        self.new_page()

    @property
    def page_count(self) -> int:
        return len(self.ops)

    @property
    def bottom(self) -> float:
        return PAGE_H - self.style.margin_bottom

    @property
    def width(self) -> float:
        return PAGE_W - 2 * self.style.margin_x

    def new_page(self) -> None:
        self.ops.append([])
        self.y = self.style.margin_top

    def put(self, page_no: int, x: float, baseline: float, text: str, size: float, cjk_font: str) -> None:
        pos = 0
        latin = self.style.latin_font
        ops = self.ops[page_no]
        for m in _ASCII_RUN.finditer(text):
            if m.start() > pos:
                chunk = text[pos : m.start()]
                ops.append(("text", x, baseline, chunk, size, cjk_font))
                x += pymupdf.get_text_length(chunk, fontname=cjk_font, fontsize=size)
            ops.append(("text", x, baseline, m.group(), size, latin))
            x += pymupdf.get_text_length(m.group(), fontname=latin, fontsize=size)
            pos = m.end()
        if pos < len(text):
            ops.append(("text", x, baseline, text[pos:], size, cjk_font))

    def rect(self, page_no: int, rect: pymupdf.Rect, filled: bool) -> None:
        self.ops[page_no].append(("fill" if filled else "stroke", rect))

    def finish(self) -> bytes:
        doc = pymupdf.open()
        lw = self.style.line_width
        for ops in self.ops:
            page = doc.new_page(width=PAGE_W, height=PAGE_H)
            shape = page.new_shape()
            for op in ops:
                if op[0] == "stroke":
                    shape.draw_rect(op[1])
            shape.finish(color=(0, 0, 0), width=lw)
            for op in ops:
                if op[0] == "fill":
                    shape.draw_rect(op[1])
            shape.finish(color=None, fill=(0, 0, 0), width=0)
            for op in ops:
                if op[0] == "text":
                    _, x, y, text, size, font = op
                    shape.insert_text((x, y), text, fontname=font, fontsize=size)
            shape.commit()
        return doc.tobytes(garbage=3, deflate=True, no_new_id=True)

    # ------------------------------------------------------------ prose

    def paragraph(self, text: str, size: float, font: str, align: str = "justify", indent_em: float = 2) -> None:
        lead = size * 1.65
        indent = size * indent_em if align == "justify" else 0.0
        lines = wrap(text, self.width, size, font, self.style.latin_font, indent)
        for i, line in enumerate(lines):
            if self.y + lead > self.bottom:
                self.new_page()
            w = text_width(line, size, font, self.style.latin_font)
            if align == "center":
                x = self.style.margin_x + (self.width - w) / 2
            elif align == "right":
                x = PAGE_W - self.style.margin_x - w - size * 2
            else:
                x = self.style.margin_x + (indent if i == 0 else 0)
            self.put(self.page_count - 1, x, self.y + size, line, size, font)
            self.y += lead

    def block(self, block: Block, rng: random.Random) -> None:
        st = self.style
        if block.kind == "title":
            self.y += 10
            self.paragraph(block.text, st.body_size + 6, st.heading_font, align="center")
            self.y += 14
        elif block.kind == "heading":
            if self.y + st.body_size * 4 > self.bottom:  # keep a heading with what follows
                self.new_page()
            self.paragraph(block.text, st.body_size, st.heading_font if block.level == 1 else st.body_font)
        elif block.kind == "para":
            self.paragraph(block.text, st.body_size, st.body_font)
        elif block.kind == "signature":
            self.y += st.body_size * 2
            for line in block.text.split("\n"):
                self.paragraph(line, st.body_size, st.body_font, align="right")
        elif block.kind == "table" and block.grid is not None:
            self.y += 4
            TableDrawer(self, block.grid, rng).draw()
            self.y += 10

    def footers(self) -> None:
        for n in range(1, self.page_count + 1):
            text = self.style.footer.format(n=n)
            size = 10.5
            w = text_width(text, size, "china-s", self.style.latin_font)
            self.put(n - 1, (PAGE_W - w) / 2, PAGE_H - 40, text, size, "china-s")


class TableDrawer:
    def __init__(self, ts: Typesetter, grid: Grid, rng: random.Random) -> None:
        self.ts = ts
        self.grid = grid
        self.size = ts.style.table_size
        self.pad = 2.5
        self.lead = self.size * 1.3
        total = sum(grid.col_weights)
        self.widths = [ts.width * w / total for w in grid.col_weights]
        self.x = [ts.style.margin_x + sum(self.widths[:i]) for i in range(grid.n_cols + 1)]
        self.font = ts.style.body_font
        self.min_row = self.size * 1.3 + 2 * self.pad + rng.choice([0, 2, 4])
        self.repeat_header = ts.style.repeat_header and grid.name == "applications"
        self.keep_together = grid.name == "reviews"

    def lines(self, cell: GridCell) -> list[str]:
        width = self.x[cell.col + cell.colspan] - self.x[cell.col] - 2 * self.pad
        return wrap(cell.text, width, self.size, self.font, self.ts.style.latin_font)

    def row_heights(self) -> list[float]:
        heights = [self.min_row] * self.grid.n_rows
        for cell in self.grid.cells:
            if cell.rowspan == 1:
                need = len(self.lines(cell)) * self.lead + 2 * self.pad
                heights[cell.row] = max(heights[cell.row], need)
        for cell in self.grid.cells:
            if cell.rowspan > 1:
                need = len(self.lines(cell)) * self.lead + 2 * self.pad
                have = sum(heights[cell.row : cell.row + cell.rowspan])
                if need > have:
                    extra = (need - have) / cell.rowspan
                    for r in range(cell.row, cell.row + cell.rowspan):
                        heights[r] += extra
        return heights

    def draw(self) -> None:
        ts, grid = self.ts, self.grid
        heights = self.row_heights()
        hr = grid.header_rows
        first_block = sum(heights[: hr + 1]) if not self.keep_together else sum(heights)
        if ts.y + first_block > ts.bottom:
            ts.new_page()
        place: dict[int, tuple[int, float]] = {}
        header_copies: list[tuple[int, float]] = []
        for r in range(grid.n_rows):
            if r >= hr and ts.y + heights[r] > ts.bottom:
                ts.new_page()
                if self.repeat_header:
                    header_copies.append((ts.page_count - 1, ts.y))
                    ts.y += sum(heights[:hr])
            place[r] = (ts.page_count - 1, ts.y)
            ts.y += heights[r]
        for cell in grid.cells:
            self.draw_cell(cell, place, heights)
        for page_no, y in header_copies:
            copy = {r: (page_no, y + sum(heights[:r])) for r in range(hr)}
            for cell in grid.cells:
                if cell.row < hr:
                    self.draw_cell(cell, copy, heights)

    def draw_cell(self, cell: GridCell, place: dict[int, tuple[int, float]], heights: list[float]) -> None:
        rows = list(range(cell.row, cell.row + cell.rowspan))
        x0, x1 = self.x[cell.col], self.x[cell.col + cell.colspan]
        # one rectangle per page the cell lands on
        segments: list[list[int]] = []
        for r in rows:
            if segments and place[segments[-1][-1]][0] == place[r][0]:
                segments[-1].append(r)
            else:
                segments.append([r])
        for seg in segments:
            page_no = place[seg[0]][0]
            top = place[seg[0]][1]
            bottom = place[seg[-1]][1] + heights[seg[-1]]
            self.rule(page_no, pymupdf.Rect(x0, top, x1, bottom))
        lines = self.lines(cell)
        if not any(lines):
            return
        total = sum(heights[r] for r in rows)
        start = (total - len(lines) * self.lead) / 2
        cumulative = [0.0]
        for r in rows:
            cumulative.append(cumulative[-1] + heights[r])
        for i, line in enumerate(lines):
            v = start + i * self.lead
            k = max(j for j in range(len(rows)) if cumulative[j] <= v + 1e-6) if v > 0 else 0
            page_no, y_row = place[rows[k]]
            y = y_row + (v - cumulative[k])
            w = text_width(line, self.size, self.font, self.ts.style.latin_font)
            if cell.role == "label" and cell.colspan < 3:
                x = x0 + self.pad
            else:
                x = x0 + (x1 - x0 - w) / 2
            self.ts.put(page_no, x, y + self.size * 1.05, line, self.size, self.font)

    def rule(self, page_no: int, rect: pymupdf.Rect) -> None:
        lw = self.ts.style.line_width
        if self.ts.style.filled_rules:
            h = lw / 2
            for r in (
                pymupdf.Rect(rect.x0 - h, rect.y0 - h, rect.x1 + h, rect.y0 + h),
                pymupdf.Rect(rect.x0 - h, rect.y1 - h, rect.x1 + h, rect.y1 + h),
                pymupdf.Rect(rect.x0 - h, rect.y0 - h, rect.x0 + h, rect.y1 + h),
                pymupdf.Rect(rect.x1 - h, rect.y0 - h, rect.x1 + h, rect.y1 + h),
            ):
                self.ts.rect(page_no, r, filled=True)
        else:
            self.ts.rect(page_no, rect, filled=False)


def render_pdf(blocks: list[Block], rng: random.Random) -> bytes:
    ts = Typesetter(PdfStyle.random(rng))
    for block in blocks:
        ts.block(block, rng)
    ts.footers()
    return ts.finish()


def scanned_pages(pdf: bytes, rng: random.Random) -> list[Image.Image]:
    """Each page rendered at 150-200 dpi, tilted up to 1 degree, blurred, noisy, with specks."""
    src = pymupdf.open(stream=pdf, filetype="pdf")
    dpi = rng.choice([150, 150, 160, 180, 200])
    noise = np.random.default_rng(rng.randrange(2**32))
    sigma = rng.uniform(2.5, 6)
    images = []
    for page in src:
        pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
        image = Image.frombytes("L", (pix.width, pix.height), pix.samples)
        if rng.random() < 0.5:
            image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.7)))
        image = image.rotate(rng.uniform(-1.0, 1.0), resample=Image.Resampling.BICUBIC, fillcolor=255)
        pixels = np.asarray(image, dtype=np.float32)
        pixels = pixels * rng.uniform(0.9, 0.97) + rng.uniform(4, 14)  # grey paper, lighter ink
        pixels += noise.normal(0, sigma, pixels.shape)
        specks = noise.random(pixels.shape) < 0.0004
        pixels[specks] = noise.uniform(0, 120, int(specks.sum()))
        images.append(Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)))
    return images


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def render_scan(pdf: bytes, rng: random.Random) -> bytes:
    """Image-only PDF of scanned pages (JPEG), one image a page, no text layer."""
    quality = rng.randint(35, 50)
    out = pymupdf.open()
    for image in scanned_pages(pdf, rng):
        page = out.new_page(width=PAGE_W, height=PAGE_H)
        page.insert_image(page.rect, stream=_jpeg(image, quality))
    return out.tobytes(garbage=3, deflate=True, no_new_id=True)


def render_image(pdf: bytes, rng: random.Random) -> bytes:
    """The whole report as one long JPEG (a 图片版 report posted on a web page): the pages stacked."""
    pages = scanned_pages(pdf, rng)
    width = max(p.width for p in pages)
    gap = rng.randint(0, 30)
    canvas = Image.new("L", (width, sum(p.height for p in pages) + gap * (len(pages) - 1)), 250)
    y = 0
    for page in pages:
        canvas.paste(page, (0, y))
        y += page.height + gap
    return _jpeg(canvas, rng.randint(35, 50))
