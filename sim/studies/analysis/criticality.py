"""Criticality analysis: which assets and districts cause the largest cascades when they fail.

For a scenario, the interdependent networks are generated as in a run (`sim.city.load_city`,
`sim.networks.generate_city_networks`, `assign_fragility`, the scenario's ``networks``
section) — without building the Mesa model. Each candidate asset is failed on its own and the
`CascadeEngine` (the scenario's mechanism) gives the functional state; the cascade size is
what was functional before and is not after: households without the service of each
household-serving layer (`sim.networks.services.SERVICE_LAYERS`: power, water, gas, and any
layer registered there), nodes lost per layer, drainage pumping capacity lost. This is the
N-1 contingency screening of power-system practice applied to the multilayer network (each
asset is "removed" in turn and the consequences ranked, cf. Rinaldi, Peerenboom & Kelly 2001
for the interdependencies).

Candidates: every "key" asset — layer sources, every asset type whose name contains
"substation", "plant", "pumping_station", "pump" or "tank" and the key types a service layer
registers (gas regulator stations) — plus `samples` other assets drawn
uniformly without replacement from all non-key assets of all layers. District averages over
all assets use the Horvitz–Thompson weight N_other / samples for the sampled ones (Horvitz &
Thompson 1952, JASA 47, 663-685) and the known asset count of the district.

Time: dependency buffers (backup generators) are evaluated at `horizon_h` after the failure
with no repair: a dependent whose buffer is <= horizon_h has lost its supplier, one with a
longer buffer still runs (default 24 h: every 6 h backup generator has run dry — the sustained
outage). ``horizon_h = 0`` gives the immediate impact.

Monte Carlo: realisation r generates the networks that a run of the scenario with seed
``scenario.seed + r`` builds (its ``networks`` and ``networks.gas`` streams,
:class:`sim.core.streams.RandomStreams`), so realisation 0 holds the networks of the scenario's
own run.

Cost: one cascade per candidate, restricted exactly to the layers its failure can reach (the
candidate's layer and the layers depending on it, others held at their pre-failure state); a
candidate whose own-layer losses include no supplier of another layer is settled on its own
layer only. About 20 s per realisation for the 16-district city at resolution 1 (~2,300 candidates,
~80,000 assets) on the development machine.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer

from sim.city import load_city
from sim.core.cli_input import Bound, refuse, schema_bound
from sim.core.errors import InputDataError
from sim.core.streams import RandomStreams
from sim.models.data_check import check_data
from sim.networks import (
    CascadeEngine,
    MultilayerNetwork,
    NetworkSpec,
    assign_fragility,
    generate_city_networks,
)
from sim.networks.services import SERVICE_LAYERS
from sim.results.staging import RunFolderError, publish, resolve_out, stage, untouched
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.paths import OVERRIDE_HELP, command_overrides, overrides_from_cwd
from sim.scenario.schema import Scenario

KEY_TYPE_KEYWORDS = ("substation", "plant", "pumping_station", "pump", "tank")
"""Asset types evaluated exhaustively (besides every layer source and the key types of
`SERVICE_LAYERS`)."""
FINISHED_FILE = "criticality.png"
"""Written last: a criticality folder holding it is complete."""
MAX_REALISATIONS = 1000
"""Realisations (``--seeds``): each generates the city's networks and screens every key asset
(about 20 s and 2,300 rows of the assets table at Lekima's full resolution on the development
machine), and every row is kept for the tables: 1,000 are ~6 hours and ~1 GB at that scale."""
MAX_SAMPLED = 1_000_000
"""Sampled assets over all realisations (``--seeds`` × ``--samples``): each is one cascade
(about 9 ms at Lekima's scale) and one row of the assets table (~300 bytes), so a million are
~2.5 hours and ~0.3 GB. A realisation never draws more than its non-key assets."""
SEEDS = Bound(1, MAX_REALISATIONS, integer=True)
"""What ``--seeds`` (realisations) accepts."""
SAMPLES = Bound(0, MAX_SAMPLED, integer=True)
"""What ``--samples`` (non-key assets sampled per realisation) accepts."""
HORIZON_H = Bound(0, None, source="hours after the failure")
"""What ``--horizon-h`` accepts: finite and >= 0 (any value beyond the longest backup buffer
gives the sustained outage, so no upper bound is needed)."""
RESOLUTION = schema_bound(Scenario, "networks.resolution")
"""What ``--resolution`` accepts: the scenario field's bounds (it is applied as that field)."""


class CriticalityError(ValueError):
    """Invalid options for the criticality analysis (message names the option)."""


def options_problem(samples: int, seeds: int, horizon_h: float) -> str | None:
    """What is wrong with the options of :func:`run_criticality` (:data:`SAMPLES`,
    :data:`SEEDS`, :data:`HORIZON_H`, and their product within :data:`MAX_SAMPLED`), or None."""
    for option, value, bound in (
        ("--samples", samples, SAMPLES),
        ("--seeds", seeds, SEEDS),
        ("--horizon-h", horizon_h, HORIZON_H),
    ):
        if (problem := bound.problem(value)) is not None:
            return f"{option} {value}: {problem}"
    if seeds * samples > MAX_SAMPLED:
        return (
            f"--seeds {seeds} x --samples {samples} = {seeds * samples:,} sampled assets; at "
            f"most {MAX_SAMPLED:,} (each a cascade of ~9 ms and a row of ~300 bytes at "
            "Lekima's scale): fewer seeds or samples"
        )
    return None


def household_layers(net: MultilayerNetwork) -> list[str]:
    """The layers of `net` whose ``customers_households`` count as households lost: the
    registered service layers (`sim.networks.services.SERVICE_LAYERS`) it has, in order."""
    return [k for k in SERVICE_LAYERS if k in net.layers]


def key_asset_mask(net: MultilayerNetwork) -> dict[str, np.ndarray]:
    """Per layer (n,) bool: sources, key asset types (see KEY_TYPE_KEYWORDS) and the key types
    of the layer's `SERVICE_LAYERS` entry."""
    out = {}
    for name, layer in net.layers.items():
        extra = SERVICE_LAYERS[name].key_asset_types if name in SERVICE_LAYERS else ()
        key_codes = [
            i
            for i, t in enumerate(layer.asset_types)
            if any(k in t for k in KEY_TYPE_KEYWORDS) or t in extra
        ]
        out[name] = layer.nodes["is_source"] | np.isin(layer.nodes["asset_type"], key_codes)
    return out


def with_horizon(net: MultilayerNetwork, horizon_h: float) -> MultilayerNetwork:
    """Same layers; every dependency buffer becomes 0 if <= horizon_h (run dry), else inf."""
    deps = [
        dataclasses.replace(d, buffer_h=np.where(d.buffer_h <= horizon_h, 0.0, np.inf))
        for d in net.dependencies
    ]
    return MultilayerNetwork(dict(net.layers), deps, dict(net.meta))


def downstream_layers(net: MultilayerNetwork, layer: str) -> list[str]:
    """`layer` and every layer that depends on it, directly or through others (in net order)."""
    reach = {layer}
    changed = True
    while changed:
        changed = False
        for d in net.dependencies:
            if d.supplier_layer in reach and d.dependent_layer not in reach:
                reach.add(d.dependent_layer)
                changed = True
    return [k for k in net.layers if k in reach]


class CascadeScreen:
    """Single-asset failures on one network, evaluated exactly but only where they can reach.

    The baseline functional state f0 (no damage) is computed once on the whole network. A
    failure in layer L cannot change layers that L does not (transitively) supply, so its
    cascade is computed on the sub-network of L's downstream layers, with the nodes that are
    not functional in f0 marked damaged (they stay non-functional whatever else fails: the
    engine's functional set only shrinks with damage) and the dependencies on upstream layers
    dropped (their suppliers keep their baseline state). If the losses inside L hit no
    supplier of another layer, the single-layer result is already final.

    Args:
        net: network (buffers already converted with `with_horizon` if wanted).
        mechanism: CascadeEngine mechanism.
    """

    def __init__(self, net: MultilayerNetwork, mechanism: str = "source_served") -> None:
        self.net = net
        self.mechanism = mechanism
        self.f0 = CascadeEngine(net, mechanism).update({}, 0.0)
        self._engines: dict[tuple[str, ...], CascadeEngine] = {}
        self._supplier = {name: np.zeros(ly.n_nodes, bool) for name, ly in net.layers.items()}
        for d in net.dependencies:
            every = d.suppliers.ravel()
            self._supplier[d.supplier_layer][every[every >= 0]] = True

    def _engine(self, layers: tuple[str, ...]) -> CascadeEngine:
        if layers not in self._engines:
            keep = set(layers)
            deps = [
                d
                for d in self.net.dependencies
                if d.supplier_layer in keep and d.dependent_layer in keep
            ]
            sub = MultilayerNetwork({k: self.net.layers[k] for k in layers}, deps)
            self._engines[layers] = CascadeEngine(sub, self.mechanism)
        return self._engines[layers]

    def _run(self, layers: tuple[str, ...], layer: str, node: int) -> dict[str, np.ndarray]:
        eng = self._engine(layers)
        eng.reset()
        damaged = {k: ~self.f0[k] for k in layers}
        damaged[layer] = damaged[layer].copy()
        damaged[layer][node] = True
        func = eng.update(damaged, 0.0)
        return {k: self.f0[k] & ~func[k] for k in layers}

    def lost(self, layer: str, node: int) -> dict[str, np.ndarray]:
        """Per layer (n,) bool: functional before, not functional after `node` of `layer` fails
        (layers the failure cannot reach are absent)."""
        own = self._run((layer,), layer, node)
        reach = tuple(downstream_layers(self.net, layer))
        if len(reach) == 1 or not (own[layer] & self._supplier[layer]).any():
            return own
        return self._run(reach, layer, node)


def _candidates(
    net: MultilayerNetwork, samples: int, rng: np.random.Generator
) -> tuple[pd.DataFrame, int]:
    key = key_asset_mask(net)
    rows_key, pool = [], []
    for name, mask in key.items():
        idx = np.flatnonzero(mask)
        rows_key.append(pd.DataFrame({"layer": name, "node": idx, "key": True}))
        other = np.flatnonzero(~mask)
        pool.append(pd.DataFrame({"layer": name, "node": other, "key": False}))
    pool_df = pd.concat(pool, ignore_index=True)
    n_other = len(pool_df)
    take = min(samples, n_other)
    pick = pool_df.iloc[np.sort(rng.choice(n_other, size=take, replace=False))] if take else None
    cand = pd.concat([*rows_key, pick] if pick is not None else rows_key, ignore_index=True)
    cand["weight"] = np.where(cand["key"], 1.0, n_other / take if take else 0.0)
    return cand, n_other


def evaluate_realisation(
    net: MultilayerNetwork,
    city,
    samples: int,
    rng: np.random.Generator,
    mechanism: str = "source_served",
    horizon_h: float = 24.0,
) -> pd.DataFrame:
    """Cascade size of every candidate asset of one network (one row per candidate).

    Columns: layer, node, asset_type, district, x_m, y_m, key, weight, households_lost_<layer>
    for each of `household_layers` (power, water, gas …), households_lost (their sum:
    household-services lost — a household without several counts once per layer, households
    are not linked across layers), nodes_lost_<layer>, nodes_lost_total,
    drainage_capacity_lost_m3_per_s.
    """
    screen = CascadeScreen(with_horizon(net, horizon_h), mechanism)
    cand, _ = _candidates(net, samples, rng)
    layers = list(net.layers)
    served_layers = household_layers(net)
    cust = {k: net.layers[k].nodes["customers_households"] for k in layers}
    outlet_cap = None
    if "drainage" in net.layers:
        dr = net.layers["drainage"]
        outlet_cap = np.where(dr.nodes["is_source"], dr.nodes["capacity"], 0.0)
    nodes_lost = np.zeros((len(cand), len(layers)))
    hh = np.zeros((len(cand), len(served_layers)))
    cap_lost = np.zeros(len(cand))
    for r, (layer, node) in enumerate(zip(cand["layer"], cand["node"], strict=True)):
        lost = screen.lost(layer, int(node))
        for j, k in enumerate(layers):
            if k in lost:
                nodes_lost[r, j] = np.count_nonzero(lost[k])
        for j, k in enumerate(served_layers):
            if k in lost:
                hh[r, j] = cust[k][lost[k]].sum()
        if outlet_cap is not None and "drainage" in lost:
            cap_lost[r] = outlet_cap[lost["drainage"]].sum()
    out = cand.copy()
    attrs = {"asset_type": [], "district": [], "x_m": [], "y_m": []}
    for layer, node in zip(cand["layer"], cand["node"], strict=True):
        ly = net.layers[layer]
        attrs["asset_type"].append(ly.asset_types[ly.nodes["asset_type"][node]])
        attrs["district"].append(int(ly.nodes["district"][node]))
        attrs["x_m"].append(float(ly.nodes["x_m"][node]))
        attrs["y_m"].append(float(ly.nodes["y_m"][node]))
    for k, v in attrs.items():
        out[k] = v
    out["district_name"] = city.districts["name_en"].to_numpy()[out["district"].clip(lower=0)]
    for j, k in enumerate(served_layers):
        out[f"households_lost_{k}"] = hh[:, j]
    out["households_lost"] = hh.sum(axis=1)
    for j, k in enumerate(layers):
        out[f"nodes_lost_{k}"] = nodes_lost[:, j].astype(np.int64)
    out["nodes_lost_total"] = nodes_lost.sum(axis=1).astype(np.int64)
    out["drainage_capacity_lost_m3_per_s"] = cap_lost
    return out


def district_table(
    assets: pd.DataFrame, asset_counts: pd.DataFrame, city, household_services
) -> pd.DataFrame:
    """Aggregate asset rows (all realisations) to districts.

    Args:
        assets: rows of `evaluate_realisation` with a ``realisation`` column.
        asset_counts: realisation x district total number of assets (all layers).
        city: the city (district names).
        household_services: per realisation (indexed by its number, as ``asset_counts``'
            rows), the household-services of its networks: the customers (households) of
            every `household_layers` layer, summed (:func:`household_services_of`).

    Returns:
        One row per district: key assets per realisation; expected households lost when a
        key asset / any asset (Horvitz–Thompson, known asset counts) of the district fails;
        mean and standard deviation over realisations of the household-services lost
        (anywhere in the city: a district's asset may supply others) when the district's most
        critical asset fails, and that loss as a share of the city's household-services
        (``top_asset_share_of_city_household_services``, in [0, 1]: a failure takes down
        only customers that were served, each counted once per layer, as in the numerator;
        the mean over realisations of each one's share); ranks (1 = most critical) by the
        top-asset mean and by the any-asset mean.
    """
    d_n = city.n_districts
    reals = sorted(assets["realisation"].unique())
    key_mean = np.zeros((len(reals), d_n))
    any_mean = np.zeros((len(reals), d_n))
    top = np.zeros((len(reals), d_n))
    n_key = np.zeros((len(reals), d_n))
    for i, r in enumerate(reals):
        a = assets[assets["realisation"] == r]
        dist = a["district"].to_numpy()
        ok = dist >= 0
        y = a["households_lost"].to_numpy()
        w = a["weight"].to_numpy()
        k = a["key"].to_numpy(bool)
        n_key[i] = np.bincount(dist[ok & k], minlength=d_n)
        s_key = np.bincount(dist[ok & k], weights=y[ok & k], minlength=d_n)
        key_mean[i] = np.divide(s_key, n_key[i], out=np.zeros(d_n), where=n_key[i] > 0)
        total = asset_counts.loc[r].to_numpy(float)
        s_any = np.bincount(dist[ok], weights=(w * y)[ok], minlength=d_n)
        any_mean[i] = np.divide(s_any, total, out=np.zeros(d_n), where=total > 0)
        top_r = np.zeros(d_n)
        np.maximum.at(top_r, dist[ok], y[ok])
        top[i] = top_r
    df = pd.DataFrame(
        {
            "district": np.arange(d_n),
            "name_en": city.districts["name_en"].to_numpy(),
            "key_assets": n_key.mean(axis=0),
            "households_lost_mean_key_asset": key_mean.mean(axis=0),
            "households_lost_mean_any_asset": any_mean.mean(axis=0),
            "households_lost_top_asset": top.mean(axis=0),
            "households_lost_top_asset_sd": top.std(axis=0, ddof=1) if len(reals) > 1 else 0.0,
            "households": city.districts["households"].to_numpy(float),
        }
    )
    services = np.asarray(household_services, float)[np.asarray(reals, int)][:, None]
    share = np.divide(top, services, out=np.zeros_like(top), where=services > 0)
    df["top_asset_share_of_city_household_services"] = share.mean(axis=0)
    df["rank_top_asset"] = df["households_lost_top_asset"].rank(ascending=False, method="min")
    df["rank_any_asset"] = df["households_lost_mean_any_asset"].rank(ascending=False, method="min")
    return df.astype({"rank_top_asset": int, "rank_any_asset": int})


def household_services_of(net: MultilayerNetwork) -> float:
    """The household-services a network serves: the customers (households) of each of its
    `household_layers`, summed (a household with power and water counts twice, as in
    ``households_lost``)."""
    layers = [net.layers[k] for k in household_layers(net)]
    return float(sum(layer.nodes["customers_households"].sum() for layer in layers))


@dataclass
class CriticalityResult:
    """Tables of a criticality run and its cost."""

    assets: pd.DataFrame
    districts: pd.DataFrame
    types: pd.DataFrame
    elapsed_s: float


def _type_table(assets: pd.DataFrame) -> pd.DataFrame:
    """Mean and worst households lost per (layer, asset type, key), most damaging first."""
    return (
        assets.groupby(["layer", "asset_type", "key"])
        .agg(
            evaluated=("node", "size"),
            households_lost_mean=("households_lost", "mean"),
            households_lost_max=("households_lost", "max"),
            nodes_lost_mean=("nodes_lost_total", "mean"),
        )
        .reset_index()
        .sort_values("households_lost_mean", ascending=False)
    )


def run_criticality(
    scenario,
    samples: int = 200,
    seeds: int = 3,
    horizon_h: float = 24.0,
    resolution: float | None = None,
    city=None,
    progress=None,
    spec: NetworkSpec | None = None,
) -> CriticalityResult:
    """Monte Carlo criticality of a scenario's networks.

    Args:
        scenario: validated `sim.scenario.Scenario`.
        samples: non-key assets sampled per realisation (:data:`SAMPLES`).
        seeds: realisations (different generated networks; :data:`SEEDS`).
        horizon_h: hours after the failure at which buffers are judged (:data:`HORIZON_H`).
        resolution: override of ``scenario.networks.resolution`` (None: keep;
            :data:`RESOLUTION`).
        city: preloaded city (default `load_city(scenario.city.data_dir)`).
        progress: optional callable(str) for progress messages.
        spec: generator parameters (default: as a run builds them from the scenario's
            ``networks`` section; e.g. `NetworkSpec.scaled_to_population` for other cities).

    Returns:
        CriticalityResult: per-asset rows (with ``realisation`` and ``rank`` within it),
        district table (`district_table`) and mean losses by layer and asset type.

    Raises:
        CriticalityError: option values beyond their bounds (:func:`options_problem`,
            :data:`RESOLUTION`).
    """
    problem = options_problem(samples, seeds, horizon_h)
    if problem is None and resolution is not None and RESOLUTION.problem(resolution):
        problem = f"--resolution {resolution}: {RESOLUTION.problem(resolution)}"
    if problem is not None:
        raise CriticalityError(problem)
    t0 = time.perf_counter()
    city = city if city is not None else load_city(Path(scenario.city.data_dir))
    cfg = scenario.networks
    if spec is None:
        spec = NetworkSpec.for_city(
            city.profile.network_statistics,
            resolution=cfg.resolution,
            pump_backup_fraction=cfg.pump_backup_fraction,
            pump_backup_buffer_h=cfg.pump_backup_h,
            base_station_backup_h=cfg.base_station_backup_h,
        )
    spec = spec if resolution is None else replace(spec, resolution=resolution)
    frames, counts, services = [], [], []
    for r in range(seeds):
        streams = RandomStreams(scenario.seed + r)
        net = generate_city_networks(city, spec, streams["networks"], streams["networks.gas"])
        assign_fragility(net)
        # Candidate sampling uses its own stream so that it never shifts the network draws.
        rng = streams["criticality.candidates"]
        df = evaluate_realisation(net, city, samples, rng, cfg.cascade, horizon_h)
        df.insert(0, "realisation", r)
        df["rank"] = (
            df[["households_lost", "nodes_lost_total"]]
            .apply(tuple, axis=1)
            .rank(ascending=False, method="min")
            .astype(int)
        )
        frames.append(df)
        cnt = np.zeros(city.n_districts)
        for layer in net.layers.values():
            d = layer.nodes["district"]
            cnt += np.bincount(d[d >= 0], minlength=city.n_districts)
        counts.append(cnt)
        services.append(household_services_of(net))
        if progress:
            progress(f"realisation {r + 1}/{seeds}: {len(df)} failures evaluated")
    assets = pd.concat(frames, ignore_index=True).sort_values(["realisation", "rank"])
    asset_counts = pd.DataFrame(counts)
    districts = district_table(assets, asset_counts, city, services)
    types = _type_table(assets)
    return CriticalityResult(assets, districts, types, time.perf_counter() - t0)


def served_layer_names(assets: pd.DataFrame) -> list[str]:
    """The household-serving layers counted in `assets` (its ``households_lost_<layer>``
    columns), in `SERVICE_LAYERS` order."""
    return [k for k in SERVICE_LAYERS if f"households_lost_{k}" in assets.columns]


def criticality_figure(result: CriticalityResult, city, path: Path, top: int = 20) -> Path:
    """PNG: top-`top` assets of realisation 0 (bar chart, households lost) and the district
    map coloured by the expected households lost when the district's top asset fails."""
    # matplotlib is imported only when a figure is drawn (CLI start-up)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # matplotlib is imported only when a figure is drawn (CLI start-up)
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Polygon as MplPolygon

    a = result.assets
    a0 = a[a["realisation"] == a["realisation"].min()].nsmallest(top, "rank")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(15, 7), gridspec_kw={"width_ratios": [1, 1.1]})
    labels = [
        f"{t} #{n} ({d})"
        for t, n, d in zip(a0["asset_type"], a0["node"], a0["district_name"], strict=True)
    ]
    served = " + ".join(served_layer_names(a))
    colours = {k: v.colour for k, v in SERVICE_LAYERS.items()}
    colours = {**colours, "drainage": "#2ca02c", "roads": "#7f7f7f"}
    colours = {k: c for k, c in colours.items() if k in set(a["layer"])}
    ax1.barh(
        np.arange(len(a0))[::-1],
        a0["households_lost"] / 1e3,
        color=[colours.get(x, "#9467bd") for x in a0["layer"]],
    )
    ax1.set_yticks(np.arange(len(a0))[::-1], labels, fontsize=7)
    ax1.set_xlabel(f"household-services lost (thousands; {served})")
    ax1.set_title(f"Top {len(a0)} single-asset failures (realisation 0)")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in colours.values()]
    ax1.legend(handles, list(colours), loc="lower right", fontsize=8)

    vals = result.districts["households_lost_top_asset"].to_numpy() / 1e3
    patches, pvals = [], []
    for geom, v in zip(city.polygons_lonlat, vals, strict=True):
        for poly in getattr(geom, "geoms", [geom]):
            patches.append(MplPolygon(np.asarray(poly.exterior.coords), closed=True))
            pvals.append(v)
    pc = PatchCollection(patches, cmap="OrRd", edgecolor="k", linewidth=0.4)
    pc.set_array(np.asarray(pvals))
    ax2.add_collection(pc)
    ax2.autoscale_view()
    ax2.set_aspect(1.0 / np.cos(np.radians(city.districts["lat"].mean())))
    for (_, row), v in zip(city.districts.iterrows(), vals, strict=True):
        ax2.annotate(f"{v:.0f}", (row["lon"], row["lat"]), fontsize=7, ha="center")
    fig.colorbar(
        pc, ax=ax2, label=f"household-services lost ({served}) when the top asset fails (k)"
    )
    ax2.set_title(f"District criticality (mean of {a['realisation'].nunique()} realisations)")
    ax2.set_xlabel("longitude (°E)")
    ax2.set_ylabel("latitude (°N)")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return path


def criticality_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path(
        "runs/criticality"
    ),
    samples: Annotated[
        int,
        typer.Option(
            callback=SAMPLES.check,
            help=f"Non-key assets sampled per realisation (key assets: all; {SAMPLES}).",
        ),
    ] = 200,
    seeds: Annotated[
        int,
        typer.Option(
            callback=SEEDS.check,
            help=f"Realisations (generated networks; {SEEDS}; seeds x samples at most "
            f"{MAX_SAMPLED:,}).",
        ),
    ] = 3,
    horizon_h: Annotated[
        float,
        typer.Option(
            "--horizon-h",
            callback=HORIZON_H.check,
            help="Hours after failure (buffers <= this run dry; finite, >= 0).",
        ),
    ] = 24.0,
    resolution: Annotated[
        float | None,
        typer.Option(
            callback=RESOLUTION.check,
            help=f"Override networks.resolution of the scenario ({RESOLUTION}).",
        ),
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("-p", "--param", help=OVERRIDE_HELP, callback=overrides_from_cwd),
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite",
            help="Replace a finished criticality folder at --out.",
            show_default=False,
        ),
    ] = False,
) -> None:
    """Rank assets and districts by the cascade size when they fail (Monte Carlo over seeds);
    writes criticality_assets.csv, criticality_districts.csv, criticality_types.csv and
    criticality.png. The folder follows the rule of every output folder
    (:mod:`sim.results.staging`): written in ``OUT.partial``, renamed into place when complete.
    Every option is checked before the scenario is read and the folder staged: exit 2."""
    if (problem := options_problem(samples, seeds, horizon_h)) is not None:
        refuse(problem)
    # applied as the field (the resolved scenario records it); exit 2 if -p sets it too
    overrides = command_overrides(param, {"networks.resolution": ("--resolution", resolution)})
    scen = _checked_scenario(scenario, overrides)
    out, res = _screen_staged(scen, out, overwrite, samples, seeds, horizon_h)
    top = res.districts.sort_values("rank_top_asset").head(3)
    typer.echo(
        f"most critical districts (household-services lost, "
        f"{' + '.join(served_layer_names(res.assets))}, when the top asset fails): "
        + ", ".join(
            f"{n} {v:,.0f}"
            for n, v in zip(top["name_en"], top["households_lost_top_asset"], strict=True)
        )
    )
    typer.echo(f"wrote {out}/criticality_*.csv and criticality.png in {res.elapsed_s:.1f} s")


def _screen_staged(scen, out: Path, overwrite: bool, samples: int, seeds: int, horizon_h: float):
    """:func:`run_criticality` into ``out``'s staging folder, published when complete (its lock
    held throughout).

    Returns:
        (the output folder, absolute; the :class:`CriticalityResult`).

    Raises:
        typer.Exit: 2 on an unusable folder, networks that cannot be built or memory that
            runs out, 130 on Ctrl-C (``out`` is unchanged either way).
    """
    city = load_city(Path(scen.city.data_dir))
    with contextlib.ExitStack() as hold:  # the staging folder's lock, until published
        out, staging = _stage(scen, out, overwrite, hold)
        try:
            res = run_criticality(scen, samples, seeds, horizon_h, city=city, progress=typer.echo)
        except (CriticalityError, InputDataError) as exc:  # e.g. the networks cannot be built
            typer.echo(f"{exc} ({untouched(out)})", err=True)
            raise typer.Exit(2) from None
        except MemoryError:
            typer.echo(
                f"the networks need more memory than this machine has: check the size-setting "
                f"figures (city.yaml networks statistics, --resolution) ({untouched(out)})",
                err=True,
            )
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            typer.echo(f"interrupted: {untouched(out)}", err=True)
            raise typer.Exit(130) from None
        _write_and_publish(res, city, staging, out)
    return out, res


def _checked_scenario(path: Path, overrides: list[str]):
    """The emergency scenario with its data files read as ``run`` reads them
    (:func:`~sim.models.data_check.check_data`); exit 2 after printing each problem, or on a
    long run (it has no networks of its own to screen)."""
    try:
        scen = load_scenario(path, overrides)
    except ScenarioError as exc:
        problems = exc.problems
    else:
        problems = check_data(scen, str(path))
    if problems:
        for problem in problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(2)
    if not isinstance(scen, Scenario):
        refuse(f"{path}: criticality screens an emergency scenario's networks, not kind: long_run")
    return scen


def _stage(scen, out: Path, overwrite: bool, hold: contextlib.ExitStack) -> tuple[Path, Path]:
    """The output folder (absolute) and its staging folder, locked until ``hold`` closes
    (:func:`sim.results.staging.stage`; nothing to resume: an unfinished attempt is cleared).

    Raises:
        typer.Exit: 2 when ``out`` cannot receive the output (the message says why).
    """
    from sim.scenario.loader import dump_resolved

    inputs = [scen.city.data_dir]
    try:
        out = resolve_out(out, inputs)
        staging = stage(
            out, dump_resolved(scen), overwrite, FINISHED_FILE, inputs,
            kind="criticality", resume=False, hold=hold,
        )  # fmt: skip
    except RunFolderError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    return out, staging


def _write_and_publish(res, city, staging: Path, out: Path) -> None:
    """Write the tables and the figure (last: the finished file) into the staging folder and
    rename it into place (:func:`sim.results.staging.publish`).

    Raises:
        typer.Exit: 2 when a write or the rename failed, 130 on Ctrl-C (``out`` unchanged).
    """
    try:
        res.assets.to_csv(staging / "criticality_assets.csv", index=False)
        res.districts.to_csv(staging / "criticality_districts.csv", index=False)
        res.types.to_csv(staging / "criticality_types.csv", index=False)
        criticality_figure(res, city, staging / FINISHED_FILE)
        publish(staging, out, FINISHED_FILE)
    except RunFolderError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    except OSError as exc:  # a full disk: the staging folder is not published
        typer.echo(f"{out}: cannot write ({exc.strerror or exc}); it was not changed", err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        typer.echo(f"interrupted: {untouched(out)}", err=True)
        raise typer.Exit(130) from None
