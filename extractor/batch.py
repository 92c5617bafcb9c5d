"""Batches: every document in a worker process under limits, resumable, with a manifest.

The main process finds the inputs, names their results, hands each document to
a pool of worker processes (``pebble``) and writes one manifest line per
input. It holds nothing a worker has written: a worker writes its result file
itself and answers with a few numbers (``Outcome``).

Workers start warm: the main process imports what a worker needs (``warm_imports``: the
loaders, the parser, PyMuPDF when a PDF may come) before the pool starts, and the workers are
forks of it, so the imports are paid once per run whatever ``--jobs`` is, and a worker that
replaces one killed over a limit starts warm too. (A fork server would keep PyMuPDF out of the
main process, but it costs a second interpreter and the imports both processes need done twice:
on a 2-core machine shared with other work a 2-document batch took 0.4 s more CPU and wall time
that way.)

Each worker runs under an address-space limit (``RLIMIT_AS``) and dies with the
main process (``PR_SET_PDEATHSIG``); each document has a wall-clock limit
(pebble kills the worker and starts another), and the loaders check the page,
pixel and unpacked-size caps of ``LoadLimits`` before reading. A document over a
limit fails alone; a worker that died is given its document once more.

Resume: every result records, in ``usage.run``, the SHA-256 of the input, the
tool's version and a hash of the settings that change a result. An input is
skipped only when its result file is valid and all three match.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from extractor.errors import ExtractorError
from extractor.load import DEFAULT_LIMITS, LoadLimits

MANIFEST = "manifest.jsonl"
MAX_NAME_BYTES = 150  # a result name stays well under the 255-byte limit of most file systems
DEFAULT_TIMEOUT_S = 600.0
DEFAULT_MEMORY_MB = 1536  # resident memory per worker; OCR of a page needs about 750


@dataclass(frozen=True, slots=True)
class BatchLimits:
    """Per-document limits: wall-clock seconds, worker memory (MB of address space), loader caps."""

    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB
    load: LoadLimits = DEFAULT_LIMITS


def default_jobs(memory_mb: int = DEFAULT_MEMORY_MB) -> int:
    """One worker per usable core, no more than the available memory holds at ``memory_mb`` each.

    In a container, its CPU quota and memory limit (cgroup v2 or v1, as the container sees
    them under ``/sys/fs/cgroup``) count: a pod given 2 CPUs on a 64-core node gets 2 workers.
    """
    cores = usable_cores()
    available_mb = _available_memory_mb()
    by_memory = available_mb // max(1, memory_mb) if available_mb else cores
    return max(1, min(cores, by_memory))


CGROUP = Path("/sys/fs/cgroup")


def usable_cores(cgroup: Path = CGROUP) -> int:
    """Cores this process may use: its CPU affinity, capped by a CPU quota (rounded up)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    quota = _read_numbers(cgroup / "cpu.max") or _read_numbers(
        cgroup / "cpu" / "cpu.cfs_quota_us", cgroup / "cpu" / "cpu.cfs_period_us"
    )
    if quota and len(quota) == 2 and quota[0] > 0 and quota[1] > 0:
        cores = min(cores, -(-quota[0] // quota[1]))
    return max(1, cores)


def _available_memory_mb(cgroup: Path = CGROUP) -> int | None:
    """The kernel's estimate of memory available, or what the container's limit leaves, if less."""
    available = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    available = int(line.split()[1]) // 1024
                    break
    limit = _read_numbers(cgroup / "memory.max", cgroup / "memory.current") or _read_numbers(
        cgroup / "memory" / "memory.limit_in_bytes", cgroup / "memory" / "memory.usage_in_bytes"
    )
    if limit and len(limit) == 2 and 0 < limit[0] < 1 << 60:  # "max" or a huge number: no limit
        left = max(0, limit[0] - limit[1]) // (1024 * 1024)
        available = left if available is None else min(available, left)
    return available


def _read_numbers(*paths: Path) -> list[int] | None:
    """The integers in these small files, in order (cgroup v2's ``cpu.max`` holds two); None when one is
    missing or says ``max``."""
    numbers: list[int] = []
    try:
        for path in paths:
            numbers += [int(word) for word in path.read_text(encoding="ascii").split()]
    except (OSError, ValueError):
        return None
    return numbers


# -- inputs ----------------------------------------------------------------------


@dataclass(slots=True)
class Inputs:
    """The documents of a batch, in order, and the files of its folders that were not documents."""

    documents: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def collect_inputs(paths: Iterable[str | Path], include: list[str] = (), exclude: list[str] = ()) -> Inputs:  # type: ignore[assignment]
    """Files as given, and the documents under each folder (recursively, hidden files left out).

    ``include``/``exclude``: glob patterns matched against a file's path relative to its
    folder and against its name (``*.pdf``, ``2023/**``). A file in a folder whose content
    is not a document (binary of another kind, text without Chinese) is skipped and counted;
    a file named on the command line is always tried, so a mistake there is an error line.
    """
    inputs = Inputs()
    seen: set[Path] = set()
    for raw in paths:
        root = Path(raw)
        if not root.is_dir():
            if root not in seen:
                seen.add(root)
                inputs.documents.append(root)
            continue
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            if any(part.startswith(".") for part in relative.parts) or not path.is_file():
                continue
            if not _selected(relative, include, exclude):
                continue
            reason = _not_a_document(path)
            if reason:
                inputs.skipped.append((path, reason))
            elif path not in seen:
                seen.add(path)
                inputs.documents.append(path)
    return inputs


def _selected(relative: Path, include: Iterable[str], exclude: Iterable[str]) -> bool:
    names = (relative.as_posix(), relative.name)

    def matches(pattern: str) -> bool:
        return any(fnmatch.fnmatch(name, pattern) for name in names) or relative.match(pattern)

    include = list(include)
    if include and not any(matches(p) for p in include):
        return False
    return not any(matches(p) for p in exclude)


def _not_a_document(path: Path) -> str | None:
    """Why a file found in a folder is not a document, or None when it is one to try.

    A file named as a document kind is tried (a damaged one gets its error line), except text
    without a Chinese character (a README); a file of another name is tried when its content
    is a PDF, Word file, HTML page or image.
    """
    from extractor.load import HTML_SUFFIXES, IMAGE_SUFFIXES, TEXT_SUFFIXES, sniff_kind
    from extractor.load.text import decode

    try:
        with path.open("rb") as handle:
            head = handle.read(65536)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    if not head.strip():
        return None  # an empty file: tried, so it gets its error line
    suffix = path.suffix.lower()
    named_document = suffix in {".pdf", ".docx", ".doc"} | HTML_SUFFIXES | IMAGE_SUFFIXES
    try:
        kind = sniff_kind(path, head, whole=False)
    except ExtractorError as exc:
        return None if named_document or suffix in TEXT_SUFFIXES else str(exc).removeprefix(f"{path}: ")
    if kind == "text" and not any("\u4e00" <= char <= "\u9fff" for char in decode(path, head)):
        return "text without Chinese characters"
    return None


def output_names(documents: Iterable[Path]) -> dict[Path, str]:
    """``<stem>.json`` where the stem is unique, ``<stem>-<hash of the path>.json`` where stems collide.

    Stable: the same inputs get the same names on every run. Stems are compared
    case-insensitively (two names that differ only in case are one file on some
    systems) and shortened to ``MAX_NAME_BYTES``.
    """
    by_stem: dict[str, list[Path]] = {}
    for path in documents:
        by_stem.setdefault(_safe_stem(path).casefold(), []).append(path)
    names: dict[Path, str] = {}
    for group in by_stem.values():
        for path in group:
            stem = _safe_stem(path)
            names[path] = f"{stem}.json" if len(group) == 1 else f"{stem}-{_path_hash(path)}.json"
    return names


def _path_hash(path: Path) -> str:
    return hashlib.sha256(os.path.normpath(path).encode("utf-8", "surrogateescape")).hexdigest()[:10]


def _safe_stem(path: Path) -> str:
    stem = "".join(char if char.isprintable() and char not in '/\\:*?"<>|' else "_" for char in path.stem) or "_"
    encoded = stem.encode("utf-8", "surrogateescape")
    if len(encoded) <= MAX_NAME_BYTES:
        return stem
    short = encoded[: MAX_NAME_BYTES - 11].decode("utf-8", "ignore")
    return f"{short}~{_path_hash(path)}"


# -- one document, in a worker -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Task:
    """What a worker needs for one document. ``target`` None: return the result instead of writing it."""

    path: Path
    target: Path | None
    options: Any  # ExtractOptions
    load_limits: LoadLimits
    run: dict[str, Any]  # tool version and settings hash, recorded in usage.run
    resume: bool = False


Status = Literal["ok", "failed"]


@dataclass(slots=True)
class Outcome:
    """A worker's answer: a few numbers, and the result itself only when nothing is written."""

    status: Status
    sha256: str | None = None
    error: str | None = None
    review: int = 0
    failed_checks: int = 0
    seconds: float = 0.0
    resumed: bool = False
    carry_in_review: bool = False  # a carried-over cell is in review: a neighbouring year may confirm it
    result: dict[str, Any] | None = None


def run_settings(options: Any) -> dict[str, Any]:
    """The settings that change a result, and the tool's version: what ``--resume`` compares."""
    from importlib.metadata import PackageNotFoundError, version

    from extractor.llm.settings import LLMSettings

    try:
        tool_version = version("gov-disclosure-extractor")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree that is not installed
        tool_version = "unknown"
    llm = LLMSettings.load()
    use = options.llm or ("auto" if llm.configured() else "never")
    settings: dict[str, Any] = {"llm": use, "second_readers": options.second_readers}
    if use != "never":
        from extractor.llm.prompts import PROMPT_VERSION

        settings.update(model=llm.model, base_url=llm.base_url, mode=llm.mode, prompts=PROMPT_VERSION)
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]
    return {"tool_version": tool_version, "settings": settings, "settings_sha256": digest}


def result_is_current(target: Path, sha256: str, run: dict[str, Any]) -> bool:
    """The result file parses, has a report, and was made from this content, tool version and settings."""
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(data, dict) or not isinstance(data.get("report"), dict):
        return False
    recorded = (data.get("usage") or {}).get("run") or {}
    return (
        recorded.get("input_sha256") == sha256
        and recorded.get("tool_version") == run["tool_version"]
        and recorded.get("settings_sha256") == run["settings_sha256"]
    )


def extract_task(task: Task) -> Outcome:
    """One document: hash, maybe skip, extract, write. Failures are outcomes, never exceptions."""
    from extractor.load import load_document
    from extractor.pipeline import extract_document

    started = time.monotonic()
    sha256 = None
    try:
        sha256 = _sha256(task.path)
        if task.resume and task.target is not None and result_is_current(task.target, sha256, task.run):
            return Outcome("ok", sha256, resumed=True, seconds=time.monotonic() - started)
        document = load_document(task.path, task.load_limits)
        result = extract_document(document, task.options, path=task.path)
        result.document = str(task.path.resolve())
        data = result.to_json()
        data["usage"]["run"] = {**task.run, "input_sha256": sha256}
        outcome = Outcome(
            "ok",
            sha256,
            review=len(data["review"]),
            failed_checks=sum(1 for check in data["checks"] if check.get("passed") is False),
            carry_in_review=any(key.startswith("applications.carried_") for key in data["review"]),
        )
        if task.target is None:
            outcome.result = data
        else:
            _write_atomic(task.target, data)
    except RecursionError:
        outcome = Outcome("failed", sha256, f"{task.path}: nested too deeply to be read (markup or objects)")
    except MemoryError:
        outcome = Outcome("failed", sha256, f"{task.path}: over the memory limit of the worker (--memory-mb)")
    except ExtractorError as exc:
        outcome = Outcome("failed", sha256, str(exc))
    except Exception as exc:  # an internal defect on one file must not stop the batch
        outcome = Outcome(
            "failed", sha256, f"{task.path}: internal error while extracting ({type(exc).__name__}: {exc})"
        )
    if outcome.error:
        outcome.error = one_line(outcome.error)
    if outcome.status == "failed" and task.target is not None:
        with contextlib.suppress(OSError):
            task.target.unlink(missing_ok=True)  # a result left from an earlier run no longer matches
    outcome.seconds = time.monotonic() - started
    return outcome


def one_line(message: str, limit: int = 1000) -> str:
    """A failure as one line of at most ``limit`` characters (a native library's message may span many)."""
    flat = " ".join(message.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError as exc:
        from extractor.errors import DocumentLoadError

        raise DocumentLoadError(path, "no such file") from exc
    except IsADirectoryError as exc:
        from extractor.errors import DocumentLoadError

        raise DocumentLoadError(path, "is a directory, not a document") from exc
    except OSError as exc:
        from extractor.errors import DocumentLoadError

        raise DocumentLoadError(path, f"cannot be read ({exc.strerror or exc})") from exc
    return digest.hexdigest()


def _write_atomic(target: Path, data: dict[str, Any]) -> None:
    """Write through a temporary file, so a stopped run never leaves half a result."""
    from extractor.errors import ExtractorError as _Error

    temporary = target.with_name(target.name + ".part")
    try:
        temporary.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        temporary.replace(target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
        raise _Error(f"{target}: cannot write the result ({exc.strerror or exc})") from exc


MEMORY_EXIT = 86  # a worker's exit code when its own watchdog found it over the memory limit
ADDRESS_SPACE_HEADROOM_MB = 2048  # virtual memory beyond the RSS limit: OCR reserves far more than it uses
WATCH_INTERVAL_S = 0.1
POOL_POLL_S = 0.02


def _worker_init(
    memory_mb: int,
    warm_llm: bool = False,
    environ: dict[str, str] | None = None,
    main_pid: int | None = None,
    warm_pdf: bool = True,
) -> None:
    """Set up a worker: take the main process's environment, die with it, cap memory, import once.

    ``environ``: the main process's environment when the pool starts (a forked worker has it
    already; a spawned one does not). The worker dies with its parent (``PR_SET_PDEATHSIG``), and
    a watchdog ends it when the main process ``main_pid`` is gone.

    Memory is held two ways: a watchdog thread ends the worker (exit ``MEMORY_EXIT``)
    as soon as its resident memory passes ``memory_mb``, and ``RLIMIT_AS`` at
    ``memory_mb`` plus headroom stops an allocation outright where the watchdog is too slow.
    """
    import signal
    import threading

    if environ is not None and environ != os.environ:
        os.environ.clear()
        os.environ.update(environ)
    parent = os.getppid()
    with contextlib.suppress(Exception):  # Linux only; elsewhere the watchdog sees the parent go
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the line above ran
        os._exit(1)
    main = _ProcessWatch(main_pid if main_pid is not None else parent)
    if main.gone():
        os._exit(1)
    if memory_mb > 0:
        import resource

        limit = (memory_mb + ADDRESS_SPACE_HEADROOM_MB) * 1024 * 1024
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    threading.Thread(target=_watch, args=(main, memory_mb), name="extractor-watchdog", daemon=True).start()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    warm_imports(llm=warm_llm, pdf=warm_pdf)


class _ProcessWatch:
    """Whether a process has ended: through a pidfd where there is one (it also sees a process that
    has ended and is not yet reaped), else by signalling it."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._fd: int | None = None
        with contextlib.suppress(AttributeError, OSError):  # Linux 5.3 and later
            self._fd = os.pidfd_open(pid)

    def gone(self) -> bool:
        if self._fd is not None:
            import select

            return bool(select.select([self._fd], [], [], 0)[0])
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False


def _watch(main: _ProcessWatch, memory_mb: int) -> None:
    """Runs in a thread of each worker: ends the worker when the ``main`` process has ended, or when the
    worker's resident memory passes ``memory_mb``."""
    page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
    limit = memory_mb * 1024 * 1024
    while True:
        time.sleep(WATCH_INTERVAL_S)
        if main.gone():
            os._exit(1)
        if memory_mb <= 0:
            continue
        try:
            with open("/proc/self/statm", encoding="ascii") as statm:
                resident = int(statm.read().split()[1]) * page
        except (OSError, ValueError, IndexError):
            continue
        if resident > limit:
            os._exit(MEMORY_EXIT)


def warm_imports(llm: bool = False, pdf: bool = True) -> None:
    """Import what most documents need once, not once per document or per worker: ``run_tasks`` calls
    this in the main process before the pool forks its workers (and each worker again, which costs
    nothing then, or imports where workers are not forks). ``pdf``: PyMuPDF too, when a PDF may come;
    ``llm``: the LLM client too, when the batch uses one (openai and instructor take seconds)."""
    import ctypes  # noqa: F401  (the parent-death signal of each worker)

    import pebble  # noqa: F401

    import extractor.load.docx
    import extractor.load.html
    import extractor.load.pdf
    import extractor.load.text
    import extractor.pipeline

    if pdf:
        with contextlib.suppress(Exception):
            extractor.load.pdf._pymupdf()
    if llm:
        with contextlib.suppress(ImportError):
            import instructor  # noqa: F401
            import openai  # noqa: F401

            import extractor.llm.adapter
            import extractor.reconcile


def _may_be_pdf(path: Path) -> bool:
    """Named as a PDF, or as nothing the other loaders read: PyMuPDF is worth importing for it."""
    from extractor.load import HTML_SUFFIXES, IMAGE_SUFFIXES, TEXT_SUFFIXES

    return path.suffix.lower() not in {".docx", ".doc"} | HTML_SUFFIXES | IMAGE_SUFFIXES | TEXT_SUFFIXES


def worker_context() -> Any:
    """How workers start: forks of the main process where there is fork (spawned elsewhere, where each
    worker imports what it needs in its initializer)."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():  # pragma: no cover - Windows
        return multiprocessing.get_context("spawn")
    return multiprocessing.get_context("fork")


# -- the batch, in the main process --------------------------------------------------


@dataclass(slots=True)
class Finished:
    """One input done: the outcome plus where its result is, for the manifest and progress."""

    path: Path
    outcome: Outcome
    target: Path | None
    attempts: int = 1


def run_tasks(tasks: list[Task], jobs: int, limits: BatchLimits, context: Any = None) -> Iterator[Finished]:
    """Run ``tasks`` in ``jobs`` worker processes; yield each as it finishes (any order).

    ``context``: how workers start (default ``worker_context()``).
    """
    from pebble import CONSTS, ProcessExpired, ProcessPool

    if not tasks:
        return
    from extractor.llm.settings import RUN_ID_ENV

    run_id = os.environ.get(RUN_ID_ENV)
    own_run_id = run_id is None
    if own_run_id:  # the workers inherit it: what one learns about the LLM endpoint, all know
        run_id = os.environ[RUN_ID_ENV] = f"{os.getpid()}-{time.time_ns()}"
    workers = max(1, min(jobs, len(tasks)))
    warm_llm = tasks[0].run.get("settings", {}).get("llm", "never") != "never"
    warm_pdf = any(_may_be_pdf(task.path) for task in tasks)
    # pebble's threads look at the pool every sleep_unit (0.1 s by default): joining the pool at the
    # end waits for them, which every run paid once. 20 ms costs the main process next to nothing.
    CONSTS.sleep_unit = min(CONSTS.sleep_unit, POOL_POLL_S)
    if context is None:
        context = worker_context()
    if context.get_start_method() == "fork":  # imported once here, shared by every worker forked after
        warm_imports(llm=warm_llm, pdf=warm_pdf)
    pool = ProcessPool(
        max_workers=workers,
        initializer=_worker_init,
        initargs=(limits.memory_mb, warm_llm, dict(os.environ), os.getpid(), warm_pdf),
        context=context,
    )
    pending: dict[Future[Outcome], tuple[Task, int]] = {}

    def submit(task: Task, attempt: int) -> None:
        future = pool.schedule(extract_task, args=(task,), timeout=limits.timeout_s)
        pending[future] = (task, attempt)

    waiting = iter(tasks)
    window = 4 * workers  # tasks handed to the pool at a time: the main process stays small at any batch size

    def refill() -> None:
        for task in waiting:
            submit(task, 1)
            if len(pending) >= window:
                return

    try:
        refill()
        while pending:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)

            for future in done:
                task, attempt = pending.pop(future)
                try:
                    outcome = future.result()
                except FutureTimeout:
                    outcome = Outcome(
                        "failed",
                        error=f"{task.path}: over the time limit of {limits.timeout_s:g} s (--timeout)",
                        seconds=limits.timeout_s,
                    )
                except ProcessExpired as exc:
                    if exc.exitcode == MEMORY_EXIT:
                        outcome = Outcome(
                            "failed", error=f"{task.path}: over the memory limit of {limits.memory_mb} MB (--memory-mb)"
                        )
                        yield Finished(task.path, outcome, task.target, attempt)
                        continue
                    if attempt == 1:
                        submit(task, 2)
                        continue
                    outcome = Outcome("failed", error=f"{task.path}: {_died(exc.exitcode, limits)}")
                except Exception as exc:  # the pool could not run the task at all
                    outcome = Outcome(
                        "failed", error=one_line(f"{task.path}: the worker failed ({type(exc).__name__}: {exc})")
                    )
                yield Finished(task.path, outcome, task.target, attempt)
            refill()
    except BaseException:
        pool.stop()
        raise
    finally:
        pool.close()
        pool.join()
        if own_run_id:
            del os.environ[RUN_ID_ENV]
            from extractor.llm.adapter import EndpointHealth

            EndpointHealth.forget(str(run_id))


def _died(exitcode: int | None, limits: BatchLimits) -> str:
    import signal

    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        how = f"killed by {name}"
    else:
        how = f"exit code {exitcode}"
    hint = "out of memory, probably" if exitcode == -9 else "a crash in a native library, probably"
    return f"the worker died twice ({how}: {hint}; memory limit {limits.memory_mb} MB, --memory-mb)"


@dataclass(slots=True)
class Counts:
    total: int = 0
    done: int = 0
    ok: int = 0
    flagged: int = 0
    failed: int = 0
    resumed: int = 0
    skipped: int = 0
    carry_in_review: int = 0  # results (or resumed ones, not looked at) that a neighbouring year may settle

    def record(self, outcome: Outcome) -> None:
        self.done += 1
        if outcome.status == "failed":
            self.failed += 1
        elif outcome.resumed:
            self.resumed += 1
            self.carry_in_review += 1
        else:
            self.ok += 1
            self.flagged += outcome.review > 0
            self.carry_in_review += outcome.carry_in_review


class Manifest:
    """``OUT/manifest.jsonl``: one line per input, written as each finishes."""

    def __init__(self, out: Path) -> None:
        self.path = out / MANIFEST
        self._handle = self.path.open("w", encoding="utf-8")
        self._out = out

    def add(self, finished: Finished) -> None:
        outcome = finished.outcome
        ok = outcome.status == "ok"
        line = {
            "input": str(finished.path),
            "sha256": outcome.sha256,
            "status": outcome.status,
            "result": finished.target.name if ok and finished.target else None,
            "error": outcome.error,
            "seconds": round(outcome.seconds, 3),
            "review": outcome.review if ok and not outcome.resumed else None,
            "resumed": outcome.resumed,
        }
        self._handle.write(json.dumps(line, ensure_ascii=False) + "\n")
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()


ProgressSink = Callable[[Finished, Counts], None]


def prepare_out(out: Path) -> str | None:
    """Make the output folder; the reason it cannot be written to, or None."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"{out}: cannot create the output folder ({exc.strerror or exc})"
    if not out.is_dir():
        return f"{out}: is not a folder"
    if not os.access(out, os.W_OK | os.X_OK):
        return f"{out}: the output folder is not writable"
    return None


def run_batch(
    documents: list[Path],
    out: Path,
    options: Any,
    jobs: int,
    limits: BatchLimits,
    resume: bool,
    on_finished: ProgressSink,
    counts: Counts,
) -> Counts:
    """Extract ``documents`` into ``out`` with a manifest; ``on_finished`` sees each one as it ends."""
    names = output_names(documents)
    run = run_settings(options)
    tasks = [Task(path, out / names[path], options, limits.load, run, resume) for path in documents]
    manifest = Manifest(out)
    try:
        for finished in run_tasks(tasks, jobs, limits):
            counts.record(finished.outcome)
            manifest.add(finished)
            on_finished(finished, counts)
    finally:
        manifest.close()
    return counts


def extract_one(path: Path, options: Any, limits: BatchLimits) -> Outcome:
    """One document in a worker under the same limits as a batch; the result comes back."""
    task = Task(path, None, options, limits.load, run_settings(options))
    for finished in run_tasks([task], 1, limits):
        return finished.outcome
    raise AssertionError("unreachable: one task gives one outcome")  # pragma: no cover


def print_error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr, flush=True)


class BatchProgress:
    """What a person watching sees: a bar with rate, ETA and running counts on a terminal; one
    line per document otherwise (logs, CI); errors always, one line each; nothing else with ``quiet``."""

    def __init__(self, total: int, quiet: bool = False, verbose: bool = False) -> None:
        self.quiet = quiet
        self.verbose = verbose
        self.started = time.monotonic()
        self._bar: Any = None
        self._task: Any = None
        if not quiet and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(
                TextColumn("extracting"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                TextColumn("{task.fields[counts]}"),
                console=Console(stderr=True),
                transient=False,
            )
            self._task = self._bar.add_task("extract", total=total, rate="", counts="")
            self._bar.start()

    def error(self, message: str) -> None:
        if self._bar is not None:
            self._bar.console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
        else:
            print_error(message)

    def __call__(self, finished: Finished, counts: Counts) -> None:
        outcome = finished.outcome
        if outcome.status == "failed":
            self.error(outcome.error or f"{finished.path}: failed")
        if self._bar is not None:
            elapsed = max(time.monotonic() - self.started, 1e-6)
            self._bar.update(
                self._task,
                advance=1,
                rate=f"{counts.done / elapsed:.2f} docs/s",
                counts=f"ok {counts.ok} flagged {counts.flagged} failed {counts.failed}"
                + (f" unchanged {counts.resumed}" if counts.resumed else ""),
            )
        elif not self.quiet and outcome.status == "ok" and (not outcome.resumed or self.verbose):
            what = "unchanged, kept" if outcome.resumed else f"{outcome.review} field(s) to review"
            print(
                f"[{counts.done}/{counts.total}] {finished.path}: {what} -> {finished.target}",
                file=sys.stderr,
                flush=True,
            )

    def close(self, counts: Counts) -> None:
        if self._bar is not None:
            self._bar.stop()
        if self.quiet:
            return
        elapsed = time.monotonic() - self.started
        rate = counts.done / elapsed if elapsed > 0 else 0.0
        print(
            f"{counts.total} input(s) in {elapsed:.1f} s ({rate:.2f}/s): {counts.ok} extracted "
            f"({counts.flagged} with fields to review), {counts.resumed} unchanged (resumed), "
            f"{counts.failed} failed; {counts.skipped} file(s) in the folders were not documents",
            file=sys.stderr,
            flush=True,
        )
