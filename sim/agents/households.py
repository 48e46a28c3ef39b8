"""Households at risk: a vectorised synthetic population and its relocation decisions.

The people of the relocation categories (site workers in temporary housing, residents of
dangerous old housing and sheds, workers outside the seawall and in ports, vessel crews; the
exposure inventory's pools by district, :mod:`sim.city.exposure`) are represented by a sample
of households per district and category, held in numpy arrays — not one Mesa agent each. A
sample stands for ``weight`` households of ``size`` persons, so the persons of a (district,
category) group sum exactly to its pool: ``sum(weight · size) = at_risk``.

Each sample has a place (one of the district's sample points, where the forecast is read), a
housing type (:data:`sim.scenario.schema.HOUSING_TYPES`), a size in persons and a flag for
earlier relocation experience, drawn from the city's ``evacuation.yaml`` population blocks
with the model's ``households`` stream (:func:`generate_households`): the same seed gives the
same population.

Decisions follow the Protective Action Decision Model (Lindell & Perry 2012) as a logistic
compliance probability (:class:`ProtectiveAction`, coefficients in
:class:`sim.scenario.schema.BehaviourConfig` with their sources). Households are owned by
their district government (:mod:`sim.agents.district_government`), which orders, transports
and shelters them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.city.evacuation import PopulationSpec
from sim.scenario.schema import HOUSING_TYPES, BehaviourConfig

HOUSING_INDEX = {name: i for i, name in enumerate(HOUSING_TYPES)}

EXPOSURE_CLIP = (-2.0, 1.0)
"""Range of the exposure predictor ln(forecast / threshold): a place far below the threshold
counts as e^-2 of it, one far above as e (assumption: bounds a log-linear cue effect)."""


@dataclass(frozen=True)
class Households:
    """One district's synthetic households (arrays of equal length n; ``size`` persons each
    standing for ``weight`` households).

    Attributes:
        category: (n,) category index (into the district government's ``categories``).
        point: (n,) index of the household's place among the district's sample points.
        housing: (n,) housing-type index (:data:`HOUSING_INDEX`).
        size: (n,) persons per household (>= 1).
        experience: (n,) relocated in an earlier typhoon.
        weight: (n,) households the sample stands for (> 0).
    """

    category: np.ndarray
    point: np.ndarray
    housing: np.ndarray
    size: np.ndarray
    experience: np.ndarray
    weight: np.ndarray

    @property
    def n(self) -> int:
        return len(self.category)

    @property
    def persons(self) -> np.ndarray:
        """(n,) persons each sample stands for."""
        return self.weight * self.size

    def by_category(self, values: np.ndarray, n_categories: int) -> np.ndarray:
        """(C,) sum of a per-sample quantity (persons) by category."""
        return np.bincount(self.category, weights=values, minlength=n_categories)


def _group(
    pool: float, spec: PopulationSpec, c: int, k_points: int, n: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    types = list(spec.housing)
    shares = np.array([spec.housing[t] for t in types], dtype=float)
    point = rng.integers(0, k_points, n)
    housing = np.array([HOUSING_INDEX[t] for t in types])[rng.choice(len(types), n, p=shares)]
    size = 1 + rng.poisson(spec.persons_per_household - 1.0, n)
    experience = rng.random(n) < spec.experience_share
    weight = np.full(n, pool / size.sum())  # the group's persons sum to its pool exactly
    return dict(
        category=np.full(n, c),
        point=point,
        housing=housing,
        size=size,
        experience=experience,
        weight=weight,
    )


def generate_households(
    at_risk: np.ndarray,
    specs: Sequence[PopulationSpec],
    k_points: int,
    rng: np.random.Generator,
    samples_per_group: int,
) -> list[Households]:
    """Draw the synthetic households of every district.

    Args:
        at_risk: (D, C) persons at risk by district and category (the exposure inventory).
        specs: (C,) population block of each category (city's ``evacuation.yaml``).
        k_points: sample points per district (households are placed on them, uniformly).
        rng: the model's ``households`` stream; draws go district by district, category by
            category, so the population depends only on the seed and the inputs.
        samples_per_group: samples per (district, category) with people (fewer when the
            group has fewer households than that).

    Returns:
        One :class:`Households` per district (groups with no people have no samples).

    Raises:
        ValueError: shapes disagree or a pool is negative.
    """
    at_risk = np.asarray(at_risk, dtype=float)
    if at_risk.ndim != 2 or at_risk.shape[1] != len(specs) or (at_risk < 0).any():
        raise ValueError(f"at_risk must be (D, {len(specs)}) and >= 0, got {at_risk.shape}")
    out = []
    for d in range(at_risk.shape[0]):
        parts = []
        for c, spec in enumerate(specs):
            pool = at_risk[d, c]
            if pool <= 0:
                continue
            n = int(min(samples_per_group, max(1, np.ceil(pool / spec.persons_per_household))))
            parts.append(_group(pool, spec, c, k_points, n, rng))
        cols = ("category", "point", "housing", "size", "experience", "weight")
        out.append(
            Households(
                **{
                    k: np.concatenate([p[k] for p in parts])
                    if parts
                    else np.zeros(0, bool if k == "experience" else float if k == "weight" else int)
                    for k in cols
                }
            )
        )
    return out


class ProtectiveAction:
    """Compliance probability of households (PADM logistic; :class:`BehaviourConfig`).

    Args:
        config: the coefficients (scenario ``response.relocation.behaviour``).
    """

    def __init__(self, config: BehaviourConfig):
        self.config = config
        self.housing = np.array([config.housing[t] for t in HOUSING_TYPES], dtype=float)
        # the terms that change only with the arrays they come from (a district's exposure
        # ratios are replaced, not edited, at each review): computed once per review, not
        # once per hour and channel — the calibration's replays spend their time here
        self._terms: tuple | None = None

    def probability(
        self,
        ordered: np.ndarray,
        response_level: int,
        housing: np.ndarray,
        experience: np.ndarray,
        exposure_ratio: np.ndarray,
    ) -> np.ndarray:
        """Probability that a household relocates (dimensionless, in (0, 1)).

        Args:
            ordered: (n,) bool, its category is ordered out at its place.
            response_level: flood-control response level, 1 (IV) … 4 (I), or (n,) the level
                each household received (0: none reached it, probability 0).
            housing: (n,) housing-type index.
            experience: (n,) bool, relocated before.
            exposure_ratio: (n,) forecast intensity at the household over its category's
                order threshold (the largest over the rule's triggers; 0 where none).

        Returns:
            (n,) probabilities; 0 where the exposure ratio is 0 (no trigger of the
            household's category is forecast at its place: no threat to act on).
        """
        c = self.config
        house, expo, exper, threatened = self._fixed_terms(housing, experience, exposure_ratio)
        # summed in this order whatever is cached, so results are the same to the bit
        z = (
            c.intercept
            + c.official_order * ordered
            + c.per_response_level * np.maximum(np.asarray(response_level) - 1, 0)
            + house
            + expo
            + exper
        )
        # a household no warning has reached does not act on one (sim.agents.warning_reach)
        warned = np.asarray(response_level) > 0
        return np.where(threatened & warned, 1.0 / (1.0 + np.exp(-z)), 0.0)

    def _fixed_terms(self, housing, experience, exposure_ratio) -> tuple:
        """The housing, exposure and experience terms and the threatened mask, cached for as
        long as the same three arrays are passed (compared by identity)."""
        t = self._terms
        if t is not None and t[0] is housing and t[1] is experience and t[2] is exposure_ratio:
            return t[3:]
        c = self.config
        x = np.clip(np.log(np.maximum(exposure_ratio, 1e-9)), *EXPOSURE_CLIP)
        # PADM's decisions start with threat identification (Lindell & Perry 2012): a
        # household whose place the forecast does not touch by any of its category's hazards
        # (e.g. a vessel crew in a rainstorm: no gust) has no threat to respond to.
        threatened = np.asarray(exposure_ratio, float) > 0.0
        terms = (self.housing[housing], c.exposure * x, c.experience * experience, threatened)
        self._terms = (housing, experience, exposure_ratio, *terms)
        return terms
