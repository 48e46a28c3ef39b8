"""Policy ``accountability`` — problem accountability on top of accident accountability
(docs/domain.md §2 remedy): the leadership's review uncovers concealed findings with
``audit_prob`` and concealment carries a utility penalty, so officials report more. Schema
and yearly cost: :class:`sim.scenario.policies.AccountabilityPolicy` (the review:
:mod:`sim.agents.governance.reporting`)."""

from __future__ import annotations

from sim.agents.governance.policies.registry import GovernancePolicy, register_policy


class Accountability(GovernancePolicy):
    name = "accountability"

    def adjust(self, p, block, cfg) -> None:
        p.regime = block.regime
        p.audit_prob = block.audit_prob
        p.concealment_penalty = block.concealment_penalty


register_policy(Accountability())
