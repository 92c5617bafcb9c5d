"""Loaders: one per input kind, each turning a file into a ``Document``.

``load_document`` picks the loader from the file's content (magic bytes), not
its name: a Word file named ``.pdf`` is read as Word, random bytes named
``.pdf`` are "not a PDF". Before a loader runs, the caps of ``LoadLimits``
(pages, pixels per page, unpacked size) are checked on what the file declares,
so a bomb fails in milliseconds instead of filling memory. Loaders of heavy
formats import their libraries lazily, so the core runs without them.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from extractor.document import Document
from extractor.errors import (
    CorruptDocumentError,
    DocumentLoadError,
    EmptyDocumentError,
    LimitExceededError,
    UnsupportedFormatError,
)

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".rst", ".text", ".csv", ".tsv", ""}
# markdown and rst may open with raw HTML (pandoc's gfm and commonmark writers do): text unless a whole page
MARKUP_SUFFIXES = {".md", ".markdown", ".rst"}
_PAGE_START = re.compile(rb"^(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S)
HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".shtml", ".mht"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# a web page saved as one file (Chrome's "Webpage, Single File", Word's .mht): a MIME archive
_MHTML = re.compile(rb"^(?:[\w-]+:[^\n]*\n(?:[ \t][^\n]*\n)*)*?content-type:\s*multipart/related", re.I)
_HTML_START = re.compile(rb"^(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|table|div|p)\b", re.I | re.S)
_RENDER_DPI = 200  # the resolution scanned pages are rendered at for OCR (load/pdf.py OCR_DPI)


@dataclass(frozen=True, slots=True)
class LoadLimits:
    """Caps checked before and while a document is read. A document over one fails alone.

    ``max_pages``: pages of a PDF or frames of an image. ``max_pixels``: pixels of one
    image, or of one PDF page rendered for OCR. ``max_unpacked_mb``: what a Word file
    declares it unpacks to (a zip bomb declares gigabytes).
    """

    max_pages: int = 300
    max_pixels: int = 80_000_000
    max_unpacked_mb: int = 256


DEFAULT_LIMITS = LoadLimits()


def _is_image(head: bytes) -> bool:
    return (
        head[:8] == b"\x89PNG\r\n\x1a\n"
        or head[:3] == b"\xff\xd8\xff"
        or head[:4] in (b"II*\x00", b"MM\x00*")
        or (head[:2] == b"BM" and len(head) > 14 and head[14] in (12, 40, 52, 56, 64, 108, 124))
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
        or head[:6] in (b"GIF87a", b"GIF89a")
    )


def _looks_binary(head: bytes) -> bool:
    """Many NUL bytes outside a UTF-16 pattern, or many control bytes: not text. (A converter passes
    on a stray NUL from a PDF's text layer now and then: a few do not make a text file binary.)"""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    sample = head[:4096]
    if b"\x00" in sample:
        from extractor.load.text import bomless_utf16

        if bomless_utf16(sample) is not None:
            return False
        if sample.count(b"\x00") > 0.01 * len(sample):
            return True
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return controls > 0.05 * max(1, len(sample))


def sniff_kind(path: Path, data: bytes, whole: bool = True) -> str:
    """``pdf``, ``docx``, ``html``, ``mhtml``, ``image`` or ``text``, from the content; the suffix only
    names text.

    ``whole``: ``data`` is the whole file; otherwise its head, and a ZIP is looked into on disk.
    """
    head = data[:4096]
    suffix = path.suffix.lower()
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        if suffix == ".docx" or _zip_has(data if whole else path, "word/document.xml"):
            return "docx"  # a damaged one is reported by the Word loader
        raise UnsupportedFormatError(path, "unsupported file type: a ZIP archive that is not a Word .docx file")
    if head.startswith(OLE2):
        raise UnsupportedFormatError(
            path,
            "unsupported file type: an old binary Office file (.doc): convert it first "
            "(libreoffice --headless --convert-to docx)",
        )
    if _is_image(head):
        return "image"
    if _MHTML.match(head.replace(b"\r\n", b"\n")):
        return "mhtml"
    if _looks_binary(head):
        if suffix == ".pdf":
            raise CorruptDocumentError(path, "is not a PDF (no %PDF header): damaged, or another kind of file")
        raise UnsupportedFormatError(
            path, "unsupported file type: the content is not a PDF, Word (.docx), HTML, image or text file"
        )
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if suffix in HTML_SUFFIXES or (
        _HTML_START.match(start) and (suffix not in MARKUP_SUFFIXES or _PAGE_START.match(start))
    ):
        return "html"
    if suffix == ".pdf":
        raise CorruptDocumentError(path, "is not a PDF (no %PDF header): it holds text; rename it .txt if it is one")
    if suffix in TEXT_SUFFIXES:
        return "text"
    raise UnsupportedFormatError(
        path, f"unsupported file type {suffix!r}: give a PDF, Word (.docx), HTML, image or text file"
    )


def _zip_has(data: bytes | Path, name: str) -> bool:
    """Whether the archive lists ``name``: only its central directory is read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data) as archive:
            return name in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _check_docx(path: Path, data: bytes, limits: LoadLimits) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise CorruptDocumentError(path, f"cannot be read as a Word .docx file ({exc})") from exc
    if unpacked > limits.max_unpacked_mb * 1024 * 1024:
        raise LimitExceededError(
            path,
            f"unpacks to {unpacked / 1024 / 1024:,.0f} MB, over the limit of {limits.max_unpacked_mb} MB "
            "(a zip bomb, or raise --max-unpacked-mb)",
        )


def _check_pdf(path: Path, data: bytes, limits: LoadLimits) -> None:
    """Pages and page sizes, read right after opening: the loader never starts on a bomb."""
    import pymupdf

    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception:
        return  # the PDF loader says how the file is damaged
    if doc.needs_pass:
        doc.close()
        return  # the PDF loader says it is encrypted
    try:
        try:
            count = doc.page_count
        except RuntimeError as exc:
            raise CorruptDocumentError(path, f"the PDF's page tree is damaged ({exc})") from exc
        if count > limits.max_pages:
            raise LimitExceededError(path, f"has {count:,} pages, over the limit of {limits.max_pages} (--max-pages)")
        scale = _RENDER_DPI / 72.0
        for number in range(count):
            try:
                rect = doc.load_page(number).rect
            except Exception as exc:
                raise CorruptDocumentError(path, f"page {number + 1} cannot be read ({exc})") from exc
            pixels = rect.width * scale * rect.height * scale
            if pixels > limits.max_pixels:
                raise LimitExceededError(
                    path,
                    f"page {number + 1} is {rect.width:,.0f} x {rect.height:,.0f} points "
                    f"({pixels / 1e6:,.0f} megapixels at {_RENDER_DPI} dpi), over the limit of "
                    f"{limits.max_pixels / 1e6:,.0f} megapixels (--max-megapixels)",
                )
    finally:
        doc.close()


def _check_image(path: Path, data: bytes, limits: LoadLimits) -> None:
    """The size the image header declares, before any pixel is decoded."""
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = None  # our own cap below replaces Pillow's warning
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            frames = getattr(image, "n_frames", 1)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise CorruptDocumentError(path, f"cannot be read as an image ({exc}): export or scan it again") from exc
    if width * height > limits.max_pixels:
        raise LimitExceededError(
            path,
            f"is {width:,} x {height:,} pixels ({width * height / 1e6:,.0f} megapixels), over the limit of "
            f"{limits.max_pixels / 1e6:,.0f} megapixels (--max-megapixels)",
        )
    if frames > limits.max_pages:
        raise LimitExceededError(path, f"has {frames:,} frames, over the limit of {limits.max_pages} (--max-pages)")


def load_document(path: str | Path, limits: LoadLimits = DEFAULT_LIMITS) -> Document:
    """Read ``path`` into a ``Document``; bad input raises a ``DocumentLoadError`` naming the file."""
    path = Path(path)
    if not path.exists():
        raise DocumentLoadError(path, "no such file")
    if path.is_dir():
        raise DocumentLoadError(path, "is a directory, not a document")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentLoadError(path, f"cannot be read ({exc.strerror or exc})") from exc
    if not data.strip():
        raise EmptyDocumentError(path, "the file is empty")
    kind = sniff_kind(path, data)
    if kind == "text":
        from extractor.load.text import load_text

        return load_text(path, data)
    if kind == "pdf":
        from extractor.load.pdf import load_pdf

        _check_pdf(path, data, limits)
        return load_pdf(path, data)
    if kind == "docx":
        from extractor.load.docx import load_docx

        _check_docx(path, data, limits)
        return load_docx(path, data)
    if kind == "html":
        from extractor.load.html import load_html

        return load_html(path, data)
    if kind == "mhtml":
        from extractor.load.html import load_mhtml

        return load_mhtml(path, data)
    from extractor.load.image import load_image

    _check_image(path, data, limits)
    return load_image(path, data)
