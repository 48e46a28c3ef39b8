"""Consequences of a chemical-park accident, through the zones of :mod:`sim.hazards.chemical`.

Exposed persons = zone areas x resident density x presence x (1 - share evacuated in time)
(:func:`sim.hazards.chemical.exposed_persons`; ERG / assumption radii cited there); deaths in
the isolation zone and injuries in the protective zone with the class probabilities of
:data:`sim.hazards.chemical.HAZMAT_CLASSES`. Direct loss (property, clean-up, business
interruption) is lognormal with a median and sigma of the scenario (assumption; for scale the
2019 Xiangshui explosion: 78 deaths, 76 seriously injured, direct loss 1.986e9 yuan, You et
al. 2020, Process Safety Progress 39(1):e12132).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.hazards.chemical import HAZMAT_CLASSES, exposed_persons


@dataclass(frozen=True)
class Consequence:
    """Outcome of one accident."""

    persons_isolation: int
    persons_protective: int
    deaths: int
    injuries: int
    loss_yuan: float


def evacuated_share(lead_time_h: float, evacuation_time_h: float, compliance: float) -> float:
    """Share of the zones' people gone when a warned release starts:
    compliance x min(1, lead time / evacuation time) (linear clearance: assumption)."""
    return float(compliance * min(1.0, lead_time_h / evacuation_time_h))


def accident_consequence(
    hazmat_class: str,
    density_per_km2: float,
    presence: float,
    evacuated: float,
    loss_median_yuan: float,
    loss_sigma: float,
    rng: np.random.Generator,
) -> Consequence:
    """Draw one accident's consequence (4 draws: two Poisson, two binomial, one normal).

    Raises:
        KeyError: unknown hazmat class (valid: sim.hazards.chemical.HAZMAT_CLASSES).
    """
    cls = HAZMAT_CLASSES[hazmat_class]
    iso, prot = exposed_persons(cls, density_per_km2, presence * (1.0 - evacuated))
    n_iso, n_prot = int(rng.poisson(iso)), int(rng.poisson(prot))
    deaths = int(rng.binomial(n_iso, cls.p_death_isolation))
    injuries = int(rng.binomial(n_prot, cls.p_injury_protective))
    loss = float(loss_median_yuan * np.exp(loss_sigma * rng.standard_normal()))
    return Consequence(n_iso, n_prot, deaths, injuries, loss)
