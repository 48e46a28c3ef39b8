"""The five responsibility layers over the city's own assets (issue 14, point 2): who
inspects, funds, repairs, enforces and reports the upkeep whose neglect a shock meets.
See :mod:`sim.agents.city_layers.system`."""

from sim.agents.city_layers.system import CityLayers

__all__ = ["CityLayers"]
