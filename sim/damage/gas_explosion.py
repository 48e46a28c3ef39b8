"""Explosion of natural gas accumulated in a confined space: blast energy, overpressure, harm.

A leak that ignites after its gas has seeped into a confined space (a basement, a utility vault,
a ground-floor room, an underground passage) explodes instead of burning as a jet fire
(`sim.networks.gas_leaks`). Every formula is published; every parameter not taken from its
source is marked as an assumption.

- **Blast energy**: the TNO multi-energy method (Van den Berg 1985, "The multi-energy method: a
  framework for vapour cloud explosion blast prediction", J. Hazard. Mater. 12:1-10; TNO
  "Yellow Book", CPR 14E, 3rd ed. 1997, ch. 5) takes the combustion energy of the confined part
  of the cloud as 3.5 MJ per m³ of stoichiometric hydrocarbon-air mixture. The confined volume
  is ``CONFINED_VOLUME_M3`` (assumption: 100 m³, a basement room or a vault section, filled to
  stoichiometric strength — a leak of 0.17 kg/s (400 kPa, 20 mm hole) brings the 6.4 kg of
  methane it needs in under a minute).
- **TNT equivalence**: W = E / 4.68 MJ/kg (the blast energy of TNT used by CCPS, "Guidelines
  for Evaluating the Characteristics of Vapor Cloud Explosions, Flash Fires, and BLEVEs", 1994).
  Assumption: a fully confined deflagration is taken at the multi-energy method's strongest
  class (10), whose far-field blast is that of a TNT charge of the same energy.
- **Peak side-on overpressure** at distance R, scaled distance Z = R / W^(1/3) (m/kg^(1/3)):
  Kinney & Graham (1985), "Explosive Shocks in Air", 2nd ed., Springer, their fit for a
  chemical (TNT) explosion in free air,
  ΔP/Pa = 808 (1 + (Z/4.5)²) / (√(1 + (Z/0.048)²) √(1 + (Z/0.32)²) √(1 + (Z/1.35)²)),
  Pa = 101,325 Pa.
- **Lethality**: the probit of death by lung haemorrhage, Y = −77.1 + 6.91 ln ΔP (ΔP in Pa),
  and of eardrum rupture (the injury), Y = −15.6 + 1.93 ln ΔP, P = Φ(Y − 5) (Eisenberg, Lynch &
  Breeding 1975, "Vulnerability model: a simulation system for assessing damage resulting from
  marine spills", US Coast Guard report CG-D-136-75; as listed among the probit correlations of
  CCPS 2000, "Guidelines for Chemical Process Quantitative Risk Analysis", 2nd ed., §2.3, and of
  the TNO "Green Book", CPR 16E, 1992). Both are direct blast effects: deaths under collapsing
  buildings and by flying glass are not counted (assumption; it understates the harm).
- **Persons exposed**: the residents around the explosion at their district's density, all of
  them (indoors and out: a blast reaches both; assumption), Poisson in each ring.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.integrate import quad
from scipy.optimize import brentq
from scipy.stats import norm

STOICHIOMETRIC_ENERGY_J_M3 = 3.5e6
"""Combustion energy per m³ of stoichiometric hydrocarbon-air mixture (TNO multi-energy)."""
TNT_ENERGY_J_KG = 4.68e6
"""Blast energy of TNT, J/kg (CCPS 1994)."""
CONFINED_VOLUME_M3 = 100.0
"""Confined volume filled with gas before the ignition, m³ (assumption; module docstring)."""
AMBIENT_PA = 101_325.0
"""Atmospheric pressure, Pa."""
LUNG_PROBIT = (-77.1, 6.91)
"""Eisenberg et al. (1975): death by lung haemorrhage, Y = a + b ln ΔP, ΔP in Pa."""
EARDRUM_PROBIT = (-15.6, 1.93)
"""Eisenberg et al. (1975): eardrum rupture, Y = a + b ln ΔP, ΔP in Pa."""
HARM_FLOOR = 1e-4
"""Probability of injury below which a ring is no longer counted (outer radius of harm)."""


def tnt_equivalent_kg(volume_m3: float = CONFINED_VOLUME_M3) -> float:
    """TNT mass of the explosion of ``volume_m3`` m³ of stoichiometric gas-air mixture, kg:
    3.5 MJ/m³ × V / 4.68 MJ/kg (module docstring)."""
    if not volume_m3 >= 0:
        raise ValueError(f"confined volume must be >= 0 m3, got {volume_m3}")
    return STOICHIOMETRIC_ENERGY_J_M3 * float(volume_m3) / TNT_ENERGY_J_KG


def overpressure_pa(distance_m, tnt_kg: float) -> np.ndarray:
    """Peak side-on overpressure at ``distance_m`` from ``tnt_kg`` of TNT, Pa (Kinney & Graham
    1985; module docstring). Raises ValueError for a charge <= 0."""
    if not tnt_kg > 0:
        raise ValueError(f"TNT mass must be > 0 kg, got {tnt_kg}")
    z = np.maximum(np.asarray(distance_m, float), 0.0) / tnt_kg ** (1.0 / 3.0)
    ratio = (
        808.0
        * (1.0 + (z / 4.5) ** 2)
        / np.sqrt((1.0 + (z / 0.048) ** 2) * (1.0 + (z / 0.32) ** 2) * (1.0 + (z / 1.35) ** 2))
    )
    return ratio * AMBIENT_PA


def _probit(pressure_pa, coeffs) -> np.ndarray:
    a, b = coeffs
    p = np.maximum(np.asarray(pressure_pa, float), 1e-9)
    return norm.cdf(a + b * np.log(p) - 5.0)


def death_probability(pressure_pa) -> np.ndarray:
    """P(death) at peak overpressure ``pressure_pa`` (Pa): Eisenberg lung-haemorrhage probit."""
    return _probit(pressure_pa, LUNG_PROBIT)


def injury_probability(pressure_pa) -> np.ndarray:
    """P(injured, not killed) at ``pressure_pa`` (Pa): eardrum rupture (Eisenberg probit) of
    those not killed, P_ear − P_death clipped at 0 (a death is not also an injury)."""
    return np.maximum(_probit(pressure_pa, EARDRUM_PROBIT) - death_probability(pressure_pa), 0.0)


def harm_radius_m(tnt_kg: float) -> float:
    """Distance beyond which the injury probability is below `HARM_FLOOR`, m."""
    a, b = EARDRUM_PROBIT
    p_floor = np.exp((norm.ppf(HARM_FLOOR) + 5.0 - a) / b)  # Pa

    def gap(r):
        return float(overpressure_pa(r, tnt_kg)) - p_floor

    hi = 10.0
    while gap(hi) > 0:
        hi *= 2.0
    return float(brentq(gap, 0.0, hi))


def blast_ring_probabilities(tnt_kg: float, r0_m: float, r1_m: float) -> tuple[float, float]:
    """(P(death), P(injury)) of a person placed uniformly (by area) in the ring r0 <= r < r1
    around the blast: area-weighted means of the probits (numerical quadrature)."""
    if r1_m <= r0_m:
        return 0.0, 0.0
    area = np.pi * (r1_m**2 - r0_m**2)
    out = []
    for f in (death_probability, injury_probability):
        val = quad(lambda r, f=f: float(f(overpressure_pa(r, tnt_kg))) * 2.0 * np.pi * r,
                   r0_m, r1_m, limit=200)[0]  # fmt: skip
        out.append(val / area)
    return out[0], out[1]


@dataclass(frozen=True)
class BlastOutcome:
    """Persons within the harm radius, killed and injured by one explosion, its direct loss."""

    exposed: int
    deaths: int
    injuries: int
    loss_yuan: float


EXPLOSION_LOSS_MEDIAN_YUAN = 5.0e6
"""Median direct loss of a confined gas explosion, yuan (assumption: the order of the jet-fire
default, `sim.hazards.chemical.FireScenario`; a damaged building and its contents)."""
EXPLOSION_LOSS_SIGMA = 1.0
"""Log-standard deviation of that loss (assumption)."""


@lru_cache(maxsize=32)
def disc_harm(volume_m3: float) -> tuple[float, float, float]:
    """(harm radius m, P(death), P(injury)) over the disc of harm of an explosion of
    ``volume_m3`` m³ (`harm_radius_m`, `blast_ring_probabilities`; cached: the quadratures
    depend on the volume alone)."""
    w = tnt_equivalent_kg(volume_m3)
    r1 = harm_radius_m(w)
    return (r1, *blast_ring_probabilities(w, 0.0, r1))


def explosion_consequences(
    density_per_km2: float, rng: np.random.Generator, volume_m3: float = CONFINED_VOLUME_M3
) -> BlastOutcome:
    """Draw one confined explosion's harm among residents around it (module docstring).

    Args:
        density_per_km2: residents per km² around the explosion (>= 0).
        rng: generator (one Poisson, one multinomial, one normal draw).
        volume_m3: confined volume filled with stoichiometric mixture, m³ (> 0).

    Returns:
        BlastOutcome: residents within the harm radius (Poisson of density × disc area), the
        killed and injured among them (multinomial on the disc's mean probabilities), and the
        direct loss (lognormal).

    Raises:
        ValueError: negative density or a volume <= 0.
    """
    if not density_per_km2 >= 0:
        raise ValueError(f"density must be >= 0 per km2, got {density_per_km2}")
    if not volume_m3 > 0:
        raise ValueError(f"confined volume must be > 0 m3, got {volume_m3}")
    r1, pd_, pi_ = disc_harm(float(volume_m3))
    exposed = int(rng.poisson(density_per_km2 * np.pi * r1**2 / 1e6))
    hurt = rng.multinomial(exposed, [pd_, pi_, max(1.0 - pd_ - pi_, 0.0)])
    loss = float(EXPLOSION_LOSS_MEDIAN_YUAN * np.exp(EXPLOSION_LOSS_SIGMA * rng.standard_normal()))
    return BlastOutcome(exposed, int(hurt[0]), int(hurt[1]), loss)
