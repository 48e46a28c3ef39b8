"""Held-out data stays held out (issue 13): typhoons from 2021 on are the test set.

Only ``experiments/typhoon_calibration/heldout.py`` may read their observations; the model,
the calibration (``run.py``, its storms list) and the ensemble check never do, and every
calibration storm is from before 2021.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CAL = ROOT / "experiments" / "typhoon_calibration"


def test_only_the_validation_script_reads_the_heldout_observations():
    readers = []
    for path in [*ROOT.joinpath("sim").rglob("*.py"), *CAL.glob("*.py"),
                 *ROOT.joinpath("calibration").rglob("*")]:  # fmt: skip
        if path.is_file() and re.search(
            r"heldout/|observed_heldout", path.read_text(errors="ignore")
        ):
            readers.append(path.relative_to(ROOT).as_posix())
    assert readers == ["experiments/typhoon_calibration/heldout.py"]


def test_calibration_storms_are_all_before_2021():
    spec = yaml.safe_load((CAL / "storms.yaml").read_text(encoding="utf-8"))
    names = [*spec["storms"], *spec["offshore_without_count"]]
    years = [int(re.search(r"(\d{4})$", n).group(1)) for n in names]
    assert names and max(years) < 2021
    assert all("heldout" not in str(s.get("track", "")) for s in spec["storms"].values())
