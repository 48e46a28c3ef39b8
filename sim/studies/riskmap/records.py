"""Harm records: one replication's event log → rows (trial, district, hazard, category) with
log-event counts, deaths, injuries and direct loss, the input of the inventory aggregation.

A *trial* is one draw of the likelihood's basis: one replication of an emergency scenario (one
occurrence of the hazard), or one simulated year of one replication of a long run.

Emergency runs (:class:`sim.models.emergency.CityModel`, event kinds of :mod:`sim.core.eventlog`):

* categories from the event kind, the ``(layer, detail)`` of damage events, and the incident
  kind carried in ``detail`` of incident and death events (:mod:`sim.studies.riskmap.categories`);
* deaths: ``value`` of death events (all of them: unmapped details go to category ``other``),
  so the records' deaths equal the model's ``deaths``;
* injuries: for incidents whose harm is ``trapped`` or ``injury`` (sim.response.incidents),
  persons at risk minus the deaths logged for that incident — the rule by which
  :meth:`sim.response.service.EmergencyService._apply_harm` counts injuries. Earthquake casualties
  of
  severity 1–2 are booked city-wide by the model without a district and are not in the records;
* direct loss: the model's loss ledger is kept by item, not by district; each item's yuan
  goes to its category (:data:`~sim.studies.riskmap.categories.LOSS_ITEM_CATEGORY`) and is spread
  over
  districts in proportion to the category's damage in them (items failed for damage events,
  one per other classified event; approximation: fallen trees follow newly blocked roads),
  so the records' loss equals the ledger total.

Long runs (:class:`sim.models.longrun.RiskDynamicsModel`): road collapses, construction
accidents (``value`` = deaths) and asset / black-swan failures (``value`` = repair cost, yuan,
category by sector). A road collapse has no cost in the model; it is booked at
:data:`sim.risk.maintenance.VALUE_PER_CONSEQUENCE_YUAN` (5 M yuan, the project's assumed value
of one consequence unit, whose unit is one road collapse). Bursts, cavities, detections and
repairs are not risks of the inventory (no consequence of their own).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.response.incidents import get_incident_type
from sim.risk.maintenance import VALUE_PER_CONSEQUENCE_YUAN
from sim.studies.riskmap.categories import (
    DAMAGE_CATEGORY,
    DEATH_DETAIL_CATEGORY,
    EVENT_KIND_CATEGORY,
    INCIDENT_CATEGORY,
    LONGRUN_HAZARD,
    LOSS_ITEM_CATEGORY,
    SECTOR_CATEGORY,
)

RECORD_COLUMNS = (
    "trial",
    "district",
    "hazard",
    "category",
    "log_events",
    "deaths",
    "injuries",
    "loss_yuan",
)
CITYWIDE = -1
"""District index of city-wide rows (loss or deaths without a district)."""
HARMED = ("trapped", "injury")


def classify_emergency(events: pd.DataFrame) -> np.ndarray:
    """Category of each event row (object array; None = not a risk event).

    Args:
        events: an emergency run's events (columns ``kind, layer, detail``).
    """
    kind = events["kind"].astype(str).to_numpy()
    layer = events["layer"].astype(str).to_numpy()
    detail = events["detail"].astype(str).to_numpy()
    out = np.full(len(events), None, dtype=object)
    for i, (k, la, de) in enumerate(zip(kind, layer, detail, strict=True)):
        if k in EVENT_KIND_CATEGORY:
            out[i] = EVENT_KIND_CATEGORY[k]
        elif k == "damage":
            out[i] = DAMAGE_CATEGORY.get((la, de), "other")
        elif k == "incident":
            out[i] = INCIDENT_CATEGORY.get(de, "other")
        elif k == "death":
            out[i] = DEATH_DETAIL_CATEGORY.get(de, "other")
    return out


def _injuries(events: pd.DataFrame) -> np.ndarray:
    """(n,) injuries attached to each incident row (0 elsewhere)."""
    kind = events["kind"].astype(str).to_numpy()
    out = np.zeros(len(events))
    inc = np.flatnonzero(kind == "incident")
    if inc.size == 0:
        return out
    deaths = events[(kind == "death") & (events["incident"].to_numpy() >= 0)]
    died = deaths.groupby("incident")["value"].sum().to_dict()
    detail = events["detail"].astype(str).to_numpy()
    ids = events["incident"].to_numpy()
    persons = events["value"].to_numpy(dtype=float)
    for i in inc:
        if get_incident_type(detail[i]).harm in HARMED:
            out[i] = persons[i] - died.get(int(ids[i]), 0.0)
    return out


def emergency_records(
    events: pd.DataFrame, losses_by_item: dict[str, float], trial: int, hazard: str
) -> pd.DataFrame:
    """Harm records of one emergency replication.

    Args:
        events: the run's event log (:meth:`sim.core.eventlog.EventLog.to_frame`).
        losses_by_item: the loss ledger (``model.losses.by_item``), yuan by item.
        trial: the replication's trial index.
        hazard: hazard label of the scenario (e.g. ``"typhoon"``).

    Returns:
        :data:`RECORD_COLUMNS`, one row per (district, category) with any record; deaths and
        loss sum to the run's totals (loss to the ledger total).
    """
    cat = classify_emergency(events)
    kind = events["kind"].astype(str).to_numpy()
    value = events["value"].to_numpy(dtype=float)
    district = events["district"].to_numpy().astype(int)
    keep = cat != None  # noqa: E711 - elementwise on an object array
    rows = pd.DataFrame(
        {
            "district": district[keep],
            "category": cat[keep],
            "log_events": np.ones(int(keep.sum()), dtype=np.int64),
            "deaths": np.where(kind == "death", value, 0.0)[keep],
            "injuries": _injuries(events)[keep],
            "loss_yuan": 0.0,
        }
    )
    # weights for spreading the ledger: items failed (damage events) or 1 per other event
    weight = np.where(kind[keep] == "damage", value[keep], 1.0)
    weight = np.where(np.isin(kind[keep], ("death", "incident")), 0.0, weight)
    loss_rows = []
    for item, yuan in losses_by_item.items():
        c = LOSS_ITEM_CATEGORY.get(item, "other")
        sel = rows["category"].to_numpy() == c
        w = pd.Series(weight[sel]).groupby(rows["district"].to_numpy()[sel]).sum()
        if w.sum() <= 0:  # no damage logged: spread over any event of the category
            w = pd.Series(np.ones(int(sel.sum()))).groupby(rows["district"].to_numpy()[sel]).sum()
        if w.sum() <= 0:
            w = pd.Series({CITYWIDE: 1.0})
        share = w / w.sum()
        loss_rows.append(
            pd.DataFrame(
                {
                    "district": share.index.astype(int),
                    "category": c,
                    "log_events": 0,
                    "deaths": 0.0,
                    "injuries": 0.0,
                    "loss_yuan": float(yuan) * share.to_numpy(),
                }
            )
        )
    out = pd.concat([rows, *loss_rows], ignore_index=True) if loss_rows else rows
    return _group(out, trial, hazard)


def longrun_records(
    events: pd.DataFrame, replication: int, n_years: int, year_h: float
) -> pd.DataFrame:
    """Harm records of one long-run replication, one trial per simulated year.

    Args:
        events: :meth:`sim.models.longrun.RiskDynamicsModel.events_frame`.
        replication: index r of the replication; trials are r · n_years + year.
        n_years: years simulated.
        year_h: hours in a model year (:data:`sim.models.longrun.YEAR_H`).
    """
    kind = events["kind"].astype(str).to_numpy()
    sector = events["sector"].astype(str).to_numpy()
    value = events["value"].to_numpy(dtype=float)
    cat = np.full(len(events), None, dtype=object)
    cat[kind == "road_collapse"] = "road_collapse"
    cat[kind == "construction_accident"] = "construction_accident"
    failure = np.isin(kind, ("asset_failure", "black_swan_failure"))
    cat[failure] = [SECTOR_CATEGORY.get(s, "other") for s in sector[failure]]
    keep = cat != None  # noqa: E711
    year = np.clip(np.floor(events["t_h"].to_numpy() / year_h).astype(int), 0, n_years - 1)
    loss = np.where(failure, value, 0.0)
    loss = np.where(kind == "road_collapse", VALUE_PER_CONSEQUENCE_YUAN, loss)
    rows = pd.DataFrame(
        {
            "trial": replication * n_years + year[keep],
            "district": events["district"].to_numpy().astype(int)[keep],
            "hazard": [LONGRUN_HAZARD[k] for k in kind[keep]],
            "category": cat[keep],
            "log_events": np.ones(int(keep.sum()), dtype=np.int64),
            "deaths": np.where(kind == "construction_accident", value, 0.0)[keep],
            "injuries": 0.0,
            "loss_yuan": loss[keep],
        }
    )
    keys = ["trial", "district", "hazard", "category"]
    return rows.groupby(keys, as_index=False, sort=True).sum()[list(RECORD_COLUMNS)]


def chemical_records(
    accidents: pd.DataFrame, replication: int, n_years: int, year_h: float
) -> pd.DataFrame:
    """Harm records of a long run's chemical-park accidents, one trial per simulated year.

    Args:
        accidents: :meth:`sim.agents.governance.system.GovernanceSystem.accidents_frame` (t_h,
            district, deaths, injuries, loss_yuan per accident).
        replication, n_years, year_h: as :func:`longrun_records`.
    """
    if accidents.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in RECORD_COLUMNS})
    year = np.clip(np.floor(accidents["t_h"].to_numpy() / year_h).astype(int), 0, n_years - 1)
    rows = pd.DataFrame(
        {
            "trial": replication * n_years + year,
            "district": accidents["district"].to_numpy().astype(int),
            "hazard": LONGRUN_HAZARD["chemical_accident"],
            "category": "hazardous_chemical_accident",
            "log_events": np.ones(len(accidents), dtype=np.int64),
            "deaths": accidents["deaths"].to_numpy(dtype=float),
            "injuries": accidents["injuries"].to_numpy(dtype=float),
            "loss_yuan": accidents["loss_yuan"].to_numpy(dtype=float),
        }
    )
    keys = ["trial", "district", "hazard", "category"]
    return rows.groupby(keys, as_index=False, sort=True).sum()[list(RECORD_COLUMNS)]


def _group(rows: pd.DataFrame, trial: int, hazard: str) -> pd.DataFrame:
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in RECORD_COLUMNS})
    g = rows.groupby(["district", "category"], as_index=False, sort=True).sum()
    g.insert(0, "trial", trial)
    g.insert(2, "hazard", hazard)
    return g[list(RECORD_COLUMNS)]
