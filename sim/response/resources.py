"""Emergency resources: teams (the combatants), equipment (the guns), supplies (the ammunition).

The field's framing (docs/domain.md §4, "two keys"): personnel, equipment and supplies must meet at
the incident; logistics is the bottleneck. Every resource lives on one index axis of length
``N_RESOURCES`` so that depot stocks are a ``(n_depots, N_RESOURCES)`` array and the candidate
search in :mod:`sim.response.dispatch` is a few array operations.

Index axis: the 7 team skills, then the 9 equipment types, then the 9 supplies. Teams and
equipment are *reusable* (they return to their depot when the job ends); supplies are
*consumable* (used up at the incident).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from sim.scenario.resource_names import (  # noqa: F401  (re-exported: the index axis)
    EQUIPMENT,
    RESOURCE_NAMES,
    SKILLS,
    SUPPLIES,
)

N_RESOURCES: int = len(RESOURCE_NAMES)
RESOURCE_INDEX: dict[str, int] = {name: i for i, name in enumerate(RESOURCE_NAMES)}
TEAM_SLICE = slice(0, len(SKILLS))
EQUIPMENT_SLICE = slice(len(SKILLS), len(SKILLS) + len(EQUIPMENT))
SUPPLY_SLICE = slice(len(SKILLS) + len(EQUIPMENT), N_RESOURCES)
#: (N_RESOURCES,) bool: True for teams and equipment (returned after the job).
REUSABLE: np.ndarray = np.zeros(N_RESOURCES, dtype=bool)
REUSABLE[: len(SKILLS) + len(EQUIPMENT)] = True
REUSABLE.setflags(write=False)
IS_TEAM: np.ndarray = np.zeros(N_RESOURCES, dtype=bool)
IS_TEAM[TEAM_SLICE] = True
IS_TEAM.setflags(write=False)

#: Unit of one count of each resource.
UNITS: dict[str, str] = {
    **{s: "teams" for s in SKILLS},
    **{e: "units" for e in EQUIPMENT},
    "sandbags": "bags",
    "drinking_water_l": "litres",
    "food_rations": "person-meals",
    "medical_kits": "kits",
    "fuel_l": "litres",
    "conductor_m": "metres",
    "barriers": "units",
    "fill_m3": "m3",
    "bedding_sets": "sets",
}

# Tolerance for float bookkeeping of supply quantities (counts are exact small integers).
_EPS = 1e-9


class ResourceError(ValueError):
    """Base class for invalid resource quantities or names."""


class UnknownResourceError(ResourceError):
    """A resource name is not in the vocabulary of its category."""


class NegativeStockError(ResourceError):
    """An operation would drive a depot stock below zero."""


@dataclass(frozen=True)
class TeamType:
    """One kind of response team (the combatants).

    Attributes:
        skill: the skill the team provides (one of ``SKILLS``); a need is expressed in teams
            of a skill.
        name_en: descriptive name.
        crew_persons: persons per team (used for reporting person-hours).
        basis: where the crew size comes from.
    """

    skill: str
    name_en: str
    crew_persons: int
    basis: str


_CREW_BASIS = (
    "assumption: typical crew of one vehicle; no city headcount found "
    "(scenarios/data/shanghai/facts.md §3)"
)
TEAM_TYPES: dict[str, TeamType] = {
    "fire_rescue": TeamType("fire_rescue", "fire and rescue squad (one engine)", 5, _CREW_BASIS),
    "medical": TeamType("medical", "120 ambulance crew (doctor, nurse, driver)", 3, _CREW_BASIS),
    "drainage": TeamType("drainage", "drainage / pumping crew", 4, _CREW_BASIS),
    "power_repair": TeamType("power_repair", "distribution-line repair crew", 4, _CREW_BASIS),
    "pipeline_repair": TeamType(
        "pipeline_repair", "water/gas pipeline repair crew", 5, _CREW_BASIS
    ),
    "structural": TeamType("structural", "structural-safety engineers", 2, _CREW_BASIS),
    "tree_clearance": TeamType("tree_clearance", "landscaping tree-clearance crew", 4, _CREW_BASIS),
}


def _check_names(category: str, given: Mapping[str, float], valid: tuple[str, ...]) -> None:
    unknown = sorted(set(given) - set(valid))
    if unknown:
        raise UnknownResourceError(
            f"unknown {category} {unknown}; valid {category} are {list(valid)}"
        )


@dataclass(frozen=True)
class Bundle:
    """What an incident needs (or a depot holds): team counts, equipment counts, supplies.

    Attributes:
        teams: skill -> number of teams (int >= 0).
        equipment: equipment type -> number of units (int >= 0).
        supplies: supply -> quantity in ``UNITS`` (float >= 0).

    Raises:
        UnknownResourceError: a name outside ``SKILLS`` / ``EQUIPMENT`` / ``SUPPLIES``.
        ResourceError: a negative or non-finite quantity, or a non-integer team/equipment count.
    """

    teams: Mapping[str, int] = field(default_factory=dict)
    equipment: Mapping[str, int] = field(default_factory=dict)
    supplies: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_names("team skills", self.teams, SKILLS)
        _check_names("equipment", self.equipment, EQUIPMENT)
        _check_names("supplies", self.supplies, SUPPLIES)
        for cat, mapping, integral in (
            ("teams", self.teams, True),
            ("equipment", self.equipment, True),
            ("supplies", self.supplies, False),
        ):
            for name, q in mapping.items():
                if not np.isfinite(q) or q < 0:
                    raise ResourceError(
                        f"{cat}[{name!r}] = {q}: quantities must be finite and >= 0"
                    )
                if integral and float(q) != int(q):
                    raise ResourceError(f"{cat}[{name!r}] = {q}: counts must be whole numbers")
        # Defensive copies so a frozen Bundle cannot change through the caller's dict.
        object.__setattr__(self, "teams", dict(self.teams))
        object.__setattr__(self, "equipment", dict(self.equipment))
        object.__setattr__(self, "supplies", dict(self.supplies))

    def to_vector(self) -> np.ndarray:
        """Return the bundle on the resource axis, shape ``(N_RESOURCES,)`` float64."""
        vec = np.zeros(N_RESOURCES)
        for mapping in (self.teams, self.equipment, self.supplies):
            for name, q in mapping.items():
                vec[RESOURCE_INDEX[name]] = q
        return vec

    @classmethod
    def from_vector(cls, vec: np.ndarray) -> Bundle:
        """Inverse of :meth:`to_vector` (zero entries are dropped)."""
        vec = np.asarray(vec, dtype=float)
        if vec.shape != (N_RESOURCES,):
            raise ResourceError(
                f"resource vector must have shape ({N_RESOURCES},), got {vec.shape}"
            )
        nz = {RESOURCE_NAMES[i]: float(vec[i]) for i in np.flatnonzero(vec)}
        return cls(
            teams={k: int(round(v)) for k, v in nz.items() if k in SKILLS},
            equipment={k: int(round(v)) for k, v in nz.items() if k in EQUIPMENT},
            supplies={k: v for k, v in nz.items() if k in SUPPLIES},
        )

    def __add__(self, other: Bundle) -> Bundle:
        return Bundle.from_vector(self.to_vector() + other.to_vector())

    def scaled(self, factor: float) -> Bundle:
        """Multiply every quantity by ``factor``; team and equipment counts round up.

        Rounding up keeps at least one team/unit for any positive factor (a half-size
        incident still needs one crew).
        """
        if not np.isfinite(factor) or factor < 0:
            raise ResourceError(f"scale factor must be finite and >= 0, got {factor}")
        vec = self.to_vector() * factor
        vec[REUSABLE] = np.ceil(vec[REUSABLE] - 1e-12)
        return Bundle.from_vector(vec)

    @property
    def is_empty(self) -> bool:
        return not (
            any(self.teams.values()) or any(self.equipment.values()) or any(self.supplies.values())
        )


@dataclass
class Depot:
    """A place holding teams, equipment and supplies (a fire station, a repair base, a reserve).

    Attributes:
        node: road-layer node index where the depot sits.
        district: district index 0..D-1 the depot belongs to.
        teams, equipment, supplies: initial stock (same vocabulary as :class:`Bundle`).
        name: label for reports.
        kind: depot kind (a key of the city profile's ``emergency.depots``; informative).
        central: True for a city-level reserve; it may serve every district even when mutual
            aid between districts is off (the city's own resources are not "mutual aid").
    """

    node: int
    district: int
    teams: Mapping[str, int] = field(default_factory=dict)
    equipment: Mapping[str, int] = field(default_factory=dict)
    supplies: Mapping[str, float] = field(default_factory=dict)
    name: str = ""
    kind: str = ""
    central: bool = False

    def bundle(self) -> Bundle:
        """The initial stock as a :class:`Bundle` (validates names and quantities)."""
        return Bundle(self.teams, self.equipment, self.supplies)


#: Assumed resupply lead times (h) for consumables from outside the city system (municipal
#: flood-control material reserve / contracted suppliers): the time to prepare and load an
#: order before it sets out; the drive from the nearest central reserve over the roads of the
#: moment is added (:mod:`sim.response.dispatch.stock_moves`). Assumption: no published
#: figures found; order of magnitude of a same-day truck delivery within the city.
DEFAULT_LEAD_TIME_H: dict[str, float] = {
    "sandbags": 6.0,
    "drinking_water_l": 4.0,
    "food_rations": 6.0,
    "medical_kits": 4.0,
    "fuel_l": 2.0,
    "conductor_m": 8.0,
    "barriers": 6.0,
    "fill_m3": 4.0,
    "bedding_sets": 6.0,
}


@dataclass(frozen=True)
class ResupplyPolicy:
    """Automatic (s, S) reordering of consumable supplies at each depot.

    When ``available + on_order`` of a supply at a depot falls below
    ``reorder_fraction * initial``, an order tops it up to the initial level; it sets out after
    the supply's lead time and arrives after the drive from the nearest central reserve on the
    roads of that moment (held while no reserve can reach the depot). The standard (s, S)
    inventory rule (e.g. Silver, Pyke & Peterson 1998, "Inventory Management and Production
    Planning and Scheduling", 3rd ed., Wiley); the fraction and lead times are assumptions.
    """

    reorder_fraction: float = 0.25
    lead_time_h: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_LEAD_TIME_H))

    def __post_init__(self) -> None:
        if not 0.0 <= self.reorder_fraction <= 1.0:
            raise ResourceError(f"reorder_fraction must be in [0, 1], got {self.reorder_fraction}")
        _check_names("supplies", self.lead_time_h, SUPPLIES)
        if any((not np.isfinite(v)) or v < 0 for v in self.lead_time_h.values()):
            raise ResourceError("lead times must be finite and >= 0")

    def lead_time_vector(self) -> np.ndarray:
        """(N_RESOURCES,) lead time in h; NaN for reusable resources (never reordered)."""
        out = np.full(N_RESOURCES, np.nan)
        for name in SUPPLIES:
            out[RESOURCE_INDEX[name]] = self.lead_time_h.get(name, DEFAULT_LEAD_TIME_H[name])
        return out


class DepotStock:
    """Stock ledger of all depots, one row per depot on the resource axis.

    Arrays (all ``(n_depots, N_RESOURCES)`` float64):
        available: at the depot, ready to dispatch.
        out_on_job: reusable units owned by the depot, away on a job (travel out, on scene,
            travel back).
        in_transit: units moving to the depot by transfer (pre-positioning); owned by it.
        on_order: resupply ordered from outside the system, not yet delivered.
        consumed: supplies used up at incidents (taken from this depot).
        delivered: resupply received from outside.
        initial: stock at construction.

    Conservation (checked by :meth:`check_conservation`, per resource, summed over depots):
    ``initial + delivered = available + out_on_job + in_transit + consumed + off_duty +
    withdrawn`` (``off_duty``: teams unable to work, e.g. crews sick in an epidemic;
    ``withdrawn``: units taken out of the system by an exercise inject, see :meth:`withdraw`).
    No stock is ever negative: an operation that would overdraw raises
    :class:`NegativeStockError` and leaves the ledger unchanged.
    """

    def __init__(self, depots: Sequence[Depot]):
        if len(depots) == 0:
            raise ResourceError("at least one depot is required")
        init = np.stack([d.bundle().to_vector() for d in depots])
        self.initial = init.copy()
        self.initial.setflags(write=False)
        self.available = init.copy()
        shape = init.shape
        self.out_on_job = np.zeros(shape)
        self.in_transit = np.zeros(shape)
        self.on_order = np.zeros(shape)
        self.consumed = np.zeros(shape)
        self.delivered = np.zeros(shape)
        # Per-resource totals kept incrementally for the utilisation integrals.
        self.off_duty = np.zeros(shape)
        self.withdrawn = np.zeros(shape)
        self.out_total = np.zeros(N_RESOURCES)
        self.owned_total = init.sum(axis=0)

    @property
    def n_depots(self) -> int:
        return self.available.shape[0]

    def _check_take(self, depots: np.ndarray, amounts: np.ndarray, what: str) -> None:
        if amounts.min() < -_EPS:
            raise ResourceError(f"{what}: amounts must be >= 0")
        short = amounts > self.available[depots] + _EPS
        if short.any():
            k, r = np.argwhere(short)[0]
            d = depots[k]
            raise NegativeStockError(
                f"{what}: depot {d} has {self.available[d, r]:g} {UNITS[RESOURCE_NAMES[r]]} of "
                f"{RESOURCE_NAMES[r]!r} but {amounts[k, r]:g} were requested"
            )

    def dispatch(self, depots: np.ndarray, amounts: np.ndarray) -> None:
        """Send ``amounts[k]`` from depot ``depots[k]`` to a job.

        Reusable units move to ``out_on_job``; supplies are consumed.

        Args:
            depots: (k,) distinct int depot rows.
            amounts: (k, N_RESOURCES) quantities >= 0.

        Raises:
            ResourceError: repeated depot rows or negative amounts.
            NegativeStockError: any depot lacks the requested quantity (nothing is changed).
        """
        depots = np.asarray(depots, dtype=np.int64).reshape(-1)
        amounts = np.asarray(amounts, dtype=float).reshape(depots.size, N_RESOURCES)
        if depots.size > 1 and np.unique(depots).size != depots.size:
            raise ResourceError("dispatch: each depot may appear once per call")
        self._check_take(depots, amounts, "dispatch")
        reusable = amounts * REUSABLE
        used_up = amounts - reusable
        if depots.size == 1:  # common case: in-place on row views
            d = depots[0]
            row = self.available[d]
            row -= amounts[0]
            np.maximum(row, 0.0, out=row)  # clear float dust only
            self.out_on_job[d] += reusable[0]
            self.consumed[d] += used_up[0]
            self.out_total += reusable[0]
            self.owned_total -= used_up[0]
            return
        self.available[depots] = np.maximum(self.available[depots] - amounts, 0.0)
        self.out_on_job[depots] += reusable
        self.consumed[depots] += used_up
        self.out_total += reusable.sum(axis=0)
        self.owned_total -= used_up.sum(axis=0)

    def return_from_job(self, depot: int, amount: np.ndarray) -> None:
        """Reusable units arrive back at their depot.

        Raises:
            ResourceError: ``amount`` includes consumables or exceeds what is out on a job.
        """
        amount = np.asarray(amount, dtype=float)
        if (amount * ~REUSABLE).max() > 0:
            raise ResourceError("only teams and equipment return from a job; supplies are consumed")
        if (amount - self.out_on_job[depot]).max() > _EPS or amount.min() < -_EPS:
            raise NegativeStockError(
                f"return_from_job: depot {depot} has fewer units out on jobs than returned"
            )
        row = self.out_on_job[depot]
        row -= amount
        np.maximum(row, 0.0, out=row)
        self.available[depot] += amount
        self.out_total -= amount

    def start_transfer(self, src: int, dst: int, amount: np.ndarray) -> None:
        """Move units from depot ``src`` towards depot ``dst`` (pre-positioning).

        Ownership passes to ``dst`` at departure; the units are in transit until
        :meth:`finish_transfer`.

        Raises:
            NegativeStockError: ``src`` lacks the quantity (nothing is changed).
        """
        amount = np.asarray(amount, dtype=float)
        self._check_take(np.array([src]), amount[None, :], "transfer")
        self.available[src] = np.maximum(self.available[src] - amount, 0.0)
        self.in_transit[dst] += amount

    def finish_transfer(self, dst: int, amount: np.ndarray) -> None:
        """Transferred units arrive at ``dst``."""
        amount = np.asarray(amount, dtype=float)
        if np.any(amount > self.in_transit[dst] + _EPS):
            raise NegativeStockError(f"finish_transfer: more arriving at depot {dst} than sent")
        self.in_transit[dst] = np.maximum(self.in_transit[dst] - amount, 0.0)
        self.available[dst] += amount

    def order(self, dst: int, amount: np.ndarray) -> None:
        """Record a resupply order from outside the system (see :meth:`deliver`)."""
        amount = np.asarray(amount, dtype=float)
        if np.any(amount < 0) or not np.all(np.isfinite(amount)):
            raise ResourceError("order amounts must be finite and >= 0")
        self.on_order[dst] += amount

    def deliver(self, dst: int, amount: np.ndarray) -> None:
        """An outside resupply arrives at depot ``dst``."""
        amount = np.asarray(amount, dtype=float)
        self.on_order[dst] = np.maximum(self.on_order[dst] - amount, 0.0)
        self.available[dst] += amount
        self.delivered[dst] += amount
        self.owned_total += amount

    def withdraw(self, dst: int, amount: np.ndarray) -> None:
        """Take units at depot ``dst`` out of the system (an exercise inject withdrawing
        teams, equipment or supplies); additions go through :meth:`deliver`.

        Raises:
            NegativeStockError: ``dst`` lacks the quantity (nothing is changed).
        """
        amount = np.asarray(amount, dtype=float)
        self._check_take(np.array([dst]), amount[None, :], "withdraw")
        self.available[dst] = np.maximum(self.available[dst] - amount, 0.0)
        self.withdrawn[dst] += amount
        self.owned_total -= amount

    def reorder_quantities(self, depots: np.ndarray, policy: ResupplyPolicy) -> np.ndarray:
        """(k, N_RESOURCES) order quantities under an (s, S) policy; zero for reusables."""
        depots = np.asarray(depots, dtype=np.int64)
        position = self.available[depots] + self.on_order[depots]
        target = self.initial[depots]
        low = position < policy.reorder_fraction * target - _EPS
        qty = np.where(low, target - position, 0.0)
        qty[:, REUSABLE] = 0.0
        return qty

    def set_off_duty(self, target: np.ndarray) -> None:
        """Move units between ``available`` and ``off_duty`` toward ``target`` (sick crews).

        Only units at the depot can go off duty; units out on a job finish it first. Units
        off duty stay owned by the depot (they return when ``target`` falls).

        Args:
            target: (n_depots, N_RESOURCES) units wanted off duty (>= 0).
        """
        target = np.maximum(np.asarray(target, dtype=float), 0.0)
        back = np.clip(self.off_duty - target, 0.0, None)
        self.off_duty -= back
        self.available += back
        go = np.minimum(np.clip(target - self.off_duty, 0.0, None), self.available)
        self.available -= go
        self.off_duty += go

    def check_conservation(self, atol: float = 1e-6) -> np.ndarray:
        """Return the per-resource imbalance; raise if any exceeds ``atol``.

        Raises:
            ResourceError: stock was created or lost (a bookkeeping bug).
        """
        lhs = (self.initial + self.delivered).sum(axis=0)
        rhs = (
            self.available
            + self.out_on_job
            + self.in_transit
            + self.consumed
            + self.off_duty
            + self.withdrawn
        ).sum(axis=0)
        gap = lhs - rhs
        if np.any(np.abs(gap) > atol):
            bad = {RESOURCE_NAMES[i]: float(gap[i]) for i in np.flatnonzero(np.abs(gap) > atol)}
            raise ResourceError(f"stock not conserved: {bad}")
        return gap
