"""Issue 18, outcomes per household: population.resolution: full and households.parquet
(sim.results.household_table), on the example city."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.results import household_table as ht

TYPHOON = Path("scenarios/example-city/typhoon.yaml")
FULL = ["population.resolution=full"]


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    """The example typhoon with the 1:1 population: (model, table, details)."""
    from sim.models.emergency import CityModel
    from sim.scenario import load_scenario

    mp = pytest.MonkeyPatch()
    mp.setenv("CITYSAFE_CACHE", str(tmp_path_factory.mktemp("cache")))
    ht.run_population.cache_clear()
    # the former trapped share, so that the example city has trapped people to allocate
    model = CityModel(load_scenario(TYPHOON, [*FULL, "casualties.trapped_share=0.02"]))
    model.run()
    details: dict = {}
    table = ht.household_table(model, details)
    yield model, table, details
    ht.run_population.cache_clear()
    mp.undo()


def _model_relocated(model) -> dict:
    out = {}
    for gov in model.districts:
        for c, name in enumerate(gov.categories):
            idx = gov.households.category == c
            if idx.any():
                out[gov.district, name] = float(gov.moved_out[idx].sum())
    return out


def test_relocated_persons_are_conserved_by_district_and_category(full_run):
    model, table, details = full_run
    by_group = details["relocated_by_group"]
    assert details["relocated_short"] == 0
    got = table.groupby(["district", "relocation_category"], observed=True)["relocated_persons"]
    got = got.sum().to_dict()
    model_groups = _model_relocated(model)
    assert set(by_group) == set(model_groups)
    for key, whole in by_group.items():
        assert got.get(key, 0) == whole, key
        assert abs(whole - model_groups[key]) < 1.0, key  # whole persons of the model's flow
    assert table["relocated_persons"].sum() == round(model.people_relocated) > 1000


def test_only_members_are_relocated_and_never_more_than_live_there(full_run):
    _, table, _ = full_run
    members = table["relocation_category"] != ""
    assert (table.loc[~members, "relocated_persons"] == 0).all()
    assert (table["relocated_persons"] <= table["persons"]).all()
    assert (table["relocated"] == (table["relocated_persons"] > 0)).all()
    for name, (types, one_each) in ht.CATEGORY_HOUSING.items():
        rows = table[table["relocation_category"] == name]
        assert set(rows["housing"].astype(str)) <= set(types), name
        if one_each:  # a worker leaves, not the household
            assert rows["relocated_persons"].max() <= 1
    # sheds and dangerous old housing are the categories' own households
    sheds = table[table["relocation_category"] == "shed_dwellers_persons"]
    assert (sheds["housing"] == "shed").mean() > 0.95


def test_relocation_hours_follow_the_models_departures(full_run):
    model, table, _ = full_run
    moved = table[table["relocated"]]
    assert moved["relocated_h"].notna().all()
    assert table.loc[~table["relocated"], "relocated_h"].isna().all()
    first = min(t for gov in model.districts for t, _ in gov.departures)
    last = max(t for gov in model.districts for t, _ in gov.departures)
    assert first <= moved["relocated_h"].min() and moved["relocated_h"].max() <= last
    # hour by hour: a household counts from its first person's hour, so the persons of the
    # households gone cover the model's departures by then (less one person a sample for
    # rounding) and exceed them by at most the rest of one household per sample
    hours = sorted({t for gov in model.districts for t, _ in gov.departures})
    step = [
        sum(m.sum() for gov in model.districts for t, m in gov.departures if t == h) for h in hours
    ]
    model_cum = np.cumsum(step)
    scale = table["relocated_persons"].sum() / model_cum[-1]
    samples = sum(gov.households.n for gov in model.districts)
    for h, want in zip(hours, model_cum * scale, strict=True):
        got = moved.loc[moved["relocated_h"] <= h, "relocated_persons"].sum()
        assert want - samples <= got <= want + samples * table["persons"].max(), h
    assert got == table["relocated_persons"].sum()


def test_casualties_are_the_ledgers_by_district_and_go_to_the_exposed(full_run):
    model, table, _ = full_run
    assert table["deaths"].sum() == round(model.deaths) > 0
    assert table["injuries"].sum() == round(model.injuries) > 0
    frame = model.ledger.casualties.to_frame()
    per_d = frame.groupby("district")[["deaths", "injuries"]].sum()
    got = table.groupby("district")[["deaths", "injuries"]].sum()
    for d in per_d.index:
        for col in ("deaths", "injuries"):
            assert abs(got.loc[d, col] - per_d.loc[d, col]) < 1.0 + 1e-9
    assert ((table["deaths"] + table["injuries"]) <= table["persons"]).all()
    hit = table[(table["deaths"] + table["injuries"]) > 0]
    collapse = hit[hit["casualty_causes"].astype(str).str.contains("structural_collapse")]
    exposed = set(ht.CAUSE_HOUSING["structural_collapse"])
    assert len(collapse) > 0 and set(collapse["housing"].astype(str)) <= exposed
    stayed = collapse["persons"] - collapse["relocated_persons"]
    assert ((collapse["deaths"] + collapse["injuries"]) <= stayed).all()


def test_household_hours_are_the_models_customer_hours_times_the_household_ratio(full_run):
    model, table, _ = full_run
    for layer, total in (("power", model.customer_hours_without_power),):
        nd = model.infra.layers[layer].nodes
        customers = np.bincount(nd["district"], weights=nd["customers_households"])
        ch = np.asarray(nd["customers_households"], float) * model.infra.outage_h[layer]
        model_d = np.bincount(nd["district"], weights=ch, minlength=customers.size)
        assert model_d.sum() == pytest.approx(total, rel=1e-9)
        ratio = np.bincount(table["district"], minlength=customers.size) / customers
        got = table.groupby("district")[f"hours_without_{layer}"].sum().to_numpy()
        np.testing.assert_allclose(got, model_d * ratio, rtol=0.01)
        assert total > 0


def test_the_table_holds_every_resident_by_age(full_run):
    model, table, _ = full_run
    census = model.city.districts["population"].to_numpy()
    np.testing.assert_array_equal(table.groupby("district")["persons"].sum().to_numpy(), census)
    ages = table.filter(like="persons_aged_").sum(axis=1)
    assert (ages == table["persons"]).all()
    assert table["household_id"].is_unique


def test_residents_simulated_full_and_off(full_run):
    from sim.models.emergency import CityModel
    from sim.results.summary import residents_simulated
    from sim.scenario import load_scenario

    model, table, _ = full_run
    assert residents_simulated(model) == int(table["persons"].sum()) == 825_000
    off = CityModel(load_scenario(TYPHOON))  # the samples' persons: the exposure pools
    pools = sum(float(gov.at_risk.sum()) for gov in off.districts)
    assert residents_simulated(off) == round(pools)
    assert 0 < residents_simulated(off) < 825_000


def test_fill_whole_households_first_by_hand():
    members = np.array([10, 11, 12, 13])
    capacity = np.array([3, 2, 4, 5])
    clocks = [lambda q: 5.0 + q, lambda q: 9.0 + q]
    persons, hour, left = ht._fill(members, capacity, [4, 3], clocks)
    # persons 0-2 → household 10, 3-4 → 11 (sample 0's 4th and sample 1's 1st), 5-6 → 12
    np.testing.assert_array_equal(persons, [3, 2, 2, 0])
    np.testing.assert_array_equal(hour[:3], [5.0, 8.0, 10.0])
    assert np.isnan(hour[3]) and left == 0
    _, _, left = ht._fill(members[:1], capacity[:1], [4, 3], clocks)
    assert left == 4


def test_whole_numbers_sum_to_the_total_by_largest_remainder():
    got = ht.whole({"a": 1.4, "b": 1.4, "c": 0.2}, 3)
    assert got == {"a": 2, "b": 1, "c": 0}
    assert ht.whole({"a": 0.0}, 0) == {"a": 0}


def test_population_block_is_validated_and_off_leaves_no_trace(tmp_path):
    from sim.models.data_check import check_data
    from sim.scenario import load_scenario
    from sim.scenario.loader import dump_resolved

    cli = [sys.executable, "-c", "from sim.interfaces.cli.main import app; app()"]
    bad = subprocess.run(
        [*cli, "validate", str(TYPHOON), "-p", "population.resolution=fll"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "population.resolution" in bad.stdout + bad.stderr
    assert "population" not in dump_resolved(load_scenario(TYPHOON))
    data = tmp_path / "city"
    shutil.copytree("scenarios/data/example-city", data)
    (data / "population.yaml").unlink()
    full = load_scenario(TYPHOON, [*FULL, f"city.data_dir={data}"])
    problems = check_data(full, str(TYPHOON))
    assert [p.field for p in problems] == ["population.resolution"]
    assert "population.yaml" in problems[0].message
    assert check_data(load_scenario(TYPHOON, [f"city.data_dir={data}"]), str(TYPHOON)) == []


def test_new_summary_keys_read_in_their_units():
    from sim.results.outcome_text import outcome_label, outcome_unit

    assert outcome_unit("residents_simulated") == "persons"
    assert (
        outcome_label("residents_simulated")
        == "People in the relocation categories' households (persons)"
    )
    # the gas layer's customer-hours, first pinned with lekima-2019-full, were read as a count
    assert outcome_unit("customer_hours_without_gas") == "customer-hours"
