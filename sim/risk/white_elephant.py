"""White-elephant decision-making (大白象): short tenure, discounting and visible spending.

The briefing (docs/domain.md §2) describes managers who ignore widespread, long-accumulated and
costly problems because the spending is large and its benefit hard to show, hope nothing
breaks during their tenure and prefer rescue after the event to prevention. We encode this as a
decision rule (an ASSUMPTION of this model, not an estimated behavioural law) with three
parameters:

- tenure T (years; default 5): the official counts only benefits that accrue before the tenure
  ends; with office terms starting at year 0, the remaining horizon is T - (t mod T);
- discount rate r (default 0.15/yr vs the social 0.03/yr): short-sighted assessment;
- visibility weight w (default 1.0): each yuan spent on a visible repair is credited w x
  visibility as if it were benefit (visible spending is rewarded).

Perceived benefit / cost of fixing asset i:

    s_i = [C_i V D(h_i, T_rem, r)] / cost_i + w visibility_i,

with D from `sim.risk.maintenance.discounted_failure_probability`. The official funds defects in
decreasing s_i while the budget lasts and DEFERS any fix with s_i < ``min_benefit_cost``
(default 0.3), leaving budget unspent rather than funding an invisible long-payoff repair.

Support from the literature for the ingredients, not for the numbers: voters reward visible
relief spending but not preparedness spending (Healy & Malhotra 2009, "Myopic voters and
natural disaster policy", American Political Science Review 103(3):387-406); incumbents shift
spending towards visible items before evaluations (Rogoff 1990, "Equilibrium political budget
cycles", American Economic Review 80(1):21-36).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.risk.deterioration import AssetInventory
from sim.risk.maintenance import VALUE_PER_CONSEQUENCE_YUAN, discounted_failure_probability


@dataclass(frozen=True)
class WhiteElephantDecisionMaker:
    """Parameters of the white-elephant rule (module docstring; all assumptions)."""

    tenure_yr: float = 5.0
    discount_rate: float = 0.15
    visibility_weight: float = 1.0
    min_benefit_cost: float = 0.3
    value_per_consequence_yuan: float = VALUE_PER_CONSEQUENCE_YUAN

    def remaining_tenure_yr(self, t_yr: float) -> float:
        """Years left in the current term at model time t (terms start at t = 0)."""
        return self.tenure_yr - (t_yr % self.tenure_yr)

    def scores(self, inv: AssetInventory, idx: np.ndarray, t_yr: float) -> np.ndarray:
        """(k,) perceived benefit / cost; -inf for deferred fixes (never funded)."""
        h = inv.failure_probability()[idx]
        d = discounted_failure_probability(h, self.remaining_tenure_yr(t_yr), self.discount_rate)
        value = inv.sector_array("consequence")[idx] * self.value_per_consequence_yuan * d
        s = (
            value / inv.fix_cost_yuan()[idx]
            + self.visibility_weight * inv.sector_array("visibility")[idx]
        )
        return np.where(s >= self.min_benefit_cost, s, -np.inf)
