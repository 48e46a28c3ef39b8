"""Tests for sim.hazards.waterlogging and sim.hazards.design_storm."""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.city.profile import load_profile
from sim.hazards.design_storm import (
    chicago_hyetograph_mm_per_h,
    intensity_mm_per_h,
    q_l_per_s_ha,
)
from sim.hazards.waterlogging import (
    UNDERPASS_CLOSURE_DEPTH_M,
    Waterlogging,
    road_speed_factor,
)

IDF = load_profile(Path(__file__).parents[1] / "scenarios/data/shanghai").rainfall_idf
LEGACY_1YR_MM_PER_H = 36.0  # Shanghai legacy 1-yr design intensity (facts.md §4)


def _central(n=3, **kw):
    return Waterlogging.from_design_intensity(np.full(n, 50.0), LEGACY_1YR_MM_PER_H, 0.8, **kw)


@settings(max_examples=60, deadline=None)
@given(
    rain=st.lists(st.floats(0, 150), min_size=1, max_size=40),
    pumps=st.lists(st.floats(0, 1), min_size=1, max_size=40),
    dt=st.floats(0.05, 2.0),
    s0=st.floats(0, 50),
)
def test_mass_balance_rain_equals_storage_change_plus_drained_plus_losses(rain, pumps, dt, s0):
    wl = _central(2, initial_storage_mm=s0, pump_dependent_fraction=[1.0, 0.6])
    for k, r in enumerate(rain):
        wl.step(np.array([r, 0.5 * r]), pumps[k % len(pumps)], dt)
        assert np.all(wl.storage_mm >= 0)
    np.testing.assert_allclose(wl.mass_balance_error_mm(), 0.0, atol=1e-9)


def test_zero_rain_drains_storage_to_zero_at_capacity_rate():
    wl = _central(1, initial_storage_mm=28.8)  # capacity 0.8 * 36 = 28.8 mm/h
    wl.step(0.0, 1.0, 0.5)
    assert wl.storage_mm[0] == pytest.approx(14.4)  # half drained after 0.5 h
    wl.step(0.0, 1.0, 0.75)
    assert wl.storage_mm[0] == 0.0 and wl.road_depth_m[0] == 0.0
    assert wl.cumulative_drained_mm[0] == pytest.approx(28.8)


def test_rain_below_design_intensity_does_not_pond():
    wl = _central(1)
    for _ in range(10):
        wl.step(35.0, 1.0, 0.5)  # 35 < 36 mm/h design
    assert wl.storage_mm[0] == 0.0


def test_pump_failure_deepens_ponding():
    full, half, none = _central(1), _central(1), _central(1)
    for _ in range(4):
        full.step(50.0, 1.0, 0.25)
        half.step(50.0, 0.5, 0.25)
        none.step(50.0, 0.0, 0.25)
    # 1 h of 50 mm/h, C = 0.8 -> runoff 40 mm; outflow 28.8 / 14.4 / 0 mm -> 11.2 / 25.6 / 40 mm
    np.testing.assert_allclose(
        [full.storage_mm[0], half.storage_mm[0], none.storage_mm[0]], [11.2, 25.6, 40.0]
    )
    assert full.road_depth_m[0] < half.road_depth_m[0] < none.road_depth_m[0]


def test_gravity_share_keeps_draining_without_pumps():
    wl = _central(1, pump_dependent_fraction=0.25, initial_storage_mm=10.0)
    wl.step(0.0, 0.0, 1.0)  # 75% of 28.8 mm/h still drains by gravity
    assert wl.storage_mm[0] == pytest.approx(10.0 - min(10.0, 0.75 * 28.8))


def test_2012_08_21_event_calibration():
    # facts §4: 60-70 mm/h on a ~36 mm/h system -> road sections 5-15 cm, underpass > 40 cm.
    # 1 h at 65 mm/h, C = 0.8: storage = 0.8 * (65 - 36) = 23.2 mm; roads 23.2 / 0.2 = 116 mm;
    # underpass 4 x 116 = 464 mm
    wl = _central(1)
    wl.step(65.0, 1.0, 1.0)
    assert 0.05 <= wl.road_depth_m[0] <= 0.15
    assert wl.underpass_depth_m[0] > 0.40
    assert wl.underpass_closed()[0]


def test_underpass_closure_threshold_is_25_cm():
    assert UNDERPASS_CLOSURE_DEPTH_M == 0.25
    # underpass depth = S / 0.2 / 1000 * 4 -> S = 0.25 * 1000 * 0.2 / 4 = 12.5 mm at the line
    wl = Waterlogging([1.0, 1.0], 0.0, 1.0, initial_storage_mm=[12.4, 12.6])
    np.testing.assert_array_equal(wl.underpass_closed(), [False, True])
    np.testing.assert_allclose(wl.underpass_depth_m, [0.248, 0.252])


def test_invalid_parameters_raise():
    with pytest.raises(ValueError, match="runoff_coefficient"):
        Waterlogging([1.0], 30.0, 1.2)
    with pytest.raises(ValueError, match="dt_h"):
        _central(1).step(10.0, 1.0, 0.0)
    with pytest.raises(ValueError, match="rain"):
        _central(1).step(-1.0, 1.0, 1.0)


def test_road_speed_factor_follows_pregnolato():
    # v(w) = 0.0009 w^2 - 0.5529 w + 86.9448 km/h (w mm) / 86.9448; v(100) = 40.6548 km/h
    f = road_speed_factor(np.array([0.0, 0.1, 0.299, 0.3, 0.5, -0.1]))
    assert f[0] == 1.0 and f[5] == 1.0
    assert f[1] == pytest.approx(40.6548 / 86.9448)
    assert 0 < f[2] < 0.05 and f[3] == 0.0 and f[4] == 0.0
    assert np.all(np.diff(road_speed_factor(np.linspace(0, 0.4, 401))) <= 0)


def test_shanghai_idf_one_year_hour_matches_legacy_36_mm_per_h():
    # i = 60 * 9.581 / (60 + 7)^0.656 = 574.86 / 15.772 = 36.45 mm/h (legacy 1-yr ~ 36 mm/h)
    assert float(intensity_mm_per_h(1, 60, IDF)) == pytest.approx(36.45, abs=0.02)
    # q and i forms agree: 1 L/(s ha) = 0.36 mm/h; the standard's q form 1600 (1 + 0.846 lg P)
    # / (t + 7)^0.656 matches within its rounding of 9.581 x 166.67 = 1596.8 to 1600
    p, t = np.array([1, 5, 100]), np.array([10, 60, 180])
    q = q_l_per_s_ha(p, t, IDF)
    i = intensity_mm_per_h(p, t, IDF)
    np.testing.assert_allclose(q * 0.36, i, rtol=1e-12)
    np.testing.assert_allclose(q, 1600 * (1 + 0.846 * np.log10(p)) / (t + 7.0) ** 0.656, rtol=3e-3)
    # 3-yr 1-h intensity is in the key-area band 50-56 mm/h (facts §4)
    assert 45 <= float(intensity_mm_per_h(3, 60, IDF)) <= 56


def test_chicago_hyetograph_conserves_idf_depth_and_peaks_at_r():
    blocks = chicago_hyetograph_mm_per_h(5, 120, IDF, 5)
    depth = blocks.sum() * 5 / 60
    # IDF depth for 120 min: i(5 yr, 120 min) * 2 h
    assert depth == pytest.approx(float(intensity_mm_per_h(5, 120, IDF)) * 2.0, rel=1e-12)
    assert np.argmax(blocks) == int(0.367 * 120 // 5)  # peak block contains t = r * T = 44 min
    with pytest.raises(ValueError):
        chicago_hyetograph_mm_per_h(5, 120, IDF, 7)
