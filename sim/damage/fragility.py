"""Lognormal fragility curves and the asset fragility library used by the Lekima scenario.

A fragility curve gives the probability that an asset reaches or exceeds a damage state given
an intensity measure (IM):

    P(DS >= ds | IM) = Phi( ln(IM / theta) / beta )

with median capacity ``theta`` (in IM units) and lognormal dispersion ``beta`` (the standard
form of HAZUS-MH and most infrastructure-fragility studies). Equivalently each asset has a
lognormal capacity C = theta * exp(beta * Z), Z ~ N(0, 1), and is damaged once IM >= C:
:func:`sample_capacity` draws C so that damage can be tracked against the running maximum IM.

Intensity measures are those registered in :data:`sim.hazards.base.INTENSITY_MEASURES`:
``gust_ms`` = peak 3-s gust at 10 m (m/s), ``flood_depth_m`` = water depth above local ground
(m), ``pga_g`` = peak ground acceleration (g), ``sustained_ms``, ``rain_mm_per_h``, and any IM a
new hazard registers. A new hazard adds its curves with :func:`register_curve`.

Sourcing. Every entry's ``source`` names where theta and beta come from. Three kinds occur:
published values (with the route by which they were read), calibrations to the Lekima record
in scenarios/data/shanghai/facts.md section 2c (Aug 2019), and assumptions.
Assumptions and calibrations are labelled as such: they are calibration parameters, not data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special
from scipy.special import ndtr

from sim.hazards.base import INTENSITY_MEASURES


@dataclass(frozen=True)
class FragilityCurve:
    """Lognormal fragility curve P(DS >= ds | IM) = Phi(ln(IM/theta)/beta).

    Attributes:
        key: library key.
        theta: median capacity, in IM units (> 0).
        beta: lognormal dispersion (> 0).
        im: intensity measure name, registered in
            :data:`sim.hazards.base.INTENSITY_MEASURES`.
        damage_state: the damage state the curve refers to.
        source: provenance of theta and beta.
    """

    key: str
    theta: float
    beta: float
    im: str
    damage_state: str
    source: str

    def __post_init__(self) -> None:
        if not (np.isfinite(self.theta) and self.theta > 0):
            raise ValueError(f"{self.key}: theta must be finite and > 0, got {self.theta}")
        if not (np.isfinite(self.beta) and self.beta > 0):
            raise ValueError(f"{self.key}: beta must be finite and > 0, got {self.beta}")
        if self.im not in INTENSITY_MEASURES:
            raise ValueError(f"{self.key}: im {self.im!r} not in {sorted(INTENSITY_MEASURES)}")

    def probability(self, im: np.ndarray) -> np.ndarray:
        """P(DS >= ds | IM) for each IM value (0 where IM <= 0; NaN IM gives NaN).

        Args:
            im: array of intensity values in the curve's IM units.

        Returns:
            Array of probabilities, same shape as ``im``.
        """
        x = np.asarray(im, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.log(np.where(x > 0, x, 1.0) / self.theta) / self.beta
        return np.where(x > 0, ndtr(z), np.where(np.isnan(x), np.nan, 0.0))

    def sample_capacity(self, rng: np.random.Generator, size) -> np.ndarray:
        """Capacities theta*exp(beta*Z) for ``size`` assets (see :func:`sample_capacity`)."""
        return sample_capacity(self.theta, self.beta, rng, size)


def sample_capacity(theta, beta, rng: np.random.Generator, size, share=1.0) -> np.ndarray:
    """Draw lognormal capacities C = theta * exp(beta * Z), Z ~ N(0, 1).

    An asset fails once its IM reaches its capacity, so P(C <= im) equals the fragility curve.
    NaN theta (asset not susceptible) gives NaN capacity, which never compares >= any IM.

    Args:
        theta: median capacity, scalar or array broadcastable to ``size``.
        beta: dispersion, scalar or array broadcastable to ``size``.
        rng: random generator.
        size: output shape.
        share: units of the calibrated curve each asset stands for (:func:`share_of_unit`);
            1 keeps the curve as it is.

    Returns:
        Array of capacities of shape ``size``.
    """
    z = share_of_unit(rng.standard_normal(size), share)
    return np.asarray(theta, dtype=float) * np.exp(np.asarray(beta, dtype=float) * z)


def share_of_unit(z: np.ndarray, share) -> np.ndarray:
    """Standard-normal capacity draws ``z`` of calibrated units turned into those of assets
    that each stand for ``share`` of a unit (e.g. a line section of a finer discretisation).

    A unit fails when any part of it fails, its parts independently (a Poisson process along
    a line: assumption), so a part with the unit's fragility P1 at an IM fails with
    P = 1 - (1 - P1)^share. With U = Phi(z) the part's draw is z' with
    Phi(-z') = Phi(-z)^(1/share): monotone in z, so the same random stream gives the same
    order of failures, and z' = z where share = 1 (returned unchanged).

    Args:
        z: (n,) standard-normal draws.
        share: (n,) or scalar, units each asset stands for (> 0).

    Returns:
        (n,) transformed draws; ``theta * exp(beta * z')`` has the part's fragility.
    """
    share = np.broadcast_to(np.asarray(share, dtype=float), np.shape(z))
    if np.all(share == 1.0):
        return z
    out = -special.ndtri(np.exp(special.log_ndtr(-z) / share))
    return np.where(share == 1.0, z, out)


_CAL = "calibrated to scenarios/data/shanghai/facts.md §2c (Lekima 2019); calibration parameter"
_CAL_GUST = "simulated land peak gusts of that storm ~22-31 m/s (see tests/test_typhoon.py)"

_ENTRIES: list[FragilityCurve] = [
    # ------------------------------------------------------------------ telecom, wind
    FragilityCurve(
        key="telecom_mast_wind",
        theta=60.0,
        beta=0.25,
        im="gust_ms",
        damage_state="a base-station site out of service: mast, antennas or feeders blown down",
        source=(
            "Assumption (no published tower fragility read): median 3-s gust about 1.5 x the "
            "~40 m/s 50-year design gust of a coastal Chinese city (masts are designed to that "
            "load with safety factors), dispersion 0.25 as for engineered steel structures; "
            "P = 0.4% at 31 m/s, 1.5% at 35 m/s, 16% at 47 m/s."
        ),
    ),
    # ------------------------------------------------------------------ power, wind
    FragilityCurve(
        key="power_10kv_overhead_line_segment",
        theta=85.0,
        beta=0.35,
        im="gust_ms",
        damage_state="outage-causing fault of a 10 kV overhead segment (incl. tree fall/debris)",
        source=(
            f"Lognormal form as in the pole/line fragility literature; theta, beta {_CAL}: "
            "about 100 faulted 10 kV lines during Lekima on the generated network's 42,882 "
            "transformer feeder segments (default resolution), i.e. ~0.2% of segments at "
            f"{_CAL_GUST} -> P = 0.04% at 25 m/s, 0.15% at 30 m/s, 0.5% at 35 m/s. Sits above "
            "the single-pole curve (power_distribution_pole) because a segment has several "
            "poles and spans and most typhoon faults are conductor contact with trees and debris."
        ),
    ),
    FragilityCurve(
        key="power_distribution_pole",
        theta=73.8,
        beta=0.26,
        im="gust_ms",
        damage_state="structural failure of a distribution pole",
        source=(
            "Darestani & Shafieezadeh (2019), 'Multi-dimensional wind fragility functions for "
            "wood utility poles', Engineering Structures 183:937-948, Table 14 (Class 1, height "
            "uncertain) at wind-conductor angle 90 deg, conductor area 2 m2, age 50 y: median "
            "165 mph 3-s gust = 73.8 m/s, sigma 0.26 (coefficients as transcribed in public "
            "code, reproducing the paper's stated 165 mph; paper text not read here). "
            "Assumption: the wood-pole curve stands in for concrete poles."
        ),
    ),
    FragilityCurve(
        key="power_transmission_tower",
        theta=81.7,
        beta=0.25,
        im="gust_ms",
        damage_state="collapse / loss of function of a steel lattice transmission tower",
        source=(
            "Panteli et al. (2017), 'Power system resilience to extreme weather: fragility "
            "modeling, probabilistic impact assessment, and adaptation measures', IEEE Trans. "
            "Power Systems 32(5): median 294 km/h (81.7 m/s) 3-s gust, beta 0.25, as tabulated "
            "by Raj, Kumar & Bhatia (2021), arXiv:2107.06072, Table 2 (read via a public code "
            "transcription; their own Cyclone Fani curve: 280.4 km/h, beta 0.088, Table 1)."
        ),
    ),
    # ------------------------------------------------------------------ buildings, wind
    FragilityCurve(
        key="temporary_shed",
        theta=50.0,
        beta=0.30,
        im="gust_ms",
        damage_state="collapse / roof loss of a temporary shed or simple structure",
        source=(
            "Assumption (no published curve found); calibration parameter. Chosen so that "
            "sheds are the most wind-fragile dwellings: P = 1.5% at 25 m/s, 4.4% at 30 m/s, "
            "consistent with the pre-emptive evacuation of shed dwellers before Lekima "
            "(scenarios/data/shanghai/facts.md §2c) and no reported casualties."
        ),
    ),
    FragilityCurve(
        key="old_housing_urm_light",
        theta=45.0,
        beta=0.30,
        im="gust_ms",
        damage_state="light damage (roof tiles, windows) to pre-1996 unreinforced masonry housing",
        source=(
            "Assumption; calibration parameter (P = 9% at 30 m/s). Exposure: ~146 million m2 "
            "of 1950-1996 housing without seismic fortification (docs/domain.md §1, briefing)."
        ),
    ),
    FragilityCurve(
        key="old_housing_urm_collapse",
        theta=75.0,
        beta=0.25,
        im="gust_ms",
        damage_state="partial or total collapse of pre-1996 unreinforced masonry housing",
        source=(
            "Assumption; calibration parameter (P = 1.2e-4 at 30 m/s), consistent with no "
            "housing collapse reported during Lekima (scenarios/data/shanghai/facts.md §2c)."
        ),
    ),
    FragilityCurve(
        key="small_beam_thin_slab_housing",
        theta=65.0,
        beta=0.30,
        im="gust_ms",
        damage_state="partial collapse of small-beam thin-slab (xiaoliang-baoban) housing",
        source=(
            "Assumption; calibration parameter: the most dangerous old-housing type "
            "(~500,000 m2, docs/domain.md §1) gets a lower median than other pre-1996 masonry: "
            "P = 5e-3 at 30 m/s."
        ),
    ),
    # ------------------------------------------------------------------ falling objects, wind
    FragilityCurve(
        key="shop_signboard",
        theta=68.0,
        beta=0.20,
        im="gust_ms",
        damage_state="detachment / fall of a shop signboard",
        source=(
            f"Theta, beta {_CAL}: 4 falling signboards among ~360,000 "
            "(scenarios/data/shanghai/facts.md §2c; docs/domain.md §1) -> P ~ 1.1e-5 at the "
            "districts' Lekima peak gusts of ~28-32 m/s "
            "(this curve: 4.5e-6 at 28 m/s, 4.3e-5 at 31 m/s, 1.8e-3 at 38 m/s)."
        ),
    ),
    FragilityCurve(
        key="outdoor_advertising_structure",
        theta=60.0,
        beta=0.20,
        im="gust_ms",
        damage_state="failure / fall of an outdoor advertising structure",
        source=(
            "Assumption; calibration parameter: larger sail area than a shop sign, so a lower "
            "median than shop_signboard; P = 7e-5 at 28 m/s (~2 of ~29,000 structures, "
            "docs/domain.md §1), no failures reported for Lekima."
        ),
    ),
    FragilityCurve(
        key="glass_curtain_wall_panel",
        theta=70.0,
        beta=0.25,
        im="gust_ms",
        damage_state="breakage / fall of a glass curtain-wall panel",
        source=(
            "Assumption; calibration parameter (P = 1.2e-4 per panel at 28 m/s); exposure "
            "12,888 glass-curtain-wall buildings (docs/domain.md §1)."
        ),
    ),
    FragilityCurve(
        key="urban_tree",
        theta=64.0,
        beta=0.30,
        im="gust_ms",
        damage_state="windthrow or stem breakage of an urban (street) tree",
        source=(
            "Lognormal wind fragility of urban street trees as in 'Wind risk assessment of "
            "urban street trees based on wind-induced fragility', Dis. Prev. Res. 1:7 (2022), "
            "doi:10.20517/dpr.2022.05 (form only; its parameters not read). Theta, beta "
            f"{_CAL}: 2,984 trees down (scenarios/data/shanghai/facts.md §2c) -> P = 3e-3 at "
            "28 m/s if ~1e6 trees are exposed (tree count is an assumption: check against the "
            "exposure table)."
        ),
    ),
    FragilityCurve(
        key="road_segment_debris_blockage",
        theta=45.0,
        beta=0.30,
        im="gust_ms",
        damage_state="road segment blocked by fallen trees / debris",
        source=(
            "Assumption; calibration parameter: P = 5.7e-2 per road segment at 28 m/s, i.e. "
            "of order 10^3 blockages on a 10^4-segment road layer, the same order as the "
            "2,984 trees down during Lekima (scenarios/data/shanghai/facts.md §2c)."
        ),
    ),
    # ------------------------------------------------------------------ flood depth
    FragilityCurve(
        key="power_distribution_substation_flood",
        theta=0.30,
        beta=0.40,
        im="flood_depth_m",
        damage_state="loss of function of a 10 kV switching / distribution room",
        source=(
            "Assumption; calibration parameter: depth as IM as in the HAZUS-MH flood model's "
            "utility-facility damage functions (FEMA HAZUS-MH MR3 Flood Technical Manual) and "
            "the lognormal per-component flood fragilities reviewed by Asaridis & Molinari "
            "(2023, Adv. Geosci. 61:1-21); median = typical equipment plinth height 0.2-0.5 m "
            "(ground-level and basement rooms)."
        ),
    ),
    FragilityCurve(
        key="power_transformer_flood",
        theta=0.40,
        beta=0.40,
        im="flood_depth_m",
        damage_state="loss of function of a pad-mounted / box-type distribution transformer",
        source=(
            "Assumption; calibration parameter (same approach as "
            "power_distribution_substation_flood, slightly higher plinth)."
        ),
    ),
    FragilityCurve(
        key="power_substation_110_35kv_flood",
        theta=0.80,
        beta=0.35,
        im="flood_depth_m",
        damage_state="loss of function of a 110 kV or 35 kV substation",
        source=(
            "Assumption; calibration parameter: raised foundations and flood walls put the "
            "median well above that of distribution rooms (see "
            "power_distribution_substation_flood for the approach)."
        ),
    ),
    FragilityCurve(
        key="water_pumping_station_flood",
        theta=0.60,
        beta=0.40,
        im="flood_depth_m",
        damage_state="loss of function of a water-supply pumping station",
        source="Assumption; calibration parameter (motor and control equipment above ground).",
    ),
    FragilityCurve(
        key="drainage_pumping_station_flood",
        theta=1.00,
        beta=0.40,
        im="flood_depth_m",
        damage_state="loss of function of a stormwater drainage pumping station",
        source=(
            "Assumption; calibration parameter: built to work in wet conditions, controls "
            "raised, so a higher median than water-supply pumping stations."
        ),
    ),
    FragilityCurve(
        key="water_treatment_plant_flood",
        theta=1.20,
        beta=0.40,
        im="flood_depth_m",
        damage_state="loss of function of a water treatment plant",
        source="Assumption; calibration parameter (large raised sites with internal drainage).",
    ),
    # -------------------------------------------------------- falling objects, wind (added)
    FragilityCurve(
        key="air_conditioner_bracket",
        theta=90.0,
        beta=0.25,
        im="gust_ms",
        damage_state="failure of an external air-conditioner bracket (unit falls)",
        source=(
            "Assumption (no published curve found); calibration parameter: with ~1 external unit "
            "per household (~1.07e7) the curve gives ~15 falls city-wide at a 28 m/s peak gust "
            "(P = 1.5e-6), consistent with none being reported for Lekima "
            "(scenarios/data/shanghai/facts.md §2c)."
        ),
    ),
    FragilityCurve(
        key="external_insulation_panel",
        theta=60.0,
        beta=0.25,
        im="gust_ms",
        damage_state="detachment / fall of a ~100 m2 patch of degraded external wall insulation",
        source=(
            "Assumption; calibration parameter: only the 236 estates awaiting repair "
            "(docs/domain.md §1) are exposed; P = 1.1e-3 per patch at 28 m/s."
        ),
    ),
]

# ---------------------------------------------------------------------- earthquake (added)
_HAZUS_PGA = (
    "FEMA HAZUS-MH Earthquake Technical Manual (MR4/MR5), equivalent-PGA structural fragility "
    "curves (section 5.4.4), pre-code seismic design level, as tabulated in USGS ShakeCast V3 "
    "documentation, Appendix E 'MBT Fragility', Table 4 (Pre-code), read in "
    "github.com/klin-usgs/ShakeCast_V3 operator_appende.md (manual table number not checked). "
    "Assumption: the US model building class stands in for the local stock. "
)
_DS = ("slight", "moderate", "extensive", "complete")


def _eq_curves(key: str, medians_g, beta: float, what: str, source: str) -> list[FragilityCurve]:
    return [
        FragilityCurve(
            key=f"{key}_{ds}",
            theta=float(m),
            beta=beta,
            im="pga_g",
            damage_state=f"HAZUS {ds} structural damage or worse, {what}",
            source=source,
        )
        for ds, m in zip(_DS, medians_g, strict=True)
    ]


_ENTRIES += _eq_curves(
    "eq_urm_precode_lowrise",
    (0.13, 0.17, 0.26, 0.37),
    0.64,
    "pre-code unreinforced masonry, low-rise (HAZUS URML, 1-2 storeys)",
    _HAZUS_PGA + "URMLP medians 0.13/0.17/0.26/0.37 g, beta 0.64 for every damage state.",
)
_ENTRIES += _eq_curves(
    "eq_urm_precode_midrise",
    (0.09, 0.13, 0.21, 0.38),
    0.64,
    "pre-code unreinforced masonry, mid-rise (HAZUS URMM, 3+ storeys); used for the "
    "1950-1996 brick-concrete (zhuan-hun) housing without seismic fortification",
    _HAZUS_PGA
    + "URMMP medians 0.09/0.13/0.21/0.38 g, beta 0.64. Mapping the multi-storey pre-1996 "
    "brick housing to URMM pre-code is part of that assumption.",
)
_ENTRIES += _eq_curves(
    "eq_small_beam_thin_slab",
    (0.072, 0.104, 0.168, 0.304),
    0.64,
    "small-beam thin-slab (xiaoliang-baoban) masonry housing, the most fragile old stock",
    "Assumption derived from HAZUS URMMP pre-code (see eq_urm_precode_midrise): medians x 0.8 "
    "for thin precast floor slabs on small beams without ring beams (weak diaphragms); no "
    "published curve for this type was found. Beta 0.64 as HAZUS.",
)

_HAZUS_POWER = (
    "FEMA (2022), Hazus Earthquake Model Technical Manual, Hazus 5.1: electric power fragility "
    "(PGA), as transcribed in NHERI SimCenter's Damage and Loss Model Library, "
    "seismic/power_network/portfolio/Hazus v5.1/fragility.csv. The extensive damage state is "
    "taken as loss of function until repaired (Hazus: most breakers, switches or circuits "
    "damaged). Anchored components (assumption: substations built to China's seismic design "
    "code for electrical installations). "
)
_ENTRIES += [
    FragilityCurve(
        key="power_substation_220kv_pga",
        theta=0.35,
        beta=0.40,
        im="pga_g",
        damage_state="Hazus extensive damage of a 220 kV substation (out of service)",
        source=_HAZUS_POWER + "Medium-voltage (230 kV) substation, anchored: EP.S.M.A extensive "
        "0.35 g, beta 0.40.",
    ),
    FragilityCurve(
        key="power_substation_110_35kv_pga",
        theta=0.45,
        beta=0.45,
        im="pga_g",
        damage_state="Hazus extensive damage of a 110 kV or 35 kV substation (out of service)",
        source=_HAZUS_POWER + "Low-voltage (115 kV) substation, anchored: EP.S.L.A extensive "
        "0.45 g, beta 0.45.",
    ),
    FragilityCurve(
        key="power_distribution_circuit_pga",
        theta=0.72,
        beta=0.15,
        im="pga_g",
        damage_state="Hazus extensive damage of a 10 kV distribution circuit (out of service)",
        source=_HAZUS_POWER + "Distribution circuit, seismically anchored components: EP.C.A "
        "extensive 0.72 g, beta 0.15.",
    ),
]

FRAGILITY_LIBRARY: dict[str, FragilityCurve] = {c.key: c for c in _ENTRIES}


def register_curve(curve: FragilityCurve) -> FragilityCurve:
    """Add a hazard's curve to :data:`FRAGILITY_LIBRARY` (idempotent for an identical curve).

    Raises:
        ValueError: another curve has the key.
    """
    old = FRAGILITY_LIBRARY.get(curve.key)
    if old is not None and old != curve:
        raise ValueError(f"fragility curve {curve.key!r} is already registered")
    FRAGILITY_LIBRARY[curve.key] = curve
    return curve


def get_curve(key: str) -> FragilityCurve:
    """Library curve by key.

    Raises:
        KeyError: unknown key; the message lists the valid keys.
    """
    try:
        return FRAGILITY_LIBRARY[key]
    except KeyError:
        raise KeyError(
            f"no fragility curve {key!r}; valid keys: {sorted(FRAGILITY_LIBRARY)}"
        ) from None
