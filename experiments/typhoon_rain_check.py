"""Typhoon rain against Shanghai's station figures: simulated vs observed rain per storm.

Usage: .venv/bin/python experiments/typhoon_rain_check.py [--seeds N] [--gauges-per-district K]

For each calibration storm (before 2021) with a track and an observed rain figure in
``scenarios/data/typhoons/observed_calibration.csv`` (``rain_max_mm``, ``rain_max_mm_per_h``)
or ``scenarios/data/shanghai/facts.md`` (Lekima), the hazard of ``sim.hazards.typhoon`` with
the DEFAULT settings (R-CLIPER as published, radii-fitted wind field, convective cells of
``sim.hazards.rain_cells`` with their default statistics) rains on K random "gauges" per
district (points uniform in the district polygons). Printed per storm, over the observed
window: the largest gauge total, the mean gauge total and the largest hourly rate (clock
hours, 5-min sampling), the median over N seeds (cells drawn from each seed's ``rain.cells``
stream), against the observed figures. Lekima is also shown with its scenario's rain
calibration (scenarios/shanghai/lekima-2019.yaml).

Windows (UTC; observed in Beijing time = UTC + 8) are transcribed from the ``as_of_local``
of the observed rows; where a row gives only an end ("to ..."), the start is 24 h earlier
(assumption). Held-out storms (2021 on, scenarios/data/typhoons/heldout/) are not read.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.city import load_city
from sim.core.streams import RandomStreams
from sim.hazards.rain_cells import CellClimate, ConvectiveCells
from sim.hazards.track import read_track_csv, read_wind_radii_csv
from sim.hazards.typhoon import linear_rain_gradient, typhoon_from_config
from sim.scenario.loader import load_scenario
from sim.scenario.schema import TyphoonConfig

ROOT = Path(__file__).resolve().parents[1]
TYPHOONS = ROOT / "scenarios" / "data" / "typhoons"
LEKIMA_DIR = ROOT / "scenarios" / "data" / "lekima-2019"
STEP_H = 1.0 / 12.0  # 5-min sampling of the rain rate


@dataclass(frozen=True)
class Storm:
    key: str  # observed_calibration.csv storm key
    track: Path
    radii: Path
    agency: str
    start_utc: str
    end_utc: str
    window_note: str


STORMS = (
    Storm("chan-hom-2015", TYPHOONS / "chan-hom-2015_track.csv",
          TYPHOONS / "chan-hom-2015_jma_wind_radii.csv", "JMA",
          "2015-07-10T04:00", "2015-07-11T09:00",
          "10 Jul 'afternoon' (12:00 assumed) - 11 Jul 17:00 BJT"),
    Storm("ampil-2018", TYPHOONS / "ampil-2018_track.csv",
          TYPHOONS / "ampil-2018_jma_wind_radii.csv", "CMA",
          "2018-07-22T00:00", "2018-07-22T04:00", "22 Jul 08:00-12:00 BJT (4 h)"),
    Storm("yagi-2018", TYPHOONS / "yagi-2018_track.csv",
          TYPHOONS / "yagi-2018_jma_wind_radii.csv", "CMA",
          "2018-08-11T11:00", "2018-08-12T11:00", "to 12 Aug 19:00 BJT (24 h assumed)"),
    Storm("rumbia-2018", TYPHOONS / "rumbia-2018_track.csv",
          TYPHOONS / "rumbia-2018_jma_wind_radii.csv", "CMA",
          "2018-08-16T12:00", "2018-08-16T21:00", "16 Aug 20:00 - 17 Aug 05:00 BJT"),
    Storm("lekima-2019", LEKIMA_DIR / "lekima_track.csv",
          LEKIMA_DIR / "lekima_jma_wind_radii.csv", "CMA",
          "2019-08-09T00:00", "2019-08-10T03:00", "9 Aug 08:00 - 10 Aug 11:00 BJT"),
)  # fmt: skip


def observed(key: str) -> dict[str, float]:
    """Observed rain figures of a storm (NaN where none)."""
    obs = pd.read_csv(TYPHOONS / "observed_calibration.csv")
    rows = obs[obs["storm"] == key]
    out = {}
    for outcome in ("rain_max_mm", "rain_max_mm_per_h", "rain_mean_mm"):
        vals = pd.to_numeric(rows.loc[rows["outcome"] == outcome, "value"], errors="coerce")
        out[outcome] = float(vals.iloc[0]) if len(vals) else float("nan")
    return out


def gauges(city, per_district: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauge points uniform in the district polygons."""
    rng = RandomStreams(seed)["experiment.gauges"]
    pts = np.concatenate(
        [city.sample_points(d, per_district, rng) for d in range(city.n_districts)]
    )
    return pts[:, 0], pts[:, 1]


def simulate(hz, storm: Storm, x, y, seed: int) -> dict[str, float]:
    """Gauge totals and hourly peaks of one draw of the cells over the storm's window."""
    t0 = np.datetime64(storm.start_utc, "s")
    hours = (np.datetime64(storm.end_utc, "s") - t0).astype(float) / 3600.0
    n = int(round(hours / STEP_H))
    bounds = (x.min(), y.min(), x.max(), y.max())
    cells = ConvectiveCells(CellClimate(), bounds, RandomStreams(seed)["rain.cells"])
    rates = np.empty((n, x.size))
    expected = np.empty((n, x.size))
    for k in range(n):
        t_h = (k + 1) * STEP_H  # the 5 min ending here
        now = t0 + np.timedelta64(int(round(t_h * 3600)), "s")
        expected[k] = hz.rain_mm_per_h(now, x, y)
        rates[k] = expected[k] * cells.multiplier(t_h, x, y, STEP_H)
    total = rates.sum(axis=0) * STEP_H
    per_hour = int(round(1.0 / STEP_H))
    whole = (n // per_hour) * per_hour
    hourly = rates[:whole].reshape(-1, per_hour, x.size).mean(axis=1)
    return {
        "max_mm": float(total.max()),
        "mean_mm": float(total.mean()),
        "peak_mm_per_h": float(hourly.max()) if hourly.size else float("nan"),
        "expected_max_mm": float(expected.sum(axis=0).max() * STEP_H),
    }


def hazard_for(storm: Storm, cfg, city, rain_multiplier=None):
    track = read_track_csv(storm.track, storm.agency)
    return typhoon_from_config(
        track, cfg, city.crs, rain_multiplier, radii=read_wind_radii_csv(storm.radii)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--gauges-per-district", type=int, default=40)
    args = parser.parse_args()
    city = load_city(ROOT / "scenarios" / "data" / "shanghai")
    x, y = gauges(city, args.gauges_per_district, seed=2024)
    default = TyphoonConfig.model_construct(
        **{k: f.default for k, f in TyphoonConfig.model_fields.items() if k != "track_file"}
    )
    lekima_cfg = load_scenario(ROOT / "scenarios" / "shanghai" / "lekima-2019.yaml").hazard.typhoon
    runs = [(s, "default", hazard_for(s, default, city)) for s in STORMS]
    gradient = linear_rain_gradient(city.reference_xy[1], lekima_cfg.rain_gradient_per_100km_south)
    runs.append((STORMS[-1], "lekima.yaml", hazard_for(STORMS[-1], lekima_cfg, city, gradient)))
    print(f"{x.size} gauges; median over {args.seeds} seeds of the cells; observed in [ ]\n")
    head = (
        f"{'storm':14s} {'settings':11s} {'window (UTC)':24s} {'max mm':>16s} {'mean mm':>9s} "
        f"{'peak mm/h':>15s} {'R-CLIPER max':>12s}"
    )
    print(head)
    print("-" * len(head))
    for storm, label, hz in runs:
        sims = [simulate(hz, storm, x, y, seed) for seed in range(args.seeds)]
        med = {k: float(np.median([s[k] for s in sims])) for k in sims[0]}
        obs = observed(storm.key)
        window = f"{storm.start_utc[5:13]}..{storm.end_utc[5:13]}"

        def o(key: str, obs: dict = obs) -> str:
            return f"[{obs[key]:5.0f}]" if np.isfinite(obs[key]) else "[   - ]"

        print(
            f"{storm.key:14s} {label:11s} {window:24s} {med['max_mm']:8.0f} {o('rain_max_mm')} "
            f"{med['mean_mm']:9.1f} {med['peak_mm_per_h']:7.0f} {o('rain_max_mm_per_h')} "
            f"{med['expected_max_mm']:12.0f}"
        )
    print("\nwindows:", *(f"\n  {s.key}: {s.window_note}" for s in STORMS))


if __name__ == "__main__":
    main()
