"""Outcomes of a long run: summary.json values and the tables of the run folder (written by
:mod:`sim.results.run_folder`; the console table is :mod:`sim.results.report`'s)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.models.longrun import EVENT_KINDS
from sim.scenario.longrun import LONGRUN_SUMMARY_KEYS

if TYPE_CHECKING:
    from sim.models.longrun import RiskDynamicsModel


def summarise(model: RiskDynamicsModel, wall_time_s: float) -> dict[str, float]:
    """Outcomes of a finished run, keys in :data:`LONGRUN_SUMMARY_KEYS` order.

    Only the keys of enabled processes are present. ``*_expected`` are the model's
    expectations over the window (pipeline: :meth:`PipelineAgeingModel.expected_counts`,
    without black swans; construction: rate × worked hours), beside the single realisation.
    Latent-risk values are city totals over districts and sectors (``road_cavity``
    included) at the start and at the end of the window.

    Raises:
        ValueError: a key is not in :data:`LONGRUN_SUMMARY_KEYS`, or a value is negative or
            not finite (a model bug, never silenced).
    """
    _, kind, _, _, _, value = model.events.arrays()
    counts = np.bincount(kind, minlength=len(EVENT_KINDS))
    out: dict[str, float] = {"years": model.n_years}
    if model.pipeline is not None:
        out |= pipeline_summary(model, counts, kind, value)
    if model.construction is not None:
        out |= construction_summary(model, counts, kind, value)
    if model.offices:
        out |= maintenance_summary(model, counts)
        if model.config.shocks:
            out |= upkeep_summary(model, out, kind, value)
    out |= latent_summary(model) | black_swan_summary(model)
    out |= governance_summary(model, out)
    if model.layers is not None:
        out |= model.layers.summary(model.n_years)
    out |= {
        "mesa_events": model.mesa_events,
        "wall_time_s": round(float(wall_time_s), 2),
        "seed": model.config.seed,
    }
    check_summary(out)
    return out


def _count(counts: np.ndarray, kind: str) -> int:
    return int(counts[EVENT_KINDS.index(kind)])


def pipeline_summary(model, counts, kind, value) -> dict[str, float]:
    """Bursts, cavities, detections and road collapses (realised and expected, without black
    swans), open cavities at the end. ``counts``: events per :data:`EVENT_KINDS` code;
    ``kind``, ``value``: the event log's columns."""
    collapse = kind == EVENT_KINDS.index("road_collapse")
    cfg = model.config.processes.pipeline
    expected = model.pipeline.model.expected_counts(model.start_year, model.n_years)
    return {
        "pipe_bursts": _count(counts, "burst"),
        "cavities": _count(counts, "cavity"),
        "cavities_detected": _count(counts, "cavity_detected"),
        "road_collapses": _count(counts, "road_collapse"),
        "road_collapses_in_black_swans": int(np.count_nonzero(collapse & (value > 0))),
        "road_collapses_expected": round(expected["collapses"], 2),
        "open_cavities_final": int(model.pipeline.open_segment.size),
        # the risk inventory's price: the share of the network screened a year x its km x the
        # unit cost (sim.scenario.longrun.PipelineConfig, an assumption)
        "cavity_screening_yuan_per_yr": round(
            cfg.screening_coverage_per_yr
            * float(model.pipeline.model.network.length_km.sum())
            * cfg.screening_cost_yuan_per_km
        ),
    }


def construction_summary(model, counts, kind, value) -> dict[str, float]:
    """Construction accidents and deaths, realised and expected (rate × worked hours)."""
    c = model.config.processes.construction
    hours = c.hours_per_worker_year * model.n_years
    acc = kind == EVENT_KINDS.index("construction_accident")
    expected = model.construction.expected_accidents(hours, c.safety_improvement)
    if model.layers is not None:  # the contractors' diligence changes the rate year by year
        expected = model.construction_expected
    return {
        "construction_accidents": _count(counts, "construction_accident"),
        "construction_deaths": int(value[acc].sum()),
        "construction_accidents_expected": round(expected, 2),
        "construction_deaths_expected": round(
            expected * (1.0 + model.construction.extra_deaths_mean), 2
        ),
    }


def maintenance_summary(model, counts) -> dict[str, float]:
    """The asset stock: failures, detections, repairs; budget and spending (yuan)."""
    spent = sum(sum(o.process.history["planned_spend_yuan"]) for o in model.offices)
    emergency = sum(sum(o.process.history["emergency_spend_yuan"]) for o in model.offices)
    budget = sum(o.budget_yuan_per_yr for o in model.offices) * model.n_years
    return {
        "asset_failures": _count(counts, "asset_failure"),
        "black_swan_failures": _count(counts, "black_swan_failure"),
        "defects_detected": _count(counts, "defect_detected"),
        "repairs": _count(counts, "repair"),
        "maintenance_budget_yuan": round(budget),
        "maintenance_spent_yuan": round(spent),
        "emergency_repair_yuan": round(emergency),
    }


def upkeep_summary(model, so_far, kind, value) -> dict[str, float]:
    """The upkeep beside the shocks' effects (a long run with ``shocks:``), yuan per year of
    the run: planned maintenance of every sector, and planned repairs of the drainage assets
    (``repair`` events of sector ``drainage_underpass``: dredging and pump repairs)."""
    from sim.models.longrun_state import DRAINAGE_SECTOR

    _, _, _, sector, _, _ = model.events.arrays()
    drain = (kind == EVENT_KINDS.index("repair")) & (sector == model.sectors.index(DRAINAGE_SECTOR))
    return {
        "maintenance_spent_yuan_per_yr": round(so_far["maintenance_spent_yuan"] / model.n_years),
        "drainage_upkeep_yuan_per_yr": round(float(value[drain].sum()) / model.n_years),
    }


def latent_summary(model) -> dict[str, float]:
    """City latent-risk index and harm at the start and end (empty without stock or pipes)."""
    if not (model.latent and (model.offices or model.pipeline is not None)):
        return {}
    first, last = model.latent[0], model.latent[-1]
    return {
        "latent_risk_index_initial": round(float(first[3].sum()), 3),
        "latent_risk_index_final": round(float(last[3].sum()), 3),
        "latent_risk_harm_initial": round(float(first[4].sum()), 3),
        "latent_risk_harm_final": round(float(last[4].sum()), 3),
    }


def black_swan_summary(model) -> dict[str, float]:
    """Number of black swans, largest intensity and amplification (empty without them)."""
    if model.black_swans is None:
        return {}
    log = model.shock_log
    return {
        "black_swans": len(log),
        "black_swan_intensity_max": round(max((s["intensity"] for s in log), default=0.0), 3),
        "black_swan_amplification_max": round(
            max((s["amplification"] for s in log), default=0.0), 3
        ),
    }


def check_summary(out: dict[str, float]) -> None:
    """Raise ValueError unless every key is a long-run summary key and every value a finite,
    non-negative number."""
    for key, v in out.items():
        if key not in LONGRUN_SUMMARY_KEYS:
            raise ValueError(f"summary key {key!r} is not in LONGRUN_SUMMARY_KEYS")
        if not (math.isfinite(v) and v >= 0):
            raise ValueError(f"summary value {key} = {v} is not a finite non-negative number")


def governance_summary(model: RiskDynamicsModel, so_far: dict) -> dict[str, float]:
    """Cross-process totals and governance outcomes; empty unless ``processes.governance`` is
    set or a policy is enabled (so runs without them keep their summary unchanged).

    ``accidents`` = road collapses + construction accidents + chemical-park accidents (of the
    enabled processes); ``deaths`` = construction + chemical-park deaths (road collapses carry
    no death model); ``direct_loss_yuan`` = chemical-park direct losses (the other processes
    carry no loss model); ``policy_cost_yuan`` = enabled plug-ins' annual costs x years.
    """
    pol = model.config.policies
    enabled = pol.enabled() if pol is not None else []
    gov = model.governance
    if gov is None and not enabled:
        return {}
    g = gov.summary(model.n_years) if gov is not None else {}
    return {
        "accidents": int(
            so_far.get("road_collapses", 0)
            + so_far.get("construction_accidents", 0)
            + g.get("chemical_accidents", 0)
        ),
        "deaths": int(so_far.get("construction_deaths", 0) + g.get("chemical_deaths", 0)),
        "direct_loss_yuan": round(g.get("chemical_loss_yuan", 0)),
        "policy_cost_yuan": round(pol.annual_cost_yuan() * model.n_years) if pol else 0,
        "policies_enabled": len(enabled),
        **g,
    }


def shocks_frame(model: RiskDynamicsModel) -> pd.DataFrame:
    """One row per black swan: t_yr, t_h, kind, intensity, amplification, asset_failures,
    road_collapses."""
    cols = ["t_yr", "kind", "intensity", "amplification", "asset_failures", "road_collapses"]
    df = pd.DataFrame(model.shock_log, columns=cols)
    df.insert(1, "t_h", model.hours_of(df["t_yr"].to_numpy(float)))
    return df


def maintenance_frame(model: RiskDynamicsModel) -> pd.DataFrame:
    """Year × district budgets and spending: year, district, district_name, policy,
    budget_yuan, planned_spend_yuan, emergency_spend_yuan, unspent_yuan."""
    rows = []
    for o in model.offices:
        h = o.process.history
        for i, (planned, emerg) in enumerate(
            zip(h["planned_spend_yuan"], h["emergency_spend_yuan"], strict=True)
        ):
            rows.append(
                {
                    "year": model.start_year + i,
                    "district": o.district,
                    "district_name": o.name,
                    "policy": o.policy.rule,
                    "budget_yuan": o.budget_yuan_per_yr,
                    "planned_spend_yuan": planned,
                    "emergency_spend_yuan": emerg,
                    "unspent_yuan": o.budget_yuan_per_yr - planned,
                }
            )
    return pd.DataFrame(rows)


def longrun_tables(model: RiskDynamicsModel) -> dict[str, tuple[str, pd.DataFrame]]:
    """The long run's tables, each when its process is on: path key → (file name, table).

    ``events`` (every event: ``t_h, time_utc, kind, district, sector, asset, value``),
    ``latent_risk`` (year × district × sector, with a stock or pipes), ``maintenance`` (year ×
    district budgets, with ``slow_risk``), ``black_swans`` (one row per shock), and with
    ``processes.governance``: ``audit`` (one row per duty instance, columns
    :data:`sim.agents.governance.audit.AUDIT_COLUMNS`), ``chemical_accidents`` and
    ``governance`` (monthly diligence per layer, latent hazards, barrier miss probability);
    with ``processes.responsibility``: ``city_audit`` (the city layers' duties, same columns,
    target = city-wide asset index).
    """
    out = {"events": ("events.parquet", model.events_frame())}
    if model.latent and (model.offices or model.pipeline is not None):
        out["latent_risk"] = ("latent_risk.parquet", model.latent_frame())
    if model.offices:
        out["maintenance"] = ("maintenance.parquet", maintenance_frame(model))
    if model.black_swans is not None:
        out["black_swans"] = ("black_swans.parquet", shocks_frame(model))
    gov = model.governance
    if gov is not None:
        out["audit"] = ("audit.parquet", gov.audit.frame())
        out["chemical_accidents"] = ("chemical_accidents.parquet", gov.accidents_frame())
        out["governance"] = ("governance.parquet", gov.monthly_frame())
    if model.layers is not None:
        out["city_audit"] = ("city_audit.parquet", model.layers.audit.frame())
    return out
