"""Policy ``risk_control_insurance`` — risk-control insurance: insurer-paid risk surveys
(fees without price pressure, reports the insurer checks), risk-rated premiums that raise
enterprises' diligence where a genuine survey found hazards. Schema and yearly cost:
:class:`sim.scenario.policies.RiskControlInsurancePolicy`."""

from __future__ import annotations

import numpy as np

from sim.agents.governance import behaviour as rules
from sim.agents.governance.policies.registry import GovernancePolicy, register_policy


class RiskControlInsurance(GovernancePolicy):
    name = "risk_control_insurance"

    def adjust(self, p, block, cfg) -> None:
        tp = cfg.third_party
        # insurer checks on top of regulator checks: 1 - (1 - check)(1 - insurer check)
        p.check_strength_insured = 1.0 - (1.0 - tp.check_rate) * (1.0 - block.insurer_check_rate)
        p.price_pressure_insured = tp.price_pressure * (1.0 - block.fee_uplift)
        p.premium_sensitivity = block.premium_sensitivity

    def after_assessments(self, gs, block, t0, rng) -> None:
        park = gs.park
        idx = np.nonzero(rng.random(park.n) < block.surveys_per_yr / 12.0)[0]
        genuine = gs.assessments.batch(
            t0, idx, gs.p.price_pressure_insured, gs.p.check_strength_insured, rng, True
        )
        # risk-rated premium: the loading bites only where the survey was genuine
        park.premium_signal[idx] = rules.ewma(
            park.premium_signal[idx], block.premium_loading * genuine, 0.5
        )


register_policy(RiskControlInsurance())
