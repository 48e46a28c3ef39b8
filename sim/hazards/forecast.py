"""Hazard forecasts: what decision makers see of the hazard ahead of time.

A warning centre, a district government or a household never sees the hazard itself, only
a forecast issued at some model hour: the intensity measures (IMs, :mod:`sim.hazards.base`)
expected at places over the next hours. Decision rules are written against
:class:`HazardForecast`, so the same rule runs on a forecast with track and intensity errors
(a typhoon forecast seen with errors that grow with lead time) or on
:class:`PerfectForecast`, the hazard itself: the no-error limit that every erroneous
forecast must reduce to when its errors are zero.

Lead windows are half-open: ``within_h = 6`` covers model hours (issued_h, issued_h + 6].
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from sim.hazards.base import INTENSITY_MEASURES, Hazard, HazardSet, IntensityField


class HazardForecast(Protocol):
    """A forecast of the hazards of a run, issued at model hour :attr:`issued_h`.

    Attributes:
        issued_h: model hour of issue.
        horizon_h: longest lead time the forecast covers, hours.
    """

    issued_h: float
    horizon_h: float

    def peak(self, im: str, x_m, y_m, within_h: float) -> np.ndarray:
        """Forecast maximum of ``im`` at points over the next ``within_h`` hours (IM units;
        zeros where no hazard provides it)."""
        ...

    def total(self, im: str, x_m, y_m, within_h: float) -> np.ndarray:
        """Forecast accumulation of a rate IM over the next ``within_h`` hours (e.g. rain,
        mm from ``rain_mm_per_h``)."""
        ...


class PerfectForecast:
    """The hazards themselves, seen ahead without error (the no-error limit).

    The forecast samples each continuous hazard's deterministic field (:meth:`Hazard.at`;
    hourly random draws such as convective rain cells are not foreseeable and are left out)
    at ``step_h`` intervals over the lead window, and combines hazards by each IM's rule.

    Args:
        hazards: the run's hazards (instant hazards are not forecast: an earthquake gives
            no warning).
        issued_h: model hour of issue.
        horizon_h: longest lead time, hours (72 h: the longest lead of typhoon warnings,
            assumption after CMA's 72-h track forecasts).
        step_h: sampling interval of the lead window, hours (1 h, assumption: peaks of a
            parametric field move less than its 1-h change).

    Raises:
        ValueError: ``step_h`` or ``horizon_h`` is not positive, or a lead window is longer
            than the horizon.
        KeyError: an unregistered IM is asked for.
    """

    def __init__(
        self, hazards: HazardSet, issued_h: float, horizon_h: float = 72.0, step_h: float = 1.0
    ):
        if not (step_h > 0 and horizon_h > 0):
            raise ValueError(f"step_h and horizon_h must be > 0, got {step_h}, {horizon_h}")
        self.hazards = [h for h in hazards if not h.instant]
        self.issued_h = float(issued_h)
        self.horizon_h = float(horizon_h)
        self.step_h = float(step_h)

    def _times(self, within_h: float) -> np.ndarray:
        if not 0 < within_h <= self.horizon_h + 1e-9:
            raise ValueError(f"lead window {within_h} h outside (0, {self.horizon_h}] h")
        n = max(int(np.ceil(within_h / self.step_h - 1e-9)), 1)
        return self.issued_h + np.minimum(np.arange(1, n + 1) * self.step_h, within_h)

    def _field(self, t_h: float) -> IntensityField:
        active: list[Hazard] = [h for h in self.hazards if h.active(t_h)]
        return IntensityField(active, t_h)

    def peak(self, im: str, x_m, y_m, within_h: float) -> np.ndarray:
        INTENSITY_MEASURES[im]  # KeyError for an unknown IM
        out = np.zeros(np.shape(x_m))
        for t in self._times(within_h):
            out = np.maximum(out, self._field(t).at(im, x_m, y_m))
        return out

    def total(self, im: str, x_m, y_m, within_h: float) -> np.ndarray:
        INTENSITY_MEASURES[im]
        times = self._times(within_h)
        widths = np.diff(np.concatenate([[self.issued_h], times]))  # hours each sample stands for
        out = np.zeros(np.shape(x_m))
        for t, w in zip(times, widths, strict=True):
            out = out + w * self._field(t).at(im, x_m, y_m)
        return out
