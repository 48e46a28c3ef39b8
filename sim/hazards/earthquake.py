"""Scenario earthquake ground motion: PGA at points (Boore & Atkinson 2008).

Ground motion: Boore & Atkinson (2008), "Ground-motion prediction equations for the average
horizontal component of PGA, PGV, and 5%-damped PSA at spectral periods between 0.01 s and
10.0 s", Earthquake Spectra 24(1):99-138. For PGA (g), with Rjb (km), moment magnitude M:

    ln PGA = F_M(M) + F_D(Rjb, M) + F_S(Vs30, Rjb, M)
    F_D = [c1 + c2 (M - 4.5)] ln(R) + c3 (R - 1),  R = sqrt(Rjb^2 + h^2)          (eq. 3)
    F_M = e_k + e5 (M - Mh) + e6 (M - Mh)^2 for M <= Mh, e_k + e7 (M - Mh) else    (eq. 5)
    F_S = blin ln(Vs30/760) + F_NL(pga4nl, Vs30)                                    (eqs. 6-13)

coefficients (Tables 3, 6, 7, 8 of the paper) as transcribed in OpenQuake
``openquake/hazardlib/gsim/boore_atkinson_2008.py`` (GEM, read for this module), including the
Mref = 4.5, Rref = 1 km erratum. Total sigma 0.564 (ln units; inter-event 0.260, intra-event
0.502, "specified fault type" values). Limitations, stated: BA08 is fitted to shallow crustal
earthquakes in active regions (mostly western North America); for a moderately active
intraplate region (the first city's case) the model is a generic stand-in (no region-specific
GMPE coefficients were verified here). Distances use the epicentre as a point source
(Rjb = epicentral distance), which overestimates distances near large ruptures.

Site: Vs30 of the city's profile (``city.yaml`` ``site``, with its source and site class) unless
the scenario gives one; BA08's nonlinear soil term is applied.

Damage and casualties of old housing from this ground motion: :mod:`sim.damage.earthquake`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# --- Boore & Atkinson (2008), PGA row (OpenQuake transcription) ---------------------------
BA08_PGA = {
    "c1": -0.66050, "c2": 0.11970, "c3": -0.01151, "h": 1.35,
    "e1": -0.53804, "e2": -0.50350, "e3": -0.75472, "e4": -0.50970,
    "e5": 0.28805, "e6": -0.10164, "e7": 0.0, "Mh": 6.75,
    "sigma": 0.502, "tau": 0.260, "std": 0.564,
    "blin": -0.36, "b1": -0.64, "b2": -0.14,
}  # fmt: skip
BA08_PGV = {
    "c1": -0.87370, "c2": 0.10060, "c3": -0.00334, "h": 2.54,
    "e1": 5.00121, "e2": 5.04727, "e3": 4.63188, "e4": 5.08210,
    "e5": 0.18322, "e6": -0.12736, "e7": 0.0, "Mh": 8.50,
    "sigma": 0.500, "tau": 0.256, "std": 0.560,
    "blin": -0.60, "b1": -0.50, "b2": -0.06,
}  # fmt: skip
"""BA08's PGV row (cm/s; same OpenQuake transcription, Tables 6-8 and 3 of the paper)."""
MECHANISMS = {"unspecified": "e1", "strike_slip": "e2", "normal": "e3", "reverse": "e4"}


def _ba08_fm(m, mechanism: str, c=BA08_PGA) -> np.ndarray:
    ek = c[MECHANISMS[mechanism]]
    dm = np.asarray(m, float) - c["Mh"]
    return np.where(dm <= 0, ek + c["e5"] * dm + c["e6"] * dm * dm, ek + c["e7"] * dm)


def _ba08_fd(m, rjb_km, c=BA08_PGA) -> np.ndarray:
    r = np.sqrt(np.asarray(rjb_km, float) ** 2 + c["h"] ** 2)
    return (c["c1"] + c["c2"] * (np.asarray(m, float) - 4.5)) * np.log(r) + c["c3"] * (r - 1.0)


def _ba08_nonlinear(vs30, pga4nl, c=BA08_PGA) -> np.ndarray:
    """Nonlinear site term F_NL, BA08 eqs. (8a-8c) and (13a-13d), with the slopes of row ``c``."""
    v1, v2, vref = 180.0, 300.0, 760.0
    vs = np.asarray(vs30, float)
    bnl = np.where(
        vs <= v1,
        c["b1"],
        np.where(
            vs <= v2,
            (c["b1"] - c["b2"]) * np.log(vs / v2) / np.log(v1 / v2) + c["b2"],
            np.where(vs < vref, c["b2"] * np.log(vs / vref) / np.log(v2 / vref), 0.0),
        ),
    )
    a1, a2, pga_low = 0.03, 0.09, 0.06
    dx = np.log(a2 / a1)
    dy = bnl * np.log(a2 / pga_low)
    cc = (3 * dy - bnl * dx) / dx**2
    dd = -(2 * dy - bnl * dx) / dx**3
    x = np.log(np.maximum(pga4nl, 1e-12) / a1)
    low = bnl * np.log(pga_low / 0.1)
    mid = low + cc * x**2 + dd * x**3
    high = bnl * np.log(np.maximum(pga4nl, 1e-12) / 0.1)
    return np.where(pga4nl <= a1, low, np.where(pga4nl <= a2, mid, high))


def ba08_ln_pga(magnitude, rjb_km, vs30_ms, mechanism="unspecified"):
    """Median ln PGA (g) of Boore & Atkinson (2008).

    Args:
        magnitude: moment magnitude (BA08 range 5-8).
        rjb_km: Joyner-Boore distance(s), km (BA08 range <= 200 km).
        vs30_ms: Vs30 (m/s), scalar or per site.
        mechanism: one of `MECHANISMS`.

    Returns:
        ln PGA in g, broadcast over the inputs.

    Raises:
        KeyError: unknown mechanism.
    """
    if mechanism not in MECHANISMS:
        raise KeyError(f"unknown mechanism {mechanism!r}; valid: {sorted(MECHANISMS)}")
    c = BA08_PGA
    rock = _ba08_fm(magnitude, mechanism) + _ba08_fd(magnitude, rjb_km)
    vs = np.asarray(vs30_ms, float)
    return rock + c["blin"] * np.log(vs / 760.0) + _ba08_nonlinear(vs, np.exp(rock))


def ba08_ln_pgv(magnitude, rjb_km, vs30_ms, mechanism="unspecified"):
    """Median ln PGV (cm/s) of Boore & Atkinson (2008): the PGV row's magnitude, distance and
    linear site terms, and the nonlinear site term driven by the rock PGA (pga4nl, BA08 eq. 7).

    Args and errors as :func:`ba08_ln_pga`.
    """
    if mechanism not in MECHANISMS:
        raise KeyError(f"unknown mechanism {mechanism!r}; valid: {sorted(MECHANISMS)}")
    c = BA08_PGV
    pga4nl = np.exp(_ba08_fm(magnitude, mechanism) + _ba08_fd(magnitude, rjb_km))
    rock = _ba08_fm(magnitude, mechanism, c) + _ba08_fd(magnitude, rjb_km, c)
    vs = np.asarray(vs30_ms, float)
    return rock + c["blin"] * np.log(vs / 760.0) + _ba08_nonlinear(vs, pga4nl, c)


@dataclass(frozen=True)
class ScenarioEarthquake:
    """A scenario event: magnitude and epicentre (metres, city CRS).

    Attributes:
        magnitude: moment magnitude.
        epicentre_x_m, epicentre_y_m: epicentre, metres in the city CRS.
        mechanism: fault mechanism, one of `MECHANISMS`.
    """

    magnitude: float
    epicentre_x_m: float
    epicentre_y_m: float
    mechanism: str = "unspecified"

    def distance_km(self, x_m, y_m) -> np.ndarray:
        """Epicentral distance (used as Rjb, point source), km."""
        return (
            np.hypot(np.asarray(x_m) - self.epicentre_x_m, np.asarray(y_m) - self.epicentre_y_m)
            / 1e3
        )

    def pga_g(self, x_m, y_m, vs30_ms, rng: np.random.Generator | None = None):
        """PGA (g) at points: median if ``rng`` is None, else one realisation with a common
        inter-event term (sd 0.260) and independent intra-event terms (sd 0.502)."""
        ln = ba08_ln_pga(self.magnitude, self.distance_km(x_m, y_m), vs30_ms, self.mechanism)
        if rng is not None:
            ln = (
                ln
                + BA08_PGA["tau"] * rng.standard_normal()
                + BA08_PGA["sigma"] * (rng.standard_normal(np.shape(ln)))
            )
        return np.exp(ln)

    def pgv_cm_s(self, x_m, y_m, vs30_ms, rng: np.random.Generator | None = None):
        """PGV (cm/s) at points: median if ``rng`` is None, else one realisation with BA08's
        PGV inter-event (sd 0.256) and intra-event (sd 0.500) terms. Simplification: drawn
        independently of the PGA realisation (no cross-IM correlation)."""
        ln = ba08_ln_pgv(self.magnitude, self.distance_km(x_m, y_m), vs30_ms, self.mechanism)
        if rng is not None:
            ln = (
                ln
                + BA08_PGV["tau"] * rng.standard_normal()
                + BA08_PGV["sigma"] * (rng.standard_normal(np.shape(ln)))
            )
        return np.exp(ln)
