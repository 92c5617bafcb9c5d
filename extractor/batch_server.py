"""The fork server batch workers start from: started first thing by the command line, stopped and
reaped at its end.

A worker needs PyMuPDF, the loaders and the parser (about 0.4 s of imports). The fork server is a
process that imports them once (``PRELOAD``) and forks a worker whenever the pool asks for one, so
the imports run while the main process parses its arguments and finds its inputs, are paid once per
run whatever ``--jobs`` is, and a worker that replaces one killed over a limit starts warm. This
module imports nothing heavy: the command line starts the server before its own imports.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

PRELOAD = "extractor.batch_worker"  # what the fork server imports once for every worker
# and, when the batch may ask a model, the LLM client (openai and instructor take seconds to import)
PRELOAD_LLM = ("openai", "instructor", "extractor.llm.adapter", "extractor.reconcile")


def worker_context() -> Any:
    """How batch workers start: forked from a fork server that imported ``PRELOAD`` (spawned where
    there is no fork server)."""
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():  # pragma: no cover - Windows
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([PRELOAD])
    return context


def fork_context() -> Any:
    """How the worker of a single document starts: a fork of the main process, which has imported
    most of what it needs already (where there is no fork, as batch workers do)."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():  # pragma: no cover - Windows
        return worker_context()
    return multiprocessing.get_context("fork")


def start_worker_server(llm: bool = False) -> None:
    """Start the fork server now (if it is not running); it ends when the main process does
    (``stop_worker_server`` waits for it). ``llm``: the batch may use the LLM, so the server imports
    its client too, once, rather than each worker.

    The server is ``python -c ...``, which would put the current folder first on its ``sys.path``:
    run from a folder holding another ``extractor`` (another checkout), the workers would run that
    code. ``PYTHONSAFEPATH`` (Python 3.11) keeps it out; the workers get this process's ``sys.path``.
    """
    context = worker_context()
    if context.get_start_method() != "forkserver":  # pragma: no cover - Windows
        return
    if llm:
        context.set_forkserver_preload([PRELOAD, *PRELOAD_LLM])
    from multiprocessing import forkserver

    saved = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"
    try:
        forkserver.ensure_running()
    finally:
        if saved is None:
            del os.environ["PYTHONSAFEPATH"]
        else:
            os.environ["PYTHONSAFEPATH"] = saved


def stop_worker_server() -> None:
    """Stop the fork server (and multiprocessing's resource tracker) and wait for them, so that no
    process outlives the command and the run's CPU time is counted to it (the fork server has reaped
    the workers by the time the pool is joined).

    The server is ended with SIGTERM rather than asked to exit: it has nothing left to do, and its
    interpreter's clean-up (PyMuPDF, the parser's tables) would only add wall time. multiprocessing
    has no public call for this; ``_stop`` is what its own tests use.
    """
    import multiprocessing.forkserver
    import multiprocessing.resource_tracker
    import signal

    server: Any = multiprocessing.forkserver._forkserver  # private parts, not in the type stubs
    tracker: Any = multiprocessing.resource_tracker._resource_tracker
    with contextlib.suppress(Exception):  # a server that is gone already, or an interpreter without one
        if server._forkserver_pid is not None:
            os.kill(server._forkserver_pid, signal.SIGTERM)
        server._stop()
    with contextlib.suppress(Exception):
        tracker._stop()
