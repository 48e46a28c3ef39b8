"""Benchmark: sweep executor overhead and parallel efficiency.

Usage: python benchmarks/sweep.py [--runs N] [--workers W] [--skip-model]

1. Per-run overhead of the executor and the store, with a no-op run (no model): serial
   (Parquet write + fsync + manifest line per run) and with a W-worker spawn pool (plus
   pickling and IPC), as the marginal cost per run between a small and a large sweep
   (so pool start-up cancels out).
2. Parallel efficiency on real runs (Lekima, 8 h around landfall, networks.resolution 0.1,
   ~1-3 s a run): wall time serial vs W workers, speed-up T1 / TW, efficiency T1 / (W · TW),
   and the overhead per run beyond the model's own time (summary ``wall_time_s``).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from sim.experiments.design import expand
from sim.experiments.executor import run_sweep
from sim.experiments.spec import parse_spec
from sim.results.sweep_table import load

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


def _timed(spec, workers: int, run_fn=None) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        kwargs = {"run_fn": run_fn} if run_fn else {}
        run_sweep(spec, expand(spec), Path(tmp) / "o", workers=workers, **kwargs)
        return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8, help="real runs (even)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-model", action="store_true")
    args = parser.parse_args()
    small, large = _spec(10), _spec(110)  # 20 and 220 no-op runs
    for workers in (1, args.workers):
        t_small = _timed(small, workers, noop_row)
        t_large = _timed(large, workers, noop_row)
        print(
            f"no-op runs, {workers} worker(s): {t_small:.2f} s for 20, {t_large:.2f} s for 220; "
            f"marginal overhead {1000 * (t_large - t_small) / 200:.1f} ms/run"
        )
    if args.skip_model:
        return
    spec = _spec(args.runs // 2)
    times = {}
    for workers in (1, args.workers):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            run_sweep(spec, expand(spec), Path(tmp) / "o", workers=workers)
            times[workers] = time.perf_counter() - t0
            model_s = load(Path(tmp) / "o")["wall_time_s"].sum()
        overhead = (times[workers] * workers - model_s) / args.runs
        print(
            f"{args.runs} model runs, {workers} worker(s): {times[workers]:.1f} s wall, "
            f"model time {model_s:.1f} s (mean {model_s / args.runs:.2f} s/run), "
            f"overhead {overhead:.2f} worker-s/run (start-up included)"
        )
    t1, tw = times[1], times[args.workers]
    print(
        f"speed-up {t1 / tw:.2f} on {args.workers} workers, efficiency "
        f"{t1 / (args.workers * tw):.0%} (serial includes no spawn start-up; each spawned "
        "worker imports the model, ~5 s)"
    )


if __name__ == "__main__":
    main()
