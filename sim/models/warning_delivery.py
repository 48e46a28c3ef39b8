"""What the telecom layer does to an emergency run: warnings by channel, sites down, dispatch.

The emergency model owns one :class:`WarningDelivery`. It ties the households' places (the
district sample points) to the infrastructure serving them — the nearest base-station site
node and the nearest 10 kV transformer of the same district (assumption: a place is served
by its nearest site and feeder node) — and, from the layers' functional state:

* delivers the warning in force hourly through the channels that work at each place
  (:class:`sim.agents.warning_reach.WarningReach`);
* keeps the largest number of base stations out of service at once (``telecom_sites_down``);
* gives each district's extra dispatch set-out delay, ``telecom_outage_delay_h`` times the
  share of its households whose cell site is down (scenario ``logistics``, an assumption).
"""

from __future__ import annotations

import numpy as np

from sim.agents.warning_centre import LEVEL_RANK
from sim.agents.warning_reach import CHANNELS, WarningReach, channel_availability
from sim.networks.spatial import nearest_in_group
from sim.networks.telecom import LAYER, SITE, stations_down, telecom_share_by_district


def _nearest_nodes(layer, type_name: str, xy: np.ndarray, district: np.ndarray) -> np.ndarray:
    """Index of the nearest node of ``type_name`` of ``layer`` in the same district, per point."""
    t = np.flatnonzero(layer.nodes["asset_type"] == layer.asset_type_code(type_name))
    xy_t = np.column_stack([layer.nodes["x_m"][t], layer.nodes["y_m"][t]])
    return t[nearest_in_group(xy, district, xy_t, layer.nodes["district"][t])]


class WarningDelivery:
    """Warning reception, telecom outage and dispatch delay of one run.

    Args:
        infra: the run's :class:`~sim.networks.infrastructure.Infrastructure`.
        sample_xy: (x_m, y_m) of the D·K sample points, district-major (the households' places).
        sample_shape: (D, K).
        households: (D,) households of each district (census), spread evenly over its points.
        shares: (C,) households by main warning channel (:data:`CHANNELS` order).

    Attributes:
        reach: the :class:`~sim.agents.warning_reach.WarningReach`.
        sites_down_peak: most base stations out of service at one update.
    """

    def __init__(self, infra, sample_xy, sample_shape, households, shares) -> None:
        d_count, k = sample_shape
        xy = np.column_stack(sample_xy)
        district = np.repeat(np.arange(d_count), k)
        self.n_districts = d_count
        self.k = k
        self.telecom = infra.layers[LAYER]
        self.site_of = _nearest_nodes(self.telecom, SITE, xy, district)
        self.feeder_of = _nearest_nodes(
            infra.layers["power"], "distribution_transformer_10kv", xy, district
        )
        weight = np.repeat(np.asarray(households, float) / k, k)
        self.reach = WarningReach(shares, weight)
        self.sites_down_peak = 0
        self._seen = 0  # warnings of the centre's issue log delivered so far

    @staticmethod
    def shares_of(config) -> list[float]:
        """(C,) channel shares from a scenario's ``warnings.channels``."""
        return [float(getattr(config.warnings.channels, c)) for c in CHANNELS]

    def deliver(
        self, functional: dict[str, np.ndarray], level: int, colour_rank: int, issued=None
    ) -> None:
        """Deliver the warnings in force (response ``level``, city alert ``colour_rank``)
        through the channels working at each place now.

        Args:
            issued: the warning centre's log of issues, (t_h, hazard, level name, source)
                (:attr:`sim.agents.warning_centre.WarningCentre.issued`); those not seen at the
                last delivery start new warnings. None: warnings by city-wide colour only.
        """
        avail = channel_availability(
            functional[LAYER][self.site_of], functional["power"][self.feeder_of]
        )
        issues = None
        if issued is not None:
            issues = [(h, LEVEL_RANK[lv]) for _, h, lv, _ in issued[self._seen :]]
            self._seen = len(issued)
        self.reach.update(level, colour_rank, avail, issues)

    def observe(self, functional: dict[str, np.ndarray]) -> None:
        """Record the base stations out of service now."""
        down = stations_down(self.telecom, functional[LAYER])
        self.sites_down_peak = max(self.sites_down_peak, down)

    def dispatch_delay_h(self, functional: dict[str, np.ndarray], per_outage_h: float):
        """(D,) hours added to set-outs for incidents in each district: ``per_outage_h`` ×
        share of its households whose cell site is down."""
        share = telecom_share_by_district(self.telecom, functional[LAYER], self.n_districts)
        return per_outage_h * (1.0 - share)

    def places(self, district: int, points: np.ndarray) -> np.ndarray:
        """Global place index of a district's households (their sample-point indices)."""
        return district * self.k + np.asarray(points, np.int64)
