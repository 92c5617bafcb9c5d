"""``extract --engine ray``: a local Ray (started by the command) gives the local engine's results."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "extractor" / "samples" / "jinchang_2022_report.txt"
CORPUS = REPO / "eval" / "corpus"


def test_ray_engine_gives_the_local_engines_results(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    (inputs / "sub").mkdir(parents=True)
    (inputs / "report.txt").write_bytes(SEED.read_bytes())
    (inputs / "sub" / "report.txt").write_bytes(SEED.read_bytes())  # colliding stems
    (inputs / "word.docx").write_bytes((CORPUS / "syn2024_002_docx.docx").read_bytes())
    (inputs / "empty.pdf").write_bytes(b"")
    outputs = {}
    for engine in ("local", "ray"):
        out = tmp_path / engine
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "extractor",
                "extract",
                str(inputs),
                "--out",
                str(out),
                "--engine",
                engine,
                "-j",
                "2",
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=240,
        )
        assert completed.returncode == 1, completed.stderr  # the empty file
        errors = [line for line in completed.stderr.splitlines() if line.startswith("error:")]
        assert errors == [f"error: {inputs / 'empty.pdf'}: the file is empty"]
        entries = [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
        outputs[engine] = {
            entry["input"]: (
                entry["status"],
                entry["result"],
                json.loads((out / entry["result"]).read_text(encoding="utf-8"))["report"] if entry["result"] else None,
            )
            for entry in entries
        }
    assert outputs["ray"] == outputs["local"]
    assert len(outputs["ray"]) == 4
