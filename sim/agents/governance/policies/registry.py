"""Registry of the governance policy plug-ins and the hooks a plug-in may override.

Hooks, each called for the enabled plug-ins in registration order (the shipped seven in the
order of :class:`sim.scenario.policies.PoliciesConfig`):

- :meth:`GovernancePolicy.adjust` — once at set-up: change the tick's parameters
  (:class:`sim.agents.governance.params.Effective`);
- :meth:`GovernancePolicy.after_assessments` — monthly, after the routine third-party
  assessments, with the ``third_party`` stream (e.g. insurer-paid surveys);
- :meth:`GovernancePolicy.warn` — monthly, after the leadership's review and before the
  accident pathway, with the ``warning`` stream: returns the per-enterprise suspension of
  operations and evacuated share that the accident pathway applies this month.

A hook receives the :class:`~sim.agents.governance.system.GovernanceSystem` (its park, agents,
duty log and counters) and the policy's validated block. Draws come only from the stream
handed to the hook.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING, ClassVar

import numpy as np

if TYPE_CHECKING:
    from sim.agents.governance.params import Effective
    from sim.agents.governance.system import GovernanceSystem
    from sim.scenario.policies import GovernanceConfig, PolicyBlock


class GovernancePolicy:
    """Base of a policy plug-in: every hook does nothing; override those the policy uses."""

    name: ClassVar[str] = ""
    """The policy's block name under ``policies:``."""

    def adjust(self, p: Effective, block: PolicyBlock, cfg: GovernanceConfig) -> None:
        """Change the tick's parameters ``p`` in place (once, at set-up)."""

    def after_assessments(
        self, gs: GovernanceSystem, block: PolicyBlock, t0: float, rng: np.random.Generator
    ) -> None:
        """Act after the month's routine third-party assessments (month starting ``t0``, h)."""

    def warn(
        self, gs: GovernanceSystem, block: PolicyBlock, t0: float, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Warn before this month's initiating events; returns (n,) suspension (share of the
        initiating rate cut) and (n,) evacuated share per enterprise, or None (no effect)."""
        return None


PLUGINS: dict[str, GovernancePolicy] = {}
"""Registered plug-ins by policy name."""
_discovered = False


def register_policy(policy: GovernancePolicy) -> GovernancePolicy:
    """Register a plug-in under ``policy.name``.

    Raises:
        ValueError: no name, or another plug-in has it.
    """
    if not policy.name:
        raise ValueError(f"{type(policy).__name__} has no name (its policies.<name> block)")
    old = PLUGINS.get(policy.name)
    if old is not None and type(old) is not type(policy):
        raise ValueError(f"policy {policy.name!r} is already registered ({type(old).__name__})")
    PLUGINS[policy.name] = policy
    return policy


def unregister_policy(name: str) -> None:
    """Remove a plug-in (tests that register a policy of their own clean up with this)."""
    PLUGINS.pop(name, None)


def discover() -> None:
    """Import the plug-in modules of :mod:`sim.agents.governance.policies` once."""
    global _discovered
    if _discovered:
        return
    _discovered = True
    pkg = importlib.import_module("sim.agents.governance.policies")
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name != "registry":
            importlib.import_module(f"sim.agents.governance.policies.{info.name}")


def plugin(name: str) -> GovernancePolicy:
    """The plug-in registered for policy ``name``.

    Raises:
        KeyError: the policy has a block but no registered effects.
    """
    discover()
    try:
        return PLUGINS[name]
    except KeyError:
        raise KeyError(
            f"policy {name!r} has no effects registered (sim.agents.governance.policies); "
            f"registered: {sorted(PLUGINS)}"
        ) from None
