"""Write a run folder, either kind: scenario.resolved.yaml, summary.json and the kind's tables.

The one run-folder writer of both clocks: :func:`write_resolved`, :func:`write_tables` (the
tables a model kind lists, :meth:`sim.results.kinds.ModelKind.tables`) and
:func:`write_summary`. The emergency window's tables are built here too
(:func:`emergency_tables`, :func:`timeseries_frame`); the long run's in
:func:`sim.results.longrun_summary.longrun_tables`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.results.table_form import incidents_table, whole_persons_by_hour
from sim.scenario.loader import dump_resolved

if TYPE_CHECKING:
    from sim.models.emergency import CityModel

PERSON_COLUMNS = ("people_relocated_now", "deaths", "injuries")
"""Persons columns of ``model_timeseries.parquet``, written as whole persons (rounded)."""


def write_resolved(scenario, out_dir: Path) -> Path:
    """Save the fully resolved scenario (defaults filled, absolute paths) before running."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "scenario.resolved.yaml"
    path.write_text(dump_resolved(scenario), encoding="utf-8")
    return path


def timeseries_frame(model: CityModel) -> pd.DataFrame:
    """Hourly district × layer records in long (tidy) form.

    Returns:
        Columns ``t_h, time_utc, district, district_name, layer, functionality`` (share of the
        district's service in [0, 1], one row per layer of
        `sim.networks.infrastructure.Infrastructure.functionality_layers`: households served for
        power, water and gas, households whose base-station site works for telecom, pump
        capacity for drainage, passable road length for roads) plus the district's
        ``open_incidents``, ``busy_teams``, ``relocated`` (persons), ``road_depth_m`` (rain
        ponding on roads, district mean, m), ``flood_depth_m`` (the deepest hazard flood:
        storm surge, m), ``gust_ms`` and ``rain_mm_per_h`` at that time (repeated on each
        layer's row).
    """
    from sim.agents.district_government import DistrictGovernment

    agents = model.datacollector.get_agenttype_vars_dataframe(DistrictGovernment).reset_index()
    agents = agents.rename(columns={"Step": "step", "AgentID": "agent_id"})
    gov_ids = {g.unique_id: g for g in model.districts}
    agents = agents[agents["agent_id"].isin(gov_ids)].copy()
    agents["district"] = agents["agent_id"].map(lambda i: gov_ids[i].district).astype("int16")
    agents["district_name"] = agents["agent_id"].map(lambda i: gov_ids[i].name)
    agents["t_h"] = agents["step"].astype(float)  # one record per model hour, from t = 0
    long = agents.melt(
        id_vars=[
            "t_h",
            "district",
            "district_name",
            "open_incidents",
            "busy_teams",
            "relocated",
            "road_depth_m",
            "flood_depth_m",
            "gust_ms",
            "rain_mm_per_h",
            "infectious",
        ],
        value_vars=list(model.infra.functionality_layers),
        var_name="layer",
        value_name="functionality",
    )
    long.insert(1, "time_utc", model.start_utc + pd.to_timedelta(long["t_h"], unit="h"))
    cols = ["t_h", "time_utc", "district", "district_name", "layer", "functionality"]
    rest = [c for c in long.columns if c not in cols]
    return long[cols + rest].sort_values(["t_h", "district", "layer"]).reset_index(drop=True)


def emergency_tables(model: CityModel) -> dict[str, tuple[str, pd.DataFrame]]:
    """The emergency window's tables: path key → (file name, table).

    ``timeseries`` (:func:`timeseries_frame`), ``events`` (the event log), ``model_timeseries``
    (hourly city-wide DataCollector records), ``incidents`` (one row per incident,
    :func:`sim.results.table_form.incidents_table`) and ``utilisation`` (resource → share of
    time busy, CSV). Persons are written whole (:mod:`sim.results.table_form`): the city's
    relocated, deaths and injuries rounded per hour, the districts' relocated and infectious
    apportioned by largest remainder so that an hour's districts add up to its city total.
    With an epidemic, ``epidemic`` (its SEIR compartments by district and hour, persons:
    :meth:`CityModel.epidemic_frame`). Columns, units and meaning: docs/outputs.md.
    """
    util = model.service.utilisation()
    mv = model.datacollector.get_model_vars_dataframe().reset_index(names="t_h")
    mv["t_h"] = mv["t_h"].astype(float)
    ts = timeseries_frame(model)
    hours = np.sort(ts["t_h"].unique())
    if len(hours) == len(mv):  # the same records: a final one between hours keeps its time
        mv["t_h"] = hours  # (the model table's index counts records: 4.0 for a 3.5-h window)
    for col in PERSON_COLUMNS:  # whole persons as written; the model keeps its fractions
        mv[col] = np.rint(mv[col].clip(lower=0.0)).astype(np.int64)
    ts["relocated"] = whole_persons_by_hour(ts, "relocated", mv.set_index("t_h")[PERSON_COLUMNS[0]])
    ts["infectious"] = whole_persons_by_hour(ts, "infectious")
    incidents = incidents_table(model.service.records(), model.city.districts["name_en"])
    epidemic = {}
    if len(model.epidemic_record):  # a run with an epidemic: its curves by district
        epidemic = {"epidemic": ("epidemic.parquet", model.epidemic_frame())}
    return {
        "timeseries": ("timeseries.parquet", ts),
        "events": ("events.parquet", model.events_frame()),
        "model_timeseries": ("model_timeseries.parquet", mv),
        "incidents": ("incidents.parquet", incidents),
        "utilisation": (
            "utilisation.csv",
            pd.DataFrame({"resource": list(util), "utilisation": list(util.values())}),
        ),
        **epidemic,
    }


def write_tables(tables: dict[str, tuple[str, pd.DataFrame]], out_dir: Path) -> dict[str, Path]:
    """Write each table to ``out_dir`` (Parquet, or CSV for a ``.csv`` name, no index).

    Args:
        tables: path key → (file name, table), as :meth:`sim.results.kinds.ModelKind.tables`.
        out_dir: the run folder (created).

    Returns:
        Path key → written path.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for key, (name, frame) in tables.items():
        path = paths[key] = out_dir / name
        if path.suffix == ".csv":
            frame.to_csv(path, index=False)
        else:
            frame.to_parquet(path, index=False)
    return paths


def write_summary(summary: dict, out_dir: Path) -> Path:
    """Write summary.json (indented, one trailing newline); return its path."""
    path = Path(out_dir) / "summary.json"
    path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return path
