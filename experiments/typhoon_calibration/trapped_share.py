"""Calibrate the trapped share of collapsed light structures on the calibration typhoons'
zero deaths (issue 13; the scenario's ``casualties.trapped_share``).

    .venv/bin/python experiments/typhoon_calibration/trapped_share.py [--reps 10] [--workers 2]
        [--from-runs CSV]

Every storm of ``storms.yaml`` (the six with a relocation count and the offshore passes of
2019-2020; typhoons from 2021 on are not read) has no recorded death in Shanghai. The storms
are run as ``check.py`` runs them (``--reps`` replications, posterior draws of the behaviour
coefficients) with the share at the upper end of its prior, ``S0`` = 0.02, the former
assumption; runs are cached in ``out/trapped/`` (a rerun resumes). ``--from-runs`` reads
the per-run deaths from a CSV of such runs instead (columns storm, deaths; e.g. a
``check.py`` run made when 0.02 was the default).

Model (assumptions, stated): deaths in storm i are Poisson with mean lambda_i(s) =
lambda_i(S0) s / S0 - the people trapped are a binomial share s of those in collapsed
structures, and fewer of them only shortens the rescue queue, so deaths fall at least in
proportion; lambda_i(S0) is the mean deaths over the replications. With a uniform prior on
[0, S0] and zero deaths in every storm the posterior is p(s) ~ exp(-L s / S0), L = sum_i
lambda_i(S0), a truncated exponential whose median is

    s_med = -(S0 / L) ln((1 + e^-L) / 2).

Writes ``results/trapped_share.md``: lambda by storm, L, the posterior median and 90 % interval,
and each storm's predicted share of replications without a death at the median.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from storm_files import ENSEMBLE_OVERRIDES, load_spec, run_ensemble

HERE = Path(__file__).resolve().parent
S0 = 0.02
"""Upper end of the prior: the share assumed before this calibration."""


def posterior_quantile(q: float, total: float, s0: float = S0) -> float:
    """Quantile ``q`` of the truncated exponential posterior exp(-total s / s0) on [0, s0]."""
    if total <= 0:
        return q * s0
    return -(s0 / total) * np.log(1.0 - q * (1.0 - np.exp(-total)))


def summarise(runs: pd.DataFrame) -> str:
    """The results table (markdown) from per-run deaths at the share ``S0``."""
    lam = runs.groupby("storm")["deaths"].agg(["mean", "count"])
    total = float(lam["mean"].sum())
    med = posterior_quantile(0.5, total)
    lo, hi = posterior_quantile(0.05, total), posterior_quantile(0.95, total)
    rows = [
        f"| {s} | {int(r['count'])} | {r['mean']:.2f} | {np.exp(-r['mean'] * med / S0):.0%} |"
        for s, r in lam.iterrows()
    ]
    return "\n".join(
        [
            f"| storm | replications | mean deaths at share {S0} | P(no death) at the median |",
            "|---|---:|---:|---:|",
            *rows,
            "",
            f"L = {total:.2f} expected deaths over {len(lam)} storms at share {S0}.",
            f"Posterior of the trapped share: median {med:.4f} [5 %: {lo:.4f}, 95 %: {hi:.4f}].",
            f"Storms with P(no death) >= 80 % at the median: "
            f"{int((np.exp(-lam['mean'] * med / S0) >= 0.8).sum())}/{len(lam)} (predicted, "
            "deaths proportional to the share).",
        ]
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--from-runs", type=Path, default=None)
    a = ap.parse_args()
    if a.from_runs is not None:
        runs = pd.read_csv(a.from_runs)[["storm", "deaths"]]
        origin = f"runs read from {a.from_runs.name}"
    else:
        spec = load_spec()
        names = [*spec["storms"], *spec.get("offshore_without_count", [])]
        overrides = (*ENSEMBLE_OVERRIDES, f"casualties.trapped_share={S0}")
        runs = run_ensemble(names, spec, a.reps, a.workers, HERE / "out" / "trapped", overrides)
        origin = f"{a.reps} replications per storm at casualties.trapped_share={S0}"
    text = f"Trapped share on the calibration typhoons' zero deaths ({origin}).\n\n"
    text += summarise(runs) + "\n"
    (HERE / "results" / "trapped_share.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
