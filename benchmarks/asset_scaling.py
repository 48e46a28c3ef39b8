"""Benchmark: cost of the Lekima run against its number of assets, up to the full scale.

Usage: .venv/bin/python benchmarks/asset_scaling.py [--resolutions 1 4 16] [--hours H]

Each resolution runs in its own process (so that its peak memory is its own): the model is
built (network generation, exposure, items at the full scale) and run for the scenario's 96 h
(or ``--hours``). Prints one row per resolution — infrastructure assets (all layers, and each
layer), exposure items, build and run wall time, the process's CPU time (build and run;
steadier than wall time on a shared machine), peak resident memory, incidents and three
outcomes that depend on the discretisation — and the exponent b of a least-squares fit of
log(cost) = a + b·log(assets + items) over the rows, for the CPU time, the wall times and the
peak memory (b ≤ 1.1 is the issue 18 target; the fixed costs of a run — hazard fields at the
district sample points, warnings, relocation — make b < 1 at small scales).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "shanghai" / "lekima-2019.yaml"


def one(resolution: float, hours: float | None) -> dict:
    """Build and run Lekima at one resolution in this process; its costs and sizes."""
    from sim.models.emergency import CityModel
    from sim.results.summary import summarise
    from sim.scenario import load_scenario

    overrides = [f"networks.resolution={resolution}"]
    if hours is not None:
        overrides.append(f"time.duration_h={hours}")
    scen = load_scenario(SCENARIO, overrides)
    c0 = time.process_time()
    t0 = time.perf_counter()
    model = CityModel(scen)
    t1 = time.perf_counter()
    model.run()
    t2 = time.perf_counter()
    cpu = time.process_time() - c0
    items = model.exposure.item_exposure
    summary = summarise(model, t2 - t0)
    return {
        "resolution": resolution,
        "assets": int(sum(layer.n_nodes for layer in model.infra.layers.values())),
        **{name: layer.n_nodes for name, layer in model.infra.layers.items()},
        "items": 0 if items is None else items.n_items,
        "build_s": round(t1 - t0, 2),
        "run_s": round(t2 - t1, 2),
        "total_s": round(t2 - t0, 2),
        "cpu_s": round(cpu, 2),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "incidents": summary["incidents"],
        "power_line_faults": summary["power_line_faults"],
        "signboards_fallen": summary["signboards_fallen"],
        "trees_down": summary["trees_down"],
    }


def fit_exponent(size: np.ndarray, cost: np.ndarray) -> float:
    """Slope b of the least-squares line log(cost) = a + b·log(size) (numpy.polyfit)."""
    return float(np.polyfit(np.log(size), np.log(cost), 1)[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolutions", type=float, nargs="+", default=[1.0, 4.0, 16.0])
    parser.add_argument("--hours", type=float, default=None, help="simulated hours (default 96)")
    parser.add_argument("--one", type=float, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one(args.one, args.hours)))
        return
    rows = []
    for r in args.resolutions:
        cmd = [sys.executable, __file__, "--one", str(r)]
        if args.hours is not None:
            cmd += ["--hours", str(args.hours)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    size = (table["assets"] + table["items"]).to_numpy(float)
    print(table.to_string(index=False))
    if len(table) >= 2:
        for col in ("cpu_s", "total_s", "run_s", "peak_mb"):
            b = fit_exponent(size, table[col].to_numpy(float))
            print(f"exponent of {col} vs assets + items: {b:.2f}")


if __name__ == "__main__":
    main()
