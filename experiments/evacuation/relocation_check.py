"""Relocation of a direct storm and an offshore pass (issue 13 check).

Runs Lekima 2019 (scenarios/shanghai/lekima-2019.yaml) and Bavi 2020 passing ~300 km east of
Shanghai (bavi-2020-offshore.yaml here: Lekima's warnings shifted to Bavi's closest approach,
so only the storm differs) and prints people relocated by category.

    .venv/bin/python experiments/evacuation/relocation_check.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.models.emergency import CityModel
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
RUNS = {
    "lekima-2019": ROOT / "scenarios" / "shanghai" / "lekima-2019.yaml",
    "bavi-2020 (offshore)": Path(__file__).with_name("bavi-2020-offshore.yaml"),
}


def relocated_by_category(path: Path) -> tuple[float, dict[str, float]]:
    """People relocated (each counted once) and the peak relocated at once, by category."""
    model = CityModel(load_scenario(path))
    peak = np.zeros(len(model.districts[0].categories))
    while model.time < model.config.time.duration_h:
        model.run_until(model.time + 1)
        peak = np.maximum(peak, np.sum([g.relocated for g in model.districts], axis=0))
    return model.people_relocated, dict(zip(model.districts[0].categories, peak, strict=True))


if __name__ == "__main__":
    for name, path in RUNS.items():
        total, by_cat = relocated_by_category(path)
        print(f"{name}: {total:,.0f} relocated")
        for cat, persons in by_cat.items():
            print(f"    {cat:34s} {persons:10,.0f} (peak at once)")
