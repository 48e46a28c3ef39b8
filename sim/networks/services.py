"""Network layers by registration: what analyses count as a household's service, and how every
layer is named and drawn.

A layer whose ``customers_households`` node field counts households supplied (power, water, gas;
telecom: households whose base-station site is down lose mobile service) registers here with
the asset types a criticality screening evaluates exhaustively (besides every source of the
layer) and the colour its figures use. Analyses
(:mod:`sim.studies.analysis.criticality`) read `SERVICE_LAYERS` and never name the layers, so a
new layer joins them by calling `register_service_layer` in its own module (as
:mod:`sim.networks.gas` does), not by an edit of the analysis.

Every layer with a district share of service (the household-serving ones, drainage and roads)
also registers how it reads and draws — its name in words, its colour and the marker and words
of its failures — with `register_layer` (`NETWORK_LAYERS`); the tabletop app's panels and the
run's figures list and draw the registered layers, so a new layer shows there without an edit.
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


@dataclass(frozen=True)
class NetworkLayer:
    """How a network layer reads and is drawn (the app's panels, the run's figures).

    Attributes:
        name: the layer's name in `sim.networks.multilayer.MultilayerNetwork.layers`.
        label: the layer in words, capitalised ("Power", "Mobile telecom"): the app's rows, chart
            series and legends.
        colour: matplotlib colour of the layer (curves, map dots and failure markers).
        failed_marker: matplotlib marker of its failed nodes on a map; one shape per layer, so
            failures read on any fill colour.
        failed_label: words of its failures on a map legend, before their count ("power nodes
            failed").
    """

    name: str
    label: str
    colour: str
    failed_marker: str = "o"
    failed_label: str = ""


NETWORK_LAYERS: dict[str, NetworkLayer] = {}
"""Registered layers by name, in registration order: power, water, drainage, roads here, then
each layer registered by its own module (gas, telecom) when it is imported."""


def register_layer(
    name: str, label: str, colour: str, failed_marker: str = "o", failed_label: str = ""
) -> NetworkLayer:
    """Register (or re-register, replacing) how a layer reads and is drawn; returns its entry.
    ``failed_label`` defaults to "<name> nodes failed".

    Raises:
        ValueError: an empty name or label.
    """
    if not name or not label:
        raise ValueError("a network layer needs a name and a label")
    entry = NetworkLayer(name, label, colour, failed_marker, failed_label or f"{name} nodes failed")
    NETWORK_LAYERS[name] = entry
    return entry


def layer_look(name: str) -> NetworkLayer:
    """The registered entry of a layer, or a plain one for a layer nobody registered (its name
    as label, grey, round markers)."""
    if name in NETWORK_LAYERS:
        return NETWORK_LAYERS[name]
    return NetworkLayer(name, name.capitalize(), "#7f7f7f", "o", f"{name} nodes failed")


register_service_layer("power", ("substation_220kv", "substation_110_35kv"), "#d62728")
register_service_layer("water", ("water_plant", "booster_pumping_station"), "#1f77b4")
register_layer("power", "Power", "#d62728", "^", "power nodes failed")
register_layer("water", "Water", "#1f77b4", "o", "water nodes failed")
register_layer("drainage", "Drainage", "#2ca02c", "s", "drainage nodes failed")
register_layer("roads", "Roads", "#7f7f7f", "X", "roads closed")
