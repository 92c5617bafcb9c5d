"""Field accuracy, wrong fields, silent errors and review load per converter family of a converted split.

    python eval/families.py eval/converted/dev                      # extract and score, as extractor eval does
    extractor eval eval/converted/dev > dev.txt; python eval/families.py eval/converted/dev --eval-output dev.txt
    python eval/families.py eval/converted/dev --pred out/ --by converter --worst 10

The family of a document comes from its gold's ``converted_from`` (see eval/convert.py). The
table is markdown, ready for eval/README.md.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
for path in (HERE, HERE.parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from convert import CONVERTERS, family  # noqa: E402

from extractor.scoring import DocumentScore, gold_files, run_eval  # noqa: E402

# a per-document line of `extractor eval`: name, fields, wrong, silent, flagged, accuracy
ROW = re.compile(r"^(?P<name>\S.*?)\s+(?P<fields>\d+)\s+(?P<wrong>\d+)\s+(?P<silent>\d+)\s+(?P<flagged>\d+)\s+[\d.]+%")


@dataclass
class Tally:
    documents: int = 0
    fields: int = 0
    wrong: int = 0
    silent: int = 0
    flagged: int = 0
    failed: int = 0
    members: set[str] = field(default_factory=set)

    def add(self, fields: int, wrong: int, silent: int, flagged: int, failed: bool, member: str) -> None:
        self.documents += 1
        self.fields += fields
        self.wrong += wrong
        self.silent += silent
        self.flagged += flagged
        self.failed += int(failed)
        self.members.add(member)

    def row(self, label: str) -> str:
        accuracy = (self.fields - self.wrong) / self.fields if self.fields else 0.0
        load = self.flagged / self.fields if self.fields else 0.0
        failed = f" ({self.failed} failed)" if self.failed else ""
        members = ", ".join(sorted(self.members))
        return (
            f"| {label} | {members} | {self.documents}{failed} | {accuracy:.2%} | {self.wrong} | {self.silent} "
            f"| {load:.1%} |"
        )


def origins(gold_dir: Path) -> dict[str, dict]:
    """Document name -> its gold's converted_from."""
    out = {}
    for gold_path in gold_files(gold_dir):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        if "converted_from" not in gold:
            raise SystemExit(f"{gold_path}: no converted_from; is this a folder made by eval/convert.py?")
        out[gold["source"]] = gold["converted_from"]
    return out


def parse_eval_output(text: str, names: list[str]) -> list[tuple[str, int, int, int, int, bool]]:
    """(document, fields, wrong, silent, flagged, failed) from the per-document lines of `extractor eval`."""
    rows = []
    for line in text.splitlines():
        match = ROW.match(line)
        if not match or match["name"] in ("document", "overall"):
            continue
        # whole names; an older `extractor eval` cut them at 48 characters
        candidates = [n for n in names if n == match["name"]] or [n for n in names if n[:48] == match["name"]]
        if len(candidates) != 1:
            raise SystemExit(f"cannot tell which document {match['name']!r} is")
        rows.append(
            (
                candidates[0],
                int(match["fields"]),
                int(match["wrong"]),
                int(match["silent"]),
                int(match["flagged"]),
                "FAILED:" in line,
            )
        )
    return rows


def table(rows: list[tuple[str, int, int, int, int, bool]], origin: dict[str, dict], by: str) -> str:
    order = list(dict.fromkeys(c.family if by == "family" else c.name for c in CONVERTERS))
    tallies: dict[str, Tally] = defaultdict(Tally)
    total = Tally()
    for name, fields, wrong, silent, flagged, failed in rows:
        source = origin[name]
        key = family(source) if by == "family" else source["converter"]
        member = source["converter"] if by == "family" else family(source)
        tallies[key].add(fields, wrong, silent, flagged, failed, member)
        total.add(fields, wrong, silent, flagged, failed, "all")
    head = "family" if by == "family" else "converter"
    second = "converters" if by == "family" else "family"
    lines = [
        f"| {head} | {second} | documents | field accuracy | wrong | silent errors | review load |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines += [tallies[k].row(k) for k in sorted(tallies, key=lambda k: (order.index(k) if k in order else 99, k))]
    total.members = {"all"}
    lines.append(total.row("**all**"))
    return "\n".join(lines)


def worst(scores: list[DocumentScore], count: int, errors: int = 6) -> str:
    lines = []
    ranked = sorted(scores, key=lambda s: (-len(s.silent), -s.wrong, s.source))
    for score in ranked[:count]:
        if not score.wrong:
            break
        lines.append(f"{score.source}: {score.wrong} wrong, {len(score.silent)} silent, accuracy {score.accuracy:.1%}")
        if score.failure:
            lines.append(f"    FAILED: {score.failure}")
            continue
        shown = sorted(score.errors, key=lambda e: (e.flagged, e.key))[:errors]
        for error in shown:
            mark = "flagged" if error.flagged else "SILENT"
            lines.append(f"    {mark:<7} {error.key}: expected {error.expected!r}, got {error.got!r}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("gold_dir", type=Path, help="a folder made by eval/convert.py")
    parser.add_argument("--eval-output", type=Path, help="read the per-document lines of a saved `extractor eval` run")
    parser.add_argument("--pred", type=Path, help="read results DIR/<stem>.json instead of extracting")
    parser.add_argument("--by", choices=("family", "converter"), default="family")
    parser.add_argument("--worst", type=int, default=0, help="also list the N worst documents and their errors")
    parser.add_argument("--min-accuracy", type=float, help="exit 1 below this field accuracy (0-1), over all documents")
    parser.add_argument("--max-silent", type=int, help="exit 1 above this many silent errors")
    parser.add_argument("--max-failed", type=int, help="exit 1 above this many documents that could not be extracted")
    parser.add_argument("--max-review", type=float, help="exit 1 above this share (0-1) of fields in review")
    args = parser.parse_args(argv)
    if not args.gold_dir.is_dir():
        print(f"families: {args.gold_dir} is not a directory", file=sys.stderr)
        return 2
    origin = origins(args.gold_dir)
    scores: list[DocumentScore] = []
    if args.eval_output is not None:
        rows = parse_eval_output(args.eval_output.read_text(encoding="utf-8"), list(origin))
    else:
        extract = None
        if args.pred is None:
            from extractor.pipeline import ExtractOptions, extract_path

            options = ExtractOptions(llm="never")

            def extract(path: Path) -> dict:
                return extract_path(path, options).to_json()

        report = run_eval(args.gold_dir, extract, pred_dir=args.pred)
        scores = report.documents
        rows = [(s.source, s.fields, s.wrong, len(s.silent), s.flagged, bool(s.failure)) for s in scores]
    if len(rows) != len(origin):
        print(f"families: {len(rows)} documents scored, {len(origin)} gold files in {args.gold_dir}", file=sys.stderr)
        return 1
    print(table(rows, origin, args.by))
    if args.worst and scores:
        print()
        print(worst(scores, args.worst))
    return 1 if threshold_failures(rows, args.min_accuracy, args.max_silent, args.max_failed, args.max_review) else 0


def threshold_failures(
    rows: list[tuple[str, int, int, int, int, bool]],
    min_accuracy: float | None,
    max_silent: int | None,
    max_failed: int | None,
    max_review: float | None = None,
) -> list[str]:
    """Print and return one line per threshold the documents miss."""
    fields = sum(r[1] for r in rows)
    accuracy = (fields - sum(r[2] for r in rows)) / fields if fields else 0.0
    silent = sum(r[3] for r in rows)
    failed = sum(r[5] for r in rows)
    missed = []
    if min_accuracy is not None and accuracy < min_accuracy:
        missed.append(f"field accuracy {accuracy:.2%} is below --min-accuracy {min_accuracy:.2%}")
    if max_silent is not None and silent > max_silent:
        missed.append(f"{silent} silent errors, more than --max-silent {max_silent}")
    if max_failed is not None and failed > max_failed:
        missed.append(f"{failed} documents failed, more than --max-failed {max_failed}")
    review = sum(r[4] for r in rows) / fields if fields else 0.0
    if max_review is not None and review > max_review:
        missed.append(f"review load {review:.2%} is above --max-review {max_review:.2%}")
    for line in missed:
        print(line, file=sys.stderr)
    return missed


if __name__ == "__main__":
    raise SystemExit(main())
