"""Counted-exposure damage and the loss ledger."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest

from sim.core.ledger import LossLedger
from sim.damage.fragility import FragilityCurve
from sim.damage.impact import UNIT_COST_YUAN, CountedExposure, spread_counts

CURVE = FragilityCurve("test", theta=40.0, beta=0.3, im="gust_ms", damage_state="x", source="t")


def test_incremental_failures_follow_the_fragility_of_the_peak():
    # Peak 36 m/s reached in 12 uneven steps: the failed share must be Phi(ln(36/40)/0.3)
    # = Phi(-0.3512) = 0.3627, independent of the path (incremental conditional law).
    rng = np.random.default_rng(1)
    n = 200_000
    item = CountedExposure("x", CURVE, np.array([[n]]))
    for g in (5, 20, 18, 30, 29, 33, 36, 10, 35, 36, 36, 12):
        item.update(np.array([[g]], dtype=float), rng)
    p = float(CURVE.probability(np.array(36.0)))
    assert p == pytest.approx(0.3627, abs=1e-4)
    assert binomtest(item.failed_total, n, p).pvalue > 1e-3


def test_no_new_failures_without_a_new_peak():
    rng = np.random.default_rng(2)
    item = CountedExposure("x", CURVE, np.array([[1000, 1000]]))
    item.update(np.array([[30.0, 30.0]]), rng)
    before = item.failed_total
    out = item.update(np.array([[29.0, 10.0]]), rng)
    assert out.sum() == 0 and item.failed_total == before
    assert (item.standing >= 0).all() and (item.standing <= item.counts).all()


def test_spread_counts_conserves_totals():
    totals = np.array([0, 1, 23, 24, 25, 1_000_003])
    spread = spread_counts(totals, 24)
    assert spread.shape == (6, 24)
    assert (spread.sum(axis=1) == totals).all()
    assert spread.max(axis=1).tolist() == [0, 1, 1, 1, 2, 41_667]


def test_loss_ledger_scales_unit_costs():
    ledger = LossLedger({k: v[0] for k, v in UNIT_COST_YUAN.items()}, scale=2.0)
    assert ledger.add("tree_down", 10) == pytest.approx(2 * 10 * 3_000.0)
    assert ledger.add("tree_down", 0) == 0.0
    assert ledger.total_yuan == pytest.approx(60_000.0)
    assert ledger.counts["tree_down"] == 10
