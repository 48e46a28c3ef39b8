"""Policy ``risk_inventory`` — one risk map / risk inventory: enterprises are screened and
ranked by risk, routine inspections go to the riskiest first, and enterprises see more of
their own hazards. Schema and yearly cost: :class:`sim.scenario.policies.RiskInventoryPolicy`
(the targeting itself: :mod:`sim.agents.governance.inspections`)."""

from __future__ import annotations

from sim.agents.governance.policies.registry import GovernancePolicy, register_policy


class RiskInventory(GovernancePolicy):
    name = "risk_inventory"

    def adjust(self, p, block, cfg) -> None:
        p.targeted = True
        p.self_detection = min(1.0, cfg.detection_prob.enterprise_self + block.self_detection_gain)


register_policy(RiskInventory())
