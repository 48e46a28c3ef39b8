"""Interdependent infrastructure networks: multilayer core, city generator, cascades, repair order.

Public API:
- `Layer`, `Dependency`, `MultilayerNetwork` (multilayer.py)
- `NetworkSpec`, `ASSET_TYPES` (spec.py); `generate_city_networks`, `assign_fragility` (generate.py)
- `CascadeEngine`, `mutual_percolation`, `drainage_capacity_fraction`,
  `service_by_district` (cascade.py); `motter_lai`, `shortest_path_load` (load_cascade.py)
- `OverloadRule`, `supply_load` (overload.py): Motter–Lai overload tripping in the engine
- importers.py (`read_epanet`, ...) and compose.py (`add_imported_network`,
  `import_networks`): real networks placed into districts (imported on demand, not here)
- `restoration_order`, `repair_order` (restoration.py)
- `NetworkError`, `CascadeError` (errors.py)
"""

from sim.networks.cascade import (
    CascadeEngine,
    drainage_capacity_fraction,
    mutual_percolation,
    service_by_district,
)
from sim.networks.errors import CascadeError, NetworkError
from sim.networks.generate import assign_fragility, generate_city_networks
from sim.networks.load_cascade import motter_lai, shortest_path_load
from sim.networks.multilayer import DEPENDENCY_KINDS, Dependency, Layer, MultilayerNetwork
from sim.networks.overload import OverloadRule, supply_load
from sim.networks.restoration import repair_order, restoration_order
from sim.networks.spec import ASSET_TYPES, NetworkSpec

__all__ = [
    "ASSET_TYPES",
    "DEPENDENCY_KINDS",
    "CascadeEngine",
    "CascadeError",
    "Dependency",
    "Layer",
    "MultilayerNetwork",
    "NetworkError",
    "NetworkSpec",
    "OverloadRule",
    "assign_fragility",
    "drainage_capacity_fraction",
    "generate_city_networks",
    "motter_lai",
    "mutual_percolation",
    "repair_order",
    "restoration_order",
    "service_by_district",
    "shortest_path_load",
    "supply_load",
]
