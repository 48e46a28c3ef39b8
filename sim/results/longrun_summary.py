"""Outcomes of a long run: summary.json values, tables of the run folder, the console table."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from rich.console import Console
from rich.table import Table

from sim.models.longrun import EVENT_KINDS
from sim.results.report import format_number
from sim.scenario.longrun import LONGRUN_SUMMARY_KEYS, LongRunScenario

if TYPE_CHECKING:
    from sim.models.longrun import RiskDynamicsModel

UNITS = {
    "years": "yr",
    "maintenance_budget_yuan": "yuan",
    "maintenance_spent_yuan": "yuan",
    "emergency_repair_yuan": "yuan",
    "latent_risk_index_initial": "failures/yr",
    "latent_risk_index_final": "failures/yr",
    "latent_risk_harm_initial": "consequence/yr",
    "latent_risk_harm_final": "consequence/yr",
    "black_swan_intensity_max": "x (Pareto)",
    "black_swan_amplification_max": "ratio",
    "construction_deaths": "persons",
    "construction_deaths_expected": "persons",
    "wall_time_s": "s",
    "deaths": "persons",
    "direct_loss_yuan": "yuan",
    "policy_cost_yuan": "yuan/horizon",
    "chemical_deaths": "persons",
    "chemical_injuries": "persons",
    "chemical_loss_yuan": "yuan",
    "duty_completion": "share",
    "latent_hazards_mean": "hazards",
    "barrier_miss_mean": "P(all layers fail)",
    "dereliction_months": "months",
    "governance_spend_yuan": "yuan",
}


def summarise(model: RiskDynamicsModel, wall_time_s: float) -> dict[str, float]:
    """Outcomes of a finished run, keys in :data:`LONGRUN_SUMMARY_KEYS` order.

    Only the keys of enabled processes are present. ``*_expected`` are the model's
    expectations over the window (pipeline: :meth:`PipelineAgeingModel.expected_counts`,
    without black swans; construction: rate × worked hours), beside the single realisation.
    Latent-risk values are city totals over districts and sectors (``road_cavity``
    included) at the start and at the end of the window.

    Raises:
        ValueError: a value is negative or not finite (a model bug, never silenced).
    """
    _, kind, _, _, _, value = model.events.arrays()
    n = np.bincount(kind, minlength=len(EVENT_KINDS))

    def count(k: str) -> int:
        return int(n[EVENT_KINDS.index(k)])

    out: dict[str, float] = {"years": model.n_years}
    cfg = model.config.processes
    if model.pipeline is not None:
        collapse = kind == EVENT_KINDS.index("road_collapse")
        expected = model.pipeline.model.expected_counts(model.start_year, model.n_years)
        out |= {
            "pipe_bursts": count("burst"),
            "cavities": count("cavity"),
            "cavities_detected": count("cavity_detected"),
            "road_collapses": count("road_collapse"),
            "road_collapses_in_black_swans": int(np.count_nonzero(collapse & (value > 0))),
            "road_collapses_expected": round(expected["collapses"], 2),
            "open_cavities_final": int(model.pipeline.open_segment.size),
        }
    if model.construction is not None:
        c = cfg.construction
        hours = c.hours_per_worker_year * model.n_years
        acc = kind == EVENT_KINDS.index("construction_accident")
        out |= {
            "construction_accidents": count("construction_accident"),
            "construction_deaths": int(value[acc].sum()),
            "construction_accidents_expected": round(
                model.construction.expected_accidents(hours, c.safety_improvement), 2
            ),
            "construction_deaths_expected": round(
                model.construction.expected_deaths(hours, c.safety_improvement), 2
            ),
        }
    if model.offices:
        spent = sum(sum(o.process.history["planned_spend_yuan"]) for o in model.offices)
        emergency = sum(sum(o.process.history["emergency_spend_yuan"]) for o in model.offices)
        budget = sum(o.budget_yuan_per_yr for o in model.offices) * model.n_years
        out |= {
            "asset_failures": count("asset_failure"),
            "black_swan_failures": count("black_swan_failure"),
            "defects_detected": count("defect_detected"),
            "repairs": count("repair"),
            "maintenance_budget_yuan": round(budget),
            "maintenance_spent_yuan": round(spent),
            "emergency_repair_yuan": round(emergency),
        }
    if model.latent and (model.offices or model.pipeline is not None):
        first, last = model.latent[0], model.latent[-1]
        out |= {
            "latent_risk_index_initial": round(float(first[3].sum()), 3),
            "latent_risk_index_final": round(float(last[3].sum()), 3),
            "latent_risk_harm_initial": round(float(first[4].sum()), 3),
            "latent_risk_harm_final": round(float(last[4].sum()), 3),
        }
    if model.black_swans is not None:
        log = model.shock_log
        out |= {
            "black_swans": len(log),
            "black_swan_intensity_max": round(max((s["intensity"] for s in log), default=0.0), 3),
            "black_swan_amplification_max": round(
                max((s["amplification"] for s in log), default=0.0), 3
            ),
        }
    out |= governance_summary(model, out)
    out |= {
        "mesa_events": model.mesa_events,
        "wall_time_s": round(float(wall_time_s), 2),
        "seed": model.config.seed,
    }
    for key, v in out.items():
        if key not in LONGRUN_SUMMARY_KEYS:
            raise ValueError(f"summary key {key!r} is not in LONGRUN_SUMMARY_KEYS")
        if not (math.isfinite(v) and v >= 0):
            raise ValueError(f"summary value {key} = {v} is not a finite non-negative number")
    return out


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


def summary_table(summary: dict, scenario: LongRunScenario) -> Table:
    """Outcome, unit, simulated, observed (with spread), simulated / observed (the style of
    :func:`sim.results.report.summary_table`)."""
    y = scenario.years
    title = f"{scenario.name} (seed {scenario.seed}, {y.start_year}–{y.start_year + y.n_years - 1})"
    table = Table(title=title)
    for col, just in (
        ("outcome", "left"),
        ("unit", "left"),
        ("simulated", "right"),
        ("observed", "right"),
        ("sim/obs", "right"),
    ):
        table.add_column(col, justify=just)
    for key, value in summary.items():
        if key == "seed":
            continue
        obs = scenario.observed.get(key)
        obs_txt, ratio = "", ""
        if obs is not None:
            obs_txt = format_number(obs.value)
            if obs.low is not None and obs.high is not None and obs.low != obs.high:
                obs_txt += f" ({format_number(obs.low)}–{format_number(obs.high)})"
            ratio = f"{value / obs.value:.2f}" if obs.value else ("0" if value == 0 else "—")
        table.add_row(key, UNITS.get(key, "count"), format_number(value), obs_txt, ratio)
    return table


def print_summary(console: Console, summary: dict, scenario: LongRunScenario) -> None:
    """Print the table and the sources of the observed figures."""
    console.print(summary_table(summary, scenario))
    if scenario.observed:
        console.print("Observed figures and sources:", style="bold")
        for key, obs in scenario.observed.items():
            console.print(f"  {key}: {obs.source}", highlight=False)
