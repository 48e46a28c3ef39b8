"""Names of the emergency resources a scenario may name: team skills, equipment, supplies.

They are the scenario's vocabulary (``resources`` events and injects, depot stocks), so they
live with the schema; :mod:`sim.response.resources` builds its index axis from them in this
order (the 7 team skills, the 9 equipment types, the 9 supplies) and adds units and team types.
"""

from __future__ import annotations

SKILLS: tuple[str, ...] = (
    "fire_rescue",
    "medical",
    "drainage",
    "power_repair",
    "pipeline_repair",
    "structural",
    "tree_clearance",
)
EQUIPMENT: tuple[str, ...] = (
    "pump",
    "generator",
    "crane",
    "boat",
    "vehicle",
    "bucket_truck",
    "chainsaw",
    "excavator",
    "haul_truck",
)
SUPPLIES: tuple[str, ...] = (
    "sandbags",
    "drinking_water_l",
    "food_rations",
    "medical_kits",
    "fuel_l",
    "conductor_m",
    "barriers",
    "fill_m3",
    "bedding_sets",
)
RESOURCE_NAMES: tuple[str, ...] = SKILLS + EQUIPMENT + SUPPLIES
"""Every resource name, in the order of the index axis of :mod:`sim.response.resources`."""
