"""Global sensitivity analysis and scenario discovery on a sweep table.

Input: a sweep loaded by :func:`sim.studies.sweep.table.load` (one row per run) and the
design it was sampled with (:class:`~sim.studies.sweep.spec.ExperimentSpec`, or a SALib
problem dict). Outputs:

- :func:`sobol_indices`: first-order ``S1`` and total ``ST`` Sobol' indices with bootstrap
  95 % confidence half-widths (Sobol' 2001; estimators of Saltelli et al. 2010, Comput. Phys.
  Commun. 181:259, Table 2, as implemented by SALib's ``sobol.analyze``). The sweep must be a
  ``space.kind: sobol`` design: SALib's estimators read the runs in the order of SALib's
  Saltelli sample (N blocks of 2D+2 rows with second-order indices, D+2 without), which is the
  ``point`` order of :func:`sim.studies.sweep.design.points`.
- :func:`morris_screening`: ``mu_star`` (mean absolute elementary effect, Campolongo et al.
  2007, Environ. Model. Softw. 22:1509), its bootstrap 95 % half-width and ``sigma`` (Morris
  1991, Technometrics 33:161), SALib's ``morris.analyze`` on a ``space.kind: morris`` design.
- :func:`prim_boxes`: scenario discovery with PRIM (Friedman & Fisher 1999, Stat. Comput.
  9:123; Bryant & Lempert 2010, Technol. Forecast. Soc. Change 77:34), using ema_workbench's
  ``Prim``: the parameter box where ``outcome > threshold`` (or ``<``) is concentrated.
- plots (PNG) for each, and :func:`analyse_command` (``citysafe sweep analyse``).

Replications: Sobol' and Morris analyse the mean outcome per parameter point over the
replications (replications share seeds across points, common random numbers, so the mean
removes replication noise without biasing the point-to-point differences the estimators use).
With one replication this is the run itself. PRIM uses every run (one row per run), since
the question is "in which box do runs exceed the threshold".

Multi-scenario sweeps: every scenario is a full copy of the design, so each analysis takes
one scenario (``scenario=``; required when the table holds more than one).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from pydantic import ValidationError

from sim.core.cli_input import SEED, Bound
from sim.core.yaml_input import YamlInputError, read_yaml_file
from sim.studies.sweep.files import save_figure, write_csv, write_failure
from sim.studies.sweep.spec import ExperimentSpec
from sim.studies.sweep.store import SPEC_FILE
from sim.studies.sweep.table import SweepDamageWarning, SweepFolderError, load, partial_notes


class SensitivityError(ValueError):
    """The sweep table does not fit the analysis asked for (wrong design, missing runs)."""


@dataclass(frozen=True)
class Design:
    """What the estimators need to know of the sample design.

    Attributes:
        kind: ``sobol`` or ``morris`` (or ``lhs``/``grid``; PRIM only).
        names: parameter columns, in the sampler's column order.
        bounds: (D, 2) lower and upper bound of each parameter (parameter units).
        samples: sobol: base N; morris: trajectories.
        second_order: sobol: the sample holds the second-order (BA) blocks.
        morris_levels: morris: grid levels p.
    """

    kind: str
    names: list[str]
    bounds: list[list[float]]
    samples: int | None
    second_order: bool = True
    morris_levels: int = 4

    def problem(self) -> dict[str, Any]:
        """The SALib problem dict (names are the result columns)."""
        return {"num_vars": len(self.names), "names": list(self.names), "bounds": self.bounds}

    def n_points(self) -> int:
        """Parameter points the design samples (SALib's row count)."""
        d = len(self.names)
        if self.kind == "sobol":
            return self.samples * (2 * d + 2 if self.second_order else d + 2)
        if self.kind == "morris":
            return self.samples * (d + 1)
        raise SensitivityError(f"design kind {self.kind} has no fixed point count")


def design_of(spec_or_problem: Any) -> Design:
    """The :class:`Design` of an experiment spec, or of a SALib problem dict.

    Args:
        spec_or_problem: an :class:`~sim.studies.sweep.spec.ExperimentSpec`; or a dict with
            ``names`` (result columns), ``bounds`` and optionally ``kind`` (default sobol),
            ``samples``/``N``, ``calc_second_order`` (default True), ``num_levels`` (4).

    Raises:
        SensitivityError: a dict without names or bounds.
    """
    if isinstance(spec_or_problem, Design):
        return spec_or_problem
    if isinstance(spec_or_problem, ExperimentSpec):
        space = spec_or_problem.space
        return Design(
            kind=space.kind,
            names=spec_or_problem.parameter_names(),
            bounds=[[p.low, p.high] for p in space.parameters.values()],
            samples=space.samples,
            second_order=space.second_order,
            morris_levels=space.morris_levels,
        )
    p = dict(spec_or_problem)
    if "names" not in p or "bounds" not in p:
        raise SensitivityError("a problem dict needs 'names' and 'bounds' (SALib format)")
    return Design(
        kind=p.get("kind", "sobol"),
        names=list(p["names"]),
        bounds=[list(map(float, b)) for b in p["bounds"]],
        samples=p.get("samples", p.get("N")),
        second_order=bool(p.get("calc_second_order", True)),
        morris_levels=int(p.get("num_levels", 4)),
    )


def _one_scenario(df: pd.DataFrame, scenario: str | None) -> pd.DataFrame:
    if "scenario" not in df.columns:
        return df
    labels = list(pd.unique(df["scenario"]))
    if scenario is None:
        if len(labels) > 1:
            raise SensitivityError(f"the sweep has scenarios {labels}; pick one (scenario=)")
        return df
    if scenario not in labels:
        raise SensitivityError(f"scenario {scenario!r} not in the sweep (has {labels})")
    return df[df["scenario"] == scenario]


def point_means(
    df: pd.DataFrame, design: Design, outcome: str, scenario: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Parameter values and mean outcome per point, in the sampler's order.

    Returns:
        ``X`` (n_points, D) parameter values and ``Y`` (n_points,) mean outcome over the
        replications of each point.

    Raises:
        SensitivityError: unknown outcome or parameter column, missing points (unfinished
            runs), a point count that does not match the design, NaN outcomes.
    """
    df = _one_scenario(df, scenario)
    missing = [c for c in (*design.names, outcome, "point") if c not in df.columns]
    if missing:
        raise SensitivityError(f"sweep table lacks columns {missing}")
    expected = design.n_points()
    grouped = df.groupby("point", sort=True)
    y = grouped[outcome].mean()
    if len(y) != expected or not np.array_equal(y.index.to_numpy(), np.arange(expected)):
        raise SensitivityError(
            f"{design.kind} design with samples={design.samples}, D={len(design.names)} has "
            f"{expected} points; the table has {len(y)} distinct points (unfinished sweep? "
            "another design?)"
        )
    if y.isna().any():
        bad = y.index[y.isna()].tolist()[:5]
        raise SensitivityError(f"outcome {outcome} is NaN at points {bad}")
    x = grouped[design.names].first().to_numpy(dtype=float)
    return x, y.to_numpy(dtype=float)


def _seed(rng: np.random.Generator) -> int:
    return int(rng.integers(2**31 - 1))


def sobol_indices(
    df: pd.DataFrame,
    spec_or_problem: Any,
    outcome: str,
    rng: np.random.Generator,
    *,
    scenario: str | None = None,
    num_resamples: int = 200,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """First-order and total Sobol' indices of ``outcome`` per parameter.

    Args:
        df: sweep table of a ``space.kind: sobol`` design (rows in any order; ``point``
            gives the sampler's order).
        spec_or_problem: the spec or a SALib problem dict (see :func:`design_of`).
        outcome: outcome column.
        rng: draws the bootstrap resamples of the confidence intervals.
        scenario: scenario label (required if the sweep has several).
        num_resamples: bootstrap resamples (SALib default 100).
        conf_level: confidence level of the half-widths.

    Returns:
        Index: parameter names; columns ``S1, S1_conf, ST, ST_conf`` (``*_conf``: half-width
        of the bootstrap interval, SALib's convention) and ``flags`` (:func:`sobol_flags`).
        Estimators: Saltelli et al. 2010, Table 2 (b) for S1 and (f) (Jansen 1999) for ST.
        Analysed on the per-point mean over replications.

    Raises:
        SensitivityError: the table does not hold the complete sobol design; the outcome is
            constant (indices undefined).
    """
    # SALib (extra "analysis"): imported only for this method
    from SALib.analyze import sobol

    design = design_of(spec_or_problem)
    if design.kind != "sobol":
        raise SensitivityError(f"Sobol' indices need a sobol design, got {design.kind}")
    _, y = point_means(df, design, outcome, scenario)
    if np.ptp(y) == 0:
        raise SensitivityError(f"outcome {outcome} is constant: Sobol' indices are undefined")
    res = sobol.analyze(
        design.problem(),
        y,
        calc_second_order=design.second_order,
        num_resamples=num_resamples,
        conf_level=conf_level,
        seed=_seed(rng),
    )
    cols = ["S1", "S1_conf", "ST", "ST_conf"]
    table = pd.DataFrame({c: np.asarray(res[c], float) for c in cols}, index=design.names)
    table["flags"] = sobol_flags(table, design.samples)
    return table


MIN_SOBOL_SAMPLES = 512
"""Base samples N below which Sobol' estimates are flagged. Assumption (a rule of thumb):
Saltelli's estimators converge as 1/sqrt(N), and the SALib examples and Saltelli et al. (2010)
use N of 500-1000 and more for a few parameters."""
WIDE_CONF = 0.1
"""A 95% half-width above this (in index units, of a [0, 1] quantity) is flagged as wide."""


def sobol_flags(table: pd.DataFrame, n_base: int | None) -> list[str]:
    """Why each parameter's indices should not be trusted ('' when none): a point estimate
    outside [0, 1] (impossible for a variance share), an S1 interval spanning 0 (not
    distinguishable from no effect), an interval wider than :data:`WIDE_CONF`, fewer than
    :data:`MIN_SOBOL_SAMPLES` base samples."""
    out = []
    for _, r in table.iterrows():
        why = [f"{c} outside [0, 1]" for c in ("S1", "ST") if not 0.0 <= r[c] <= 1.0]
        if r["S1"] - r["S1_conf"] <= 0.0 <= r["S1"] + r["S1_conf"]:
            why.append("S1 interval spans 0")
        if max(r["S1_conf"], r["ST_conf"]) > WIDE_CONF:
            why.append(f"interval wider than ±{WIDE_CONF:g}")
        if n_base is not None and n_base < MIN_SOBOL_SAMPLES:
            why.append(f"few samples (N = {n_base} < {MIN_SOBOL_SAMPLES})")
        out.append("; ".join(why))
    return out


def morris_screening(
    df: pd.DataFrame,
    spec_or_problem: Any,
    outcome: str,
    rng: np.random.Generator,
    *,
    scenario: str | None = None,
    num_resamples: int = 200,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Morris elementary-effects screening of ``outcome``.

    Args:
        df: sweep table of a ``space.kind: morris`` design.
        spec_or_problem: the spec or a SALib problem dict with ``kind: morris``.
        outcome: outcome column.
        rng: draws the bootstrap resamples of ``mu_star_conf``.
        scenario: scenario label (required if the sweep has several).

    Returns:
        Index: parameter names; columns ``mu_star, mu_star_conf, sigma, mu`` sorted by
        ``mu_star`` descending. Units: outcome units per step of Δ = p / (2(p − 1)) of a
        parameter's range (SALib divides the output difference by Δ in the unit
        hypercube, not by the step in parameter units), so effects of parameters with
        different units compare directly. Analysed on the per-point mean over replications.

    Raises:
        SensitivityError: the table does not hold the complete morris design. Integer
            parameters whose rounded step is zero make an effect undefined (SALib then
            returns inf/NaN for that parameter); avoid ``integer: true`` with morris.
    """
    # SALib (extra "analysis"): imported only for this method
    from SALib.analyze import morris

    design = design_of(spec_or_problem)
    if design.kind != "morris":
        raise SensitivityError(f"Morris screening needs a morris design, got {design.kind}")
    x, y = point_means(df, design, outcome, scenario)
    res = morris.analyze(
        design.problem(),
        x,
        y,
        num_resamples=num_resamples,
        conf_level=conf_level,
        num_levels=design.morris_levels,
        seed=_seed(rng),
    )
    cols = ["mu_star", "mu_star_conf", "sigma", "mu"]
    out = pd.DataFrame({c: np.asarray(res[c], float) for c in cols}, index=design.names)
    return out.sort_values("mu_star", ascending=False)


@dataclass
class PrimResult:
    """A PRIM box.

    Attributes:
        limits: index ``lower, upper``, one column per parameter (the box; unrestricted
            parameters keep the data's range).
        restricted: parameters the box restricts.
        coverage: share of the cases of interest inside the box.
        density: share of the box's runs that are cases of interest.
        mass: share of all runs inside the box.
        trajectory: the peeling trajectory (``coverage, density, mass, res_dim`` per step).
        selected: index of the chosen step in ``trajectory``.
        data_range: index ``lower, upper``: the data's range per parameter (PRIM's first box).
    """

    limits: pd.DataFrame
    restricted: list[str]
    coverage: float
    density: float
    mass: float
    trajectory: pd.DataFrame
    selected: int
    data_range: pd.DataFrame


def prim_table(box: PrimResult) -> pd.DataFrame:
    """The table ``sweep analyse`` writes of a PRIM box: one row per parameter, columns
    ``lower, upper`` (the box), ``lower_data, upper_data`` (the data's range), ``restricted``,
    ``coverage, density, mass`` (the box's, repeated)."""
    # the data range's columns are renamed before the join: join's rsuffix is deprecated in
    # pandas 3.1 (Pandas4Warning) and its replacement, suffixes, is absent from pandas 2
    rows = box.limits.T.join(box.data_range.T.add_suffix("_data"))
    rows["restricted"] = [c in box.restricted for c in rows.index]
    rows["coverage"], rows["density"], rows["mass"] = box.coverage, box.density, box.mass
    return rows


def _ema_prim():
    """ema_workbench's prim module (heavy optional dependency, extra "analysis": it loads
    statsmodels and scikit-learn, several seconds, so it is imported only when PRIM runs).

    Raises:
        SensitivityError: ema_workbench is not installed.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ipyparallel-missing notice on import
        try:
            # ema_workbench (extra "analysis"): seconds to import, only for PRIM
            from ema_workbench.analysis import prim
        except ImportError:
            raise SensitivityError(
                'PRIM needs ema_workbench: pip install -e ".[analysis]"'
            ) from None
    logging.getLogger("EMA").setLevel(logging.WARNING)
    return prim


def _chosen_box(box, params: list[str], min_density: float) -> PrimResult:
    """Select the step of ``box``'s peeling trajectory (see :func:`prim_boxes`) and describe it."""
    traj = box.peeling_trajectory.reset_index(drop=True)
    ok = traj.index[traj["density"] >= min_density]
    if len(ok):  # highest coverage; among equal coverage, the densest
        i = int(traj.loc[ok].sort_values(["coverage", "density"]).index[-1])
    else:
        i = int(traj["density"].astype(float).idxmax())
    box.select(i)
    lims = box.box_lims[i].astype(float)
    lims.index = ["lower", "upper"]
    init = box.box_lims[0].astype(float)
    init.index = ["lower", "upper"]
    restricted = [c for c in params if not np.allclose(lims[c].values, init[c].values)]
    row = traj.loc[i]
    return PrimResult(
        limits=lims[params],
        restricted=restricted,
        coverage=float(row["coverage"]),
        density=float(row["density"]),
        mass=float(row["mass"]),
        trajectory=traj[["coverage", "density", "mass", "res_dim"]].astype(float),
        selected=i,
        data_range=init[params],
    )


def prim_boxes(
    df: pd.DataFrame,
    outcome: str,
    threshold: float,
    *,
    parameters: list[str] | None = None,
    above: bool = True,
    min_density: float = 0.8,
    max_boxes: int = 1,
    peel_alpha: float = 0.05,
    mass_min: float = 0.05,
    scenario: str | None = None,
) -> list[PrimResult]:
    """Boxes of the parameter space where ``outcome > threshold`` (``above``) or ``<``.

    Uses ema_workbench's ``Prim`` (Kwakkel 2017, Environ. Model. Softw. 96:239) with its
    default lenient objective. On each box's peeling trajectory, the step chosen is the one
    of highest coverage (ties: highest density) among those with ``density >= min_density``
    (Bryant & Lempert 2010 choose interactively on this coverage–density trade-off; 0.8 is
    an assumption), or the densest step when none reaches it. Importing ema_workbench takes
    several seconds (it loads statsmodels and scikit-learn).

    Args:
        df: sweep table (any design; every run is a case).
        outcome: outcome column.
        threshold: cases of interest are runs with outcome above (below) it.
        parameters: columns PRIM may restrict (default ``df.attrs["parameters"]``).
        above: interest is ``outcome > threshold`` (else ``<``).
        min_density: density a chosen box must reach.
        max_boxes: boxes to find (each later box on the cases outside the earlier ones).
        peel_alpha: share peeled per step (Friedman & Fisher 1999 recommend 0.05–0.1).
        mass_min: smallest box mass.
        scenario: scenario label (required if the sweep has several).

    Returns:
        Up to ``max_boxes`` :class:`PrimResult`, empty when no run is a case of interest.

    Raises:
        SensitivityError: missing columns, no parameters, NaN outcomes.
    """
    prim = _ema_prim()
    df = _one_scenario(df, scenario)
    params = list(parameters if parameters is not None else df.attrs.get("parameters", []))
    if not params:
        raise SensitivityError("no parameter columns (pass parameters=)")
    missing = [c for c in (*params, outcome) if c not in df.columns]
    if missing:
        raise SensitivityError(f"sweep table lacks columns {missing}")
    y_raw = df[outcome].to_numpy(dtype=float)
    if np.isnan(y_raw).any():
        raise SensitivityError(f"outcome {outcome} has NaN values")
    y = y_raw > threshold if above else y_raw < threshold
    if not y.any():
        return []
    x = df[params].reset_index(drop=True).astype(float)
    p = prim.Prim(x, y, peel_alpha=peel_alpha, mass_min=mass_min)
    out = []
    for _ in range(max_boxes):
        box = p.find_box()
        if box is None:
            break
        out.append(_chosen_box(box, params, min_density))
        if len(p.yi_remaining) == 0 or not y[p.yi_remaining].any():
            break
    return out


def _pyplot():
    # matplotlib is imported only when a figure is drawn (CLI start-up)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_sobol(indices: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Bar chart of S1 and ST per parameter with their confidence half-widths as error bars."""
    plt = _pyplot()
    n = len(indices)
    pos = np.arange(n)
    fig, ax = plt.subplots(figsize=(max(4.0, 1.2 * n + 2), 3.6))
    ax.bar(pos - 0.2, indices["S1"], 0.4, yerr=indices["S1_conf"], capsize=3, label="S1")
    ax.bar(pos + 0.2, indices["ST"], 0.4, yerr=indices["ST_conf"], capsize=3, label="ST")
    ax.set_xticks(pos, indices.index, rotation=30, ha="right")
    ax.set_ylabel("Sobol' index")
    ax.axhline(0, color="k", lw=0.6)
    ax.set_title(title or "Sobol' indices (error bars: CI half-width)")
    ax.legend()
    fig.tight_layout()
    path = Path(path)
    save_figure(fig, path, dpi=120)
    plt.close(fig)
    return path


def plot_morris(screening: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """mu*–sigma scatter; horizontal error bars are ``mu_star_conf``."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.errorbar(
        screening["mu_star"], screening["sigma"], xerr=screening["mu_star_conf"],
        fmt="o", capsize=3,
    )  # fmt: skip
    for name, r in screening.iterrows():
        ax.annotate(str(name), (r["mu_star"], r["sigma"]), textcoords="offset points",
                    xytext=(4, 4))  # fmt: skip
    top = float(np.nanmax([screening["mu_star"].max(), screening["sigma"].max(), 0]))
    if top > 0:  # sigma/mu* = 1 line: above it, non-linear or interacting (Morris 1991)
        ax.plot([0, top], [0, top], "k--", lw=0.6)
    ax.set_xlabel("mu* (mean |elementary effect|)")
    ax.set_ylabel("sigma (std of elementary effects)")
    ax.set_title(title or "Morris screening")
    fig.tight_layout()
    path = Path(path)
    save_figure(fig, path, dpi=120)
    plt.close(fig)
    return path


def plot_prim(result: PrimResult, path: str | Path, title: str = "") -> Path:
    """Peeling trajectory (coverage vs density, colour = restricted dimensions; the chosen
    box ringed) beside the chosen box's limits, normalised to the data range."""
    plt = _pyplot()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.8))
    t = result.trajectory
    sc = a1.scatter(t["coverage"], t["density"], c=t["res_dim"], cmap="viridis", s=14)
    sel = t.loc[result.selected]
    a1.scatter([sel["coverage"]], [sel["density"]], s=90, facecolors="none", edgecolors="r")
    a1.set_xlabel("coverage")
    a1.set_ylabel("density")
    a1.set_title("peeling trajectory")
    fig.colorbar(sc, ax=a1, label="restricted dimensions")
    names = result.restricted or list(result.limits.columns)
    lo, hi = result.limits.loc["lower"], result.limits.loc["upper"]
    for k, name in enumerate(names):
        a, b = result.data_range.loc["lower", name], result.data_range.loc["upper", name]
        width = (b - a) or 1.0
        a2.plot([(lo[name] - a) / width, (hi[name] - a) / width], [k, k], lw=6)
        a2.annotate(f"{lo[name]:.3g} – {hi[name]:.3g}", ((lo[name] - a) / width, k + 0.15))
    a2.set_yticks(range(len(names)), names)
    a2.set_xlim(-0.05, 1.05)
    a2.set_ylim(-0.5, len(names) - 0.3)
    a2.set_xlabel("share of the sampled range")
    a2.set_title(
        f"box: coverage {result.coverage:.2f}, density {result.density:.2f}, "
        f"mass {result.mass:.2f}",
        fontsize=9,
    )
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    path = Path(path)
    save_figure(fig, path, dpi=120)
    plt.close(fig)
    return path


def load_design(sweep_dir: str | Path) -> Design:
    """The design of a sweep folder, from its ``spec.resolved.yaml``.

    The spec is validated without checking that its scenario files still exist.

    Raises:
        SensitivityError: no or invalid ``spec.resolved.yaml``.
    """

    path = Path(sweep_dir) / SPEC_FILE
    if not path.is_file():
        raise SensitivityError(f"{sweep_dir}: no {SPEC_FILE} (not a sweep folder?)")
    try:
        spec = ExperimentSpec.model_validate(read_yaml_file(path))
    except (OSError, YamlInputError, ValidationError) as exc:
        raise SensitivityError(f"{path}: invalid spec: {exc}") from None
    return design_of(spec)


def analyse(
    df: pd.DataFrame,
    design: Design,
    outcome: str,
    out_dir: str | Path,
    rng: np.random.Generator,
    *,
    method: str | None = None,
    threshold: float | None = None,
    above: bool = True,
    scenario: str | None = None,
) -> dict[str, Path]:
    """Run one analysis on one scenario of a sweep and write its CSV and PNG.

    Args:
        method: ``sobol``, ``morris`` or ``prim``; default: the design's kind for sobol and
            morris designs, else prim.
        threshold: PRIM's threshold (required for prim).

    Returns:
        ``{"csv": path, "png": path}``; files ``sensitivity_<method>_<outcome>[_<scenario>]``.

    Raises:
        SensitivityError: as the analyses; prim without a threshold; unknown method.
    """
    method = method or (design.kind if design.kind in ("sobol", "morris") else "prim")
    stem = f"sensitivity_{method}_{outcome}" + (f"_{scenario}" if scenario else "")
    out_dir = Path(out_dir)
    csv, png = out_dir / f"{stem}.csv", out_dir / f"{stem}.png"
    title = f"{outcome}" + (f" ({scenario})" if scenario else "")
    if method == "sobol":
        table = sobol_indices(df, design, outcome, rng, scenario=scenario)
        write_csv(table, csv, index_label="parameter")
        plot_sobol(table, png, f"Sobol' indices of {title}")
    elif method == "morris":
        table = morris_screening(df, design, outcome, rng, scenario=scenario)
        write_csv(table, csv, index_label="parameter")
        plot_morris(table, png, f"Morris screening of {title}")
    elif method == "prim":
        if threshold is None:
            raise SensitivityError("prim needs --threshold")
        boxes = prim_boxes(
            df, outcome, threshold, parameters=design.names, above=above, scenario=scenario
        )
        if not boxes:
            raise SensitivityError(
                f"no run has {outcome} {'>' if above else '<'} {threshold}: nothing to find"
            )
        box = boxes[0]
        write_csv(prim_table(box), csv, index_label="parameter")
        plot_prim(box, png, f"PRIM: {title} {'>' if above else '<'} {threshold:g}")
    else:
        raise SensitivityError(f"unknown method {method!r} (sobol, morris, prim)")
    return {"csv": csv, "png": png}


def analyse_command(
    sweep_dir: Annotated[Path, typer.Argument(help="Sweep folder.", show_default=False)],
    outcome: Annotated[str, typer.Option("--outcome", help="Outcome column.", show_default=False)],
    method: Annotated[
        str | None,
        typer.Option(
            "--method",
            help="sobol, morris or prim (default: the sweep's design; prim for grid/lhs).",
            show_default=False,
        ),
    ] = None,
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold", callback=Bound().check, help="prim: outcome threshold (finite)."
        ),
    ] = None,
    below: Annotated[
        bool, typer.Option("--below", help="prim: cases of interest are below the threshold.")
    ] = False,
    scenario: Annotated[
        str | None,
        typer.Option(
            "--scenario", help="Scenario label (default: each in turn).", show_default=False
        ),
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", callback=SEED.check, help="Seed of the bootstrap CIs (>= 0).")
    ] = 0,
) -> None:
    """Sobol' indices, Morris screening or PRIM boxes of one outcome of a sweep; writes
    sensitivity_<method>_<outcome>[_<scenario>].csv and .png into the sweep folder."""
    try:
        with warnings.catch_warnings():  # damaged runs: reported below, by partial_notes
            warnings.simplefilter("ignore", SweepDamageWarning)
            df = load(sweep_dir)
        design = load_design(sweep_dir)
    except (SweepFolderError, SensitivityError, OSError) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from None
    if df.empty:
        typer.echo(f"{sweep_dir}: no finished runs yet", err=True)
        raise typer.Exit(code=2)
    for note in partial_notes(df, "the analysis"):
        typer.echo(note, err=True)
    if outcome not in df.columns:
        typer.echo(f"{sweep_dir}: no outcome {outcome!r}; have {df.attrs['outcomes']}", err=True)
        raise typer.Exit(code=2)
    labels = [scenario] if scenario else list(pd.unique(df["scenario"]))
    rng = np.random.default_rng(seed)
    for label in labels:
        try:
            paths = analyse(
                df, design, outcome, sweep_dir, rng, method=method, threshold=threshold,
                above=not below, scenario=label if len(labels) > 1 or scenario else None,
            )  # fmt: skip
        except SensitivityError as exc:
            typer.echo(f"{sweep_dir}: {exc}", err=True)
            raise typer.Exit(code=2) from None
        except OSError as exc:  # a full disk: the file is complete or absent
            typer.echo(f"{write_failure(exc, sweep_dir)}; the analysis was not written", err=True)
            raise typer.Exit(code=2) from None
        csv = pd.read_csv(paths["csv"], index_col=0, keep_default_na=False)
        typer.echo(csv.to_string(float_format=lambda v: f"{v:.4g}"))
        flagged = int((csv["flags"] != "").sum()) if "flags" in csv else 0
        if flagged:
            typer.echo(
                f"warning: {flagged} of {len(csv)} parameters' indices are flagged (column "
                "flags): read them as unresolved; more samples (space.samples) narrow them",
                err=True,
            )
        for path in paths.values():
            typer.echo(str(path))
