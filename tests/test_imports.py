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


def _modules_loaded(document: Path, out: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EXTRACTOR_", "OPENAI_"))}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(document), str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


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
