"""The original hazards behind the hazard interface: typhoon, rainstorm, earthquake.

Thin adapters (:class:`~sim.hazards.base.Hazard`) around the physics modules
(:mod:`sim.hazards.typhoon`, :mod:`sim.hazards.rainstorm`, :mod:`sim.hazards.earthquake`),
registered for the scenario blocks ``hazard.typhoon``, ``hazard.rainstorm`` and
``hazard.earthquake``. The epidemic block has no IM: the model runs it as its SEIR process.
"""

from __future__ import annotations

import numpy as np

from sim.hazards.base import Hazard, HazardContext, register_hazard
from sim.hazards.earthquake import ScenarioEarthquake
from sim.hazards.rain_cells import CellClimate, ConvectiveCells
from sim.hazards.rainstorm import RainstormEvent, RainstormHazard
from sim.hazards.terrain import TerrainMap, classes_of_districts, terrain_map_for
from sim.hazards.track import read_cma_bst, read_track_csv
from sim.hazards.typhoon import TyphoonHazard, linear_rain_gradient, typhoon_from_config

SUBSTEPS_PER_PHYSICS_STEP = 6
"""Rainstorm intensity at the sample points is the mean over the physics step just ended,
taken at 6 mid-points (the hyetograph is in 5-min blocks; a 15-min step sees 3 of them)."""


class CalmWind:
    """The wind and rain fields of a scenario without a typhoon: zero everywhere."""

    track = None

    def gust_ms(self, time_utc, x_m, y_m) -> np.ndarray:
        return np.zeros(np.shape(x_m))

    def rain_mm_per_h(self, time_utc, x_m, y_m) -> np.ndarray:
        return np.zeros(np.shape(x_m))


class TyphoonField(Hazard):
    """A typhoon's gust, sustained-wind and rain fields for the model.

    Wind takes each point's terrain class (sea / open land / urban core,
    :mod:`sim.hazards.terrain`). Rain at the district sample points carries convective
    cells (:class:`~sim.hazards.rain_cells.ConvectiveCells`, stream ``rain.cells``); rain at
    other points (:meth:`at`, what a forecast sees) is the expected, cell-free rate.

    Args:
        wind: the :class:`~sim.hazards.typhoon.TyphoonHazard` (replaceable: a landfall inject
            swaps in a synthetic storm; the cells carry on), or :class:`CalmWind`.
        context: the model context.
        cells: cell statistics (None: the defaults of :class:`CellClimate`).
    """

    name = "typhoon"
    ims = ("gust_ms", "rain_mm_per_h", "sustained_ms")

    def __init__(self, wind, context: HazardContext, cells: CellClimate | None = None):
        super().__init__(context)
        self.wind = wind
        sx, sy = (np.asarray(v, dtype=float) for v in context.sample_xy)
        self._sample_terrain = classes_of_districts(context.city, context.city.locate(sx, sy))
        self._terrain_map: TerrainMap | None = None  # built on first use off the samples
        self._catchment_m = catchment_radius_m(context.city, sx.size)
        bounds = (sx.min(), sy.min(), sx.max(), sy.max()) if sx.size else (0.0, 0.0, 0.0, 0.0)
        self.cells = ConvectiveCells(
            cells or CellClimate(), bounds, context.streams["rain.cells"], start_h=0.0
        )

    def window_h(self) -> tuple[float, float]:
        if not isinstance(self.wind, TyphoonHazard):
            return (np.inf, -np.inf)  # calm: never active (an empty window)
        times = self.wind.track.time_utc
        return (self.context.hours(times[0]), self.context.hours(times[-1]))

    def active(self, t_h: float) -> bool:
        # Compared in datetime64 seconds, as the track is (no float rounding at the ends).
        if not isinstance(self.wind, TyphoonHazard):
            return False
        times = self.wind.track.time_utc
        return bool(times[0] <= self.context.utc(t_h) <= times[-1])

    @property
    def instant(self) -> bool:
        return False

    def terrain(self, x_m, y_m) -> np.ndarray:
        """Terrain class of points (raster of the city's polygons, built once per city)."""
        if self._terrain_map is None:
            self._terrain_map = terrain_map_for(self.context.city)
        return self._terrain_map(x_m, y_m)

    def _wind(self, im: str, t_h: float, x_m, y_m, terrain) -> np.ndarray:
        if not isinstance(self.wind, TyphoonHazard):
            return np.zeros(np.shape(x_m))
        now = self.context.utc(t_h)
        if im == "gust_ms":
            return self.wind.gust_ms(now, x_m, y_m, terrain=terrain)
        return self.wind.sustained_ms(now, x_m, y_m, terrain=terrain)

    def at(self, im: str, t_h: float, x_m, y_m) -> np.ndarray:
        if im in ("gust_ms", "sustained_ms"):
            return self._wind(im, t_h, x_m, y_m, self.terrain(x_m, y_m))
        if im == "rain_mm_per_h":
            return self.wind.rain_mm_per_h(self.context.utc(t_h), x_m, y_m)
        raise self._unknown(im)

    def at_samples(self, im: str, t_h: float) -> np.ndarray:
        x, y = self.context.sample_xy
        if im in ("gust_ms", "sustained_ms"):
            return self._wind(im, t_h, x, y, self._sample_terrain)
        if im == "rain_mm_per_h":
            rate = self.wind.rain_mm_per_h(self.context.utc(t_h), x, y)
            if not rate.any():
                return rate
            # the cells' mean over the physics step just ended and over each sample point's
            # share of its district (the rain the waterlogging cell receives)
            m = self.cells.multiplier(t_h, x, y, self.context.dt_h, self._catchment_m)
            return rate * m
        raise self._unknown(im)

    def on_hour(self, t_h: float) -> None:
        """Draw the convective cells born in this model hour (stream ``rain.cells``)."""
        self.cells.advance(t_h)


def catchment_radius_m(city, n_points: int) -> np.ndarray:
    """Radius of the disc of each district sample point's share of its district's land area
    (district-major points, equal shares), m: the area whose mean rain the point's
    waterlogging cell receives."""
    d = city.n_districts
    if n_points == 0 or n_points % d:
        return np.zeros(n_points)
    area_m2 = city.districts["area_km2"].to_numpy(dtype=float) * 1e6 / (n_points // d)
    return np.repeat(np.sqrt(area_m2 / np.pi), n_points // d)


def build_typhoon(cfg, context: HazardContext) -> TyphoonField:
    """The typhoon of a ``hazard.typhoon`` block (:class:`~sim.scenario.schema.TyphoonConfig`)."""
    if cfg.track_format == "csv":
        track = read_track_csv(
            cfg.track_file, agency=cfg.agency, wind_averaging_min=cfg.wind_averaging_min
        )
    else:
        track = read_cma_bst(cfg.track_file, storm=cfg.storm)
    gradient = None
    if cfg.rain_gradient_per_100km_south:
        y0 = context.city.reference_xy[1]  # northing of the city's reference point
        gradient = linear_rain_gradient(y0, cfg.rain_gradient_per_100km_south)
    wind = typhoon_from_config(track, cfg, context.city.crs, rain_multiplier=gradient)
    cells = CellClimate(
        cfg.convective_fraction, cfg.cell_coverage, cfg.cell_radius_km, cfg.cell_duration_h
    )
    return TyphoonField(wind, context, cells)


class RainstormField(Hazard):
    """A design rainstorm's rain field (:class:`~sim.hazards.rainstorm.RainstormHazard`).

    Rain at a time is the mean intensity over the physics step just ended, times the storm's
    spatial footprint. The window extends one physics step past the storm's end so that the
    last step's rain is applied.
    """

    name = "rainstorm"
    ims = ("rain_mm_per_h",)

    def __init__(self, storm: RainstormHazard, context: HazardContext):
        super().__init__(context)
        self.storm = storm

    def window_h(self) -> tuple[float, float]:
        return (self.storm.event.start_h, self.storm.end_h + self.context.dt_h)

    def at(self, im: str, t_h: float, x_m, y_m) -> np.ndarray:
        if im != "rain_mm_per_h":
            raise self._unknown(im)
        dt, n = self.context.dt_h, SUBSTEPS_PER_PHYSICS_STEP
        sub = t_h - dt + (np.arange(n) + 0.5) * dt / n
        centre = self.storm.centre_intensity_mm_per_h(sub).mean()
        return centre * self.storm.spatial_factor(x_m, y_m)


def build_rainstorm(cfg, context: HazardContext) -> RainstormField:
    """The storm of a ``hazard.rainstorm`` block (:class:`~sim.scenario.schema.RainstormConfig`)."""
    cx = cy = 0.0
    if cfg.centre is not None:
        cx, cy = (float(np.asarray(v)) for v in context.city.to_xy(cfg.centre.lon, cfg.centre.lat))
    event = RainstormEvent(
        return_period_yr=cfg.return_period_yr,
        duration_min=cfg.duration_min,
        start_h=context.hours(cfg.start_utc),
        centre_x_m=cx,
        centre_y_m=cy,
        footprint_radius_km=cfg.footprint_radius_km if cfg.centre is not None else None,
    )
    return RainstormField(RainstormHazard(event, context.city.profile.rainfall_idf), context)


class EarthquakeField(Hazard):
    """A scenario earthquake's PGA and PGV (Boore & Atkinson 2008, :mod:`sim.hazards.earthquake`).

    An instant hazard: its window is its origin time. Each call draws one realisation of the
    ground motion (common inter-event term, independent intra-event terms) from the stream
    ``earthquake``; the model asks once, at the sample points, when the earthquake strikes.
    """

    name = "earthquake"
    ims = ("pga_g", "pgv_cm_s")

    def __init__(self, quake: ScenarioEarthquake, vs30_ms: float, t_h: float, context):
        super().__init__(context)
        self.quake, self.vs30_ms, self.t_h = quake, float(vs30_ms), float(t_h)

    def window_h(self) -> tuple[float, float]:
        return (self.t_h, self.t_h)

    def at(self, im: str, t_h: float, x_m, y_m) -> np.ndarray:
        if im not in self.ims:
            raise self._unknown(im)
        if t_h != self.t_h:
            return np.zeros(np.shape(x_m))
        if im == "pgv_cm_s":  # its own stream: the PGA draws stay as they were
            return self.quake.pgv_cm_s(
                x_m, y_m, self.vs30_ms, self.context.streams["earthquake.pgv"]
            )
        return self.quake.pga_g(x_m, y_m, self.vs30_ms, self.context.streams["earthquake"])


def build_earthquake(cfg, context: HazardContext) -> EarthquakeField:
    """The earthquake of a ``hazard.earthquake`` block (point source at the epicentre)."""
    x, y = (float(np.asarray(v)) for v in context.city.to_xy(cfg.epicentre.lon, cfg.epicentre.lat))
    quake = ScenarioEarthquake(cfg.magnitude, x, y)
    vs30 = cfg.vs30_ms if cfg.vs30_ms is not None else context.city.profile.site.vs30_ms
    return EarthquakeField(quake, vs30, context.hours(cfg.at_utc), context)


register_hazard("typhoon", build_typhoon, TyphoonField.ims)
register_hazard("rainstorm", build_rainstorm, RainstormField.ims)
register_hazard("earthquake", build_earthquake, EarthquakeField.ims)
