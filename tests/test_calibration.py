"""Calibration: spec validation and ABC-SMC (pyabc) recovery on a cheap synthetic model."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.studies.calibration.abc import run_abc, scaled_distance, weighted_quantile
from sim.studies.calibration.outputs import calibrated_yaml, observed_interval
from sim.studies.calibration.spec import (
    CalibrationSpecError,
    ObservedTarget,
    Prior,
    parse_calibration_spec,
    resolve_targets,
)

pytest.importorskip("pyabc")

TARGETS = {
    "case": {
        "targets": {
            "people_relocated": {"value": 259000, "low": 149000, "high": 259000},
            "direct_loss_yuan": {"value": 125.8e6, "low": 34e6, "high": 125.8e6},
            "power_line_faults": {"value": 100},
        }
    }
}


def _spec(tmp_path: Path, **changes):
    (tmp_path / "targets.yaml").write_text(yaml.safe_dump(TARGETS))
    data = {
        "scenario": "scen.yaml",
        "targets_file": "targets.yaml",
        "targets_case": "case",
        "parameters": {"losses.scale": {"prior": "uniform", "low": 1.0, "high": 5.0}},
        "targets": {"people_relocated": {}, "direct_loss_yuan": {"log": True}},
    }
    data.update(changes)
    return parse_calibration_spec(data, "spec.yaml", tmp_path)


def test_targets_centre_and_scale_come_from_the_reported_spread(tmp_path):
    targets = {t.key: t for t in resolve_targets(_spec(tmp_path))}
    # linear: midpoint (149k+259k)/2 = 204k, half-width 55k
    assert targets["people_relocated"].observed == pytest.approx(204000)
    assert targets["people_relocated"].scale == pytest.approx(55000)
    # log: geometric midpoint sqrt(34e6*125.8e6) ~ 65.4e6, half ln-width ln(125.8/34)/2 ~ 0.654
    loss = targets["direct_loss_yuan"]
    assert loss.observed == pytest.approx(np.sqrt(34e6 * 125.8e6), rel=1e-6)
    assert loss.scale == pytest.approx(0.5 * np.log(125.8 / 34), rel=1e-6)
    lo, hi = observed_interval(loss)
    assert (lo, hi) == (pytest.approx(34e6, rel=1e-6), pytest.approx(125.8e6, rel=1e-6))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"parameters": {"losses.scale": {"prior": "uniform", "low": 5, "high": 1}}}, "low < high"),
        ({"parameters": {"a.b": {"prior": "lognormal", "median": 1.0}}}, "sigma"),
        ({"parameters": {}}, "parameters"),
        ({"targets": {"not_a_key": {}}}, "not an outcome a run writes"),
        ({"population_size": 1}, "population_size"),
        ({"unknown_field": 1}, "unknown_field"),
    ],
)
def test_invalid_spec_is_rejected_naming_the_problem(tmp_path, changes, message):
    with pytest.raises(CalibrationSpecError, match=message):
        _spec(tmp_path, **changes)


def test_target_without_spread_needs_a_relative_scale(tmp_path):
    spec = _spec(tmp_path, targets={"power_line_faults": {}})
    with pytest.raises(CalibrationSpecError, match="relative_scale"):
        resolve_targets(spec)
    spec = _spec(tmp_path, targets={"power_line_faults": {"relative_scale": 0.5}})
    assert resolve_targets(spec)[0].scale == pytest.approx(50.0)


def test_unknown_targets_case_is_rejected(tmp_path):
    with pytest.raises(CalibrationSpecError, match="no case"):
        resolve_targets(_spec(tmp_path, targets_case="nope"))


def test_calibrated_yaml_nests_dotted_paths_and_extends_the_base(tmp_path):
    spec = _spec(tmp_path)
    text = calibrated_yaml(spec, {"losses.scale": 2.5, "fragility.k.theta": 40.0}, tmp_path)
    data = yaml.safe_load(text)
    assert data["extends"] == "scen.yaml"
    assert data["losses"] == {"scale": 2.5}
    assert data["fragility"] == {"k": {"theta": 40.0}}


def _normal_mean_model(params: dict) -> dict:
    # Sample mean of 20 draws from N(mu, 1): sd 1/sqrt(20) ~ 0.22 around mu.
    seed = int(abs(params["mu"]) * 1e9) % (2**31 - 1)
    rng = np.random.default_rng(seed)
    return {"people_relocated": float(rng.normal(params["mu"], 1.0, 20).mean())}


def test_scaled_distance_norms_have_their_closed_forms():
    """Two log targets off by ln 2 and ln 4 at scale 0.5 (weights 1 and 2): Euclidean
    sqrt(z1^2 + 2 z2^2), Manhattan |z1| + 2|z2|, median the mean of |z1| and 2|z2| (z = error
    / scale); a third target off by ln 1000 leaves the median at the middle error."""
    targets = [
        ObservedTarget(key="a", observed=99.0, scale=0.5, log=True, weight=1.0),
        ObservedTarget(key="b", observed=399.0, scale=0.5, log=True, weight=2.0),
    ]
    sim, obs = {"a": 199.0, "b": 99.0}, {"a": 99.0, "b": 399.0}  # ln(x+1): ln 2 up, ln 4 down
    z1, z2 = math.log(2) / 0.5, math.log(4) / 0.5
    assert scaled_distance(targets)(sim, obs) == pytest.approx(math.sqrt(z1**2 + 2 * z2**2))
    assert scaled_distance(targets, 1)(sim, obs) == pytest.approx(z1 + 2 * z2)
    assert scaled_distance(targets, "median")(sim, obs) == pytest.approx((z1 + 2 * z2) / 2)
    three = [*targets, ObservedTarget(key="c", observed=9.0, scale=0.5, log=True, weight=1.0)]
    far = {**sim, "c": 9999.0}  # ln 1000 off: the median is the middle error, z2 scaled by 2
    assert scaled_distance(three, "median")(far, {**obs, "c": 9.0}) == pytest.approx(2 * z2)
    with pytest.raises(ValueError, match="norm"):
        scaled_distance(targets, 3)


def test_abc_smc_recovers_a_normal_mean(tmp_path):
    # Observed sample mean 3.0, flat prior on [0, 10]: the posterior of mu is ~N(3, 0.22^2);
    # after 4 generations of 100 particles the weighted median lies within 0.3 of 3 and the
    # 90 % interval is far narrower than the prior's 9.
    target = ObservedTarget(key="people_relocated", observed=3.0, scale=1.0, log=False, weight=1.0)
    post = run_abc(
        _normal_mean_model,
        {"mu": Prior(prior="uniform", low=0.0, high=10.0)},
        [target],
        tmp_path / "abc.db",
        population_size=100,
        max_generations=4,
        seed=1,
    )
    w = post["weight"].to_numpy()
    assert w.sum() == pytest.approx(1.0)
    assert len(post) == 100
    med = weighted_quantile(post["mu"].to_numpy(), w, 0.5)
    width = weighted_quantile(post["mu"].to_numpy(), w, 0.95) - weighted_quantile(
        post["mu"].to_numpy(), w, 0.05
    )
    assert abs(med - 3.0) < 0.3
    assert width < 2.0
    assert post.attrs["epsilons"] == sorted(post.attrs["epsilons"], reverse=True)


class _DirectSimulator:
    """A batch executor for the synthetic model, counting the simulations it runs."""

    def __init__(self):
        self.calls = 0

    def __call__(self, params_list, generation, batch):
        self.calls += len(params_list)
        return [_normal_mean_model(p) for p in params_list]


@pytest.mark.parametrize("min_batch", [1, 3, 16])
def test_batch_sampler_gives_exactly_the_single_core_posterior(tmp_path, min_batch):
    # The two-pass batch sampler must reproduce pyabc's SingleCoreSampler draw for draw:
    # same particles, weights, distances and epsilon schedule, whatever the batch size.
    from sim.studies.calibration.sampler import BatchSampler, CachedModel

    target = ObservedTarget(key="people_relocated", observed=3.0, scale=1.0, log=False, weight=1.0)
    args = ({"mu": Prior(prior="uniform", low=0.0, high=10.0)}, [target])
    kw = {"population_size": 12, "max_generations": 3, "seed": 7}
    single = run_abc(_normal_mean_model, *args, tmp_path / "a.db", **kw)
    model, sim = CachedModel(), _DirectSimulator()
    sampler = BatchSampler(model, sim, min_batch=min_batch)
    batched = run_abc(model, *args, tmp_path / "b.db", sampler=sampler, **kw)
    pd_testing = pytest.importorskip("pandas.testing")
    pd_testing.assert_frame_equal(single, batched)
    assert single.attrs["epsilons"] == batched.attrs["epsilons"]
    # Every proposal pyabc evaluated was simulated exactly once (cache hits in the replay).
    assert sim.calls >= 3 * 12
    assert len(model.cache) == sim.calls


def test_cached_model_raises_not_simulated_with_the_parameters():
    from sim.studies.calibration.sampler import CachedModel, NotSimulated, param_key

    model = CachedModel()
    with pytest.raises(NotSimulated) as miss:
        model({"b": 2.0, "a": 1.0})
    assert miss.value.params == {"b": 2.0, "a": 1.0}
    model.cache[param_key({"a": 1.0, "b": 2.0})] = {"x": 5.0}
    assert model({"b": 2.0, "a": 1.0}) == {"x": 5.0}


def test_calibrate_command_exits_2_on_an_invalid_spec(tmp_path):
    import typer
    from typer.testing import CliRunner

    from sim.interfaces.cli.calibrate import calibrate_command

    app = typer.Typer()
    app.command("calibrate")(calibrate_command)
    app.command("noop")(lambda: None)  # two commands: typer keeps "calibrate" as a subcommand
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenario: s.yaml\nparameters: {}\n")
    result = CliRunner().invoke(app, ["calibrate", str(bad), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "parameters" in result.output


def test_shipped_shanghai_spec_resolves_against_targets_yaml():
    from sim.studies.calibration.spec import load_calibration_spec

    spec = load_calibration_spec(Path(__file__).parents[1] / "calibration" / "shanghai.yaml")
    keys = [t.key for t in resolve_targets(spec)]
    assert keys == ["people_relocated", "direct_loss_yuan", "power_line_faults"]
    assert spec.scenario.is_file()


def _tiny_simulator_spec(tmp_path: Path) -> Path:
    """A 2-particle, 1-generation calibration of 2 coarse hours of Lekima (≈3 s a run).

    One generation suffices here: generations > 0 go through the same BatchSampler code,
    whose exactness against pyabc's single-core sampler is tested above on 3 generations.
    """
    root = Path(__file__).parents[1]
    (tmp_path / "targets.yaml").write_text(yaml.safe_dump(TARGETS))
    spec = {
        "name": "tiny",
        "scenario": str(root / "scenarios" / "shanghai" / "lekima-2019.yaml"),
        "targets_file": "targets.yaml",
        "targets_case": "case",
        "overrides": [
            "networks.resolution=0.05",
            "time.start_utc=2019-08-09T16:00:00Z",
            "time.duration_h=2",
        ],
        "parameters": {"losses.scale": {"prior": "lognormal", "median": 2.0, "sigma": 0.8}},
        "targets": {"direct_loss_yuan": {"log": True}},
        "population_size": 2,
        "max_generations": 1,
        "ppc_draws": 1,
        "seed": 3,
    }
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def test_calibration_runs_on_the_sweep_executor_identically_serial_parallel_and_resumed(
    tmp_path,
):
    import pandas as pd

    from sim.interfaces.cli.calibrate import calibrate

    spec = _tiny_simulator_spec(tmp_path)
    calibrate(spec, tmp_path / "serial", workers=1, quiet=True)
    calibrate(spec, tmp_path / "pool", workers=2, quiet=True)
    serial = pd.read_parquet(tmp_path / "serial" / "posterior.parquet")
    pd.testing.assert_frame_equal(serial, pd.read_parquet(tmp_path / "pool" / "posterior.parquet"))
    batches = sorted(p.name for p in (tmp_path / "serial" / "runs").iterdir())
    assert batches[0] == "g00-b000" and batches[-1] == "ppc"
    # Every simulation is a sweep run on disk; losing some and resuming reruns only those.
    run_files = sorted((tmp_path / "serial" / "runs").glob("*/runs/*.parquet"))
    assert len(run_files) >= 2 + 1
    run_files[0].unlink()
    with pytest.raises(CalibrationSpecError, match="--resume"):
        calibrate(spec, tmp_path / "serial", workers=1, quiet=True)
    calibrate(spec, tmp_path / "serial", workers=1, quiet=True, resume=True)
    pd.testing.assert_frame_equal(
        serial, pd.read_parquet(tmp_path / "serial" / "posterior.parquet")
    )
    ppc = pd.read_csv(tmp_path / "serial" / "ppc_runs.csv")
    assert len(ppc) == 1 and (ppc["direct_loss_yuan"] >= 0).all()
