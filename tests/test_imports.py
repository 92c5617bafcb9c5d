"""The import budget: what extracting one document loads, measured in a fresh interpreter.

Startup is most of the CPU a one-report run costs, so the modules a run loads are held here: a text
report loads no PDF, OCR or LLM library; a born-digital PDF loads PyMuPDF but not PyMuPDF's page-layout
model (onnxruntime sessions), pymupdf4llm, OCR or the LLM client.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "extractor" / "samples"

NEVER = (
    "onnxruntime",
    "rapidocr_onnxruntime",
    "cv2",
    "pymupdf4llm",
    "pymupdf.layout",
    "openai",
    "instructor",
    "bs4",
    "docx",
)

# Runs the CLI as a user does, then prints the modules it loaded and whether PyMuPDF's optional
# companions can still be imported by code that wants them (the loader must not leave them blocked).
PROBE = """
import importlib.util, json, sys
from extractor.cli import main
code = main(["extract", sys.argv[1], "--out", sys.argv[2], "--llm", "never"])
blocked = [name for name in ("pymupdf.layout", "pymupdf4llm") if name in sys.modules and sys.modules[name] is None]
print(json.dumps({"code": code, "modules": sorted(sys.modules), "blocked": blocked}))
"""


def _probe(code: str, *args: Path) -> dict:
    """Run ``code`` in a fresh interpreter (no LLM settings) and read the JSON it prints last."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EXTRACTOR_", "OPENAI_"))}
    done = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _modules_loaded(document: Path, out: Path) -> dict:
    return _probe(PROBE, document, out)


@pytest.mark.parametrize(
    ("document", "also_never"),
    [
        (SAMPLES / "jinchang_2022_report.txt", ("pymupdf", "fitz", "numpy")),
        (SAMPLES / "2024_jiangsu_huaian_city_gov.pdf", ()),
    ],
    ids=["text", "born-digital-pdf"],
)
def test_one_extraction_stays_within_the_import_budget(document: Path, also_never: tuple, tmp_path: Path) -> None:
    probe = _modules_loaded(document, tmp_path)
    assert probe["code"] == 0
    result = json.loads((tmp_path / f"{document.stem}.json").read_text(encoding="utf-8"))
    assert result["report"], "the extraction produced no report"
    loaded = set(probe["modules"])
    assert not sorted(loaded & set(NEVER + also_never))
    assert probe["blocked"] == []


# A batch (``--out``): the main process imports what every worker needs once, before the workers
# fork (PyMuPDF, the loaders, the parser), finds the inputs and writes the manifest; the workers
# extract. Neither loads OCR, the layout model or the LLM client for born-digital PDFs and texts.
WORKER_PROBE = """
import json, sys
from pathlib import Path
from extractor.batch import Task, extract_task, run_settings, warm_imports
warm_imports()
from extractor.load import DEFAULT_LIMITS
from extractor.pipeline import ExtractOptions
options = ExtractOptions(llm="never")
target = Path(sys.argv[2]) / "result.json"
outcome = extract_task(Task(Path(sys.argv[1]), target, options, DEFAULT_LIMITS, run_settings(options)))
print(json.dumps({"status": outcome.status, "modules": sorted(sys.modules)}))
"""


def test_the_main_process_of_a_batch_loads_what_its_workers_share_and_nothing_more(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for document in (SAMPLES / "jinchang_2022_report.txt", SAMPLES / "2024_jiangsu_huaian_city_gov.pdf"):
        (inputs / document.name).write_bytes(document.read_bytes())
    probe = _modules_loaded(inputs, tmp_path / "out")
    assert probe["code"] == 0
    results = sorted(path.name for path in (tmp_path / "out").glob("*.json"))
    assert results == ["2024_jiangsu_huaian_city_gov.json", "jinchang_2022_report.json"]
    loaded = set(probe["modules"])
    assert "pymupdf" in loaded  # imported once here, for every worker forked from this process
    assert not sorted(loaded & {*NEVER, "extractor.review"})  # nor the review commands' models
    assert probe["blocked"] == []


@pytest.mark.parametrize(
    "document",
    [SAMPLES / "jinchang_2022_report.txt", SAMPLES / "2024_jiangsu_huaian_city_gov.pdf"],
    ids=["text", "born-digital-pdf"],
)
def test_a_worker_stays_within_the_import_budget(document: Path, tmp_path: Path) -> None:
    probe = _probe(WORKER_PROBE, document, tmp_path)
    assert probe["status"] == "ok"
    assert json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))["report"]
    loaded = set(probe["modules"])
    assert "pymupdf" in loaded  # imported before the workers fork, for every worker
    assert not sorted(loaded & set(NEVER))


def test_pdf_loader_imports_pymupdf_without_its_layout_model_and_still_reads_pages() -> None:
    code = """
import sys
from extractor.load.pdf import pymupdf_module
pymupdf = pymupdf_module()
assert "pymupdf.layout" not in sys.modules and "onnxruntime" not in sys.modules, "layout model loaded"
assert sys.modules.get("pymupdf4llm", "absent") == "absent", "pymupdf4llm loaded or left blocked"
doc = pymupdf.open(sys.argv[1])
assert "淮安" in doc[0].get_text(), "the page text was not read"
print(pymupdf.__version__)
"""
    done = subprocess.run(
        [sys.executable, "-c", code, str(SAMPLES / "2024_jiangsu_huaian_city_gov.pdf")],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr
