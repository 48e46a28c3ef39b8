"""Benchmark: sweep executor overhead and parallel efficiency.

Usage: .venv/bin/python benchmarks/sweep.py [--runs N] [--workers W] [--skip-model] [--skip-dask]
                                  [--scheduler tcp://HOST:PORT]

1. Per-run overhead of the executor and the store, with a no-op run (no model): serial
   (Parquet write + fsync + manifest line per run) and with a W-worker spawn pool (plus
   pickling and IPC), as the marginal cost per run between a small and a large sweep
   (so pool start-up cancels out). Pool workers fork from a forkserver that preloads the
   model (sim.studies.sweep.executor.PRELOAD).
2. Parallel efficiency on real runs (Lekima, 8 h around landfall, networks.resolution 0.1,
   ~1-3 s a run): wall time serial vs W workers, speed-up T1 / TW, efficiency T1 / (W · TW),
   and the overhead per run beyond the model's own time (summary ``wall_time_s``).
3. The Dask overhead against the local pool: the same measurements on a Dask cluster, by
   default a ``LocalCluster`` of W single-threaded worker processes on 127.0.0.1 (so the
   difference to the W-process pool is Dask's scheduling, serialisation and TCP cost), or the
   cluster at ``--scheduler``. Needs ``dask[distributed]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sim.studies.sweep.design import expand
from sim.studies.sweep.executor import run_sweep
from sim.studies.sweep.spec import parse_spec
from sim.studies.sweep.table import load

ROOT = Path(__file__).resolve().parents[1]
LEKIMA = ROOT / "scenarios" / "shanghai" / "lekima-2019.yaml"


def _spec(replications: int, duration_h: float = 8):
    return parse_spec(
        {
            "name": "bench",
            "scenarios": [{"path": str(LEKIMA), "label": "lekima"}],
            "fixed": {
                "networks.resolution": 0.1,
                "time.start_utc": "2019-08-09T16:00:00Z",
                "time.duration_h": duration_h,
            },
            "space": {"kind": "grid", "parameters": {"logistics.teams_scale": [0.5, 2.0]}},
            "replications": replications,
            "seed": 1,
        },
        "bench",
        ROOT,
    )


def noop_row(spec, run, run_dir=None) -> dict:
    """A run that does nothing: the row the executor would store."""
    row = {"run_id": run.run_id, "scenario": run.scenario, "point": run.point}
    row |= {"replication": run.replication, "seed": run.seed, "scenario_hash": "-"}
    return row | run.params | {k: 0.0 for k in spec.output_keys()}


def _timed(spec, workers: int, run_fn=None, scheduler: str | None = None) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        kwargs = {"run_fn": run_fn} if run_fn else {}
        if scheduler is not None:
            kwargs["scheduler"] = scheduler
        else:
            kwargs["workers"] = workers
        run_sweep(spec, expand(spec), Path(tmp) / "o", **kwargs)
        return time.perf_counter() - t0


def _marginal_ms(workers: int, scheduler: str | None = None) -> tuple[float, float, float]:
    """(seconds for 20 no-op runs, for 220, marginal ms per run).

    A first small sweep warms up (starts the forkserver, which imports the model), so the
    two timed sweeps differ only in their number of runs.
    """
    _timed(_spec(1), workers, noop_row, scheduler)
    t_small = _timed(_spec(10), workers, noop_row, scheduler)
    t_large = _timed(_spec(110), workers, noop_row, scheduler)
    return t_small, t_large, 1000 * (t_large - t_small) / 200


def _model_times(n_runs: int, workers: int, scheduler: str | None = None) -> tuple[float, float]:
    """(wall s, summed model s) of ``n_runs`` real runs."""
    spec = _spec(n_runs // 2)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        kwargs = {"scheduler": scheduler} if scheduler else {"workers": workers}
        run_sweep(spec, expand(spec), Path(tmp) / "o", **kwargs)
        wall = time.perf_counter() - t0
        return wall, float(load(Path(tmp) / "o")["wall_time_s"].sum())


def dask_overhead(args, pool_ms: float, pool_model: tuple[float, float] | None) -> None:
    """Part 3: the same no-op and model sweeps on Dask, compared with the local pool."""
    from contextlib import nullcontext

    from distributed import LocalCluster

    cluster = (
        nullcontext(None)
        if args.scheduler
        else LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        )
    )
    with cluster as local:
        address = args.scheduler or local.scheduler_address
        t_small, t_large, ms = _marginal_ms(args.workers, address)
        print(
            f"no-op runs, Dask at {address}: {t_small:.2f} s for 20, {t_large:.2f} s for 220; "
            f"marginal overhead {ms:.1f} ms/run ({ms - pool_ms:+.1f} ms/run vs the "
            f"{args.workers}-worker pool)"
        )
        if pool_model is None:
            return
        wall, model_s = _model_times(args.runs, args.workers, address)
        pool_wall, pool_model_s = pool_model
        print(
            f"{args.runs} model runs, Dask: {wall:.1f} s wall (pool {pool_wall:.1f} s), model "
            f"time {model_s:.1f} s (pool {pool_model_s:.1f} s); Dask overhead vs the pool "
            f"{(wall - pool_wall) * args.workers / args.runs:+.2f} worker-s/run (Dask workers "
            "already running: the pool's wall time includes process spawn, both include the "
            "model import)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8, help="real runs (even)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-model", action="store_true")
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--scheduler", help="Dask scheduler (default: a loopback LocalCluster)")
    args = parser.parse_args()
    pool_ms = 0.0
    for workers in (1, args.workers):
        t_small, t_large, pool_ms = _marginal_ms(workers)  # 20 and 220 no-op runs
        print(
            f"no-op runs, {workers} worker(s): {t_small:.2f} s for 20, {t_large:.2f} s for 220; "
            f"marginal overhead {pool_ms:.1f} ms/run"
        )
    times: dict[int, tuple[float, float]] = {}
    if not args.skip_model:
        for workers in (1, args.workers):
            times[workers] = _model_times(args.runs, workers)
            wall, model_s = times[workers]
            overhead = (wall * workers - model_s) / args.runs
            print(
                f"{args.runs} model runs, {workers} worker(s): {wall:.1f} s wall, "
                f"model time {model_s:.1f} s (mean {model_s / args.runs:.2f} s/run), "
                f"overhead {overhead:.2f} worker-s/run (start-up included)"
            )
        t1, tw = times[1][0], times[args.workers][0]
        print(
            f"speed-up {t1 / tw:.2f} on {args.workers} workers, efficiency "
            f"{t1 / (args.workers * tw):.0%} (serial pays the model import in this process; "
            "pool workers fork from the forkserver, which imported it once)"
        )
    if not args.skip_dask:
        dask_overhead(args, pool_ms, times.get(args.workers))


if __name__ == "__main__":
    main()
