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
from sim.networks.services import NETWORK_LAYERS, layer_look
from sim.networks.telecom import LAYER as TELECOM
from sim.networks.telecom import city_stations, stations_down, stations_on_backup
from sim.results.outcome_text import LABELS as OUTCOME_LABELS
from sim.results.outcome_text import NO_WARNING_TEXT, count_of_total
from sim.scenario import ALERT_LEVELS

LAYERS = NETWORK_LAYERS
"""The layers the page can show: the registry itself (`sim.networks.services.NETWORK_LAYERS`,
names in registration order), so a layer registered by its module shows in every panel
without an edit here; :func:`shown_layers` keeps those a model has."""

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
    "warning_reach_share",
)
"""Keys of :func:`outcomes`, in display order (then one ``functionality_<layer>`` per layer of
:func:`shown_layers`)."""

LABELS = OUTCOME_LABELS
"""What the page calls each value of :func:`outcomes`, with its unit: the one table of outcome
labels, shared with the run's report (:data:`sim.results.outcome_text.LABELS`); a layer's
service without a hand-written label reads as :func:`label` writes it."""


def shown_layers(model) -> tuple[str, ...]:
    """The layers of a model the page lists and draws: each registered layer (:data:`LAYERS`,
    in its order) the model has a district share of service for
    (`sim.networks.infrastructure.Infrastructure.functionality_layers`), then any such layer
    nobody registered (drawn plainly, :func:`sim.networks.services.layer_look`)."""
    have = tuple(model.infra.functionality_layers)
    return (*(k for k in LAYERS if k in have), *(k for k in have if k not in LAYERS))


def label(key: str) -> str:
    """What the page calls a value, with its unit: :data:`LABELS`, else for a layer's service
    ``functionality_<layer>`` "<Layer label> service (% of normal)" from the registry."""
    if key in LABELS:
        return LABELS[key]
    if key.startswith("functionality_"):
        return f"{layer_look(key.removeprefix('functionality_')).label} service (% of normal)"
    raise KeyError(key)


def outcomes(model) -> dict:
    """Current city-wide outcome values.

    Returns:
        dict with the keys of :data:`OUTCOME_KEYS` plus ``utc`` (ISO string), ``warned``
        (whether a warning colour has been in force) and one ``functionality_<layer>`` (0..1,
        mean over districts weighted by population) per layer of :func:`shown_layers`.
        ``warning_reach_share`` is the share of households reached by the highest warning in
        force so far (`sim.models.emergency.CityModel.warning_reach_share`, the run's summary
        value at this hour; None before any warning, as the summary's null).
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
        "warning_reach_share": (  # None before any warning, as summary.json's null
            float(model.warning_reach_share) if model.warning_issued else None
        ),
        "warned": bool(model.warning_issued),
    }
    for layer in shown_layers(model):
        f = np.asarray(func[layer], dtype=float)
        ok = np.isfinite(f)
        out[f"functionality_{layer}"] = (
            float(np.average(f[ok], weights=pop[ok])) if ok.any() else float("nan")
        )
    return out


def district_table(model) -> pd.DataFrame:
    """Per-district state, one row per district in district order.

    Columns: name, alert_level (the municipal level in force), alert_rank (0..4),
    functionality_<layer> (0..1, each layer of :func:`shown_layers`), service_loss (1 - mean
    functionality over layers), open_incidents, relocated_now_persons.
    """
    func = model.infra.district_functionality()
    open_by_d, _ = model.service.by_district()
    layers = shown_layers(model)
    rows = []
    for g in model.districts:
        f = [float(func[layer][g.district]) for layer in layers]
        rows.append(
            {
                "name": g.name,
                **{f"functionality_{k}": v for k, v in zip(layers, f, strict=True)},
                "service_loss": 1.0 - float(np.nanmean(f)) if np.isfinite(f).any() else 0.0,
                "open_incidents": int(open_by_d[g.district]),
                "relocated_now_persons": float(g.relocated_now),
            }
        )
    table = pd.DataFrame(rows)
    table.insert(1, "alert_level", model.warning_centre.level)
    table.insert(2, "alert_rank", ALERT_LEVELS.index(model.warning_centre.level))
    return table


def format_value(key: str, value, warned: bool = True) -> str:
    """Display text of an outcome value (persons and yuan without decimals; the warning reach
    as a share with 2 decimals, as in the run's report, or "no warning issued" when
    ``warned`` is False or the value is None)."""
    if isinstance(value, str):
        return value
    if key == "warning_reach_share":
        return f"{value:.2f}" if warned and value is not None else NO_WARNING_TEXT
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
    direct_loss_yuan and functionality_<layer> (population-weighted mean over districts, each
    layer of :func:`shown_layers`).
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
    for layer in shown_layers(model):
        vals = agents[layer].to_numpy(dtype=float)
        ok = np.isfinite(vals)
        num = pd.Series(np.where(ok, vals * weights, 0.0), index=agents.index).groupby("Step")
        den = pd.Series(np.where(ok, weights, 0.0), index=agents.index).groupby("Step")
        series = (num.sum() / den.sum()).to_numpy()
        hist[f"functionality_{layer}"] = series[: len(hist)] if len(series) >= len(hist) else np.nan
    now = outcomes(model)
    hist.loc[len(hist)] = {k: now[k] for k in hist.columns}
    return hist


def telecom_state(model) -> str:
    """The base stations now: "N of TOTAL base stations down (X %), M on backup" — down: those
    of the site nodes out of service (:func:`sim.networks.telecom.stations_down`); on backup:
    those working on batteries with their power out
    (:func:`sim.networks.telecom.stations_on_backup`)."""
    infra = model.infra
    layer = infra.layers[TELECOM]
    total = city_stations(layer)
    if total <= 0:
        return "no base stations"
    down = stations_down(layer, infra.functional[TELECOM])
    backup = stations_on_backup(layer, infra.net.dependencies, infra.functional)
    return f"{count_of_total(down, total, 'base stations', 'down')}, {backup:,} on backup"


def gas_state(model) -> str:
    """The gas leaks so far: releases from failed mains and, among them, those ignited (jet
    fires and confined explosions; :class:`sim.networks.gas_leaks.GasLeakRecord`)."""
    gas = model.infra.gas
    if gas is None:
        return ""
    rec = gas.record
    return f"{rec.leaks:,} leaks so far, {rec.fires:,} fires or explosions"


def roads_state(model) -> str:
    """The road segments closed now (fallen trees, collapses, flooding: speed factor 0)."""
    closed = int(np.count_nonzero(model.infra.edge_speed_factor <= 0))
    return f"{closed:,} road segments closed"


LAYER_STATE = {TELECOM: telecom_state, "gas": gas_state, "roads": roads_state}
"""What a layer's row says beyond its service and nodes out (a layer without an entry: those
two alone)."""


def network_rows(model) -> list[dict]:
    """One row per layer of :func:`shown_layers`: ``layer``, ``label`` (the registry's),
    ``service`` (0..1, as :func:`outcomes`' ``functionality_<layer>``), ``nodes_out`` and
    ``nodes`` (its nodes out of service now, of all; count) and ``state`` (the layer's own
    words, :data:`LAYER_STATE`; "" for a layer without)."""
    values = outcomes(model)
    rows = []
    for layer in shown_layers(model):
        ok = np.asarray(model.infra.functional[layer], dtype=bool)
        state = LAYER_STATE.get(layer)
        rows.append(
            {
                "layer": layer,
                "label": layer_look(layer).label,
                "service": values[f"functionality_{layer}"],
                "nodes_out": int(np.count_nonzero(~ok)),
                "nodes": int(ok.size),
                "state": state(model) if state is not None else "",
            }
        )
    return rows
