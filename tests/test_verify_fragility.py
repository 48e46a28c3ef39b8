"""Tests for sim.studies.verify.fragility_check (sampled damage fractions vs the lognormal CDF)."""

import dataclasses

import numpy as np
import pytest

from sim.damage.fragility import FRAGILITY_LIBRARY, FragilityCurve
from sim.studies.verify.fragility_check import Z_LEVELS, check_curve, verify_fragility


def test_every_library_curve_passes_at_every_level():
    res = verify_fragility(np.random.default_rng(20))
    assert len(res) == len(FRAGILITY_LIBRARY) * len(Z_LEVELS)
    failed = [r.line() for r in res if not r.passed]
    assert not failed, failed
    names = {r.name for r in res}
    assert "fragility[eq_small_beam_thin_slab_complete]" in names


def test_theory_values_are_phi_of_z_levels():
    res = check_curve(FRAGILITY_LIBRARY["shop_signboard"], np.random.default_rng(0), 1000, 0.999)
    # IM = theta e^{beta z} -> Phi(z): Phi(-1.5)=0.0668072, Phi(0)=0.5, Phi(1.5)=0.9331928
    assert [r.theory for r in res] == pytest.approx(
        [0.0668072, 0.3085375, 0.5, 0.6914625, 0.9331928], abs=1e-6
    )


class _BiasedCurve(FragilityCurve):
    def sample_capacity(self, rng, size):  # 10% too strong: a wrong sampler
        return 1.1 * super().sample_capacity(rng, size)


def test_a_wrong_sampler_is_caught():
    c = FRAGILITY_LIBRARY["urban_tree"]
    bad = _BiasedCurve(**dataclasses.asdict(c))
    res = verify_fragility(np.random.default_rng(21), library={"bad": bad})
    assert sum(not r.passed for r in res) >= 3


def test_per_check_level_is_bonferroni_corrected_by_default():
    res = verify_fragility(
        np.random.default_rng(22), library={"a": FRAGILITY_LIBRARY["urban_tree"]}
    )
    assert "99.98000%" in res[0].detail  # 1 - 0.001 / 5
    res = verify_fragility(
        np.random.default_rng(22), library={"a": FRAGILITY_LIBRARY["urban_tree"]}, family_wise=False
    )
    assert "99.90000%" in res[0].detail
