"""Risk map / risk inventory (sim.studies.riskmap): grading matrix, estimators, aggregation,
command."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.interfaces.cli.main import app
from sim.studies.riskmap.inventory import build_inventory, worst_grade_by_district
from sim.studies.riskmap.matrix import (
    consequence_level,
    grade,
    likelihood_level,
    matrix_table,
    wilson_interval,
)
from sim.studies.riskmap.montecarlo import replication_seeds
from sim.studies.riskmap.records import CITYWIDE, emergency_records, longrun_records

SCEN = Path(__file__).resolve().parents[1] / "scenarios" / "shanghai"

# Hand table: R = L × C; blue R <= 3, yellow 4..8, orange 9..14, red >= 15.
# Rows C = 5 .. 1, columns L = 1 .. 5 (e.g. C3 L3: R = 9 -> orange; C5 L1: R = 5 -> yellow).
HAND = [
    ["yellow", "orange", "red", "red", "red"],  # C5: 5 10 15 20 25
    ["yellow", "yellow", "orange", "red", "red"],  # C4: 4 8 12 16 20
    ["blue", "yellow", "orange", "orange", "red"],  # C3: 3 6 9 12 15
    ["blue", "yellow", "yellow", "yellow", "orange"],  # C2: 2 4 6 8 10
    ["blue", "blue", "blue", "yellow", "yellow"],  # C1: 1 2 3 4 5
]


def test_every_matrix_cell_has_the_hand_computed_colour():
    for row, c in zip(HAND, range(5, 0, -1), strict=True):
        for lk, colour in zip(range(1, 6), row, strict=True):
            assert grade(lk, c) == colour, (lk, c)
    assert matrix_table() == HAND
    with pytest.raises(ValueError):
        grade(0, 3)
    with pytest.raises(ValueError):
        grade(3, 6)


def test_likelihood_levels_switch_at_their_lower_bounds():
    f = [0.0, 0.000999, 0.001, 0.00999, 0.01, 0.0999, 0.1, 0.999, 1.0, 3.0]  # events per year
    assert likelihood_level(f).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    with pytest.raises(ValueError):
        likelihood_level([-0.2])


def test_consequence_levels_follow_state_council_decree_493_bounds():
    # 493 Art. 3: deaths 3 / 10 / 30, serious injuries 10 / 50 / 100, loss 10 / 50 / 100 M
    # yuan, bounds inclusive; level 2 (assumed): 0.1 deaths, 1 injury, 1 M yuan.
    deaths = [0, 0.09, 0.1, 2.99, 3, 9.99, 10, 29.9, 30]
    assert consequence_level(deaths, 0, 0).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5]
    inj = [0.99, 1, 9.9, 10, 49, 50, 99, 100]
    assert consequence_level(0, inj, 0).tolist() == [1, 2, 2, 3, 3, 4, 4, 5]
    loss = [9.9e5, 1e6, 9.99e6, 1e7, 4.99e7, 5e7, 9.99e7, 1e8]
    assert consequence_level(0, 0, loss).tolist() == [1, 2, 2, 3, 3, 4, 4, 5]
    # any one criterion suffices ("或者"): the highest level wins
    assert consequence_level(3, 0, 5e7).tolist() == 4
    assert consequence_level(np.nan, 0, 0).tolist() == 1


def test_wilson_interval_at_zero_and_all_successes():
    # p = 0: centre = half-width = (z²/2n)/(1 + z²/n), so hi = z²/(n + z²) = 3.8415/11.8415
    lo, hi = wilson_interval(0, 8)
    assert lo == 0.0 and hi == pytest.approx(1.959964**2 / (8 + 1.959964**2), rel=1e-9)
    lo, hi = wilson_interval(8, 8)
    assert hi == 1.0 and lo == pytest.approx(8 / (8 + 1.959964**2), rel=1e-9)
    with pytest.raises(ValueError):
        wilson_interval(9, 8)


def _districts(n=3):
    return pd.DataFrame(
        {"name_en": [f"D{i}" for i in range(n)], "name_zh": [f"区{i}" for i in range(n)]}
    )


def _records(rows):
    cols = ["trial", "district", "hazard", "category", "log_events", "deaths", "injuries",
            "loss_yuan"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def test_likelihood_is_k_of_n_trials_and_consequence_the_mean_given_occurrence():
    # district 0 hit in 3 of 10 trials with 1, 2, 3 deaths -> P = 0.3, E[deaths | occ] = 2;
    # a scenario of 0.5 per year -> 0.15 per year
    rec = _records(
        [(t, 0, "typhoon", "waterlogging", 1, float(t + 1), 0.0, 0.0) for t in range(3)]
        + [(5, 1, "typhoon", "tree_fall", 4, 0.0, 0.0, 2.0e6)]
    )
    inv = build_inventory(rec, 10, "scenario", _districts(), scenario_frequency_per_yr=0.5)
    w0 = inv[(inv.district == 0) & (inv.category == "waterlogging")].iloc[0]
    assert w0.p_occurrence == pytest.approx(0.3) and w0.occurrences == 3 and w0.trials == 10
    assert w0.frequency_per_yr == pytest.approx(0.15)
    assert w0.deaths == pytest.approx(2.0)
    # L: 0.15/yr -> level 4; C: 2 deaths >= 0.1 -> level 2 (below 493's 3); R = 8 -> yellow
    assert (w0.likelihood_level, w0.consequence_level, w0.grade) == (4, 2, "yellow")
    assert w0.frequency_basis.startswith("scenario frequency")
    # a district never hit still has its row: frequency 0, blue
    w2 = inv[(inv.district == 2) & (inv.category == "waterlogging")].iloc[0]
    assert (w2.frequency_per_yr, w2.grade, w2.likelihood_level) == (0.0, "not_observed", 1)
    assert len(inv) == 2 * 3  # two categories × three districts
    # per-year basis: consequence per event (4 events, 2 M yuan -> 0.5 M yuan per event)
    inv_y = build_inventory(rec, 10, "year", _districts())
    t1 = inv_y[(inv_y.district == 1) & (inv_y.category == "tree_fall")].iloc[0]
    assert t1.loss_yuan == pytest.approx(5.0e5)
    assert t1.frequency_basis == "events per simulated year"
    # worst grade over risks that occurred: district 2 saw none (-1: not "low risk")
    assert worst_grade_by_district(inv, 3).tolist() == [1, 1, -1]


def _event_frame():
    rows = [  # t_h, kind, district, layer, incident, value, detail
        (1.0, "warning", -1, "", -1, 3.0, "typhoon:blue"),
        (2.0, "damage", 2, "exposure", -1, 3.0, "falling_objects"),
        (2.0, "damage", 1, "exposure", -1, 2.0, "sheds"),
        (2.0, "incident", 1, "people", 0, 3.0, "structural_collapse"),
        (2.0, "dispatch", 1, "", 0, 4.0, "station"),
        (5.0, "death", 1, "", 0, 1.0, "structural_collapse"),
        (2.0, "death", 2, "", -1, 1.0, "falling_object"),
        (3.0, "waterlogged", 0, "roads", -1, 1.0, ""),
        (3.0, "road_blocked", 0, "roads", -1, 1.0, ""),
        (3.0, "damage", 3, "power", -1, 1.0, ""),
    ]
    df = pd.DataFrame(rows, columns=["t_h", "kind", "district", "layer", "incident", "value",
                                     "detail"])  # fmt: skip
    df["asset"] = -1
    return df


def test_emergency_aggregation_conserves_events_deaths_injuries_and_loss():
    ev = _event_frame()
    by_item = {"shop_signboards": 3e5, "shed": 4e4, "tree_down": 6e3, "power_fault": 3e4,
               "not_an_item": 1e3}  # fmt: skip
    rec = emergency_records(ev, by_item, trial=0, hazard="typhoon")
    # 8 classified rows: all but the warning and the dispatch
    assert rec["log_events"].sum() == 8
    assert rec["deaths"].sum() == 2.0
    # trapped incident: 3 persons, 1 died -> 2 injured, in district 1 building_collapse
    bc = rec[(rec.district == 1) & (rec.category == "building_collapse")].iloc[0]
    assert bc.injuries == 2.0 and bc.deaths == 1.0 and bc.loss_yuan == 4e4
    assert rec["loss_yuan"].sum() == pytest.approx(sum(by_item.values()))
    fo = rec[(rec.district == 2) & (rec.category == "falling_objects")].iloc[0]
    assert (fo.loss_yuan, fo.deaths, fo.log_events) == (3e5, 1.0, 2)
    other = rec[rec.category == "other"].iloc[0]
    assert (other.district, other.loss_yuan) == (CITYWIDE, 1e3)
    inv = build_inventory(rec, 1, "scenario", _districts(4), scenario_frequency_per_yr=1.0)
    assert inv["log_events"].sum() == 8
    assert inv["deaths_total"].sum() == 2.0 and inv["injuries_total"].sum() == 2.0
    assert inv["loss_yuan_total"].sum() == pytest.approx(sum(by_item.values()))


def test_longrun_records_count_one_trial_per_year():
    year_h = 8766.0
    ev = pd.DataFrame(
        {
            "t_h": [10.0, 20.0, year_h + 5.0, 2 * year_h + 1.0, 5.0],
            "kind": [
                "road_collapse",
                "road_collapse",
                "construction_accident",
                "burst",
                "asset_failure",
            ],  # fmt: skip
            "district": [0, 0, 1, 2, 2],
            "sector": ["pipeline", "pipeline", "construction", "pipeline", "old_housing"],
            "value": [0.0, 0.0, 2.0, 0.0, 3.0e6],
        }
    )
    rec = longrun_records(ev, replication=1, n_years=3, year_h=year_h)
    assert rec["log_events"].sum() == 4  # the burst is not a risk event
    rc = rec[rec.category == "road_collapse"].iloc[0]
    assert (rc.trial, rc.log_events, rc.loss_yuan) == (3, 2, 1.0e7)  # 2 × 5 M yuan
    ca = rec[rec.category == "construction_accident"].iloc[0]
    assert (ca.trial, ca.deaths) == (4, 2.0)
    assert rec[rec.category == "building_collapse"].iloc[0].loss_yuan == 3.0e6


def test_replication_seeds_are_spawned_from_the_scenario_seed():
    seeds = replication_seeds(2003, 4)
    ref = [int(c.generate_state(1, np.uint32)[0]) for c in np.random.SeedSequence(2003).spawn(4)]
    assert seeds == ref and len(set(seeds)) == 4
    assert replication_seeds(2003, 2) == seeds[:2]


runner = CliRunner()


def test_riskmap_command_on_a_long_run_writes_inventory_and_maps(tmp_path):
    out = tmp_path / "rm"
    res = runner.invoke(
        app,
        ["riskmap", str(SCEN / "construction-safety-3y.yaml"), "-n", "3", "-q", "--out", str(out)],
    )
    assert res.exit_code == 0, res.output
    for name in ("risk_inventory.csv", "risk_inventory.parquet", "riskmap.png",
                 "risk_matrix.png", "grades.md", "replications.csv", "riskmap.json"):  # fmt: skip
        assert (out / name).stat().st_size > 0, name
    inv = pd.read_parquet(out / "risk_inventory.parquet")
    reps = pd.read_csv(out / "replications.csv")
    assert set(inv["frequency_basis"]) == {"events per simulated year"}
    assert set(inv["trials"]) == {9}
    assert inv["category"].unique().tolist() == ["construction_accident"]
    assert len(inv) == 16  # one row per district
    # deaths conserved from the model's construction accidents to the inventory
    assert inv["deaths_total"].sum() == pytest.approx(reps["deaths"].sum())
    assert "construction_accident" in res.output


def test_riskmap_command_on_a_short_emergency_run(tmp_path):
    out = tmp_path / "lk"
    res = runner.invoke(
        app,
        [
            "riskmap",
            str(SCEN / "lekima-2019.yaml"),
            "-n",
            "2",
            "-q",
            "--out",
            str(out),
            "--resolution",
            "0.05",
            "-p",
            "time.duration_h=30",
        ],  # fmt: skip
    )
    assert res.exit_code == 0, res.output
    inv = pd.read_csv(out / "risk_inventory.csv")
    reps = pd.read_csv(out / "replications.csv")
    assert set(inv["p_occurrence"]) <= {0.0, 0.5, 1.0}  # k of 2 replications
    assert set(inv["frequency_per_yr"]) <= {0.0, 0.3125 / 2, 0.3125}  # Lekima's 5/16 per year
    assert inv["loss_yuan_total"].sum() == pytest.approx(reps["loss_yuan"].sum(), rel=1e-9)
    assert (out / "riskmap.png").stat().st_size > 0


def test_malformed_scenario_exits_2_with_file_and_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    text = (SCEN / "construction-safety-3y.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("n_years: 3", "n_years: -3"), encoding="utf-8")
    res = runner.invoke(app, ["riskmap", str(bad), "-n", "1", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2
    assert f"{bad}: years.n_years" in res.output
    res = runner.invoke(
        app, ["riskmap", str(SCEN / "construction-safety-3y.yaml"), "--resolution", "0.1"]
    )
    assert res.exit_code == 2 and "emergency scenarios only" in res.output


def test_chemical_park_accidents_become_yearly_records_that_keep_their_harm():
    # Two accidents in year 0 of replication 1 (10 years per replication → trial 10) and one
    # in year 3 (trial 13), all in district 5: deaths/injuries/loss sum per trial.
    import pandas as pd

    from sim.studies.riskmap.records import chemical_records

    year_h = 8766.0
    acc = pd.DataFrame(
        {
            "t_h": [10.0, 500.0, 3 * year_h + 1.0],
            "district": [5, 5, 5],
            "deaths": [2.0, 0.0, 7.0],
            "injuries": [3.0, 1.0, 20.0],
            "loss_yuan": [1e6, 2e6, 4e7],
        }
    )
    rec = chemical_records(acc, replication=1, n_years=10, year_h=year_h)
    assert rec["trial"].tolist() == [10, 13]
    assert set(rec["category"]) == {"hazardous_chemical_accident"}
    assert rec["log_events"].tolist() == [2, 1]
    assert rec["deaths"].sum() == 9.0 and rec["injuries"].sum() == 24.0
    assert rec["loss_yuan"].tolist() == [3e6, 4e7]
    assert chemical_records(acc.iloc[:0], 0, 10, year_h).empty
