"""Calibration outputs: posterior table and plot, posterior predictive check, calibrated YAML."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.yaml_input import dump_yaml
from sim.studies.calibration.abc import weighted_quantile
from sim.studies.calibration.spec import CalibrationSpec, ObservedTarget


def posterior_summary(post: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Weighted 5 %, 50 %, 95 % quantiles of each parameter (rows: parameters)."""
    w = post["weight"].to_numpy()
    rows = {
        n: {
            f"q{int(q * 100):02d}": weighted_quantile(post[n].to_numpy(), w, q)
            for q in (0.05, 0.5, 0.95)
        }
        for n in names
    }
    return pd.DataFrame.from_dict(rows, orient="index")


def observed_interval(t: ObservedTarget) -> tuple[float, float]:
    """The observed range implied by centre ± scale (back-transformed for log targets), cut
    at 0: every outcome a run writes is a count, an amount or a duration, never negative (a
    linear target of value 0 has the scale ``relative_scale`` × 1 either side of it)."""
    if t.log:
        c = math.log(t.observed + 1.0)
        low, high = math.exp(c - t.scale) - 1.0, math.exp(c + t.scale) - 1.0
    else:
        low, high = t.observed - t.scale, t.observed + t.scale
    return max(low, 0.0), high


def ppc_table(sims: pd.DataFrame, targets: list[ObservedTarget]) -> pd.DataFrame:
    """Posterior predictive check: simulated 5/50/95 % vs observed centre and range per target."""
    rows = []
    for t in targets:
        lo, hi = observed_interval(t)
        x = sims[t.key].to_numpy(dtype=float)
        rows.append(
            {
                "target": t.key,
                "observed": t.observed,
                "observed_low": lo,
                "observed_high": hi,
                "sim_q05": float(np.quantile(x, 0.05)),
                "sim_median": float(np.median(x)),
                "sim_q95": float(np.quantile(x, 0.95)),
                "n_draws": int(x.size),
                "inside_observed_range": bool(lo <= np.median(x) <= hi),
            }
        )
    return pd.DataFrame(rows)


def calibrated_yaml(spec: CalibrationSpec, medians: dict[str, float], out_dir: Path) -> str:
    """A scenario snippet: ``extends:`` the base scenario, with the posterior medians set.

    Dotted parameter paths become nested mappings. The fixed overrides of the calibration runs
    are listed in the header: the parameters hold under them (e.g. at that network resolution).
    """
    tree: dict = {}
    for path, value in medians.items():
        node = tree
        *parents, leaf = path.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = float(f"{value:.4g}")
    rel = os.path.relpath(spec.scenario, out_dir)
    header = (
        f"# Posterior medians of calibration '{spec.name}' (ABC-SMC, pyabc).\n"
        f"# Calibrated under fixed overrides: {list(spec.overrides)}\n"
        "# Use: extends this file, or copy the parameter values into a scenario.\n"
    )
    name = Path(spec.scenario).stem
    body = {"extends": rel, "name": f"{name}-calibrated", **tree}
    return header + dump_yaml(body, allow_unicode=False)


def plot_posterior(post: pd.DataFrame, spec: CalibrationSpec, path: Path) -> None:
    """Weighted marginal histograms of the last generation, prior range shaded."""
    # matplotlib is imported only when a figure is drawn (CLI start-up)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(spec.parameters)
    fig, axes = plt.subplots(1, len(names), figsize=(4 * len(names), 3.2), squeeze=False)
    for ax, n in zip(axes[0], names, strict=True):
        ax.hist(post[n], weights=post["weight"], bins=12, color="tab:blue", alpha=0.8)
        p = spec.parameters[n]
        if p.prior == "uniform":
            ax.axvspan(p.low, p.high, color="grey", alpha=0.12, label="prior range")
        med = weighted_quantile(post[n].to_numpy(), post["weight"].to_numpy(), 0.5)
        ax.axvline(med, color="k", ls="--", label=f"median {med:.3g}")
        ax.set_xlabel(n, fontsize=8)
        ax.legend(fontsize=7)
    axes[0][0].set_ylabel("posterior weight")
    fig.suptitle(f"{spec.name}: ABC-SMC posterior marginals", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_ppc(ppc: pd.DataFrame, targets: list[ObservedTarget], path: Path) -> None:
    """Per target: observed range (grey) vs simulated 5-95 % interval and median (blue)."""
    # matplotlib is imported only when a figure is drawn (CLI start-up)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(ppc), figsize=(3.2 * len(ppc), 3.2), squeeze=False)
    for ax, row, t in zip(axes[0], ppc.itertuples(), targets, strict=True):
        ax.fill_between(
            [-0.3, 0.3],
            row.observed_low,
            row.observed_high,
            color="grey",
            alpha=0.3,
            label="observed range",
        )
        ax.plot([0], [row.observed], "ks", label="observed")
        ax.errorbar(
            [0.1],
            [row.sim_median],
            yerr=[[row.sim_median - row.sim_q05], [row.sim_q95 - row.sim_median]],
            fmt="o",
            color="tab:blue",
            capsize=4,
            label="simulated 5-95 %",
        )
        if t.log:
            ax.set_yscale("log")
        ax.set_xticks([])
        ax.set_title(row.target, fontsize=9)
    axes[0][0].legend(fontsize=7)
    fig.suptitle("Posterior predictive check", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
