"""The forecast interface of decision rules: the perfect forecast is the hazard itself."""

from __future__ import annotations

import numpy as np
import pytest

from sim.hazards.base import Hazard, HazardSet
from sim.hazards.forecast import PerfectForecast


class Ramp(Hazard):
    """Rain rising 1 mm/h per hour from hour 0 to 10, then gone; gust = 2 × rain."""

    name = "typhoon"
    ims = ("rain_mm_per_h", "gust_ms")

    def __init__(self):
        pass

    def window_h(self):
        return (0.0, 10.0)

    def at(self, im, t_h, x_m, y_m):
        base = np.full(np.shape(x_m), float(t_h)) if 0 <= t_h <= 10 else np.zeros(np.shape(x_m))
        return base if im == "rain_mm_per_h" else 2 * base


def test_peak_and_total_are_those_of_the_hazard():
    fc = PerfectForecast(HazardSet([Ramp()]), issued_h=2.0, horizon_h=24.0)
    x = y = np.zeros(3)
    # hours 3..8 sampled hourly: peak 8 mm/h, total 3+4+...+8 = 33 mm
    assert np.allclose(fc.peak("rain_mm_per_h", x, y, 6), 8.0)
    assert np.allclose(fc.total("rain_mm_per_h", x, y, 6), 33.0)
    assert np.allclose(fc.peak("gust_ms", x, y, 6), 16.0)
    # past the window the hazard is gone: hours 3..10 count, 11..14 give nothing
    assert np.allclose(fc.total("rain_mm_per_h", x, y, 12), sum(range(3, 11)))
    assert np.allclose(fc.peak("flood_depth_m", x, y, 6), 0.0)  # no hazard provides it


def test_bad_lead_windows_and_unknown_ims_are_refused():
    fc = PerfectForecast(HazardSet([Ramp()]), issued_h=0.0, horizon_h=12.0)
    with pytest.raises(ValueError, match="lead window"):
        fc.peak("gust_ms", [0.0], [0.0], 24)
    with pytest.raises(KeyError):
        fc.peak("no_such_im", [0.0], [0.0], 6)
    with pytest.raises(ValueError):
        PerfectForecast(HazardSet([Ramp()]), 0.0, step_h=0)
