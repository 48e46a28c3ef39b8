"""One burst -> cavity -> collapse sampler for both clocks: the whole-window run
(:meth:`PipelineAgeingModel.run`) and the long run's year stepper (:class:`PipelineYearStepper`)
draw each year with :meth:`PipelineAgeingModel.sample_year`, so with the same generator they
produce the same events, event for event."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.city import load_city
from sim.risk.pipeline import (
    EVENT_KINDS,
    PipelineAgeingModel,
    PipelineParams,
    burst_times,
    city_pipeline_model,
    generate_pipe_network,
)
from sim.risk.pipeline_year import CavityShock, PipelineYearStepper

ROOT = Path(__file__).resolve().parents[1]


def _stepped(model, start, years, rng, coverage=None, **kw):
    stepper = PipelineYearStepper(model)
    out = []
    for i in range(years):
        cov = None if coverage is None else coverage[i]
        out.append(stepper.step(start + i, rng, coverage=cov, **kw))
    return stepper, out


def _assert_same(years, ref):
    np.testing.assert_array_equal(np.concatenate([y.t_yr for y in years]), ref.time_yr)
    np.testing.assert_array_equal(np.concatenate([y.kind for y in years]), ref.kind)
    np.testing.assert_array_equal(np.concatenate([y.segment for y in years]), ref.segment)


def test_year_stepper_over_n_years_equals_the_whole_window_run_with_yearly_coverage():
    model = city_pipeline_model(
        load_city(ROOT / "scenarios/data/shanghai"), np.random.default_rng(3)
    )
    d = model.network.n_districts
    # screening that changes by year and district exercises the coverage path of both
    cov = np.linspace(0.05, 0.9, 6 * d).reshape(6, d)
    ref = model.run(2005, 6, np.random.default_rng(21), screening_coverage=cov)
    stepper, years = _stepped(model, 2005, 6, np.random.default_rng(21), coverage=cov)
    _assert_same(years, ref)
    np.testing.assert_array_equal(stepper.open_by_district(), ref.latent_cavities_by_year[-1])
    assert ref.count("road_collapse") > 0 and ref.count("cavity_detected") > 0


def test_shocks_on_their_own_stream_leave_every_chain_draw_unchanged():
    # Zero-sensitivity shocks draw from shock_rng only: the chain's events stay those of run.
    net = generate_pipe_network([500.0, 300.0], [60.0, 40.0], np.random.default_rng(1))
    model = PipelineAgeingModel(net, [20.0, 5.0], PipelineParams(p_cavity_per_burst=0.3))
    ref = model.run(2000, 5, np.random.default_rng(8))
    shocks = [CavityShock(2000.0 + i + 0.5, 50.0, 0.0) for i in range(5)]
    _, years = _stepped(
        model, 2000, 5, np.random.default_rng(8), shocks=shocks, shock_rng=np.random.default_rng(9)
    )
    _assert_same(years, ref)
    assert all((y.shock_intensity == 0).all() for y in years)


def test_events_of_a_year_conserve_cavities():
    # every cavity born or carried in either ends inside the year or stays open
    net = generate_pipe_network([800.0], [90.0], np.random.default_rng(4))
    model = PipelineAgeingModel(net, [0.0], PipelineParams(p_cavity_per_burst=0.5))
    rng = np.random.default_rng(6)
    open_seg, open_t = np.zeros(0, np.int64), np.zeros(0)
    cov = np.array([0.3])
    for y in range(2000, 2004):
        chain = model.sample_year(y, rng, cov, open_seg, open_t)
        _, kind, _, _ = chain.events()
        born = int(np.sum(kind == EVENT_KINDS.index("cavity")))
        ended = int(np.sum(np.isin(kind, [EVENT_KINDS.index("road_collapse"),
                                          EVENT_KINDS.index("cavity_detected")])))  # fmt: skip
        carried = open_seg.size
        open_seg, open_t = chain.survivors()
        assert carried + born == ended + open_seg.size
        assert (open_t == y + 1.0).all()


def test_burst_times_follow_the_exponential_in_time_density():
    # A = 0: uniform on [lo, 1]; A > 0: the inverse CDF of exp(A tau) on [0, 1] maps u = 0.5
    # to ln((1 + e^A) / 2) / A (the median)
    u = np.array([0.0, 0.5])
    np.testing.assert_allclose(burst_times(np.zeros(2), np.array([0.2, 0.2]), u), [0.2, 0.6])
    a = 0.8
    tau = burst_times(np.full(2, a), np.zeros(2), u)
    assert tau[0] == 0.0
    assert tau[1] == pytest.approx(np.log((1 + np.exp(a)) / 2) / a, rel=1e-12)
