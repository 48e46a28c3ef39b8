"""Execute a sweep: map :func:`~sim.studies.sweep.runone.run_one` over the runs not yet done.

Backends: ``workers == 1`` runs in this process (simple, debuggable); ``workers > 1`` uses a
``concurrent.futures.ProcessPoolExecutor`` whose workers inherit no state of the sweep
process: on POSIX they are forked from a **forkserver** that has imported the model once
(:data:`PRELOAD`), so a worker starts in milliseconds instead of re-importing numpy, scipy,
pandas and Mesa for seconds; elsewhere the ``spawn`` start method (as Mesa's ``batch_run``).
``scheduler=ADDRESS`` maps the same function on a Dask distributed cluster
(:mod:`~sim.studies.sweep.dask_backend`). Results depend on the run record alone, never on the
process or the backend.

Failures:

- a run that raises is recorded in ``failures.jsonl`` (error text and traceback) and queued
  again, up to ``spec.max_attempts`` attempts;
- a worker process that dies (segfault, out-of-memory kill, ``os._exit``) breaks the pool
  (``BrokenProcessPool``): the pool is rebuilt and the runs that were in flight are retried
  one at a time, so the run that kills its worker is identified and charged an attempt while
  its innocent neighbours are not;
- each worker watches its parent and exits when the sweep process is gone (a ``SIGKILL``ed
  sweep leaves no orphans computing); ``--resume`` then runs what is missing;
- a caller that cannot use a sweep with a failed run (a calibration: every particle needs its
  outcome) asks to stop at the first run that has failed all its attempts
  (``stop_on_failure``: :class:`RunFailedError`, the runs in flight stopped, finished runs
  kept), listing the errors that are not worth a retry (an input error recurs on every
  attempt).

At most ``workers`` runs are in flight at once, so a pool failure costs at most that many.
"""

from __future__ import annotations

import functools
import multiprocessing as mp
import os
import threading
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from sim.core.cli_input import Bound
from sim.core.errors import Picklable
from sim.studies.sweep.design import RunRecord
from sim.studies.sweep.inputs import changed_while_running
from sim.studies.sweep.runone import run_one
from sim.studies.sweep.spec import ExperimentSpec
from sim.studies.sweep.store import SweepStore

RunFn = Callable[[ExperimentSpec, RunRecord, str | None], dict[str, Any]]

PRELOAD = (
    "sim.models.emergency",
    "sim.models.longrun",
    "sim.results.runner",
    "sim.studies.sweep.runone",
)
"""Modules the forkserver imports once, before forking workers (the model's import chain)."""


def pool_context() -> mp.context.BaseContext:
    """The start method of worker pools: forkserver preloading the model, else spawn.

    The forkserver is one per sweep process and starts on the first pool; it is a fresh
    interpreter (nothing of the sweep process's state), so workers are as clean as spawned
    ones. ``set_forkserver_preload`` only applies before it starts, hence the check.
    """
    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(list(PRELOAD))
    return ctx


@dataclass
class SweepOutcome:
    """What one invocation of :func:`run_sweep` did.

    Attributes:
        total: runs in the plan.
        skipped: runs already finished in the folder (resume).
        completed: runs finished by this invocation.
        failed: run ids that exhausted their attempts.
        retries: failed attempts that were retried.
        wall_time_s: wall-clock time of this invocation.
        workers: processes used.
        repairs: damaged or lost files the store found and mended before running (one
            ``FILE: where: what was done`` line each: run files set aside and rerun, a
            rebuilt plan, dropped manifest lines).
        warnings: what the caller should print as ``warning: ...``: finished runs whose data
            files could not be checked (a folder of an earlier version), data files edited
            while the runs ran (:mod:`sim.studies.sweep.inputs`).
    """

    total: int
    skipped: int
    completed: int = 0
    failed: list[str] = field(default_factory=list)
    retries: int = 0
    wall_time_s: float = 0.0
    workers: int = 1
    repairs: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class RunFailedError(Picklable, RuntimeError):
    """A run failed all its attempts and the sweep stopped there (``stop_on_failure``).

    Attributes:
        run_id: the run.
        error: its last error, ``Type: message``; the exception itself is the ``__cause__``.
    """

    def __init__(self, run_id: str, error: str):
        super().__init__(f"run {run_id} failed every attempt: {error}")
        self.run_id = run_id
        self.error = error


MAX_WORKERS = 256
"""Worker processes a command may ask for: each holds a model (~340 MB at Lekima's full
scale), so 256 are already ~90 GB; more than the cores only adds memory, and a pool starts up
to one process per run in flight (``--workers 1000000`` over 100,000 replications was a fork
bomb)."""
WORKERS = Bound(1, MAX_WORKERS, integer=True)
"""What every command's ``--workers`` accepts (:mod:`sim.core.cli_input`)."""


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, killed but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - exists, owned by another user
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # no procfs (not Linux): os.kill said it exists
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _init_worker(parent_pid: int, environ: dict[str, str]) -> None:
    """Worker initializer: take the sweep process's environment, then watch the sweep.

    A forkserver worker inherits the environment of the forkserver, i.e. of the sweep
    process when the forkserver started; setting it again gives what a spawned worker sees
    (variables set since then, e.g. by a test or a library, included).
    """
    os.environ.clear()
    os.environ.update(environ)
    _watch_parent(parent_pid)


def _watch_parent(parent_pid: int) -> None:
    """Exit this worker when the sweep process (``parent_pid``) is gone.

    The sweep process is watched by pid, not as the worker's parent: a forkserver worker's
    parent is the forkserver, which the workers themselves keep alive (each holds its
    liveness pipe), so it would never exit first.
    """

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if not _process_alive(parent_pid):
                os._exit(3)

    threading.Thread(target=watch, daemon=True, name="citysafe-parent-watch").start()


def _call(run_fn: RunFn, spec: ExperimentSpec, run: RunRecord, run_dir: str | None) -> dict:
    return run_fn(spec, run, run_dir)


class _Progress:
    """A rich progress bar of runs done, failures and ETA (or nothing)."""

    def __init__(self, enabled: bool, name: str, total: int, done: int):
        self.bar = None
        if not enabled:
            return

        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("runs · {task.fields[failed]} failed ·"),
            TimeElapsedColumn(),
            TextColumn("· ETA"),
            TimeRemainingColumn(),
        )
        self.bar.start()
        self.task = self.bar.add_task(name, total=total, completed=done, failed=0)

    def update(self, done: int, failed: int) -> None:
        if self.bar is not None:
            self.bar.update(self.task, completed=done, failed=failed)

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()


class _Tracker:
    """Book-keeping shared by the serial and the pool loops."""

    def __init__(self, spec, store, outcome, bar, n_done, stop_on_failure=None):
        self.spec, self.store, self.outcome, self.bar = spec, store, outcome, bar
        self.attempts: Counter[str] = Counter()
        self.n_done = n_done
        self.stop_on_failure = stop_on_failure is not None
        self.no_retry = tuple(stop_on_failure or ())

    def run_dir(self, run: RunRecord) -> str | None:
        if not self.spec.keep_run_folders:
            return None
        return str(self.store.out_dir / "run_folders" / run.run_id)

    def success(self, run: RunRecord, row: dict[str, Any]) -> None:
        self.store.write_row(row, attempts=self.attempts[run.run_id] + 1)
        self.outcome.completed += 1
        self.n_done += 1
        self.bar.update(self.n_done, len(self.outcome.failed))

    def failure(self, run: RunRecord, exc: BaseException, kind: str, charge: bool = True) -> bool:
        """Record a failed attempt; True when the run should be tried again.

        Raises:
            RunFailedError: the run has failed all its attempts (an error ``stop_on_failure``
                lists ends them at once) and the sweep stops at the first such run.
        """
        if charge:
            self.attempts[run.run_id] += 1
        tb = "".join(traceback.format_exception(exc))
        error = f"{type(exc).__name__}: {exc}"
        self.store.record_failure(run, self.attempts[run.run_id], kind, error, tb)
        final = charge and isinstance(exc, self.no_retry)
        if self.attempts[run.run_id] < self.spec.max_attempts and not final:
            self.outcome.retries += 1
            return True
        self.outcome.failed.append(run.run_id)
        self.bar.update(self.n_done, len(self.outcome.failed))
        if self.stop_on_failure:
            raise RunFailedError(run.run_id, error) from exc
        return False


def _serial(todo: list[RunRecord], tracker: _Tracker, run_fn: RunFn) -> None:
    queue = deque(todo)
    while queue:
        run = queue.popleft()
        try:
            row = run_fn(tracker.spec, run, tracker.run_dir(run))
        except Exception as exc:  # noqa: BLE001 - any model error is recorded, then retried
            if tracker.failure(run, exc, "exception"):
                queue.appendleft(run)
        else:
            tracker.success(run, row)


def _pool(todo: list[RunRecord], tracker: _Tracker, run_fn: RunFn, workers: int) -> None:
    queue: deque[RunRecord] = deque(todo)
    suspects: deque[RunRecord] = deque()  # in flight when a worker died: retried alone
    ctx = pool_context()
    task = functools.partial(_call, run_fn, tracker.spec)
    while queue or suspects:
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(os.getpid(), dict(os.environ)),
        )
        inflight: dict[Future, RunRecord] = {}
        alone = False  # a suspect is running: submit nothing beside it
        broken: list[RunRecord] = []
        pool_broken = False
        try:
            while (queue or suspects or inflight) and not pool_broken:
                while len(inflight) < workers and not alone:
                    if suspects:
                        if inflight:
                            break
                        source, alone = suspects, True
                    elif queue:
                        source = queue
                    else:
                        break
                    run = source.popleft()
                    try:
                        inflight[pool.submit(task, run, tracker.run_dir(run))] = run
                    except BrokenProcessPool:  # a worker died since the last wait
                        source.appendleft(run)  # never started: no attempt spent
                        pool_broken, alone = True, False
                        break
                if not inflight:
                    break
                finished, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for fut in finished:
                    run = inflight.pop(fut)
                    exc = fut.exception()
                    if isinstance(exc, BrokenProcessPool):
                        broken.append(run)
                        pool_broken = True
                    elif exc is not None:
                        if tracker.failure(run, exc, "exception"):
                            queue.appendleft(run)
                    else:
                        tracker.success(run, fut.result())
                if not inflight:
                    alone = False
            if pool_broken:  # the pool fails every pending future: collect the rest
                wait(inflight)
                broken += list(inflight.values())
                inflight.clear()
                err = BrokenProcessPool("a worker process died while running this run")
                if not broken:  # no run was in flight (the dead worker was idle)
                    pass
                elif len(broken) == 1:
                    if tracker.failure(broken[0], err, "worker_died"):
                        suspects.append(broken[0])
                else:
                    for run in broken:
                        tracker.failure(run, err, "worker_died_shared", charge=False)
                        suspects.append(run)
        except BaseException:
            # Ctrl-C or a store error: stop the runs in flight now (their results would be
            # lost anyway; finished runs are on disk). ``_processes`` is private API, hence
            # the guard; without it the workers still exit with this process (parent watch).
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                proc.terminate()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=not pool_broken, cancel_futures=True)


def _run_all(todo: list[RunRecord], tracker, run_fn: RunFn, client, workers: int) -> None:
    """The runs to do, on the Dask cluster (``client``), in this process (1 worker) or on a
    process pool."""
    if client is not None:
        # the Dask backend: only with --scheduler
        from sim.studies.sweep.dask_backend import run_on_dask

        run_on_dask(todo, tracker, run_fn, client)
    elif workers == 1:
        _serial(todo, tracker, run_fn)
    else:
        _pool(todo, tracker, run_fn, max(1, min(workers, len(todo))))


def run_sweep(
    spec: ExperimentSpec,
    runs: list[RunRecord],
    out_dir: str | Path,
    workers: int | None = None,
    resume: bool = False,
    progress: bool = False,
    run_fn: RunFn = run_one,
    scheduler: str | None = None,
    stop_on_failure: tuple[type[BaseException], ...] | None = None,
    on_start: Callable[[SweepOutcome], None] | None = None,
) -> SweepOutcome:
    """Run every run of ``runs`` not yet finished in ``out_dir``; stream rows to disk.

    Args:
        spec: the validated spec.
        runs: its plan (:func:`~sim.studies.sweep.design.expand`).
        out_dir: the sweep folder (see :mod:`sim.studies.sweep.store`).
        workers: processes (default: all cores); 1 runs in this process.
        resume: continue a sweep saved in ``out_dir``.
        progress: show a progress bar (runs done, failures, ETA).
        run_fn: the one-run function, ``(spec, run, run_dir) -> row``; must be importable
            by name (module level) when ``workers > 1`` or on Dask.
        scheduler: a Dask scheduler address (``tcp://HOST:PORT``): run on that cluster
            instead of locally (``workers`` is then ignored; the outcome reports the
            cluster's worker threads). Same folder, manifest, retries and resume.
        stop_on_failure: errors that end a run's attempts at once (they recur); not None:
            raise :class:`RunFailedError` at the first run that failed all its attempts.
        on_start: called once the folder is open, before any run, with the outcome so far
            (``total`` and ``skipped``: what a resumed sweep finds done).

    Returns:
        The :class:`SweepOutcome`.

    Raises:
        SweepError: the folder cannot be used (see :meth:`SweepStore.open`), or the Dask
            scheduler cannot be reached.
        OSError: a result or log line could not be written (a full disk, ...): the runs in
            flight are stopped; every file is complete or absent, so ``resume`` loses
            nothing.
        KeyboardInterrupt: after cancelling pending runs; finished runs are kept.
    """
    t0 = time.perf_counter()
    client = None
    if scheduler is not None:
        # the Dask backend: only with --scheduler
        from sim.studies.sweep.dask_backend import cluster_threads, connect

        client = connect(scheduler)
        workers = cluster_threads(client)
    workers = max(1, workers or default_workers())
    try:
        store = SweepStore(out_dir)
        store.open(spec, runs, resume, workers)
        try:
            done = store.completed()
            todo = [r for r in runs if r.run_id not in done]
            outcome = SweepOutcome(total=len(runs), skipped=len(runs) - len(todo), workers=workers)
            outcome.repairs = [str(p) for p in store.repairs]
            outcome.warnings = [str(p) for p in store.warnings]
            if on_start is not None:
                on_start(outcome)
            bar = _Progress(progress and bool(todo), spec.name, len(runs), outcome.skipped)
            tracker = _Tracker(spec, store, outcome, bar, outcome.skipped, stop_on_failure)
            try:
                _run_all(todo, tracker, run_fn, client, workers)
            finally:
                bar.stop()
            if todo and (moved := changed_while_running(store.out_dir, runs)) is not None:
                outcome.warnings.append(moved)
        finally:
            store.close()
    finally:
        if client is not None:
            client.close()
    outcome.wall_time_s = round(time.perf_counter() - t0, 2)
    return outcome
