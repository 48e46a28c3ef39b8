"""Benchmark: cost of the synthetic population (issue 18) against its size, and the
full-scale Lekima run.

Usage: .venv/bin/python benchmarks/full_scale.py [--scales 0.01 0.1 1] [--seed N] [--data DIR]
       .venv/bin/python benchmarks/full_scale.py --run [--cold]

Builds the city's population (``sim.city.population``, no cache) at each scale in a fresh
process and prints, per scale, households, residents, buildings, wall time (seconds), the peak
of memory allocated during the build (tracemalloc, MB: numpy's arrays included) and the
process's peak resident memory (``resource.getrusage``, MB: interpreter and libraries
included), then the exponent b of time ∝ households^b fitted by least squares on the logs.

``--run`` runs ``scenarios/shanghai/lekima-2019.yaml`` (the default resolution) and
``lekima-2019-full.yaml`` (``population.resolution: full``: households.parquet) each in a fresh
process, without figures, into a temporary folder, and prints the wall time (seconds, the
run's ``wall_time_s``: build, run and writing), the time of households.parquet (population from
the cache, allocation, writing) and the process's peak resident memory
(``resource.getrusage``, MB). Targets (issue 18): full scale ≤ 600 s and ≤ 16,000 MB on the
2-core machine. ``--cold`` empties a temporary population cache first, so the full run
builds the population too.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "scenarios" / "data" / "shanghai"
SCENARIOS = ("lekima-2019", "lekima-2019-full")
TARGET_S, TARGET_MB = 600.0, 16_000.0


def one(data: Path, scale: float, seed: int) -> dict:
    """Build once at ``scale``; the measurements of this process."""
    from sim.city import load_city
    from sim.city.population.cache import population_for

    city = load_city(data)
    tracemalloc.start()
    t0 = time.perf_counter()
    pop = population_for(data, seed, scale, use_cache=False, city=city)
    seconds = time.perf_counter() - t0
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "scale": scale,
        "households": int(pop.households.size),
        "persons": pop.persons,
        "buildings": int(pop.buildings.size),
        "seconds": seconds,
        "traced_peak_mb": traced_peak / 1e6,
        "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3,
        "array_mb": (pop.households.nbytes + pop.buildings.nbytes) / 1e6,
    }


def run_one(name: str) -> dict:
    """Run ``scenarios/shanghai/NAME.yaml`` once in this process; its measurements."""
    import sim.results.household_table as ht
    from sim.results.runner import run_scenario
    from sim.scenario import load_scenario

    spent = {"table_s": 0.0}
    table = ht.household_table

    def timed(model, details=None):  # the time households.parquet takes to build
        t0 = time.perf_counter()
        out = table(model, details)
        spent["table_s"] += time.perf_counter() - t0
        return out

    ht.household_table = timed
    scenario = load_scenario(ROOT / "scenarios" / "shanghai" / f"{name}.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        summary = run_scenario(scenario, Path(tmp) / "run", figures=False, report=False).summary
    return {
        "scenario": name,
        "wall_s": summary["wall_time_s"],
        "table_s": spent["table_s"],
        "residents_simulated": summary["residents_simulated"],
        "assets": summary["assets"],
        "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3,
    }


def full_runs(cold: bool) -> None:
    """``--run``: the default and the full-scale Lekima runs, each in a fresh process."""
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as cache:
        if cold:
            env["CITYSAFE_CACHE"] = cache
        rows = []
        for name in SCENARIOS:
            cmd = [sys.executable, __file__, "--run-one", name]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(
        f"{'scenario':<18} {'residents':>11} {'assets':>8} {'wall s':>7} {'table s':>7} "
        f"{'RSS MB':>7}"
    )
    for r in rows:
        print(
            f"{r['scenario']:<18} {r['residents_simulated']:>11,} {r['assets']:>8,} "
            f"{r['wall_s']:>7.1f} {r['table_s']:>7.1f} {r['rss_peak_mb']:>7.0f}"
        )
    full = rows[-1]
    ok = full["wall_s"] <= TARGET_S and full["rss_peak_mb"] <= TARGET_MB
    print(
        f"full scale: target <= {TARGET_S:.0f} s and <= {TARGET_MB:,.0f} MB: "
        f"{'met' if ok else 'MISSED'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.01, 0.1, 1.0])
    parser.add_argument("--seed", type=int, default=20190810)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--one", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--run", action="store_true", help="time the Lekima runs instead")
    parser.add_argument("--cold", action="store_true", help="with --run: build the population")
    parser.add_argument("--run-one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_one:
        print(json.dumps(run_one(args.run_one)))
        return
    if args.run:
        full_runs(args.cold)
        return
    if args.one is not None:
        print(json.dumps(one(args.data, args.one, args.seed)))
        return
    rows = []
    for scale in args.scales:
        cmd = [
            sys.executable,
            __file__,
            "--one",
            str(scale),
            "--seed",
            str(args.seed),
            "--data",
            str(args.data),
        ]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    print(
        f"{'scale':>6} {'households':>11} {'residents':>11} {'buildings':>9} {'time s':>7} "
        f"{'traced MB':>9} {'RSS MB':>7} {'arrays MB':>9}"
    )
    for r in rows:
        print(
            f"{r['scale']:>6g} {r['households']:>11,} {r['persons']:>11,} {r['buildings']:>9,} "
            f"{r['seconds']:>7.2f} {r['traced_peak_mb']:>9.0f} {r['rss_peak_mb']:>7.0f} "
            f"{r['array_mb']:>9.0f}"
        )
    if len(rows) >= 2:
        n = np.log([r["households"] for r in rows])
        b_time = np.polyfit(n, np.log([r["seconds"] for r in rows]), 1)[0]
        b_mem = np.polyfit(n, np.log([r["traced_peak_mb"] for r in rows]), 1)[0]
        print(f"time ∝ households^{b_time:.2f}; traced memory ∝ households^{b_mem:.2f}")


if __name__ == "__main__":
    main()
