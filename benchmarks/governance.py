"""Benchmark: the chemical-park dereliction scenario (governance agents, monthly ticks).

Times (1) the full ``citysafe run`` of ``scenarios/shanghai/chemical-park-dereliction.yaml`` in
a fresh interpreter (imports, model, run folder with audit.parquet, figures, console table),
(2) the model alone (build + 10 years of monthly ticks) in this process, with the audit rows
written per second, and optionally (3) ``--replicates N``: mean and standard deviation of the
headline outcomes over seeds 0..N-1 for the status quo and for each policy plug-in switched on
alone (common random numbers: the same seeds in every arm). Target: the run under ~10 s.

Usage:
    .venv/bin/python benchmarks/governance.py [--seed S] [--replicates N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios/shanghai/chemical-park-dereliction.yaml"
TARGET_S = 10.0
HEADLINE = (
    "chemical_accidents",
    "chemical_deaths",
    "direct_loss_yuan",
    "latent_hazards_mean",
    "hazards_concealed",
    "assessments_falsified",
    "barrier_miss_mean",
    "duty_completion",
)
ARMS = {
    "status_quo": [],
    "failing_layers_5": ["processes.governance.failing_layers=5"],
    **{
        name: [f"policies.{name}.enabled=true"]
        for name in (
            "institutional",
            "risk_inventory",
            "handbook",
            "early_warning",
            "risk_control_insurance",
            "accountability",
            "co_governance",
        )
    },
}


def cli_run(seed: int) -> dict:
    """Time ``python -m sim.interfaces.cli.main run SCENARIO --quiet`` in a subprocess."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        cmd = [sys.executable, "-m", "sim.interfaces.cli.main", "run", str(SCENARIO), "--quiet",
               "--out",
               str(out), "--seed", str(seed)]  # fmt: skip
        t0 = time.perf_counter()
        proc = subprocess.run(
            cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}
        )
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(f"citysafe run failed ({proc.returncode}):\n{proc.stderr}")
        summary = json.loads((out / "summary.json").read_text())
        rows = len(pd.read_parquet(out / "audit.parquet", columns=["t_h"]))
    return {"process_wall_s": round(wall, 2), "audit_rows": rows, "summary": summary}


def model_only(seed: int) -> dict:
    """Build and run the model in-process; seconds and audit rows per second."""
    sys.path.insert(0, str(ROOT))
    from sim.models.longrun import RiskDynamicsModel
    from sim.scenario import load_scenario

    t0 = time.perf_counter()
    model = RiskDynamicsModel(load_scenario(SCENARIO, [f"seed={seed}"]))
    t1 = time.perf_counter()
    model.run()
    t2 = time.perf_counter()
    rows = model.governance.audit.n_rows
    return {
        "build_s": round(t1 - t0, 3),
        "run_s": round(t2 - t1, 3),
        "audit_rows": rows,
        "audit_rows_per_s": round(rows / (t2 - t1)),
    }


def replicates(n: int) -> dict[str, dict[str, tuple[float, float]]]:
    """Per arm: (mean, sd) of the headline outcomes over seeds 0..n-1."""
    sys.path.insert(0, str(ROOT))
    from sim.models.longrun import RiskDynamicsModel
    from sim.results.longrun_summary import summarise
    from sim.scenario import load_scenario

    out = {}
    for arm, overrides in ARMS.items():
        rows = []
        for seed in range(n):
            model = RiskDynamicsModel(load_scenario(SCENARIO, [*overrides, f"seed={seed}"]))
            model.run()
            s = summarise(model, 0.0)
            rows.append([s[k] for k in HEADLINE])
        a = np.array(rows, float)
        out[arm] = {
            k: (round(float(m), 4), round(float(sd), 4))
            for k, m, sd in zip(HEADLINE, a.mean(0), a.std(0, ddof=1 if n > 1 else 0), strict=True)
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=2011)
    ap.add_argument("--replicates", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = {"cli": cli_run(args.seed), "model": model_only(args.seed), "target_s": TARGET_S}
    if args.replicates:
        result["replicates"] = replicates(args.replicates)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    cli, model = result["cli"], result["model"]
    ok = "OK" if cli["process_wall_s"] < TARGET_S else "SLOW"
    print(f"citysafe run: {cli['process_wall_s']} s end to end [{ok}, target {TARGET_S} s]; "
          f"summary wall_time_s {cli['summary']['wall_time_s']}")  # fmt: skip
    print(f"model: build {model['build_s']} s, 10 years {model['run_s']} s, "
          f"{model['audit_rows']} audit rows ({model['audit_rows_per_s']}/s)")  # fmt: skip
    for k in HEADLINE:
        print(f"  {k}: {cli['summary'].get(k)}")
    for arm, stats in result.get("replicates", {}).items():
        cells = ", ".join(f"{k}={m:g}±{sd:g}" for k, (m, sd) in stats.items())
        print(f"{arm}: {cells}")


if __name__ == "__main__":
    main()
