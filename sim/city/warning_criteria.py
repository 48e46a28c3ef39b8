"""Criteria of colour-coded warnings and the flood-control response they call for.

A city issues China's meteorological disaster warning signals by its own implementation of
the national rules; the city's thresholds live in ``<data_dir>/warning_criteria.yaml`` with
their sources. Without that file the national criteria below apply (the published default).

National criteria (:data:`NATIONAL`): 中国气象局令第16号《气象灾害预警信号发布与传播办法》
(CMA Order No. 16, 2007), its annex of signal standards (wording as quoted from the annex,
which keeps the typhoon and rainstorm standards of CMA's 2004 trial rules):

* typhoon blue/yellow/orange/red: within 24/24/12/6 h the area may be or is affected by a
  tropical cyclone with mean wind (平均风力) of Beaufort 6/8/10/12 or more, or gusts of
  Beaufort 8/10/12/14 or more;
* rainstorm blue/yellow/orange/red: rain of 50 mm or more within 12/6/3 h, or 100 mm or more
  within 3 h.

Beaufort forces are the lower bounds of GB/T 28591-2012 (风力等级): force 6 10.8 m/s,
8 17.2, 10 24.5, 12 32.7, 14 41.5. The model's ``sustained_ms`` (1-min mean) stands for the
mean wind, ``gust_ms`` (3-s) for the gust. Only the forecast part ("will reach ... within")
is modelled; "has reached and may continue" is covered by the forecast's first hours.

Flood-control response (防汛防台应急响应 IV/III/II/I) by warning colour: the national default
maps blue/yellow/orange/red to IV/III/II/I, the four-grade correspondence of warning and
response levels (Ⅳ一般/蓝, Ⅲ较重/黄, Ⅱ严重/橙, Ⅰ特别严重/红) of the Emergency Response Law's
grading (assumption: 国家防汛抗旱应急预案 starts responses on events and forecasts, not on a
table of signals; no published signal-to-response table at national level was found).

File format (YAML)::

    source: "..."
    hazards:
      typhoon:
        source: "..."
        levels:
          blue:
            lead_h: 24
            any_of:
              - {im: sustained_ms, stat: peak, at_least: 10.8}
              - {im: gust_ms, stat: peak, at_least: 17.2}
      rainstorm:
        levels:
          blue:
            lead_h: 6
            any_of:
              - {im: rain_mm_per_h, stat: total, duration_h: 1, at_least: 35}
    response:
      source: "..."
      levels: {typhoon: {blue: IV, yellow: III, orange: II, red: I}}

A hazard with ``coastal: true`` is also checked over the city's coastal waters
(``coastal_waters``: lon/lat boxes, the city's land polygons taken out, sampled every
``spacing_deg``; each point counts for its nearest district, :mod:`sim.city.coast`): the
typhoon standards read "沿海或者陆地" (coastal or land), and a storm's mean wind over open
water exceeds that over land by the roughness ratio (about 1.3, :mod:`sim.hazards.typhoon`).

``stat: peak`` is met when the forecast maximum of the IM within ``lead_h`` reaches
``at_least``; ``stat: total`` when the forecast accumulation over some ``duration_h`` window
(default ``lead_h``) inside the next ``lead_h`` hours reaches it (windows start on whole
hours after the issue).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.city.errors import CityDataError, require_file
from sim.core.yaml_input import YamlInputError, read_yaml_file

CRITERIA_FILE = "warning_criteria.yaml"
COLOURS = ("blue", "yellow", "orange", "red")
"""Warning colours in increasing severity (ranks 1-4; 0 = none)."""
RESPONSE_GRADES = ("IV", "III", "II", "I")
"""Flood-control response grades in increasing severity (ranks 1-4; 0 = none)."""

Colour = Literal["blue", "yellow", "orange", "red"]
Grade = Literal["IV", "III", "II", "I"]
Source = Annotated[str, Field(min_length=3, description="Where the values come from.")]


class _Strict(BaseModel):
    """Base: unknown keys are errors; ``.inf`` and ``.nan`` are refused as numbers."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Criterion(_Strict):
    """One condition: the forecast IM statistic reaches ``at_least`` (IM units; mm for a
    total of ``rain_mm_per_h``)."""

    im: str = Field(min_length=1, description="Intensity measure, e.g. gust_ms.")
    stat: Literal["peak", "total"]
    duration_h: float | None = Field(
        None, gt=0, le=72, description="Accumulation window of a total, hours (None: lead_h)."
    )
    at_least: float = Field(gt=0, description="Threshold, IM units (mm for rain totals).")

    @model_validator(mode="after")
    def _duration_for_totals(self):
        if self.stat == "peak" and self.duration_h is not None:
            raise ValueError("duration_h applies to stat: total only")
        return self


class LevelRule(_Strict):
    """A warning colour: any of its criteria met within ``lead_h`` hours of the issue."""

    lead_h: float = Field(gt=0, le=72, description="Lead window of the criteria, hours.")
    any_of: list[Criterion] = Field(min_length=1)
    text: str = Field("", description="The standard's wording.")

    @model_validator(mode="after")
    def _windows_fit(self):
        for c in self.any_of:
            if c.duration_h is not None and c.duration_h > self.lead_h + 1e-9:
                raise ValueError(f"duration_h {c.duration_h} exceeds lead_h {self.lead_h}")
        return self


class HazardRules(_Strict):
    source: Source
    levels: dict[Colour, LevelRule] = Field(min_length=1)
    coastal: bool = Field(
        False,
        description="Criteria also checked over the city's coastal waters (the typhoon "
        "standards' 沿海或者陆地, 'coastal or land'); needs a coastal_waters section.",
    )


class CoastalArea(_Strict):
    """A stretch of the city's coastal waters: a lon/lat box, the city's land taken out."""

    name: str = Field(min_length=1)
    lon_deg: tuple[
        Annotated[float, Field(ge=-180, le=180)], Annotated[float, Field(ge=-180, le=180)]
    ] = Field(description="West and east bounds, degrees E.")
    lat_deg: tuple[
        Annotated[float, Field(ge=-90, le=90)], Annotated[float, Field(ge=-90, le=90)]
    ] = Field(description="South and north bounds, degrees N.")

    @model_validator(mode="after")
    def _ordered(self):
        if not (self.lon_deg[0] < self.lon_deg[1] and self.lat_deg[0] < self.lat_deg[1]):
            raise ValueError("lon_deg and lat_deg must be (low, high) with low < high")
        return self

    def grid_shape(self, spacing_deg: float) -> tuple[int, int]:
        """(latitudes, longitudes) of the area's grid at ``spacing_deg``, counted without
        building it: ``numpy.arange(low, high + 1e-9, spacing)`` per axis, as
        :func:`sim.city.coast.coastal_points` lays it."""

        def n(lo: float, hi: float) -> int:
            return max(math.ceil((hi + 1e-9 - lo) / spacing_deg), 1)

        return n(*self.lat_deg), n(*self.lon_deg)


MAX_COASTAL_POINTS = 20_000
"""Grid points the coastal waters may have, all areas together: each is weighed against every
district polygon once (a districts × points distance matrix) and sees the wind of every forecast
issue. The default case study's three boxes at 0.06° have 300; 20,000 keeps the matrix and the
per-issue wind within a few MB and milliseconds. A spacing of 1e-6° asked for 3.8 TiB and a
whole-globe box hung validate."""


class CoastalWaters(_Strict):
    """Where the city's "coastal" warning criteria are checked (sampled on a lon/lat grid)."""

    source: Source
    spacing_deg: float = Field(0.04, gt=0, le=0.5, description="Grid spacing, degrees.")
    areas: list[CoastalArea] = Field(min_length=1)

    @model_validator(mode="after")
    def _points_bounded(self):
        shapes = [a.grid_shape(self.spacing_deg) for a in self.areas]
        n = sum(rows * cols for rows, cols in shapes)
        if n > MAX_COASTAL_POINTS:
            raise ValueError(
                f"{n:,} grid points at spacing_deg {self.spacing_deg:g} over areas "
                f"{[a.name for a in self.areas]}; at most {MAX_COASTAL_POINTS:,} (each is "
                "weighed against every district and every forecast): widen spacing_deg or "
                "shrink the areas"
            )
        return self


class ResponseRules(_Strict):
    source: Source
    levels: dict[str, dict[Colour, Grade]] = Field(
        description="Hazard → warning colour → flood-control response grade."
    )


class WarningCriteria(_Strict):
    """Warning criteria by hazard and the flood-control response by warning."""

    source: Source
    hazards: dict[str, HazardRules]
    response: ResponseRules
    coastal_waters: CoastalWaters | None = None

    @model_validator(mode="after")
    def _coast_defined(self):
        coastal = [h for h, r in self.hazards.items() if r.coastal]
        if coastal and self.coastal_waters is None:
            raise ValueError(f"hazards {coastal} have coastal: true but no coastal_waters given")
        return self

    def response_rank(self, hazard: str, colour_rank: int) -> int:
        """Response rank (0 none, 1 IV ... 4 I) that a ``hazard`` warning of rank
        ``colour_rank`` (0 none ... 4 red) calls for; 0 for hazards without a mapping."""
        if colour_rank <= 0:
            return 0
        grade = self.response.levels.get(hazard, {}).get(COLOURS[colour_rank - 1])
        return 0 if grade is None else RESPONSE_GRADES.index(grade) + 1


_BEAUFORT_MS = {6: 10.8, 8: 17.2, 10: 24.5, 12: 32.7, 14: 41.5}
"""Lower bounds of Beaufort forces, m/s (GB/T 28591-2012)."""


def _typhoon(lead_h: float, mean: int, gust: int) -> dict:
    return {
        "lead_h": lead_h,
        "any_of": [
            {"im": "sustained_ms", "stat": "peak", "at_least": _BEAUFORT_MS[mean]},
            {"im": "gust_ms", "stat": "peak", "at_least": _BEAUFORT_MS[gust]},
        ],
        "text": f"within {lead_h:g} h mean wind force {mean}+ or gusts force {gust}+",
    }


def _rain(lead_h: float, mm: float) -> dict:
    return {
        "lead_h": lead_h,
        "any_of": [{"im": "rain_mm_per_h", "stat": "total", "at_least": mm}],
        "text": f"{mm:g} mm or more within {lead_h:g} h",
    }


_ORDER_16 = "CMA Order No. 16 (2007) 气象灾害预警信号发布与传播办法, annex of signal standards"
NATIONAL = WarningCriteria.model_validate(
    {
        "source": _ORDER_16,
        "hazards": {
            "typhoon": {
                "source": _ORDER_16 + "; Beaufort bounds GB/T 28591-2012",
                "levels": {
                    "blue": _typhoon(24, 6, 8),
                    "yellow": _typhoon(24, 8, 10),
                    "orange": _typhoon(12, 10, 12),
                    "red": _typhoon(6, 12, 14),
                },
            },
            "rainstorm": {
                "source": _ORDER_16,
                "levels": {
                    "blue": _rain(12, 50),
                    "yellow": _rain(6, 50),
                    "orange": _rain(3, 50),
                    "red": _rain(3, 100),
                },
            },
        },
        "response": {
            "source": "assumption: colour → grade by the four-level correspondence "
            "(blue IV, yellow III, orange II, red I); see sim/city/warning_criteria.py",
            "levels": {
                h: dict(zip(COLOURS, RESPONSE_GRADES, strict=True))
                for h in ("typhoon", "rainstorm", "storm_surge")
            },
        },
    }
)
"""The national criteria (published default for a city without its own file)."""


def load_warning_criteria(path: str | Path | None) -> WarningCriteria:
    """Read and validate a criteria file; ``None`` or a missing file gives :data:`NATIONAL`
    (a folder of that name is refused).

    Args:
        path: the file (usually ``<data_dir>/warning_criteria.yaml``) or None.

    Raises:
        CityDataError: a folder, unreadable YAML or invalid content (field path and what was
            expected).
    """
    if path is None or not Path(path).exists():
        return NATIONAL
    path = require_file(path, "warning criteria")
    try:
        data = read_yaml_file(path)
    except YamlInputError as exc:
        raise CityDataError(path, str(exc)) from None
    try:
        return WarningCriteria.model_validate(data)
    except ValidationError as exc:
        lines = [
            f"{'.'.join(map(str, e['loc'])) or '(top level)'}: "
            f"{e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        ]
        raise CityDataError(path, "; ".join(lines)) from None


def criteria_path(data_dir: str | Path) -> Path:
    """Where a city keeps its criteria: ``<data_dir>/warning_criteria.yaml``."""
    return Path(data_dir) / CRITERIA_FILE
