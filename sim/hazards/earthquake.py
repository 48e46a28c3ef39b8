"""Scenario earthquake -> PGA (Boore & Atkinson 2008) -> old-housing damage (HAZUS) -> casualties.

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

Damage: HAZUS-type lognormal fragility in PGA from `sim.damage.fragility` (keys
``eq_urm_precode_midrise_*`` for the 1950-1996 housing without seismic fortification and
``eq_small_beam_thin_slab_*`` for the small-beam thin-slab stock, the most fragile); damage-state
probabilities P(DS = ds) are differences of the exceedance curves.

Casualties: HAZUS indoor casualty rates for unreinforced masonry (URML/URMM), FEMA HAZUS-MH
Earthquake Technical Manual Tables 13.3-13.6 (values as transcribed in the Rts program's
HAZUS morbidity code, Haukaas group, UBC; checked there to decompose as below): severity 1-4
rates (% of occupants) slight (0.05, 0, 0, 0), moderate (0.35, 0.4, 0, 0), extensive
(2, 0.2, 0, 0); complete = 85% complete-without-collapse (10, 2, 0.02, 0.02) + 15% collapse
(40, 20, 5, 10) = (14.5, 4.7, 0.77, 1.52). Severity 4 = killed. Occupants = floor area /
``m2_per_person`` (assumption 20 m2, older small flats) x occupancy by local hour (assumption:
0.95 at night 20-07 h, 0.5 by day; HAZUS uses 2 am / 2 pm / 5 pm scenario occupancies).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.damage.fragility import get_curve

# --- Boore & Atkinson (2008), PGA row (OpenQuake transcription) ---------------------------
BA08_PGA = {
    "c1": -0.66050, "c2": 0.11970, "c3": -0.01151, "h": 1.35,
    "e1": -0.53804, "e2": -0.50350, "e3": -0.75472, "e4": -0.50970,
    "e5": 0.28805, "e6": -0.10164, "e7": 0.0, "Mh": 6.75,
    "sigma": 0.502, "tau": 0.260, "std": 0.564,
    "blin": -0.36, "b1": -0.64, "b2": -0.14,
}  # fmt: skip
MECHANISMS = {"unspecified": "e1", "strike_slip": "e2", "normal": "e3", "reverse": "e4"}

DAMAGE_STATES = ("none", "slight", "moderate", "extensive", "complete")
# HAZUS indoor casualty rates for URM, fraction of occupants; rows slight..complete,
# columns severity 1..4 (complete = 0.85 x no-collapse + 0.15 x collapse, module docstring).
_NO_COLLAPSE = np.array([0.10, 0.02, 0.0002, 0.0002])
_COLLAPSE = np.array([0.40, 0.20, 0.05, 0.10])
URM_COLLAPSE_SHARE_OF_COMPLETE = 0.15
URM_CASUALTY_RATES = np.array(
    [
        [0.0005, 0.0, 0.0, 0.0],
        [0.0035, 0.004, 0.0, 0.0],
        [0.02, 0.002, 0.0, 0.0],
        (1 - URM_COLLAPSE_SHARE_OF_COMPLETE) * _NO_COLLAPSE
        + URM_COLLAPSE_SHARE_OF_COMPLETE * _COLLAPSE,
    ]
)


def _ba08_fm(m, mechanism: str) -> np.ndarray:
    c = BA08_PGA
    ek = c[MECHANISMS[mechanism]]
    dm = np.asarray(m, float) - c["Mh"]
    return np.where(dm <= 0, ek + c["e5"] * dm + c["e6"] * dm * dm, ek + c["e7"] * dm)


def _ba08_fd(m, rjb_km) -> np.ndarray:
    c = BA08_PGA
    r = np.sqrt(np.asarray(rjb_km, float) ** 2 + c["h"] ** 2)
    return (c["c1"] + c["c2"] * (np.asarray(m, float) - 4.5)) * np.log(r) + c["c3"] * (r - 1.0)


def _ba08_nonlinear(vs30, pga4nl) -> np.ndarray:
    """Nonlinear site term F_NL, BA08 eqs. (8a-8c) and (13a-13d)."""
    c = BA08_PGA
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


def damage_state_probabilities(pga_g, curve_prefix: str) -> np.ndarray:
    """(..., 5) P(DS = none, slight, moderate, extensive, complete) at each PGA.

    Args:
        pga_g: PGA values (g).
        curve_prefix: fragility key prefix, e.g. "eq_urm_precode_midrise".

    Raises:
        KeyError: no such curves in the library.
    """
    pga = np.asarray(pga_g, float)
    exceed = np.stack(
        [np.ones_like(pga)] + [get_curve(f"{curve_prefix}_{ds}").probability(pga)
                               for ds in DAMAGE_STATES[1:]] + [np.zeros_like(pga)],
        axis=-1,
    )  # fmt: skip
    exceed[..., 1:-1] = np.minimum.accumulate(exceed[..., 1:-1], axis=-1)  # keep monotone
    return exceed[..., :-1] - exceed[..., 1:]


def occupancy_fraction(local_hour: float) -> float:
    """Share of residents indoors at home (assumption: 0.95 at 20-07 h, 0.5 otherwise)."""
    h = float(local_hour) % 24
    return 0.95 if (h >= 20 or h < 7) else 0.5


@dataclass(frozen=True)
class HousingStock:
    """One old-housing class per district.

    Attributes:
        name: class name.
        curve_prefix: fragility key prefix.
        floor_area_m2: (D,) floor area.
        building_floor_area_m2: typical floor area per building (assumption).
        m2_per_person: floor area per resident (assumption 20 m2).
    """

    name: str
    curve_prefix: str
    floor_area_m2: np.ndarray
    building_floor_area_m2: float
    m2_per_person: float = 20.0

    @property
    def residents(self) -> np.ndarray:
        return np.asarray(self.floor_area_m2, float) / self.m2_per_person

    @property
    def buildings(self) -> np.ndarray:
        return np.round(np.asarray(self.floor_area_m2, float) / self.building_floor_area_m2)


def old_housing_stocks(city) -> list[HousingStock]:
    """Pre-1996 housing split into generic URM and small-beam thin-slab stocks.

    ``small_beam_thin_slab_m2`` is part of ``old_housing_m2`` (exposure table), so it is
    subtracted from the generic class. Building sizes (assumption): 2,000 m2 for a typical
    5-6 storey brick block, 1,000 m2 for small-beam thin-slab blocks.
    """
    old = city.exposure["old_housing_m2"].to_numpy(float)
    sbts = city.exposure["small_beam_thin_slab_m2"].to_numpy(float)
    return [
        HousingStock("urm_precode", "eq_urm_precode_midrise", old - sbts, 2000.0),
        HousingStock("small_beam_thin_slab", "eq_small_beam_thin_slab", sbts, 1000.0),
    ]


def expected_impact(pga_g, stocks: list[HousingStock], local_hour: float) -> dict:
    """Expected damaged area and casualties per district.

    Args:
        pga_g: (D,) PGA per district.
        stocks: housing classes.
        local_hour: local time of the earthquake (occupancy).

    Returns:
        dict: "area_by_ds_m2" (S, D, 5), "casualties" (D, 4) severity 1-4 (4 = deaths).
    """
    occ = occupancy_fraction(local_hour)
    areas, cas = [], 0.0
    for st in stocks:
        p = damage_state_probabilities(pga_g, st.curve_prefix)
        areas.append(np.asarray(st.floor_area_m2, float)[:, None] * p)
        cas = cas + (st.residents * occ)[:, None] * (p[:, 1:] @ URM_CASUALTY_RATES)
    return {"area_by_ds_m2": np.stack(areas), "casualties": cas}


def sample_impact(pga_g, stocks: list[HousingStock], local_hour: float, rng) -> dict:
    """One stochastic realisation: building damage states and casualties per district.

    Buildings draw damage states multinomially; occupants of buildings in each state draw
    severities multinomially with the HAZUS URM rates.

    Returns:
        dict: "buildings_by_ds" (S, D, 5) counts, "casualties" (D, 4) counts.
    """
    occ = occupancy_fraction(local_hour)
    blds, cas = [], 0
    for st in stocks:
        p = damage_state_probabilities(pga_g, st.curve_prefix)
        n_b = st.buildings.astype(np.int64)
        counts = rng.multinomial(n_b, p)
        blds.append(counts)
        per_bld = st.building_floor_area_m2 / st.m2_per_person * occ
        occupants = np.round(counts[:, 1:] * per_bld).astype(np.int64)  # (D, 4)
        for k in range(4):
            pv = np.append(URM_CASUALTY_RATES[k], 1.0 - URM_CASUALTY_RATES[k].sum())
            cas = cas + rng.multinomial(occupants[:, k], pv)[:, :4]
    return {"buildings_by_ds": np.stack(blds), "casualties": np.asarray(cas)}
