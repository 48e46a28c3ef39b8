"""Parameters of the synthetic city networks: asset types and `NetworkSpec` (with sources).

City-wide statistics (water plants, drainage stations and pipes, road length, bridges,
underpasses, river crossings, …) come from the city profile (``city.yaml`` ``networks``, each
with its source): `NetworkSpec.for_city`. The other parameters are generic; every number that
is not a published statistic is marked "assumption" in its field docstring.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np


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
    # telecom (layer owned by the telecom layer, sim/networks/telecom.py)
    "telecom_backbone_node": AssetType("telecom", "base stations", 2.0e7, 20),
    "telecom_base_station_site": AssetType("telecom", "base stations", 1.0e7, 15),
    # gas (sim/networks/gas.py): capacity = households supplied downstream (assumption: costs)
    "gas_gate_station": AssetType("gas", "households", 2.0e8, 40),
    "gas_main_hp": AssetType("gas", "households", 5.0e6, 50),
    "gas_regulator_station": AssetType("gas", "households", 3.0e6, 30),
    "gas_main_mp": AssetType("gas", "households", 1.0e6, 50),
}
SUBSTATION_TYPES = ("substation_220kv", "substation_110_35kv")
"""Power asset types that are substations (35 kV and up): their failures are counted as
``substations_failed`` in a run's summary. Every other power asset is a 10 kV feeder node (a
distribution circuit, or an imported network's medium-voltage bus), whose failures are
``power_line_faults`` (the unit of the feeder-fault records such as Lekima's "100 faulted
lines", scenarios/data/shanghai/facts.md §2c)."""
TRANSFORMER_TYPES = ("distribution_transformer_10kv",)
"""Power asset types that are 10 kV distribution transformers (pad-mounted or box type, not
substations). Flooded (``flood_depth_m``: curve ``power_transformer_flood``) one raises a
``transformer_flood`` incident and is counted as ``transformers_flooded`` in a run's summary;
that count is part of ``power_line_faults``, since a flooded transformer trips the 10 kV feeder
it stands on (assumption: a grid operator's count of faulted lines, such as Lekima's, counts
feeders tripped whatever the cause)."""
# Default fragility curves by asset type and intensity measure (IM names of
# sim.hazards.base.INTENSITY_MEASURES -> keys of sim.damage.fragility.FRAGILITY_LIBRARY; the
# curves and their sources live there). Choices here are mappings, not new numbers: the 10 kV
# feeder node carries the overhead-segment wind curve (feeder faults,
# scenarios/data/shanghai/facts.md §2c: 100 faulted lines in Lekima); the 220 kV station borrows
# the 110/35 kV flood curve (proxy, assumption).
# Buried assets (mains junctions, sewer nodes) and road nodes have no default curve. A new
# hazard whose IM damages an asset type adds its curve with `register_asset_curve`.
DEFAULT_FRAGILITY_TABLE: dict[str, dict[str, str]] = {
    "substation_220kv": {
        "flood_depth_m": "power_substation_110_35kv_flood",
        "pga_g": "power_substation_220kv_pga",
    },
    "substation_110_35kv": {
        "flood_depth_m": "power_substation_110_35kv_flood",
        "pga_g": "power_substation_110_35kv_pga",
    },
    "distribution_transformer_10kv": {
        "gust_ms": "power_10kv_overhead_line_segment",
        "flood_depth_m": "power_transformer_flood",
        "pga_g": "power_distribution_circuit_pga",
    },
    "water_plant": {"flood_depth_m": "water_treatment_plant_flood"},
    "booster_pumping_station": {"flood_depth_m": "water_pumping_station_flood"},
    "drainage_pumping_station_municipal": {"flood_depth_m": "drainage_pumping_station_flood"},
    "drainage_pumping_station_district": {"flood_depth_m": "drainage_pumping_station_flood"},
    # telecom: masts in wind (sim.damage.fragility "telecom_mast_wind", an assumption)
    "telecom_base_station_site": {"gust_ms": "telecom_mast_wind"},
    # gas: a regulator station's valves and pilots sit in a kiosk at grade like a pump's motor
    # and controls: the water pumping station's flood curve is borrowed (proxy, assumption)
    "gas_regulator_station": {"flood_depth_m": "water_pumping_station_flood"},
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
    for layer in ("power", "water", "drainage", "roads", "telecom", "gas")
}
ROAD_EDGE_TYPES = ["urban_road", "suburban_road", "river_crossing", "tunnel_bridge", "ferry"]
POWER_EDGE_TYPES = ["hv_line", "feeder_10kv", "tie_10kv_normally_open"]
WATER_EDGE_TYPES = ["trunk_main", "distribution_main"]
DRAINAGE_EDGE_TYPES = ["sewer"]
TELECOM_EDGE_TYPES = ["backbone_fibre", "backhaul"]
GAS_EDGE_TYPES = ["hp_main", "mp_main"]


CITY_STATISTICS = (
    "statistics_population",
    "water_plants",
    "water_capacity_m3_per_day",
    "municipal_drainage_stations",
    "municipal_drainage_capacity_m3_per_s",
    "district_drainage_capacity_m3_per_s",
    "drainage_pipe_km",
    "urban_road_km",
    "urban_bridges",
    "underpasses",
    "river_crossings",
    "tunnel_bridge_min_length_km",
)
"""Fields of `NetworkSpec` that are statistics of one city: required, from its profile."""
GAS_STATISTICS = (
    "gas_pipe_km",
    "gas_hp_pipe_km",
    "gas_piped_persons",
    "gas_gate_stations",
)
"""Optional statistics of the city's gas network (all or none; without them no gas layer):
mains length (km), of which high-pressure (km), persons with piped gas, gate stations."""

OPTIONAL_CITY_STATISTICS = ("telecom_base_stations",)
"""Statistics a city's profile may give (else the generic default of `NetworkSpec` applies):
the telecom layer's (sim/networks/telecom.py)."""


@dataclass(frozen=True, kw_only=True)
class NetworkSpec:
    """Parameters of the synthetic city networks: the city's statistics (no defaults, see
    `for_city`) and generic parameters (defaults)."""

    # --- city statistics (city.yaml ``networks``, each with its source) ---
    statistics_population: float
    """Population (persons) the city-wide totals below refer to (for `scaled_to_population`)."""
    water_plants: int
    """Water plants."""
    water_capacity_m3_per_day: float
    """Total water supply capacity, m³/day."""
    municipal_drainage_stations: int
    """Municipal flood pumping stations (placed in the urban-core zones)."""
    municipal_drainage_capacity_m3_per_s: float
    """Their total capacity, m³/s."""
    district_drainage_capacity_m3_per_s: float
    """District (non-municipal) drainage station capacity, m³/s (placed outside the core)."""
    drainage_pipe_km: float
    """Drainage pipe length, km."""
    urban_road_km: float
    """Urban road length, km; placed ∝ population."""
    urban_bridges: int
    """Urban road bridges; flagged on urban road edges."""
    underpasses: int
    """Road underpasses; inserted as road nodes."""
    river_crossings: int
    """Fixed road crossings (bridges + tunnels) over `river` links."""
    tunnel_bridge_min_length_km: float
    """Lower bound on a tunnel-bridge edge's length (the straight line between the nearest
    road nodes is shorter than the tunnel)."""

    gas_pipe_km: float | None = None
    """Gas mains length, km (all pressure classes)."""
    gas_hp_pipe_km: float | None = None
    """High-pressure gas mains length, km."""
    gas_piped_persons: float | None = None
    """Persons with piped gas (coal gas or natural gas)."""
    gas_gate_stations: int | None = None
    """City gate stations (the gas layer's sources)."""

    resolution: float = 1.0
    """Multiplier on the counts of discretisation nodes (distribution transformers, water
    junctions, drainage catchment nodes; road intersections up to 1.0 only, the mesh whose
    length is the city's road length); 1.0 gives > 50,000 assets for a city of 25 million,
    16 (the full scale) > 1 million. Sources, substations and pumping stations keep their
    counts."""

    urban_density_persons_per_km2: float = 10_000.0
    """Population density of built-up land, used to estimate urbanised area (assumption)."""

    # --- power ---
    persons_per_bulk_source: float = 250_000.0
    """Persons per 500/220 kV bulk-supply substation (layer sources). Assumption: order of
    magnitude; no city count of 220 kV substations was found."""
    households_per_substation: float = 10_000.0
    """Households per 110/35 kV substation (assumption; counts not in
    scenarios/data/shanghai/facts.md §3)."""
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
    households_per_feeder: float = 3_000.0
    """Households one 10 kV feeder (the circuit behind one substation breaker) serves, the same
    at every ``resolution`` (:mod:`sim.networks.protection`). Derived, not read: a 12-15 kV
    feeder carries 7.5 MVA on average (Lineman's and Cableman's Handbook, 11th ed., ch. 5,
    table 5.1, as shown at globalspec.com/reference/67873/203279) = 12 of the 630 kVA
    transformers above × 250 households each. Assumption: no count of the first city's 10 kV feeders
    was found; it gives 3-4 feeders per 110/35 kV substation, within the "one to as many as ten
    feeder circuits" of a typical distribution substation (Kersting, Distribution System
    Modeling and Analysis, ch. 20 abstract, taylorfrancis.com)."""
    feeder_sections: int = 3
    """Sections per feeder between sectionalising switches (assumption: a main line cut in
    three sections, the usual overhead layout of Chinese urban distribution planning; no
    standard's text read)."""
    feeder_tie_share: float = 0.5
    """Share of feeders with a normally-open tie to a neighbouring feeder that can take their
    downstream sections (assumption: urban cable loops are tied, rural radial lines often
    not; no city figure of the tie rate was found)."""

    # --- water ---
    households_per_booster: float = 50_000.0
    """Households per booster pumping station / pressure zone (assumption)."""
    households_per_water_junction: float = 1_000.0
    """Households per water-mains junction (assumption)."""
    km2_per_water_junction_max: float = 1.0
    """Area floor: at least one mains junction per this many km² (assumption)."""

    # --- drainage ---
    district_station_capacity_m3_per_s: float = 5.0
    """Mean capacity of a district drainage station (assumption) → ~440 stations."""
    pipe_km_per_catchment_node: float = 0.5
    """Pipe length represented by one catchment node (assumption)."""
    pump_backup_fraction: float = 0.25
    """Fraction of water/drainage pumping stations with a backup generator (assumption)."""
    pump_backup_buffer_h: float = 6.0
    """Hours a backup generator runs on its fuel tank (assumption); others have 0 h."""

    # --- gas (sim/networks/gas.py) ---
    gas_households_per_regulator: float = 5_000.0
    """Households per medium-pressure regulator station (assumption: an area regulator station
    of a few thousand m³/h feeds a few thousand households; no city count was found)."""
    gas_km_per_main_node: float = 2.0
    """Mains length one gas main node stands for, km (assumption; discretisation)."""
    gas_regulator_ups_h: float = 8.0
    """Hours a regulator station's telemetry and electric valve actuators run on their UPS
    after losing mains power (assumption); then the utility isolates the unmonitored station."""
    gas_ductile_age_years: float = 30.0
    """Mains younger than this are steel or PE (ductile), older ones cast iron (brittle)
    (assumption: cast iron was no longer laid for city gas from the 1990s)."""
    gas_strikes_per_km_yr: float = 0.046
    """Third-party strikes per km of main and year. Anchor: National Grid (US) reported 2,594
    third-party damages in 2007 (as cited at unfairgaps.com from the utility) on roughly 56,000
    km of distribution mains (length: assumption, from memory) = 0.046 per km-year."""

    # --- roads ---
    rural_road_km_per_km2: float = 1.5
    """Road density on non-urbanised land (assumption; no rural highway statistic used)."""
    gabriel_length_constant: float = 2.0
    """Gabriel graph length ≈ c·sqrt(n·A) for n uniform points in A (measured, see
    sim.networks.spatial.gabriel_edges); used to size n from a target road length."""
    speed_urban_kmh: float = 25.0
    """Travel speed on roads in districts denser than `urban_speed_density` (assumption)."""
    speed_suburban_kmh: float = 45.0
    """Travel speed elsewhere (assumption)."""
    urban_speed_density_persons_per_km2: float = 5_000.0
    """District population density above which urban speeds apply (assumption)."""
    speed_river_crossing_kmh: float = 40.0
    """Bridges/tunnels over `river` links (assumption; new cross-river tunnels are often
    limited to 40 km/h)."""
    speed_tunnel_bridge_kmh: float = 80.0
    """Expressway tunnel-bridges over estuaries (assumption)."""
    speed_ferry_kmh: float = 8.0
    """Effective ferry speed including waiting and loading (assumption)."""

    # --- telecom (sim/networks/telecom.py) ---
    telecom_base_stations: float | None = None
    """Mobile base stations (4G + 5G) of the city (city.yaml ``networks``, optional); None:
    ``statistics_population / persons_per_base_station``."""
    persons_per_base_station: float = 121.0
    """Generic density when the city gives no count: China's 11.6 million mobile base stations
    at the end of 2023 (MIIT, as reported by RCR Wireless, 2 Apr 2024) over its 1.41 billion
    residents."""
    base_stations_per_site_node: float = 50.0
    """Base stations one telecom site node stands for (aggregation; assumption: the sites of a
    neighbourhood share one backhaul ring and one feeder area)."""
    base_stations_per_backbone_node: float = 2_000.0
    """Base stations per backbone (aggregation / core equipment-room) node, at least one per
    district (assumption: no city count of operators' equipment rooms was found)."""
    base_station_backup_h: float = 3.0
    """Battery hours a base-station site keeps working after its power is lost (assumption
    within the 2-4 h of common practice; China Tower's base-station power guideline (2017)
    sizes batteries by site class, its table not read)."""
    backbone_backup_h: float = 24.0
    """Hours a backbone node keeps working on batteries and its fixed diesel generator after
    its power is lost (assumption: a day of fuel on site)."""

    @classmethod
    def for_city(cls, statistics: dict[str, float], **params) -> NetworkSpec:
        """The spec of a city: its statistics (``city.profile.network_statistics``) plus
        generic parameters (``params``, e.g. ``resolution``).

        Raises:
            ValueError: a statistic is missing or unknown (the message names them).
        """
        known = {f.name: f for f in fields(cls)}
        optional = set(OPTIONAL_CITY_STATISTICS) | set(GAS_STATISTICS)
        unknown = sorted(set(statistics) - set(CITY_STATISTICS) - optional)
        missing = sorted(set(CITY_STATISTICS) - set(statistics))
        gas = set(GAS_STATISTICS) & set(statistics)
        if gas and gas != set(GAS_STATISTICS):  # all or none
            missing += sorted(set(GAS_STATISTICS) - gas)
        if unknown or missing:
            raise ValueError(
                f"city.yaml networks: unknown {unknown}, missing {missing}; expected the "
                f"statistics {list(CITY_STATISTICS)} (optional: {list(OPTIONAL_CITY_STATISTICS)})"
            )
        ints = ("int", int, "int | None")
        stats = {k: int(v) if known[k].type in ints else float(v) for k, v in statistics.items()}
        return cls(**stats, **params)

    def scaled_to_population(self, population_persons: float) -> NetworkSpec:
        """Copy with the city-wide totals scaled by population / ``statistics_population``.

        Scales the water plants and capacity, municipal drainage stations and capacities, pipe
        length, urban road length, bridges, underpasses, river crossings (counts rounded, at
        least 1) and telecom base stations — to borrow one city's statistics for another (or
        toy) city.
        """
        f = float(population_persons) / self.statistics_population

        def count(x: int) -> int:
            return max(1, int(round(x * f)))

        def opt(x, fn):
            return None if x is None else fn(x)

        return replace(
            self,
            statistics_population=float(population_persons),
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
            telecom_base_stations=None
            if self.telecom_base_stations is None
            else float(self.telecom_base_stations * f),
            gas_pipe_km=opt(self.gas_pipe_km, lambda x: float(x * f)),
            gas_hp_pipe_km=opt(self.gas_hp_pipe_km, lambda x: float(x * f)),
            gas_piped_persons=opt(self.gas_piped_persons, lambda x: float(x * f)),
            gas_gate_stations=opt(self.gas_gate_stations, count),
        )


def city_network_spec(city, **params) -> NetworkSpec:
    """`NetworkSpec.for_city` with the statistics of ``city.profile`` (a `sim.city.City`)."""
    return NetworkSpec.for_city(city.profile.network_statistics, **params)


# --------------------------------------------------------------------------------------------
# full scale: what one generated asset stands for
# --------------------------------------------------------------------------------------------
DIVISIBLE_TYPES = (
    "distribution_transformer_10kv",
    "mains_junction",
    "catchment_pipe_node",
    "telecom_base_station_site",
)
"""Asset types whose count grows with ``resolution`` (:func:`discretisation_units`): above 1
each node is 1/resolution of the unit their fragility curves were calibrated on
(:meth:`sim.networks.infrastructure.Infrastructure._unit_share`)."""


def discretisation_units(spec: NetworkSpec) -> dict[str, float]:
    """What one discretisation node stands for at ``spec.resolution`` (city-wide means).

    Args:
        spec: generator parameters (its ``resolution``).

    Returns:
        dict: ``households_per_10kv_node`` = households_per_transformer / resolution;
        ``households_per_water_junction`` = households_per_water_junction / resolution (before
        the junctions' area floor); ``sewer_m_per_drainage_node`` = 1000 ·
        pipe_km_per_catchment_node / resolution, m (the split length is city.yaml's
        ``drainage_pipe_km``, with its source); ``intersections_factor`` = min(resolution, 1) (road
        intersections are sized so that their Gabriel mesh has the city's road length, times
        this: a finer mesh would be longer than the roads).

    At :data:`sim.scenario.schema.FULL_SCALE_RESOLUTION` (16) a drainage node stands for 31 m
    of sewer, about one manhole (CECS 227:2007 spaces manholes 40 m apart on 200-400 mm sewers
    and 60 m on 500-700 mm ones, municipal ones at most 50 m, as quoted at
    gzsxx.cn/industry/877.html); a 10 kV node for ~16 households (a feeder section rather than
    a transformer: assumption) and a water junction for ~63 households (assumption).
    """
    r = spec.resolution
    return {
        "households_per_10kv_node": spec.households_per_transformer / r,
        "households_per_water_junction": spec.households_per_water_junction / r,
        "sewer_m_per_drainage_node": 1000.0 * spec.pipe_km_per_catchment_node / r,
        "intersections_factor": min(r, 1.0),
    }


def asset_node_fields(
    layer: str,
    xy: np.ndarray,
    district: np.ndarray,
    type_code: np.ndarray,
    rng,
    capacity: np.ndarray,
    is_source: np.ndarray,
    customers: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """The node fields every generated layer has: position, district, asset type, age drawn
    uniform on [0, design life] (one ``rng`` draw per node), capacity, source flag, customers,
    empty fragility fields (filled by ``assign_fragility``), replacement cost, no road node."""
    names = LAYER_ASSET_TYPES[layer]
    life = np.array([ASSET_TYPES[t].design_life_years for t in names])[type_code]
    cost = np.array([ASSET_TYPES[t].replacement_cost_yuan for t in names])[type_code]
    n = len(xy)
    nan = np.full(n, np.nan)
    return {
        "x_m": xy[:, 0].copy(),
        "y_m": xy[:, 1].copy(),
        "district": district.astype(np.int64),
        "asset_type": type_code.astype(np.int64),
        "age_years": rng.uniform(0.0, life),
        "capacity": capacity.astype(float),
        "is_source": is_source.astype(bool),
        "customers_households": np.zeros(n) if customers is None else customers,
        "wind_theta_ms": nan.copy(),
        "wind_beta": nan.copy(),
        "flood_theta_m": nan.copy(),
        "flood_beta": nan.copy(),
        "replacement_cost_yuan": cost,
        "road_node": np.full(n, -1, dtype=np.int64),
    }
