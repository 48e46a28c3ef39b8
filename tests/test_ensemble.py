"""``citysafe run SCENARIO --replications N``: an ensemble over seeds, as a one-scenario sweep.

Checks: N rows, one per replication, whose seeds are the SeedSequence children of the
scenario's seed (as sweeps spawn them); identical rows serially and on 2 workers; each
outcome's median and 5th/95th percentiles recomputed from the table, ordered p5 <= median <=
p95; an observed figure is flagged inside exactly when p5 <= value <= p95; the console shows
the interval beside the record. Runs on the example city (about a second per run).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from sim.interfaces.cli.ensemble import ensemble_command
from sim.interfaces.cli.main import app
from sim.results.ensemble import outcome_stats
from sim.scenario import load_scenario
from sim.scenario.schema import ObservedOutcome
from sim.studies.sweep.design import replication_seeds

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios/example-city/typhoon.yaml"
SEED = 2030  # the example scenario's seed
OBSERVED = [
    "-p", "observed.trees_down.value=1",
    "-p", "observed.trees_down.source=test record below any run",
    "-p", "observed.deaths.value=0",
    "-p", "observed.deaths.source=test record",
]  # fmt: skip

runner = CliRunner()


def _ensemble(out: Path, workers: int) -> tuple[pd.DataFrame, dict, str]:
    res = runner.invoke(
        app,
        ["run", str(EXAMPLE), *OBSERVED, "--replications", "3", "--workers", str(workers)]
        + ["-q", "--out", str(out)],
    )
    assert res.exit_code == 0, (res.output, res.exception)
    table = pd.read_parquet(out / "ensemble.parquet")
    stats = json.loads((out / "ensemble.json").read_text())
    return table, stats, res.stdout


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    return _ensemble(tmp_path_factory.mktemp("ens") / "serial", workers=1)


def test_three_replications_give_three_rows_with_spawned_seeds(serial):
    table, stats, _ = serial
    assert len(table) == 3 and table["replication"].tolist() == [0, 1, 2]
    assert table["seed"].tolist() == replication_seeds(SEED, 3) == stats["seeds"]
    assert stats["root_seed"] == SEED and stats["replications_done"] == 3
    assert table["seed"].nunique() == 3
    assert table["trees_down"].nunique() > 1  # seeds change the draws


def test_serial_and_two_workers_are_identical(serial, tmp_path):
    table, stats, _ = serial
    table2, stats2, _ = _ensemble(tmp_path / "parallel", workers=2)
    pd.testing.assert_frame_equal(
        table.drop(columns="wall_time_s"), table2.drop(columns="wall_time_s")
    )
    assert stats["outcomes"] == stats2["outcomes"]


def test_intervals_are_ordered_and_recomputed_from_the_table(serial):
    table, stats, _ = serial
    assert "wall_time_s" not in stats["outcomes"]
    for key, s in stats["outcomes"].items():
        x = table[key].to_numpy(dtype=float)
        assert s["p5"] <= s["median"] <= s["p95"], key
        assert s["min"] <= s["p5"] and s["p95"] <= s["max"], key
        lo = np.sort(x)
        if s["quantiles"] == "inverted_cdf":  # a count: the replications' own values
            assert (s["p5"], s["median"], s["p95"]) == (lo[0], lo[1], lo[2]), key
            continue
        assert s["median"] == pytest.approx(np.median(x), rel=1e-5), key
        # linear interpolation between order statistics (3 runs: 5% = x0 + 0.1 (x1 - x0))
        assert s["p5"] == pytest.approx(lo[0] + 0.1 * (lo[1] - lo[0]), rel=1e-5, abs=1e-9), key


def test_observed_figures_inside_or_outside(serial):
    _, stats, stdout = serial
    trees, deaths = stats["outcomes"]["trees_down"], stats["outcomes"]["deaths"]
    assert trees["observed"] == {"value": 1.0} and trees["inside"] is (trees["p5"] <= 1)
    assert trees["p5"] > 1 and trees["inside"] is False  # the storm downs trees every run
    assert deaths["inside"] is (deaths["p5"] <= 0 <= deaths["p95"])
    assert stats["observed_inside"] == {"inside": int(deaths["inside"]), "observed": 2}
    assert "[5%, 95%]" in stdout and "observed" in stdout
    assert "of 2 observed figures inside the 90% interval" in stdout


def test_inside_flag_on_hand_made_table():
    table = pd.DataFrame({"deaths": [0, 0, 1, 2, 10]})
    obs = {"deaths": ObservedOutcome(value=0, source="x")}
    s = outcome_stats(table, ["deaths"], obs)["deaths"]
    assert (s["median"], s["p5"], s["p95"]) == (1, 0, 8.4)  # 2 + 0.6 * (10 - 2)
    assert s["inside"] is True
    s = outcome_stats(table, ["deaths"], {"deaths": ObservedOutcome(value=9, source="x")})
    assert s["deaths"]["inside"] is False


def test_a_plain_run_writes_no_ensemble(tmp_path):
    res = runner.invoke(app, ["run", str(EXAMPLE), "-q", "--no-figures", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "summary.json").exists()
    assert not (tmp_path / "ensemble.json").exists()
    assert not (tmp_path / "replications").exists()


def test_journal_and_replications_exclude_each_other(tmp_path):
    scen = load_scenario(EXAMPLE)
    with pytest.raises(typer.Exit) as exc:
        ensemble_command(EXAMPLE, [], scen, tmp_path, 2, 1, True, journal=tmp_path / "j.yaml")
    assert exc.value.exit_code == 2
    assert not any(tmp_path.iterdir())  # refused before anything was written


def test_an_ensemble_folder_appears_finished_and_is_kept_without_overwrite(serial, tmp_path):
    """Written in <out>.partial and renamed into place (issue 16): after the run no staging
    folder is left; a second run into the finished folder is refused without --overwrite."""
    out = tmp_path / "ens"
    args = ["run", str(EXAMPLE), "--replications", "2", "-q", "--out", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    assert (out / "ensemble.json").is_file() and (out / "replications").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ens"]
    before = (out / "ensemble.json").read_text()
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and "holds a finished run; pass --overwrite" in res.output
    assert (out / "ensemble.json").read_text() == before
    assert runner.invoke(app, [*args, "--overwrite"]).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ens"]


def test_drawn_behaviour_coefficients_are_kept_per_replication(tmp_path):
    """An ensemble that draws the behaviour coefficients keeps each replication's particle in
    ensemble.parquet (behaviour.<name>), and every drawn row is a particle of the file."""
    posterior = ROOT / "scenarios/data/shanghai/behaviour_posterior.csv"
    out = tmp_path / "drawn"
    res = runner.invoke(
        app,
        ["run", str(EXAMPLE), "--replications", "2", "-q", "--out", str(out)]
        + ["-p", f"response.relocation.behaviour.posterior_file={posterior}"]
        + ["-p", "response.relocation.behaviour.posterior_draw=true"],
    )
    assert res.exit_code == 0, (res.output, res.exception)
    table = pd.read_parquet(out / "ensemble.parquet")
    particles = pd.read_csv(posterior, comment="#").drop(columns="weight")
    cols = [f"behaviour.{n}" for n in particles.columns]
    assert list(table.columns[2 : 2 + len(cols)]) == cols  # after replication, seed
    drawn = table[cols].to_numpy()
    for row in drawn:
        assert np.isclose(particles.to_numpy(), row).all(axis=1).any()
