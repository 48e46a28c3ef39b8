"""Read the long run's city state at a shock date (:class:`sim.risk.city_state.CityState`).

Called by :meth:`sim.models.longrun.RiskDynamicsModel.city_state`; reads the model and
draws nothing, so taking a state moves no stream. Without a process the fields it would set
are neutral (capacity and median factors 1, no cavities, no retrofits, the exposure table's
construction sites): a neutral state leaves the emergency window as it is without one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.risk.city_state import (
    DRAINAGE_CAPACITY_BY_STATE,
    FACADE_MEDIAN_BY_STATE,
    CityState,
    condition_mean,
    share_by_district,
)
from sim.risk.deterioration import DEFECT_STATE

if TYPE_CHECKING:
    from sim.models.longrun import RiskDynamicsModel

DRAINAGE_SECTOR = "drainage_underpass"
FACADE_SECTORS = ("facade", "signboard")
OLD_HOUSING_SECTOR = "old_housing"


def city_state_at(model: RiskDynamicsModel, t_h: float, repair_kind: int) -> CityState:
    """The state of ``model`` now, labelled with the shock date ``t_h`` (model hours);
    ``repair_kind``: the event code of planned repairs in ``model.events``.

    The asset stock and the cavities are those after the last whole year (the long run
    advances year by year); pipe ages are taken at ``t_h``.
    """
    n = model.n_districts
    ones, zeros = np.ones(n), np.zeros(n)
    state = dict(
        drainage_capacity_factor=ones,
        drainage_defect_share=zeros,
        drainage_backlog_yuan=zeros,
        pipe_age_mean_yr=zeros,
        open_cavities=zeros,
        facade_median_factor=ones,
        old_housing_retrofit_share=zeros,
        construction_sites=model.city.exposure["construction_sites"].to_numpy(float),
    )
    if model.offices:
        state |= _stock_fields(model, repair_kind)
    if model.pipeline is not None:
        state |= _pipe_fields(model, model.year_of(t_h))
    if model.construction is not None:
        sites = model.construction.sites.district
        state["construction_sites"] = np.bincount(sites, minlength=n).astype(float)
    return CityState(t_utc=str(model.utc(t_h)) + "Z", **state)


def _stock(model: RiskDynamicsModel, sectors) -> tuple[np.ndarray, ...]:
    """(state, district, known_defect, fix cost, city-wide asset id) of the offices' assets
    in ``sectors``."""
    parts = []
    for office in model.offices:
        inv = office.process.inv
        codes = [i for i, s in enumerate(inv.sectors) if s.name in sectors]
        sel = np.isin(inv.sector, codes)
        parts.append(
            (
                inv.state[sel],
                inv.district[sel].astype(np.int64),
                inv.known_defect[sel],
                inv.fix_cost_yuan()[sel],
                office.asset_ids[sel],
            )
        )
    return tuple(np.concatenate(c) for c in zip(*parts, strict=True))


def _stock_fields(model: RiskDynamicsModel, repair_kind: int) -> dict[str, np.ndarray]:
    """Drainage condition and backlog, facade condition, old-housing retrofits."""
    n = model.n_districts
    st, d, known, cost, _ = _stock(model, (DRAINAGE_SECTOR,))
    backlog = np.bincount(d, weights=cost * (known & (st >= DEFECT_STATE)), minlength=n)
    fst, fd, *_ = _stock(model, FACADE_SECTORS)
    return {
        "drainage_capacity_factor": condition_mean(DRAINAGE_CAPACITY_BY_STATE, st, d, n),
        "drainage_defect_share": share_by_district(st >= DEFECT_STATE, d, n),
        "drainage_backlog_yuan": backlog,
        "facade_median_factor": condition_mean(FACADE_MEDIAN_BY_STATE, fst, fd, n),
        "old_housing_retrofit_share": _retrofit_share(model, repair_kind),
    }


def _retrofit_share(model: RiskDynamicsModel, repair_kind: int) -> np.ndarray:
    """(D,) share of old-housing assets with at least one planned repair so far."""
    n = model.n_districts
    _, d, _, _, ids = _stock(model, (OLD_HOUSING_SECTOR,))
    _, kind, _, sector, asset, _ = model.events.arrays()
    code = model.sectors.index(OLD_HOUSING_SECTOR)
    done = np.unique(asset[(kind == repair_kind) & (sector == code)])
    return share_by_district(np.isin(ids, done), d, n)


def _pipe_fields(model: RiskDynamicsModel, t_yr: float) -> dict[str, np.ndarray]:
    """Open (hidden) cavities and the length-weighted mean age of installed pipes."""
    nw = model.pipeline.model.network
    n = model.n_districts
    laid = nw.install_year <= t_yr
    km = np.bincount(nw.district, weights=nw.length_km * laid, minlength=n)
    age_km = np.bincount(
        nw.district, weights=(t_yr - nw.install_year) * nw.length_km * laid, minlength=n
    )
    return {
        "pipe_age_mean_yr": age_km / np.maximum(km, 1e-12),
        "open_cavities": model.pipeline.open_by_district().astype(float),
    }
