"""Batches: real hostile files mixed with good reports, each failing alone with one line.

The hostile files are made here, for real: an empty file, random bytes, a truncated
and an encrypted PDF (written by PyMuPDF), PDFs whose page tree is a DAG or a loop, a
DOCX zip bomb, a PNG that declares 1.6 gigapixels, deeply nested HTML; beside them the
seed report as GBK, as UTF-16, as UTF-8 with a stray byte, and a Word report named
``.pdf``, which must all be extracted exactly.
"""

from __future__ import annotations

import io
import json
import os
import signal
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "extractor" / "samples" / "jinchang_2022_report.txt"
SAMPLE_PDF = REPO / "extractor" / "samples" / "2024_jiangsu_huaian_city_gov.pdf"
CORPUS = REPO / "eval" / "corpus"


def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "extractor", *args], capture_output=True, text=True, cwd=REPO, timeout=timeout
    )


def errors_of(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def manifest(out: Path) -> dict[str, dict[str, Any]]:
    lines = (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return {Path(entry["input"]).name: entry for entry in map(json.loads, lines)}


# -- hostile files, made for real ------------------------------------------------


def page_tree_pdf(depth: int, loop: bool = False) -> bytes:
    """A PDF whose page tree shares one node twice at every level (a DAG), or points back to its root."""
    objects = {1: "<< /Type /Catalog /Pages 2 0 R >>", 2: f"<< /Type /Pages /Kids [3 0 R 3 0 R] /Count {2**depth} >>"}
    leaf = 3 + depth
    for level in range(depth):
        number = 3 + level
        kids = f"2 0 R {leaf} 0 R" if loop and level == depth - 1 else f"{number + 1} 0 R {number + 1} 0 R"
        objects[number] = f"<< /Type /Pages /Kids [{kids}] /Count {2 ** (depth - level - 1)} >>"
    objects[leaf] = "<< /Type /Page /MediaBox [0 0 612 792] >>"
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = out.tell()
        out.write(f"{number} 0 obj\n{objects[number]}\nendobj\n".encode())
    xref = out.tell()
    size = max(objects) + 1
    out.write(f"xref\n0 {size}\n0000000000 65535 f \n".encode())
    out.write("".join(f"{offsets[n]:010d} 00000 n \n" for n in range(1, size)).encode())
    out.write(f"trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def encrypted_pdf() -> bytes:
    import pymupdf

    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "secret")
    return doc.tobytes(encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="user", owner_pw="owner")


def many_pages_pdf(pages: int) -> bytes:
    import pymupdf

    doc = pymupdf.open()
    for _ in range(pages):
        doc.new_page()
    return doc.tobytes()


def docx_bomb(unpacked_mb: int) -> bytes:
    """A real Word file whose document.xml unpacks to ``unpacked_mb`` MB (spaces in one text run)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(CORPUS / "syn2024_002_docx.docx") as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb,
    ):
        for info in source.infolist():
            if info.filename != "word/document.xml":
                bomb.writestr(info, source.read(info))
        with bomb.open("word/document.xml", "w", force_zip64=True) as member:
            member.write(
                b'<?xml version="1.0" encoding="UTF-8"?><w:document '
                b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
            )
            block = b" " * (1 << 20)
            for _ in range(unpacked_mb):
                member.write(block)
            member.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return out.getvalue()


def giant_png(width: int, height: int) -> bytes:
    """A PNG header declaring ``width`` x ``height`` (a few hundred bytes on disk)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, subprocess.CompletedProcess[str]]:
    inputs = tmp_path_factory.mktemp("in")
    seed_text = SEED.read_text(encoding="utf-8")
    good = {
        "good.txt": SEED.read_bytes(),
        "gbk.txt": seed_text.encode("gb18030"),
        "utf16.txt": seed_text.encode("utf-16"),
        "utf16-nobom.txt": seed_text.encode("utf-16-le"),
        "stray.txt": SEED.read_bytes().replace(b"\n", b"\xff\n", 1),  # one stray byte ending the title line
        "word-named.pdf": (CORPUS / "syn2024_002_docx.docx").read_bytes(),
    }
    bad = {
        "empty.pdf": b"",
        "random.pdf": os.urandom(20_000),
        "truncated.pdf": SAMPLE_PDF.read_bytes()[: SAMPLE_PDF.stat().st_size // 3],
        "encrypted.pdf": encrypted_pdf(),
        "dag.pdf": page_tree_pdf(20),
        "loop.pdf": page_tree_pdf(5, loop=True),
        "pages.pdf": many_pages_pdf(12),
        "bomb.docx": docx_bomb(40),
        "giant.png": giant_png(40_000, 40_000),
        "nested.html": b"<html><body>" + b"<div>" * 100_000 + "报告".encode() + b"</div>" * 100_000 + b"</body></html>",
        "prose.txt": "本机关今年工作顺利，没有统计表。".encode(),
    }
    for name, data in {**good, **bad}.items():
        (inputs / name).write_bytes(data)
    (inputs / "README.md").write_text("How to run the batch.\n")  # not a document: skipped, counted
    (inputs / "notes.bin").write_bytes(os.urandom(500))
    out = tmp_path_factory.mktemp("out")
    completed = run(
        "extract", str(inputs), "--out", str(out), "--jobs", "2",
        "--max-pages", "10", "--max-unpacked-mb", "32", "--timeout", "120",
    )  # fmt: skip
    return inputs, out, completed


GOOD = ("good.txt", "gbk.txt", "utf16.txt", "utf16-nobom.txt", "stray.txt", "word-named.pdf")
BAD_REASONS = {
    "empty.pdf": "empty",
    "random.pdf": "not a PDF",
    "truncated.pdf": "truncated.pdf",  # MuPDF repairs what it can: any one clear line
    "encrypted.pdf": "password",
    "dag.pdf": "page tree",
    "loop.pdf": "page tree",
    "pages.pdf": "12 pages, over the limit of 10",
    "bomb.docx": "over the limit of 32 MB",
    "giant.png": "megapixels",
    "nested.html": "nested.html",
    "prose.txt": "no statistics table",
}


def test_every_hostile_file_fails_alone_with_one_line(hostile_batch: Any) -> None:
    inputs, out, completed = hostile_batch
    assert completed.returncode == 1
    errors = errors_of(completed.stderr)
    assert "Traceback" not in completed.stderr
    for name, reason in BAD_REASONS.items():
        lines = [line for line in errors if f"{inputs / name}:" in line]
        assert len(lines) == 1, (name, completed.stderr)
        assert reason in lines[0], (name, lines[0])
    assert len(errors) == len(BAD_REASONS), completed.stderr
    entries = manifest(out)
    assert set(entries) == set(GOOD) | set(BAD_REASONS)  # README.md and notes.bin are not documents
    for name in BAD_REASONS:
        assert entries[name]["status"] == "failed" and entries[name]["result"] is None
        assert entries[name]["error"] and "\n" not in entries[name]["error"]
    assert "2 file(s) in the folders were not documents" in completed.stderr


def test_good_reports_in_every_encoding_and_a_misnamed_word_file_are_extracted_exactly(hostile_batch: Any) -> None:
    _, out, _ = hostile_batch
    entries = manifest(out)
    reference = json.loads(run("extract", str(SEED)).stdout)["report"]
    for name in GOOD:
        entry = entries[name]
        assert entry["status"] == "ok", (name, entry)
        assert len(entry["sha256"]) == 64 and entry["seconds"] >= 0
        result = json.loads((out / entry["result"]).read_text(encoding="utf-8"))
        if name != "word-named.pdf":
            assert result["report"] == reference, name
    word = json.loads((out / entries["word-named.pdf"]["result"]).read_text(encoding="utf-8"))
    gold = json.loads((CORPUS / "syn2024_002_docx.gold.json").read_text(encoding="utf-8"))
    assert word["report"]["applications"] == gold["report"]["applications"]


def test_results_record_what_resume_compares(hostile_batch: Any) -> None:
    _, out, _ = hostile_batch
    result = json.loads((out / "good.json").read_text(encoding="utf-8"))
    run_block = result["usage"]["run"]
    assert run_block["input_sha256"] == manifest(out)["good.txt"]["sha256"]
    assert run_block["tool_version"] and run_block["settings"] == {"llm": "never", "second_readers": True}


def test_resume_redoes_only_what_changed(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("a", "b", "c", "d"):
        (inputs / f"{name}.txt").write_bytes(SEED.read_bytes())
    out = tmp_path / "out"
    first = run("extract", str(inputs), "--out", str(out), "--jobs", "2")
    assert first.returncode == 0, first.stderr
    assert "[4/4]" in first.stderr and "4 extracted" in first.stderr

    # b: same name and an older modification time, other content; c: a zero-byte result; d: broken JSON
    stat = (inputs / "b.txt").stat()
    (inputs / "b.txt").write_bytes(SEED.read_bytes().replace("金昌".encode(), "金川".encode()))
    os.utime(inputs / "b.txt", (stat.st_atime - 3600, stat.st_mtime - 3600))
    (out / "c.json").write_bytes(b"")
    (out / "d.json").write_text('{"report": ', encoding="utf-8")
    second = run("extract", str(inputs), "--out", str(out), "--resume")
    assert second.returncode == 0, second.stderr
    assert "3 extracted" in second.stderr and "1 unchanged" in second.stderr
    entries = manifest(out)
    assert entries["a.txt"]["resumed"] is True
    assert [entries[n]["resumed"] for n in ("b.txt", "c.txt", "d.txt")] == [False, False, False]
    assert "金川" in json.loads((out / "b.json").read_text(encoding="utf-8"))["report"]["organization"]

    # another --llm setting changes results: everything is redone
    third = run("extract", str(inputs), "--out", str(out), "--resume", "--llm", "auto")
    assert "4 extracted" in third.stderr and "0 unchanged" in third.stderr
    fourth = run("extract", str(inputs), "--out", str(out), "--resume", "--llm", "auto")
    assert "0 extracted" in fourth.stderr and "4 unchanged" in fourth.stderr


def test_colliding_and_overlong_names_get_distinct_stable_results(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    (inputs / "x").mkdir(parents=True)
    (inputs / "y").mkdir()
    for path in (inputs / "x" / "report.txt", inputs / "y" / "report.txt", inputs / "report.md", inputs / "REPORT.txt"):
        path.write_bytes(SEED.read_bytes())
    long_name = inputs / ("报" * 82 + ".txt")  # 246 bytes of name, plus the suffix
    long_name.write_bytes(SEED.read_bytes())
    out = tmp_path / "out"
    first = run("extract", str(inputs), "--out", str(out))
    assert first.returncode == 0, first.stderr
    entries = [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    results = {entry["input"]: entry["result"] for entry in entries}
    assert len(results) == 5 and len(set(results.values())) == 5
    assert all(len(name.encode()) < 200 for name in results.values())
    second = run("extract", str(inputs), "--out", str(out), "--resume")
    again = [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    assert {entry["input"]: entry["result"] for entry in again} == results
    assert "5 unchanged" in second.stderr


def test_output_folder_problems_are_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    completed = run("extract", str(SEED), "--out", str(blocker / "out"))
    assert completed.returncode == 1
    assert errors_of(completed.stderr) == [errors_of(completed.stderr)[0]] and "Traceback" not in completed.stderr
    assert str(blocker / "out") in completed.stderr


def test_include_and_exclude_globs_and_subfolders(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    (inputs / "2023" / "deep").mkdir(parents=True)
    (inputs / "2023" / "deep" / "keep.txt").write_bytes(SEED.read_bytes())
    (inputs / "2023" / "drop.txt").write_bytes(SEED.read_bytes())
    (inputs / "other.md").write_bytes(SEED.read_bytes())
    out = tmp_path / "out"
    completed = run("extract", str(inputs), "--out", str(out), "--include", "*.txt", "--exclude", "drop*", "-q")
    assert completed.returncode == 0 and completed.stderr == ""
    assert sorted(manifest(out)) == ["keep.txt"]


def test_a_folder_without_documents_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "in" / "sub").mkdir(parents=True)
    (tmp_path / "in" / "sub" / "README.md").write_text("nothing here\n")
    completed = run("extract", str(tmp_path / "in"), "--out", str(tmp_path / "out"))
    assert completed.returncode == 1 and "no documents" in completed.stderr


# -- limits on the worker: time, memory, a worker that dies, the main process killed ---------


def test_time_limit_on_a_real_scan(tmp_path: Path) -> None:
    scan = CORPUS / "syn2024_001_scan.pdf"  # OCR takes many seconds
    started = time.monotonic()
    completed = run("extract", str(scan), str(SEED), "--out", str(tmp_path / "out"), "--timeout", "3", "-j", "2")
    assert completed.returncode == 1
    assert errors_of(completed.stderr) == [f"error: {scan}: over the time limit of 3 s (--timeout)"]
    assert manifest(tmp_path / "out")[SEED.name]["status"] == "ok"
    assert time.monotonic() - started < 40


def test_memory_limit_on_a_real_zip_bomb(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(docx_bomb(600))
    completed = run(
        "extract", str(bomb), str(SEED), "--out", str(tmp_path / "out"), "--memory-mb", "400",
        "--max-unpacked-mb", "100000",
    )  # fmt: skip
    assert completed.returncode == 1
    assert errors_of(completed.stderr) == [f"error: {bomb}: over the memory limit of 400 MB (--memory-mb)"]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _descendants(pid: int) -> list[int]:
    """Children, their children and so on (a worker's own children, an OCR library's threads aside)."""
    found, todo = [], [pid]
    while todo:
        children = _children(todo.pop())
        found += children
        todo += children
    return found


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to find the workers")
def test_killing_the_main_process_stops_its_workers(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for n in range(2):
        (inputs / f"scan{n}.pdf").write_bytes((CORPUS / "syn2024_001_scan.pdf").read_bytes())
    main = subprocess.Popen(
        [sys.executable, "-m", "extractor", "extract", str(inputs), "--out", str(tmp_path / "out"), "-j", "2"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: list[int] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and len(workers) < 2:
        time.sleep(0.3)
        workers = [pid for pid in _descendants(main.pid) if _alive(pid)]
    assert len(workers) >= 2
    time.sleep(1.0)
    os.kill(main.pid, signal.SIGKILL)
    main.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in workers)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to find the processes")
def test_no_process_outlives_the_command(tmp_path: Path) -> None:
    """The workers are all gone (and reaped: their CPU time is the command's) when ``extract`` returns."""
    marker = f"run-{os.getpid()}-{time.time_ns()}"
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("a", "b", "c"):
        (inputs / f"{name}.txt").write_bytes(SEED.read_bytes())
    done = subprocess.run(
        [sys.executable, "-m", "extractor", "extract", str(inputs), "--out", str(tmp_path / "out"), "-j", "2"],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "EXTRACTOR_TEST_MARKER": marker},
    )
    assert done.returncode == 0, done.stderr
    survivors = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if marker.encode() in environ and _alive(int(entry.name)):
                survivors.append(entry.name)
    assert survivors == []


def test_workers_run_the_installed_code_whatever_the_current_folder(tmp_path: Path) -> None:
    """Run from a folder holding another ``extractor`` package (another checkout), the workers still
    run the code the main process runs."""
    decoy = tmp_path / "extractor"
    decoy.mkdir()
    (decoy / "__init__.py").write_text('raise ImportError("the extractor package of the current folder")\n')
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.txt").write_bytes(SEED.read_bytes())
    done = subprocess.run(
        [sys.executable, "-P", "-m", "extractor", "extract", str(inputs), "--out", str(tmp_path / "out")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert manifest(tmp_path / "out")["a.txt"]["status"] == "ok"


# Unit tests of the pool's logic: stand-ins for the per-document function (fakes, said so), run by
# real workers. One dies on purpose, the way the out-of-memory killer ends a worker.


def _reads_environment(task: Any) -> Any:
    from extractor.batch import Outcome

    return Outcome("ok", error=os.environ.get("EXTRACTOR_TEST_SETTING"))


def test_workers_see_the_environment_of_the_main_process_when_the_pool_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every worker gets the main process's environment as it is when the pool starts (the batch's run
    id, settings a caller changed), whatever way workers start."""
    import multiprocessing

    from extractor import batch
    from extractor.load import DEFAULT_LIMITS
    from extractor.pipeline import ExtractOptions

    monkeypatch.setenv("EXTRACTOR_TEST_SETTING", "set before the pool started")
    monkeypatch.setattr(batch, "extract_task", _reads_environment)
    task = batch.Task(tmp_path / "doc.txt", None, ExtractOptions(), DEFAULT_LIMITS, {})
    for context in (None, "spawn"):
        start = None if context is None else multiprocessing.get_context(context)
        finished = list(batch.run_tasks([task, task], 2, batch.BatchLimits(), start))
        assert [f.outcome.error for f in finished] == ["set before the pool started"] * 2, context
    monkeypatch.delenv("EXTRACTOR_TEST_SETTING")
    [again] = list(batch.run_tasks([task], 1, batch.BatchLimits()))
    assert again.outcome.error is None


def _dies_once(task: Any) -> Any:
    from extractor.batch import Outcome

    marker = Path(str(task.path) + ".died")
    if not marker.exists():
        marker.write_text("1")
        os.kill(os.getpid(), signal.SIGKILL)
    return Outcome("ok", "0" * 64)


def _always_dies(task: Any) -> Any:
    os.kill(os.getpid(), signal.SIGKILL)


def _sleeps(task: Any) -> Any:
    time.sleep(30)


@pytest.mark.parametrize(
    ("stand_in", "status", "error"),
    [
        (_dies_once, "ok", None),
        (_always_dies, "failed", "the worker died twice (killed by SIGKILL"),
        (_sleeps, "failed", "over the time limit of 0.5 s"),
    ],
)
def test_a_died_worker_is_retried_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stand_in: Any, status: str, error: str | None
) -> None:
    from extractor import batch
    from extractor.load import DEFAULT_LIMITS
    from extractor.pipeline import ExtractOptions

    monkeypatch.setattr(batch, "extract_task", stand_in)
    doc = tmp_path / "doc.txt"
    task = batch.Task(doc, None, ExtractOptions(), DEFAULT_LIMITS, {})
    limits = batch.BatchLimits(timeout_s=0.5)
    [finished] = list(batch.run_tasks([task], 1, limits))
    assert finished.outcome.status == status
    if error is None:
        assert finished.attempts == 2
    else:
        assert error in (finished.outcome.error or "")


def _has_llm_client(task: Any) -> Any:
    import sys

    from extractor.batch import Outcome

    return Outcome("ok", error=str("openai" in sys.modules and "instructor" in sys.modules))


LLM_PROBE = """
import sys
from pathlib import Path
from extractor import batch
from extractor.load import DEFAULT_LIMITS
from extractor.pipeline import ExtractOptions
sys.path.insert(0, sys.argv[2])
import test_batch
assert "openai" not in sys.modules
batch.extract_task = test_batch._has_llm_client
settings = {"settings": {"llm": "auto" if sys.argv[1] == "llm" else "never"}}
task = batch.Task(Path("doc.txt"), None, ExtractOptions(), DEFAULT_LIMITS, settings)
print(*[f.outcome.error for f in batch.run_tasks([task, task], 2, batch.BatchLimits())])
"""


@pytest.mark.parametrize(("llm", "expected"), [("llm", "True True"), ("no-llm", "False False")])
def test_a_batch_that_may_ask_a_model_gets_workers_with_the_client_imported(llm: str, expected: str) -> None:
    """Imported once in the main process before the workers fork, not once in each worker (the
    stand-in per-document function does not import it)."""
    pytest.importorskip("instructor")
    done = subprocess.run(
        [sys.executable, "-c", LLM_PROBE, llm, str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == expected


def test_default_jobs_fits_the_machine() -> None:
    from extractor.batch import default_jobs

    cores = len(os.sched_getaffinity(0))
    assert 1 <= default_jobs() <= cores
    assert default_jobs(memory_mb=10**9) == 1


# A container's limits, as cgroup files written here (fakes of /sys/fs/cgroup, said so).


@pytest.mark.parametrize(
    ("files", "cores"),
    [
        ({"cpu.max": "150000 100000\n"}, 2),  # v2: 1.5 CPUs -> 2 workers
        ({"cpu.max": "50000 100000\n"}, 1),
        ({"cpu.max": "max 100000\n"}, None),  # no quota: every core of the affinity mask
        ({"cpu/cpu.cfs_quota_us": "100000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 1),  # v1
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
        ({}, None),
    ],
)
def test_a_cpu_quota_caps_the_cores(tmp_path: Path, files: dict[str, str], cores: int | None) -> None:
    from extractor.batch import usable_cores

    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    affinity = len(os.sched_getaffinity(0))
    assert usable_cores(tmp_path) == min(affinity, cores or affinity)


def test_a_memory_limit_caps_the_available_memory(tmp_path: Path) -> None:
    from extractor.batch import _available_memory_mb

    (tmp_path / "memory.max").write_text(f"{3 * 1024**3}\n")
    (tmp_path / "memory.current").write_text(f"{1024**3}\n")
    assert _available_memory_mb(tmp_path) == 2048
    (tmp_path / "memory.max").write_text("max\n")
    unlimited = _available_memory_mb(tmp_path)
    assert unlimited is not None and unlimited > 0
