"""Policy ``handbook`` — one management handbook (who does what, how, to which standard):
every barrier tightens, e_l -> e_l + gain (1 - e_l), and enforced hazards are rectified more
often, p -> p + gain (1 - p). Schema and yearly cost:
:class:`sim.scenario.policies.HandbookPolicy`."""

from __future__ import annotations

from sim.agents.governance.policies.registry import GovernancePolicy, register_policy


class Handbook(GovernancePolicy):
    name = "handbook"

    def adjust(self, p, block, cfg) -> None:
        p.effectiveness = p.effectiveness + block.effectiveness_gain * (1.0 - p.effectiveness)
        p.rectification = p.rectification + block.rectification_gain * (1.0 - p.rectification)


register_policy(Handbook())
