"""Personnel × equipment × supplies trade-off: which logistics factor binds.

Input: a loaded factorial sweep (:func:`sim.studies.sweep.table.load`) over
``logistics.teams_scale``, ``logistics.equipment_scale`` and ``logistics.supplies_scale``
(``experiments/logistics-tradeoff.yaml``). An incident is served only when a team, its
equipment and its supplies meet (docs/domain.md §4, "two keys"), so response behaves like a
Leontief (fixed-proportions) production function: adding the factor that is not short buys
little. Outputs:

- :func:`cell_means`: mean outcome per scenario × factor levels, with a 95 % confidence
  interval over replications (Student t, n − 1 degrees of freedom);
- :func:`factor_effects`: the change from the baseline cell when one factor, or several
  together, move to their highest (``raise``) or lowest (``cut``) level. Replications share
  seeds across cells (common random numbers, :mod:`sim.studies.sweep.design`), so the
  differences are paired per replication and their CIs are those of the paired differences;
  ``interaction`` is the joint change minus the sum of the single-factor changes (negative
  for an improvement that needs the factors together: complements);
- :func:`conditional_effects`: raising or cutting one factor at every level of the others
  (extra personnel while equipment is short vs ample);
- :func:`write_report`: ``tradeoff.csv`` (cell means), ``tradeoff_effects.csv``,
  ``tradeoff_conditional.csv``, ``tradeoff_binding.csv`` and ``tradeoff.png`` (interaction
  plot of paired changes) in a folder.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.studies.sweep.files import save_figure, write_csv

FACTORS = ("teams_scale", "equipment_scale", "supplies_scale")
"""Factor columns (parameter names of logistics-tradeoff.yaml)."""
OUTCOMES = (
    "response_time_mean_min",
    "full_bundle_time_mean_min",
    "relief_shortfall_person_days",
    "incidents_unserved",
    "deaths",
    "customer_hours_without_power",
)
"""Outcomes compared; lower is better for all of them."""


def _ci95(values: np.ndarray) -> float:
    """Half-width of the 95 % t interval of the mean; NaN for fewer than 2 values."""
    n = values.size
    if n < 2:
        return float("nan")
    return float(stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / np.sqrt(n))


def _check(df: pd.DataFrame, factors, outcomes) -> tuple[list[str], list[str]]:
    missing = [c for c in (*factors, "scenario", "replication") if c not in df.columns]
    if missing:
        raise KeyError(f"sweep table lacks columns {missing}; is it a logistics factorial?")
    return list(factors), [o for o in outcomes if o in df.columns]


def cell_means(df: pd.DataFrame, factors=FACTORS, outcomes=OUTCOMES) -> pd.DataFrame:
    """Mean and 95 % CI of each outcome per scenario and factor levels.

    Returns:
        Long table: ``scenario, <factors>, outcome, n, mean, ci95`` (``ci95`` the half-width;
        NaN with one replication), sorted by scenario, factors and outcome.

    Raises:
        KeyError: ``df`` lacks a factor, ``scenario`` or ``replication`` column.
    """
    factors, outcomes = _check(df, factors, outcomes)
    rows = []
    for key, group in df.groupby(["scenario", *factors], sort=True):
        for outcome in outcomes:
            v = group[outcome].to_numpy(dtype=float)
            rows.append(
                {
                    **dict(zip(["scenario", *factors], key, strict=True)),
                    "outcome": outcome,
                    "n": v.size,
                    "mean": float(v.mean()),
                    "ci95": _ci95(v),
                }
            )
    return pd.DataFrame(rows)


def _base_levels(df: pd.DataFrame, factors: list[str]) -> dict[str, float]:
    """The baseline of each factor: 1.0 (the scenario's own resources) when it is a level,
    else the middle level."""
    out = {}
    for f in factors:
        levels = np.sort(df[f].unique())
        out[f] = 1.0 if np.any(np.isclose(levels, 1.0)) else levels[len(levels) // 2]
    return out


def factor_effects(df: pd.DataFrame, factors=FACTORS, outcomes=OUTCOMES) -> pd.DataFrame:
    """Paired changes from the baseline cell when factors move alone or together.

    For each scenario, outcome, direction (``raise``: to the highest level, ``cut``: to the
    lowest) and non-empty subset of factors, the per-replication difference
    ``outcome(changed cell) − outcome(baseline cell)`` (pairs share a seed).

    Returns:
        ``scenario, outcome, direction, changed, n_factors, base_mean, mean, change,
        change_ci95, change_pct, interaction``: ``changed`` joins the factor names with ``+``;
        ``interaction`` (rows with ≥ 2 factors) is ``change`` minus the sum of the changes of
        the same factors alone. Empty when a needed cell is missing.

    Raises:
        KeyError: ``df`` lacks a factor, ``scenario`` or ``replication`` column.
    """
    factors, outcomes = _check(df, factors, outcomes)
    base = _base_levels(df, factors)
    ends = {
        "raise": {f: df[f].max() for f in factors},
        "cut": {f: df[f].min() for f in factors},
    }
    rows = []
    for scenario, sdf in df.groupby("scenario", sort=True):

        def cell(levels: dict[str, float], sdf=sdf) -> pd.DataFrame:
            mask = np.ones(len(sdf), dtype=bool)
            for f, v in levels.items():
                mask &= np.isclose(sdf[f].to_numpy(dtype=float), v)
            return sdf[mask].set_index("replication")

        base_cell = cell(base)
        if base_cell.empty:
            continue
        for direction, end in ends.items():
            singles: dict[tuple[str, str], float] = {}
            for k in range(1, len(factors) + 1):
                for subset in itertools.combinations(factors, k):
                    if all(np.isclose(end[f], base[f]) for f in subset):
                        continue
                    changed = cell({**base, **{f: end[f] for f in subset}})
                    reps = base_cell.index.intersection(changed.index)
                    if reps.empty:
                        continue
                    for outcome in outcomes:
                        b = base_cell.loc[reps, outcome].to_numpy(dtype=float)
                        c = changed.loc[reps, outcome].to_numpy(dtype=float)
                        d = c - b
                        change = float(d.mean())
                        if k == 1:
                            singles[(subset[0], outcome)] = change
                        inter = (
                            change - sum(singles.get((f, outcome), np.nan) for f in subset)
                            if k > 1
                            else np.nan
                        )
                        bm = float(b.mean())
                        rows.append(
                            {
                                "scenario": scenario,
                                "outcome": outcome,
                                "direction": direction,
                                "changed": "+".join(subset),
                                "n_factors": k,
                                "base_mean": bm,
                                "mean": float(c.mean()),
                                "change": change,
                                "change_ci95": _ci95(d),
                                "change_pct": 100.0 * change / bm if bm else np.nan,
                                "interaction": inter,
                            }
                        )
    return pd.DataFrame(rows)


def binding_factors(effects: pd.DataFrame) -> pd.DataFrame:
    """Per scenario, outcome and direction, the single factor with the largest effect.

    Returns:
        ``scenario, outcome, direction, binding, change, all_change, share``: ``binding`` is
        the factor whose move alone changes the outcome most in the harmful direction for
        ``cut`` (the constraint that bites first) and the helpful direction for ``raise``;
        ``share`` = its change / the change with every factor moved together.
    """
    rows = []
    if effects.empty:
        return pd.DataFrame(rows)
    for (scenario, outcome, direction), g in effects.groupby(
        ["scenario", "outcome", "direction"], sort=True
    ):
        single = g[g["n_factors"] == 1]
        joint = g[g["n_factors"] == g["n_factors"].max()]
        if single.empty:
            continue
        pick = single.loc[
            single["change"].idxmax() if direction == "cut" else single["change"].idxmin()
        ]
        all_change = float(joint["change"].iloc[0]) if not joint.empty else np.nan
        rows.append(
            {
                "scenario": scenario,
                "outcome": outcome,
                "direction": direction,
                "binding": pick["changed"],
                "change": float(pick["change"]),
                "all_change": all_change,
                "share": float(pick["change"]) / all_change if all_change else np.nan,
            }
        )
    return pd.DataFrame(rows)


def paired_changes(df: pd.DataFrame, factors=FACTORS, outcomes=OUTCOMES) -> pd.DataFrame:
    """Change of each cell from the baseline cell, paired by replication (shared seed).

    Returns:
        ``scenario, <factors>, outcome, n, change, ci95``: mean over replications of
        ``outcome(cell) − outcome(baseline cell)`` and the 95 % t half-width of those
        differences (0 at the baseline cell itself).
    """
    factors, outcomes = _check(df, factors, outcomes)
    base = _base_levels(df, factors)
    at_base = np.ones(len(df), dtype=bool)
    for f in factors:
        at_base &= np.isclose(df[f].to_numpy(dtype=float), base[f])
    ref = df[at_base].set_index(["scenario", "replication"])[outcomes]
    diff = df.set_index(["scenario", "replication"])
    # ref's columns are renamed before the join: join's rsuffix is deprecated in pandas 3.1
    # (Pandas4Warning) and its replacement, suffixes, is absent from pandas 2
    ref = ref.add_suffix("__base")
    diff = diff[[*factors, *outcomes]].join(ref, how="inner").reset_index()
    rows = []
    for key, group in diff.groupby(["scenario", *factors], sort=True):
        for outcome in outcomes:
            d = (group[outcome] - group[f"{outcome}__base"]).to_numpy(dtype=float)
            rows.append(
                {
                    **dict(zip(["scenario", *factors], key, strict=True)),
                    "outcome": outcome,
                    "n": d.size,
                    "change": float(d.mean()),
                    "ci95": _ci95(d),
                }
            )
    return pd.DataFrame(rows)


def conditional_effects(df: pd.DataFrame, factors=FACTORS, outcomes=OUTCOMES) -> pd.DataFrame:
    """Raising or cutting one factor from its baseline, at every level of the others.

    This is where a Leontief bottleneck shows: extra personnel change nothing while equipment
    is short, and help once it is not.

    Returns:
        ``scenario, outcome, factor, direction, to_level, others, change, change_ci95``:
        ``others`` names the other factors' levels (``equipment_scale=0.5, ...``); the change
        is paired by replication.
    """
    factors, outcomes = _check(df, factors, outcomes)
    base = _base_levels(df, factors)
    rows = []
    for f in factors:
        others = [g for g in factors if g != f]
        ends = {"raise": df[f].max(), "cut": df[f].min()}
        for direction, level in ends.items():
            if np.isclose(level, base[f]):
                continue
            lo = df[np.isclose(df[f].to_numpy(dtype=float), base[f])]
            hi = df[np.isclose(df[f].to_numpy(dtype=float), level)]
            keys = ["scenario", "replication", *others]
            pair = lo.merge(hi, on=keys, suffixes=("__lo", "__hi"))
            for key, group in pair.groupby(["scenario", *others], sort=True):
                for outcome in outcomes:
                    d = (group[f"{outcome}__hi"] - group[f"{outcome}__lo"]).to_numpy(float)
                    rows.append(
                        {
                            "scenario": key[0],
                            "outcome": outcome,
                            "factor": f,
                            "direction": direction,
                            "to_level": float(level),
                            "others": ", ".join(
                                f"{g}={v:g}" for g, v in zip(others, key[1:], strict=True)
                            ),
                            "change": float(d.mean()),
                            "change_ci95": _ci95(d),
                        }
                    )
    return pd.DataFrame(rows)


def plot_tradeoff(
    df: pd.DataFrame,
    path: str | Path,
    factors=FACTORS,
    outcomes=("response_time_mean_min", "customer_hours_without_power", "deaths"),
) -> Path:
    """Interaction plot of paired changes from the baseline cell: change against the first
    factor (personnel), one line per level of the second (equipment), the rest at baseline;
    rows = scenarios, columns = outcomes; bars = 95 % CIs of the paired differences.

    Parallel lines mean no interaction; lines that fan out (personnel help only where
    equipment is ample) mean the factors are complements.

    Returns:
        The PNG path.
    """
    # matplotlib is imported only when a figure is drawn (CLI start-up)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # matplotlib is imported only when a figure is drawn (CLI start-up)
    from matplotlib.ticker import FormatStrFormatter

    factors, outcomes = _check(df, factors, outcomes)
    x_f, line_f, fixed_f = factors[0], factors[1], factors[2:]
    base = _base_levels(df, factors)
    changes = paired_changes(df, factors, outcomes)
    for f in fixed_f:
        changes = changes[np.isclose(changes[f], base[f])]
    scenarios = sorted(df["scenario"].unique())
    fig, axes = plt.subplots(
        len(scenarios),
        len(outcomes),
        figsize=(4.2 * len(outcomes), 3.2 * len(scenarios)),
        squeeze=False,
    )
    cmap = plt.get_cmap("viridis")
    line_levels = sorted(df[line_f].unique())
    for i, scenario in enumerate(scenarios):
        for j, outcome in enumerate(outcomes):
            ax = axes[i, j]
            sub = changes[(changes["scenario"] == scenario) & (changes["outcome"] == outcome)]
            for k, level in enumerate(line_levels):
                s = sub[np.isclose(sub[line_f], level)].sort_values(x_f)
                ax.errorbar(
                    s[x_f] * (1 + 0.03 * (k - (len(line_levels) - 1) / 2)),  # dodge
                    s["change"],
                    yerr=s["ci95"].fillna(0.0),
                    marker="o",
                    capsize=3,
                    color=cmap(k / max(1, len(line_levels) - 1)),
                    label=f"{line_f} = {level:g}",
                )
            ax.axhline(0.0, color="0.5", lw=0.8)
            ax.set_xscale("log", base=2)
            ax.set_xticks(sorted(df[x_f].unique()))
            ax.get_xaxis().set_major_formatter(FormatStrFormatter("%g"))
            ax.set_xlabel(x_f)
            ax.set_ylabel("change from baseline")
            ax.set_title(f"{scenario}: {outcome}", fontsize=9)
            ax.grid(alpha=0.3)
            if i == 0 and j == 0:
                ax.legend(fontsize=8)
    fixed_txt = ", ".join(f"{f} = {base[f]:g}" for f in fixed_f)
    fig.suptitle(
        "Logistics trade-off: change from the baseline cell (all factors "
        f"{', '.join(f'{base[f]:g}' for f in factors)}), paired by replication, 95 % CI; "
        f"{fixed_txt}",
        fontsize=10,
    )
    fig.tight_layout()
    path = Path(path)
    save_figure(fig, path, dpi=120)
    plt.close(fig)
    return path


def write_report(df: pd.DataFrame, out_dir: str | Path) -> dict[str, Path]:
    """Write ``tradeoff.csv`` (:func:`cell_means`), ``tradeoff_effects.csv``
    (:func:`factor_effects`), ``tradeoff_conditional.csv`` (:func:`conditional_effects`),
    ``tradeoff_binding.csv`` (:func:`binding_factors`) and ``tradeoff.png``
    (:func:`plot_tradeoff`) into ``out_dir``; return their paths. Each file is written
    atomically (:func:`sim.studies.sweep.files.atomic_write_bytes`).

    Raises:
        KeyError: the table is not a logistics factorial.
        OSError: a file could not be written (a full disk: no file is left half-written).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    effects = factor_effects(df)
    paths = {
        "means": out_dir / "tradeoff.csv",
        "effects": out_dir / "tradeoff_effects.csv",
        "conditional": out_dir / "tradeoff_conditional.csv",
        "binding": out_dir / "tradeoff_binding.csv",
    }
    write_csv(cell_means(df), paths["means"], index=False)
    write_csv(effects, paths["effects"], index=False)
    write_csv(conditional_effects(df), paths["conditional"], index=False)
    write_csv(binding_factors(effects), paths["binding"], index=False)
    paths["figure"] = plot_tradeoff(df, out_dir / "tradeoff.png")
    return paths
