"""Convective rain cells: a space-time Poisson process that redistributes typhoon rain.

Tropical-cyclone rain falls from stratiform rain shields with embedded convective cells (Houze
2010, Mon. Wea. Rev. 138:293-344, "Clouds in tropical cyclones"; Barnes et al. 1983, J. Atmos.
Sci. 40:2125, cellular cores in a hurricane rainband). A parametric model such as R-CLIPER
gives the *expected* rain rate R(x, t); the rate at a point is

    rate(x, t) = R(x, t) M(x, t),   M = (1 - phi) + phi S(x, t) / E[S],
    S(x, t)    = sum of X_k over the cells k alive at t whose disc covers x,

a stratiform share 1 - phi plus a convective share phi carried by the cells. Cells follow the
spatial-temporal rectangular-pulse model of Cowpertwait (1995, Proc. R. Soc. Lond. A 450:
163-175) without clustering: births form a Poisson process in space and time; each cell is a
disc of exponentially distributed radius (mean ``mean_radius_km``) with an exponentially
distributed duration (mean ``mean_duration_h``) and an exponentially distributed intensity
X (mean 1, relative). By Campbell's theorem E[S] = c (the cells' mean areal coverage, with
birth rate c / (E[pi r^2] mean duration) per km^2 and hour), so E[M] = 1: the cells move rain
in space and time but preserve its expectation (tests/test_rain_cells.py). Inside a cell the
rate is on average (1 - phi) + phi / c times the expected rate.

Parameters (:class:`CellClimate`; all assumptions within published ranges, not tuned to a
storm): phi = 0.5 (convective share of tropical-cyclone rain volume, of order one half in
TRMM precipitation-radar climatologies, e.g. Houze 2010 §5; assumption), coverage c = 0.10
(convective echo covers a small fraction, of order 10%, of a TC rain area; assumption),
mean radius 2.5 km (rainband convective cores a few km across, Barnes et al. 1983;
assumption) and mean duration 0.25 h at a point (rainband cells live tens of minutes, Houze
2010, and drift with the band-relative flow: a 5-km cell moving at ~5 m/s rains on a point
for ~17 min; assumption). Cells are fixed in space for that duration (their drift is folded
into it, assumption). With these values Lekima's hourly peaks over the city's 384 sample
points reach ~60-80 mm/h (its rainstorm-orange warning forecast 60-80 mm/h,
scenarios/data/shanghai/facts.md §2a).

Randomness: all draws come from the generator given (the model's ``rain.cells`` stream), one
batch per model hour in hour order, so the cells depend only on the seed, never on how often
the field is asked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CellClimate:
    """Statistics of convective rain cells (see the module docstring for sources).

    Attributes:
        convective_fraction: phi, share of the expected rain carried by cells (0: no cells).
        coverage: c, mean fraction of the area inside a living cell.
        mean_radius_km: mean cell radius, km (exponential).
        mean_duration_h: mean cell duration, hours (exponential).
    """

    convective_fraction: float = 0.5
    coverage: float = 0.10
    mean_radius_km: float = 2.5
    mean_duration_h: float = 0.25

    def __post_init__(self) -> None:
        if not 0.0 <= self.convective_fraction <= 1.0:
            raise ValueError("convective_fraction must lie in [0, 1]")
        if not (0.0 < self.coverage < 1.0 and self.mean_radius_km > 0 and self.mean_duration_h > 0):
            raise ValueError("coverage in (0, 1), mean radius and duration > 0 are required")

    @property
    def births_per_km2_h(self) -> float:
        """Cell birth rate per km^2 and hour, c / (E[pi r^2] E[d]), E[r^2] = 2 mean^2."""
        area = 2.0 * np.pi * self.mean_radius_km**2
        return self.coverage / (area * self.mean_duration_h)


class ConvectiveCells:
    """Rain cells over a rectangle of the city's CRS; :meth:`multiplier` gives M(x, t).

    Args:
        climate: cell statistics.
        bounds_m: (x0, y0, x1, y1) of the points asked (metres); cells are born in it widened
            by 6 mean radii so that coverage is uniform up to its edges.
        rng: generator of all draws (the ``rain.cells`` stream).
        start_h: first model hour drawn (cells born from ``start_h - 3`` on, so that the
            first hours already see cells alive from before).
    """

    BURN_IN_H = 3

    def __init__(self, climate: CellClimate, bounds_m, rng: np.random.Generator, start_h=0.0):
        self.climate = climate
        margin = 6.0 * climate.mean_radius_km * 1e3
        x0, y0, x1, y1 = (float(v) for v in bounds_m)
        self.box = (x0 - margin, y0 - margin, x1 + margin, y1 + margin)
        self.rng = rng
        self._next_hour = int(np.floor(start_h)) - self.BURN_IN_H
        empty = np.empty(0)
        self.x = self.y = self.r = self.t_on = self.t_off = self.intensity = empty

    def _draw_hour(self, hour: int) -> None:
        """Births in [hour, hour + 1): Poisson count, uniform place and time."""
        c = self.climate
        x0, y0, x1, y1 = self.box
        area_km2 = (x1 - x0) * (y1 - y0) * 1e-6
        n = self.rng.poisson(c.births_per_km2_h * area_km2)
        u = self.rng.random((4, n))
        expo = self.rng.exponential(1.0, (3, n))
        born = hour + u[2]
        keep = self.t_off > hour - 1  # keep an hour of the dead: windows up to 1 h
        self.x = np.concatenate([self.x[keep], x0 + u[0] * (x1 - x0)])
        self.y = np.concatenate([self.y[keep], y0 + u[1] * (y1 - y0)])
        self.r = np.concatenate([self.r[keep], expo[0] * c.mean_radius_km * 1e3])
        self.t_on = np.concatenate([self.t_on[keep], born])
        self.t_off = np.concatenate([self.t_off[keep], born + expo[1] * c.mean_duration_h])
        self.intensity = np.concatenate([self.intensity[keep], expo[2]])

    def advance(self, t_h: float) -> None:
        """Draw every hour up to the one holding ``t_h`` (idempotent; hour order). Cells dead
        before the last hour drawn are dropped: ask times in (roughly) increasing order, as
        a model run does (windows reach at most 1 h back)."""
        while self._next_hour <= int(np.floor(t_h)):
            self._draw_hour(self._next_hour)
            self._next_hour += 1

    def multiplier(self, t_h: float, x_m, y_m, window_h: float = 0.0, radius_m=0.0) -> np.ndarray:
        """M at points, or its areal mean over discs around them, at an instant or over a
        window. Mean 1 over draws (Campbell), >= 1 - phi; shape of the points.

        Args:
            t_h: model hour.
            x_m, y_m: points, metres.
            window_h: 0: the instant ``t_h``; in (0, 1]: the mean over (t_h - window_h, t_h], each
                cell weighted by the part of the window it lives in (the exact multiplier of
                the window's rain when the expected rate is steady over it).
            radius_m: 0: point rain (a gauge); > 0 (scalar or per point): the mean over a disc
                of that radius (a drainage catchment), each cell weighted by its overlap area.
        """
        c = self.climate
        x = np.asarray(x_m, dtype=float).reshape(-1)
        y = np.asarray(y_m, dtype=float).reshape(-1)
        shape = np.broadcast(np.asarray(x_m), np.asarray(y_m)).shape
        if c.convective_fraction == 0.0:
            return np.ones(shape)
        self.advance(t_h)
        if window_h > 0:
            lo = t_h - window_h
            weight = np.clip(np.minimum(self.t_off, t_h) - np.maximum(self.t_on, lo), 0, None)
            weight /= window_h
        else:
            weight = ((self.t_on <= t_h) & (t_h < self.t_off)).astype(float)
        live = weight > 0
        cr, ci = self.r[live], self.intensity[live] * weight[live]
        d = np.hypot(x[:, None] - self.x[live], y[:, None] - self.y[live])
        a = np.broadcast_to(np.asarray(radius_m, dtype=float), x.shape)[:, None]
        s = _covered_fraction(d, cr[None, :], a) @ ci
        m = (1.0 - c.convective_fraction) + c.convective_fraction * s / c.coverage
        return m.reshape(shape)


def _covered_fraction(d: np.ndarray, r: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Share of a disc of radius ``a`` (the point itself where a = 0) inside a disc of radius
    ``r`` whose centre is ``d`` away: circle-circle lens area / (pi a^2)."""
    d, r, a = np.broadcast_arrays(d, r, a)
    out = (d <= r).astype(float)  # point rain (a = 0)
    disc = a > 0
    if not disc.any():
        return out
    dd, rr, aa = d[disc], r[disc], a[disc]
    small = np.minimum(rr, aa)
    frac = np.where(dd <= np.abs(rr - aa), small * small / (aa * aa), 0.0)
    lens = (dd < rr + aa) & (dd > np.abs(rr - aa))
    if lens.any():
        e, f, g = dd[lens], rr[lens], aa[lens]
        c1 = np.clip((e * e + f * f - g * g) / (2 * e * f), -1, 1)
        c2 = np.clip((e * e + g * g - f * f) / (2 * e * g), -1, 1)
        k = (-e + f + g) * (e + f - g) * (e - f + g) * (e + f + g)
        area = f * f * np.arccos(c1) + g * g * np.arccos(c2) - 0.5 * np.sqrt(np.clip(k, 0, None))
        frac[lens] = area / (np.pi * g * g)
    out[disc] = frac
    return out
