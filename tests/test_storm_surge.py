"""Storm surge / coastal flooding (sim.hazards.storm_surge): physics by hand, and a run."""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.city import load_city
from sim.core.streams import RandomStreams
from sim.hazards.base import HazardContext
from sim.hazards.storm_surge import (
    GRID_STEP_H,
    StormSurge,
    build_storm_surge,
    overflow_m2_s,
    parametric_surge_m,
    point_segment_distance_m,
    tide_level_m,
)
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SURGE = ROOT / "scenarios" / "shanghai" / "storm-surge.yaml"


@functools.cache
def shanghai():
    return load_city(ROOT / "scenarios/data/shanghai")


def context(scen=None) -> HazardContext:
    return HazardContext(
        config=scen,
        city=shanghai(),
        streams=RandomStreams(0),
        start_utc_s=0.0 if scen is None else scen.time.start_utc.timestamp(),
        dt_h=0.25,
        sample_xy=(np.zeros(3), np.zeros(3)),
    )


def one_wall(crest_m=5.0, ground_m=3.0) -> pd.DataFrame:
    """A 10 km wall along 31.2°N near 121.5°E."""
    return pd.DataFrame(
        {
            "segment": ["wall"],
            "kind": ["floodwall"],
            "lon1": [121.45],
            "lat1": [31.2],
            "lon2": [121.55],
            "lat2": [31.2],
            "crest_m": [crest_m],
            "ground_m": [ground_m],
            "level_offset_m": [0.0],
        }
    )


def test_tide_and_parametric_surge_by_hand():
    # cosine tide through HW 3.64 m, range 3 m: HW at t_HW, LW half a period later
    assert tide_level_m(5.0, 5.0, 3.64, 3.0) == pytest.approx(3.64)
    assert tide_level_m(5.0 + 6.21, 5.0, 3.64, 3.0) == pytest.approx(0.64)
    # dp 50 hPa: 5000 Pa / (1025 * 9.81) = 0.49726 m; U 30 m/s: Cd = (0.8 + 1.95)e-3,
    # tau = 1.225 * 2.75e-3 * 900 = 3.03188 Pa; setup = 3.03188 * 1e5 / (1025*9.81*20) = 1.50761
    assert parametric_surge_m(50.0, 30.0, 100.0, 20.0) == pytest.approx(0.49726 + 1.50761, 1e-4)
    assert parametric_surge_m(50.0, 30.0, 100.0, 20.0, 0.0) == pytest.approx(0.49726, 1e-4)


def test_no_flooding_while_the_level_stays_below_the_crest():
    t = np.arange(0, 48, GRID_STEP_H)
    tide = tide_level_m(t, 12.0, 3.64, 3.0)
    surge = 1.3 * np.exp(-(((t - 12.0) / 6.0) ** 2))  # peak level 4.94 m < crest 5.0 m
    hz = StormSurge(one_wall(crest_m=5.0), t, surge, tide, context())
    assert hz.level_m.max() < 5.0
    assert hz.overflow.max() == 0.0 and hz.storage.max() == 0.0
    assert not any(hz.active(h) for h in t)
    x, y = shanghai().to_xy(np.array([121.5]), np.array([31.201]))
    assert hz.at("flood_depth_m", 12.0, x, y).tolist() == [0.0]


def test_overflow_storage_and_depth_by_hand():
    # Level 0.25 m above the crest for 2 h (24 steps of 5 min), dry before.
    t = np.arange(0, 30.0, GRID_STEP_H)
    level = np.where((t > 0) & (t <= 2.0 + 1e-9), 5.25, 4.0)
    hz = StormSurge(
        one_wall(), t, level, np.zeros_like(t), context(), 1000.0, 12.0, min_depth_m=0.01
    )
    q = 0.54 * math.sqrt(9.81 * 0.25**3)  # 0.211417 m²/s
    assert overflow_m2_s(5.25, 5.0) == pytest.approx(q)
    # linear reservoir fed at q for 2 h: V = q Tr (1 - exp(-2/12)) = 0.211417*43200*0.153518
    v2 = q * 12 * 3600 * (1 - math.exp(-2.0 / 12.0))
    assert v2 == pytest.approx(1402.11, abs=0.01)
    assert hz.storage[24, 0] == pytest.approx(v2, rel=1e-9)
    # 500 m inland of the wall's middle: depth = V/L exp(-x/L) = 1.40211 * 0.606531 = 0.85042
    x, y = shanghai().to_xy(121.5, 31.2)
    y_in = float(y) + 500.0
    d = float(np.asarray(point_segment_distance_m([float(x)], [y_in], *hz_xy(hz)))[0, 0])
    assert d == pytest.approx(500.0, abs=2.0)  # a parallel is slightly tilted in UTM
    depth = hz.at("flood_depth_m", 2.0, np.array([float(x)]), np.array([y_in]))[0]
    assert depth == pytest.approx(v2 / 1000.0 * math.exp(-d / 1000.0), rel=1e-6)
    assert depth == pytest.approx(0.8504, abs=0.002)
    # at the wall the depth is capped by the highest level above the ground: 5.25 - 3 = 2.25
    assert hz.cap_m[24, 0] == pytest.approx(2.25)
    # after the overflow stops the store drains: 12 h later it holds e^-1 of its volume
    assert hz.storage[24 + 144, 0] == pytest.approx(v2 * math.exp(-1.0), rel=1e-9)


def hz_xy(hz):
    return hz.x1, hz.y1, hz.x2, hz.y2


def test_depth_increases_with_the_surge():
    scen = load_scenario(SURGE)
    ctx = context(scen)
    block = scen.hazard.storm_surge
    x, y = shanghai().to_xy(np.array([121.485, 121.47, 121.45]), np.array([31.235, 31.23, 31.22]))
    peaks = []
    for scale in (0.8, 0.9, 1.0, 1.1):
        points = [p.model_copy(update={"surge_m": p.surge_m * scale}) for p in block.hydrograph]
        hz = build_storm_surge(block.model_copy(update={"hydrograph": points}), ctx)
        times = np.arange(0.0, 48.0, 0.5)
        peaks.append(np.max([hz.at("flood_depth_m", t, x, y) for t in times], axis=0))
    peaks = np.array(peaks)
    assert (peaks[0] == 0).all()  # 0.8 x the surge stays below every crest
    assert (np.diff(peaks, axis=0) >= 0).all() and (peaks[-1] > peaks[1]).all()


def test_surge_scenario_floods_only_near_the_walls():
    from sim.models.emergency import CityModel

    scen = load_scenario(SURGE, ["networks.resolution=0.1", "time.duration_h=30"])
    model = CityModel(scen)
    hz = model.hazards.get("storm_surge")
    model.run()
    ev = model.events.to_frame()
    damage = ev[ev["kind"] == "damage"]
    assert len(damage) > 0
    reach_m = hz.length_m * math.log(hz.storage.max() / (hz.length_m * hz.min_depth_m))
    for layer, rows in damage.groupby("layer", observed=True):
        nd = model.infra.layers[layer].nodes
        idx = rows["asset"].to_numpy()
        dist = point_segment_distance_m(nd["x_m"][idx], nd["y_m"][idx], *hz_xy(hz)).min(axis=1)
        assert (dist <= reach_m).all(), layer  # every flooded asset is near a wall
    # and assets far inland stayed dry: none beyond the reach failed
    for layer, susceptible in model.infra.susceptible.items():
        idx = susceptible.get("flood_depth_m", np.array([], dtype=int))
        nd = model.infra.layers[layer].nodes
        far = idx[point_segment_distance_m(nd["x_m"][idx], nd["y_m"][idx], *hz_xy(hz)).min(
            axis=1) > reach_m]  # fmt: skip
        assert not model.infra.damaged[layer][far].any()
    assert model.infra.trees_down == 0  # no wind: a surge without a typhoon block
    assert model.infra.waterlogged_road_points > 0
    assert model.warning_centre.issued[0][1] == "storm_surge"


def test_parametric_surge_from_the_scenarios_typhoon():
    from sim.scenario.blocks.storm_surge import StormSurgeConfig

    lekima = load_scenario(ROOT / "scenarios" / "shanghai" / "lekima-2019.yaml")
    data = ROOT / "scenarios" / "data" / "shanghai"
    block = StormSurgeConfig.model_validate(
        {
            "defences_file": data / "seawall.csv",
            "tide_file": data / "tide_levels.csv",
            "tide": {"high_water_utc": "2019-08-10T12:00:00Z"},
            "from_typhoon": {"gauge": {"lon": 121.505, "lat": 31.39}},
        }
    )
    hz = build_storm_surge(block, context(lekima))
    tide = tide_level_m(hz.times_h, context(lekima).hours(block.tide.high_water_utc), 3.64, 3.0)
    surge = hz.level_m[:, 0] - tide  # segment 0 has no level offset
    # Lekima passed west of Shanghai: a surge of decimetres to about a metre, never negative
    assert surge.min() >= 0.0 and 0.2 < surge.max() < 2.0
    with pytest.raises(ValueError, match="exactly one of hydrograph or from_typhoon"):
        StormSurgeConfig.model_validate(
            block.model_dump()
            | {
                "hydrograph": [
                    {"at_utc": "2019-08-10T00:00:00Z", "surge_m": 1},
                    {"at_utc": "2019-08-10T06:00:00Z", "surge_m": 0},
                ]
            }
        )
