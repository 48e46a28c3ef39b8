"""The run summary (summary.json): one finite, non-negative number per outcome."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.networks.spec import SUBSTATION_TYPES as SUBSTATIONS
from sim.networks.spec import TRANSFORMER_TYPES as TRANSFORMERS
from sim.networks.telecom import LAYER as TELECOM
from sim.networks.telecom import city_stations

if TYPE_CHECKING:
    from sim.models.emergency import CityModel

SUMMARY_KEYS = (
    "people_relocated",
    "deaths",
    "injuries",
    "direct_loss_yuan",
    "customer_hours_without_power",
    "customer_hours_without_water",
    "customer_hours_without_gas",
    "gas_leaks",
    "gas_fires_explosions",
    "incidents",
    "incidents_unserved",
    "response_time_mean_min",
    "response_time_p95_min",
    "full_bundle_time_mean_min",
    "relief_person_days",
    "relief_shortfall_person_days",
    "power_line_faults",
    "substations_failed",
    "transformers_flooded",
    "trees_down",
    "signboards_fallen",
    "waterlogged_roads",
    "underpasses_closed",
    "road_collapses",
    "telecom_sites_down",
    "warning_reach_share",
    "epidemic_cases",
    "residents_simulated",
    "assets",
    "wall_time_s",
    "seed",
)
"""Keys of summary.json, in order. Customer = household (2.32 persons, 2020 census).
``power_line_faults`` counts failures of 10 kV feeders (distribution circuits),
``substations_failed`` those of substations (:data:`sim.networks.spec.SUBSTATION_TYPES`): a
failure repaired and failed again counts twice. ``gas_leaks`` counts failed gas mains (each a
release), ``gas_fires_explosions`` those that ignited (jet fires and confined explosions;
sim.networks.gas_leaks).
``transformers_flooded`` counts the 10 kV distribution transformers failed by flood water
(:data:`sim.networks.spec.TRANSFORMER_TYPES`), a part of ``power_line_faults`` (the feeder a
flooded transformer stands on trips).
``telecom_sites_down``: most base stations out of service at once; ``warning_reach_share``:
share of households reached by the highest warning colour in force
(:mod:`sim.agents.warning_reach`), null (JSON) when no warning was in force during the run
(read "no warning issued").
``residents_simulated``: persons in the simulated population (:func:`residents_simulated`)."""


NULLABLE_KEYS = ("warning_reach_share",)
"""Summary keys that may be None (null in summary.json): a share of nothing. Every reader —
the console and report (:func:`sim.results.outcome_text.format_outcome`), the app, sweep tables
and comparisons (NaN, left out of means), ensembles — reads it as "no warning issued"."""


def residents_simulated(model: CityModel) -> int:
    """Persons in the simulated population: with ``population.resolution: full`` the 1:1
    synthetic population's residents (:mod:`sim.city.population`), else the persons of the
    relocation categories that the households' samples stand for (their weights × sizes,
    :mod:`sim.agents.households`), rounded to whole persons."""
    if model.config.population.resolution == "full":
        from sim.results.household_table import run_population

        return run_population(str(model.config.city.data_dir), int(model.config.seed)).persons
    return round(sum(float(gov.households.persons.sum()) for gov in model.districts))


def summarise(model: CityModel, wall_time_s: float) -> dict[str, float]:
    """Collect the outcomes of a finished run.

    Args:
        model: a model after :meth:`~sim.models.emergency.CityModel.run`.
        wall_time_s: elapsed wall-clock seconds of the run.

    Returns:
        Mapping of :data:`SUMMARY_KEYS` to finite non-negative numbers (counts as ints);
        ``warning_reach_share`` None when no warning was in force (:data:`NULLABLE_KEYS`).
        Response times are minutes from an incident's creation to the first team's arrival;
        0 when no incident was served.

    Raises:
        ValueError: a value is negative or not finite (a model bug, never silenced).
    """
    svc = model.service
    resp = np.asarray(svc.response_times_h(), dtype=float) * 60.0
    full = np.asarray(svc.full_bundle_times_h(), dtype=float) * 60.0
    out: dict[str, float] = {
        "people_relocated": round(model.people_relocated),
        "deaths": round(model.deaths),  # sums of binomial draws: whole persons
        "injuries": round(model.injuries),
        "direct_loss_yuan": round(model.losses.total_yuan, 0),
        "customer_hours_without_power": round(model.customer_hours_without_power, 1),
        "customer_hours_without_water": round(model.customer_hours_without_water, 1),
        "customer_hours_without_gas": round(model.customer_hours_without_gas, 1),
        "gas_leaks": int(model.infra.gas.record.leaks) if model.infra.gas else 0,
        "gas_fires_explosions": int(model.infra.gas.record.fires) if model.infra.gas else 0,
        "incidents": int(svc.n_damage_incidents),
        "incidents_unserved": int(svc.n_unserved),
        "response_time_mean_min": round(float(resp.mean()), 2) if resp.size else 0.0,
        "response_time_p95_min": round(float(np.percentile(resp, 95)), 2) if resp.size else 0.0,
        "full_bundle_time_mean_min": round(float(full.mean()), 2) if full.size else 0.0,
        "relief_person_days": round(svc.relief.demand_person_days, 1),
        "relief_shortfall_person_days": round(svc.relief.shortfall_person_days, 1),
        "power_line_faults": int(
            model.infra.damage_count("power") - model.infra.damage_count("power", SUBSTATIONS)
        ),
        "substations_failed": int(model.infra.damage_count("power", SUBSTATIONS)),
        "transformers_flooded": int(
            model.infra.damage_count("power", TRANSFORMERS, im="flood_depth_m")
        ),
        "trees_down": int(model.infra.trees_down),
        "signboards_fallen": int(model.exposure.failed("shop_signboard")),
        "waterlogged_roads": int(model.infra.waterlogged_road_points),
        "underpasses_closed": int(model.infra.underpasses_closed_total),
        "road_collapses": int(model.road_collapses),
        "telecom_sites_down": int(model.telecom_sites_down),
        "warning_reach_share": (  # null: no warning was in force, nobody to reach
            round(model.warning_reach_share, 4) if model.warning_issued else None
        ),
        "epidemic_cases": int(model.epidemic_cases),
        "residents_simulated": residents_simulated(model),
        "assets": int(model.infra.n_assets),
        "wall_time_s": round(float(wall_time_s), 2),
        "seed": int(model.config.seed),
    }
    for key, value in out.items():
        if value is None and key in NULLABLE_KEYS:
            continue
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"summary[{key!r}] = {value!r} is not a finite non-negative number")
    return out


def outcome_totals(model) -> dict[str, float]:
    """The city totals some summary counts are out of, for the tables to show "N of TOTAL
    (X %)" (:func:`sim.results.outcome_text.format_outcome`): ``telecom_sites_down`` out of the
    city's base stations (:func:`sim.networks.telecom.city_stations`). Empty for a model
    without a telecom layer or without networks (a long run)."""
    infra = getattr(model, "infra", None)
    layers = getattr(infra, "layers", {})
    if TELECOM not in layers:
        return {}
    return {"telecom_sites_down": float(city_stations(layers[TELECOM]))}
