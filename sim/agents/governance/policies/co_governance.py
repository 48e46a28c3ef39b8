"""Policy ``co_governance`` — multi-party co-governance: regulators pass on hazards outside
their remit (``information_sharing``) and an open channel multiplies residents' reports.
Schema and yearly cost: :class:`sim.scenario.policies.CoGovernancePolicy`."""

from __future__ import annotations

from sim.agents.governance.policies.registry import GovernancePolicy, register_policy


class CoGovernance(GovernancePolicy):
    name = "co_governance"

    def adjust(self, p, block, cfg) -> None:
        p.sharing = block.information_sharing
        p.resident_report = min(1.0, cfg.residents.report_prob * block.resident_report_multiplier)


register_policy(CoGovernance())
