"""The warning centre holds a colour through forecast noise: a downgrade or lift needs
``downgrade_after_issues`` forecast issues in a row below the colour in force."""

from __future__ import annotations

import mesa
import pytest

from sim.agents.warning_centre import LEVEL_RANK, WarningCentre


class _Model(mesa.Model):
    def __init__(self):
        super().__init__(rng=0)
        self.time = 0.0
        self.logged = []

    def log_event(self, kind, **kw):
        self.logged.append((kind, kw.get("detail")))


def _run(ranks, after):
    """Issue the forecast ranks in turn; return the colour rank in force after each."""
    centre = WarningCentre(_Model(), "forecast", downgrade_after_issues=after)
    out = []
    for r in ranks:
        held = centre._hold("typhoon", r)
        if held != LEVEL_RANK[centre.levels["typhoon"]]:
            centre._set("typhoon", ["none", "blue", "yellow", "orange", "red"][held], "test", 0.0)
        out.append(LEVEL_RANK[centre.levels["typhoon"]])
    return out


def test_one_issue_follows_every_forecast():
    assert _run([2, 1, 2, 0], after=1) == [2, 1, 2, 0]


def test_two_issues_hold_through_a_single_dip_and_go_to_the_higher_of_the_two():
    # yellow, one issue of blue (held), yellow again, then blue+none: down to blue (max of the two)
    assert _run([2, 1, 2, 1, 0, 0, 0], after=2) == [2, 2, 2, 2, 1, 1, 0]


def test_an_upgrade_is_issued_at_once_and_resets_the_count():
    assert _run([1, 0, 3, 0, 2], after=2) == [1, 1, 3, 3, 2]


def test_the_response_follows_the_held_colour():
    centre = WarningCentre(_Model(), "forecast", downgrade_after_issues=3)
    centre._set("typhoon", "orange", "test", 0.0)
    for _ in range(2):
        assert centre._hold("typhoon", 0) == LEVEL_RANK["orange"]
    assert centre.response_level == 3  # II with orange, still in force
    assert centre._hold("typhoon", 0) == 0


def test_bad_setting_is_refused():
    with pytest.raises(ValueError, match="downgrade_after_issues"):
        WarningCentre(_Model(), "forecast", downgrade_after_issues=0)
