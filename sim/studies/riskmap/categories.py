"""Risk categories of the inventory, their responsible layers, and how run events map to them.

Responsible layers are the five of docs/domain.md §2 (leadership 领导责任, territorial 属地责任,
regulatory 监管责任, industry 行业责任, principal/enterprise 主体责任). The mapping per category is
a modelling judgement drawn from the domain brief's priorities (docs/domain.md §1; assumption where
the brief names no owner): the territorial layer (district / street governments) answers for
public space and relocation, the industry layer for the sector's assets and standards (water
authority for drainage, housing for old buildings and construction, greening for street
trees, utilities' industry departments for lifelines), the principal layer for the owner or
operator of the hazardous object, and the regulatory layer (safety supervision) for work
safety. Leadership answers for every red (重大) risk: :func:`responsible_layers` adds it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RiskCategory:
    """One row family of the risk inventory.

    Attributes:
        key: identifier used in tables.
        name_zh: Chinese name.
        layers: responsible layers (of the five), with the industry named in brackets.
    """

    key: str
    name_zh: str
    layers: tuple[str, ...]


CATEGORIES: dict[str, RiskCategory] = {
    c.key: c
    for c in (
        RiskCategory(
            "waterlogging", "道路与下立交积水内涝", ("territorial", "industry (drainage)")
        ),
        RiskCategory(
            "falling_objects", "高空坠物（店招、广告牌、幕墙、外保温、空调外机）",
            ("principal", "territorial"),
        ),
        RiskCategory(
            "building_collapse", "简易棚屋与老旧房屋倒塌", ("territorial", "industry (housing)")
        ),
        RiskCategory("tree_fall", "树木倒伏阻断道路", ("territorial", "industry (greening)")),
        RiskCategory(
            "lifeline_outage", "生命线设施损毁（供电、供水、排水泵站）",
            ("industry (power, water)", "principal (utility operator)"),
        ),
        RiskCategory(
            "road_collapse", "地下管线破损与道路塌陷",
            ("industry (roads, pipelines)", "principal (pipeline owner)"),
        ),
        RiskCategory(
            "pipeline_failure", "地下管线失效",
            ("industry (pipelines)", "principal (pipeline owner)"),
        ),
        RiskCategory(
            "construction_accident", "建设工程生产安全事故",
            ("principal (contractor)", "regulatory (construction safety supervision)"),
        ),
        RiskCategory(
            "hazardous_chemical_accident", "危险化学品事故",
            ("principal (enterprise)", "regulatory (emergency management)", "industry (chemicals)"),
        ),
    )
}  # fmt: skip

# ---------------------------------------------------------------- emergency runs (CityModel)
INCIDENT_CATEGORY = {
    "waterlogged_underpass": "waterlogging",
    "flooded_home": "waterlogging",
    "road_blocked_by_tree": "tree_fall",
    "structural_collapse": "building_collapse",
    "falling_object_injury": "falling_objects",
    "loose_signboard": "falling_objects",
    "power_line_fault": "lifeline_outage",
    "substation_flood": "lifeline_outage",
    "transformer_flood": "lifeline_outage",
    "substation_quake": "lifeline_outage",
    "pump_station_failure": "lifeline_outage",
    "pipeline_burst": "pipeline_failure",
    "gas_leak": "pipeline_failure",
    "gas_regulator_failure": "lifeline_outage",
    "gas_fire": "pipeline_failure",
    "gas_explosion": "pipeline_failure",
}
"""Incident kind (sim.response.incidents) → category; also the ``detail`` of death events."""
DEATH_DETAIL_CATEGORY = {
    **INCIDENT_CATEGORY,
    "falling_object": "falling_objects",  # killed on the spot (sim.damage.exposure)
    "earthquake": "building_collapse",
}
EVENT_KIND_CATEGORY = {
    "waterlogged": "waterlogging",
    "underpass_closed": "waterlogging",
    "road_blocked": "tree_fall",
}
"""Event kinds of sim.core.eventlog classified by kind alone."""
DAMAGE_CATEGORY = {
    # (layer, detail) of ``damage`` events
    ("exposure", "falling_objects"): "falling_objects",
    ("exposure", "sheds"): "building_collapse",
    ("exposure", "old_dwellings"): "building_collapse",
    ("power", ""): "lifeline_outage",
    ("water", ""): "lifeline_outage",
    ("drainage", ""): "lifeline_outage",
    ("gas", ""): "pipeline_failure",
}
LOSS_ITEM_CATEGORY = {
    "power_fault": "lifeline_outage",
    "substation_flood": "lifeline_outage",
    "substation_quake": "lifeline_outage",
    "transformer_flood": "lifeline_outage",
    "pump_station_flood": "lifeline_outage",
    "water_asset": "lifeline_outage",
    "tree_down": "tree_fall",
    "shop_signboards": "falling_objects",
    "advertising_structures": "falling_objects",
    "glass_curtain_wall_buildings": "falling_objects",
    "air_conditioner_bracket": "falling_objects",
    "external_insulation_patch": "falling_objects",
    "shed": "building_collapse",
    "old_housing_unit": "building_collapse",
    "earthquake_housing": "building_collapse",
    "flooded_home": "waterlogging",
    "gas_main_repair": "pipeline_failure",
    "gas_regulator_flood": "lifeline_outage",
    "gas_fire": "pipeline_failure",
    "gas_explosion": "pipeline_failure",
}
"""Loss-ledger items (sim.damage.impact.UNIT_COST_YUAN, plus ``earthquake_housing``) → category.
Items not listed are booked to the city-wide row of category ``other``."""

# ---------------------------------------------------------------- long runs (RiskDynamicsModel)
LONGRUN_KIND_CATEGORY = {"road_collapse": "road_collapse", "construction_accident": None}
"""Long-run event kinds with a fixed category (None: category = the kind itself)."""
SECTOR_CATEGORY = {
    "pipeline": "pipeline_failure",
    "drainage_underpass": "waterlogging",
    "old_housing": "building_collapse",
    "facade": "falling_objects",
    "signboard": "falling_objects",
}
"""Slow-risk sector (sim.risk.deterioration) of asset failures → category."""
LONGRUN_HAZARD = {
    "road_collapse": "pipeline_ageing",
    "construction_accident": "construction_work",
    "chemical_accident": "chemical_park",
    "asset_failure": "asset_deterioration",
    "black_swan_failure": "black_swan",
}
"""Long-run event kind → the hazard (process) column of the inventory."""


def responsible_layers(category: str, grade: str) -> str:
    """Responsible layers of an inventory row, joined by ' + ' (leadership added for red)."""
    cat = CATEGORIES.get(category)
    layers = list(cat.layers) if cat else ["territorial"]
    if grade == "red":
        layers = ["leadership", *layers]
    return " + ".join(layers)


def category_zh(category: str) -> str:
    cat = CATEGORIES.get(category)
    return cat.name_zh if cat else category
