"""District maintenance offices (Mesa agents) and the city's shared black swans.

A district government owns the maintenance of the assets on its territory (territorial
responsibility, docs/domain.md §2). :class:`DistrictMaintenanceOffice` is that decision-maker: it
holds its district's part of the asset stock as a :class:`sim.risk.SlowRiskProcess` with its
own budget and priority rule (risk-based, visible-first or white-elephant), and each year it
screens, funds repairs by that rule and defers what the rule defers. All per-asset work is
the vectorised code of :mod:`sim.risk`.

Black swans strike the whole city at once, so they are drawn once per year by the model and
handed to every district process through :class:`YearShocks`, an object with the interface
``SlowRiskProcess`` expects of its ``shocks`` (``sample``, ``amplification``, ``apply``).
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim.risk import (
    AssetInventory,
    BlackSwanShocks,
    MaintenancePolicy,
    SlowEvents,
    SlowRiskProcess,
    WhiteElephantDecisionMaker,
)


@dataclass(frozen=True)
class StaggeredWhiteElephant(WhiteElephantDecisionMaker):
    """White-elephant rule whose terms of office start at ``term_start_yr`` (mod tenure).

    :class:`sim.risk.WhiteElephantDecisionMaker` starts every term at model year 0; district
    officials are not appointed in the same year, so each office gets its own phase
    (assumption; the phase is drawn by the model, uniform over the tenure).
    """

    term_start_yr: float = 0.0

    def remaining_tenure_yr(self, t_yr: float) -> float:
        return self.tenure_yr - ((t_yr - self.term_start_yr) % self.tenure_yr)


class YearShocks:
    """This year's city-wide black swans, shared by every district's slow-risk process.

    Args:
        shocks: the shock distribution (failure probabilities by condition state and sector).

    Attributes:
        t_yr, kinds, intensity: (k,) this year's shocks.
        expected_now, expected_as_new: (k,) expected shock failures of the current stock and
            of an as-new stock, summed over the districts that applied the shock (their ratio
            is the city-wide amplification by latent risk, :meth:`BlackSwanShocks.amplification`).
    """

    def __init__(self, shocks: BlackSwanShocks) -> None:
        self.shocks = shocks
        self.set_year(np.zeros(0), np.zeros(0, dtype=object), np.zeros(0))

    def set_year(self, t_yr: np.ndarray, kinds: np.ndarray, intensity: np.ndarray) -> None:
        self.t_yr, self.kinds, self.intensity = t_yr, kinds, intensity
        self.expected_now = np.zeros(t_yr.size)
        self.expected_as_new = np.zeros(t_yr.size)
        self._pending: list[int] = []

    def sample(self, t0_yr: float, t1_yr: float, rng: np.random.Generator):
        """The shocks in [t0, t1) (``rng`` unused: they were drawn once for the city).

        The process then calls :meth:`amplification` once per returned shock, in order.
        """
        sel = (self.t_yr >= t0_yr) & (self.t_yr < t1_yr)
        self._pending = np.nonzero(sel)[0].tolist()
        return self.t_yr[sel], self.kinds[sel], self.intensity[sel]

    def amplification(self, inv: AssetInventory, kind: str, intensity: float) -> float:
        """District amplification (as in BlackSwanShocks); also tallies the city-wide sums."""
        now = float(self.shocks.failure_probability(inv, kind, intensity).sum())
        new = float(
            self.shocks.failure_probability(inv, kind, intensity, np.zeros_like(inv.state)).sum()
        )
        i = self._pending.pop(0)  # shocks are applied in the order sample() returned them
        self.expected_now[i] += now
        self.expected_as_new[i] += new
        return now / new if new > 0 else float("nan")

    def apply(self, inv: AssetInventory, kind: str, intensity: float, rng) -> np.ndarray:
        return self.shocks.apply(inv, kind, intensity, rng)


class DistrictMaintenanceOffice(mesa.Agent):
    """A district's maintenance decision-maker (Mesa agent).

    Args:
        model: the :class:`~sim.models.longrun.RiskDynamicsModel`.
        district: district index.
        name: district name.
        inventory: the district's assets (modified in place over the run).
        asset_ids: (n,) city-wide asset index of each of the district's assets.
        policy: rule, budget (yuan/yr), screening and decision-maker parameters.
        shocks: the city's :class:`YearShocks` (None: no black swans).
        rng: the office's own random stream (deterioration, failures, screening).
        t_yr: decimal calendar year at the start.
    """

    def __init__(
        self,
        model: mesa.Model,
        district: int,
        name: str,
        inventory: AssetInventory,
        asset_ids: np.ndarray,
        policy: MaintenancePolicy,
        shocks: YearShocks | None,
        rng: np.random.Generator,
        t_yr: float,
    ) -> None:
        super().__init__(model)
        self.district = int(district)
        self.name = name
        self.asset_ids = np.asarray(asset_ids, np.int64)
        self.policy = policy
        self.process = SlowRiskProcess(inventory, policy, shocks, t_yr=t_yr)
        self.stream = rng

    @property
    def budget_yuan_per_yr(self) -> float:
        return self.policy.budget_yuan_per_yr

    def maintain_year(self) -> SlowEvents:
        """One year: deterioration, failures, shocks, screening, repairs by the office's rule.

        Returns:
            The year's events, asset indices local to the district (see ``asset_ids``).
        """
        return self.process.advance(1, self.stream)

    def book_planned_spend(self, yuan: float) -> None:
        """Record planned repairs the responsibility layers paid for on this district's
        stock this year (yuan; the year's maintenance record)."""
        self.process.book_planned_spend(yuan)
