"""The review queue: fields a person should confirm or correct, kept in a SQLite file.

- ``store``: the queue file (documents, items with versions, an append-only log);
- ``values``: what each field may hold (a decision is validated before it is stored);
- ``export``: corrected results with the identities evaluated again, gold files, the log as CSV;
- ``view`` and ``web``: the document page and the JSON API of ``extractor review serve``;
- ``commands``: the ``extractor review`` command line.
"""

from __future__ import annotations

from extractor.review.commands import add_review_commands

__all__ = ["add_review_commands"]
