"""Benchmark: a full CLI-level long run (`citysafe run` of a long-run scenario), end to end.

Target (issue): an 18-year pipeline-ageing run for all of Shanghai finishes in < 2 minutes on
a 2-core machine. The command runs in a fresh interpreter (imports, scenario loading, model,
run folder with Parquet tables and PNG figures, console table), timed from outside; the run's
own ``wall_time_s`` (model + run folder) and the events written per second are reported too.
``--replicates N`` also runs the model (no run folder) for seeds 0..N-1 and reports the mean
and standard deviation of the counts that have a record, since one run is one realisation.

Usage:
    .venv/bin/python benchmarks/longrun.py [--scenario FILE] [--seed S] [--replicates N]
        [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "scenarios/shanghai/pipeline-ageing-2003-2020.yaml"
TARGET_S = 120.0


def cli_run(scenario: Path, seed: int | None) -> dict:
    """Time ``python -m sim.interfaces.cli.main run SCENARIO --quiet`` in a subprocess."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        cmd = [
            sys.executable,
            "-m",
            "sim.interfaces.cli.main",
            "run",
            str(scenario),
            "--quiet",
            "--out",
            str(out),
        ]
        if seed is not None:
            cmd += ["--seed", str(seed)]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(f"citysafe run failed ({proc.returncode}):\n{proc.stderr}")
        summary = json.loads((out / "summary.json").read_text())
        n_events = len(pd.read_parquet(out / "events.parquet", columns=["t_h"]))
    return {"process_wall_s": round(wall, 2), "summary": summary, "events": n_events}


def replicates(scenario: Path, n: int) -> dict[str, tuple[float, float]]:
    """Mean and standard deviation over seeds 0..n-1 of the summary keys with a record."""
    sys.path.insert(0, str(ROOT))
    from sim.models.longrun import RiskDynamicsModel
    from sim.results.longrun_summary import summarise
    from sim.scenario import load_scenario

    keys = list(load_scenario(scenario).observed)
    values = {k: [] for k in keys}
    for seed in range(n):
        model = RiskDynamicsModel(load_scenario(scenario, [f"seed={seed}"]))
        model.run()
        s = summarise(model, 0.0)
        for k in keys:
            values[k].append(s[k])
    return {k: (float(np.mean(v)), float(np.std(v, ddof=1))) for k, v in values.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", type=Path, default=DEFAULT)
    ap.add_argument("--seed", type=int, default=None, help="default: the scenario's seed")
    ap.add_argument("--replicates", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()
    res = cli_run(args.scenario, args.seed)
    s = res["summary"]
    res |= {
        "benchmark": "longrun_cli",
        "scenario": args.scenario.name,
        "events_per_s": round(res["events"] / max(s["wall_time_s"], 1e-9)),
        "target_s": TARGET_S,
        "pass": res["process_wall_s"] < TARGET_S,
        "cpus": os.cpu_count(),
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
    }
    if args.replicates > 1:
        res["replicates"] = replicates(args.scenario, args.replicates)
    if args.json:
        print(json.dumps(res))
        return
    print(
        f"{res['scenario']}: {s['years']} years, seed {s['seed']}: citysafe run took "
        f"{res['process_wall_s']:.1f} s (run {s['wall_time_s']:.1f} s, {s['mesa_events']} Mesa "
        f"events), {res['events']:,} events, {res['events_per_s']:,} events/s"
    )
    from sim.scenario import load_scenario

    observed = load_scenario(args.scenario).observed
    for key, obs in observed.items():
        line = f"  {key}: simulated {s[key]:g} vs record {obs.value:g}"
        if f"{key}_expected" in s:
            line += f" (model expectation {s[f'{key}_expected']:g})"
        if "replicates" in res:
            m, sd = res["replicates"][key]
            line += f"; over seeds 0..{args.replicates - 1}: {m:.1f} ± {sd:.1f}"
        print(line)
    print(f"target < {TARGET_S:.0f} s on {res['cpus']} CPUs: {'PASS' if res['pass'] else 'FAIL'}")


if __name__ == "__main__":
    main()
