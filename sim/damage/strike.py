"""Damage applied once when an instant hazard strikes, keyed by intensity measure.

An instant hazard (:attr:`sim.hazards.base.Hazard.instant`, e.g. an earthquake) is applied
once at its start: the model evaluates each of its IMs at the district sample points and
hands them to the handler registered here for that IM. A handler takes
``(ctx, exposure, im_at_sample_points, rng)`` (the run context of :mod:`sim.core.context`,
the counted exposure, the IM at the D·K sample points and the hazard's own stream) and
returns casualty
incidents (:class:`sim.damage.exposure.CasualtyIncident`) for the emergency service.
Network assets with curves in the IM are damaged by the infrastructure as for any hazard.
"""

from __future__ import annotations

from collections.abc import Callable

from sim.damage.exposure import earthquake_impact

STRIKE_DAMAGE: dict[str, Callable] = {"pga_g": earthquake_impact}
"""IM name -> counted-exposure damage handler at a strike (PGA: old housing, HAZUS)."""


def register_strike_damage(im: str, handler: Callable) -> None:
    """Register the counted-exposure damage of an instant hazard's IM."""
    STRIKE_DAMAGE[im] = handler
