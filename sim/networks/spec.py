"""Parameters of the synthetic city networks: asset types and `NetworkSpec` (with sources).

Statistics come from facts.md §3 (scenarios/data/shanghai/facts.md); every number not found
there is marked "assumption" in its field docstring.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class AssetType:
    """Static description of an asset type.

    Attributes:
        layer: layer name.
        capacity_unit: unit of the node field `capacity` for this type.
        replacement_cost_yuan: replacement cost per asset (assumption, order of magnitude of
            Chinese unit construction costs; not from a cited table — calibrate before use).
        design_life_years: ages are drawn uniform on [0, design life] (assumption).
    """

    layer: str
    capacity_unit: str
    replacement_cost_yuan: float
    design_life_years: float


ASSET_TYPES: dict[str, AssetType] = {
    "substation_220kv": AssetType("power", "kVA", 3.0e8, 40),
    "substation_110_35kv": AssetType("power", "kVA", 8.0e7, 40),
    "distribution_transformer_10kv": AssetType("power", "kVA", 3.0e5, 30),
    "water_plant": AssetType("water", "m3/day", 5.0e8, 50),
    "booster_pumping_station": AssetType("water", "m3/day", 2.0e7, 40),
    "mains_junction": AssetType("water", "m3/day", 1.0e6, 50),
    "drainage_pumping_station_municipal": AssetType("drainage", "m3/s", 5.0e7, 40),
    "drainage_pumping_station_district": AssetType("drainage", "m3/s", 2.0e7, 40),
    "catchment_pipe_node": AssetType("drainage", "m3/s", 1.5e6, 50),
    "intersection": AssetType("roads", "none", 5.0e6, 30),
    "underpass": AssetType("roads", "none", 3.0e7, 40),
}
# Default fragility curves by asset type and intensity measure (IM names of
# sim.hazards.base.INTENSITY_MEASURES -> keys of sim.damage.fragility.FRAGILITY_LIBRARY; the
# curves and their sources live there). Choices here are mappings, not new numbers: the 10 kV
# feeder node carries the overhead-segment wind curve (feeder faults, facts.md §2c: 100 faulted
# lines in Lekima); the 220 kV station borrows the 110/35 kV flood curve (proxy, assumption).
# Buried assets (mains junctions, sewer nodes) and road nodes have no default curve. A new
# hazard whose IM damages an asset type adds its curve with `register_asset_curve`.
DEFAULT_FRAGILITY_TABLE: dict[str, dict[str, str]] = {
    "substation_220kv": {"flood_depth_m": "power_substation_110_35kv_flood"},
    "substation_110_35kv": {"flood_depth_m": "power_substation_110_35kv_flood"},
    "distribution_transformer_10kv": {
        "gust_ms": "power_10kv_overhead_line_segment",
        "flood_depth_m": "power_transformer_flood",
    },
    "water_plant": {"flood_depth_m": "water_treatment_plant_flood"},
    "booster_pumping_station": {"flood_depth_m": "water_pumping_station_flood"},
    "drainage_pumping_station_municipal": {"flood_depth_m": "drainage_pumping_station_flood"},
    "drainage_pumping_station_district": {"flood_depth_m": "drainage_pumping_station_flood"},
}


def register_asset_curve(asset_type: str, im: str, key: str) -> None:
    """Give ``asset_type`` the fragility curve ``key`` in intensity measure ``im`` (default
    table of `assign_fragility`).

    Raises:
        KeyError: unknown asset type.
    """
    if asset_type not in ASSET_TYPES:
        raise KeyError(f"unknown asset type {asset_type!r}; known: {sorted(ASSET_TYPES)}")
    DEFAULT_FRAGILITY_TABLE.setdefault(asset_type, {})[im] = key


LAYER_ASSET_TYPES: dict[str, list[str]] = {
    layer: [k for k, v in ASSET_TYPES.items() if v.layer == layer]
    for layer in ("power", "water", "drainage", "roads")
}
SHANGHAI_POPULATION_2020 = 24_870_895  # facts.md §5 (2020 census)
ROAD_EDGE_TYPES = ["urban_road", "suburban_road", "river_crossing", "tunnel_bridge", "ferry"]
POWER_EDGE_TYPES = ["hv_line", "feeder_10kv", "tie_10kv_normally_open"]
WATER_EDGE_TYPES = ["trunk_main", "distribution_main"]
DRAINAGE_EDGE_TYPES = ["sewer"]


@dataclass(frozen=True)
class NetworkSpec:
    """Parameters of the synthetic city networks (defaults = Shanghai default resolution)."""

    resolution: float = 1.0
    """Multiplier on the counts of discretisation nodes (distribution transformers, water
    junctions, drainage catchment nodes, road intersections); 1.0 gives > 50,000 assets for
    Shanghai. Sources, substations and pumping stations keep their counts."""

    urban_density_persons_per_km2: float = 10_000.0
    """Population density of built-up land, used to estimate urbanised area (assumption)."""

    # --- power ---
    persons_per_bulk_source: float = 250_000.0
    """Persons per 500/220 kV bulk-supply substation (layer sources). Assumption: order of
    magnitude; Shanghai counts of 220 kV substations are not in facts.md."""
    households_per_substation: float = 10_000.0
    """Households per 110/35 kV substation (assumption; counts not in facts.md §3)."""
    km2_per_substation_max: float = 25.0
    """Area floor: at least one 110/35 kV substation per this many km² (assumption)."""
    households_per_transformer: float = 250.0
    """Households per 10 kV distribution transformer (assumption: a 400-800 kVA residential
    transformer serving a few hundred households)."""
    transformer_kva: float = 630.0
    """Rated capacity of a distribution transformer (assumption, common Chinese rating)."""
    substation_kva: float = 100_000.0
    """Rated capacity of a 110/35 kV substation (assumption: 2 x 50 MVA)."""
    bulk_source_kva: float = 720_000.0
    """Rated capacity of a 220 kV substation (assumption: 3 x 240 MVA)."""
    tie_fraction: float = 0.02
    """Normally-open tie switches per distribution transformer, between feeders of different
    substations (assumption)."""

    # --- water ---
    water_plants: int = 38
    """Water plants, facts.md §3 (2025, 东方网 interview with the Water Authority director)."""
    water_capacity_m3_per_day: float = 12.605e6
    """Total supply capacity, facts.md §3 (2025)."""
    households_per_booster: float = 50_000.0
    """Households per booster pumping station / pressure zone (assumption)."""
    households_per_water_junction: float = 1_000.0
    """Households per water-mains junction (assumption)."""
    km2_per_water_junction_max: float = 1.0
    """Area floor: at least one mains junction per this many km² (assumption)."""

    # --- drainage ---
    municipal_drainage_stations: int = 183
    """Municipal flood pumping stations, facts.md §3 (2013; mainly Puxi inside the Outer Ring —
    placed here in the districts with zone == "central")."""
    municipal_drainage_capacity_m3_per_s: float = 1940.0
    """Their total capacity, facts.md §3 (2013)."""
    district_drainage_capacity_m3_per_s: float = 4148.0 - 1940.0
    """District (non-municipal) station capacity = 2020 system target 4,148 m³/s (facts.md §3)
    minus the municipal 1,940 m³/s; placed outside the central zone (assumption)."""
    district_station_capacity_m3_per_s: float = 5.0
    """Mean capacity of a district drainage station (assumption) → ~440 stations."""
    drainage_pipe_km: float = 8301.0
    """Drainage pipe length, facts.md §3 (2008, China statistical yearbook table 10-10 via JST)."""
    pipe_km_per_catchment_node: float = 0.5
    """Pipe length represented by one catchment node (assumption)."""
    pump_backup_fraction: float = 0.25
    """Fraction of water/drainage pumping stations with a backup generator (assumption)."""
    pump_backup_buffer_h: float = 6.0
    """Hours a backup generator runs on its fuel tank (assumption); others have 0 h."""

    # --- roads ---
    urban_road_km: float = 4347.0
    """Urban road length, facts.md §3 (2008, same yearbook table); placed ∝ population."""
    rural_road_km_per_km2: float = 1.5
    """Road density on non-urbanised land (assumption; rural highway network not in facts.md)."""
    gabriel_length_constant: float = 2.0
    """Gabriel graph length ≈ c·sqrt(n·A) for n uniform points in A (measured, see
    sim.networks.spatial.gabriel_edges); used to size n from a target road length."""
    urban_bridges: int = 1879
    """Urban road bridges, facts.md §3 (2008); flagged on urban road edges."""
    underpasses: int = 500
    """Road underpasses (下立交), facts.md §3 (>500, 2017); inserted as road nodes."""
    river_crossings: int = 18
    """Fixed road crossings (bridges + tunnels) over `river` links, i.e. the Huangpu in the
    central stretch. Assumption (from memory, unverified): Nanpu, Yangpu, Lupu and Xupu bridges
    plus about 14 road tunnels; the bridge list is partly confirmed by boland-devries.nl."""
    speed_urban_kmh: float = 25.0
    """Travel speed on roads in districts denser than `urban_speed_density` (assumption)."""
    speed_suburban_kmh: float = 45.0
    """Travel speed elsewhere (assumption)."""
    urban_speed_density_persons_per_km2: float = 5_000.0
    """District population density above which urban speeds apply (assumption)."""
    speed_river_crossing_kmh: float = 40.0
    """Huangpu bridges/tunnels (assumption; new cross-river tunnels are limited to 40 km/h)."""
    speed_tunnel_bridge_kmh: float = 80.0
    """Shanghai Yangtze River Tunnel-Bridge (G40) (assumption)."""
    speed_ferry_kmh: float = 8.0
    """Effective ferry speed including waiting and loading (assumption)."""
    tunnel_bridge_min_length_km: float = 8.9
    """Lower bound on the tunnel-bridge edge length (the straight line between the nearest
    road nodes is shorter than the tunnel). Assumption (from memory, unverified): the Yangtze
    River tunnel section from Pudong to Changxing Island is about 8.9 km."""

    def scaled_to_population(self, population_persons: float) -> NetworkSpec:
        """Copy with the Shanghai city-wide totals scaled by population / 24,870,895.

        24,870,895 = Shanghai 2020 census (facts.md §5). Scales the water plants and capacity,
        municipal drainage stations and capacities, pipe length, urban road length, bridges,
        underpasses and river crossings (counts rounded, at least 1) — for other or toy cities.
        """
        f = float(population_persons) / SHANGHAI_POPULATION_2020

        def count(x: int) -> int:
            return max(1, int(round(x * f)))

        return replace(
            self,
            water_plants=count(self.water_plants),
            water_capacity_m3_per_day=float(self.water_capacity_m3_per_day * f),
            municipal_drainage_stations=count(self.municipal_drainage_stations),
            municipal_drainage_capacity_m3_per_s=float(
                self.municipal_drainage_capacity_m3_per_s * f
            ),
            district_drainage_capacity_m3_per_s=float(self.district_drainage_capacity_m3_per_s * f),
            drainage_pipe_km=float(self.drainage_pipe_km * f),
            urban_road_km=float(self.urban_road_km * f),
            urban_bridges=count(self.urban_bridges),
            underpasses=count(self.underpasses),
            river_crossings=count(self.river_crossings),
        )
