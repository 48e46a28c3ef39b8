"""Stock changes outside jobs: units arriving back or in transit, teams off duty, injected or
withdrawn units, transfers between depots and resupply orders (as events on the clock).

An automatic reorder is prepared at the source for the supply's lead time, then driven from
the nearest central reserve (the city's material reserve, where outside suppliers deliver)
over the roads as they are when it sets out; an order for a depot no reserve can reach waits
for the roads to change (:meth:`StockMoves.release_held`).

Every change first integrates the unit-hours up to the clock (utilisation), then changes the
ledger (:class:`sim.response.resources.DepotStock`). Units in transit become available when
their clock event is received.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from sim.response.dispatch.clock import RANK_STOCK, EventClock
from sim.response.dispatch.reach import DepotReach
from sim.response.dispatch.records import EPS, TEAM_COLS, UnreachableDepotError
from sim.response.resources import (
    N_RESOURCES,
    RESOURCE_INDEX,
    REUSABLE,
    Bundle,
    DepotStock,
    ResupplyPolicy,
)


class StockMoves:
    """Moves units between depots, jobs and the outside world.

    Args:
        stock: the ledger.
        clock: where arrivals are scheduled and unit-hours integrated.
        reach: depot districts, central flags and travel times between depots.
        resupply: optional (s, S) policy for automatic reorders of consumables.
    """

    def __init__(
        self,
        stock: DepotStock,
        clock: EventClock,
        reach: DepotReach,
        resupply: ResupplyPolicy | None,
    ):
        self.stock = stock
        self.clock = clock
        self.reach = reach
        self.resupply = resupply
        self._lead_vec = resupply.lead_time_vector() if resupply is not None else None
        #: Reorders ready at the source that no reserve can reach yet: (depot, amounts).
        self.held: list[tuple[int, np.ndarray]] = []

    def receive(self, kind: str, payload: tuple[int, np.ndarray]) -> np.ndarray:
        """Apply a stock event from the clock (``return``, ``transfer``, ``delivery``, or
        ``order_ready``: a reorder sets out, :meth:`_set_out`).

        Returns:
            (N_RESOURCES,) bool: the resources that became more available.
        """
        if kind == "order_ready":
            self._set_out(*payload)
            return np.zeros(N_RESOURCES, dtype=bool)
        self.clock.integrate(self.stock)
        if kind == "return":
            self.stock.return_from_job(*payload)
        elif kind == "transfer":
            self.stock.finish_transfer(*payload)
        elif kind == "delivery":
            self.stock.deliver(*payload)
        return payload[1] > EPS

    def set_team_capacity(self, factor_by_district: np.ndarray) -> None:
        """Teams off duty per depot for a (D,) share able to work (see
        :meth:`sim.response.dispatch.Dispatcher.set_team_capacity`)."""
        self.clock.integrate(self.stock)
        factor = np.clip(np.asarray(factor_by_district, dtype=float), 0.0, 1.0)
        reach = self.reach
        per_depot = np.where(reach.central, factor.mean(), factor[np.clip(reach.district, 0, None)])
        owned = self.stock.initial + self.stock.delivered - self.stock.withdrawn
        target = np.zeros_like(owned)
        target[:, TEAM_COLS] = owned[:, TEAM_COLS] - np.floor(
            per_depot[:, None] * owned[:, TEAM_COLS] + 1e-9
        )
        self.stock.set_off_duty(target)

    def adjust(self, depot: int, resource: str, amount: float) -> float:
        """Add (> 0) or withdraw (< 0, at most what is at the depot) units of a known
        resource now; returns the change made."""
        self.clock.integrate(self.stock)
        r = RESOURCE_INDEX[resource]
        vec = np.zeros(N_RESOURCES)
        if amount >= 0:
            vec[r] = amount
            self.stock.deliver(depot, vec)
            return float(amount)
        vec[r] = min(-amount, float(self.stock.available[depot, r]))
        self.stock.withdraw(depot, vec)
        return -float(vec[r])

    def transfer(self, src: int, dst: int, bundle: Bundle, t_h: float) -> float:
        """Send units from depot ``src`` to ``dst`` now; returns their arrival time (h).

        Raises:
            NegativeStockError: ``src`` lacks the units.
            UnreachableDepotError: no road route between the depots.
        """
        vec = bundle.to_vector()
        travel = float(self.reach.between(src, np.array([dst]))[0])
        if not np.isfinite(travel):
            raise UnreachableDepotError(f"no road route from depot {src} to depot {dst}")
        self.clock.integrate(self.stock)
        self.stock.start_transfer(src, dst, vec)
        self.clock.push(t_h + travel, RANK_STOCK, "transfer", (dst, vec))
        return t_h + travel

    def warning_moves(
        self, districts: Iterable[int], fraction: float
    ) -> Iterator[tuple[int, int, Bundle]]:
        """The moves of pre-positioning on a warning, ``(src, dst, bundle)``, one at a time (the
        caller makes each before the next is computed): ``fraction`` of each central reserve's
        available stock, split evenly (whole units for teams and equipment) over the reachable
        non-central depots of ``districts``."""
        reach = self.reach
        targets = np.flatnonzero(np.isin(reach.district, list(districts)) & ~reach.central)
        if targets.size == 0:
            return
        for src in np.flatnonzero(reach.central):
            share = self.stock.available[src] * fraction / targets.size
            share[REUSABLE] = np.floor(share[REUSABLE] + 1e-9)
            if share.max() <= EPS:
                continue
            reachable = np.isfinite(reach.between(int(src), targets))
            for dst in targets[reachable]:
                yield int(src), int(dst), Bundle.from_vector(share)

    def order(self, depot: int, bundle: Bundle, t_h: float, lead_time_h: float) -> float:
        """Order units from outside for ``depot``; returns the delivery time (h)."""
        vec = bundle.to_vector()
        self.stock.order(depot, vec)
        self.clock.push(t_h + lead_time_h, RANK_STOCK, "delivery", (depot, vec))
        return t_h + lead_time_h

    def reorder(self, depots: np.ndarray, t_h: float) -> None:
        """Automatic (s, S) reorders of the consumables of ``depots`` (after a dispatch)."""
        if self.resupply is None:
            return
        qty = self.stock.reorder_quantities(depots, self.resupply)
        for d, q in zip(depots, qty, strict=True):
            for r in np.flatnonzero(q > EPS):
                vec = np.zeros(N_RESOURCES)
                vec[r] = q[r]
                self.stock.order(int(d), vec)
                self.clock.push(t_h + self._lead_vec[r], RANK_STOCK, "order_ready", (int(d), vec))

    def supply_travel_h(self, depot: int) -> float:
        """Drive time of a reorder to ``depot`` from the nearest central reserve on today's
        roads (h; inf: none reaches it). 0 for a reserve itself, and when the city has no
        central reserve (orders then come straight in, after their lead time)."""
        reach = self.reach
        central = np.flatnonzero(reach.central)
        if central.size == 0 or reach.central[depot]:
            return 0.0
        return float(min(reach.between(int(c), np.array([depot]))[0] for c in central))

    def _set_out(self, depot: int, vec: np.ndarray) -> None:
        """A reorder ready at the source now sets out for ``depot``, or is held."""
        travel = self.supply_travel_h(depot)
        if np.isfinite(travel):
            self.clock.push(self.clock.now_h + travel, RANK_STOCK, "delivery", (depot, vec))
        else:
            self.held.append((depot, vec))

    def release_held(self) -> None:
        """After a road change: held reorders that a reserve can now reach set out."""
        held, self.held = self.held, []
        for depot, vec in held:
            self._set_out(depot, vec)
