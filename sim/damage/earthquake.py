"""Earthquake damage to old housing and its casualties, from PGA at the district points.

Ground motion comes from the hazard (:mod:`sim.hazards.earthquake`, Boore & Atkinson 2008).

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

Deaths calibrated to the country's empirical record: HAZUS's rates are those of US buildings,
and with the PGA fragility above they give an M6.0 under a city of 24.9 M people ~15,000 deaths,
25 times the toll of the Ludian earthquake of 2014 (Ms 6.5: 617 dead, Wikipedia "2014 Ludian
earthquake") and 100 times Jishishan's of 2023 (M 6.2: 148 dead, 3 missing; AP, 23 Dec 2023).
Where the city profile has an ``earthquake_fatality`` model, the casualty rates of each
district are therefore scaled by one factor k_d so that the expected
deaths on the spot equal USGS PAGER's empirical estimate (Jaiswal & Wald 2010, "An empirical
model for global earthquake fatality estimation", Earthquake Spectra 26(4):1017-1037):

    deaths_d = population_d x nu(MMI_d),   nu(S) = Phi(ln(S / theta) / beta),

theta and beta of the city's country (``city.yaml``; China: theta 10.33, beta 0.100, from the
PAGER code's fatality.xml). MMI_d comes from the district's PGA by the ground-motion-to-intensity
conversion of Worden et al. (2012), "Probabilistic relationships between ground-motion parameters
and modified Mercalli intensity in California", BSSA 102(1):204-221, PGA branch (coefficients
as in USGS ShakeLib's wgrw12.py, PGA in cm/s2 with g = 981 cm/s2):

    MMI = 1.78 + 1.55 log10(PGA)  for log10(PGA) <= 1.57,  else  -1.60 + 3.70 log10(PGA).

PAGER evaluates the rate on integer MMI bins 5-9 (losspager's emploss.py; MMI 10 counted as 9)
on ~1 km population cells; here it is evaluated at the district's mean MMI itself (no bins, so
that a district at 6.49 and one at 6.51 do not differ 1,000-fold), capped at 9, zero below 4.5
(assumption). k_d scales all four severities alike (HAZUS's ratio of injured and trapped to
killed is kept), at most so that no damage state's rates sum above 1. PAGER's deaths are taken
as the deaths on the spot; those who die trapped, awaiting rescue, come on top (the response
decides them). Damage states and losses stay HAZUS's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from sim.damage.fragility import get_curve

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


MAX_CASUALTY_SCALE = float(1.0 / URM_CASUALTY_RATES.sum(axis=1).max())
"""Largest factor on the casualty rates that keeps every damage state's rates summing to <= 1."""

WORDEN2012_PGA = {"c1": 1.78, "c2": 1.55, "c3": -1.60, "c4": 3.70, "t1": 1.57}
"""Worden et al. (2012) PGA-to-MMI coefficients (module docstring); t1 in log10(cm/s2)."""
G_CM_PER_S2 = 981.0
"""Gravity in cm/s2 as ShakeLib converts g (wgrw12.py)."""


def mmi_from_pga(pga_g) -> np.ndarray:
    """Modified Mercalli intensity from PGA (Worden et al. 2012, module docstring).

    Args:
        pga_g: peak ground acceleration(s), g.

    Returns:
        MMI, clipped to [1, 10], same shape as the input.
    """
    c = WORDEN2012_PGA
    y = np.log10(np.maximum(np.asarray(pga_g, float), 1e-12) * G_CM_PER_S2)
    mmi = np.where(y <= c["t1"], c["c1"] + c["c2"] * y, c["c3"] + c["c4"] * y)
    return np.clip(mmi, 1.0, 10.0)


def pager_fatality_rate(mmi, theta_mmi: float, beta: float) -> np.ndarray:
    """PAGER empirical fatality rate nu(MMI) = Phi(ln(MMI / theta) / beta) (Jaiswal & Wald
    2010), evaluated at MMI capped at 9 and 0 below 4.5 (module docstring).

    Args:
        mmi: intensity (or intensities).
        theta_mmi, beta: the country's parameters (``city.yaml`` ``earthquake_fatality``).

    Returns:
        Deaths per resident, same shape as ``mmi``.
    """
    s = np.minimum(np.asarray(mmi, float), 9.0)
    rate = norm.cdf(np.log(np.maximum(s, 1e-9) / theta_mmi) / beta)
    return np.where(s < 4.5, 0.0, rate)


def pager_casualty_scale(
    pga_g, population, stocks, local_hour: float, fatality, curve=get_curve
) -> tuple[np.ndarray, np.ndarray]:
    """Per-district factor on the HAZUS casualty rates that makes the expected deaths on the
    spot equal PAGER's (module docstring).

    Args:
        pga_g: (D,) district PGA, g.
        population: (D,) residents.
        stocks: housing classes (:func:`old_housing_stocks`).
        local_hour: local time of the earthquake (HAZUS occupancy).
        fatality: the city's ``earthquake_fatality`` (``theta_mmi``, ``beta``).
        curve: fragility lookup, as in :func:`damage_state_probabilities`.

    Returns:
        (scale (D,), PAGER expected deaths (D,)); scale is 0 where HAZUS expects no death
        and at most :data:`MAX_CASUALTY_SCALE`.
    """
    pager = np.asarray(population, float) * pager_fatality_rate(
        mmi_from_pga(pga_g), fatality.theta_mmi, fatality.beta
    )
    hazus = expected_impact(pga_g, stocks, local_hour, curve)["casualties"][:, 3]
    scale = np.divide(pager, hazus, out=np.zeros_like(pager), where=hazus > 0)
    return np.minimum(scale, MAX_CASUALTY_SCALE), pager


def damage_state_probabilities(pga_g, curve_prefix: str, curve=get_curve) -> np.ndarray:
    """(..., 5) P(DS = none, slight, moderate, extensive, complete) at each PGA.

    Args:
        pga_g: PGA values (g).
        curve_prefix: fragility key prefix, e.g. "eq_urm_precode_midrise".
        curve: fragility lookup (key → curve); the model passes its own, with the scenario's
            ``fragility:`` overrides applied.

    Raises:
        KeyError: no such curves in the library.
    """
    pga = np.asarray(pga_g, float)
    exceed = np.stack(
        [np.ones_like(pga)] + [curve(f"{curve_prefix}_{ds}").probability(pga)
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


def expected_impact(pga_g, stocks: list[HousingStock], local_hour: float, curve=get_curve) -> dict:
    """Expected damaged area and casualties per district.

    Args:
        pga_g: (D,) PGA per district.
        stocks: housing classes.
        local_hour: local time of the earthquake (occupancy).
        curve: fragility lookup (key → curve), as in :func:`damage_state_probabilities`.

    Returns:
        dict: "area_by_ds_m2" (S, D, 5), "casualties" (D, 4) severity 1-4 (4 = deaths).
    """
    occ = occupancy_fraction(local_hour)
    areas, cas = [], 0.0
    for st in stocks:
        p = damage_state_probabilities(pga_g, st.curve_prefix, curve)
        areas.append(np.asarray(st.floor_area_m2, float)[:, None] * p)
        cas = cas + (st.residents * occ)[:, None] * (p[:, 1:] @ URM_CASUALTY_RATES)
    return {"area_by_ds_m2": np.stack(areas), "casualties": cas}


def sample_impact(
    pga_g,
    stocks: list[HousingStock],
    local_hour: float,
    rng,
    curve=get_curve,
    casualty_scale=None,
) -> dict:
    """One stochastic realisation: building damage states and casualties per district.

    Buildings draw damage states multinomially; occupants of buildings in each state draw
    severities multinomially with the HAZUS URM rates, times ``casualty_scale`` (D,) when
    given (:func:`pager_casualty_scale`). ``curve``: fragility lookup, as in
    :func:`damage_state_probabilities`.

    Returns:
        dict: "buildings_by_ds" (S, D, 5) counts, "casualties" (D, 4) counts.
    """
    occ = occupancy_fraction(local_hour)
    n_d = np.shape(pga_g)[0]
    scale = np.ones(n_d) if casualty_scale is None else np.asarray(casualty_scale, float)
    rates = scale[:, None, None] * URM_CASUALTY_RATES[None, :, :]  # (D, state, severity)
    blds, cas = [], 0
    for st in stocks:
        p = damage_state_probabilities(pga_g, st.curve_prefix, curve)
        n_b = st.buildings.astype(np.int64)
        counts = rng.multinomial(n_b, p)
        blds.append(counts)
        per_bld = st.building_floor_area_m2 / st.m2_per_person * occ
        occupants = np.round(counts[:, 1:] * per_bld).astype(np.int64)  # (D, 4)
        for k in range(4):
            pv = np.concatenate([rates[:, k], 1.0 - rates[:, k].sum(axis=1, keepdims=True)], 1)
            cas = cas + rng.multinomial(occupants[:, k], np.clip(pv, 0.0, 1.0))[:, :4]
    return {"buildings_by_ds": np.stack(blds), "casualties": np.asarray(cas)}
