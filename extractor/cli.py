"""``extractor``: extract reports, score them against gold, review uncertain fields."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from extractor.errors import ExtractorError

EXIT_OK = 0
EXIT_FAILED = 1  # some input could not be extracted / eval found silent errors
EXIT_USAGE = 2


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_extract(args: argparse.Namespace) -> int:
    from extractor.pipeline import ExtractOptions

    options = ExtractOptions(llm=args.llm, cache_dir=args.cache_dir, second_readers=not args.no_second_readers)
    paths: list[Path] = []
    for raw in args.paths:
        path = Path(raw)
        paths.extend(sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path])
    if len(paths) > 1 and args.out is None:
        print("extractor extract: several inputs need --out DIR (one JSON file per input)", file=sys.stderr)
        return EXIT_USAGE
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        batch = len(paths) > 1
        if args.resume:
            done = [p for p in paths if _is_done(p, args.out)]
            if done:
                _progress(f"resuming: {len(done)} of {len(paths)} input(s) already have a result in {args.out}")
            paths = [p for p in paths if p not in done]
    failures = 0
    for index, (path, outcome) in enumerate(_run_batch(paths, options, args.jobs), 1):
        if isinstance(outcome, str):
            failures += 1
            print(f"error: {outcome}", file=sys.stderr)
            continue
        if args.out is None:
            print(_dump(outcome))
        else:
            target = args.out / f"{path.stem}.json"
            temporary = target.with_suffix(".json.part")  # a stopped run never leaves half a result
            temporary.write_text(_dump(outcome) + "\n", encoding="utf-8")
            temporary.replace(target)
            if batch or args.verbose:
                flagged = len(outcome["review"])
                _progress(f"[{index}/{len(paths)}] {path.name}: {flagged} field(s) to review -> {target}")
    return EXIT_FAILED if failures else EXIT_OK


def _is_done(path: Path, out: Path) -> bool:
    target = out / f"{path.stem}.json"
    return target.exists() and target.stat().st_mtime >= path.stat().st_mtime


def _extract_one(path: Path, options: Any) -> dict[str, Any] | str:
    """One document to its result JSON, or the line that says why it failed. Runs in worker processes."""
    from extractor.pipeline import extract_path

    try:
        return extract_path(path, options).to_json()
    except ExtractorError as exc:
        return str(exc)
    except Exception as exc:  # an internal defect on one file must not stop the batch
        return f"{path}: internal error while extracting ({type(exc).__name__}: {exc})"


def _run_batch(paths: list[Path], options: Any, jobs: int) -> Iterator[tuple[Path, dict[str, Any] | str]]:
    if jobs <= 1 or len(paths) <= 1:
        for path in paths:
            yield path, _extract_one(path, options)
        return
    from concurrent.futures import ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(_extract_one, path, options): path for path in paths}
        for future in as_completed(futures):
            yield futures[future], future.result()


def cmd_eval(args: argparse.Namespace) -> int:
    from extractor.pipeline import ExtractOptions, extract_path
    from extractor.scoring import format_report, run_eval

    options = ExtractOptions(llm=args.llm, cache_dir=args.cache_dir, second_readers=not args.no_second_readers)

    def extract(path: Path) -> dict[str, Any]:
        return extract_path(path, options).to_json()

    if not args.gold_dir.is_dir():
        print(f"extractor eval: {args.gold_dir} is not a directory of gold files", file=sys.stderr)
        return EXIT_USAGE
    report = run_eval(
        args.gold_dir,
        None if args.pred else extract,
        pred_dir=args.pred,
        docs_dirs=args.docs or [],
        progress=_progress if args.verbose else None,
    )
    if not report.documents:
        print(f"extractor eval: no gold files (*.json) in {args.gold_dir}", file=sys.stderr)
        return EXIT_USAGE
    print(format_report(report, show_errors=args.show))
    failed = report.silent > 0 or bool(report.failures)
    if args.min_accuracy is not None and report.accuracy < args.min_accuracy:
        print(f"field accuracy {report.accuracy:.2%} is below --min-accuracy {args.min_accuracy:.2%}", file=sys.stderr)
        failed = True
    if args.max_wrong is not None and report.wrong > args.max_wrong:
        print(f"{report.wrong} wrong field(s), more than --max-wrong {args.max_wrong}", file=sys.stderr)
        failed = True
    return EXIT_FAILED if failed else EXIT_OK


def cmd_series(args: argparse.Namespace) -> int:
    from extractor.series import format_table, run_series

    report = run_series(args.results_dir)
    for line in report.skipped:
        print(f"skipped: {line}", file=sys.stderr)
    if report.bodies == 0:
        print(f"extractor series: no result file with a body and a year in {args.results_dir}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(_dump([check.to_json() for check in report.checks]))
    else:
        print(format_table(report))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="extractor",
        description="Extract the statistics tables of 政府信息公开工作年度报告 (PDF, scans, Word, HTML, text) "
        "as checked data with per-field sources.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    extract = sub.add_parser(
        "extract",
        help="extract reports to JSON",
        description="Extract each input to DIR/<stem>.json (or print the JSON for a single input). "
        "Exit status 1 when any input failed; each failure is one line on stderr.",
    )
    extract.add_argument("paths", nargs="+", metavar="PATH", help="report files (or directories of them)")
    extract.add_argument("--out", type=Path, metavar="DIR", help="write DIR/<input stem>.json per input")
    extract.add_argument(
        "--resume", action="store_true", help="with --out: skip inputs whose result is already there and newer"
    )
    extract.add_argument("-j", "--jobs", type=int, default=1, metavar="N", help="extract N documents at once")
    _llm_options(extract)
    extract.add_argument("-v", "--verbose", action="store_true", help="print progress to stderr")
    extract.set_defaults(func=cmd_extract)

    evaluate = sub.add_parser(
        "eval",
        help="score extraction against gold files",
        description="Extract the documents of GOLD_DIR's gold files (or read results from --pred) and print "
        "field accuracy, wrong fields, silent errors (wrong and not in review) and review load. "
        "Exit status 1 on any silent error or failed document.",
    )
    evaluate.add_argument("gold_dir", type=Path, metavar="GOLD_DIR")
    evaluate.add_argument("--pred", type=Path, metavar="DIR", help="read results DIR/<stem>.json instead of extracting")
    evaluate.add_argument("--docs", type=Path, action="append", metavar="DIR", help="also look for documents here")
    evaluate.add_argument("--min-accuracy", type=float, metavar="F", help="fail below this field accuracy (0-1)")
    evaluate.add_argument("--max-wrong", type=int, metavar="N", help="fail above this many wrong fields")
    evaluate.add_argument("--show", type=int, default=30, metavar="N", help="list at most N wrong fields")
    _llm_options(evaluate)
    evaluate.add_argument("-v", "--verbose", action="store_true", help="print progress to stderr")
    evaluate.set_defaults(func=cmd_eval)

    series = sub.add_parser(
        "series",
        help="check a body's consecutive years against each other",
        description="Group the result files of RESULTS_DIR by body and year; for each pair of consecutive years "
        "check, per column, that 结转下年度继续办理 of year Y equals 上年结转 of year Y+1, and flag breaks of the "
        "现行有效件数 continuity of section 二 and year-over-year jumps (ratio above 5 or below 0.2).",
    )
    series.add_argument("results_dir", type=Path, metavar="RESULTS_DIR", help="a directory of result JSON files")
    series.add_argument("--json", action="store_true", help="print a JSON list of the checks instead of a table")
    series.set_defaults(func=cmd_series)

    try:
        from extractor.review import add_review_commands
    except ImportError:
        pass
    else:
        add_review_commands(sub)
    return parser


def _llm_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--llm",
        choices=["never", "auto", "always"],
        default=None,
        help="use the configured LLM endpoint: never, auto (only sections the parser is unsure of) or always; "
        "default auto when EXTRACTOR_LLM_BASE_URL is set, else never",
    )
    parser.add_argument("--cache-dir", type=Path, metavar="DIR", help="LLM answer cache (default .extractor-cache/llm)")
    parser.add_argument(
        "--no-second-readers",
        action="store_true",
        help="do not check values against the report's prose nor propose repairs (to measure what they save)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ExtractorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader of our output went away (| head): not an error of ours
        sys.stderr.close()
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
