"""Why the telecom-backup experiment moves warning reach little or not at all in Lekima.

Usage: .venv/bin/python experiments/telecom_backup_check.py [--backup-h 0 8] [--seed N]

Runs Lekima (scenarios/shanghai/lekima-2019.yaml) once per battery level and prints, at each
change of the warning colour or response level and at the hour the base stations out of
service peak: the share of the households' places (district sample points) whose
base-station site is down, the share of households whose channel has delivered the response
level in force (:meth:`sim.agents.warning_reach.WarningReach.current_share`) and the base
stations down. A warning raised before the power outages reaches everybody whatever the
batteries; batteries matter only for a warning raised (or a place first reached) while sites
are down.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from sim.models.emergency import CityModel
from sim.networks.telecom import LAYER, stations_down
from sim.scenario.loader import load_scenario

ROOT = Path(__file__).resolve().parents[1]
LEKIMA = ROOT / "scenarios" / "shanghai" / "lekima-2019.yaml"


def trace(backup_h: float, seed: int | None) -> list[tuple]:
    """(t_h, colour rank, response level, places with site down, reach of the level in force,
    base stations down) at every hour of a Lekima run with ``backup_h`` hours of battery."""
    overrides = [f"networks.base_station_backup_h={backup_h}"]
    if seed is not None:
        overrides.append(f"seed={seed}")
    model = CityModel(load_scenario(LEKIMA, overrides))
    rows = []
    while model.time < model.config.time.duration_h:
        model.advance(model.time + 1.0)
        func = model.infra.functional[LAYER]
        d = model.delivery
        level = model.response_level
        rows.append(
            (
                model.time,
                model.warning_centre.level_rank,
                level,
                float(np.mean(~func[d.site_of])),
                d.reach.current_share(level),
                stations_down(d.telecom, func),
            )
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backup-h", type=float, nargs="+", default=[0.0, 8.0])
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    for b in args.backup_h:
        rows = trace(b, args.seed)
        peak = max(range(len(rows)), key=lambda i: rows[i][5])
        print(f"backup {b:g} h: t_h colour response places_site_down reach_now stations_down")
        for i, r in enumerate(rows):
            changed = i == 0 or r[1:3] != rows[i - 1][1:3]
            if changed or i == peak:
                print(f"  {r[0]:5.1f} {r[1]} {r[2]} {r[3]:.4f} {r[4]:.4f} {r[5]:,}")


if __name__ == "__main__":
    main()
