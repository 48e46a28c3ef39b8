"""Scenario block ``hazard.storm_surge``: storm tide against the city's seawalls and floodwalls.

Physics and sources: :mod:`sim.hazards.storm_surge`. YAML::

    hazard:
      storm_surge:
        defences_file: ../data/shanghai/seawall.csv    # segments, crest levels (m, city datum)
        tide_file: ../data/shanghai/tide_levels.csv     # reference-gauge tide levels
        tide: {high_water_utc: 2024-08-18T12:00:00Z}    # astronomical high water
        hydrograph:                                      # surge at the reference gauge, m
          - {at_utc: 2024-08-18T00:00:00Z, surge_m: 0.2}
          - {at_utc: 2024-08-18T12:00:00Z, surge_m: 3.1}
          - {at_utc: 2024-08-19T00:00:00Z, surge_m: 0.2}

or, instead of ``hydrograph``, ``from_typhoon: {gauge: {lon: 121.5, lat: 31.39}}``: the
parametric surge of the scenario's ``hazard.typhoon`` at the gauge.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from sim.scenario.hazard_blocks import register_block
from sim.scenario.schema import DataPath, Fraction, LonLat, Strict, UtcTime


class SurgePoint(Strict):
    at_utc: UtcTime = Field(description="Time (UTC).")
    surge_m: float = Field(ge=-3, le=15, description="Storm surge (non-tidal residual), m.")


class TideConfig(Strict):
    """Astronomical tide at the reference gauge: one semidiurnal constituent (M2 period)."""

    high_water_utc: UtcTime = Field(description="Time of an astronomical high water (UTC).")
    high_water_m: float | None = Field(
        None, ge=-10, le=20, description="High-water level, m (city datum); None: the tide "
        "file's spring_high_water_m.",
    )  # fmt: skip
    range_m: float | None = Field(
        None, ge=0, le=20, description="Tidal range, m; None: the tide file's spring_range_m."
    )
    period_h: float = Field(
        12.42, gt=0, le=30, description="Tidal period, h (M2, principal lunar semidiurnal)."
    )


class ParametricSurgeConfig(Strict):
    """Surge from the scenario's typhoon: inverse barometer + steady wind setup on a shelf."""

    gauge: LonLat = Field(description="Reference gauge (where the surge is computed).")
    shelf_width_km: float = Field(
        100.0, gt=0, le=1000, description="Width of the shallow shelf the wind acts over, km."
    )
    shelf_depth_m: float = Field(20.0, gt=0, le=500, description="Mean shelf depth, m.")
    onshore_fraction: Fraction = Field(
        1.0,
        description="Share of the wind stress directed onshore (1: all, an upper bound; "
        "assumption).",
    )


class StormSurgeConfig(Strict):
    """Storm surge / coastal flooding (:mod:`sim.hazards.storm_surge`)."""

    defences_file: DataPath = Field(
        description="CSV of seawall/floodwall segments: segment, kind, lon1, lat1, lon2, lat2, "
        "crest_m, ground_m, level_offset_m (levels in the city's datum), source."
    )
    tide_file: DataPath = Field(
        description="CSV of tide levels (station, quantity, value_m, source); the first "
        "station is the reference gauge."
    )
    tide: TideConfig
    hydrograph: list[SurgePoint] | None = Field(
        None, min_length=2, description="Surge at the reference gauge over time (linear between "
        "points, zero outside).",
    )  # fmt: skip
    from_typhoon: ParametricSurgeConfig | None = Field(
        None, description="Parametric surge from hazard.typhoon (instead of a hydrograph)."
    )
    inundation_length_m: float = Field(
        1000.0,
        gt=0,
        le=50_000,
        description="E-folding distance of the inland spreading of overflow water, m "
        "(assumption; calibration parameter).",
    )
    recession_h: float = Field(
        12.0, gt=0, le=240, description="Time constant of inland drainage after overflow, h."
    )
    min_depth_m: float = Field(
        0.01, ge=0, le=1, description="Depths below this are dry, m (ends the flood's reach)."
    )

    @model_validator(mode="after")
    def _one_driver(self) -> StormSurgeConfig:
        if (self.hydrograph is None) == (self.from_typhoon is None):
            raise ValueError("give exactly one of hydrograph or from_typhoon")
        if self.hydrograph is not None:
            times = [p.at_utc for p in self.hydrograph]
            if any(b <= a for a, b in zip(times, times[1:], strict=False)):
                raise ValueError("hydrograph times must increase")
        return self


register_block("storm_surge", StormSurgeConfig, warnings=True)
