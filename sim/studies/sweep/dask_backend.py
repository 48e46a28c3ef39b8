"""Run a sweep's pending runs on a Dask distributed cluster (``--scheduler tcp://HOST:PORT``).

Same contract as the local backends in :mod:`~sim.studies.sweep.executor`: one task per pending
run maps :func:`~sim.studies.sweep.runone.run_one` (or the given ``run_fn``); each result is
written to the same :class:`~sim.studies.sweep.store.SweepStore` by THIS process as soon as it
arrives (``distributed.as_completed``), so the folder, manifest and ``--resume`` behave exactly
as with the process pool. A run's row depends on its run record alone (seed from
``SeedSequence`` spawning in :mod:`~sim.studies.sweep.design`), never on the worker.

Failures: a task that raises is recorded in ``failures.jsonl`` and resubmitted under a new
key (so every attempt's traceback is kept) until ``spec.max_attempts``. A worker that dies
is first handled by the scheduler, which reschedules its tasks on other workers up to
``distributed.scheduler.allowed-failures`` times; only when it gives up (``KilledWorker``)
is the run charged an attempt of kind ``worker_died``.

The workers must be able to import ``sim`` (and ``run_fn``'s module): start them from the
repository with ``PYTHONPATH`` set, or in an environment where citysafe is installed.
With ``keep_run_folders: true`` the workers write run folders under the sweep folder's path
as seen on THEIR machine (use a shared filesystem across hosts). A cluster without workers
queues the runs until one joins.
Requires ``dask[distributed]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.studies.sweep.design import RunRecord
from sim.studies.sweep.store import SweepError

if TYPE_CHECKING:  # pragma: no cover
    from distributed import Client

    from sim.studies.sweep.executor import RunFn, _Tracker


def connect(address: str, timeout_s: float = 30.0) -> Client:
    """Connect to the Dask scheduler at ``address``.

    Args:
        address: scheduler address, e.g. ``tcp://127.0.0.1:8786``.
        timeout_s: seconds to wait for the scheduler.

    Returns:
        A ``distributed.Client`` (not set as the default client); the caller closes it.

    Raises:
        SweepError: dask.distributed is not installed, or the scheduler cannot be reached.
    """
    try:
        # dask distributed (extra "dask"): only with --scheduler
        from distributed import Client
    except ImportError:
        raise SweepError(
            "--scheduler needs Dask distributed: pip install 'dask[distributed]>=2024.1'"
        ) from None
    try:
        return Client(address, timeout=timeout_s, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise SweepError(
            f"cannot reach the Dask scheduler at {address} within {timeout_s:g} s ({exc}); "
            "start one with `dask scheduler` and at least one `dask worker ADDRESS`"
        ) from None


def cluster_threads(client: Client) -> int:
    """Worker threads in the cluster now (the number of runs it can run at once; >= 1)."""
    return max(1, sum(client.nthreads().values()))


def run_on_dask(todo: list[RunRecord], tracker: _Tracker, run_fn: RunFn, client: Client) -> None:
    """Run ``todo`` on ``client``'s cluster; rows and failures go through ``tracker``.

    Raises:
        KeyboardInterrupt: after cancelling every pending task (finished runs are on disk).
    """
    # dask distributed (extra "dask"): only with --scheduler
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    spec = tracker.spec
    inflight: dict[Any, RunRecord] = {}
    tries: dict[str, int] = {}

    def submit(run: RunRecord):
        n = tries[run.run_id] = tries.get(run.run_id, 0) + 1
        # A fresh key per attempt: the erred future of the last attempt must not be reused.
        fut = client.submit(
            run_fn, spec, run, tracker.run_dir(run), key=f"citysafe-{run.run_id}-try{n}"
        )
        inflight[fut] = run
        return fut

    stream = as_completed([submit(run) for run in todo], loop=client.loop)
    try:
        for fut in stream:
            run = inflight.pop(fut)
            if fut.status == "finished":
                tracker.success(run, fut.result())
            else:
                try:
                    exc = fut.exception()
                except Exception as err:  # noqa: BLE001 - e.g. cancelled from another client
                    exc = err
                kind = "worker_died" if isinstance(exc, KilledWorker) else "exception"
                if tracker.failure(run, exc, kind):
                    stream.add(submit(run))
            fut.release()
    except BaseException:
        client.cancel(list(inflight))  # Ctrl-C or a store error: stop the cluster's work
        raise
