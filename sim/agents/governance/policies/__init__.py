"""Policy plug-ins of the governance tick: one module per policy with its effect hooks.

A plug-in subclasses :class:`~sim.agents.governance.policies.registry.GovernancePolicy`,
overrides the hooks its policy acts through and registers itself with
:func:`~sim.agents.governance.policies.registry.register_policy` under the name of its
scenario block (``policies.<name>``, :mod:`sim.scenario.policies`), which holds its switch,
its parameters and its yearly cost. The modules of this package are imported on first use
(:func:`~sim.agents.governance.policies.registry.discover`), so adding a policy edits no list.
"""
