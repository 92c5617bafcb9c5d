"""``extractor``: extract reports, score them against gold, review uncertain fields."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from extractor.errors import ExtractorError

EXIT_OK = 0
EXIT_FAILED = 1  # some input could not be extracted / eval found silent errors
EXIT_USAGE = 2
MIN_WORKER_MB = 300  # a worker with the loaders imported holds about 150 MB


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gov-disclosure-extractor")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


def _dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_extract(args: argparse.Namespace) -> int:
    from extractor.batch import BatchLimits, BatchProgress, Counts, collect_inputs, default_jobs, prepare_out, run_batch
    from extractor.load import LoadLimits
    from extractor.pipeline import ExtractOptions

    options = ExtractOptions(llm=args.llm, cache_dir=args.cache_dir, second_readers=not args.no_second_readers)
    limits = BatchLimits(
        timeout_s=args.timeout,
        memory_mb=args.memory_mb,
        load=LoadLimits(
            max_pages=args.max_pages,
            max_pixels=int(args.max_megapixels * 1_000_000),
            max_unpacked_mb=args.max_unpacked_mb,
        ),
    )
    if 0 < args.memory_mb < MIN_WORKER_MB:
        print(f"extractor extract: --memory-mb must be 0 (no limit) or at least {MIN_WORKER_MB}", file=sys.stderr)
        return EXIT_USAGE
    inputs = collect_inputs(args.paths, args.include or [], args.exclude or [])
    if args.verbose:
        for path, reason in inputs.skipped:
            _progress(f"skipped {path}: {reason}")
    if args.out is None:
        if len(args.paths) > 1 or len(inputs.documents) != 1 or any(Path(raw).is_dir() for raw in args.paths):
            print(
                "extractor extract: several inputs (or a folder) need --out DIR (one JSON file per input)",
                file=sys.stderr,
            )
            return EXIT_USAGE
        return _extract_to_stdout(inputs.documents[0], options, limits)
    problem = prepare_out(args.out)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_FAILED
    jobs = args.jobs if args.jobs is not None else default_jobs(limits.memory_mb)
    counts = Counts(total=len(inputs.documents), skipped=len(inputs.skipped))
    progress = BatchProgress(counts.total, quiet=args.quiet, verbose=args.verbose)
    try:
        if args.engine == "ray":
            from extractor.batch_ray import run_batch_ray

            run_batch_ray(inputs.documents, args.out, options, limits, args.resume, progress, counts)
        else:
            run_batch(inputs.documents, args.out, options, jobs, limits, args.resume, progress, counts)
    finally:
        progress.close(counts)
    if options.second_readers and counts.total > 1 and counts.carry_in_review:
        from extractor.series import settle

        settled = settle(args.out)  # the same body's neighbouring years, now all at hand
        if settled and not args.quiet:
            _progress(f"extractor extract: {len(settled)} field(s) confirmed by a neighbouring year left review")
    if not inputs.documents and not args.quiet:
        _progress(f"extractor extract: no documents in {', '.join(args.paths)}")
    return EXIT_FAILED if counts.failed or not inputs.documents else EXIT_OK


def _extract_to_stdout(path: Path, options: Any, limits: Any) -> int:
    from extractor.batch import extract_one, print_error

    outcome = extract_one(path, options, limits)
    if outcome.result is None:
        print_error(outcome.error or f"{path}: failed")
        return EXIT_FAILED
    print(_dump(outcome.result))
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from extractor.export import export

    warnings: list[str] = []

    def warn(message: str) -> None:
        warnings.append(message)
        print(f"error: {message}", file=sys.stderr)

    stats = export(args.out_dir, args.format, args.output, long=args.long, chinese=args.chinese_headers, warn=warn)
    if args.output is not None:
        _progress(f"{stats.reports} report(s), {stats.rows} row(s) -> {args.output}")
    if not stats.reports and not warnings:
        print(f"extractor export: no results in {args.out_dir}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_FAILED if warnings else EXIT_OK


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
    from extractor.series import format_table, run_series, settle

    if args.settle and args.results_dir.is_dir():
        settled = settle(args.results_dir)
        _progress(f"extractor series: {len(settled)} field(s) confirmed by a neighbouring year left review")
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


def build_parser(review: bool = True) -> argparse.ArgumentParser:
    """The command line; ``review=False`` leaves out the review commands (they import the queue's models)."""
    parser = argparse.ArgumentParser(
        prog="extractor",
        description="Extract the statistics tables of 政府信息公开工作年度报告 (PDF, scans, Word, HTML, text) "
        "as checked data with per-field sources.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    extract = sub.add_parser(
        "extract",
        help="extract reports to JSON",
        description="Extract each input to DIR/<stem>.json (or print the JSON for a single input). "
        "Exit status 1 when any input failed; each failure is one line on stderr.",
    )
    extract.add_argument("paths", nargs="+", metavar="PATH", help="report files, or folders (read recursively)")
    extract.add_argument(
        "--out", type=Path, metavar="DIR", help="write DIR/<input stem>.json per input and DIR/manifest.jsonl"
    )
    extract.add_argument(
        "--resume",
        action="store_true",
        help="with --out: skip inputs whose result is valid and made from the same content, tool version and settings",
    )
    extract.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="extract N documents at once (default: one per core, as many as memory allows)",
    )
    extract.add_argument("--include", action="append", metavar="GLOB", help="in folders, only files matching GLOB")
    extract.add_argument("--exclude", action="append", metavar="GLOB", help="in folders, leave out files matching GLOB")
    limits = extract.add_argument_group("limits (a document over one fails alone, with one line)")
    limits.add_argument(
        "--timeout",
        type=_positive_float,
        default=600.0,
        metavar="S",
        help="seconds of wall-clock time per document (default 600)",
    )
    limits.add_argument(
        "--memory-mb",
        type=int,
        default=1536,
        metavar="MB",
        help="resident memory of each worker process (default 1536; 0: no limit)",
    )
    limits.add_argument("--max-pages", type=int, default=300, metavar="N", help="pages per document (default 300)")
    limits.add_argument(
        "--max-megapixels",
        type=_positive_float,
        default=80.0,
        metavar="N",
        help="pixels of an image or of a PDF page rendered for OCR, in millions (default 80)",
    )
    limits.add_argument(
        "--max-unpacked-mb", type=int, default=256, metavar="MB", help="what a Word file may unpack to (default 256)"
    )
    extract.add_argument(
        "--engine",
        choices=["local", "ray"],
        default="local",
        help="local worker processes (default) or Ray tasks (pip install '.[ray]')",
    )
    _llm_options(extract)
    extract.add_argument("-q", "--quiet", action="store_true", help="print only errors, one line each")
    extract.add_argument("-v", "--verbose", action="store_true", help="also list skipped files and unchanged results")
    extract.set_defaults(func=cmd_extract)

    exporter = sub.add_parser(
        "export",
        help="a batch's results as one table (CSV, JSON Lines, Parquet, Excel)",
        description="One row per report (file, every field under its dotted key, fields in review, failed "
        "checks), or with --long one row per field (value, in review, reason, page). CSV and JSON Lines go to "
        "stdout without -o. Parquet needs pip install '.[parquet]', Excel '.[xlsx]'.",
    )
    exporter.add_argument("out_dir", type=Path, metavar="OUT", help="the --out folder of `extractor extract`")
    exporter.add_argument("--format", choices=["csv", "jsonl", "parquet", "xlsx"], default="csv")
    exporter.add_argument("--long", action="store_true", help="one row per field instead of one per report")
    exporter.add_argument("--chinese-headers", action="store_true", help="column headers in Chinese")
    exporter.add_argument("-o", "--output", type=Path, metavar="FILE", help="write FILE (required for parquet, xlsx)")
    exporter.set_defaults(func=cmd_export)

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
    series.add_argument(
        "--settle",
        action="store_true",
        help="first take out of review, in the result files, each carried-over cell the neighbouring year confirms "
        "(extract --out does this itself unless --no-second-readers)",
    )
    series.set_defaults(func=cmd_series)

    if review:
        try:
            from extractor.review import add_review_commands
        except ImportError:
            pass
        else:
            add_review_commands(sub)
    return parser


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


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
        help="do not check values against the report's prose or the LLM's agreement, nor propose repairs "
        "(to measure what they save)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    code = _run(arguments)
    if argv is None and arguments[:1] == ["extract"]:
        _exit_without_teardown(code)
    return code


def _run(arguments: list[str]) -> int:
    try:
        parser = build_parser(review=arguments[:1] != ["extract"])  # extract needs none of review's imports
        args = parser.parse_args(arguments)
        return int(args.func(args))
    except ExtractorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader of our output went away (| head): not an error of ours
        sys.stderr.close()
        return EXIT_OK


def _exit_without_teardown(code: int) -> NoReturn:
    """End an ``extract`` run from the command line: exit handlers run and output is flushed, then the
    process ends without the interpreter freeing every module one by one (PyMuPDF, the parser's
    tables: about 0.1 s of a run's fixed cost). Every file ``extract`` writes is closed by then."""
    import atexit
    import contextlib
    import os

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe or stream: nothing more reaches it
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
