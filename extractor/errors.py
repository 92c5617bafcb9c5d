"""One exception root, a few kinds. Messages say what went wrong and how to fix it."""

from __future__ import annotations

from pathlib import Path


class ExtractorError(Exception):
    """Root of every error this package raises on purpose."""


class DocumentLoadError(ExtractorError):
    """Bad input, as distinct from an internal defect: the file can't be read as a report."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class UnsupportedFormatError(DocumentLoadError):
    pass


class EmptyDocumentError(DocumentLoadError):
    pass


class EncryptedDocumentError(DocumentLoadError):
    pass


class CorruptDocumentError(DocumentLoadError):
    pass


class NotAReportError(DocumentLoadError):
    """The file reads, but holds none of the report's tables."""


class MissingDependencyError(ExtractorError):
    def __init__(self, what: str, package: str) -> None:
        super().__init__(f"{what} needs the package {package!r}: pip install {package}")


class ConfigError(ExtractorError):
    pass


class LimitExceededError(DocumentLoadError):
    """The document is over a cap (pages, pixels, unpacked size, memory, time): it fails alone."""
