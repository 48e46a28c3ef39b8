"""How long a damaged asset stays out of service, by its damage state: Hazus restoration functions.

An earthquake's damage to an electric substation is not a fault a crew clears in a day: the
broken transformers, breakers and bushings must be replaced. Hazus gives the time to restore
a substation as a normal distribution per damage state (FEMA, Hazus Earthquake Model Technical
Manual, Hazus 5.1, 2022, §8.5 electric power system, "continuous restoration functions for
electric power systems", after ATC-13, 1985): extensive damage mean 7 days, standard deviation
3.5 days; complete damage mean 30 days, standard deviation 15 days (slight and moderate damage
do not take a substation out of service here: the fragility curves of
:mod:`sim.damage.fragility` fail it at extensive damage).

Damage state. A substation's capacity is its extensive-damage capacity ``c = θ_ext·exp(β z)``
(:mod:`sim.networks.infrastructure`). Hazus's complete-damage medians are twice the extensive
ones for both substation classes the city has, with the same β (SimCenter's transcription of
Hazus 5.1, seismic/power_network/portfolio/Hazus v5.1/fragility.csv: anchored medium-voltage
EP.S.M.A extensive 0.35 g, complete 0.70 g, β 0.40; anchored low-voltage EP.S.L.A 0.45 g and
0.90 g, β 0.45), so with the asset's one z the complete-damage capacity is ``2 c``: a failed
substation is in complete damage when its peak PGA reached twice its capacity, else in
extensive damage — the sampling of Hazus damage states by one standard normal draw per asset.

Restoration time. Each failed asset draws ``N(mean, sd)`` days of its state, truncated at zero
(redrawn), from its own stream; the asset returns to service at the later of its repair job's
completion (the crews' work on site, :mod:`sim.response.incidents`) and the failure time
plus that draw (:class:`sim.response.service.EmergencyService`). Assumption: the restoration
function's spread is that of single substations (Hazus gives it for the system's share
restored).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HOURS_PER_DAY = 24.0


@dataclass(frozen=True)
class RestorationFunction:
    """Time to restore an asset of one incident kind, by damage state.

    Attributes:
        im: the intensity measure whose peak sets the damage state (``pga_g``).
        days: damage state → (mean, standard deviation) of a normal distribution, days.
        complete_over_extensive: the complete-damage capacity over the extensive-damage one
            (Hazus complete median / extensive median, equal β).
        source: where the numbers come from.
    """

    im: str
    days: dict[str, tuple[float, float]]
    complete_over_extensive: float
    source: str

    def damage_state(self, peak_over_capacity: float) -> str:
        """ "complete" when the peak intensity reached :attr:`complete_over_extensive` times the
        asset's (extensive-damage) capacity, else "extensive"."""
        return "complete" if peak_over_capacity >= self.complete_over_extensive else "extensive"

    def draw_hours(self, state: str, rng: np.random.Generator) -> float:
        """Hours out of service of one asset in damage ``state``: ``N(mean, sd)`` days truncated
        at zero (a negative draw is drawn again, so no damaged asset is back at once; at most
        100 draws, then the mean — for Hazus's curves a case of probability below 0.03 ** 100).

        Raises:
            KeyError: a damage state without a restoration function.
        """
        mean, sd = self.days[state]
        for _ in range(100):
            days = float(rng.normal(mean, sd))
            if days > 0.0:
                return days * HOURS_PER_DAY
        return max(mean, 0.0) * HOURS_PER_DAY


_HAZUS = (
    "FEMA (2022), Hazus Earthquake Model Technical Manual, Hazus 5.1, §8.5: continuous "
    "restoration functions for electric power systems (after ATC-13, 1985), electric "
    "sub-stations; complete/extensive medians from Hazus 5.1's substation fragility (EP.S.M.A "
    "0.70/0.35 g, EP.S.L.A 0.90/0.45 g)"
)
RESTORATION = {
    "substation_quake": RestorationFunction(
        im="pga_g",
        days={"extensive": (7.0, 3.5), "complete": (30.0, 15.0)},
        complete_over_extensive=2.0,
        source=_HAZUS,
    ),
}
"""Incident kind → the restoration function of the asset it repairs (module docstring); kinds
not listed return to service when their repair job is done."""
