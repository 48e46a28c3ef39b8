"""Benchmark: the cost of the two-clock coupling on Lekima's emergency window.

Usage: .venv/bin/python benchmarks/shock_coupling.py alone
       .venv/bin/python benchmarks/shock_coupling.py shock [CITY_STATE_JSON]

``alone`` runs the shipped Lekima scenario (its own seed) into a temporary run folder, the
way ``citysafe run`` does (no figures). ``shock`` runs the same scenario and seed on a long
run's city state, the emergency part of a shock (:func:`sim.results.runner.run_scenario` with
``city_state``): drainage capacity factors, facade condition, retrofits, sites and hidden
cavities. CITY_STATE_JSON is a shock's ``city_state.json`` (default: the state the
white-elephant-drainage scenario hands to Lekima, taken here from a fresh long run, outside
the timed part). Time each as a whole process, e.g. ``/usr/bin/time -v`` on both; the
coupling is the ratio shock / alone. Prints the emergency window's own wall time.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from sim.models.longrun import RiskDynamicsModel
from sim.results.runner import run_scenario
from sim.risk.city_state import CityState
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
LEKIMA = ROOT / "scenarios" / "shanghai" / "lekima-2019.yaml"
LONG_RUN = ROOT / "scenarios" / "shanghai" / "white-elephant-drainage.yaml"


def long_run_state() -> CityState:
    """The white-elephant city on Lekima's date (the long run up to the shock only)."""
    scen = load_scenario(LONG_RUN)
    model = RiskDynamicsModel(scen)
    t_h = model.clock.hours_of(scen.shocks[0].at_utc)
    model.advance(t_h)
    return model.city_state(t_h)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("alone", "shock"))
    parser.add_argument("state", nargs="?", type=Path, default=None)
    args = parser.parse_args()
    state = None
    if args.mode == "shock":
        state = (
            CityState.from_dict(json.loads(args.state.read_text()))
            if args.state
            else long_run_state()
        )
    scen = load_scenario(LEKIMA)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        result = run_scenario(scen, Path(tmp), figures=False, city_state=state)
    s = result.summary
    print(
        f"{args.mode}: {time.perf_counter() - t0:.2f} s, waterlogged_roads "
        f"{s['waterlogged_roads']}, incidents {s['incidents']}"
    )


if __name__ == "__main__":
    main()
