"""Hazard models: typhoon tracks, wind and rain fields, urban waterlogging, design storms."""

from sim.hazards.errors import StormNotFoundError, TrackFormatError, TrackTimeError
from sim.hazards.track import Track, read_cma_bst, read_track_csv
from sim.hazards.typhoon import TyphoonHazard, holland_gradient_wind_ms
from sim.hazards.waterlogging import Waterlogging, road_speed_factor

__all__ = [
    "StormNotFoundError",
    "Track",
    "TrackFormatError",
    "TrackTimeError",
    "TyphoonHazard",
    "Waterlogging",
    "holland_gradient_wind_ms",
    "read_cma_bst",
    "read_track_csv",
    "road_speed_factor",
]
