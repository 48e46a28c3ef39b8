"""Replay of the households' relocation decisions under other behaviour coefficients.

A storm's warnings, forecasts and the forecast at every household do not depend on how
households respond (nothing downstream of the decision feeds back into them), so the
relocation a run produces under behaviour coefficients theta can be recomputed from what the
households saw: the response level at every hourly step (with the level each household's
warning channel delivered, :mod:`sim.agents.warning_reach`: networks, not choices, decide it)
and, at every review, each household's forecast over its category's order threshold
(:attr:`sim.agents.district_government.DistrictGovernment.trace`). The orders are re-decided
from these by the district's own rule, so ``order_threshold_scale`` (where districts order)
is replayed as well. This is what makes a joint ABC over many storms affordable: a full run
of a storm takes seconds, its replay milliseconds.

The replay runs the district governments' own ``step`` (departures within buses and
shelters, returns) and order rule on a minimal model; only the forecast is the recorded one.
With the recorded coefficients it gives the full run's ``people_relocated`` exactly
(``tests/test_relocation_replay.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim.agents.district_government import DistrictGovernment
from sim.agents.households import Households
from sim.city.evacuation import EvacuationData
from sim.scenario.schema import BehaviourConfig, RelocationConfig


@dataclass(frozen=True)
class DistrictTrace:
    """What one district's households saw in a run.

    Attributes:
        district, name, population_persons: the district.
        households: its synthetic households.
        events: ("step", t_h, response_level, received) and ("review", t_h, raw_ratio) in
            the order they happened (``raw_ratio``: each household's forecast over its
            category's unscaled order threshold, so the orders can be re-decided under another
            ``order_threshold_scale``); ``received``: the channel shares
            and the level each household received by channel
            (:meth:`DistrictGovernment.received`; None: all reached).
    """

    district: int
    name: str
    population_persons: float
    households: Households
    events: tuple[tuple, ...]


@dataclass(frozen=True)
class StormTrace:
    """A run's decision trace: enough to replay its relocation.

    Attributes:
        storm: scenario name.
        seed: the run's seed.
        evacuation: the city's order rules, buses and shelters.
        relocation: the relocation settings the districts ran with (a posterior draw's
            coefficients included).
        districts: one trace per district.
        summary: the full run's summary (people_relocated and the other outcomes).
    """

    storm: str
    seed: int
    evacuation: EvacuationData
    relocation: RelocationConfig
    districts: tuple[DistrictTrace, ...]
    summary: dict


def record_trace(model) -> None:
    """Switch decision tracing on for every district government of a built, not yet run
    :class:`~sim.models.emergency.CityModel`."""
    for d in model.districts:
        d.trace = []


def collect_trace(model, summary: dict) -> StormTrace:
    """The :class:`StormTrace` of a finished run whose tracing was switched on.

    Raises:
        ValueError: tracing was not switched on before the run.
    """
    if any(d.trace is None for d in model.districts):
        raise ValueError("the run was not traced: call record_trace(model) before running it")
    return StormTrace(
        storm=model.config.name,
        seed=int(model.config.seed),
        evacuation=model.districts[0].evacuation,
        # the settings the districts ran with: a posterior draw's coefficients included
        relocation=model.districts[0].config,
        districts=tuple(
            DistrictTrace(d.district, d.name, d.population_persons, d.households, tuple(d.trace))
            for d in model.districts
        ),
        summary=dict(summary),
    )


class _ReplayModel(mesa.Model):
    """The least a district government needs of its model: a clock and an event log."""

    def __init__(self) -> None:
        super().__init__(rng=0)
        self.time = 0.0

    def log_event(self, *args, **kwargs) -> None:  # the replay keeps no event log
        return None

    def advance_to(self, t_h: float) -> None:
        """Set the clock to the recorded step's hour."""
        self.time = t_h


class _ReplayedDistrict(DistrictGovernment):
    """A district government whose reviews are the recorded ones."""

    def start_replay(self, events: tuple[tuple, ...]) -> None:
        self._reviews = iter(e for e in events if e[0] == "review")
        self.recorded_received = None

    def received(self, reach, response_level: int):
        """The warning levels the households received at the recorded step (by channel)."""
        return self.recorded_received

    def review_orders(self, forecast, response_level: int) -> None:
        self._last_review_h, self._last_level = self.model.time, response_level
        if self.households.n == 0:
            return
        _, t_h, raw_ratio = next(self._reviews)
        if t_h != self.model.time:
            raise ValueError(
                f"{self.name}: recorded review at {t_h} h, replay at {self.model.time}"
            )
        self._order(raw_ratio, response_level)  # the orders under this replay's threshold scale


def replay_relocated(
    trace: StormTrace, behaviour: dict[str, float] | None = None, until_h: float | None = None
) -> float:
    """People relocated in a traced run, had households decided with other coefficients.

    Args:
        trace: the run's decision trace.
        behaviour: :class:`~sim.scenario.schema.BehaviourConfig` fields to change (e.g.
            ``{"intercept": -5.0, "per_response_level": 1.0}``); None or {}: the run's own.
        until_h: count only the steps up to this hour of the run (hours from the scenario's
            start): the running total at the time a reported count was made (its as-of
            time), so that a count reported before landfall is compared with the model's
            count at that time, not with the whole window's. None: the whole run.

    Returns:
        Persons relocated (each counted once) up to ``until_h``; with ``until_h`` None, the
        run's summary ``people_relocated``.

    Raises:
        pydantic.ValidationError: a coefficient is not a BehaviourConfig field or is out of
            range.
    """
    base = trace.relocation.behaviour.model_dump()
    config = trace.relocation.model_copy(
        update={"behaviour": BehaviourConfig(**{**base, **(behaviour or {})})}
    )
    model = _ReplayModel()
    total = 0.0
    for dt in trace.districts:
        agent = _ReplayedDistrict(
            model,
            district=dt.district,
            name=dt.name,
            population_persons=dt.population_persons,
            households=dt.households,
            points_xy=(np.zeros(0), np.zeros(0)),
            evacuation=trace.evacuation,
            config=config,
        )
        agent.start_replay(dt.events)
        for event in dt.events:
            if until_h is not None and event[1] > until_h:
                break  # events are in time order
            if event[0] == "step":
                model.advance_to(event[1])
                agent.recorded_received = event[3] if len(event) > 3 else None
                agent.step(None, event[2])
        total += agent.relocated_cumulative
    return total
