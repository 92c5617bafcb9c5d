"""Loader benchmark: milliseconds per page, our loader beside the bare libraries, all in one run.

Born-digital pages: the whole extraction (``load_pdf``: text layer, ruled tables rebuilt into rows;
then the parser, the checks and the result) beside bare PyMuPDF ``page.get_text()`` and
pdfplumber ``page.extract_tables()`` on the same pages.
Scanned pages: the loader's OCR path (render at 200 dpi, straighten, find the rules, OCR, cells,
second looks) beside bare RapidOCR on the very images the loader renders.

Targets: loader within 5x of bare get_text(); at least 5x faster than pdfplumber's
extract_tables(); OCR path within 1.15x of bare RapidOCR. Times are the best of ``--repeat``
runs (the least disturbed by other work on the machine); the two sides of each comparison run
interleaved. Run: ``python eval/bench.py`` (``--help`` for options).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TARGET_TEXT = 5.0  # loader / get_text
TARGET_PLUMBER = 5.0  # pdfplumber / loader
TARGET_OCR = 1.15  # OCR path / bare RapidOCR


def gold_pdfs_dir() -> Path:
    return REPO / "gold"


def best_of(repeat: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


# ---------------------------------------------------------------- born-digital


def bench_text(paths: list[Path], repeat: int) -> list[tuple[str, int, float, float, float]]:
    import pdfplumber
    import pymupdf

    from extractor.load.pdf import load_pdf
    from extractor.pipeline import ExtractOptions, extract_document

    options = ExtractOptions(llm="never")

    rows = []
    for path in paths:
        data = path.read_bytes()
        pages = pymupdf.open(stream=data, filetype="pdf").page_count

        def ours(path: Path = path, data: bytes = data) -> object:
            # the whole extraction: load, parse, checks, result
            return extract_document(load_pdf(path, data), options, path)

        def bare(data: bytes = data) -> object:
            with pymupdf.open(stream=data, filetype="pdf") as doc:
                return [page.get_text() for page in doc]

        def plumber(data: bytes = data) -> object:
            with pdfplumber.open(io.BytesIO(data)) as pdf:
                return [page.extract_tables() for page in pdf.pages]

        ours(), bare()  # warm caches and imports
        ours_s = bare_s = float("inf")
        for _ in range(repeat):  # interleaved, so both sides meet the same machine load
            ours_s = min(ours_s, best_of(1, ours))
            bare_s = min(bare_s, best_of(1, bare))
        plumber_s = best_of(max(1, repeat // 3), plumber)
        rows.append((path.name, pages, ours_s / pages * 1000, bare_s / pages * 1000, plumber_s / pages * 1000))
    return rows


# ---------------------------------------------------------------- scans


def scanned_pdf(sources: list[tuple[Path, int]], angle: float = 0.6, seed: int = 3) -> bytes:
    """Image-only pages made from corpus pages: rendered at 200 dpi, turned slightly, with noise, as JPEG."""
    import numpy as np
    import pymupdf
    from PIL import Image, ImageFilter

    rng = np.random.default_rng(seed)
    out = pymupdf.open()
    for path, number in sources:
        page = pymupdf.open(path)[number]
        pix = page.get_pixmap(dpi=200, colorspace=pymupdf.csGRAY)
        image = Image.frombytes("L", (pix.width, pix.height), pix.samples)
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
        pixels = np.asarray(image).astype(np.float32) + rng.normal(0, 6, (pix.height, pix.width))
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.4))
        buf = io.BytesIO()
        image.save(buf, format="JPEG", quality=85)
        new = out.new_page(width=page.rect.width, height=page.rect.height)
        new.insert_image(new.rect, stream=buf.getvalue())
    return out.tobytes()


def bench_scan(sources: list[tuple[Path, int]], repeat: int) -> list[tuple[str, float, float, float, float]]:
    """Per scanned page: (name, loader wall ms, bare wall ms, loader CPU ms, bare CPU ms), best of ``repeat``."""
    import numpy as np
    import pymupdf
    from rapidocr_onnxruntime import RapidOCR

    from extractor.load import ocr
    from extractor.load.pdf import read_page, render_gray

    doc = pymupdf.open(stream=scanned_pdf(sources), filetype="pdf")
    bare_engine = RapidOCR()  # its own instance, default settings
    warm = np.full((200, 600), 255, np.uint8)
    warm[80:120, 100:500] = 0
    ocr.engine()(np.dstack([warm] * 3))
    bare_engine(np.dstack([warm] * 3))
    rows = []
    for (path, number), page in zip(sources, doc, strict=True):
        image = render_gray(page)  # the image the loader OCRs
        bgr = np.ascontiguousarray(np.dstack([image] * 3))
        best = {"ours": [float("inf"), float("inf")], "bare": [float("inf"), float("inf")]}
        runs: list[tuple[str, Callable[[], object]]] = [
            ("ours", lambda page=page: read_page(page)),
            ("bare", lambda bgr=bgr: bare_engine(bgr)),
        ]
        for i in range(repeat):  # alternate which side goes first
            for name, run in runs if i % 2 == 0 else runs[::-1]:
                wall, cpu = time.perf_counter(), time.process_time()
                run()
                best[name][0] = min(best[name][0], time.perf_counter() - wall)
                best[name][1] = min(best[name][1], time.process_time() - cpu)
        ours, bare = best["ours"], best["bare"]
        rows.append((f"{path.stem} p{number + 1}", ours[0] * 1000, bare[0] * 1000, ours[1] * 1000, bare[1] * 1000))
    return rows


# ---------------------------------------------------------------- report


def _scan_line(name: str, ours: float, bare: float, ours_cpu: float, bare_cpu: float) -> str:
    cpu = f"{ours_cpu:8.0f} {bare_cpu:8.0f} {ours_cpu / bare_cpu:5.2f}x"
    return f"{name:42} {ours:9.0f} {bare:9.0f} {ours / bare:5.2f}x   {cpu}"


def _text_line(name: str, pages: int, ours: float, bare: float, plumber: float) -> str:
    return f"{name:42} {pages:5d} {ours:8.2f} {bare:9.2f} {ours / bare:5.1f}x {plumber:11.1f} {plumber / ours:6.1f}x"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="*", type=Path, help="born-digital PDFs (default: the real PDFs in gold/)")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per born-digital file (best is kept)")
    parser.add_argument("--scan-repeat", type=int, default=1, help="timed runs per scanned page")
    parser.add_argument("--scan-pages", type=int, default=2, help="scanned pages to time (0: skip the OCR part)")
    args = parser.parse_args(argv)
    paths = args.pdfs or sorted(gold_pdfs_dir().glob("*.pdf"))
    if not paths:
        parser.error(f"no PDFs given and none in {gold_pdfs_dir()}")

    text_rows = bench_text(paths, args.repeat)
    print(f"Born-digital pages (ms/page, best of {args.repeat})")
    print(f"{'file':42} {'pages':>5} {'extract':>8} {'get_text':>9} {'ratio':>6} {'pdfplumber':>11} {'faster':>7}")
    for name, pages, ours, bare, plumber in text_rows:
        print(_text_line(name, pages, ours, bare, plumber))
    total_pages = sum(r[1] for r in text_rows)
    ours_ms = sum(r[2] * r[1] for r in text_rows) / total_pages
    bare_ms = sum(r[3] * r[1] for r in text_rows) / total_pages
    plumber_ms = sum(r[4] * r[1] for r in text_rows) / total_pages
    text_ratio, plumber_ratio = ours_ms / bare_ms, plumber_ms / ours_ms
    print(_text_line("all", total_pages, ours_ms, bare_ms, plumber_ms))

    checks = [
        (f"extraction within {TARGET_TEXT:g}x of get_text()", text_ratio <= TARGET_TEXT, f"{text_ratio:.2f}x"),
        (
            f"extraction {TARGET_PLUMBER:g}x faster than pdfplumber",
            plumber_ratio >= TARGET_PLUMBER,
            f"{plumber_ratio:.1f}x",
        ),
    ]
    if args.scan_pages:
        candidates = [
            (p, n) for p in paths for n in (2, 3) if p.name.startswith(("2023_jiangsu", "2024_jiangsu_huaian_city"))
        ] or [(paths[0], 0)]
        sources = candidates[: args.scan_pages]
        scan_rows = bench_scan(sources, args.scan_repeat)
        print(f"\nScanned pages (ms/page, 200 dpi, best of {args.scan_repeat}; CPU time beside wall time)")
        print(f"{'page':42} {'loader':>9} {'RapidOCR':>9} {'ratio':>6}   {'CPU':>8} {'CPU':>8} {'ratio':>6}")
        for name, ours, bare, ours_cpu, bare_cpu in scan_rows:
            print(_scan_line(name, ours, bare, ours_cpu, bare_cpu))
        means = [statistics.fmean(r[k] for r in scan_rows) for k in range(1, 5)]
        scan_ratio = means[0] / means[1]
        print(_scan_line("all", *means))
        what = f"OCR path within {TARGET_OCR:g}x of bare RapidOCR"
        checks.append((what, scan_ratio <= TARGET_OCR, f"{scan_ratio:.2f}x"))

    print()
    for what, ok, value in checks:
        print(f"{'PASS' if ok else 'MISS'}  {what}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
