"""What every batch worker needs, imported once: the fork server the workers start from imports this
module (``batch.PRELOAD``), so a worker is born with the loaders, the parser and PyMuPDF loaded, and
with what its own start-up uses (the pool's own worker loop, the command line module that
multiprocessing runs again as the worker's ``__main__``, ctypes for the parent-death signal)."""

import ctypes  # noqa: F401

import pebble  # noqa: F401

import extractor.cli  # noqa: F401
from extractor.batch import _warm_imports

_warm_imports()
