"""A batch's results as one table: CSV, JSON Lines, Parquet or Excel.

Wide form: one row per report, every field of SCHEMA.md as a column under its
dotted key (``applications.granted.total``), with the report's file, the count
of fields in review and the tally checks that failed. Long form: one row per
field, with its value, whether it is in review, why, and the page it was read
from. The columns are fixed by the template, so rows stream out one result file
at a time and a batch of any size fits in memory. Values are the JSON results'
values, unchanged.

Parquet and Excel need the optional extras ``parquet`` (pyarrow) and ``xlsx``
(openpyxl).
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from extractor.errors import ExtractorError
from extractor.report import flatten
from extractor.template import (
    ACTIVE_DISCLOSURE,
    APPLICANT_COLUMNS,
    APPLICATION_ROW_LABELS,
    METADATA_FIELDS,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
)

Format = Literal["csv", "jsonl", "parquet", "xlsx"]
FORMATS: tuple[Format, ...] = ("csv", "jsonl", "parquet", "xlsx")
BINARY_FORMATS = ("parquet", "xlsx")
MANIFEST = "manifest.jsonl"
EXTRAS = {"parquet": ("pyarrow", "parquet"), "xlsx": ("openpyxl", "xlsx")}

HEAD_COLUMNS = ("result", "source")
TAIL_COLUMNS = ("status", "review_count", "failed_checks")
LONG_COLUMNS = (
    "result",
    "source",
    "organization",
    "year",
    "key",
    "value",
    "in_review",
    "reason",
    "page",
    "confidence",
    "engine",
)
METADATA_LABELS = {"organization": "机关名称", "year": "年度", "published_on": "发布日期", "template": "模板"}
EXTRA_LABELS = {
    "result": "结果文件",
    "source": "来源文件",
    "status": "状态",
    "review_count": "待复核字段数",
    "failed_checks": "未通过的校验",
    "key": "字段",
    "value": "值",
    "in_review": "待复核",
    "reason": "原因",
    "page": "页码",
    "confidence": "置信度",
    "engine": "来源引擎",
}


class ExportError(ExtractorError):
    pass


def field_keys() -> list[str]:
    """Every dotted key of SCHEMA.md's ``report``, both templates, in printed order."""
    keys = list(METADATA_FIELDS)
    for layout in ACTIVE_DISCLOSURE.values():
        for item, (_, fields) in layout.items():
            keys.extend(f"active_disclosure.{item}.{f}" for f in fields if f"active_disclosure.{item}.{f}" not in keys)
    keys.extend(f"applications.{row}.{col}" for row in APPLICATION_ROW_LABELS for col in APPLICANT_COLUMNS)
    keys.extend(f"reviews_and_lawsuits.{group}.{col}" for group in REVIEW_GROUPS for col in REVIEW_COLUMNS)
    return keys


def wide_columns() -> list[str]:
    return [*HEAD_COLUMNS, *field_keys(), *TAIL_COLUMNS]


def chinese_header(column: str) -> str:
    """The column's Chinese label (``三、（一）予以公开·自然人``); unknown columns keep their key."""
    from extractor.template import ACTIVE_FIELD_LABELS, COLUMN_LABELS, REVIEW_COLUMN_LABELS

    if column in METADATA_LABELS:
        return METADATA_LABELS[column]
    if column in EXTRA_LABELS:
        return EXTRA_LABELS[column]
    parts = column.split(".")
    if len(parts) != 3:
        return column
    section, item, field = parts
    if section == "applications":
        return f"三、{APPLICATION_ROW_LABELS[item]}·{COLUMN_LABELS[field]}"
    if section == "reviews_and_lawsuits":
        return f"四、{REVIEW_GROUPS[item]}·{REVIEW_COLUMN_LABELS[field]}"
    if section == "active_disclosure":
        label = next(
            (layout[item][0] for layout in ACTIVE_DISCLOSURE.values() if item in layout),
            item,
        )
        return f"二、{label}·{ACTIVE_FIELD_LABELS.get(field, field)}"
    return column


# -- reading results -----------------------------------------------------------------


@dataclass(slots=True)
class ExportStats:
    reports: int = 0
    rows: int = 0
    unreadable: int = 0


def result_files(out: Path) -> list[Path]:
    """The result files of a batch: those the manifest lists as ``ok``, else every ``*.json``."""
    if not out.is_dir():
        raise ExportError(f"{out}: not a folder of results (give the --out folder of `extractor extract`)")
    manifest = out / MANIFEST
    if manifest.is_file():
        files = []
        for line in manifest.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and entry.get("status") == "ok" and entry.get("result"):
                files.append(out / entry["result"])
        return files
    return sorted(path for path in out.glob("*.json") if path.is_file())


def read_results(files: list[Path], stats: ExportStats, warn: Callable[[str], None]) -> Iterator[tuple[Path, Any]]:
    for path in files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            stats.unreadable += 1
            warn(f"{path}: not a readable result ({exc})")
            continue
        if not isinstance(data, dict) or not isinstance(data.get("report"), dict):
            stats.unreadable += 1
            warn(f"{path}: not a result file (no report)")
            continue
        stats.reports += 1
        yield path, data


def wide_row(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    flat = flatten(data["report"])
    row: dict[str, Any] = {"result": path.name, "source": data.get("source")}
    for key in field_keys():
        row[key] = flat.get(key)
    row["status"] = data.get("status")
    row["review_count"] = len(data.get("review") or [])
    row["failed_checks"] = "; ".join(
        check.get("rule", "") for check in data.get("checks") or [] if check.get("passed") is False
    )
    return row


def long_rows(path: Path, data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    report = data["report"]
    flat = flatten(report)
    review = set(data.get("review") or [])
    details = data.get("fields") or {}
    for key in [k for k in field_keys() if k in flat] + [k for k in flat if k not in set(field_keys())]:
        detail = details.get(key) or {}
        source = detail.get("source") or {}
        yield {
            "result": path.name,
            "source": data.get("source"),
            "organization": report.get("organization"),
            "year": report.get("year"),
            "key": key,
            "value": flat[key],
            "in_review": key in review,
            "reason": detail.get("note"),
            "page": source.get("page"),
            "confidence": detail.get("confidence"),
            "engine": source.get("engine"),
        }


# -- writers ---------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _write_csv(rows: Iterator[dict[str, Any]], columns: list[str], headers: list[str], handle: IO[str]) -> int:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(headers)
    count = 0
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
        count += 1
    return count


def _write_jsonl(rows: Iterator[dict[str, Any]], columns: list[str], headers: list[str], handle: IO[str]) -> int:
    count = 0
    for row in rows:
        handle.write(json.dumps({h: row.get(c) for c, h in zip(columns, headers, strict=True)}, ensure_ascii=False))
        handle.write("\n")
        count += 1
    return count


def _arrow_type(column: str, long: bool) -> Any:
    import pyarrow as pa

    if long:
        return {
            "year": pa.int64(),
            "in_review": pa.bool_(),
            "page": pa.int64(),
            "confidence": pa.float64(),
        }.get(column, pa.string())
    if column in ("year", "review_count") or column.startswith(("applications.", "reviews_and_lawsuits.")):
        return pa.int64()
    if column.startswith("active_disclosure."):
        return pa.float64()  # counts, changes (negative) and money (decimals) share the section
    return pa.string()


def _write_parquet(
    rows: Iterator[dict[str, Any]], columns: list[str], headers: list[str], target: Path, long: bool
) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(h, _arrow_type(c, long)) for c, h in zip(columns, headers, strict=True)])
    count = 0
    with pq.ParquetWriter(target, schema) as writer:
        batch: list[dict[str, Any]] = []

        def flush() -> None:
            if batch:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch.clear()

        for row in rows:
            if long:
                row = {**row, "value": None if row["value"] is None else str(row["value"])}
            batch.append({h: row.get(c) for c, h in zip(columns, headers, strict=True)})
            count += 1
            if len(batch) >= 2000:
                flush()
        flush()
    return count


def _write_xlsx(
    rows: Iterator[dict[str, Any]], columns: list[str], headers: list[str], target: Path, long: bool
) -> int:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("fields" if long else "reports")
    sheet.append(headers)
    count = 0
    for row in rows:
        sheet.append([row.get(column) for column in columns])
        count += 1
    book.save(target)
    return count


def _require(fmt: Format) -> None:
    if fmt not in EXTRAS:
        return
    module, extra = EXTRAS[fmt]
    try:
        __import__(module)
    except ImportError:
        raise ExportError(
            f"--format {fmt} needs the package {module!r}: pip install 'gov-disclosure-extractor[{extra}]' "
            f"(or pip install {module})"
        ) from None


def export(
    out: Path,
    fmt: Format,
    target: Path | None = None,
    long: bool = False,
    chinese: bool = False,
    stdout: IO[str] | None = None,
    warn: Callable[[str], None] | None = None,
) -> ExportStats:
    """Write the results of the batch folder ``out`` as one table to ``target`` (or ``stdout``)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    if fmt in BINARY_FORMATS and target is None:
        raise ExportError(f"--format {fmt} writes a binary file: give -o FILE")
    _require(fmt)
    stats = ExportStats()
    files = result_files(out)
    warn = warn or (lambda message: print(f"warning: {message}", file=sys.stderr))
    results = read_results(files, stats, warn)
    columns = list(LONG_COLUMNS) if long else wide_columns()
    headers = [chinese_header(c) for c in columns] if chinese else columns
    rows: Iterator[dict[str, Any]] = (
        (row for path, data in results for row in long_rows(path, data))
        if long
        else (wide_row(path, data) for path, data in results)
    )
    if target is not None:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(target.name + ".part")
            if fmt == "parquet":
                stats.rows = _write_parquet(rows, columns, headers, temporary, long)
            elif fmt == "xlsx":
                stats.rows = _write_xlsx(rows, columns, headers, temporary, long)
            else:
                with temporary.open("w", encoding="utf-8", newline="") as handle:
                    write = _write_csv if fmt == "csv" else _write_jsonl
                    stats.rows = write(rows, columns, headers, handle)
            temporary.replace(target)
        except OSError as exc:
            raise ExportError(f"{target}: cannot write ({exc.strerror or exc})") from exc
        return stats
    write = _write_csv if fmt == "csv" else _write_jsonl
    stats.rows = write(rows, columns, headers, stdout or sys.stdout)
    return stats
