"""The inputs of the synthetic population: ``<data_dir>/population.yaml``.

What the census gives beyond the district table (``districts.csv``: persons by district), the
city profile (``city.yaml``: age bands) and the exposure inventory (``exposure_totals.csv``:
site workers, shed dwellers, dangerous and old housing by district): family households and
their mean size, the distribution of family households by size, residents from other
provinces, the size of collective households, floor area per resident of old housing, where
site workers live and households per building by housing type. Every value carries its source
in the file (a ``*_source`` field); :class:`PopulationInputs` checks ranges and names.

`load_population_inputs` raises :class:`~sim.city.errors.CityDataError` naming the file and
each field with what was expected (``citysafe run`` prints it in one line, exit 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.city.errors import CityDataError, require_file
from sim.core.yaml_input import YamlInputError, read_yaml_file

POPULATION_FILE = "population.yaml"

HOUSING = ("ordinary", "old_housing", "old_dangerous", "shed", "site_temporary", "dormitory")
"""Housing types of the synthetic households (codes are indices): ordinary housing; old housing
(built 1950–1996 without seismic design); dangerous old housing (a part of it); sheds; on-site
temporary housing of construction sites; off-site dormitories and other collective quarters."""

KINDS = ("family", "collective")
"""Household kinds of the census: family households (家庭户) and collective households (集体户)."""

Source = Annotated[str, Field(min_length=3, description="Where the values come from.")]


class PopulationInputs(BaseModel):
    """City-level figures of the synthetic population (units in the names)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    family_households: int = Field(ge=1, le=10**9, description="Family households, city.")
    family_household_size_mean: float = Field(
        ge=1.0, le=10.0, description="Mean persons per family household."
    )
    family_households_source: Source
    household_size_shares: list[float] = Field(
        min_length=1,
        max_length=20,
        description="Shape of the family households' size distribution, sizes 1..K (K = K and "
        "more); non-negative, normalised in code.",
    )
    household_size_source: Source
    from_other_provinces_persons: int = Field(ge=0, description="Residents from elsewhere.")
    from_other_provinces_source: Source
    collective_household_mean_persons: float = Field(ge=1.0, le=1000.0)
    collective_household_source: Source
    old_housing_m2_per_person: float = Field(gt=0.0, le=1000.0)
    old_housing_source: Source
    site_workers_on_site_share: float = Field(ge=0.0, le=1.0)
    site_workers_source: Source
    households_per_building: dict[str, float] = Field(
        description="Mean households per building by housing type (every type of HOUSING)."
    )
    buildings_source: Source

    @model_validator(mode="after")
    def _check(self):
        shares = self.household_size_shares
        if any(s < 0 for s in shares) or sum(shares) <= 0:
            raise ValueError("household_size_shares: expected shares >= 0, not all 0")
        mean = self.family_household_size_mean
        if mean > len(shares) or (mean > 1.0 and len(shares) == 1):
            raise ValueError(
                f"family_household_size_mean {mean} cannot be reached with sizes 1..{len(shares)}"
            )
        given = set(self.households_per_building)
        if given != set(HOUSING):
            raise ValueError(
                f"households_per_building: expected the types {list(HOUSING)}; missing "
                f"{sorted(set(HOUSING) - given)}, unknown {sorted(given - set(HOUSING))}"
            )
        if any(not 1.0 <= v <= 10_000 for v in self.households_per_building.values()):
            raise ValueError("households_per_building: expected means from 1 to 10,000")
        return self


def load_population_inputs(data_dir: str | Path) -> PopulationInputs:
    """Read and validate ``<data_dir>/population.yaml``.

    Raises:
        CityDataError: missing or unreadable file, or invalid content (field and what was
            expected, problems joined by ``; ``).
    """
    path = Path(data_dir) / POPULATION_FILE
    require_file(path, "synthetic population inputs: family households, sizes, buildings")
    try:
        data = read_yaml_file(path)
    except YamlInputError as exc:
        raise CityDataError(path, str(exc)) from None
    try:
        return PopulationInputs.model_validate(data)
    except ValidationError as exc:
        lines = []
        for e in exc.errors():
            where = ".".join(str(p) for p in e["loc"])
            msg = e["msg"].removeprefix("Value error, ")
            lines.append(f"{where}: {msg}" if where else msg)
        raise CityDataError(path, "; ".join(lines)) from None
