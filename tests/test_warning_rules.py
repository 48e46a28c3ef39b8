"""Warning colours by the official criteria, checked by hand on synthetic forecasts.

National criteria (CMA Order No. 16, 2007): typhoon blue/yellow/orange/red for mean wind
Beaufort 6/8/10/12+ or gusts 8/10/12/14+ within 24/24/12/6 h (GB/T 28591-2012 lower bounds
10.8/17.2/24.5/32.7/41.5 m/s); rainstorm 50 mm in 12/6/3 h, 100 mm in 3 h. Shanghai's
rainstorm criteria (scenarios/data/shanghai/warning_criteria.yaml): within 6 h, 1 h >= 35 or
6 h >= 50 mm blue, 1 h >= 50 or 6 h >= 80 mm yellow, 1 h >= 80 or 6 h >= 100 mm orange,
3 h >= 100 mm red.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.agents.warning_rules import colour_ranks
from sim.city.errors import CityDataError
from sim.city.warning_criteria import NATIONAL, criteria_path, load_warning_criteria
from sim.hazards.base import Hazard, HazardSet
from sim.hazards.forecast import PerfectForecast

SHANGHAI = load_warning_criteria(criteria_path("scenarios/data/shanghai"))
PT = (np.zeros(1), np.zeros(1))


class Spike(Hazard):
    """``im`` = ``value`` at model hour ``at_h`` only; nothing else."""

    name = "typhoon"
    ims = ("gust_ms", "sustained_ms", "rain_mm_per_h")

    def __init__(self, im: str, value: float, at_h: float):
        self.im, self.value, self.at_h = im, value, at_h

    def window_h(self):
        return (0.0, 200.0)

    def at(self, im, t_h, x_m, y_m):
        hit = im == self.im and abs(t_h - self.at_h) < 1e-9
        return np.full(np.shape(x_m), self.value if hit else 0.0)


class Shower(Hazard):
    """Rain at ``rate`` mm/h over model hours (start, start + hours]."""

    name = "rainstorm"
    ims = ("rain_mm_per_h",)

    def __init__(self, rate: float, start_h: float, hours: float):
        self.rate, self.start_h, self.end_h = rate, start_h, start_h + hours

    def window_h(self):
        return (0.0, 200.0)

    def at(self, im, t_h, x_m, y_m):
        wet = self.start_h < t_h <= self.end_h + 1e-9
        return np.full(np.shape(x_m), self.rate if wet and im == "rain_mm_per_h" else 0.0)


def _rank(criteria, hazard: str, *hz, issued_h: float = 0.0) -> int:
    forecast = PerfectForecast(HazardSet(list(hz)), issued_h)
    return int(colour_ranks(criteria.hazards[hazard], forecast, *PT)[0])


# (IM, value, lead time of the spike in hours, expected rank): just above or below each
# criterion, at and just past each lead window.
TYPHOON_CASES = [
    ("gust_ms", 17.3, 24, 1), ("gust_ms", 17.3, 25, 0), ("gust_ms", 17.1, 1, 0),
    ("gust_ms", 24.6, 24, 2), ("gust_ms", 24.6, 25, 0), ("gust_ms", 24.4, 3, 1),
    ("gust_ms", 32.8, 12, 3), ("gust_ms", 32.8, 13, 2), ("gust_ms", 32.6, 5, 2),
    ("gust_ms", 41.6, 6, 4), ("gust_ms", 41.6, 7, 3), ("gust_ms", 41.6, 13, 2),
    ("gust_ms", 41.4, 2, 3),
    ("sustained_ms", 10.9, 24, 1), ("sustained_ms", 10.7, 24, 0),
    ("sustained_ms", 17.3, 24, 2), ("sustained_ms", 17.1, 24, 1),
    ("sustained_ms", 24.6, 12, 3), ("sustained_ms", 24.6, 13, 2), ("sustained_ms", 24.4, 6, 2),
    ("sustained_ms", 32.8, 6, 4), ("sustained_ms", 32.8, 7, 3), ("sustained_ms", 32.6, 6, 3),
]  # fmt: skip


@pytest.mark.parametrize("criteria", [NATIONAL, SHANGHAI], ids=["national", "shanghai"])
@pytest.mark.parametrize(("im", "value", "lead_h", "rank"), TYPHOON_CASES)
def test_typhoon_colours_by_hand(criteria, im, value, lead_h, rank):
    assert _rank(criteria, "typhoon", Spike(im, value, 10.0 + lead_h), issued_h=10.0) == rank


# (rate mm/h, from hour, for hours, expected national rank)
NATIONAL_RAIN = [
    (50.5 / 12, 0, 12, 1), (49.5 / 12, 0, 12, 0), (50.5 / 12, 1, 12, 0),  # 50 mm in 12 h
    (50.5 / 6, 0, 6, 2), (50.5 / 6, 6, 6, 1), (49.5 / 6, 0, 6, 0),  # 50 mm in 6 h
    (50.5 / 3, 0, 3, 3), (49.5 / 3, 0, 3, 0),  # 50 mm in 3 h
    (100.5 / 3, 0, 3, 4), (99.5 / 3, 0, 3, 3), (100.5 / 3, 3, 3, 2),  # 100 mm in 3 h
]  # fmt: skip


@pytest.mark.parametrize(("rate", "start", "hours", "rank"), NATIONAL_RAIN)
def test_national_rainstorm_colours_by_hand(rate, start, hours, rank):
    assert _rank(NATIONAL, "rainstorm", Shower(rate, start, hours)) == rank


SHANGHAI_RAIN = [
    (35.5, 5, 1, 1), (35.5, 6, 1, 0), (34.5, 2, 1, 0),  # 1 h >= 35 mm within 6 h
    (50.5 / 6, 0, 6, 1), (49.5 / 6, 0, 6, 0),  # 6 h >= 50 mm
    (50.5, 5, 1, 2), (49.5, 5, 1, 1), (80.5 / 6, 0, 6, 2), (79.5 / 6, 0, 6, 1),  # yellow
    (80.5, 3, 1, 3), (79.5, 3, 1, 2), (100.5 / 6, 0, 6, 3), (99.5 / 6, 0, 6, 2),  # orange
    (100.5 / 3, 0, 3, 4), (99.5 / 3, 0, 3, 2), (100.5 / 3, 1, 3, 3),  # red: 3 h from issue
]  # fmt: skip


@pytest.mark.parametrize(("rate", "start", "hours", "rank"), SHANGHAI_RAIN)
def test_shanghai_rainstorm_colours_by_hand(rate, start, hours, rank):
    assert _rank(SHANGHAI, "rainstorm", Shower(rate, start, hours)) == rank


def test_response_grades_follow_the_colours():
    for crit in (NATIONAL, SHANGHAI):
        assert [crit.response_rank("typhoon", r) for r in range(5)] == [0, 1, 2, 3, 4]
        assert crit.response_rank("rainstorm", 2) == 2
        assert crit.response_rank("earthquake", 3) == 0  # no flood-control response


def test_a_city_without_its_own_file_gets_the_national_criteria(tmp_path):
    assert load_warning_criteria(criteria_path(tmp_path)) is NATIONAL
    assert load_warning_criteria(None) is NATIONAL


def test_a_bad_criteria_file_is_reported_by_field(tmp_path):
    bad = tmp_path / "warning_criteria.yaml"
    bad.write_text(
        "source: test file\nhazards:\n  typhoon:\n    source: test\n    levels:\n"
        "      purple: {lead_h: 6, any_of: [{im: gust_ms, stat: peak, at_least: 1}]}\n"
        "response: {source: test, levels: {}}\n"
    )
    with pytest.raises(CityDataError, match=r"hazards\.typhoon\.levels\.purple"):
        load_warning_criteria(bad)
    bad.write_text(
        "source: test file\nhazards:\n  typhoon:\n    source: test\n    levels:\n"
        "      blue: {lead_h: 6, any_of: [{im: gust_ms, stat: total, duration_h: 12, "
        "at_least: 1}]}\nresponse: {source: test, levels: {}}\n"
    )
    with pytest.raises(CityDataError, match="exceeds lead_h"):
        load_warning_criteria(bad)
