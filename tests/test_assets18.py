"""Issue 18, assets and exposure at 1:1: asset counts by resolution against the city statistics
they scale from (computed by hand here), the full-scale setting, and item-level exposure."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from sim.city import load_city
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
