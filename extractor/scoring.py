"""Scoring results against hand-labelled gold files (``extractor eval``).

Reads results only; never changes them. A field is every dotted key of the
gold report and of the result (a key on one side only is wrong). A wrong
field the result did not list in ``review`` is a silent error.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extractor.report import flatten

MISSING = "<missing>"
NUMERIC_TOLERANCE = 1e-6


@dataclass(slots=True)
class FieldError:
    key: str
    expected: Any
    got: Any
    flagged: bool


@dataclass(slots=True)
class DocumentScore:
    source: str
    fields: int = 0
    correct: int = 0
    flagged: int = 0
    errors: list[FieldError] = field(default_factory=list)
    failure: str | None = None  # the document could not be extracted

    @property
    def wrong(self) -> int:
        return len(self.errors)

    @property
    def silent(self) -> list[FieldError]:
        return [e for e in self.errors if not e.flagged]

    @property
    def accuracy(self) -> float:
        return self.correct / self.fields if self.fields else 0.0


def score_document(gold: dict[str, Any], result: dict[str, Any]) -> DocumentScore:
    gold_flat = _expand_null_subtrees(flatten(gold["report"]), flatten(result.get("report", {})))
    pred_flat = flatten(result.get("report", {}))
    review = set(result.get("review", []))
    accept: dict[str, list[Any]] = gold.get("accept", {}) or {}
    named = gold.get("organization_aliases") or gold["report"].get("organization_aliases") or []
    aliases = [gold["report"].get("organization"), *named]
    gold_flat.pop("organization_aliases", None)
    score = DocumentScore(source=gold.get("source", "?"))
    for key in sorted(set(gold_flat) | set(pred_flat)):
        expected = gold_flat.get(key, MISSING)
        got = pred_flat.get(key, MISSING)
        score.fields += 1
        if key in review:
            score.flagged += 1
        if key == "organization":
            ok = _norm_name(got) in {_norm_name(a) for a in aliases if a}
        else:
            ok = any(_same(option, got) for option in [expected, *accept.get(key, [])])
        if ok:
            score.correct += 1
        else:
            score.errors.append(FieldError(key, expected, got, key in review))
    return score


def _expand_null_subtrees(gold: dict[str, Any], pred: dict[str, Any]) -> dict[str, Any]:
    """A gold table that is ``null`` as a whole covers every result key below it."""
    out = dict(gold)
    for key, value in gold.items():
        if value is None and any(p.startswith(f"{key}.") for p in pred):
            del out[key]
            out.update({p: None for p in pred if p.startswith(f"{key}.")})
    return out


def _norm_name(value: Any) -> str:
    return "".join(str(value).split()) if value not in (None, MISSING) else ""


def _same(expected: Any, got: Any) -> bool:
    if isinstance(expected, bool) or isinstance(got, bool):
        return expected == got
    if isinstance(expected, int | float) and isinstance(got, int | float):
        return abs(expected - got) <= NUMERIC_TOLERANCE * max(1.0, abs(expected))
    return expected == got


# --- finding the documents of a gold directory ---------------------------------


def gold_files(gold_dir: Path) -> list[Path]:
    files = sorted(gold_dir.glob("*.gold.json")) or sorted(gold_dir.glob("*.json"))
    return [f for f in files if not f.name.startswith("_")]


def find_document(gold_path: Path, gold: dict[str, Any], extra_dirs: Iterable[Path] = ()) -> Path | None:
    """Where a gold file's document is: beside it, at its ``source_path``, or in one of ``extra_dirs``."""
    name = gold.get("source", "")
    candidates: list[Path] = [gold_path.parent / name]
    source_path = gold.get("source_path")
    if source_path:
        for parent in [gold_path.parent, *gold_path.resolve().parents]:
            candidates.append(parent / source_path)
    shared = os.environ.get("EXTRACTOR_SHARED_DIR")
    dirs = list(extra_dirs) + ([Path(shared)] if shared else [])
    for directory in dirs:
        candidates += [directory / name, *[d / name for d in directory.glob("*") if d.is_dir()]]
    return next((c for c in candidates if c.is_file()), None)


@dataclass(slots=True)
class EvalReport:
    documents: list[DocumentScore]

    @property
    def fields(self) -> int:
        return sum(d.fields for d in self.documents)

    @property
    def correct(self) -> int:
        return sum(d.correct for d in self.documents)

    @property
    def silent(self) -> int:
        return sum(len(d.silent) for d in self.documents)

    @property
    def wrong(self) -> int:
        return sum(d.wrong for d in self.documents)

    @property
    def flagged(self) -> int:
        return sum(d.flagged for d in self.documents)

    @property
    def failures(self) -> list[DocumentScore]:
        return [d for d in self.documents if d.failure]

    @property
    def accuracy(self) -> float:
        return self.correct / self.fields if self.fields else 0.0


def run_eval(
    gold_dir: Path,
    extract: Callable[[Path], dict[str, Any]] | None,
    pred_dir: Path | None = None,
    docs_dirs: Iterable[Path] = (),
    progress: Callable[[str], None] | None = None,
) -> EvalReport:
    """Score every gold file of ``gold_dir``: results are read from ``pred_dir`` or made by ``extract``."""
    scores: list[DocumentScore] = []
    files = gold_files(gold_dir)
    for index, gold_path in enumerate(files, 1):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        source = gold.get("source", gold_path.stem)
        if progress:
            progress(f"[{index}/{len(files)}] {source}")
        try:
            if pred_dir is not None:
                result_path = pred_dir / f"{Path(source).stem}.json"
                if not result_path.exists():
                    raise FileNotFoundError(f"no result {result_path}")
                result = json.loads(result_path.read_text(encoding="utf-8"))
            else:
                assert extract is not None
                document = find_document(gold_path, gold, docs_dirs)
                if document is None:
                    raise FileNotFoundError(
                        f"document {source!r} of {gold_path.name} not found beside it, at its source_path, "
                        "or in --docs / EXTRACTOR_SHARED_DIR"
                    )
                result = extract(document)
        except Exception as exc:  # a document that fails is scored as all wrong, and said so
            failed = score_document(gold, {"report": {}, "review": []})
            failed.failure = f"{type(exc).__name__}: {exc}"
            for error in failed.errors:  # reported loudly as a failure, so not silent
                error.flagged = True
            scores.append(failed)
            continue
        scores.append(score_document(gold, result))
    return EvalReport(scores)


def format_report(report: EvalReport, show_errors: int = 20) -> str:
    width = max([48, *(len(doc.source) for doc in report.documents)])  # whole names: scripts read them
    lines = [f"{'document':<{width}} {'fields':>6} {'wrong':>5} {'silent':>6} {'flagged':>7} {'accuracy':>8}"]
    for doc in report.documents:
        lines.append(
            f"{doc.source:<{width}} {doc.fields:>6} {doc.wrong:>5} {len(doc.silent):>6} {doc.flagged:>7} "
            f"{doc.accuracy:>8.2%}" + (f"  FAILED: {doc.failure}" if doc.failure else "")
        )
    lines.append(
        f"{'overall':<{width}} {report.fields:>6} {report.wrong:>5} {report.silent:>6} {report.flagged:>7} "
        f"{report.accuracy:>8.2%}"
    )
    review_load = report.flagged / report.fields if report.fields else 0.0
    lines.append(
        f"field accuracy {report.accuracy:.2%}; wrong fields {report.wrong}; silent errors {report.silent}; "
        f"review load {review_load:.2%} ({report.flagged}/{report.fields})"
    )
    shown = 0
    for doc in report.documents:
        for error in doc.errors:
            if shown >= show_errors or doc.failure:
                break
            mark = "SILENT" if not error.flagged else "flagged"
            lines.append(f"  {mark:<7} {doc.source}: {error.key}: expected {error.expected!r}, got {error.got!r}")
            shown += 1
    return "\n".join(lines)
