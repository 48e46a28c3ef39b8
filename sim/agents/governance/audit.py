"""Audit log of duty instances: who had to act, whether they did, when.

Columnar: each batch of duties is a set of numpy arrays appended as one chunk and
concatenated once at the end (no per-row appends). Categorical columns are stored as codes
of the fixed vocabularies below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.hazards.chemical import LAYERS

AUDIT_LAYERS = (*LAYERS, "market", "society")
"""Layers of the audit log: the five responsibility layers, then insurers and third-party
inspectors (market) and residents (society)."""
AGENT_TYPES = (
    "municipal_leadership",
    "district_government",
    "regulator",
    "industry_department",
    "enterprise",
    "insurer",
    "third_party_inspector",
    "residents",
    # the city's own assets (sim.agents.city_layers)
    "building_owners",
    "contractors",
)
DUTIES = ("inspect", "enforce", "maintain", "report", "warn", "respond", "fund")
DETAILS = (
    "",
    "over_capacity",
    "neglected",
    "relied_on_certificate",
    "clean",
    "found",
    "reported",
    "concealed",
    "shared",
    "not_shared",
    "rectified",
    "not_rectified",
    "genuine",
    "falsified",
    "falsified_caught",
    "blue",
    "yellow",
    "orange",
    "red",
    "false_alarm",
    "campaign",
    "reviewed",
    "funded",
    "deferred",
)
AUDIT_COLUMNS = (
    "t_h",
    "agent_id",
    "layer",
    "agent_type",
    "district",
    "duty",
    "target",
    "due",
    "done",
    "done_t_h",
    "detail",
)
"""Columns of audit.parquet: t_h (model hour the duty arose), agent_id (Mesa unique_id of
the duty holder), layer, agent_type, district (-1: city-wide), duty, target (enterprise
index, -1: none), due (deadline, model hours), done (bool), done_t_h (NaN if not done),
detail (outcome)."""

_DTYPES = (np.float64, np.int64, np.int8, np.int8, np.int16, np.int8, np.int64, np.float64,
           bool, np.float64, np.int8)  # fmt: skip
_VOCAB = {2: AUDIT_LAYERS, 3: AGENT_TYPES, 5: DUTIES, 10: DETAILS}


def code(vocabulary: tuple[str, ...], name: str) -> int:
    """Code of ``name`` in ``vocabulary`` (ValueError naming the vocabulary if unknown)."""
    try:
        return vocabulary.index(name)
    except ValueError:
        raise ValueError(f"{name!r} is not one of {vocabulary}") from None


class AuditLog:
    """Duty instances, appended in batches."""

    def __init__(self) -> None:
        self._chunks: list[tuple[np.ndarray, ...]] = []
        self.n_rows = 0

    def add(self, t_h, agent_id, layer, agent_type, district, duty, target, due, done,
            done_t_h, detail) -> None:  # fmt: skip
        """Append a batch; scalars broadcast to the batch length (that of ``done``).

        ``layer``, ``agent_type``, ``duty``, ``detail`` are codes (see :func:`code`) or names.
        """
        done = np.asarray(done, bool)
        n = done.size
        if n == 0:
            return
        raw = (t_h, agent_id, layer, agent_type, district, duty, target, due, done, done_t_h,
               detail)  # fmt: skip
        cols = []
        for i, (value, dtype) in enumerate(zip(raw, _DTYPES, strict=True)):
            if i in _VOCAB and isinstance(value, str):
                value = code(_VOCAB[i], value)
            a = np.asarray(value, dtype)
            if a.ndim and a.shape != (n,):
                raise ValueError(f"audit column {AUDIT_COLUMNS[i]}: {a.shape[0]} values for {n}")
            cols.append(np.full(n, a) if a.ndim == 0 else a)
        self._chunks.append(tuple(cols))
        self.n_rows += n

    def arrays(self) -> tuple[np.ndarray, ...]:
        if not self._chunks:
            return tuple(np.zeros(0, dt) for dt in _DTYPES)
        return tuple(np.concatenate(c) for c in zip(*self._chunks, strict=True))

    def frame(self) -> pd.DataFrame:
        """The log as a DataFrame (columns :data:`AUDIT_COLUMNS`), sorted by t_h (stable)."""
        a = self.arrays()
        order = np.argsort(a[0], kind="stable")
        data = {}
        for i, name in enumerate(AUDIT_COLUMNS):
            col = a[i][order]
            data[name] = pd.Categorical.from_codes(col, _VOCAB[i]) if i in _VOCAB else col
        return pd.DataFrame(data)

    def counts(self) -> tuple[int, int]:
        """(duties due, duties done)."""
        done = self.arrays()[8]
        return int(done.size), int(done.sum())


DETAIL_CODE = {name: DETAILS.index(name) for name in DETAILS}
"""Detail name -> its code in the ``detail`` column."""


class DutyRecorder:
    """Writes the month's duty instances to an :class:`AuditLog`.

    A duty arises at the start of a month (``t0``, model hours) and is due at its end; a done
    duty gets a completion time drawn uniformly in the month from the ``audit`` stream (one
    draw per duty instance, in logging order).

    Args:
        log: the audit log written.
        rng: the governance ``audit`` stream.
        month_h: hours in a model month.
    """

    def __init__(self, log: AuditLog, rng: np.random.Generator, month_h: float):
        self.log = log
        self.rng = rng
        self.month_h = month_h

    def __call__(self, t0, agent, duty: str, target, done, detail,
                 layer=None, agent_type=None, district=None) -> None:  # fmt: skip
        """Audit a batch of duties arising at ``t0`` and due at the month's end.

        Args:
            agent: a :class:`~sim.agents.governance.agents.DutyBearer`, or an array of agent
                ids (then ``layer``, ``agent_type`` and ``district`` are given).
            duty, target, done, detail: as the columns of :data:`AUDIT_COLUMNS`.
        """
        done = np.asarray(done, bool)
        n = done.size
        if n == 0:
            return
        u = self.rng.random(n)
        done_t = np.where(done, t0 + u * self.month_h, np.nan)
        if hasattr(agent, "unique_id"):
            agent_id, layer, agent_type, district = (
                agent.unique_id, agent.layer, agent.agent_type, agent.district,
            )  # fmt: skip
        else:
            agent_id = agent
        self.log.add(t0, agent_id, layer, agent_type, district, duty, target,
                     t0 + self.month_h, done, done_t, detail)  # fmt: skip
