"""Images (PNG, JPEG, TIFF, BMP, WebP): OCR, like a scanned PDF page. Boxes are in pixels.

Each frame of a multi-page TIFF is a page.
"""

from __future__ import annotations

import io
from pathlib import Path

from extractor.document import Document
from extractor.errors import CorruptDocumentError, EmptyDocumentError, MissingDependencyError
from extractor.load._layout import PageLayout, build_document

MAX_SIDE = 6000  # larger images are scaled down first: more pixels only slow OCR


def load_image(path: Path, data: bytes) -> Document:
    try:
        from PIL import Image, ImageOps, UnidentifiedImageError
    except ImportError as exc:  # pragma: no cover - pillow comes with pymupdf's and rapidocr's dependencies
        raise MissingDependencyError("Reading images", "pillow") from exc
    import numpy as np

    from extractor.load.ocr import ocr_layout

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise CorruptDocumentError(path, f"cannot be read as an image ({exc}): export or scan it again") from exc
    pages: list[PageLayout] = []
    for number in range(getattr(image, "n_frames", 1)):
        image.seek(number)
        frame = (ImageOps.exif_transpose(image) or image).convert("L")
        if max(frame.size) > MAX_SIDE:
            frame.thumbnail((MAX_SIDE, MAX_SIDE))
        gray = np.asarray(frame, dtype=np.uint8)
        pages.append(ocr_layout(gray, number + 1, float(frame.width), float(frame.height), 1.0))
    if not any(page.blocks for page in pages):
        raise EmptyDocumentError(
            path, "OCR found no text in the image: scan it again at 200 dpi or more, straight and in focus"
        )
    return build_document(path.name, "image", pages)
