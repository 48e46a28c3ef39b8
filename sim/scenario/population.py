"""The scenario's ``population:`` block: which residents a run simulates.

``resolution: off`` (the default) keeps today's model: the district governments' households at
risk, a weighted sample per district and relocation category (:mod:`sim.agents.households`).
``resolution: full`` also builds (or reads from its cache) the city's synthetic population at
1:1 (:mod:`sim.city.population`, from ``<data_dir>/population.yaml``) and writes each
household's outcomes to ``households.parquet`` (:mod:`sim.results.household_table`); the
model's own decisions and outcomes are the same either way.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.scenario.fields import Strict

POPULATION_RESOLUTIONS = ("off", "full")
"""Values of ``population.resolution``."""


class PopulationConfig(Strict):
    """``population:`` of an emergency scenario."""

    resolution: Literal["off", "full"] = Field(
        "off",
        description="off: the households at risk as weighted samples only (no household "
        "table); full: every resident of the city in households (the 1:1 synthetic "
        "population, cached on disk) and households.parquet with each household's hours "
        "without power and water, relocation and casualties.",
    )
