"""Issue 18: the synthetic population at 1:1 (sim.city.population) and its cache."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from sim.city import CityDataError, largest_remainder, load_city
from sim.city.population import cache as pcache
from sim.city.population.generate import (
    H_CODE,
    build_population,
    fit_sizes,
    tilted_shares,
)
from sim.city.population.inputs import load_population_inputs
from sim.core.streams import RandomStreams

EXAMPLE = Path("scenarios/data/example-city")
SHANGHAI = Path("scenarios/data/shanghai")


@pytest.fixture(scope="module")
def example():
    city = load_city(EXAMPLE)
    inputs = load_population_inputs(EXAMPLE)
    pop = build_population(city, inputs, RandomStreams(7)["population"])
    return city, inputs, pop


def test_example_city_totals_equal_census_by_district(example):
    city, inputs, pop = example
    census = city.districts["population"].to_numpy()
    np.testing.assert_array_equal(pop.persons_by_district(), census)
    assert pop.persons == 825_000
    assert pop.households_by_district("family").sum() == inputs.family_households == 310_000
    fam = pop.households[pop.households["kind"] == 0]
    # family persons = family households x mean size (744,000), the rest collective
    assert fam["size"].sum() == 744_000
    assert pop.households["size"].min() >= 1
    # every person is in exactly one age band
    np.testing.assert_array_equal(
        pop.households["persons_by_age"].sum(axis=1), pop.households["size"]
    )


def test_age_and_origin_shares_match_inputs(example):
    city, inputs, pop = example
    h = pop.households
    shares = h["persons_by_age"].sum(axis=0) / pop.persons
    want = [b.share for b in city.profile.population_ages.bands]
    np.testing.assert_allclose(shares, want, atol=0.003)
    migrant = (h["size"] * h["from_other_province"]).sum() / pop.persons
    assert migrant == pytest.approx(inputs.from_other_provinces_persons / 825_000, abs=0.005)
    # a family household's first person is 15 or over: no household of children alone
    fam = h[h["kind"] == 0]
    assert (fam["persons_by_age"][:, 1:].sum(axis=1) >= 1).all()


def test_housing_pools_met(example):
    city, inputs, pop = example
    h = pop.households
    persons = np.bincount(h["housing"], weights=h["size"], minlength=len(H_CODE))
    ex = city.exposure
    site = ex["construction_workers_persons"].to_numpy()
    on = np.rint(site * inputs.site_workers_on_site_share).sum()
    assert persons[H_CODE["site_temporary"]] == on  # split exactly
    max_size = len(inputs.household_size_shares)
    for code, col in (
        (H_CODE["shed"], "shed_dwellers_persons"),
        (H_CODE["old_dangerous"], "dangerous_housing_persons"),
    ):
        want = ex[col].sum()
        assert abs(persons[code] - want) < city.n_districts * max_size  # one household each


def test_buildings_group_households_inside_their_district(example):
    city, inputs, pop = example
    h, b = pop.households, pop.buildings
    np.testing.assert_array_equal(np.bincount(h["building"], minlength=b.size), b["households"])
    np.testing.assert_array_equal(b["district"][h["building"]], h["district"])
    np.testing.assert_array_equal(b["housing"][h["building"]], h["housing"])
    assert (np.diff(h["building"].astype(np.int64)) >= 0).all()  # sorted by building
    np.testing.assert_array_equal(city.locate(b["x_m"], b["y_m"]), b["district"])
    mean = b["households"][b["housing"] == H_CODE["ordinary"]].mean()
    assert mean == pytest.approx(inputs.households_per_building["ordinary"], rel=0.1)


def test_same_seed_same_arrays_other_seed_differs(example):
    city, inputs, pop = example
    again = build_population(city, inputs, RandomStreams(7)["population"], scale=0.1)
    twice = build_population(city, inputs, RandomStreams(7)["population"], scale=0.1)
    other = build_population(city, inputs, RandomStreams(8)["population"], scale=0.1)
    assert again.households.tobytes() == twice.households.tobytes()
    assert again.buildings.tobytes() == twice.buildings.tobytes()
    assert again.households.tobytes() != other.households.tobytes()
    np.testing.assert_array_equal(again.persons_by_district(), other.persons_by_district())


def test_shanghai_one_percent_counts():
    city = load_city(SHANGHAI)
    inputs = load_population_inputs(SHANGHAI)
    pop = build_population(city, inputs, RandomStreams(1)["population"], scale=0.01)
    census = city.districts["population"].to_numpy()
    want = largest_remainder(round(census.sum() * 0.01), census)
    np.testing.assert_array_equal(pop.persons_by_district(), want)
    assert pop.persons == 248_709
    assert pop.households_by_district("family").sum() == round(inputs.family_households * 0.01)


def test_tilted_shares_hit_the_mean():
    base = [0.228, 0.4146, 0.2098, 0.0783, 0.0543, 0.0108, 0.0028, 0.0009, 0.0002, 0.0002]
    k = np.arange(1, 11)
    p = tilted_shares(base, 2.32)
    assert (p * k).sum() == pytest.approx(2.32, abs=1e-10)
    own = float((np.array(base) / sum(base) * k).sum())
    np.testing.assert_allclose(tilted_shares(base, own), np.array(base) / sum(base), atol=1e-9)
    with pytest.raises(ValueError):
        tilted_shares([1.0, 1.0], 2.5)


def test_fit_sizes_sums_exactly():
    rng = np.random.default_rng(0)
    sizes = np.array([1, 1, 2, 5, 3])
    out = fit_sizes(sizes, 20, 5, rng)
    assert out.sum() == 20 and out.min() >= 1 and out.max() <= 5
    assert fit_sizes(sizes, 5, 5, rng).tolist() == [1, 1, 1, 1, 1]
    with pytest.raises(ValueError):
        fit_sizes(sizes, 26, 5, rng)


def _city_copy(tmp_path) -> Path:
    data = tmp_path / "city"
    shutil.copytree(EXAMPLE, data)
    return data


def test_cache_hit_identical_and_damaged_file_rebuilt(tmp_path, monkeypatch):
    data, cache = _city_copy(tmp_path), tmp_path / "cache"
    first = pcache.population_for(data, 5, 0.05, cache_dir=cache)
    (path,) = cache.glob("population-*.npz")

    def no_build(*a, **k):
        raise AssertionError("a cache hit must not rebuild")

    monkeypatch.setattr(pcache, "build_population", no_build)
    hit = pcache.population_for(data, 5, 0.05, cache_dir=cache)
    assert hit.households.tobytes() == first.households.tobytes()
    assert hit.buildings.tobytes() == first.buildings.tobytes()
    monkeypatch.undo()
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # one flipped byte inside the households' array
    path.write_bytes(bytes(raw))
    with pytest.warns(UserWarning, match="rebuilding"):
        rebuilt = pcache.population_for(data, 5, 0.05, cache_dir=cache)
    assert rebuilt.households.tobytes() == first.households.tobytes()
    path.write_bytes(path.read_bytes()[:100])  # truncated
    with pytest.warns(UserWarning, match="unreadable"):
        pcache.population_for(data, 5, 0.05, cache_dir=cache)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the rebuilt file is whole again
        pcache.population_for(data, 5, 0.05, cache_dir=cache)


def test_cache_key_follows_inputs_and_seed(tmp_path):
    data = _city_copy(tmp_path)
    k = pcache.cache_key(data, 5, 0.05)
    assert k == pcache.cache_key(data, 5, 0.05)
    assert k != pcache.cache_key(data, 6, 0.05) != pcache.cache_key(data, 5, 0.1)
    text = (data / "population.yaml").read_text()
    (data / "population.yaml").write_text(text.replace("mean_persons: 4.0", "mean_persons: 5.0"))
    assert pcache.cache_key(data, 5, 0.05) != k


def test_cache_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(pcache.CACHE_ENV, str(tmp_path))
    assert pcache.default_cache_dir() == tmp_path / "population"


def test_bad_population_file_named_by_field(tmp_path):
    data = _city_copy(tmp_path)
    text = (data / "population.yaml").read_text()
    (data / "population.yaml").write_text(text.replace("  shed: 2\n", ""))
    with pytest.raises(CityDataError, match=r"population.yaml: households_per_building"):
        load_population_inputs(data)
    (data / "population.yaml").unlink()
    with pytest.raises(CityDataError, match="file not found"):
        load_population_inputs(data)


# ---------------------------------------------------------------- per-household outage hours


@pytest.fixture(scope="module")
def typhoon_run():
    from sim.models.emergency import CityModel
    from sim.scenario import load_scenario

    model = CityModel(load_scenario(Path("scenarios/example-city/typhoon.yaml")))
    model.run()
    return model


def _customer_hours(infra, name):
    nodes = infra.layers[name].nodes
    return float((np.asarray(nodes["customers_households"], float) * infra.outage_h[name]).sum())


def test_node_outage_hours_add_up_to_the_models_customer_hours(typhoon_run):
    model = typhoon_run
    assert model.customer_hours_without_power > 1000  # the storm cuts power somewhere
    assert _customer_hours(model.infra, "power") == pytest.approx(
        model.customer_hours_without_power, rel=1e-12
    )
    assert _customer_hours(model.infra, "water") == pytest.approx(
        model.customer_hours_without_water, rel=1e-12, abs=1e-9
    )


def test_households_as_many_as_customers_give_the_models_totals(typhoon_run):
    from sim.results.household_outcomes import serving_nodes

    model, rng = typhoon_run, np.random.default_rng(3)
    for name, total in (
        ("power", model.customer_hours_without_power),
        ("water", model.customer_hours_without_water),
    ):
        layer = model.infra.layers[name]
        nd = layer.nodes
        per_d = np.bincount(nd["district"], weights=nd["customers_households"])
        district = np.repeat(np.arange(per_d.size), np.rint(per_d).astype(int))
        xy = np.concatenate(
            [model.city.sample_points(d, int(round(n)), rng) for d, n in enumerate(per_d)]
        )
        node = serving_nodes(district, xy[:, 0], xy[:, 1], layer, model.city.n_districts)
        assert (node >= 0).all()
        # every node serves exactly its customers: the households' hours are the model's
        np.testing.assert_array_equal(
            np.bincount(node, minlength=layer.n_nodes), np.rint(nd["customers_households"])
        )
        assert model.infra.outage_h[name][node].sum() == pytest.approx(total, rel=1e-9, abs=1e-6)


def test_synthetic_households_hours_scale_with_their_number(typhoon_run):
    from sim.results.household_outcomes import household_outage_hours

    model = typhoon_run
    pop = pcache.population_for(EXAMPLE, model.config.seed, use_cache=False, city=model.city)
    hours = household_outage_hours(pop, model.infra)
    d = pop.households["district"]
    nd = model.infra.layers["power"].nodes
    customers = np.bincount(nd["district"], weights=nd["customers_households"])
    ch = np.asarray(nd["customers_households"], float) * model.infra.outage_h["power"]
    model_d = np.bincount(nd["district"], weights=ch, minlength=customers.size)
    synth_d = np.bincount(d, weights=hours["power"], minlength=customers.size)
    ratio = pop.households_by_district() / customers
    np.testing.assert_allclose(synth_d, model_d * ratio, rtol=0.01)
    assert hours["power"].max() <= model.config.time.duration_h
