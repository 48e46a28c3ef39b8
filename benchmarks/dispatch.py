"""Benchmark: dispatch 10^5 incidents over the Shanghai road network.

Usage: .venv/bin/python benchmarks/dispatch.py [--incidents N] [--hours H] [--policy P]
       [--road-changes]

Builds the Lekima model's road network (5,478 nodes, ~10,200 edges at full resolution) and its
depots (every depot kind of the city profile and the central reserve, with the scenario's
teams, equipment and supplies), then submits N incidents of the catalogue's kinds at random road
nodes, uniformly over H hours, and steps the dispatcher through them. Prints incidents per
second and the share of wall time spent routing (shortest-path searches in RoadRouter).
With --road-changes the road speed factors change every hour (as waterlogging and debris
do during a typhoon), forcing routes to be recomputed.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from sim.models.emergency import CityModel
from sim.response import Dispatcher, DispatchPolicy, RoadRouter, make_incident
from sim.response.depots import build_depots
from sim.response.incidents import INCIDENT_CATALOGUE
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "shanghai" / "lekima-2019.yaml"


class TimedRouter(RoadRouter):
    """RoadRouter that accumulates the wall time of its route queries."""

    routing_s = 0.0

    def travel_time_h(self, sources, targets):
        t0 = time.perf_counter()
        try:
            return super().travel_time_h(sources, targets)
        finally:
            TimedRouter.routing_s += time.perf_counter() - t0

    def times_within(self, source, limit_h):
        t0 = time.perf_counter()
        try:
            return super().times_within(source, limit_h)
        finally:
            TimedRouter.routing_s += time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--hours", type=float, default=240.0)
    parser.add_argument("--policy", default="bundle_complete")
    parser.add_argument("--road-changes", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    model = CityModel(load_scenario(SCENARIO))  # builds roads and depots exactly as a run does
    roads = model.infra.layers["roads"]
    router = TimedRouter(roads)
    cfg = model.config
    depots = build_depots(
        model.city, cfg.logistics, cfg.city.data_dir, router, model.streams["logistics"]
    )
    rng = np.random.default_rng(args.seed)
    disp = Dispatcher(router, depots, DispatchPolicy.named(args.policy), rng=rng)

    kinds = [k for k in INCIDENT_CATALOGUE if k != "shelter_resupply"]
    n = args.incidents
    times = np.sort(rng.uniform(0.0, args.hours, n))
    nodes = rng.integers(0, roads.n_nodes, n)
    kind_idx = rng.integers(0, len(kinds), n)
    district = roads.nodes["district"]

    t0 = time.perf_counter()
    next_change = 1.0
    for i in range(n):
        t = float(times[i])
        if args.road_changes and t >= next_change:
            factor = np.clip(rng.normal(0.9, 0.1, roads.n_edges), 0.0, 1.0)
            factor[rng.random(roads.n_edges) < 0.005] = 0.0
            router.set_edge_speed_factor(factor)
            next_change += 1.0
        inc = make_incident(kinds[kind_idx[i]], i, int(district[nodes[i]]), int(nodes[i]), t)
        disp.submit(inc, t)
        disp.step(t)
    disp.run_until_idle()
    wall = time.perf_counter() - t0
    rec = disp.records()
    served = int(rec["full_bundle_h"].notna().sum())
    print(
        f"{n:,} incidents over {args.hours:g} h, policy {args.policy}, "
        f"road changes {'hourly' if args.road_changes else 'none'}: "
        f"{wall:.1f} s wall, {n / wall:,.0f} incidents/s, routing {TimedRouter.routing_s:.1f} s "
        f"({100 * TimedRouter.routing_s / wall:.0f}% of wall time); "
        f"{served:,} served with the full bundle, mean response "
        f"{60 * rec['response_h'].mean():.1f} min; assembly attempts {disp.attempts:,}, "
        f"{disp.failed_attempts:,} failed; {len(depots)} depots"
    )


if __name__ == "__main__":
    main()
