"""The numbers the page shows, read from a running :class:`~sim.models.emergency.CityModel`.

Pure functions of the model state (no solara), so they are unit-testable and identical for a
live session and its replay. They read the infrastructure and the emergency service directly
(not the district agents' hourly records), so an inject shows at once, and they never change
the model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.agents.district_government import DistrictGovernment
from sim.results.outcome_text import LABELS as OUTCOME_LABELS
from sim.scenario import ALERT_LEVELS

LAYERS = ("power", "water", "drainage", "roads")
"""Infrastructure layers shown (charts and map toggles)."""

OUTCOME_KEYS = (
    "t_h",
    "alert_level",
    "open_incidents",
    "busy_teams",
    "deaths",
    "injuries",
    "relocated_now_persons",
    "relocated_cumulative_persons",
    "direct_loss_yuan",
    "damaged_assets",
)
"""Keys of :func:`outcomes`, in display order."""

LABELS = OUTCOME_LABELS
"""What the page calls each value of :func:`outcomes`, with its unit: the one table of outcome
labels, shared with the run's report (:data:`sim.results.outcome_text.LABELS`)."""


def outcomes(model) -> dict:
    """Current city-wide outcome values.

    Returns:
        dict with the keys of :data:`OUTCOME_KEYS` plus ``utc`` (ISO string) and one
        ``functionality_<layer>`` (0..1, mean over districts weighted by population) per layer.
    """
    govs = model.districts
    pop = model.city.districts["population"].to_numpy(dtype=float)
    func = model.infra.district_functionality()
    out = {
        "t_h": float(model.time),
        "utc": str(model.utc()) + "Z",
        "alert_level": model.warning_centre.level,
        "open_incidents": int(model.service.open_incidents),
        "busy_teams": int(model.service.busy_teams),
        "deaths": float(model.deaths),
        "injuries": float(model.injuries),
        "relocated_now_persons": float(sum(g.relocated_now for g in govs)),
        "relocated_cumulative_persons": float(sum(g.relocated_cumulative for g in govs)),
        "direct_loss_yuan": float(model.losses.total_yuan),
        "damaged_assets": int(sum(int(d.sum()) for d in model.infra.damaged.values())),
    }
    for layer in LAYERS:
        f = np.asarray(func[layer], dtype=float)
        ok = np.isfinite(f)
        out[f"functionality_{layer}"] = (
            float(np.average(f[ok], weights=pop[ok])) if ok.any() else float("nan")
        )
    return out


def district_table(model) -> pd.DataFrame:
    """Per-district state, one row per district in district order.

    Columns: name, alert_level (the municipal level in force), alert_rank (0..4),
    functionality_<layer> (0..1), service_loss (1 - mean functionality over layers),
    open_incidents, relocated_now_persons.
    """
    func = model.infra.district_functionality()
    open_by_d, _ = model.service.by_district()
    rows = []
    for g in model.districts:
        f = [float(func[layer][g.district]) for layer in LAYERS]
        rows.append(
            {
                "name": g.name,
                **{f"functionality_{k}": v for k, v in zip(LAYERS, f, strict=True)},
                "service_loss": 1.0 - float(np.nanmean(f)) if np.isfinite(f).any() else 0.0,
                "open_incidents": int(open_by_d[g.district]),
                "relocated_now_persons": float(g.relocated_now),
            }
        )
    table = pd.DataFrame(rows)
    table.insert(1, "alert_level", model.warning_centre.level)
    table.insert(2, "alert_rank", ALERT_LEVELS.index(model.warning_centre.level))
    return table


def format_value(key: str, value) -> str:
    """Display text of an outcome value (persons and yuan without decimals)."""
    if isinstance(value, str):
        return value
    if key.startswith("functionality_"):
        return f"{100 * value:.1f} %"
    if key == "t_h":
        return f"{value:g} h"
    if key.endswith("_yuan"):
        return f"{value:,.0f}"
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 10 else f"{value:.2f}"


def hourly_history(session) -> pd.DataFrame:
    """Chart series of an exercise session: one row per recorded hour, then the state now.

    Columns: t_h, open_incidents, busy_teams, deaths, injuries, relocated_now_persons,
    direct_loss_yuan and functionality_<layer> (population-weighted mean over districts).
    The last row is :func:`outcomes` now, so an inject shows before the next hourly record.
    """
    model = session.model
    mv = session.history()
    hist = pd.DataFrame(
        {
            "t_h": mv["t_h"].to_numpy(dtype=float),
            "open_incidents": mv["open_incidents"].to_numpy(dtype=float),
            "busy_teams": mv["busy_teams"].to_numpy(dtype=float),
            "deaths": mv["deaths"].to_numpy(dtype=float),
            "injuries": mv["injuries"].to_numpy(dtype=float),
            "relocated_now_persons": mv["people_relocated_now"].to_numpy(dtype=float),
            "direct_loss_yuan": mv["direct_loss_yuan"].to_numpy(dtype=float),
        }
    )
    agents = model.datacollector.get_agenttype_vars_dataframe(DistrictGovernment)
    pop = {g.unique_id: float(g.population_persons) for g in model.districts}
    weights = agents.index.get_level_values("AgentID").map(pop).to_numpy(dtype=float)
    for layer in LAYERS:
        vals = agents[layer].to_numpy(dtype=float)
        ok = np.isfinite(vals)
        num = pd.Series(np.where(ok, vals * weights, 0.0), index=agents.index).groupby("Step")
        den = pd.Series(np.where(ok, weights, 0.0), index=agents.index).groupby("Step")
        series = (num.sum() / den.sum()).to_numpy()
        hist[f"functionality_{layer}"] = series[: len(hist)] if len(series) >= len(hist) else np.nan
    now = outcomes(model)
    hist.loc[len(hist)] = {k: now[k] for k in hist.columns}
    return hist
