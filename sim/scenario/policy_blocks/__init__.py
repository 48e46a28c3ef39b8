"""Scenario blocks of policies added as plug-ins, one module each.

Every module here registers its block with :func:`sim.scenario.policies.register_policy_block`
when imported; :func:`sim.scenario.policies.discover_policy_blocks` imports them all. The
policy's effects register in :mod:`sim.agents.governance.policies`.
"""
