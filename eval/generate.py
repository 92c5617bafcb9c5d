"""Generate synthetic 政府信息公开工作年度报告 documents with their gold files.

    python eval/generate.py --out DIR --seed N --count K [--kinds pdf,scan,docx,html,text]

Each synthetic report is a random but internally consistent set of tables
(gen_report), laid out like the national template (gen_layout), and rendered as
one document kind: a born-digital PDF with ruled tables, a scan of one, Word,
a web page, text broken one of the ways the seeds are (gen_text), or (only when
asked for) ``image``, the scanned pages as one long JPEG. The gold
(``<stem>.gold.json``, the gold shape of SCHEMA.md) is the report the document
was rendered from, so it is right by construction. The same seed gives the
same files.

``text`` stands for all text variants in turn; ``text-<variant>`` picks one
(variants: pdftext, tabs, cells, lostcol, markdown, webdump).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
for path in (HERE, HERE.parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from gen_layout import layout  # noqa: E402
from gen_report import Synthetic, make_synthetic  # noqa: E402
from gen_text import ALLOWS, EXTENSIONS, MAX_SCALE, VARIANTS, render_text  # noqa: E402

KINDS: tuple[str, ...] = ("pdf", "scan", "docx", "html", "text")
EXTRA_KINDS: tuple[str, ...] = ("image",)  # not in the default cycle
GENERATOR = "eval/generate.py"


@dataclass
class Generated:
    stem: str
    kind: str
    document: str  # file name
    data: bytes
    gold: dict
    broken: list[str]


def expand_kinds(kinds: list[str]) -> list[str]:
    """``text`` becomes every text variant; anything else must be a kind or ``text-<variant>``."""
    out: list[str] = []
    for kind in kinds:
        if kind == "text":
            out += [f"text-{v}" for v in VARIANTS]
        elif kind in KINDS or kind in EXTRA_KINDS or (kind.startswith("text-") and kind[5:] in VARIANTS):
            out.append(kind)
        else:
            choices = ", ".join([*KINDS, *EXTRA_KINDS, *(f"text-{v}" for v in VARIANTS)])
            raise SystemExit(f"unknown kind {kind!r}: choose from {choices}")
    return out


def _allows(kind: str) -> tuple[bool, bool]:
    if kind.startswith("text-"):
        return ALLOWS[kind[5:]]
    return True, True


def _adjust_style(syn: Synthetic, kind: str, rng: random.Random) -> None:
    """Number formats a kind can carry without becoming ambiguous."""
    style = syn.style
    style.fullwidth = kind in ("html", "text-markdown", "text-pdftext", "text-cells") and rng.random() < 0.2
    if kind == "text-webdump":
        style.thousands = False
    if style.fullwidth:
        syn.notes.append("Numbers are printed with full-width digits (２８).")
    if style.thousands:
        syn.notes.append("Numbers of 1000 and more are printed with thousands separators.")
    if style.cell_notes:
        syn.notes.append("A cell carries a note after its number, e.g. 22（其中修订16件）: the value is the number.")


def generate_one(seed: int, index: int, kind: str) -> Generated:
    rng = random.Random(f"{seed}:{index}:{kind}")
    stem = f"syn{seed}_{index:03d}_{kind}"
    allow_blanks, allow_broken = _allows(kind)
    max_scale = MAX_SCALE.get(kind.removeprefix("text-"), "large")
    syn = make_synthetic(rng, stem, allow_blanks=allow_blanks, allow_broken=allow_broken, max_scale=max_scale)
    _adjust_style(syn, kind, rng)
    blocks = layout(syn, rng)
    accept: dict[str, list] = {}
    notes = list(syn.notes)
    if kind in ("pdf", "scan", "image"):
        from gen_pdf import render_image, render_pdf, render_scan

        data = render_pdf(blocks, rng)
        ext = "pdf"
        if kind == "scan":
            data = render_scan(data, rng)
            notes.append("Image-only scan of a generated PDF (150-200 dpi, tilted up to 1 degree, noise, JPEG).")
        elif kind == "image":
            data = render_image(data, rng)
            ext = "jpg"
            notes.append("One long JPEG of the scanned pages stacked (a 图片版 report).")
        else:
            notes.append("Born-digital PDF with ruled tables; section 3 may continue across a page break.")
    elif kind == "docx":
        from gen_office import render_docx

        data = render_docx(blocks, rng)
        ext = "docx"
        notes.append("Word document; merged cells for group labels (vertical) and headers (horizontal).")
    elif kind == "html":
        from gen_office import render_html

        data, encoding, posted = render_html(blocks, syn, rng)
        ext = "html"
        notes.append(f"Web page ({encoding}) with rowspan/colspan tables; the page shows 发布时间 {posted}.")
        if syn.report["published_on"] is None:
            accept["published_on"] = [posted]
            notes.append("No signature date: the page's 发布时间 is accepted for published_on.")
    else:
        variant = kind[5:]
        text, text_notes = render_text(variant, syn, blocks, rng)
        notes += text_notes
        ext = EXTENSIONS.get(variant, "txt")
        data = text.encode("utf-8")
    document = f"{stem}.{ext}"
    gold = {
        "schema_version": 1,
        "source": document,
        "notes": f"Synthetic report generated by {GENERATOR} (seed {seed}, document {index}, kind {kind}). "
        + " ".join(notes),
        "organization_aliases": syn.aliases,
        "accept": accept,
        "report": syn.report,
    }
    return Generated(stem, kind, document, data, gold, syn.broken)


def generate(seed: int, count: int, kinds: list[str]) -> list[Generated]:
    cycle = expand_kinds(kinds)
    return [generate_one(seed, i, cycle[i % len(cycle)]) for i in range(count)]


def write(out: Path, generated: list[Generated]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for item in generated:
        (out / item.document).write_bytes(item.data)
        gold = json.dumps(item.gold, ensure_ascii=False, indent=2) + "\n"
        (out / f"{item.stem}.gold.json").write_text(gold, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="directory for the documents and gold files")
    parser.add_argument("--seed", type=int, default=0, help="the same seed gives the same files")
    parser.add_argument("--count", type=int, default=24, help="how many documents")
    parser.add_argument(
        "--kinds",
        default=",".join(KINDS),
        help="comma-separated kinds, cycled: pdf, scan, docx, html, text (all text variants), text-<variant>, "
        "image (one long JPEG)",
    )
    args = parser.parse_args(argv)
    generated = generate(args.seed, args.count, [k.strip() for k in args.kinds.split(",") if k.strip()])
    write(args.out, generated)
    for item in generated:
        broken = f"  broken: {', '.join(item.broken)}" if item.broken else ""
        print(f"{item.document}\t{len(item.data):>8} bytes{broken}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
