"""``extract --engine ray``: the same per-document function (``batch.extract_task``) as Ray tasks.

Ray runs the tasks on every machine of a cluster (``RAY_ADDRESS``, or ``ray start``
on this one), or starts a local Ray when there is none. Each task writes its result
file itself, so ``--out`` must be a folder every node sees (a shared file system).
The limits hold as in the local engine: the loader caps travel with the task, each
Ray worker watches its own resident memory, a task over ``--timeout`` is cancelled, and
Ray retries a task whose worker died once. Results are those of the local engine.
Optional: ``pip install '.[ray]'``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from extractor.batch import (
    BatchLimits,
    Counts,
    Finished,
    Manifest,
    Outcome,
    ProgressSink,
    Task,
    extract_task,
    output_names,
    run_settings,
)
from extractor.errors import MissingDependencyError

_WATCHED = False


def _task_in_ray(task: Task, memory_mb: int) -> Outcome:
    """Runs in a Ray worker: watch the worker's memory (once), then the same function as the local engine.

    No ``RLIMIT_AS`` here: a Ray worker maps far more address space than it uses. The
    watchdog ends a worker over ``memory_mb`` of resident memory; Ray retries its task once.
    """
    global _WATCHED
    if not _WATCHED:
        import threading

        from extractor.batch import _watch

        threading.Thread(target=_watch, args=(os.getppid(), memory_mb), daemon=True).start()
        _WATCHED = True
    return extract_task(task)


def run_batch_ray(
    documents: list[Path],
    out: Path,
    options: Any,
    limits: BatchLimits,
    resume: bool,
    on_finished: ProgressSink,
    counts: Counts,
    num_cpus: int | None = None,
) -> Counts:
    try:
        import ray
    except ImportError as exc:
        raise MissingDependencyError("--engine ray", "ray") from exc
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(
            address=os.environ.get("RAY_ADDRESS"),
            num_cpus=num_cpus,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
    try:
        remote = ray.remote(max_retries=1, retry_exceptions=False)(_task_in_ray)
        names = output_names(documents)
        run = run_settings(options)
        tasks = [Task(path, out / names[path], options, limits.load, run, resume) for path in documents]
        window = max(1, int(ray.cluster_resources().get("CPU", 1)))  # in flight = running: timeouts count from start
        manifest = Manifest(out)
        pending: dict[Any, tuple[Task, float]] = {}
        queue = list(reversed(tasks))
        try:
            while queue or pending:
                while queue and len(pending) < window:
                    task = queue.pop()
                    pending[remote.remote(task, limits.memory_mb)] = (task, time.monotonic())
                ready, _ = ray.wait(list(pending), num_returns=1, timeout=1.0)
                now = time.monotonic()
                finished: list[Finished] = []
                for ref in ready:
                    task, _started = pending.pop(ref)
                    try:
                        outcome = ray.get(ref)
                    except Exception as exc:  # the worker died twice, or Ray could not run the task
                        outcome = Outcome("failed", error=f"{task.path}: the Ray task failed ({type(exc).__name__})")
                    finished.append(Finished(task.path, outcome, task.target))
                for ref, (task, started) in list(pending.items()):
                    if now - started > limits.timeout_s:
                        ray.cancel(ref, force=True)
                        del pending[ref]
                        error = f"{task.path}: over the time limit of {limits.timeout_s:g} s (--timeout)"
                        finished.append(Finished(task.path, Outcome("failed", error=error), task.target))
                for item in finished:
                    counts.record(item.outcome)
                    manifest.add(item)
                    on_finished(item, counts)
        finally:
            manifest.close()
    finally:
        if started_here:
            ray.shutdown()
    return counts
