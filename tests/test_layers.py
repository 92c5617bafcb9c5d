"""The core imports nothing heavy: loaders and the LLM adapter bring their libraries only when used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAVY = (
    "pymupdf",
    "fitz",
    "pymupdf4llm",
    "openai",
    "instructor",
    "bs4",
    "docx",
    "rapidocr_onnxruntime",
    "onnxruntime",
    "cv2",
)


def test_extracting_a_text_report_imports_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from extractor.pipeline import extract_path\n"
        "extract_path('extractor/samples/jinchang_2022_report.txt')\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[1])
