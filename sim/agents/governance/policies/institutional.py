"""Policy ``institutional`` — one set of institutional arrangements (sustained commitment,
budgets, plans; docs/domain.md §5): more capacity and budget for officials, budgets no longer
hostage to the leadership's diligence, plans that outlast terms (weaker short-termism).
Schema and yearly cost: :class:`sim.scenario.policies.InstitutionalPolicy`."""

from __future__ import annotations

from sim.agents.governance.policies.registry import GovernancePolicy, register_policy


class Institutional(GovernancePolicy):
    name = "institutional"

    def adjust(self, p, block, cfg) -> None:
        p.capacity_factor = block.capacity_multiplier
        p.budget_factor = block.budget_multiplier
        p.leadership_budget_weight = 0.0
        p.tenure_weight = cfg.tenure.weight * block.tenure_weight_factor


register_policy(Institutional())
