"""Loaders: one per input kind, each turning a file into a ``Document``.

``load_document`` picks the loader from the file's content (magic bytes) and
then its suffix. Loaders of heavy formats import their libraries lazily, so
the core runs without them.
"""

from __future__ import annotations

from pathlib import Path

from extractor.document import Document
from extractor.errors import DocumentLoadError, EmptyDocumentError, UnsupportedFormatError

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text", ""}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"}


def sniff_kind(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04") and suffix in {".docx", ".zip", ""} | {".doc"}:
        return "docx"
    if head[:8] == b"\x89PNG\r\n\x1a\n" or head[:3] == b"\xff\xd8\xff" or head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image"
    if suffix == ".pdf":
        return "pdf"  # the PDF loader reports the corruption
    if suffix == ".docx":
        return "docx"
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in IMAGE_SUFFIXES:
        return "image"
    if suffix in TEXT_SUFFIXES:
        lowered = head[:512].lstrip().lower()
        if lowered.startswith((b"<!doctype html", b"<html")):
            return "html"
        return "text"
    raise UnsupportedFormatError(
        path, f"unsupported file type {suffix!r}: give a PDF, Word (.docx), HTML, image or text file"
    )


def load_document(path: str | Path) -> Document:
    """Read ``path`` into a ``Document``; bad input raises a ``DocumentLoadError`` naming the file."""
    path = Path(path)
    if not path.exists():
        raise DocumentLoadError(path, "no such file")
    if path.is_dir():
        raise DocumentLoadError(path, "is a directory, not a document")
    data = path.read_bytes()
    if not data.strip():
        raise EmptyDocumentError(path, "the file is empty")
    kind = sniff_kind(path, data[:1024])
    if kind == "text":
        from extractor.load.text import load_text

        return load_text(path, data)
    if kind == "pdf":
        from extractor.load.pdf import load_pdf

        return load_pdf(path, data)
    if kind == "docx":
        from extractor.load.docx import load_docx

        return load_docx(path, data)
    if kind == "html":
        from extractor.load.html import load_html

        return load_html(path, data)
    from extractor.load.image import load_image

    return load_image(path, data)
