"""Layers that serve households, by registration: what analyses count as a household's service.

A layer whose ``customers_households`` node field counts households supplied (power, water, gas;
telecom: households whose base-station site is down lose mobile service) registers here with
the asset types a criticality screening evaluates exhaustively (besides every source of the
layer) and the colour its figures use. Analyses
(:mod:`sim.studies.analysis.criticality`) read `SERVICE_LAYERS` and never name the layers, so a
new layer joins them by calling `register_service_layer` in its own module (as
:mod:`sim.networks.gas` does), not by an edit of the analysis.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServiceLayer:
    """A layer serving households.

    Attributes:
        name: the layer's name in `sim.networks.multilayer.MultilayerNetwork.layers`.
        key_asset_types: asset type names screened exhaustively (each one's failure cuts many
            households downstream).
        colour: matplotlib colour of the layer in figures.
    """

    name: str
    key_asset_types: tuple[str, ...] = ()
    colour: str = "#9467bd"


SERVICE_LAYERS: dict[str, ServiceLayer] = {}
"""Registered household-serving layers by name, in registration order."""


def register_service_layer(
    name: str, key_asset_types: tuple[str, ...] = (), colour: str = "#9467bd"
) -> ServiceLayer:
    """Register (or re-register, replacing) a household-serving layer; returns its entry.

    Raises:
        ValueError: an empty name.
    """
    if not name:
        raise ValueError("a service layer needs a name")
    entry = ServiceLayer(name, tuple(key_asset_types), colour)
    SERVICE_LAYERS[name] = entry
    return entry


register_service_layer("power", ("substation_220kv", "substation_110_35kv"), "#d62728")
register_service_layer("water", ("water_plant", "booster_pumping_station"), "#1f77b4")
