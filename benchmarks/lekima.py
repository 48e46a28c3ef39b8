"""Benchmark: wall time and peak memory of the Shanghai / Lekima run.

Usage: .venv/bin/python benchmarks/lekima.py [--resolution R] [--repeat N]

Prints the model build time, the run time (96 simulated hours), the whole run including
writing the run folder, peak resident memory, the model's size (assets, incidents), and how
often the road network changed (and how many of those changes closed or opened roads).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from sim.models.emergency import CityModel
from sim.results.run_folder import emergency_tables, write_summary, write_tables
from sim.results.summary import summarise
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "shanghai" / "lekima-2019.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    scen = load_scenario(SCENARIO, [f"networks.resolution={args.resolution}"])
    for i in range(args.repeat):
        t0 = time.perf_counter()
        model = CityModel(scen)
        t1 = time.perf_counter()
        model.run()
        t2 = time.perf_counter()
        summary = summarise(model, t2 - t0)
        with tempfile.TemporaryDirectory() as tmp:
            write_tables(emergency_tables(model), Path(tmp))
            write_summary(summary, Path(tmp))
        t3 = time.perf_counter()
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"run {i + 1}: build {t1 - t0:.1f} s, simulate {t2 - t1:.1f} s "
            f"({scen.time.duration_h:.0f} h simulated), total with tables {t3 - t0:.1f} s, "
            f"peak RSS {peak_mb:.0f} MB, assets {summary['assets']:,}, "
            f"incidents {summary['incidents']:,}"
        )
        router = model.service.router
        print(
            f"  road network changes {router.version} ({router.closure_version} closing or "
            f"opening roads); cached route rows kept exact through them {router.rows_kept}, "
            f"dropped {router.rows_dropped}"
        )


if __name__ == "__main__":
    main()
