"""Issue 18, assets and exposure at 1:1: asset counts by resolution against the city statistics
they scale from (computed by hand here), the full-scale setting, and item-level exposure."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from sim.city import load_city
from sim.core.streams import RandomStreams
from sim.damage.exposure import PERSONS_PER_SHED, ExposureModel
from sim.damage.falling_objects import OBJECT_TYPES, FallingObjectHazard
from sim.damage.items import ITEM_KINDS, draw_items
from sim.networks.generate import generate_city_networks
from sim.networks.spec import city_network_spec, discretisation_units
from sim.scenario.schema import FULL_SCALE_RESOLUTION, NetworksConfig

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_DATA = ROOT / "scenarios" / "data" / "example-city"
SHANGHAI_DATA = ROOT / "scenarios" / "data" / "shanghai"


@cache
def _city(path: Path):
    return load_city(path)


def _hand_counts(city, r: float) -> dict[str, np.ndarray]:
    """Discretisation nodes per district, from districts.csv and city.yaml by the generator's
    documented rules (sim/networks/generate.py docstring; NetworkSpec defaults)."""
    d = city.districts
    pop = d["population"].to_numpy(float)
    area = d["area_km2"].to_numpy(float)
    hh = pop / city.profile.persons_per_household
    urban = np.minimum(area, pop / 10_000.0)
    pipe_km = city.profile.network_statistics["drainage_pipe_km"] * urban / urban.sum()
    junctions = np.maximum(np.round(hh / 1000.0), np.round(area / 1.0))
    urban_km = city.profile.network_statistics["urban_road_km"] * pop / pop.sum()
    road_km = urban_km + 1.5 * (area - urban)  # rural roads 1.5 km/km² (NetworkSpec)
    return {
        "roads:intersection": np.maximum(3, np.round((road_km / 2.0) ** 2 / area * min(r, 1))),
        "power:distribution_transformer_10kv": np.maximum(1, np.round(hh / 250.0 * r)),
        "water:mains_junction": np.maximum(1, np.round(junctions * r)),
        "drainage:catchment_pipe_node": np.maximum(1, np.round(pipe_km / 0.5 * r)),
    }


@pytest.mark.parametrize("resolution", [1.0, 4.0, FULL_SCALE_RESOLUTION])
def test_discretisation_nodes_per_district_follow_the_statistics(resolution):
    city = _city(EXAMPLE_DATA)
    spec = city_network_spec(city, resolution=resolution)
    net = generate_city_networks(city, spec, np.random.default_rng(3))
    counts = net.meta["district_counts"]
    for column, want in _hand_counts(city, resolution).items():
        assert counts[column].tolist() == want.astype(int).tolist(), column
    # stations and sources do not scale with the resolution
    assert counts["drainage:drainage_pumping_station_municipal"].sum() == 8  # city.yaml
    assert counts["water:water_plant"].sum() == 5  # 3 plants, at least one per district


def test_full_scale_gives_a_million_infrastructure_assets_for_the_first_city():
    city = _city(SHANGHAI_DATA)
    hand = _hand_counts(city, FULL_SCALE_RESOLUTION)
    nodes = sum(int(v.sum()) for v in hand.values())
    # 686,093 feeder nodes + 194,880 junctions + 265,632 sewer nodes + 4,978 intersections (+
    # 500 underpasses, stations and sources: 1,154,160 generated, benchmarks/asset_scaling.py)
    assert nodes == 686_093 + 194_880 + 265_632 + 4_978
    assert nodes > 1_000_000
    units = discretisation_units(city_network_spec(city, resolution=FULL_SCALE_RESOLUTION))
    assert units["sewer_m_per_drainage_node"] == pytest.approx(31.25)  # 500 m / 16
    assert units["households_per_10kv_node"] == pytest.approx(250 / 16)


def test_the_resolution_cap_is_the_full_scale_setting():
    assert NetworksConfig(resolution=FULL_SCALE_RESOLUTION).resolution == 16.0
    with pytest.raises(ValueError, match="less than or equal to 16"):
        NetworksConfig(resolution=16.5)


def test_the_road_mesh_keeps_the_city_road_length_above_resolution_1():
    """Refining the Gabriel mesh beyond its statistic would lengthen the roads by sqrt(r)."""
    city = _city(EXAMPLE_DATA)
    lengths = {}
    for r in (0.5, 1.0, 4.0):
        net = generate_city_networks(
            city, city_network_spec(city, resolution=r), np.random.default_rng(5)
        )
        lengths[r] = net.layers["roads"].edges["length_m"].sum() / 1000.0
    assert lengths[4.0] == pytest.approx(lengths[1.0], rel=0.02)  # same mesh size, new draw
    assert lengths[0.5] < 0.8 * lengths[1.0]  # below 1 the mesh is coarser (as before)


# --------------------------------------------------------------------------------------------
# exposure as individual items (sim.damage.items)
# --------------------------------------------------------------------------------------------


def _items(seed: int, city=None):
    city = city or _city(EXAMPLE_DATA)
    return draw_items(city, 2019, np.random.default_rng(seed), PERSONS_PER_SHED)


def test_same_seed_same_items_and_another_seed_other_items():
    a, b, c = _items(7), _items(7), _items(8)
    for f in ("kind", "district", "site", "age_years", "capacity"):
        assert np.array_equal(getattr(a, f), getattr(b, f)), f
    assert np.array_equal(a.site_xy, b.site_xy)
    assert np.array_equal(a.counts(5), c.counts(5))  # counts are the inventory's, not drawn
    assert not np.array_equal(a.capacity, c.capacity)
    assert not np.array_equal(a.site_xy, c.site_xy)


def test_items_per_district_equal_the_inventory():
    city = _city(EXAMPLE_DATA)
    ex = city.exposure
    it = _items(1, city)
    counts = it.counts(city.n_districts)
    col = {k: counts[:, i] for i, k in enumerate(ITEM_KINDS)}
    assert col["shop_signboard"].tolist() == ex["shop_signboards"].astype(int).tolist()
    assert col["advertising_structure"].tolist() == ex["advertising_structures"].tolist()
    assert (
        col["glass_curtain_wall_panel"].tolist()
        == (20 * ex["glass_curtain_wall_buildings"]).tolist()
    )  # 20 panels per building (OBJECT_TYPES)
    assert (
        col["external_insulation_patch"].tolist()
        == (200 * ex["external_insulation_estates"]).tolist()
    )
    sheds = np.ceil(ex["shed_dwellers_persons"].to_numpy() / PERSONS_PER_SHED)
    assert col["sheds"].tolist() == sheds.astype(int).tolist()
    # the panels of one building share its site: as many sites as buildings per district
    k = ITEM_KINDS.index("glass_curtain_wall_panel")
    for d in range(city.n_districts):
        sites = np.unique(it.site[(it.kind == k) & (it.district == d)])
        assert sites.size == ex["glass_curtain_wall_buildings"][d]
    # every site lies in its items' district; old housing keeps its floor area to a building
    where = city.locate(it.site_xy[it.site, 0], it.site_xy[it.site, 1])
    assert np.array_equal(where, it.district)
    old = it.old_housing
    area = np.bincount(old.district, weights=old.floor_area_m2, minlength=city.n_districts)
    assert np.all(np.abs(area - ex["old_housing_m2"].to_numpy()) <= 1000.0)
    assert old.age_years.min() >= 2019 - 1996 and old.age_years.max() <= 2019 - 1950


def test_item_capacities_and_counted_form_agree_in_expectation():
    """Counted: count x Phi(ln(g/theta)/beta) per district and type; items: capacities
    theta exp(beta z) compared with the same peak gust. Shanghai's 743,455 items."""
    city = _city(SHANGHAI_DATA)
    it = _items(11, city)
    counted = FallingObjectHazard.from_city(city, OBJECT_TYPES)
    for gust in (25.0, 32.0, 40.0):
        new = it.update(np.full(len(it.site_xy), gust), city.n_districts)
        it.failed[:] = False
        expect = counted.expected_falls(np.full(city.n_districts, gust)).sum(axis=0)
        for j, t in enumerate(OBJECT_TYPES):
            if t.name not in ITEM_KINDS:
                continue
            n = counted.counts[:, j].sum()
            got = new[:, ITEM_KINDS.index(t.name)].sum()
            p = expect[j] / n
            sd = np.sqrt(n * p * (1 - p)) + 1e-9
            assert abs(got - expect[j]) <= 4 * sd + 1, (t.name, gust, got, expect[j])


class _UniformGust:
    def __init__(self, gust):
        self.gust = gust

    def provides(self, im):
        return im == "gust_ms"

    def at(self, im, x, y):
        return np.full(np.shape(x), self.gust)


def test_exposure_model_fails_items_by_their_capacity_at_full_scale():
    city = _city(EXAMPLE_DATA)
    model = ExposureModel(city, RandomStreams(3), items_year=2019)
    again = ExposureModel(city, RandomStreams(3), items_year=2019)
    assert np.array_equal(model.item_exposure.capacity, again.item_exposure.capacity)
    it = model.item_exposure

    class Ctx:
        def utc(self):
            return np.datetime64("2019-08-10T06:00")

        losses = type("L", (), {"add": staticmethod(lambda *a: None)})()

        def log_event(self, *a, **k):
            pass

        def book_casualties(self, *a, **k):
            pass

    shape = model.sample_shape
    zero = lambda key: np.zeros(shape[0])  # noqa: E731  (everyone relocated)
    model.apply_wind(Ctx(), np.full(shape, 35.0), 0, zero, _UniformGust(35.0))
    k = k_sign = ITEM_KINDS.index("shop_signboard")
    want = int((it.capacity[it.kind == k] <= 35.0).sum())
    assert model.failed("shop_signboard") == want > 0
    k = ITEM_KINDS.index("sheds")
    assert model.failed("sheds") == int((it.capacity[it.kind == k] <= 35.0).sum())
    # casualties are placed at the sites of the items that failed, in their district
    signs = it.last_hit[it.kind[it.last_hit] == k_sign]
    d = int(np.bincount(it.district[signs]).argmax())
    groups = np.zeros(shape[0], np.int64)
    groups[d] = 5
    placed = model._incidents_at("falling_object_injury", groups, groups, ("shop_signboard",))
    where = {tuple(p) for p in it.site_xy[it.site[signs[it.district[signs] == d]]]}
    assert len(placed) == 5 and all((c.x_m, c.y_m) in where for c in placed)
    # the counted form is untouched without items_year (today's default resolution)
    assert ExposureModel(city, RandomStreams(3)).item_exposure is None


def test_the_model_draws_items_only_at_the_full_scale_setting():
    from sim.models.emergency import CityModel
    from sim.scenario import load_scenario

    example = ROOT / "scenarios" / "example-city" / "typhoon.yaml"
    short = ["time.duration_h=1"]
    top = f"networks.resolution={FULL_SCALE_RESOLUTION}"
    full = CityModel(load_scenario(example, [*short, top]))
    items = full.exposure.item_exposure
    assert items is not None and items.n_items > 0
    # ages counted to the scenario's year; old housing built 1950-1996 (exposure_totals.csv)
    year = full.config.time.start_utc.year
    assert items.old_housing.age_years.max() <= year - 1950
    assert CityModel(load_scenario(example, short)).exposure.item_exposure is None
