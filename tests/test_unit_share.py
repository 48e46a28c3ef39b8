"""Fragility of finer discretisations: a node standing for a share of the unit a curve was
calibrated on fails with P = 1 - (1 - P1)^share (sim.damage.fragility.share_of_unit), so
faults do not multiply with the resolution (issue 18)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm

from sim.damage.fragility import sample_capacity, share_of_unit
from sim.networks.spec import DIVISIBLE_TYPES

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("share", [1 / 16, 0.25, 0.5])
def test_a_part_fails_as_a_series_share_of_the_unit(share):
    theta, beta, n = 30.0, 0.3, 400_000
    cap = sample_capacity(theta, beta, np.random.default_rng(7), n, share=share)
    for im in (22.0, 30.0, 40.0):
        p1 = norm.cdf(np.log(im / theta) / beta)
        want = 1.0 - (1.0 - p1) ** share
        got = float((cap <= im).mean())
        assert got == pytest.approx(want, abs=4 * np.sqrt(want * (1 - want) / n) + 1e-4)


def test_share_one_leaves_the_draws_untouched_and_order_is_kept():
    z = np.random.default_rng(3).standard_normal(1000)
    assert share_of_unit(z, 1.0) is z
    zp = share_of_unit(z, 0.25)
    assert np.array_equal(np.argsort(zp), np.argsort(z)) and np.all(zp > z)
    mixed = share_of_unit(z, np.where(np.arange(1000) % 2 == 0, 1.0, 0.25))
    assert np.array_equal(mixed[::2], z[::2]) and np.array_equal(mixed[1::2], zp[1::2])


def test_divisible_nodes_above_resolution_1_stand_for_a_share_of_a_unit():
    from sim.models.emergency import CityModel
    from sim.scenario.loader import load_scenario

    scenario = load_scenario(
        ROOT / "scenarios/example-city/typhoon.yaml", ["networks.resolution=4"]
    )
    infra = CityModel(scenario).infra
    for layer in infra.layers.values():
        share = np.broadcast_to(infra._unit_share(layer), (layer.n_nodes,))
        types = np.asarray(layer.asset_types)[layer.nodes["asset_type"]]
        divisible = np.isin(types, DIVISIBLE_TYPES)
        assert np.all(share[divisible] == 0.25) and np.all(share[~divisible] == 1.0)
