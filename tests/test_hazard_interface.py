"""The hazard interface contract (sim.hazards.base), for every registered hazard.

Each registered hazard is built from a shipped scenario that has its block; at times inside
its window it returns finite, non-negative IMs shaped like the points (at asset-like points
and at the sample points); outside its window it is inactive and returns zeros.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.city import load_city
from sim.core.streams import RandomStreams
from sim.hazards.base import (
    HAZARDS,
    INTENSITY_MEASURES,
    HazardContext,
    IntensityField,
    discover,
    register_hazard,
)
from sim.scenario.hazard_blocks import block_names, warning_hazards
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios" / "shanghai").glob("*.yaml"))
CITY = load_city(ROOT / "scenarios" / "data" / "shanghai")
discover()


def scenario_with(name: str):
    """The first shipped emergency scenario with a ``hazard.<name>`` block."""
    for path in SCENARIOS:
        text = path.read_text(encoding="utf-8")
        if f"\n  {name}:" in text and "kind: long_run" not in text:
            return load_scenario(path)
    raise AssertionError(f"no shipped scenario has hazard.{name}: add one")


def context_for(scen) -> HazardContext:
    rng = np.random.default_rng(0)
    pts = np.concatenate([CITY.sample_points(d, 4, rng) for d in range(CITY.n_districts)])
    return HazardContext(
        config=scen,
        city=CITY,
        streams=RandomStreams(scen.seed),
        start_utc_s=scen.time.start_utc.timestamp(),
        dt_h=scen.time.physics_step_h,
        sample_xy=(pts[:, 0], pts[:, 1]),
    )


def built(name: str):
    scen = scenario_with(name)
    ctx = context_for(scen)
    return HAZARDS[name].build(scen.hazard.blocks()[name], ctx), ctx


def test_builtin_hazards_are_registered_with_blocks():
    assert list(HAZARDS)[:4] == ["typhoon", "rainstorm", "earthquake", "storm_surge"]
    assert set(HAZARDS) <= set(block_names())
    assert {"typhoon", "rainstorm", "storm_surge"} <= set(warning_hazards())
    for spec in HAZARDS.values():
        assert set(spec.ims) <= set(INTENSITY_MEASURES)


@pytest.mark.parametrize("name", ["typhoon", "rainstorm", "earthquake", "storm_surge"])
def test_registered_hazard_honours_the_contract(name):
    hz, ctx = built(name)
    assert hz.name == name and hz.ims
    start, end = hz.window_h()
    assert np.isfinite(start) and np.isfinite(end) and start <= end
    x = np.linspace(3.25e5, 3.95e5, 37)  # a west-east line across the city, UTM 51N
    y = np.full_like(x, 3.45e6)
    times = [start] if start == end else np.linspace(start, end, 9)
    for im in hz.ims:
        for t in times:
            for values, n in ((hz.at(im, t, x, y), x.size), (hz.at_samples(im, t), None)):
                values = np.asarray(values)
                assert values.shape == ((n,) if n else ctx.sample_xy[0].shape)
                assert np.isfinite(values).all() and (values >= 0).all()
        for t in (start - 1.0, end + 1.0):  # outside the window
            assert not hz.active(t)
            assert not np.asarray(hz.at(im, t, x, y)).any()
    with pytest.raises(KeyError):
        hz.at("no_such_im", start, x, y)


def test_hazards_with_fields_have_signal_inside_their_window():
    # Not all zero: the contract would hold for a hazard that never does anything.
    for name, im in (("typhoon", "gust_ms"), ("rainstorm", "rain_mm_per_h")):
        hz, _ = built(name)
        start, end = hz.window_h()
        peak = max(hz.at_samples(im, t).max() for t in np.linspace(start, end, 25))
        assert peak > 1.0
    hz, _ = built("earthquake")
    assert hz.at_samples("pga_g", hz.window_h()[0]).min() > 0.0


def test_field_combines_contributions_by_the_ims_rule():
    class Const:
        instant = False
        name = "const"

        def __init__(self, v):
            self.v, self.ims = v, ("rain_mm_per_h", "gust_ms")

        def at(self, im, t_h, x, y):
            return np.full(np.shape(x), self.v)

        def at_samples(self, im, t_h):
            return np.full(3, self.v)

    f = IntensityField([Const(2.0), Const(5.0)], 0.0)
    x = np.zeros(4)
    assert f.at("rain_mm_per_h", x, x).tolist() == [7.0] * 4  # rain adds
    assert f.at("gust_ms", x, x).tolist() == [5.0] * 4  # wind: the stronger
    assert f.at("pga_g", x, x).tolist() == [0.0] * 4 and not f.provides("pga_g")
    assert f.at_samples("rain_mm_per_h", (3,)).tolist() == [7.0] * 3


def test_registering_a_hazard_with_an_unknown_im_fails():
    with pytest.raises(ValueError, match="unregistered intensity measures"):
        register_hazard("bad", lambda cfg, ctx: None, ("no_such_im",))
    assert "bad" not in HAZARDS
