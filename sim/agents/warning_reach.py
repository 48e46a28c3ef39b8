"""Warnings through channels: which households a warning actually reaches.

A warning reaches households through three channels (:data:`CHANNELS`): cell broadcast and
SMS (needs a working base-station site where the household is), TV and radio (needs power
there) and the neighbourhood committees (居委会, door to door: needs neither). Each household
takes its warnings from one main channel; the channels' shares of households are the
scenario's ``warnings.channel_shares`` (assumption, see
:class:`sim.scenario.schema.WarningChannelShares`).

State is kept per channel and place (the city's district sample points, where households
live): ``heard[c, p]`` is the flood-control response level (0 none … 4 I) last delivered at
place ``p`` by channel ``c``. At each hourly update a channel that works at a place delivers
the level in force there (an upgrade, a downgrade or the lift alike); where it does not work,
the place keeps what it heard last. A household acts on ``min(heard, level in force)``: it
cannot act on a warning it never received, and a lifted or lowered warning is not acted on
beyond what is in force (simplification: the lift reaches everybody).

Each issued warning is a message of its own: a hazard's warning signal (typhoon, rainstorm …)
is issued, changed and lifted separately (CMA, 《气象灾害预警信号发布与传播办法》, Order No. 16,
2007), and a channel delivers it only while it works after the warning's issue. A household
that received the typhoon orange in the evening has not received a rainstorm orange issued the
next afternoon while its base-station site was down.

``warning_reach_share`` (:meth:`WarningReach.reach_share`): the share of the city's
households (each place weighted by its district's households over its sample points) whose
main channel delivered *every warning of the highest colour in force during the run* (alert
rank, blue 1 … red 4; each while it was in force); 1.0 when no warning was in force (no
household missed one; the run's summary writes null then). With every channel working
everywhere it is 1. A caller that names no hazards (:meth:`WarningReach.update` without
``issues``) has one warning per change of the city-wide colour.
"""

from __future__ import annotations

import numpy as np

CHANNELS = ("cell_broadcast_sms", "tv_radio", "neighbourhood_committee")
"""Warning channels, in the order of every (C, …) array here."""


class WarningReach:
    """Per-place, per-channel warning reception (vectorised; owned by the model).

    Args:
        shares: (C,) share of households taking their warnings from each channel of
            :data:`CHANNELS` (non-negative, summing to 1).
        household_weight: (P,) households each place stands for.

    Raises:
        ValueError: shares of the wrong length, negative or not summing to 1; weights not
            finite and non-negative.
    """

    def __init__(self, shares, household_weight) -> None:
        s = np.asarray(shares, float)
        if s.shape != (len(CHANNELS),) or (s < 0).any() or abs(s.sum() - 1.0) > 1e-9:
            raise ValueError(f"channel shares must be {len(CHANNELS)} values >= 0 summing to 1")
        w = np.asarray(household_weight, float)
        if w.ndim != 1 or not np.isfinite(w).all() or (w < 0).any():
            raise ValueError("household weights must be finite and >= 0")
        self.shares = s
        self.weight = w
        self.heard = np.zeros((len(CHANNELS), len(w)), dtype=np.int64)
        self.peak_rank = 0
        # warnings in force: hazard -> (colour rank, (C, P) delivered so far)
        self._open: dict[str, tuple[int, np.ndarray]] = {}
        self._peak_closed: np.ndarray | None = None  # ended warnings of the peak colour, AND

    def update(self, level: int, colour_rank: int, available: np.ndarray, issues=None) -> None:
        """Deliver the warnings in force where each channel works.

        Args:
            level: flood-control response level in force (0 none, 1 IV … 4 I).
            colour_rank: the city's highest warning colour in force (0 none, 1 blue … 4 red).
            available: (C, P) bool, channel ``c`` works at place ``p`` now.
            issues: (hazard, colour rank) of each warning issued since the last update, in
                issue order (rank 0: the hazard's warning lifted); each starts a new warning
                of its hazard. None: one warning per change of ``colour_rank``.
        """
        ok = np.asarray(available, bool)
        if level <= 0:
            self.heard[:] = 0  # the lift reaches everybody (module docstring)
        else:
            self.heard[ok] = int(level)
        if issues is None:
            now = self._open.get("", (0, None))[0]
            issues = [("", int(colour_rank))] if colour_rank != now else []
        for hazard, rank in issues:
            self._issue(str(hazard), int(rank))
        for _, delivered in self._open.values():
            delivered |= ok

    def _issue(self, hazard: str, rank: int) -> None:
        """End ``hazard``'s warning in force (kept if of the peak colour) and start its new
        one of colour ``rank`` (none for 0)."""
        old = self._open.pop(hazard, None)
        if old is not None and old[0] == self.peak_rank:
            done = self._peak_closed
            self._peak_closed = old[1].copy() if done is None else done & old[1]
        if rank <= 0:
            return
        if rank > self.peak_rank:
            self.peak_rank, self._peak_closed = rank, None
        self._open[hazard] = (rank, np.zeros_like(self.heard, dtype=bool))

    @property
    def heard_peak(self) -> np.ndarray:
        """(C, P) bool: channel ``c`` at place ``p`` delivered every warning of the peak
        colour so far (all True before any warning)."""
        out = np.ones_like(self.heard, dtype=bool)
        if self._peak_closed is not None:
            out &= self._peak_closed
        for rank, delivered in self._open.values():
            if rank == self.peak_rank:
                out &= delivered
        return out

    def received(self, places: np.ndarray, level: int) -> np.ndarray:
        """(C, n) response level each household at ``places`` acts on, by main channel:
        what its channel delivered there, never above the level in force."""
        return np.minimum(self.heard[:, np.asarray(places, np.int64)], int(level))

    def reach_share(self) -> float:
        """Share of households reached by the run's highest warning colour (module
        docstring); 1.0 when no warning was in force."""
        if self.peak_rank == 0 or self.weight.sum() <= 0:
            return 1.0
        reached = self.shares @ (self.heard_peak * self.weight[None, :]).sum(axis=1)
        return float(reached / self.weight.sum())

    def current_share(self, level: int) -> float:
        """Share of households whose channel delivered the response level in force now (1.0
        when none is in force)."""
        if level <= 0 or self.weight.sum() <= 0:
            return 1.0
        got = (self.heard == int(level)) * self.weight[None, :]
        return float(self.shares @ got.sum(axis=1) / self.weight.sum())


def channel_availability(telecom_ok: np.ndarray, power_ok: np.ndarray) -> np.ndarray:
    """(C, P) bool: which channel works at each place. Cell broadcast / SMS needs the place's
    base-station site, TV / radio the place's power (assumption: mains-powered sets; battery
    radios are rare in city homes), the neighbourhood committees nothing (assumption: they are
    told by the street offices over the government's own lines and go door to door)."""
    t = np.asarray(telecom_ok, bool)
    return np.vstack([t, np.asarray(power_ok, bool), np.ones_like(t)])
