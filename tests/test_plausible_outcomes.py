"""Plausible outcomes (issue 17, deliverable 4): each shipped scenario's headline outcome rests on
a published model, checked here against values computed by hand.

- City profile: the residents' age bands and the country's earthquake fatality model.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sim.city import CityDataError, load_profile

ROOT = Path(__file__).resolve().parents[1]
SHANGHAI = ROOT / "scenarios" / "data" / "shanghai"
EXAMPLE_DATA = ROOT / "scenarios" / "data" / "example-city"
EXAMPLE = ROOT / "scenarios" / "example-city" / "typhoon.yaml"


# ------------------------------------------------------------------------------ city profile
def test_profile_age_bands_and_fatality_model(tmp_path):
    shanghai = load_profile(SHANGHAI)
    bands = shanghai.population_ages.bands
    assert [(b.from_years, b.to_years) for b in bands] == [(0, 15), (15, 60), (60, 65), (65, 85)]
    assert sum(b.share for b in bands) == pytest.approx(1.0)
    assert shanghai.earthquake_fatality.country == "CN"
    city = tmp_path / "city"
    shutil.copytree(EXAMPLE_DATA, city)
    text = (city / "city.yaml").read_text(encoding="utf-8")
    for bad, msg in (
        ("to_years: 15, share: 0.15", "shares must sum to 1"),
        ("{from_years: 15, to_years: 60", "must start at age 0 and follow each other"),
    ):
        wrong = text.replace(
            bad, bad.replace("0.15", "0.5").replace("from_years: 15", "from_years: 16")
        )
        (city / "city.yaml").write_text(wrong, encoding="utf-8")
        with pytest.raises(CityDataError, match=msg):
            load_profile(city)
