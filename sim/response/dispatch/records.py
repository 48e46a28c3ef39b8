"""Values of the dispatcher: its policy, its records (legs, dispatches, completions), the job
kept for each incident, and its errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from sim.response.incidents import Incident
from sim.response.resources import IS_TEAM, Bundle

EPS = 1e-9
"""Quantities below this count as zero (units, litres)."""
TEAM_COLS = np.flatnonzero(IS_TEAM)
"""Columns of the team skills on the resource axis."""


class DispatchError(ValueError):
    """Invalid use of the dispatcher (unknown or duplicate incident, wrong mode, bad policy)."""


class TimeOrderError(DispatchError):
    """A call went back in time; model time must not decrease."""


class UnreachableDepotError(DispatchError):
    """A transfer was asked between depots the road network does not connect."""


@dataclass(frozen=True)
class DispatchPolicy:
    """How queued incidents are ordered and bundles assembled (see :mod:`sim.response.dispatch`)."""

    priority: str = "fcfs"
    bundle_complete: bool = False
    mutual_aid: bool = True
    backfill: bool = True
    consolidation_slack_h: float = 0.25
    aid_activation_h: float = 0.0
    """Hours before a depot of another district sets out (mutual aid is requested and
    approved first); its units are committed from the decision."""
    reserve_activation_h: float = 0.0
    """Hours before the city reserve sets out."""

    def __post_init__(self) -> None:
        if self.priority not in ("fcfs", "severity"):
            raise DispatchError(f"priority must be 'fcfs' or 'severity', got {self.priority!r}")
        for name in ("consolidation_slack_h", "aid_activation_h", "reserve_activation_h"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0):
                raise DispatchError(f"{name} must be finite and >= 0, got {value}")

    @classmethod
    def named(cls, name: str, **overrides) -> DispatchPolicy:
        """Preset by name: ``nearest``, ``severity``, ``bundle_complete``,
        ``severity_bundle_complete``; keyword overrides (e.g. ``mutual_aid=False``) apply on top.
        """
        presets = {
            "nearest": {},
            "severity": {"priority": "severity"},
            "bundle_complete": {"bundle_complete": True},
            "severity_bundle_complete": {"priority": "severity", "bundle_complete": True},
        }
        if name not in presets:
            raise DispatchError(f"unknown policy {name!r}; valid names are {sorted(presets)}")
        return cls(**{**presets[name], **overrides})


class Leg(NamedTuple):
    """Units sent from one depot to one incident.

    Attributes:
        depot: depot row index.
        resources: (N_RESOURCES,) quantities on the resource axis.
        depart_h, arrive_h: departure from the depot and arrival on scene (h).
    """

    depot: int
    resources: np.ndarray
    depart_h: float
    arrive_h: float

    @property
    def bundle(self) -> Bundle:
        return Bundle.from_vector(self.resources)


class Dispatch(NamedTuple):
    """One assignment decision.

    Attributes:
        incident_id: the incident served.
        t_h: decision time (h).
        legs: the units sent now.
        first_arrival_h: earliest arrival on scene of anything sent to this incident so far.
        full_bundle_h: time the whole need is on scene; NaN while part is still unassigned.
        complete_h: ``full_bundle_h + work_h`` (NaN while incomplete).
    """

    incident_id: int
    t_h: float
    legs: tuple[Leg, ...]
    first_arrival_h: float
    full_bundle_h: float
    complete_h: float


class Completion(NamedTuple):
    """An incident resolved at ``t_h`` (the model repairs the asset, frees the road, ...)."""

    incident_id: int
    kind: str
    t_h: float


class Job:
    """One submitted incident's dispatch state: what is still missing, the legs sent so far,
    its milestone times (h, NaN/inf until reached) and its row in the pending table (``slot``,
    -1 once fully served)."""

    __slots__ = (
        "incident",
        "t_submitted_h",
        "residual",
        "legs",
        "t_first_dispatch_h",
        "first_arrival_h",
        "last_arrival_h",
        "full_bundle_h",
        "complete_h",
        "t_completed_h",
        "slot",
        "group",
        "times_h",
        "base_mask",
        "times_horizon_h",
        "times_version",
        "needs_team",
    )

    def __init__(self, incident: Incident, t_h: float, group: int):
        self.incident = incident
        self.t_submitted_h = t_h
        self.residual = incident.need.to_vector()
        self.legs: list[Leg] = []
        self.t_first_dispatch_h = np.nan
        self.first_arrival_h = np.inf
        self.last_arrival_h = -np.inf
        self.full_bundle_h = np.nan
        self.complete_h = np.nan
        self.t_completed_h = np.nan
        self.slot = -1
        self.group = group
        self.times_h: np.ndarray | None = None
        self.base_mask: np.ndarray | None = None
        self.times_horizon_h = np.inf  # times beyond it are unknown (read inf)
        self.times_version = -1
        self.needs_team = bool(self.residual[TEAM_COLS].max() > EPS)
