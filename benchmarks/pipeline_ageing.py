"""Benchmark: 18-year pipeline-ageing run (bursts -> cavities -> road collapses), all Shanghai.

Target (issue): an 18-year run for all of Shanghai finishes in < 2 minutes on a 2-core machine.
Reports wall time, events (bursts, cavities, detections, collapses) and events per second.

Usage:
    .venv/bin/python benchmarks/pipeline_ageing.py [--segment-km 0.5] [--repeats 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

from sim.city import load_city
from sim.risk.pipeline import EVENT_KINDS, city_pipeline_model

DATA = Path(__file__).resolve().parents[1] / "scenarios/data/shanghai"
START_YEAR, YEARS = 2003, 18
TARGET_S = 120.0


def run(segment_km: float, repeats: int, seed: int) -> dict:
    city = load_city(DATA)
    t0 = time.perf_counter()
    model = city_pipeline_model(city, np.random.default_rng(seed), segment_length_km=segment_km)
    build_s = time.perf_counter() - t0
    expected = model.expected_counts(START_YEAR, YEARS)
    walls, counts = [], []
    for r in range(repeats):
        t0 = time.perf_counter()
        ev = model.run(START_YEAR, YEARS, np.random.default_rng(seed + 1 + r))
        walls.append(time.perf_counter() - t0)
        counts.append({k: ev.count(k) for k in EVENT_KINDS} | {"total": len(ev)})
    best = min(walls)
    n_events = counts[int(np.argmin(walls))]["total"]
    return {
        "benchmark": "pipeline_ageing",
        "years": YEARS,
        "segments": model.network.n_segments,
        "pipe_km": float(model.network.length_km.sum()),
        "build_s": round(build_s, 3),
        "run_s_best": round(best, 3),
        "run_s_all": [round(w, 3) for w in walls],
        "events": n_events,
        "events_per_s": round(n_events / best),
        "segment_years_per_s": round(model.network.n_segments * YEARS / best),
        "collapses_simulated": [c["road_collapse"] for c in counts],
        "collapses_expected": round(expected["collapses"], 2),
        "calibration_target": 95,
        "target_s": TARGET_S,
        "pass": best + build_s < TARGET_S,
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--segment-km", type=float, default=0.5)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()
    res = run(args.segment_km, args.repeats, args.seed)
    if args.json:
        print(json.dumps(res))
        return
    print(
        f"pipeline_ageing: {res['years']} years, {res['segments']:,} segments "
        f"({res['pipe_km']:,.0f} km): build {res['build_s']:.2f} s, run {res['run_s_best']:.2f} s "
        f"(best of {len(res['run_s_all'])}), {res['events']:,} events, "
        f"{res['events_per_s']:,} events/s, {res['segment_years_per_s']:,} segment-years/s"
    )
    print(
        f"road collapses simulated {res['collapses_simulated']} vs expected "
        f"{res['collapses_expected']} (calibration target 95, 2003-2020)"
    )
    print(f"target < {TARGET_S:.0f} s: {'PASS' if res['pass'] else 'FAIL'}")


if __name__ == "__main__":
    main()
