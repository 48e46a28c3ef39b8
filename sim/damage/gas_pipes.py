"""Damage and release of buried gas mains: repair rates, release rates, ignition, jet fires.

Every formula below is published; every parameter not taken from its source is marked as an
assumption.

- **Repair rate by ground shaking** (wave propagation): O'Rourke & Ayala (1993), "Pipeline
  damage due to wave propagation", J. Geotech. Eng. 119(9):1490-1498, as adopted in the Hazus
  earthquake model (FEMA, Hazus-MH 2.1 Technical Manual, §8.1.7): RR = 0.0001 · PGV^2.25 repairs
  per km, PGV in cm/s, for brittle pipe (cast iron); ductile pipe (steel, PE) 0.3 × RR. Hazus
  splits the repairs by PGV into 80 % leaks and 20 % breaks. The number of repairs on a main of
  L km is Poisson(RR · L), so P(at least one) = 1 − exp(−RR · L).
- **Release rate** through a hole: isentropic flow of an ideal gas through an orifice, choked
  when the ambient to upstream pressure ratio is below (2/(γ+1))^(γ/(γ−1)) and subsonic
  otherwise (TNO "Yellow Book", CPR 14E, 3rd ed. 1997, §2.5.2.3; the same equations in Crane
  TP-410). Natural gas taken as methane: γ = 1.31, M = 16.04 g/mol, 288 K; discharge coefficient
  0.62 (sharp-edged hole, the Yellow Book's recommended value).
- **Ignition probability** by release rate: Cox, Lees & Ang (1990), "Classification of hazardous
  locations", IChemE: gas releases < 1 kg/s 0.01, 1-50 kg/s 0.07, > 50 kg/s 0.3.
- **Jet fire**: radiated power = radiant fraction × mass rate × heat of combustion; heat of
  combustion of methane 50.0 MJ/kg (lower heating value); radiant fraction 0.2 (assumption: the
  middle of the 0.15-0.25 range quoted for natural-gas jet fires, e.g. API RP 521 §5.2); the
  harm by heat flux is :func:`sim.hazards.chemical.fire_consequences` (TNO probit).
"""

from __future__ import annotations

import numpy as np

RR_COEFFICIENT_PER_KM = 1.0e-4
"""O'Rourke & Ayala (1993) / Hazus: RR = 0.0001 · PGV^2.25 repairs/km (PGV cm/s), brittle pipe."""
RR_EXPONENT = 2.25
"""Exponent of PGV in the same relation."""
DUCTILE_FACTOR = 0.3
"""Hazus: ductile pipe has 0.3 times the brittle repair rate."""
LEAK_SHARE_PGV = 0.8
"""Hazus: of the repairs caused by PGV, 80 % are leaks and 20 % breaks."""

METHANE_GAMMA = 1.31
"""Ratio of specific heats of methane (natural gas taken as methane)."""
METHANE_MOLAR_KG = 0.01604
"""Molar mass of methane, kg/mol."""
GAS_TEMPERATURE_K = 288.0
"""Gas temperature in buried mains, K (assumption: ground temperature, 15 °C)."""
DISCHARGE_COEFFICIENT = 0.62
"""Discharge coefficient of a sharp-edged hole (TNO Yellow Book)."""
AMBIENT_PA = 101_325.0
"""Atmospheric pressure, Pa."""
GAS_CONSTANT = 8.314462618
"""Molar gas constant, J/(mol K)."""

IGNITION_BY_RATE = ((1.0, 0.01), (50.0, 0.07), (np.inf, 0.3))
"""Cox, Lees & Ang (1990): (upper release rate kg/s, ignition probability) for gas."""
METHANE_HEAT_OF_COMBUSTION_J_KG = 50.0e6
"""Lower heating value of methane, J/kg."""
JET_FIRE_RADIANT_FRACTION = 0.2
"""Share of a natural-gas jet fire's heat release radiated (assumption; module docstring)."""


def repair_rate_per_km(pgv_cm_s, ductile=False):
    """Repairs per km of main at peak ground velocity ``pgv_cm_s`` (cm/s).

    O'Rourke & Ayala (1993) as in Hazus: 0.0001 · PGV^2.25, times 0.3 for ductile pipe.

    Args:
        pgv_cm_s: PGV, cm/s (scalar or array, >= 0).
        ductile: True (or a bool array) for steel or PE mains.

    Returns:
        Repairs per km, broadcast over the inputs.
    """
    v = np.maximum(np.asarray(pgv_cm_s, float), 0.0)
    factor = np.where(np.asarray(ductile, bool), DUCTILE_FACTOR, 1.0)
    return RR_COEFFICIENT_PER_KM * v**RR_EXPONENT * factor


def pgv_capacity_cm_s(pipe_km, ductile, rng: np.random.Generator) -> np.ndarray:
    """The PGV (cm/s) at which each main gets its first repair, one draw per main.

    Repairs on a main of L km form a Poisson process in RR(PGV)·L, so the first repair comes
    when RR(PGV)·L reaches an Exp(1) draw E: PGV_cap = (E / (a·k·L))^(1/2.25), with a = 0.0001
    and k = 1 or 0.3 (ductile). Then P(PGV_cap <= v) = 1 − exp(−RR(v)·L), the Poisson
    probability of at least one repair, exactly.

    Args:
        pipe_km: (n,) main length, km; NaN or <= 0: not a main (capacity NaN).
        ductile: (n,) bool.
        rng: generator (n exponential draws).

    Returns:
        (n,) capacities, cm/s (NaN where no main).
    """
    length = np.asarray(pipe_km, float)
    e = rng.exponential(1.0, length.shape)
    k = np.where(np.asarray(ductile, bool), DUCTILE_FACTOR, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        cap = (e / (RR_COEFFICIENT_PER_KM * k * length)) ** (1.0 / RR_EXPONENT)
    return np.where(length > 0, cap, np.nan)


def release_rate_kg_s(gauge_pressure_pa, hole_diameter_m) -> np.ndarray:
    """Mass rate of natural gas (methane) out of a hole, kg/s (TNO Yellow Book orifice flow).

    Args:
        gauge_pressure_pa: pressure in the main above atmospheric, Pa (>= 0).
        hole_diameter_m: equivalent hole diameter, m.

    Returns:
        kg/s: choked flow Cd·A·sqrt(γ ρ0 P0 (2/(γ+1))^((γ+1)/(γ−1))) when the pressure ratio is
        below critical, else Cd·A·sqrt(2 ρ0 P0 γ/(γ−1) (r^(2/γ) − r^((γ+1)/γ))), r = Pa/P0.
    """
    g = METHANE_GAMMA
    p0 = np.asarray(gauge_pressure_pa, float) + AMBIENT_PA
    area = np.pi * np.asarray(hole_diameter_m, float) ** 2 / 4.0
    rho0 = p0 * METHANE_MOLAR_KG / (GAS_CONSTANT * GAS_TEMPERATURE_K)
    r = AMBIENT_PA / p0
    critical = (2.0 / (g + 1.0)) ** (g / (g - 1.0))
    choked = g * rho0 * p0 * (2.0 / (g + 1.0)) ** ((g + 1.0) / (g - 1.0))
    sub = 2.0 * rho0 * p0 * g / (g - 1.0) * (r ** (2.0 / g) - r ** ((g + 1.0) / g))
    flux = np.where(r <= critical, choked, np.maximum(sub, 0.0))
    return DISCHARGE_COEFFICIENT * area * np.sqrt(flux)


def ignition_probability(rate_kg_s) -> np.ndarray:
    """Probability that a gas release ignites (Cox, Lees & Ang 1990), by release rate kg/s."""
    rate = np.asarray(rate_kg_s, float)
    out = np.full(rate.shape, IGNITION_BY_RATE[-1][1])
    for upper, p in reversed(IGNITION_BY_RATE[:-1]):
        out = np.where(rate < upper, p, out)
    return out


def jet_fire_power_mw(rate_kg_s) -> np.ndarray:
    """Radiated power of an ignited release, MW: radiant fraction × rate × heat of combustion."""
    rate = np.asarray(rate_kg_s, float)
    return JET_FIRE_RADIANT_FRACTION * rate * METHANE_HEAT_OF_COMBUSTION_J_KG / 1e6
