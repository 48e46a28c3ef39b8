"""The dispatcher as an M/M/c queue must reproduce Erlang's C formula."""

import numpy as np
import pytest

from sim.response.queueing import UnstableQueueError, erlang_c, simulate_mmc


def test_erlang_c_matches_hand_computed_value():
    # c=5, a=lam/mu=4: a^5/5! * 5/(5-4) = 8.5333 * 5 = 42.667;
    # sum_{k<5} 4^k/k! = 1 + 4 + 8 + 10.667 + 10.667 = 34.333;
    # P(wait) = 42.667 / (34.333 + 42.667) = 0.55411; Wq = P / (c mu - lam) = 0.55411 h.
    p_wait, wq = erlang_c(5, 4.0, 1.0)
    assert p_wait == pytest.approx(0.5541, abs=1e-4)
    assert wq == pytest.approx(0.5541, abs=1e-4)
    assert p_wait == pytest.approx((1024 / 120 * 5) / (1 + 4 + 8 + 64 / 6 + 256 / 24 + 1024 / 24))


@pytest.mark.parametrize(("lam", "mu"), [(0.3, 1.0), (0.7, 1.0), (2.0, 2.5)])
def test_erlang_c_with_one_server_is_mm1(lam, mu):
    rho = lam / mu
    p_wait, wq = erlang_c(1, lam, mu)
    assert p_wait == pytest.approx(rho)
    assert wq == pytest.approx(rho / (mu - lam))


def test_erlang_c_is_stable_for_many_servers():
    # Large c through the Erlang B recursion: no overflow, probability in (0, 1).
    p_wait, wq = erlang_c(500, 480.0, 1.0)
    assert 0.0 < p_wait < 1.0 and wq > 0.0


def test_unstable_or_invalid_queue_raises():
    with pytest.raises(UnstableQueueError):
        erlang_c(2, 2.0, 1.0)
    with pytest.raises(UnstableQueueError):
        erlang_c(0, 0.5, 1.0)
    with pytest.raises(UnstableQueueError):
        simulate_mmc(1, 1.0, 1.0, 100, np.random.default_rng(0))


def test_simulated_mmc_through_dispatcher_matches_erlang_c():
    # rho = 0.8. 8,000 customers keep the run to a few seconds; batch-means 99.9 % intervals.
    res = simulate_mmc(5, 4.0, 1.0, 8_000, np.random.default_rng(2024), warmup=800)
    p_wait, wq = erlang_c(5, 4.0, 1.0)
    assert res.p_wait_ci[0] <= p_wait <= res.p_wait_ci[1]
    assert res.wq_ci[0] <= wq <= res.wq_ci[1]
    # The intervals are tight enough to reject c = 6 servers (P(wait) = 0.2848, Wq = 0.142 h);
    # c = 4 would be unstable.
    assert res.p_wait_ci[1] - res.p_wait_ci[0] < 0.25
    assert res.wq_ci[1] - res.wq_ci[0] < 0.8


def test_simulated_single_server_matches_mm1():
    # M/M/1 with rho = 0.5: P(wait) = 0.5, Wq = rho / (mu - lam) = 1 h.
    res = simulate_mmc(1, 0.5, 1.0, 3_000, np.random.default_rng(11), warmup=300)
    assert res.p_wait_ci[0] <= 0.5 <= res.p_wait_ci[1]
    assert res.wq_ci[0] <= 1.0 <= res.wq_ci[1]
    assert res.p_wait_ci[1] - res.p_wait_ci[0] < 0.15
