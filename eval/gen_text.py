"""Text the way the seeds are broken: one renderer a breakage family.

``pdftext``  PyMuPDF/pdftotext-like: vertical labels one character per line,
             header words split, wrapped labels with their numbers on another
             line, section 2 interleaved into section 3, page footers between rows.
``tabs``     tab-separated rows copied from Word/HTML: group labels in leading
             cells, the table cut in two with the group label repeated, rows
             that lost their leading tab, a stray extra token on the total row.
``cells``    every cell on its own tab-indented line, rows between blank lines.
``lostcol``  tab rows without group labels, header misaligned, and one column
             lost from every row of 三/四 (the gold keeps the true values).
``markdown`` markdown tables, section 3 split in two with garbled group labels
             and one row shifted one column to the left.
``webdump``  a web page's text: label and cells run together with no or some
             spaces (``一、本年新收政府信息公开申请数量150 000015``), section 4
             as one digit string.

Renderings that need the identities to be read (lost column, stray token,
cells run together) are checked with ``gen_ambiguity`` first.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from gen_ambiguity import (
    insertion_readings,
    removal_readings,
    run_together_readings,
    unique_reading,
    unique_review_reading,
)
from gen_layout import Block, Grid, GridCell
from gen_report import Synthetic

from extractor.template import APPLICANT_COLUMNS

VARIANTS: tuple[str, ...] = ("pdftext", "tabs", "cells", "lostcol", "markdown", "webdump")
EXTENSIONS = {"markdown": "md"}
# largest scale of numbers a variant renders well (lost columns are only restorable in small tables)
MAX_SCALE: dict[str, str] = {"lostcol": "small", "webdump": "medium"}
# (blank cells allowed, deliberately broken identities allowed)
ALLOWS: dict[str, tuple[bool, bool]] = {
    "pdftext": (False, True),
    "tabs": (True, False),
    "cells": (False, True),
    "lostcol": (False, False),
    "markdown": (True, True),
    "webdump": (False, False),
}


@dataclass
class AppRow:
    key: str
    group: str | None  # 三、本年度办理结果, on the row where that merged cell starts
    sub: str | None  # （三）不予公开, on the row where that merged cell starts
    label: str
    values: list[str]


def app_rows(grid: Grid) -> list[AppRow]:
    rows = []
    for r, key in grid.row_keys.items():
        labels = [c for c in grid.row_cells(r) if c.col < 3]
        label = labels[-1]
        group = next((c.text for c in labels if c.col == 0 and c is not label), None)
        sub = next((c.text for c in labels if c.col == 1 and c is not label), None)
        values = [c.text for c in grid.row_cells(r) if c.col >= 3]
        rows.append(AppRow(key, group, sub, label.text, values))
    return rows


def group_of(grid: Grid, r: int, col: int) -> GridCell:
    return grid.covering(r, col)


def grid_rows(grid: Grid) -> list[list[str]]:
    """Each grid row's cells that start on it, texts only."""
    return [[c.text for c in grid.row_cells(r)] for r in range(grid.n_rows)]


def _tables(blocks: list[Block]) -> dict[str, Grid]:
    return {b.grid.name: b.grid for b in blocks if b.kind == "table" and b.grid is not None}


def _num(text: str) -> int:
    return int(text.replace(",", ""))


class TextRenderer:
    def __init__(self, variant: str, syn: Synthetic, blocks: list[Block], rng: random.Random) -> None:
        self.variant = variant
        self.syn = syn
        self.blocks = blocks
        self.rng = rng
        self.notes: list[str] = []
        self.tables = _tables(blocks)
        self.interleave_at = 0  # line of section 3 where section 2 is interleaved (pdftext)

    def render(self) -> str:
        out: list[str] = []
        rng = self.rng
        wrap_width = rng.randint(26, 38) if self.variant == "pdftext" else 0
        joiner = "\n\n" if self.variant == "pdftext" and rng.random() < 0.6 else "\n"
        interleave = self.variant == "pdftext" and rng.random() < 0.5
        pending_active: list[str] = []
        for block in self.blocks:
            if block.kind == "table" and block.grid is not None:
                lines = self.table(block.grid)
                if interleave and block.grid.name == "active":
                    pending_active = lines
                    self.notes.append("Section 2's table is interleaved inside section 3's table.")
                    continue
                if pending_active and block.grid.name == "applications":
                    cut = self._interleave_point(lines)
                    lines = lines[:cut] + pending_active + lines[cut:]
                    pending_active = []
                out += lines
            elif block.kind in ("para", "title") and wrap_width:
                text = block.text
                out += [text[i : i + wrap_width] for i in range(0, len(text), wrap_width)]
            elif block.kind == "heading" and self.variant == "markdown":
                out.append(("## " if block.level == 1 else "### ") + block.text)
            elif block.kind == "title" and self.variant == "markdown":
                out.append("# " + block.text)
            else:
                out += block.text.split("\n")
            if self.variant == "markdown":
                out.append("")
        return joiner.join(out).rstrip() + "\n"

    def _interleave_point(self, lines: list[str]) -> int:
        return self.interleave_at or len(lines)

    def table(self, grid: Grid) -> list[str]:
        return getattr(self, f"{self.variant}_{grid.name}")(grid)

    # ------------------------------------------------------------ shared pieces

    def simple_rows(self, grid: Grid, sep: str) -> list[str]:
        return [sep.join(cells) for cells in grid_rows(grid)]

    def tab_rows(self, grid: Grid, full_width: bool = True) -> list[str]:
        """Tab-separated, a merged cell as its text then empty fields for the columns it spans."""
        lines = []
        for r in range(grid.n_rows):
            fields = []
            for col in range(grid.n_cols):
                cell = grid.covering(r, col)
                fields.append(cell.text if (cell.row == r and cell.col == col) else "")
            while not full_width and fields and not fields[-1]:
                fields.pop()
            lines.append("\t".join(fields))
        return lines

    # ------------------------------------------------------------ pdftext

    def pdftext_active(self, grid: Grid) -> list[str]:
        return self.simple_rows(grid, " ")

    def _split_word(self, word: str) -> list[str]:
        if len(word) <= 3 or self.rng.random() < 0.3:
            return [word]
        cut = self.rng.randint(2, len(word) - 1)
        return [word[:cut], word[cut:]]

    def pdftext_applications(self, grid: Grid) -> list[str]:
        rng = self.rng
        note = grid.at(0, 0).text  # type: ignore[union-attr]
        cut = rng.randint(12, len(note) - 8)
        lines = [note[:cut], note[cut:], "申请人情况"]
        lines += [*self._split_word("自然人"), "法人或其他组织"]
        parts = [w for word in ("商业企业", "科研机构", "社会公益组织", "法律服务机构") for w in self._split_word(word)]
        lines += ["总计" + parts[0], *parts[1:], "其他"]
        width = rng.randint(13, 18)
        footer_at = rng.randint(14, 20)
        self.notes.append(
            "pdftext: vertical merged labels one character per line, header words split, "
            "wrapped labels with their numbers on another line, a page footer between rows."
        )
        rows = app_rows(grid)
        wrapped = [len(row.label) > width for row in rows]
        for i, row in enumerate(rows):
            if row.key in ("denied_enforcement_file", "unavailable_not_held") and not self.interleave_at:
                self.interleave_at = len(lines)
            if i == footer_at:
                lines.append(f"- {rng.randint(2, 4)} -")
            if row.group:
                lines += list(row.group)
            if row.sub:
                sub = row.sub
                lines += [sub[:4], sub[4:]] if len(sub) > 5 else [sub]
            numbers = " ".join(row.values)
            if wrapped[i]:
                pieces = [row.label[j : j + width] for j in range(0, len(row.label), width)]
                # numbers before their wrapped label, only between two rows printed on one line each
                between_inline = 0 < i < len(rows) - 1 and not wrapped[i - 1] and not wrapped[i + 1]
                if between_inline and not row.group and not row.sub and i != footer_at and rng.random() < 0.3:
                    lines += [numbers, *pieces]
                else:
                    lines += [*pieces, numbers]
            else:
                lines.append(f"{row.label} {numbers}")
        return lines

    def pdftext_reviews(self, grid: Grid) -> list[str]:
        lines = ["行政复议 行政诉讼"]
        block = [w for h in ("结果维持", "结果纠正", "其他结果", "尚未审结") for w in (h[:2], h[2:])] + ["总计"]
        lines += [*block, "未经复议直接起诉 复议后起诉", *block, *block]
        values = [c.text for c in grid.row_cells(3)]
        lines.append(" ".join(values))
        return lines

    # ------------------------------------------------------------ tabs

    def tabs_active(self, grid: Grid) -> list[str]:
        return self.tab_rows(grid)

    def tabs_applications(self, grid: Grid) -> list[str]:
        rng = self.rng
        lines = self.tab_rows(grid)[: grid.header_rows]
        rows = app_rows(grid)
        stray = self._stray_token(rows)
        split_at = rng.randint(12, len(rows) - 6)
        result_label = next(r.group for r in rows if r.group)
        sub_by_row = {}
        current_sub = None
        for r, row in zip(grid.row_keys, rows, strict=True):
            cell = grid.covering(r, 1)
            current_sub = cell.text if cell.col == 1 and cell.colspan == 1 else None
            sub_by_row[row.key] = current_sub
        for i, row in enumerate(rows):
            values = stray if (stray and row.key == "total_processed") else row.values
            if row.key in ("new_received", "carried_over", "carried_forward"):
                fields = [row.label, "", "", *values]
            elif row.sub is None and sub_by_row[row.key] is None:
                fields = [row.group or "", row.label, "", *values]
            else:
                fields = [row.group or "", row.sub or "", row.label, *values]
            if i == split_at:
                lines.append("")
                group = result_label if row.key not in ("carried_forward",) else ""
                fields[0] = fields[0] or group
                if sub_by_row[row.key] and not fields[1]:
                    fields[1] = sub_by_row[row.key]
                self.notes.append("tabs: section 3 is cut in two blocks; the group label is repeated on the second.")
            line = "\t".join(fields)
            if line.startswith("\t") and rng.random() < 0.15:
                line = line.lstrip("\t")  # the row lost its leading tabs
            lines.append(line)
        return lines

    def _stray_token(self, rows: list[AppRow]) -> list[str] | None:
        """The total row printed with one stray extra number, if that stays readable."""
        if self.rng.random() < 0.4 or any(not v for r in rows for v in r.values):
            return None
        total = next(r for r in rows if r.key == "total_processed")
        base = {r.key: {tuple(_num(v) for v in r.values)} for r in rows}
        positions = list(range(1, 7))
        self.rng.shuffle(positions)
        for pos in positions:
            token = self.rng.choice(["0", total.values[pos - 1]])
            printed = [*total.values[:pos], token, *total.values[pos:]]
            readings = dict(base)
            readings["total_processed"] = removal_readings([_num(v) for v in printed])
            if unique_reading(readings):
                self.notes.append(
                    f"The （七）总计 row prints 8 numbers ({' '.join(printed)}): one stray extra token; "
                    "the gold holds the 7 real values (the identities leave one reading)."
                )
                return printed
        return None

    def tabs_reviews(self, grid: Grid) -> list[str]:
        return self.tab_rows(grid)

    # ------------------------------------------------------------ cells (one per line)

    def _cells_lines(self, grid: Grid) -> list[str]:
        lines = []
        for r in range(grid.n_rows):
            for cell in grid.row_cells(r):
                lines.append("\t" + cell.text)
            lines.append("")
        return lines

    def cells_active(self, grid: Grid) -> list[str]:
        return self._cells_lines(grid)

    def cells_applications(self, grid: Grid) -> list[str]:
        self.notes.append("cells: every table cell on its own tab-indented line.")
        return self._cells_lines(grid)

    def cells_reviews(self, grid: Grid) -> list[str]:
        return self._cells_lines(grid)

    # ------------------------------------------------------------ lostcol

    def lostcol_active(self, grid: Grid) -> list[str]:
        return self.tab_rows(grid, full_width=False)

    def lostcol_applications(self, grid: Grid) -> list[str]:
        rows = app_rows(grid)
        lines = [
            "\t\t申请人情况",
            "\t\t自然人\t法人或其他组织",
            "商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t总计",
        ]
        lost = self._lost_column(rows)
        for row in rows:
            values = row.values
            if lost is not None and row.key not in ("new_received", "carried_over"):
                values = values[:lost] + values[lost + 1 :]
            lines.append("\t".join([row.label, *values]))
        return lines

    def _lost_column(self, rows: list[AppRow]) -> int | None:
        positions = [1, 2, 3, 4, 5]
        self.rng.shuffle(positions)
        affected = [r for r in rows if r.key not in ("new_received", "carried_over")]
        positions.sort(key=lambda p: any(_num(r.values[p]) for r in affected))  # an empty column first
        for lost in positions:
            readings = {}
            for row in rows:
                numbers = [_num(v) for v in row.values]
                if row.key in ("new_received", "carried_over"):
                    readings[row.key] = {tuple(numbers)}
                else:
                    readings[row.key] = insertion_readings(numbers[:lost] + numbers[lost + 1 :])
            if unique_reading(readings):
                self.notes.append(
                    f"lostcol: group labels missing, header misaligned; every row from （一） to 四 prints 6 numbers "
                    f"(the {APPLICANT_COLUMNS[lost]} column was lost). The gold holds the true values, which the "
                    "identities restore uniquely."
                )
                return lost
        self.notes.append("lostcol: group labels missing, header misaligned (no column could be lost unambiguously).")
        return None

    def lostcol_reviews(self, grid: Grid) -> list[str]:
        return self.tab_rows(grid, full_width=False)

    # ------------------------------------------------------------ markdown

    @staticmethod
    def _md(rows: list[list[str]]) -> list[str]:
        width = max(len(r) for r in rows)
        out = []
        for i, row in enumerate(rows):
            row = row + [""] * (width - len(row))
            out.append("| " + " | ".join(row) + " |")
            if i == 0:
                out.append("|" + "|".join(["---"] * width) + "|")
        return out

    def markdown_active(self, grid: Grid) -> list[str]:
        rows = []
        for r in range(grid.n_rows):
            rows.append([grid.covering(r, c).text if grid.covering(r, c).col == c else "" for c in range(4)])
        return self._md(rows)

    def markdown_applications(self, grid: Grid) -> list[str]:
        rng = self.rng
        rows = app_rows(grid)
        header = [
            [grid.at(0, 0).text, "", "申请人情况", "", "", "", "", "", "总计"],  # type: ignore[union-attr]
            ["", "", "自然人", "法人或其他组织", "", "", "", "", ""],
            ["", "", "", *("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"), ""],
        ]
        first: list[list[str]] = list(header)
        second: list[list[str]] = []
        split_at = rng.randint(8, len(rows) - 8)
        shift_key = rng.choice([r.key for r in rows[split_at:] if all(r.values)] or [None])
        for i, row in enumerate(rows):
            if i < split_at:
                if row.key in ("new_received", "carried_over"):
                    first.append([row.label[:2], row.label[2:], *row.values])
                    continue
                group = (row.group or "").replace("、", "、<br>", 1)
                if row.sub:
                    first.append([group, row.sub, *[""] * 7])
                    group = ""
                first.append([group, row.label, *row.values])
            else:
                if i == split_at:
                    garble = (row.group or "三、本年度办理结果")[-2:], (row.sub or "")[-1:]
                    second.append([garble[0], garble[1], row.label, *row.values])
                    continue
                fields = ["", row.sub or "", row.label, *row.values]
                if row.key == shift_key:
                    fields = ["", row.label, *row.values, ""]
                    self.notes.append(
                        f"markdown: the {row.key} row is shifted one column to the left (its first number sits "
                        "in the label column, the last column is empty)."
                    )
                second.append(fields)
        self.notes.append("markdown: section 3 is split into two tables; the second has garbled group labels.")
        return [*self._md(first), "", *self._md(second)]

    def markdown_reviews(self, grid: Grid) -> list[str]:
        rows = []
        for r in range(grid.n_rows):
            rows.append([grid.covering(r, c).text if grid.covering(r, c).col == c else "" for c in range(15)])
        return self._md(rows)

    # ------------------------------------------------------------ webdump

    def webdump_active(self, grid: Grid) -> list[str]:
        return ["".join(cells) if len(cells) < 2 else cells[0] + " ".join(cells[1:]) for cells in grid_rows(grid)]

    def webdump_applications(self, grid: Grid) -> list[str]:
        rng = self.rng
        rows = app_rows(grid)
        gaps = {r.key: [rng.random() < 0.45 for _ in range(6)] for r in rows}
        while True:
            readings = {r.key: run_together_readings(_chunks(r.values, gaps[r.key])) for r in rows}
            if unique_reading(readings):
                break
            ambiguous = [r.key for r in rows if len(readings[r.key]) != 1 and not all(gaps[r.key])]
            key = rng.choice(ambiguous or [r.key for r in rows if not all(gaps[r.key])])
            closed = [i for i, g in enumerate(gaps[key]) if not g]
            gaps[key][rng.choice(closed)] = True
        lines = ["申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他"]
        for row in rows:
            lines.append((row.group or "") + (row.sub or "") + row.label + " ".join(_chunks(row.values, gaps[row.key])))
        self.notes.append(
            "webdump: label and cells run together with no or some spaces; the identities leave one reading."
        )
        return lines

    def webdump_reviews(self, grid: Grid) -> list[str]:
        rng = self.rng
        values = [c.text for c in grid.row_cells(3)]
        gaps = [False] * 14 if all(len(v) == 1 for v in values) else [rng.random() < 0.5 for _ in range(14)]
        while not unique_review_reading(_chunks(values, gaps)):
            gaps[rng.choice([i for i, g in enumerate(gaps) if not g])] = True
        return [
            "行政复议行政诉讼",
            "结果维持结果纠正其他结果尚未审结总计未经复议直接起诉复议后起诉",
            "结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计",
            " ".join(_chunks(values, gaps)),
        ]


def _chunks(values: list[str], gaps: list[bool]) -> list[str]:
    """Join cell texts; a True gap puts a space between two cells, a False one runs them together."""
    chunks = [values[0]]
    for value, gap in zip(values[1:], gaps, strict=True):
        if gap:
            chunks.append(value)
        else:
            chunks[-1] += value
    return chunks


def render_text(variant: str, syn: Synthetic, blocks: list[Block], rng: random.Random) -> tuple[str, list[str]]:
    renderer = TextRenderer(variant, syn, blocks, rng)
    text = renderer.render()
    return text, renderer.notes
