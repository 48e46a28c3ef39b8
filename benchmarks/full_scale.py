"""Benchmark: cost of the synthetic population (issue 18) against its size.

Usage: .venv/bin/python benchmarks/full_scale.py [--scales 0.01 0.1 1] [--seed N] [--data DIR]

Builds the city's population (``sim.city.population``, no cache) at each scale in a fresh
process and prints, per scale, households, residents, buildings, wall time (seconds), the peak
of memory allocated during the build (tracemalloc, MB: numpy's arrays included) and the
process's peak resident memory (``resource.getrusage``, MB: interpreter and libraries
included), then the exponent b of time ∝ households^b fitted by least squares on the logs.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "scenarios" / "data" / "shanghai"


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.01, 0.1, 1.0])
    parser.add_argument("--seed", type=int, default=20190810)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--one", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
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
