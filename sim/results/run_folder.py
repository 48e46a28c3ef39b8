"""Write a run folder: scenario.resolved.yaml, summary.json, timeseries.parquet, events.parquet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.scenario.loader import dump_resolved
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    from sim.models.emergency import CityModel

LAYERS = ("power", "water", "drainage", "roads")


def write_resolved(scenario: Scenario, out_dir: Path) -> Path:
    """Save the fully resolved scenario (defaults filled, absolute paths) before running."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "scenario.resolved.yaml"
    path.write_text(dump_resolved(scenario), encoding="utf-8")
    return path


def timeseries_frame(model: CityModel) -> pd.DataFrame:
    """Hourly district × layer records in long (tidy) form.

    Returns:
        Columns ``t_h, time_utc, district, district_name, layer, functionality`` (share of the
        district's service in [0, 1]: households served for power and water, pump capacity for
        drainage, passable road length for roads) plus the district's ``open_incidents``,
        ``busy_teams``, ``relocated`` (persons), ``road_depth_m``, ``gust_ms`` and
        ``rain_mm_per_h`` at that time (repeated on each layer's row).
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
            "gust_ms",
            "rain_mm_per_h",
            "infectious",
        ],
        value_vars=list(LAYERS),
        var_name="layer",
        value_name="functionality",
    )
    long.insert(1, "time_utc", model.start_utc + pd.to_timedelta(long["t_h"], unit="h"))
    cols = ["t_h", "time_utc", "district", "district_name", "layer", "functionality"]
    rest = [c for c in long.columns if c not in cols]
    return long[cols + rest].sort_values(["t_h", "district", "layer"]).reset_index(drop=True)


def write_tables(model: CityModel, summary: dict, out_dir: Path) -> dict[str, Path]:
    """Write summary.json, timeseries.parquet and events.parquet; return their paths."""
    paths = {
        "summary": out_dir / "summary.json",
        "timeseries": out_dir / "timeseries.parquet",
        "events": out_dir / "events.parquet",
        "model_timeseries": out_dir / "model_timeseries.parquet",
    }
    paths["summary"].write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    timeseries_frame(model).to_parquet(paths["timeseries"], index=False)
    model.events.to_frame().to_parquet(paths["events"], index=False)
    paths["incidents"] = out_dir / "incidents.parquet"
    model.service.records().to_parquet(paths["incidents"], index=False)
    paths["utilisation"] = out_dir / "utilisation.csv"
    util = model.service.utilisation()
    pd.DataFrame({"resource": list(util), "utilisation": list(util.values())}).to_csv(
        paths["utilisation"], index=False
    )
    mv = model.datacollector.get_model_vars_dataframe().reset_index(names="t_h")
    mv["t_h"] = mv["t_h"].astype(float)
    mv.to_parquet(paths["model_timeseries"], index=False)
    return paths
