"""Benchmark: where users wait and what the machine pays, ours beside the bare libraries, in one run.

1. Born-digital pages: CPU ms per page of the whole extraction (``load_pdf``, parser, checks, result)
   beside bare PyMuPDF ``page.get_text()`` and pdfplumber ``page.extract_tables()`` on the same pages.
2. One report through the CLI (``extractor extract``, a fresh process: imports included), PDF and text:
   CPU and wall.
3. Scans: a whole real report rendered at 200 dpi into an image-only PDF, through the CLI, beside bare
   RapidOCR with its default settings over all its pages at 200 dpi (also a fresh process).
4. Batches: 48 PDFs with ``--jobs 2`` against ``--jobs 1``, in pairs (``--batch-runs``), each pair's wall ratio.
5. Memory: the main process's peak RSS over 1,000 text documents (``--out``, ``--jobs 2``).
6. LLM: requests and tokens per document (every section asked) against a loopback server that answers
   every field with null and counts tokens from the text it receives (CJK characters one token each,
   other characters four to a token).

CPU time is user + system of the child processes (``resource.getrusage``), beside wall time; the
machine's load moves wall time far more than CPU time. Run: ``python eval/bench.py`` (``--help``); the
scan part alone, in three pairs: ``python eval/bench.py --scan-only --scan-runs 3``; the batch part
alone, in five pairs: ``python eval/bench.py --batch-only --batch-runs 5``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

GOLD = REPO / "gold"
REAL_REPORT = GOLD / "2024_jiangsu_huaian_city_gov.pdf"
TEXT_REPORT = REPO / "extractor" / "samples" / "jinchang_2022_report.txt"
SCAN_DPI = 200

TARGET_TEXT = 5.0  # extraction CPU / get_text CPU, per page
TARGET_PLUMBER = 5.0  # pdfplumber / extraction
TARGET_ONE_PDF_CPU = 1.2  # seconds of CPU for one 6-page born-digital report through the CLI
TARGET_SCAN = 0.4  # scan CPU / bare RapidOCR CPU
TARGET_JOBS = 1.6  # wall speedup of --jobs 2 over --jobs 1


def cli() -> list[str]:
    return [sys.executable, "-m", "extractor"]


def run_child(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of a child process and all it waited for."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def best_child(repeat: int, argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    runs = [run_child(argv, env) for _ in range(repeat)]
    return min(r[0] for r in runs), min(r[1] for r in runs)


def base_env() -> dict[str, str]:
    """The environment without LLM settings, so no run reaches a model by accident."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EXTRACTOR_LLM_", "OPENAI_"))}
    env["PYTHONPATH"] = str(REPO)
    return env


# ---------------------------------------------------------------- 1. born-digital pages


def cpu_best(repeat: int, run: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start)
    return best


def bench_pages(paths: list[Path], repeat: int) -> list[tuple[str, int, float, float, float]]:
    """Per file: (name, pages, extraction CPU ms/page, get_text CPU ms/page, pdfplumber CPU ms/page)."""
    import pdfplumber

    from extractor.load.pdf import load_pdf, pymupdf_module
    from extractor.pipeline import ExtractOptions, extract_document

    pymupdf = pymupdf_module()
    options = ExtractOptions(llm="never")
    rows = []
    for path in paths:
        data = path.read_bytes()
        pages = pymupdf.open(stream=data, filetype="pdf").page_count

        def ours(path: Path = path, data: bytes = data) -> object:
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
            ours_s = min(ours_s, cpu_best(1, ours))
            bare_s = min(bare_s, cpu_best(1, bare))
        plumber_s = cpu_best(max(1, repeat // 3), plumber)
        rows.append((path.name, pages, ours_s / pages * 1000, bare_s / pages * 1000, plumber_s / pages * 1000))
    return rows


# ---------------------------------------------------------------- 3. scans


def image_only_pdf(source: Path, target: Path, dpi: int = SCAN_DPI) -> int:
    """``source`` rendered at ``dpi`` into an image-only PDF (no text layer): a clean scan. Returns pages."""
    from extractor.load.pdf import pymupdf_module

    pymupdf = pymupdf_module()
    out = pymupdf.open()
    with pymupdf.open(source) as doc:
        for page in doc:
            pix = page.get_pixmap(dpi=dpi, colorspace=pymupdf.csGRAY)
            new = out.new_page(width=page.rect.width, height=page.rect.height)
            new.insert_image(new.rect, stream=pix.tobytes("png"))
        pages = doc.page_count
    out.save(target)
    return pages


BARE_RAPIDOCR = """
import sys
import numpy as np
import pymupdf
from rapidocr_onnxruntime import RapidOCR

engine = RapidOCR()  # default settings
with pymupdf.open(sys.argv[1]) as doc:
    for page in doc:
        pix = page.get_pixmap(dpi=int(sys.argv[2]), colorspace=pymupdf.csRGB, alpha=False)
        image = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, 3)
        engine(np.ascontiguousarray(image[:, :, ::-1]))
"""


# ---------------------------------------------------------------- 5. memory


def peak_rss_mb(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(peak RSS of the process itself in MB, wall seconds): its VmHWM, read until it exits."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO, env=env)
    peak = 0.0
    status = Path(f"/proc/{process.pid}/status")
    while process.poll() is None:
        try:
            match = re.search(r"VmHWM:\s+(\d+) kB", status.read_text())
        except OSError:
            break
        if match:
            peak = max(peak, int(match.group(1)) / 1024)
        time.sleep(0.2)
    process.wait()
    return peak, time.perf_counter() - start


# ---------------------------------------------------------------- 6. LLM


def _null_answer(schema: dict[str, Any], root: dict[str, Any]) -> Any:
    """Every field of the schema null (the model abstains), objects kept."""
    if "$ref" in schema:
        return _null_answer(root["$defs"][schema["$ref"].rsplit("/", 1)[-1]], root)
    if schema.get("type") == "object":
        return {name: _null_answer(sub, root) for name, sub in schema.get("properties", {}).items()}
    return None


def _tokens(text: str) -> int:
    wide = sum(1 for ch in text if ord(ch) > 0x2E7F)
    return wide + (len(text) - wide + 3) // 4


class CountingServer:
    """An OpenAI-compatible server on 127.0.0.1 that answers nulls and counts tokens from what it receives."""

    def __init__(self) -> None:
        import http.server

        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                data = json.dumps(outer.reply(body)).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def reply(self, body: dict[str, Any]) -> dict[str, Any]:
        system = body["messages"][0]["content"]
        schema, _ = json.JSONDecoder().raw_decode(system[system.index("{", system.index("json_schema")) :])
        content = json.dumps(_null_answer(schema, schema))
        prompt = sum(_tokens(str(m.get("content") or "")) for m in body["messages"])
        completion = _tokens(content)
        return {
            "id": "bench",
            "object": "chat.completion",
            "created": 0,
            "model": body.get("model", "bench"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
        }

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def bench_llm(documents: list[Path], work: Path) -> list[tuple[str, int, int, int, float]]:
    """Per document: (name, calls, prompt tokens, completion tokens, share of its text sent)."""
    from extractor.llm.sections import section_text
    from extractor.load import load_document
    from extractor.parse import parse_document

    server = CountingServer()
    env = base_env() | {"EXTRACTOR_LLM_BASE_URL": server.base_url, "EXTRACTOR_LLM_MODEL": "bench"}
    out = work / "llm"
    try:
        argv = [*cli(), "extract", *map(str, documents), "--out", str(out), "--llm", "always"]
        run_child([*argv, "--cache-dir", str(work / "llm-cache")], env)
    finally:
        server.close()
    rows = []
    for path in documents:
        usage = json.loads((out / f"{path.stem}.json").read_text(encoding="utf-8"))["usage"]["llm"]
        document = load_document(path)
        parsed = parse_document(document)
        sent = sum(
            end - start
            for section in ("metadata", "active_disclosure", "applications", "reviews_and_lawsuits")
            for start, end in section_text(document, parsed, section).segments
        )
        share = sent / max(1, len(document.text))
        rows.append((path.name, usage["calls"], usage["prompt_tokens"], usage["completion_tokens"], share))
    return rows


# ---------------------------------------------------------------- report

Check = tuple[str, bool, str]


def report_pages(paths: list[Path], repeat: int) -> list[Check]:
    rows = bench_pages(paths, repeat)
    print(f"1. Born-digital pages: CPU ms per page, best of {repeat}")
    print(f"{'file':42} {'pages':>5} {'extract':>8} {'get_text':>9} {'ratio':>6} {'pdfplumber':>11} {'faster':>7}")
    total = sum(r[1] for r in rows)
    means = tuple(sum(r[k] * r[1] for r in rows) / total for k in (2, 3, 4))
    for name, pages, ours, bare, plumber in [*rows, ("all", total, *means)]:
        ratios = f"{ours / bare:5.1f}x {plumber:11.1f} {plumber / ours:6.1f}x"
        print(f"{name:42} {pages:5d} {ours:8.2f} {bare:9.2f} {ratios}")
    text_ratio, plumber_ratio = means[0] / means[1], means[2] / means[0]
    return [
        (f"extraction within {TARGET_TEXT:g}x of get_text()", text_ratio <= TARGET_TEXT, f"{text_ratio:.2f}x"),
        (
            f"extraction {TARGET_PLUMBER:g}x faster than pdfplumber",
            plumber_ratio >= TARGET_PLUMBER,
            f"{plumber_ratio:.1f}x",
        ),
    ]


def report_one(repeat: int, env: dict[str, str]) -> list[Check]:
    print(f"\n2. One report through the CLI (a fresh process), best of {repeat}")
    one_pdf = best_child(repeat, [*cli(), "extract", str(REAL_REPORT)], env)
    one_text = best_child(repeat, [*cli(), "extract", str(TEXT_REPORT)], env)
    print(f"{'PDF, ' + REAL_REPORT.name:60} CPU {one_pdf[0]:5.2f} s  wall {one_pdf[1]:5.2f} s")
    print(f"{'text, ' + TEXT_REPORT.name:60} CPU {one_text[0]:5.2f} s  wall {one_text[1]:5.2f} s")
    what = f"one 6-page PDF under {TARGET_ONE_PDF_CPU:g} s of CPU"
    return [(what, one_pdf[0] < TARGET_ONE_PDF_CPU, f"{one_pdf[0]:.2f} s")]


def report_scan(work: Path, env: dict[str, str], runs: int = 1) -> list[Check]:
    """Ours and bare RapidOCR in turn, ``runs`` times; the median of each and of the pair ratios."""
    import statistics

    scan = work / f"{REAL_REPORT.stem}_scan.pdf"
    pages = image_only_pdf(REAL_REPORT, scan)
    ours, bare, ratios = [], [], []
    for _ in range(runs):  # in pairs, so both sides meet the same machine load
        ours.append(run_child([*cli(), "extract", str(scan)], env))
        bare.append(run_child([sys.executable, "-c", BARE_RAPIDOCR, str(scan), str(SCAN_DPI)], env))
        ratios.append(ours[-1][0] / bare[-1][0])
    ours_cpu, ours_wall = (statistics.median(r[k] for r in ours) for k in (0, 1))
    bare_cpu, bare_wall = (statistics.median(r[k] for r in bare) for k in (0, 1))
    ratio = statistics.median(ratios)
    print(f"\n3. Scan: {REAL_REPORT.name} rendered at {SCAN_DPI} dpi, {pages} pages, one fresh process each")
    pairs = ", ".join(f"{r:.3f} ({o[0]:.1f} s / {b[0]:.1f} s)" for r, o, b in zip(ratios, ours, bare, strict=True))
    print(f"   (median of {runs} pair(s); CPU ratio per pair, ours / bare: {pairs})")
    for name, cpu, wall in (
        ("extractor extract", ours_cpu, ours_wall),
        ("bare RapidOCR, defaults", bare_cpu, bare_wall),
    ):
        print(f"{name:28} CPU {cpu / pages:6.2f} s/page  wall {wall / pages:6.2f} s/page")
    print(f"{'ratio':28} CPU {ratio:6.2f}x        wall {ours_wall / bare_wall:6.2f}x")
    return [(f"scan within {TARGET_SCAN:g}x of bare RapidOCR's CPU", ratio <= TARGET_SCAN, f"{ratio:.2f}x")]


def report_batch(paths: list[Path], count: int, work: Path, env: dict[str, str], runs: int = 1) -> list[Check]:
    """``--jobs 1`` then ``--jobs 2`` on the same ``count`` PDFs, ``runs`` times: the median of the pair ratios.

    CPU is every process of the run (the main process and its workers, which it reaps).
    """
    import statistics

    batch = work / "batch"
    batch.mkdir()
    for i in range(count):
        shutil.copy(paths[i % len(paths)], batch / f"{i:03d}_{paths[i % len(paths)].name}")
    ones, twos, ratios = [], [], []
    for _ in range(runs):  # in pairs, so both meet the same machine load
        for jobs, runs_of in (("1", ones), ("2", twos)):
            out = work / f"out{jobs}"
            shutil.rmtree(out, ignore_errors=True)
            runs_of.append(run_child([*cli(), "extract", str(batch), "--out", str(out), "--jobs", jobs, "-q"], env))
        ratios.append(ones[-1][1] / twos[-1][1])
    speedup = statistics.median(ratios)
    print(f"\n4. Batch of {count} PDFs (copies of {len(paths)} real reports), {os.cpu_count()} cores")
    print(f"   (median of {runs} pair(s); wall ratios per pair: {', '.join(f'{r:.2f}' for r in ratios)})")
    for name, measured in (("--jobs 1", ones), ("--jobs 2", twos)):
        cpu, wall = (statistics.median(r[k] for r in measured) for k in (0, 1))
        print(f"{name:12} CPU {cpu:6.1f} s  wall {wall:6.1f} s")
    print(f"{'speedup':12} wall {speedup:.2f}x")
    return [(f"--jobs 2 at least {TARGET_JOBS:g}x faster than --jobs 1", speedup >= TARGET_JOBS, f"{speedup:.2f}x")]


def report_memory(count: int, work: Path, env: dict[str, str]) -> None:
    texts = sorted(GOLD.glob("*.txt"))
    runs = []
    for n in (10, count):
        folder = work / f"texts{n}"
        folder.mkdir()
        for i in range(n):
            shutil.copy(texts[i % len(texts)], folder / f"{i:04d}_{texts[i % len(texts)].name}")
        runs.append(peak_rss_mb([*cli(), "extract", str(folder), "--out", str(work / f"mem{n}"), "--jobs", "2"], env))
    print(f"\n5. Main-process memory, text documents, --out, --jobs 2 ({runs[1][1]:.0f} s wall for {count})")
    print(f"{'10 documents':20} peak RSS {runs[0][0]:6.0f} MB")
    print(f"{f'{count} documents':20} peak RSS {runs[1][0]:6.0f} MB   growth {runs[1][0] - runs[0][0]:+.0f} MB")


def report_llm(work: Path) -> None:
    from extractor.llm.engine import application_rows_for
    from extractor.llm.prompts import output_tokens
    from extractor.llm.schemas import response_model
    from extractor.llm.settings import LLMSettings

    rows = bench_llm(sorted(GOLD.glob("*.txt")), work)
    print("\n6. LLM, every section asked (--llm always), loopback server answering nulls, tokens estimated")
    print(f"{'document':34} {'calls':>5} {'prompt':>7} {'completion':>10} {'text sent':>9}")
    n = len(rows)
    mean = ("mean per document", *(sum(r[k] for r in rows) / n for k in (1, 2, 3, 4)))
    for name, calls, prompt, completion, share in [*rows, mean]:
        print(f"{name:34} {calls:5.1f} {prompt:7.0f} {completion:10.0f} {share:8.0%}")
    cap = LLMSettings().max_output_tokens
    limits = {
        section: output_tokens(
            response_model(section, "2021", application_rows_for("2021", []) if section == "applications" else ()), cap
        )
        for section in ("metadata", "active_disclosure", "applications", "reviews_and_lawsuits")
    }
    print("max_tokens per section (template 2021): " + ", ".join(f"{k} {v}" for k, v in limits.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="*", type=Path, help="born-digital PDFs (default: the real PDFs in gold/)")
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of in-process and one-report parts")
    parser.add_argument("--batch", type=int, default=48, help="PDFs in the --jobs comparison (0: skip)")
    parser.add_argument("--batch-runs", type=int, default=3, help="pairs of --jobs 1 and --jobs 2 runs (median)")
    parser.add_argument("--batch-only", action="store_true", help="run only the --jobs comparison")
    parser.add_argument("--memory-docs", type=int, default=1000, help="text documents in the memory run (0: skip)")
    parser.add_argument("--no-scan", action="store_true", help="skip the scan comparison (minutes of CPU)")
    parser.add_argument("--scan-only", action="store_true", help="run only the scan comparison")
    parser.add_argument("--scan-runs", type=int, default=1, help="pairs of scan runs, ours then bare (median)")
    args = parser.parse_args(argv)
    if args.no_scan and args.scan_only:
        parser.error("--no-scan and --scan-only exclude each other")
    if args.scan_only and args.batch_only:
        parser.error("--scan-only and --batch-only exclude each other")
    if args.batch_runs < 1:
        parser.error("--batch-runs: give 1 or more")
    if args.scan_runs < 1:
        parser.error("--scan-runs: give 1 or more")
    paths = args.pdfs or sorted(GOLD.glob("*.pdf"))
    if not paths:
        parser.error(f"no PDFs given and none in {GOLD}")
    env = base_env()
    checks: list[Check] = []
    work = Path(tempfile.mkdtemp(prefix="extractor-bench-"))
    try:
        if args.scan_only:
            checks += report_scan(work, env, args.scan_runs)
        elif args.batch_only:
            checks += report_batch(paths, args.batch or 48, work, env, args.batch_runs)
        else:
            checks += report_pages(paths, args.repeat)
            checks += report_one(args.repeat, env)
            if not args.no_scan:
                checks += report_scan(work, env, args.scan_runs)
            if args.batch:
                checks += report_batch(paths, args.batch, work, env, args.batch_runs)
            if args.memory_docs:
                report_memory(args.memory_docs, work, env)
            report_llm(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    for what, ok, value in checks:
        print(f"{'PASS' if ok else 'MISS'}  {what}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
