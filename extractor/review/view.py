"""What the document page shows: the three tables as printed, the identities, and where a field came from.

Everything here reads: the result file, the queue's decisions and the
document itself (re-loaded to show the source lines, or rendered with the
field's box drawn). The identities are evaluated by ``extractor.checks`` on
the values with the decisions applied, so the page shows what export writes.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractor.checks import evaluate, evaluate_identity, identities_for
from extractor.report import Value
from extractor.review.export import apply_decisions
from extractor.review.store import ReviewError, list_items
from extractor.review.values import InvalidValue, parse_value
from extractor.template import (
    ACTIVE_DISCLOSURE,
    ACTIVE_FIELD_LABELS,
    APPLICANT_COLUMNS,
    APPLICATION_ROW_LABELS,
    REVIEW_COLUMN_LABELS,
    REVIEW_COLUMNS,
    REVIEW_GROUPS,
    TEMPLATES,
)
from extractor.template import COLUMN_LABELS as TEMPLATE_COLUMN_LABELS

COLUMN_LABELS = {**TEMPLATE_COLUMN_LABELS, "other_org": "其他"}  # under the 法人或其他组织 header
METADATA_LABELS = {"organization": "机关", "year": "统计年度", "published_on": "发布日期", "template": "模板"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"}
PDF_LIKE = {".pdf", *IMAGE_SUFFIXES}
IMAGE_MAX_SIDE = 6000  # what load/image.py scales a larger image down to before OCR: its boxes are in those pixels
SOURCE_CONTEXT_LINES = 2


@dataclass
class Cell:
    key: str
    value: Value
    item: dict[str, Any] | None
    broken: bool


def document_view(connection: sqlite3.Connection, document_id: int) -> dict[str, Any]:
    """Everything the document page renders, with decisions applied and identities evaluated again."""
    corrected = apply_decisions(connection, document_id)
    values = corrected.values
    items = {item["key"]: item for item in list_items(connection, document=str(document_id))}
    checks = evaluate(values)
    broken_keys = {key for check in checks if check.passed is False for key in check.fields}
    flagged_keys = set(items)
    shown_checks = sorted(
        (
            check
            for check in checks
            if check.passed is False or (check.passed is not None and flagged_keys.intersection(check.fields))
        ),
        key=lambda check: check.passed is not False,  # broken first
    )

    def cell(key: str) -> Cell:
        return Cell(key, values.get(key), items.get(key), key in broken_keys)

    template = values.get("template")
    layout = ACTIVE_DISCLOSURE.get(template) if template in TEMPLATES else None
    active = []
    if layout and any(k.startswith("active_disclosure.") and v is not None for k, v in values.items()):
        for item_key, (label, fields) in layout.items():
            active.append(
                (
                    label,
                    [(ACTIVE_FIELD_LABELS.get(f, f), cell(f"active_disclosure.{item_key}.{f}")) for f in fields],
                )
            )
    rows = [row for row in APPLICATION_ROW_LABELS if any(k.startswith(f"applications.{row}.") for k in values)]
    applications = [
        (APPLICATION_ROW_LABELS[row], [cell(f"applications.{row}.{col}") for col in APPLICANT_COLUMNS]) for row in rows
    ]
    reviews = [
        (label, [cell(f"reviews_and_lawsuits.{group}.{col}") for col in REVIEW_COLUMNS])
        for group, label in REVIEW_GROUPS.items()
    ]
    for key, item in items.items():
        item["implied"] = implied_value(key, values)
    return {
        "document_id": document_id,
        "source": corrected.result.get("source"),
        "document": corrected.result.get("document"),
        "metadata": [(label, cell(key)) for key, label in METADATA_LABELS.items()],
        "active": active,
        "applications": applications,
        "application_columns": [COLUMN_LABELS[c] for c in APPLICANT_COLUMNS],
        "reviews": reviews,
        "review_columns": [REVIEW_COLUMN_LABELS[c] for c in REVIEW_COLUMNS],
        "checks": shown_checks,
        "broken": sum(check.passed is False for check in checks),
        "items": list(items.values()),
        "extra_items": [item for key, item in items.items() if not _shown_in_tables(key, values)],
    }


def _shown_in_tables(key: str, values: dict[str, Value]) -> bool:
    return key in METADATA_LABELS or key in values


def implied_value(key: str, values: dict[str, Value]) -> Value:
    """The value the identities imply for ``key`` where exactly one fits every identity it is in, else None."""
    if not key.startswith(("applications.", "reviews_and_lawsuits.")):
        return None
    current = values.get(key)
    base = dict(values)
    base[key] = current if isinstance(current, int | float) else 0
    candidates = set()
    involved = [identity for identity in identities_for(base) if key in identity.fields]
    for identity in involved:
        check = evaluate_identity(identity, base)
        if check.passed is False and check.difference is not None:
            sign = dict(identity.terms)[key]
            candidates.add(base[key] - sign * check.difference)  # type: ignore[operator]
    if len(candidates) != 1:
        return None
    candidate = candidates.pop()
    try:
        implied = parse_value(key, candidate)
    except InvalidValue:
        return None
    base[key] = implied
    if any(evaluate_identity(identity, base).passed is False for identity in involved) or implied == current:
        return None
    return implied


# --- where a field came from -----------------------------------------------------


def item_source(item_row: sqlite3.Row, document_path: str | None) -> dict[str, Any]:
    """How to show the field's origin: a page image (PDF, scan, image) or the source lines with the span marked."""
    source = json.loads(item_row["source"]) or {}
    page, box = source.get("page"), source.get("box")
    shown: dict[str, Any] = {"printed": source.get("text"), "cell": source.get("cell"), "engine": source.get("engine")}
    if not document_path:
        return shown | {"kind": "none", "why": "the result does not say which file it was read from"}
    path = Path(document_path)
    if not path.is_file():
        return shown | {"kind": "none", "why": f"{path} is not there any more"}
    if path.suffix.lower() in PDF_LIKE and page:
        shown |= {"kind": "image", "page": page, "box": box}
    start, end = source.get("start"), source.get("end")
    if isinstance(start, int) and isinstance(end, int):
        try:
            text = _document_text(str(path), path.stat().st_mtime)
        except Exception as exc:  # the loader's own errors name the file; anything else is shown, not raised
            return shown | {"kind": shown.get("kind", "none"), "why": f"the document could not be re-read: {exc}"}
        shown["lines"] = source_lines(text, start, end)
        shown.setdefault("kind", "text")
    if "kind" not in shown:
        shown |= {"kind": "none", "why": "no page, box or text span for this field (restored from the identities?)"}
    return shown


def source_lines(text: str, start: int, end: int) -> list[dict[str, Any]]:
    """The line holding ``text[start:end]`` and its neighbours, each split into before / span / after."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    lines, offset = [], 0
    for number, line in enumerate(text.replace("\f", "\n").split("\n"), 1):
        lines.append((number, offset, line))
        offset += len(line) + 1
    hit = next((i for i, (_, first, line) in enumerate(lines) if first <= start <= first + len(line)), 0)
    out = []
    for number, first, line in lines[max(0, hit - SOURCE_CONTEXT_LINES) : hit + SOURCE_CONTEXT_LINES + 1]:
        lo, hi = max(start - first, 0), min(end - first, len(line))
        if lo < hi:
            out.append({"number": number, "before": line[:lo], "span": line[lo:hi], "after": line[hi:]})
        else:
            out.append({"number": number, "before": line, "span": "", "after": ""})
    return out


@functools.lru_cache(maxsize=8)
def _document_text(path: str, mtime: float) -> str:
    from extractor.load import load_document

    return load_document(path).text


def render_page(document: str, page: int, box: list[float] | None, zoom_to: list[list[float]] | None = None) -> bytes:
    """The page as PNG with the field's box drawn; ``zoom_to`` (boxes of the same table) crops around the table."""
    path = Path(document)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return _render_image(path, page, box, zoom_to)
    from extractor.load.pdf import pymupdf_module

    pymupdf = pymupdf_module()
    with pymupdf.open(path) as doc:
        if page < 1 or page > doc.page_count:
            raise ReviewError(f"{path}: no page {page}")
        pdf_page = doc[page - 1]
        clip = None
        if box:
            x0, y0, x1, y1 = box
            pdf_page.draw_rect(pymupdf.Rect(x0 - 3, y0 - 3, x1 + 3, y1 + 3), color=(1, 0, 0), width=2)
            clip = pymupdf.Rect(*_zoom_region(box, zoom_to)) & pdf_page.rect
        pixmap = pdf_page.get_pixmap(dpi=144 if clip else 110, clip=clip)
        return bytes(pixmap.tobytes("png"))


def _zoom_region(box: list[float], zoom_to: list[list[float]] | None) -> tuple[float, float, float, float]:
    region = [box, *(zoom_to or [])]
    height = max(box[3] - box[1], 12.0)  # in the document's units: points for PDF, pixels for an image
    return (
        min(b[0] for b in region) - 2 * height,
        min(b[1] for b in region) - 4 * height,  # room for the column headers above
        max(b[2] for b in region) + 2 * height,
        max(b[3] for b in region) + 2 * height,
    )


def _render_image(path: Path, page: int, box: list[float] | None, zoom_to: list[list[float]] | None) -> bytes:
    """An image document's frame, prepared as the loader prepared it (so the OCR boxes, in pixels, fit)."""
    import io

    from PIL import Image, ImageDraw, ImageOps

    with Image.open(path) as image:
        if page < 1 or page > getattr(image, "n_frames", 1):
            raise ReviewError(f"{path}: no page {page}")
        image.seek(page - 1)
        frame = (ImageOps.exif_transpose(image) or image).convert("RGB")
    if max(frame.size) > IMAGE_MAX_SIDE:
        frame.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
    if box:
        x0, y0, x1, y1 = box
        ImageDraw.Draw(frame).rectangle((x0 - 3, y0 - 3, x1 + 3, y1 + 3), outline=(255, 0, 0), width=3)
        left, top, right, bottom = _zoom_region(box, zoom_to)
        frame = frame.crop(
            (max(0, int(left)), max(0, int(top)), min(frame.width, int(right)), min(frame.height, int(bottom)))
        )
    out = io.BytesIO()
    frame.save(out, format="PNG")
    return out.getvalue()
