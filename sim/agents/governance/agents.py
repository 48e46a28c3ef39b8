"""Mesa agents that bear safety responsibilities (docs/domain.md §2, five layers) and the market
and society actors around them.

Every agent has duties (a subset of :data:`sim.agents.governance.audit.DUTIES`), a capacity (duty
instances per month), a budget (yuan/yr, each duty instance costs ``cost_per_duty_yuan``) and
a diligence in [0, 1] (P(an admitted duty is actually done)). Diligence = base x incentive
multiplier + campaign/accountability boost, or a forced value in the collective-dereliction
experiment; the rules live in :mod:`sim.agents.governance.behaviour`. Agents only hold state and
perform batches of duties; per-enterprise work is vectorised in
:class:`~sim.agents.governance.park.EnterprisePark` and orchestrated by
:class:`~sim.agents.governance.system.GovernanceSystem`.
"""

from __future__ import annotations

import math

import mesa
import numpy as np


class DutyBearer(mesa.Agent):
    """Base class: an actor with duties, capacity, budget and diligence.

    Args:
        model: the Mesa model.
        district: district index (-1: city-wide).
        base_diligence: diligence before incentives, in [0, 1].
        capacity_per_month: duty instances per month.
        budget_yuan_per_yr: budget, yuan/yr.
        cost_per_duty_yuan: cost of one duty instance, yuan.
    """

    layer = ""
    agent_type = ""
    duties: tuple[str, ...] = ()

    def __init__(
        self,
        model: mesa.Model,
        district: int,
        base_diligence: float,
        capacity_per_month: int,
        budget_yuan_per_yr: float,
        cost_per_duty_yuan: float,
    ) -> None:
        super().__init__(model)
        self.district = int(district)
        self.base_diligence = float(base_diligence)
        self.diligence = float(base_diligence)
        self.boost = 0.0
        self.forced: float | None = None
        self.capacity_per_month = int(capacity_per_month)
        self.budget_yuan_per_yr = float(budget_yuan_per_yr)
        self.cost_per_duty_yuan = float(cost_per_duty_yuan)
        self.coverage = 1.0
        self.spent_yuan = 0.0

    def update_diligence(self, multiplier: float = 1.0) -> float:
        """diligence = clip(base x multiplier + boost) unless forced; returns it."""
        if self.forced is not None:
            self.diligence = self.forced
        else:
            self.diligence = float(np.clip(self.base_diligence * multiplier + self.boost, 0, 1))
        return self.diligence

    def capacity(self, capacity_factor: float = 1.0, budget_factor: float = 1.0) -> int:
        """Duty instances this month: min(capacity x factor, monthly budget / unit cost)."""
        by_budget = self.budget_yuan_per_yr * budget_factor / 12.0 / self.cost_per_duty_yuan
        return int(min(math.floor(self.capacity_per_month * capacity_factor + 1e-9), by_budget))

    def perform(self, n_due: int, capacity: int, rng: np.random.Generator):
        """Carry out ``n_due`` duty instances in priority order (index order).

        The first ``capacity`` are admitted; each admitted one is done with P = diligence.
        Coverage (used by the barrier) becomes min(1, capacity / n_due); spending is charged
        for done instances.

        Returns:
            (admitted, done): two (n_due,) bool arrays.
        """
        admitted = np.arange(n_due) < capacity
        done = admitted & (rng.random(n_due) < self.diligence)
        if n_due:
            self.coverage = min(1.0, capacity / n_due)
        self.spent_yuan += float(done.sum()) * self.cost_per_duty_yuan
        return admitted, done


class Official(DutyBearer):
    """A government actor whose term of office drives short-termism (white elephant)."""

    def __init__(self, *args, term_start_yr: float = 0.0, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.term_start_yr = float(term_start_yr)


class MunicipalLeadership(Official):
    """Leadership responsibility (领导责任): reviews reported problems, launches campaigns."""

    layer, agent_type, duties = "leadership", "municipal_leadership", ("report", "respond")


class DistrictGovernment(Official):
    """Territorial responsibility (属地责任): patrols, answers residents, issues warnings."""

    layer, agent_type = "territorial", "district_government"
    duties = ("inspect", "report", "respond", "warn")


class Regulator(Official):
    """Regulatory responsibility (监管责任): inspects, enforces hazards in its remit, shares
    the others with the competent regulator.

    Args:
        remit: index of the hazard type this regulator is competent for.
        name: e.g. ``emergency_management``.
    """

    layer, agent_type = "regulatory", "regulator"
    duties = ("inspect", "enforce", "report", "respond")

    def __init__(self, *args, remit: int, name: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.remit = int(remit)
        self.name = name


class IndustryDepartment(Official):
    """Industry responsibility (行业责任): sector safety checks, reports to regulators."""

    layer, agent_type, duties = "industry", "industry_department", ("inspect", "report")


class Enterprise(mesa.Agent):
    """Principal responsibility (主体责任): one enterprise, a view on the park's arrays.

    Its state (diligence, latent hazards, capacity, budget) lives in
    :class:`~sim.agents.governance.park.EnterprisePark` so that monthly work is vectorised.
    """

    layer, agent_type, duties = "enterprise", "enterprise", ("maintain",)

    def __init__(self, model: mesa.Model, park, index: int) -> None:
        super().__init__(model)
        self.park = park
        self.index = int(index)

    @property
    def diligence(self) -> float:
        return float(self.park.diligence[self.index])

    @property
    def latent_hazards(self) -> int:
        return int(self.park.hazards[self.index].sum())


class Insurer(DutyBearer):
    """Insurer of the risk-control policy: commissions surveys and checks the reports it
    prices premiums on (diligence = P(check))."""

    layer, agent_type, duties = "market", "insurer", ("inspect",)


class ThirdPartyInspector(DutyBearer):
    """Safety-assessment intermediary; diligence = 1 - P(falsify) (set each month)."""

    layer, agent_type, duties = "market", "third_party_inspector", ("inspect",)


class Residents(DutyBearer):
    """Residents of a district near the park (aggregate); diligence = P(report a noticed
    hazard)."""

    layer, agent_type, duties = "society", "residents", ("report",)
