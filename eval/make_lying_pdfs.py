"""Make PDFs whose text layer lies about what the page shows, from a real report in ``gold/``.

Three kinds, each written with a gold file (the source's, renamed) into ``tests/data/lying/``:

- ``*_ocrmypdf.pdf``: every page rendered at 200 dpi into a grey JPEG (an image-only PDF), then
  ``ocrmypdf --language chi_sim``: the text layer is tesseract's reading, with its misreadings.
  Needs Debian's ``ocrmypdf tesseract-ocr tesseract-ocr-chi-sim``.
- ``*_invisible.pdf``: the same page images under an invisible text layer (render mode 3) written
  from the source's own text, with some digits of the table cells changed (1 -> 7, 6 -> 5).
- ``*_tounicode.pdf``: the source PDF itself with the fonts' ToUnicode maps edited so that the
  digits 3 and 8 swap: the page looks exactly as before, its text says otherwise.

Only the pages named by ``--pages`` are kept (by default the title page and the pages with the
tables of the Huai'an report, which keep its gold whole), so the files stay small.

Usage: ``python eval/make_lying_pdfs.py [gold/2024_jiangsu_huaian_city_gov.pdf] [--pages 1,3,4,5]``
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pymupdf

DPI = 200
JPEG_QUALITY = 50
LIES = str.maketrans({"1": "7", "6": "5"})  # what the invisible layer says instead of the printed digit
SWAP = {0x33: 0x38, 0x38: 0x33}  # "3" <-> "8" in the ToUnicode maps


def pages_of(source: Path, out: Path, pages: list[int]) -> None:
    """The source with only ``pages`` (1-based), as it is."""
    with pymupdf.open(source) as src:
        src.select([n - 1 for n in pages])
        src.save(out, garbage=4, deflate=True)


def image_pdf(source: Path, out: Path) -> None:
    """Every page as a grey JPEG at ``DPI``, nothing else: what a scanner gives."""
    with pymupdf.open(source) as src, pymupdf.open() as dst:
        for page in src:
            page_image(dst, page)
        dst.save(out, garbage=4, deflate=True)


def page_image(dst: pymupdf.Document, page: pymupdf.Page) -> pymupdf.Page:
    pix = page.get_pixmap(dpi=DPI, colorspace=pymupdf.csGRAY, alpha=False)
    new = dst.new_page(width=page.rect.width, height=page.rect.height)
    new.insert_image(new.rect, stream=pix.tobytes("jpeg", jpg_quality=JPEG_QUALITY))
    return new


def ocrmypdf(images: Path, out: Path, language: str) -> None:
    if shutil.which("ocrmypdf") is None:
        sys.exit("ocrmypdf is not installed: apt-get install ocrmypdf tesseract-ocr tesseract-ocr-chi-sim")
    options = ["--language", language, "--output-type", "pdf", "--optimize", "0", "--jobs", "1", "--quiet"]
    subprocess.run(["ocrmypdf", *options, str(images), str(out)], check=True)


def invisible_pdf(source: Path, out: Path) -> int:
    """Page images under the source's text drawn invisibly, with digits of numeric spans changed.

    Returns how many spans were changed.
    """
    changed = 0
    with pymupdf.open(source) as src, pymupdf.open() as dst:
        for page in src:
            new = page_image(dst, page)
            for block in page.get_text("dict")["blocks"]:
                for line in block.get("lines", ()):
                    for span in line["spans"]:
                        text = span["text"]
                        if not text.strip():
                            continue
                        if re.fullmatch(r"\s*\d+\s*", text):
                            lie = text.translate(LIES)
                            changed += lie != text
                            text = lie
                        new.insert_text(span["origin"], text, fontsize=span["size"], fontname="china-s", render_mode=3)
        dst.save(out, garbage=4, deflate=True)
    return changed


def tounicode_pdf(source: Path, out: Path) -> int:
    """The source with "3" and "8" swapped in every font's ToUnicode map. Returns the entries changed."""
    changed = 0
    with pymupdf.open(source) as doc:
        seen: set[int] = set()
        for page in doc:
            for font in page.get_fonts():
                kind, value = doc.xref_get_key(font[0], "ToUnicode")
                if kind != "xref" or (xref := int(value.split()[0])) in seen:
                    continue
                seen.add(xref)
                cmap = doc.xref_stream(xref).decode("latin-1")
                swapped, n = _swap_digits(cmap)
                if n:
                    doc.update_stream(xref, swapped.encode("latin-1"))
                    changed += n
        doc.save(out, garbage=4, deflate=True)
    return changed


def _swap_digits(cmap: str) -> tuple[str, int]:
    """Swap the targets of ``bfchar`` entries mapping to "3" and "8" (ranges are left as they are)."""
    count = 0

    def swap(match: re.Match[str]) -> str:
        nonlocal count
        target = int(match.group(2), 16)
        if target not in SWAP:
            return match.group(0)
        count += 1
        return f"{match.group(1)} <{SWAP[target]:04X}>"

    out = re.sub(r"(<[0-9A-Fa-f]+>)\s*<([0-9A-Fa-f]{4})>", swap, cmap)
    return out, count


def write_gold(gold: Path, out: Path, document: Path, note: str) -> None:
    data = json.loads(gold.read_text(encoding="utf-8"))
    data["source"] = document.name
    data.pop("source_path", None)
    data["notes"] = f"{note} The values are those of {gold.name}, the gold of the source document."
    out.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=Path("gold/2024_jiangsu_huaian_city_gov.pdf"))
    parser.add_argument("--out", type=Path, default=Path("tests/data/lying"))
    parser.add_argument("--language", default="chi_sim", help="tesseract language for ocrmypdf")
    parser.add_argument("--pages", default="1,3,4,5", help="pages to keep (1-based, comma-separated)")
    args = parser.parse_args(argv)
    gold = args.source.with_suffix(".json")
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.source.stem

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / args.source.name
        pages_of(args.source, source, [int(n) for n in args.pages.split(",")])
        images = Path(tmp) / f"{stem}_images.pdf"
        image_pdf(source, images)
        target = args.out / f"{stem}_ocrmypdf.pdf"
        ocrmypdf(images, target, args.language)
        write_gold(
            gold,
            target.with_suffix(".gold.json"),
            target,
            f"{args.source.name} (pages {args.pages}) rendered at {DPI} dpi into grey JPEGs, "
            f"then `ocrmypdf --language {args.language}`: the text layer is tesseract's reading.",
        )
        print(f"{target} ({target.stat().st_size // 1024} KB)")

        target = args.out / f"{stem}_invisible.pdf"
        n = invisible_pdf(source, target)
        write_gold(
            gold,
            target.with_suffix(".gold.json"),
            target,
            f"{args.source.name} (pages {args.pages}) rendered at {DPI} dpi under an invisible text layer "
            "of its own text with the digits 1 and 6 of number cells written as 7 and 5.",
        )
        print(f"{target} ({target.stat().st_size // 1024} KB, {n} spans changed)")

        target = args.out / f"{stem}_tounicode.pdf"
        n = tounicode_pdf(source, target)
        write_gold(
            gold,
            target.with_suffix(".gold.json"),
            target,
            f"{args.source.name} (pages {args.pages}) with the digits 3 and 8 swapped in its fonts' ToUnicode maps.",
        )
        print(f"{target} ({target.stat().st_size // 1024} KB, {n} map entries changed)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
