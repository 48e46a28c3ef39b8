"""Sensitivity analysis and scenario discovery on synthetic sweep tables (no simulator).

The Ishigami function (Ishigami & Homma 1990), x_i ~ U(-pi, pi), a = 7, b = 0.1:
    f = sin x1 + a sin^2 x2 + b x3^4 sin x1.
Variances (Sobol' 2001; Saltelli et al. 2008, *Global Sensitivity Analysis: The Primer*,
§4.8): V1 = b pi^4/5 + b^2 pi^8/50 + 1/2 = 4.3458, V2 = a^2/8 = 6.125, V13 = 8 b^2 pi^8/225
= 3.3736, V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2 = 13.8445, so S1 = (0.3139, 0.4424, 0) and
ST = (S1_1 + V13/V, S1_2, V13/V) = (0.5576, 0.4424, 0.2437).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import yaml

from sim.studies.analysis import sensitivity as sa
from sim.studies.sweep.design import points
from sim.studies.sweep.spec import ExperimentSpec, dump_spec

S1_TRUE = np.array([0.3139, 0.4424, 0.0])
ST_TRUE = np.array([0.5576, 0.4424, 0.2437])
NAMES = ["x1", "x2", "x3"]


def _spec(kind: str, samples: int, low: float = -math.pi, high: float = math.pi, **space):
    bounds = {"low": low, "high": high}
    return ExperimentSpec.model_validate(
        {
            "name": "synthetic",
            "scenarios": ["base.yaml"],
            "space": {
                "kind": kind,
                "samples": samples,
                "parameters": {f"hazard.{n}": dict(bounds) for n in NAMES},
                **space,
            },
            "replications": 2,
        }
    )


def _ishigami(x: np.ndarray) -> np.ndarray:
    return np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])


def _sweep_table(spec: ExperimentSpec, f, noise_sd: float = 3.0) -> pd.DataFrame:
    """A sweep table shaped like sweep_table.load's: the design's points (the sampler's order,
    sim.studies.sweep.design.points) x 2 replications, rows shuffled. Replication 0 gets
    f + e, replication 1 gets f - e: the per-point mean is exactly f, so an analysis that
    does not average per point, or reads rows out of point order, fails."""
    pts = points(spec)
    x = np.array([[p[k] for k in spec.space.parameters] for p in pts])
    y = f(x)
    e = np.random.default_rng(7).normal(0.0, noise_sd, len(x))
    frames = []
    for rep, sign in ((0, 1.0), (1, -1.0)):
        d = pd.DataFrame(x, columns=spec.parameter_names())
        d.insert(0, "point", np.arange(len(x)))
        d.insert(0, "replication", rep)
        d.insert(0, "scenario", "base")
        d["deaths"] = y + sign * e
        frames.append(d)
    df = pd.concat(frames, ignore_index=True).sample(frac=1.0, random_state=3)
    df = df.reset_index(drop=True)
    df.attrs["parameters"] = spec.parameter_names()
    df.attrs["outcomes"] = ["deaths"]
    return df


@pytest.fixture(scope="module")
def sobol_case():
    spec = _spec("sobol", 1024)  # 1024 * (2*3 + 2) = 8192 points
    return spec, _sweep_table(spec, _ishigami)


def test_sobol_indices_of_ishigami_match_analytic_values(sobol_case):
    spec, df = sobol_case
    got = sa.sobol_indices(df, spec, "deaths", np.random.default_rng(0))
    assert list(got.index) == NAMES
    # Each estimate lies within its 95 % bootstrap half-width of the analytic value
    # (half-widths ~0.03-0.09 at N = 1024), and within an absolute 0.05 regardless.
    for col, true in (("S1", S1_TRUE), ("ST", ST_TRUE)):
        err = np.abs(got[col].to_numpy() - true)
        assert np.all(err <= got[f"{col}_conf"].to_numpy()), (col, got)
        assert np.all(err <= 0.05), (col, got)
    assert got["ST_conf"].gt(0).all()


def test_sobol_indices_accept_a_salib_problem_dict(sobol_case):
    spec, df = sobol_case
    problem = {"names": NAMES, "bounds": [[-math.pi, math.pi]] * 3, "N": 1024}
    got = sa.sobol_indices(df, problem, "deaths", np.random.default_rng(0))
    want = sa.sobol_indices(df, spec, "deaths", np.random.default_rng(0))
    pd.testing.assert_frame_equal(got, want)


def test_sobol_indices_refuse_an_incomplete_sweep(sobol_case):
    spec, df = sobol_case
    with pytest.raises(sa.SensitivityError, match="8192 points"):
        sa.sobol_indices(df[df["point"] != 17], spec, "deaths", np.random.default_rng(0))
    with pytest.raises(sa.SensitivityError, match="need a sobol design"):
        sa.sobol_indices(df, _spec("morris", 4), "deaths", np.random.default_rng(0))


def test_sobol_indices_without_second_order_blocks():
    spec = _spec("sobol", 1024, second_order=False)  # 1024 * (3 + 2) points
    df = _sweep_table(spec, _ishigami)
    got = sa.sobol_indices(df, spec, "deaths", np.random.default_rng(1))
    assert np.all(np.abs(got["S1"].to_numpy() - S1_TRUE) <= np.maximum(got["S1_conf"], 0.05))
    assert np.all(np.abs(got["ST"].to_numpy() - ST_TRUE) <= np.maximum(got["ST_conf"], 0.05))


def test_morris_ranks_ishigami_x1_x2_above_x3():
    spec = _spec("morris", 40)  # 40 trajectories * (3 + 1) points, p = 4 levels
    df = _sweep_table(spec, _ishigami)
    got = sa.morris_screening(df, spec, "deaths", np.random.default_rng(0))
    assert got.index[-1] == "x3"
    assert got.loc["x3", "mu_star"] < min(got.loc["x1", "mu_star"], got.loc["x2", "mu_star"])
    # x2 alone: p = 4 levels on [-pi, pi] are -pi, -pi/3, pi/3, pi and the step is
    # Delta = p/(2(p-1)) = 2/3 of the range, so every x2 step goes -pi <-> pi/3 or
    # -pi/3 <-> pi and changes 7 sin^2 x2 by 7 * 3/4; SALib divides by Delta = 2/3:
    # |EE| = 5.25 / (2/3) = 7.875 exactly, every time (mu* = 7.875, no spread).
    assert got.loc["x2", "mu_star"] == pytest.approx(7.875, abs=1e-9)
    assert got.loc["x2", "mu_star_conf"] == pytest.approx(0.0, abs=1e-9)
    assert set(got.columns) >= {"mu_star", "mu_star_conf", "sigma"}


def test_prim_box_lower_limit_on_x1_is_near_threshold():
    # 600 Latin-hypercube points in [0, 1]^3; the outcome exceeds 1 only when x1 > 0.5.
    spec = _spec("lhs", 600, low=0.0, high=1.0)
    df = _sweep_table(
        spec, lambda x: np.where(x[:, 0] > 0.5, 2.0, 0.0) + 0.3 * x[:, 1], noise_sd=0.0
    )
    df = df[df["replication"] == 0]
    boxes = sa.prim_boxes(df, "deaths", 1.0)
    assert len(boxes) == 1
    box = boxes[0]
    assert box.restricted == ["x1"]
    assert box.limits.loc["lower", "x1"] == pytest.approx(0.5, abs=0.03)
    assert box.density >= 0.95 and box.coverage >= 0.9
    assert sa.prim_boxes(df, "deaths", 10.0) == []  # no case of interest


def test_plots_are_written(tmp_path, sobol_case):
    spec, df = sobol_case
    sob = sa.sobol_indices(df, spec, "deaths", np.random.default_rng(0))
    assert sa.plot_sobol(sob, tmp_path / "s.png").stat().st_size > 1000
    mspec = _spec("morris", 10)
    mor = sa.morris_screening(_sweep_table(mspec, _ishigami), mspec, "deaths",
                              np.random.default_rng(0))  # fmt: skip
    assert sa.plot_morris(mor, tmp_path / "m.png").stat().st_size > 1000


def test_analyse_command_reads_a_sweep_folder(tmp_path):
    """A sweep folder as the store writes it (spec.resolved.yaml, plan.parquet, runs/)."""
    import typer
    from typer.testing import CliRunner

    spec = _spec("lhs", 300, low=0.0, high=1.0)
    df = _sweep_table(spec, lambda x: np.where(x[:, 0] > 0.5, 2.0, 0.0), noise_sd=0.0)
    df["run_id"] = [
        f"base-p{p:03d}-r{r:02d}" for p, r in zip(df["point"], df["replication"], strict=True)
    ]
    df["seed"], df["scenario_path"], df["overrides"] = 0, "base.yaml", ""
    (tmp_path / "spec.resolved.yaml").write_text(dump_spec(spec))
    plan = ["run_id", "scenario", "point", "replication", "seed", *NAMES, "scenario_path"]
    df[[*plan, "overrides"]].to_parquet(tmp_path / "plan.parquet")
    (tmp_path / "runs").mkdir()
    for i, run_id in enumerate(df["run_id"]):  # one file per run, as the store writes them
        df.iloc[[i]].drop(columns=["scenario_path", "overrides"]).to_parquet(
            tmp_path / "runs" / f"{run_id}.parquet", index=False
        )
    assert yaml.safe_load((tmp_path / "spec.resolved.yaml").read_text())["space"]["kind"]

    app = typer.Typer()
    app.command()(sa.analyse_command)
    res = CliRunner().invoke(app, [str(tmp_path), "--outcome", "deaths", "--threshold", "1"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "sensitivity_prim_deaths.png").exists()
    table = pd.read_csv(tmp_path / "sensitivity_prim_deaths.csv", index_col=0)
    assert table.loc["x1", "lower"] == pytest.approx(0.5, abs=0.03)
    bad = CliRunner().invoke(app, [str(tmp_path), "--outcome", "deaths", "--method", "sobol"])
    assert bad.exit_code == 2 and "need a sobol design" in bad.output


def test_unreliable_sobol_indices_are_flagged(sobol_case):
    """Issue 16: S1 = 1.33 +- 1.2 was printed without a flag. Ishigami at N = 1024: x1 and x2
    (S1 0.31, 0.44) carry no flag, x3 (S1 = 0) is 'not distinguishable from 0'; at N = 16 every
    parameter is flagged for its sample size, and impossible or wide estimates say so."""
    spec, df = sobol_case
    got = sa.sobol_indices(df, spec, "deaths", np.random.default_rng(0))
    assert got.loc[NAMES[0], "flags"] == "" and got.loc[NAMES[1], "flags"] == ""
    assert "S1 interval spans 0" in got.loc[NAMES[2], "flags"]  # (its estimate may be < 0)
    small = _spec("sobol", 16)
    few = sa.sobol_indices(
        _sweep_table(small, _ishigami), small, "deaths", np.random.default_rng(0)
    )
    assert few["flags"].str.contains("few samples \\(N = 16 < 512\\)").all()
    hand = pd.DataFrame(
        {"S1": [1.33, 0.5], "S1_conf": [1.2, 0.02], "ST": [0.9, 0.6], "ST_conf": [0.05, 0.03]}
    )
    assert sa.sobol_flags(hand, 1024) == ["S1 outside [0, 1]; interval wider than ±0.1", ""]
