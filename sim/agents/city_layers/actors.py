"""Principal-layer actors of the city's own assets (Mesa agents, one per district).

The officials (leadership, district governments, regulators, the drainage authority and the
utilities) are the park's classes (:mod:`sim.agents.governance.agents`): the same duties,
diligence, budget and term of office. Building owners and contractors are many; each
district's owners (or contractors) are one aggregate agent whose diligence is the probability
that an owner does a due duty, from expected-penalty deterrence (Becker 1968, "Crime and
punishment: an economic approach", J. Political Economy 76(2):169-217; the form of
:func:`sim.agents.governance.behaviour.enterprise_diligence`, the weight an assumption).
"""

from __future__ import annotations

import numpy as np

from sim.agents.governance.agents import DutyBearer


class Principals(DutyBearer):
    """A district's owners of one kind (aggregate agent).

    Attributes:
        pressure: P(an item or site of theirs was inspected by the regulator last year), the
            perceived enforcement probability.
        boost: accountability boost (decays; set by :meth:`hold_accountable`).
    """

    layer = "enterprise"

    def __init__(self, model, district: int, base_diligence: float) -> None:
        super().__init__(model, district, base_diligence, 0, 0.0, 1.0)
        self.pressure = 0.0

    def update(self, deterrence_weight: float, decay: float) -> float:
        """diligence = clip(base + weight x pressure + boost); the boost decays by ``decay``
        first. Returns the diligence."""
        self.boost *= decay
        d = self.base_diligence + deterrence_weight * self.pressure + self.boost
        self.diligence = float(np.clip(d, 0.0, 1.0))
        return self.diligence

    def hold_accountable(self, spike: float) -> None:
        """After an accident or a reported problem: diligence d -> d + spike (1 - d)."""
        self.boost += spike * (1.0 - self.diligence)


class BuildingOwners(Principals):
    """Owners of a district's facades (curtain walls, external insulation) and signboards
    (principal responsibility, 主体责任): self-inspect, repair, obey repair orders."""

    agent_type, duties = "building_owners", ("inspect", "maintain")


class Contractors(Principals):
    """Contractors of a district's construction sites: site safety (principal)."""

    agent_type, duties = "contractors", ("maintain",)

    def accident_multiplier(self, safety_effect: float) -> float:
        """Accident rate relative to the calibrated one (at the base diligence):
        (1 - e d) / (1 - e d0), e = ``safety_effect`` (assumption: linear in diligence)."""
        return (1.0 - safety_effect * self.diligence) / (1.0 - safety_effect * self.base_diligence)
