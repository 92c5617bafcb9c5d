"""What every batch worker needs, imported once: the fork server the workers start from imports this
module (``batch.PRELOAD``), so a worker is born with the loaders, the parser and PyMuPDF loaded."""

from extractor.batch import _warm_imports

_warm_imports()
