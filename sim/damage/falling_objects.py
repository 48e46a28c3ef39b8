"""Falling objects from height in wind: object fragility x pedestrian exposure -> casualties.

Objects (the briefing's list, docs/domain.md §1, priority 5): shop signboards (~360,000), outdoor
advertising structures (~29,000), glass curtain walls (12,888 buildings), air-conditioner
brackets, external wall insulation (236 estates awaiting repair). Counts per district come from
the city exposure table; the units per exposure item (panels per building, brackets per
household, insulation patches per estate) are assumptions listed in `OBJECT_TYPES`.

Fragility: each object fails when the district's running maximum 3-s gust exceeds its lognormal
capacity, P(fail | gust) from `sim.damage.fragility` (keys in `OBJECT_TYPES`). Between two calls
with
running maxima g0 < g1 the newly failed count is Binomial(intact, (P(g1) - P(g0)) / (1 - P(g0))),
so the total over a storm depends only on the peak gust (consistent with capacity sampling).

Casualties: a falling object lands on a ground footprint of ``impact_area_m2`` (assumption per
type); a pedestrian is there with probability 1 - exp(-rho A), where rho (persons/m2) is the
pedestrian density on footways below facades:

    rho = rho_zone x activity(local hour, weekend) x warning_factor(level).

rho_zone (daytime peak by zone, ``peak_pedestrian_density_per_m2`` of the city profile's zones:
assumptions stated there), the diurnal activity profile and the warning factors (people stay
indoors under typhoon warnings: blue 0.9, yellow 0.7, orange 0.4, red 0.15) are assumptions. A
hit person is killed with probability ``p_death_given_hit`` and otherwise injured (assumptions per
type). Consistency check: for Lekima (peak gusts ~22-31 m/s on land, orange warning) the model
gives a few falling signboards and expected deaths below 1 (0.3 with every district at 28 m/s),
matching the record of 4 falling signboards and no casualties
(scenarios/data/shanghai/facts.md §2c).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.damage.fragility import get_curve


@dataclass(frozen=True)
class FallingObjectType:
    """One object type.

    Attributes:
        name: type name.
        curve_key: `sim.damage.fragility` wind curve.
        exposure_column: city exposure (or districts) column giving the base count.
        units_per_item: objects per exposure item (assumption where != 1).
        impact_area_m2: ground footprint of a fall (assumption).
        p_death_given_hit: P(death | a pedestrian is hit) (assumption).
    """

    name: str
    curve_key: str
    exposure_column: str
    units_per_item: float
    impact_area_m2: float
    p_death_given_hit: float


OBJECT_TYPES: tuple[FallingObjectType, ...] = (
    FallingObjectType("shop_signboard", "shop_signboard", "shop_signboards", 1.0, 4.0, 0.3),
    FallingObjectType(
        "advertising_structure",
        "outdoor_advertising_structure",
        "advertising_structures",
        1.0,
        20.0,
        0.5,
    ),
    # 20 vulnerable (openable / ageing-sealant) panels per curtain-wall building: assumption
    FallingObjectType(
        "glass_curtain_wall_panel",
        "glass_curtain_wall_panel",
        "glass_curtain_wall_buildings",
        20.0,
        6.0,
        0.1,
    ),
    # one external unit on a bracket per household: assumption
    FallingObjectType(
        "air_conditioner_bracket", "air_conditioner_bracket", "households", 1.0, 2.0, 0.3
    ),
    # 200 patches of ~100 m2 per estate awaiting repair: assumption
    FallingObjectType(
        "external_insulation_patch",
        "external_insulation_panel",
        "external_insulation_estates",
        200.0,
        30.0,
        0.05,
    ),
)

# Relative pedestrian activity by local hour 0..23 (assumption: night low, peaks 8 h and 18 h).
ACTIVITY_BY_HOUR = np.array(
    [0.08, 0.05, 0.04, 0.04, 0.05, 0.10, 0.30, 0.65, 0.85, 0.70, 0.65, 0.75,
     0.80, 0.70, 0.65, 0.70, 0.80, 0.95, 1.00, 0.85, 0.65, 0.45, 0.30, 0.15]
)  # fmt: skip
WEEKEND_FACTOR = 0.9  # assumption
WARNING_FACTOR = {"none": 1.0, "blue": 0.9, "yellow": 0.7, "orange": 0.4, "red": 0.15}


def pedestrian_density_per_m2(
    zone_peak_density, local_hour, weekend: bool = False, warning: str = "none"
) -> np.ndarray:
    """(D,) pedestrian density on footways below facades, persons/m2.

    Args:
        zone_peak_density: (D,) daytime-peak density per district.
        local_hour: local hour (UTC + the city's offset), float in [0, 24).
        weekend: Saturday/Sunday.
        warning: current warning level, one of `WARNING_FACTOR`.

    Raises:
        KeyError: unknown warning level (lists the valid ones).
    """
    if warning not in WARNING_FACTOR:
        raise KeyError(f"unknown warning {warning!r}; valid: {sorted(WARNING_FACTOR)}")
    h = int(np.floor(local_hour)) % 24
    f = ACTIVITY_BY_HOUR[h] * (WEEKEND_FACTOR if weekend else 1.0) * WARNING_FACTOR[warning]
    return np.asarray(zone_peak_density, dtype=float) * f


class FallingObjectHazard:
    """Object counts per district and type; tracks failures under a gust time series.

    Args:
        counts: (D, K) objects per district and type (K = len(types)).
        zone_peak_density: (D,) pedestrian peak density per district, persons/m2.
        types: object types (default `OBJECT_TYPES`).
    """

    def __init__(self, counts, zone_peak_density, types=OBJECT_TYPES) -> None:
        self.types = tuple(types)
        self.counts = np.asarray(counts, dtype=np.int64)
        if self.counts.ndim != 2 or self.counts.shape[1] != len(self.types):
            raise ValueError(f"counts must be (D, {len(self.types)})")
        self.zone_peak_density = np.asarray(zone_peak_density, dtype=float)
        self.curves = [get_curve(t.curve_key) for t in self.types]
        self.median_factor: np.ndarray | None = None
        """(D,) multiplier on every type's median capacity θ by district (the condition of a
        long run's facades and signboards, :mod:`sim.risk.city_state`); None: 1."""
        self.failed = np.zeros_like(self.counts)
        self.max_gust_ms = np.zeros(self.counts.shape[0])
        self.deaths = np.zeros(self.counts.shape[0], dtype=np.int64)
        self.injuries = np.zeros(self.counts.shape[0], dtype=np.int64)

    @classmethod
    def from_city(cls, city, types=OBJECT_TYPES) -> FallingObjectHazard:
        """Counts from ``city.exposure`` (and ``city.districts`` for households)."""
        cols = []
        for t in types:
            src = city.exposure if t.exposure_column in city.exposure else city.districts
            cols.append(np.round(src[t.exposure_column].to_numpy(float) * t.units_per_item))
        dens = city.zone_values("peak_pedestrian_density_per_m2")
        return cls(np.stack(cols, axis=1), dens, types)

    def failure_probability(self, gust_ms) -> np.ndarray:
        """(D, K) P(failed | peak gust) per district and type (a median θ·m exceeded at g is
        θ exceeded at g / m: ``median_factor`` m divides the gust)."""
        g = np.asarray(gust_ms, dtype=float)
        if self.median_factor is not None:
            g = g / self.median_factor
        return np.stack([c.probability(g) for c in self.curves], axis=1)

    def expected_falls(self, peak_gust_ms) -> np.ndarray:
        """(D, K) expected failed objects for a storm with these district peak gusts."""
        return self.counts * self.failure_probability(peak_gust_ms)

    def expected_casualties(self, falls, local_hour, weekend=False, warning="none"):
        """(D,) expected (deaths, injuries) for given falls (D, K) at one time."""
        rho = pedestrian_density_per_m2(self.zone_peak_density, local_hour, weekend, warning)
        area = np.array([t.impact_area_m2 for t in self.types])
        p_hit = -np.expm1(-rho[:, None] * area[None, :])
        pd_ = np.array([t.p_death_given_hit for t in self.types])
        hits = np.asarray(falls, float) * p_hit
        return (hits * pd_).sum(axis=1), (hits * (1 - pd_)).sum(axis=1)

    def step(
        self,
        gust_ms,
        rng: np.random.Generator,
        local_hour: float,
        weekend: bool = False,
        warning: str = "none",
        item_falls: dict[str, np.ndarray] | None = None,
    ) -> dict[str, np.ndarray]:
        """Update with the current district gusts; draw new falls and casualties.

        Args:
            gust_ms: (D,) current 3-s gust per district (e.g. district max of TyphoonHazard).
            rng: random generator.
            local_hour: local hour of this step (exposure).
            weekend: weekend day.
            warning: current warning level.
            item_falls: type name → (D,) new falls of the types drawn as individual items
                (:mod:`sim.damage.items`, full scale); they replace the counted draws of those
                types (drawn all the same, so the other types' draws do not move).

        Returns:
            dict with "falls" (D, K) new failures, "deaths" (D,), "injuries" (D,).
        """
        g = np.maximum(self.max_gust_ms, np.asarray(gust_ms, dtype=float))
        p0 = self.failure_probability(self.max_gust_ms)
        p1 = self.failure_probability(g)
        cond = np.where(p0 < 1, (p1 - p0) / np.maximum(1 - p0, 1e-300), 0.0)
        new = rng.binomial(self.counts - self.failed, np.clip(cond, 0.0, 1.0))
        if item_falls is not None:  # the types drawn as items fail item by item
            cols = [j for j, t in enumerate(self.types) if t.name in item_falls]
            new[:, cols] = np.stack([item_falls[self.types[j].name] for j in cols], axis=1)
        self.failed += new
        self.max_gust_ms = g
        rho = pedestrian_density_per_m2(self.zone_peak_density, local_hour, weekend, warning)
        area = np.array([t.impact_area_m2 for t in self.types])
        hits = rng.binomial(new, -np.expm1(-rho[:, None] * area[None, :]))
        pd_ = np.array([t.p_death_given_hit for t in self.types])
        deaths = rng.binomial(hits, pd_[None, :]).sum(axis=1)
        injuries = hits.sum(axis=1) - deaths
        self.deaths += deaths
        self.injuries += injuries
        return {"falls": new, "deaths": deaths, "injuries": injuries}
