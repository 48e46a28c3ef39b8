"""Component random streams: one independent generator per name, whatever else runs.

The Net3-in-Pudong case is the acceptance check of stream isolation: replacing one
district's water network by an imported EPANET net changes the water layer (its size and
so its capacity draws), and nothing else drawn before the logistics reacts may move.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.streams import RandomStreams, stream_key
from sim.models.emergency import CityModel
from sim.scenario import load_scenario


def test_a_stream_depends_only_on_seed_and_name():
    a, b = RandomStreams(7), RandomStreams(7)
    b["other"].normal(size=1000)  # another component draws first, and much
    assert np.array_equal(a["capacity.power.wind"].random(5), b["capacity.power.wind"].random(5))
    assert not np.array_equal(RandomStreams(8)["x"].random(5), RandomStreams(7)["x"].random(5))
    assert not np.array_equal(a["x"].random(5), a["y"].random(5))


def test_asking_twice_continues_the_stream():
    s = RandomStreams(1)
    first = s["logistics"].random(3)
    again = s["logistics"].random(3)
    fresh = RandomStreams(1)["logistics"].random(6)
    assert np.array_equal(np.concatenate([first, again]), fresh)
    assert s.names == ["logistics"]


def test_stream_key_is_stable_across_processes():
    # BLAKE2b of the UTF-8 name, two little-endian 32-bit words: a fixed value, not hash()
    assert stream_key("trees") == stream_key("trees")
    assert stream_key("trees") != stream_key("tree")
    assert all(0 <= w < 2**32 for w in stream_key("capacity.water.flood"))


def test_a_generator_seed_is_accepted_and_bad_seeds_are_refused():
    s = RandomStreams(np.random.default_rng(3))
    assert s.seed == RandomStreams(np.random.default_rng(3)).seed
    with pytest.raises(ValueError, match="non-negative"):
        RandomStreams(-1)
    with pytest.raises(TypeError, match="int or a numpy Generator"):
        RandomStreams("7")


def _run(name: str):
    scen = load_scenario(f"scenarios/shanghai/{name}.yaml", ["networks.resolution=0.3"])
    model = CityModel(scen)
    model.run()
    ev = model.events.to_frame()
    wind = ev[(ev.kind == "damage") & (ev.layer != "water")]
    cols = ["t_h", "district", "layer", "asset", "detail"]
    # layer as text: the categories hold only the layers that had events, and the variant
    # adds water events the base run lacks
    wind = wind[cols].astype({"layer": str}).reset_index(drop=True)
    return model, wind, ev[ev.kind == "road_blocked"][["t_h", "asset"]]


def test_net3_in_pudong_moves_no_other_component():
    base, base_damage, base_blocked = _run("lekima-2019")
    net3, net3_damage, net3_blocked = _run("lekima-pudong-net3")
    # the variant really differs where it should: Pudong's water layer
    assert net3.infra.layers["water"].n_nodes != base.infra.layers["water"].n_nodes
    assert net3.infra.trees_down == base.infra.trees_down > 0
    assert net3.exposure.failed("shop_signboard") == base.exposure.failed("shop_signboard")
    assert len(base_damage) > 100
    assert net3_damage.equals(base_damage)  # every non-water damage: same asset, same time
    assert net3_blocked.reset_index(drop=True).equals(base_blocked.reset_index(drop=True))


def test_fewer_people_in_sheds_moves_no_falling_object_draw():
    # Relocation decides how many occupants a collapsing shed traps; the falling objects
    # (signboards, billboards, ...) draw from their own stream and must not notice.
    def falls(overrides):
        scen = load_scenario(
            "scenarios/shanghai/lekima-2019.yaml", ["networks.resolution=0.3", *overrides]
        )
        model = CityModel(scen)
        model.run()
        ev = model.events.to_frame()
        return model, ev[ev.detail == "falling_objects"][["t_h", "district", "value"]]

    base, base_falls = falls([])
    none, none_falls = falls(["response.relocation.compliance.shed_dwellers_persons=0"])
    assert none.people_relocated < base.people_relocated  # the variant does differ
    assert len(base_falls) > 0
    assert none_falls.reset_index(drop=True).equals(base_falls.reset_index(drop=True))
