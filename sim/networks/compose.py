"""Real networks composed into the synthetic city: replace a district's part of a layer, or add.

`add_imported_network` takes a layer read by `sim.networks.importers` and already placed in a
district (`place_in_district`, city CRS) and merges it into a `MultilayerNetwork`:

* ``replace=True``: the synthetic layer's nodes of that district are removed with their
  edges. Every edge that crossed the district border (a road, river crossing or tunnel-bridge,
  an inter-district trunk main or sub-transmission line) is re-attached at its inside end to
  the imported node nearest its outside end (within the imported network's largest
  component), length max(straight line, original length) — so the rest of the city stays
  connected through the imported network. Imported water and power sources stay sources.
  With ``households="district"`` the imported customers are rescaled so the district keeps
  the households of the removed nodes (the network stands for the district's system; its
  demand pattern distributes them).
* ``replace=False``: the network is added as an extra component with its own sources and
  customers. Roads are the exception: an unconnected street grid could not be routed to, so
  an added road network is joined to the synthetic one by `ROAD_CONNECTORS` short links.

Then, as in the generator (`sim.networks.generate`): ``road_node`` = nearest road
intersection of the node's district (any district if its own has none); imported water
plants depend on the nearest 110/35 kV substation and imported booster pumps on the nearest
10 kV transformer node and the nearest one of another feeder (dual supply, with the scenario's
backup-generator share and hours); dependencies
whose supplier was removed are re-linked to the nearest node of the supplier's asset type in
the new layer; dependencies whose dependent was removed are dropped. Asset and edge types of
the import are merged by name (the importers reuse the generator's names), so
`assign_fragility` gives imported assets the project's curves; new names (e.g. EPANET storage
tanks) are appended and have no default curve.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from sim.networks import spatial as sp
from sim.networks.errors import NetworkError
from sim.networks.gas_import import read_gas_geojson, read_gas_graphml
from sim.networks.generate import _backup_buffer, district_counts
from sim.networks.import_files import id_list, note
from sim.networks.importers import (
    NetworkImportError,
    place_in_district,
    read_epanet,
    read_graphml,
    read_osm,
    read_pandapower,
)
from sim.networks.multilayer import NODE_FIELDS, Dependency, Layer, MultilayerNetwork
from sim.networks.protection import second_supply
from sim.networks.spec import NetworkSpec, city_network_spec

ROAD_CONNECTORS = 4
"""Links joining an added (replace=False) road network to the synthetic streets, spread at
least `CONNECTOR_SPACING_M` apart (assumption: a few access roads)."""
CONNECTOR_SPACING_M = 1000.0
SELF_REFERENCES = ("zone_head", "outlet")
"""Node fields holding indices into their own layer (renumbered when nodes are removed)."""
EDGE_DEFAULTS = {"normally_open": False, "crossing": False, "bridge": False, "oneway": False}
"""Boolean edge fields an import may bring and their value on the other edges (``oneway``:
drivable only from u to v, `sim.response.routing`)."""
IMPORT_DEPENDENCIES = {
    ("water", "water_plant"): ("substation_110_35kv", False, False),
    ("water", "booster_pumping_station"): ("distribution_transformer_10kv", True, True),
    ("gas", "gas_regulator_station"): ("distribution_transformer_10kv", "ups", False),
}
"""(layer, asset type) of an imported node → (power asset type it depends on, whether it may
have a backup generator, or "ups": telemetry on the spec's ``gas_regulator_ups_h`` hours of
UPS, kind ``cyber``; whether it has a second supply on another 10 kV feeder,
`sim.networks.protection.second_supply`): the generator's rules
(sim.networks.generate._dependencies, sim.networks.gas.gas_power_dependency)."""


READER_FAILURES = (
    ValueError, TypeError, LookupError, AttributeError, ArithmeticError, RecursionError,
)  # fmt: skip
"""What parsing malformed data raises in Python and pandas: the backstop of `read_network`,
so a damaged file the importers' own checks do not catch is still one message naming it."""


def read_network(fmt: str, path: str | Path, layer: str, *, power_flow: bool = False) -> Layer:
    """Read a network file with the importer of `fmt` ("epanet", "pandapower", "osm",
    "graphml", "geojson") as a layer named `layer`; `power_flow` runs pandapower's power flow
    (`read_pandapower`). A ``gas`` layer is read by the gas readers
    (`sim.networks.gas_import`: GraphML or GeoJSON stations and pipes, attributes checked).

    Raises:
        NetworkImportError: unknown format, or the importer's own errors (naming the file);
            anything else the reader raises on malformed data (`READER_FAILURES`) as one,
            naming the file.
    """
    if layer == "gas" and fmt in ("graphml", "geojson"):  # stations and pipes, checked as gas
        fmt = f"gas-{fmt}"
    readers = {
        "gas-graphml": read_gas_graphml,
        "gas-geojson": read_gas_geojson,
        "epanet": read_epanet,
        "pandapower": lambda p, name: read_pandapower(p, name=name, power_flow=power_flow),
        "osm": read_osm,
        "graphml": read_graphml,
    }
    if fmt not in readers:
        raise NetworkImportError(f"unknown network format {fmt!r}; choose from {sorted(readers)}")
    try:
        return readers[fmt](Path(path), name=layer)
    except NetworkError:
        raise
    except READER_FAILURES as exc:  # a case the importer's checks missed: still the file's
        raise NetworkImportError(
            f"{path}: cannot import this {fmt} file ({type(exc).__name__}: {exc}); the file "
            "is damaged, or holds a case the importer does not handle (please report it)"
        ) from exc


def _file_error(imp, exc: NetworkError) -> NetworkImportError:
    """`exc` as an error that starts with the import's file (a layer or placement error names
    only the layer)."""
    msg = str(exc)
    return NetworkImportError(msg if msg.startswith(str(imp.file)) else f"{imp.file}: {msg}")


def _default(key: str, dtype: np.dtype, n: int) -> np.ndarray:
    if key in NODE_FIELDS:
        dt, val = NODE_FIELDS[key]
        return np.full(n, val, dtype=dt)
    if key in EDGE_DEFAULTS:
        return np.full(n, EDGE_DEFAULTS[key], dtype=bool)
    fill = {"f": np.nan, "i": -1, "u": 0, "b": False}.get(dtype.kind)
    if fill is None:
        return np.full(n, None, dtype=object)
    return np.full(n, fill, dtype=dtype)


def _take(source: dict, key: str, like: np.ndarray, n: int) -> np.ndarray:
    """Field `key` of the imported arrays cast to `like`'s dtype, or its default."""
    if key in source:
        try:
            return np.asarray(source[key]).astype(like.dtype)
        except (TypeError, ValueError):
            pass
    return _default(key, like.dtype, n)


def _nearest(
    xy_q: np.ndarray, group_q: np.ndarray, xy_t: np.ndarray, group_t: np.ndarray
) -> np.ndarray:
    """Index of the nearest target of the same group, or of any group if the group has none."""
    out = np.empty(len(xy_q), np.int64)
    if len(xy_q) == 0:
        return out
    if len(xy_t) == 0:
        raise NetworkError("no target node to attach to")
    everywhere = cKDTree(xy_t)
    for g in np.unique(group_q):
        q = np.flatnonzero(group_q == g)
        t = np.flatnonzero(group_t == g)
        if t.size:
            out[q] = t[cKDTree(xy_t[t]).query(xy_q[q])[1]]
        else:
            out[q] = everywhere.query(xy_q[q])[1]
    return out


def _xy(layer_nodes: dict, idx=slice(None)) -> np.ndarray:
    return np.column_stack([layer_nodes["x_m"][idx], layer_nodes["y_m"][idx]])


def _main_component(layer: Layer) -> np.ndarray:
    """Indices of the nodes of the layer's largest connected component (closed edges)."""
    ncomp, lab = connected_components(layer.adjacency(), directed=False)
    return np.flatnonzero(lab == int(np.argmax(np.bincount(lab, minlength=ncomp))))


ID_FIELDS = ("epanet_id", "bus_id", "osm_id", "graphml_id", "gas_id")
"""Node fields holding the file's own ids, by importer (messages name nodes by them)."""


def _import_notes(imported: Layer, name: str) -> list[str]:
    """The import's warnings: the importer's (``imported.notes``) and one naming the nodes
    outside its largest connected part (border links and road connectors attach to that part
    only), issued here."""
    notes = list(getattr(imported, "notes", []))
    n, main = imported.n_nodes, _main_component(imported)
    if main.size < n:
        outside = np.setdiff1d(np.arange(n), main)
        key = next((k for k in ID_FIELDS if k in imported.nodes), None)
        ids = imported.nodes[key][outside] if key else outside
        joins = "border links and road connectors" if name == "roads" else "border links"
        note(
            notes,
            getattr(imported, "source", "") or f"imported {name}",
            f"{outside.size} of {n} nodes lie outside the network's largest connected part "
            f"({id_list(ids)}): {joins} attach only to that part",
        )
    return notes


def attach_road_nodes(net: MultilayerNetwork, layers) -> None:
    """Set ``road_node`` of `layers` to the nearest road intersection of the node's district
    (any district when its own has none); the road layer's own nodes point to themselves."""
    roads = net.layers["roads"]
    inter = np.flatnonzero(roads.nodes["asset_type"] == roads.asset_type_code("intersection"))
    xy_t = _xy(roads.nodes, inter)
    for name in layers:
        layer = net.layers[name]
        if name == "roads":
            layer.nodes["road_node"] = np.arange(layer.n_nodes)
            continue
        j = _nearest(
            _xy(layer.nodes), layer.nodes["district"], xy_t, roads.nodes["district"][inter]
        )
        layer.nodes["road_node"] = inter[j]


def _merge_types(base: list[str], extra: list[str]) -> tuple[list[str], np.ndarray]:
    names = list(base) + [t for t in extra if t not in base]
    return names, np.array([names.index(t) for t in extra], np.int64)


def _merged_nodes(base: Layer, imported: Layer, keep, kept, renumber, replace: bool,
                  households: str, import_id: int):  # fmt: skip
    """Node arrays of the merged layer: the kept synthetic nodes (self-references renumbered),
    then the imported ones (asset types recoded, households rescaled if asked).

    Returns:
        (nodes, imported node arrays as recoded, merged asset type names).
    """
    n_imp = imported.n_nodes
    types, code_map = _merge_types(base.asset_types, imported.asset_types)
    inodes = dict(imported.nodes)
    inodes["asset_type"] = code_map[np.asarray(imported.nodes["asset_type"], np.int64)]
    inodes["road_node"] = np.full(n_imp, -1, np.int64)
    for key in SELF_REFERENCES:
        inodes.pop(key, None)
    cust = np.asarray(imported.nodes["customers_households"], float)
    removed_households = float(base.nodes["customers_households"][~keep].sum())
    if replace and households == "district" and removed_households > 0:
        w = cust if cust.sum() > 0 else (~inodes["is_source"].astype(bool)).astype(float)
        inodes["customers_households"] = sp.allocate_integer(
            int(round(removed_households)), w if w.sum() > 0 else np.ones(n_imp)
        ).astype(float)
    nodes = {}
    base_nodes = {**base.nodes}
    base_nodes.setdefault("import_id", np.full(base.n_nodes, -1, np.int64))
    for key, arr in base_nodes.items():
        old = arr[kept]
        if key in SELF_REFERENCES:
            old = np.where(old >= 0, renumber[np.maximum(old, 0)], -1)
        new = (
            np.full(n_imp, import_id, np.int64)
            if key == "import_id"
            else _take(inodes, key, arr, n_imp)
        )
        nodes[key] = np.concatenate([old, new])
    return nodes, inodes, types


def _merged_layer(name: str, base: Layer, imported: Layer, nodes: dict, types: list[str],
                  keep, renumber, n_keep: int):  # fmt: skip
    """The merged layer: kept synthetic edges, imported edges, border edges re-attached to the
    imported network's main component, and (roads) connectors to the synthetic streets.

    Returns:
        (layer, border edges relinked, road connectors added).
    """
    e = base.edges
    both = keep[e["u"]] & keep[e["v"]]
    cut = keep[e["u"]] ^ keep[e["v"]]
    etypes, ecode_map = _merge_types(
        base.edge_types, imported.edge_types if imported.edge_types else ["imported"]
    )
    iedges = dict(imported.edges)
    icode = np.asarray(iedges.get("edge_type", np.zeros(imported.n_edges, np.int64)), np.int64)
    iedges["edge_type"] = ecode_map[icode] if imported.n_edges else icode
    if "speed_kmh" in e and "speed_kmh" not in iedges:
        iedges["speed_kmh"] = np.full(imported.n_edges, float(np.median(e["speed_kmh"])))
    keys = list(e) + [k for k in EDGE_DEFAULTS if k in iedges and k not in e]
    main = _main_component(imported)
    xy_all = _xy(nodes)
    pieces: list[dict[str, np.ndarray]] = []
    # kept synthetic edges
    pieces.append(
        {
            k: (
                renumber[e[k][both]]
                if k in ("u", "v")
                else (e[k][both] if k in e else _default(k, np.dtype(bool), int(both.sum())))
            )
            for k in keys
        }
    )
    # imported edges
    pieces.append(
        {
            k: (
                np.asarray(iedges[k], np.int64) + n_keep
                if k in ("u", "v")
                else _take(iedges, k, e[k] if k in e else np.zeros(0, bool), imported.n_edges)
            )
            for k in keys
        }
    )
    # border edges re-attached to the imported network
    cut_idx = np.flatnonzero(cut)
    outside = np.where(keep[e["u"][cut_idx]], e["u"][cut_idx], e["v"][cut_idx])
    relinked = 0
    if cut_idx.size:
        a = renumber[outside]
        j = main[cKDTree(xy_all[n_keep + main]).query(xy_all[a])[1]] + n_keep
        dist = np.hypot(*(xy_all[a] - xy_all[j]).T)
        piece = {
            k: (e[k][cut_idx] if k in e else _default(k, np.dtype(bool), a.size)) for k in keys
        }
        piece["u"], piece["v"] = a, j
        piece["length_m"] = np.maximum(dist, e["length_m"][cut_idx])
        pieces.append(piece)
        relinked = int(cut_idx.size)
    # an added street grid is joined to the synthetic streets
    connectors = 0
    if name == "roads" and relinked == 0 and n_keep:
        pairs = sp.nearest_pairs(
            xy_all[n_keep + main], xy_all[:n_keep], ROAD_CONNECTORS, CONNECTOR_SPACING_M
        )
        if len(pairs):
            etypes.append("import_connector")
            a, b = n_keep + main[pairs[:, 0]], pairs[:, 1]
            piece = {k: _default(k, e[k].dtype if k in e else np.dtype(bool), len(a)) for k in keys}
            piece["u"], piece["v"] = a, b
            piece["length_m"] = np.hypot(*(xy_all[a] - xy_all[b]).T)
            piece["edge_type"] = np.full(len(a), len(etypes) - 1, np.int64)
            if "speed_kmh" in piece:
                piece["speed_kmh"] = np.full(len(a), float(np.median(iedges["speed_kmh"])))
            pieces.append(piece)
            connectors = len(a)
    edges = {k: np.concatenate([p[k] for p in pieces]) for k in keys}
    return Layer(name, nodes, edges, types, etypes), relinked, connectors


def _relinked_dependencies(dependencies, name: str, layers: dict, base: Layer, layer: Layer,
                           types: list[str], renumber, import_id: int):  # fmt: skip
    """The network's dependencies after the merge: dependents in the replaced part dropped,
    suppliers renumbered, a supplier removed replaced by the nearest node of the same type
    (same district first) in the merged layer; an alternate supply removed is dropped (-1):
    an imported power network has no generated feeders to pick a second one from.

    Returns:
        (dependencies, dependents re-linked).
    """
    deps, relinked_deps = [], 0
    for dep in dependencies:
        dependent, supplier, buf, alt = dep.dependent, dep.supplier, dep.buffer_h, dep.alternate
        if dep.dependent_layer == name:
            dependent = renumber[dependent]
            ok = dependent >= 0
            dependent, supplier, buf = dependent[ok], supplier[ok], buf[ok]
            alt = None if alt is None else alt[ok]
        note = dep.description
        if dep.supplier_layer == name and alt is not None:
            alt = np.where(alt >= 0, renumber[np.maximum(alt, 0)], -1)
        if dep.supplier_layer == name:
            new_sup = renumber[supplier]
            lost = np.flatnonzero(new_sup < 0)
            if lost.size:
                dl = layers[dep.dependent_layer]
                q_xy = _xy(dl.nodes, dependent[lost])
                q_d = dl.nodes["district"][dependent[lost]]
                old_types = np.asarray(base.asset_types, object)[
                    base.nodes["asset_type"][supplier[lost]]
                ]
                for t in np.unique(old_types):
                    sel = old_types == t
                    cand = np.flatnonzero(layer.nodes["asset_type"] == types.index(t))
                    if cand.size == 0:
                        cand = np.arange(layer.n_nodes)
                    j = _nearest(
                        q_xy[sel], q_d[sel], _xy(layer.nodes, cand), layer.nodes["district"][cand]
                    )
                    new_sup[lost[sel]] = cand[j]
                relinked_deps += int(lost.size)
                note += f" (re-linked after import {import_id})"
            supplier = new_sup
        if len(dependent):
            deps.append(
                Dependency(
                    dep.kind,
                    dep.dependent_layer,
                    dep.supplier_layer,
                    dependent,
                    supplier,
                    buf,
                    note,
                    alternate=alt,
                )
            )
    return deps, relinked_deps


def _imported_dependencies(deps: list, name: str, layers: dict, layer: Layer, inodes: dict,
                           types: list[str], n_keep: int, spec: NetworkSpec, rng,
                           import_id: int) -> int:  # fmt: skip
    """Append the dependencies of imported assets on power (as generated ones have:
    ``IMPORT_DEPENDENCIES``), each fed from the nearest supplier of its district, with backup
    generators drawn from ``rng``; returns the dependents added."""
    added = 0
    power = layers.get("power")
    for (lname, tname), (sup_type, backup, dual) in IMPORT_DEPENDENCIES.items():
        if lname != name or tname not in types or power is None:
            continue
        dependents = n_keep + np.flatnonzero(inodes["asset_type"] == types.index(tname))
        if dependents.size == 0:
            continue
        cand = np.flatnonzero(
            power.nodes["asset_type"]
            == (power.asset_types.index(sup_type) if sup_type in power.asset_types else -1)
        )
        if cand.size == 0:
            cand = np.arange(power.n_nodes)
        j = _nearest(
            _xy(layer.nodes, dependents),
            layer.nodes["district"][dependents],
            _xy(power.nodes, cand),
            power.nodes["district"][cand],
        )
        if backup == "ups":
            buf = spec.gas_regulator_ups_h
        else:
            buf = _backup_buffer(dependents.size, spec, rng) if backup else 0.0
        xy, dist = _xy(layer.nodes, dependents), layer.nodes["district"][dependents]
        alt = (
            second_supply(xy, dist, power, cand[j], spec.households_per_feeder)[:, None]
            if dual
            else None
        )
        deps.append(
            Dependency(
                "cyber" if backup == "ups" else "physical",
                name,
                "power",
                dependents,
                cand[j],
                buf,
                f"imported {tname} (import {import_id}) fed from the nearest {sup_type} of its "
                f"district{' and one of another feeder' if dual else ''}, as generated ones "
                "(sim.networks.generate)",
                alternate=alt,
            )
        )
        added += int(dependents.size)
    return added


def _import_target(net: MultilayerNetwork, imported: Layer, city, district, rng) -> tuple[str, int]:
    """(layer name, district index) of an import; raises NetworkImportError when unusable."""
    if rng is None:
        raise NetworkImportError("add_imported_network needs an explicit numpy Generator `rng`")
    name = imported.name
    if name not in net.layers:
        raise NetworkImportError(f"no layer {name!r} to import into; layers: {list(net.layers)}")
    if isinstance(district, str):
        try:
            district = city.index_of(district)
        except KeyError as exc:
            raise NetworkImportError(str(exc)) from None
    if imported.n_nodes == 0:
        raise NetworkImportError(f"imported {name} network has no node")
    return name, int(district)


IMPORT_COUNTS = (
    "border_edges_relinked",
    "road_connectors",
    "dependencies_relinked",
    "dependencies_added",
)
"""Counts of an import's summary in ``meta["imports"]`` besides its identity and node counts."""


def add_imported_network(
    net: MultilayerNetwork,
    imported: Layer,
    city,
    district: int | str,
    *,
    replace: bool,
    households: str = "district",
    spec: NetworkSpec | None = None,
    rng=None,
    import_id: int = 0,
) -> MultilayerNetwork:
    """Merge a placed imported layer into `net` (module docstring).

    Args:
        net: the city networks (not modified; layers that do not change are shared).
        imported: layer in metres, city CRS (from `place_in_district`), named as its target
            layer.
        city: the city (district count, names).
        district: index or English name of the district it was placed in.
        replace: replace the district's synthetic nodes (True) or add a component (False).
        households: "district" (rescale to the replaced households, replace only) or
            "imported".
        spec: generator parameters (backup-generator share and hours of imported pumps).
        rng: numpy Generator (backup-generator draws).
        import_id: stored in the node field ``import_id`` (-1 = synthetic).

    Returns:
        New MultilayerNetwork; ``meta["imports"]`` gains a summary of this import, with
        ``warnings``: the importer's (``imported.notes``) and the nodes outside the import's
        largest connected part (issued as `NetworkImportWarning`).

    Raises:
        NetworkImportError: unknown layer or district, no rng, empty import.
    """
    name, d = _import_target(net, imported, city, district, rng)
    spec = spec or city_network_spec(city)
    base = net.layers[name]
    keep = base.nodes["district"] != d if replace else np.ones(base.n_nodes, bool)
    kept = np.flatnonzero(keep)
    renumber = np.full(base.n_nodes, -1, np.int64)
    renumber[kept] = np.arange(kept.size)
    n_keep, n_imp = kept.size, imported.n_nodes

    nodes, inodes, types = _merged_nodes(
        base, imported, keep, kept, renumber, replace, households, import_id
    )
    layer, relinked, connectors = _merged_layer(
        name, base, imported, nodes, types, keep, renumber, n_keep
    )
    layers = {k: (layer if k == name else v) for k, v in net.layers.items()}
    deps, relinked_deps = _relinked_dependencies(
        net.dependencies, name, layers, base, layer, types, renumber, import_id
    )
    added = _imported_dependencies(
        deps, name, layers, layer, inodes, types, n_keep, spec, rng, import_id
    )
    new_net = MultilayerNetwork(layers, deps, dict(net.meta))
    attach_road_nodes(new_net, [k for k in layers if k != "roads"] if name == "roads" else [name])
    if name == "roads":
        attach_road_nodes(new_net, ["roads"])
    new_net.meta["district_counts"] = district_counts(new_net, city.n_districts)
    notes = _import_notes(imported, name)
    new_net.meta["imports"] = [
        *net.meta.get("imports", []),
        {
            "import_id": import_id,
            "layer": name,
            "district": d,
            "replace": bool(replace),
            "source": getattr(imported, "source", ""),
            "nodes_removed": int(base.n_nodes - n_keep),
            "nodes_added": int(n_imp),
            **dict(zip(IMPORT_COUNTS, (relinked, connectors, relinked_deps, added), strict=True)),
            "warnings": notes,
        },
    ]
    return new_net


def import_text(imp: dict, district_names) -> str:
    """One line saying what an import of ``meta["imports"]`` brought in, e.g. "gas-example.geojson:
    gas layer, district Riverside: 12 nodes imported, replacing 2,016 generated; 0
    warnings" (the run's ``network_import`` event and the console's ``imported:`` line).

    Args:
        imp: the import's summary (:func:`add_imported_network`).
        district_names: the city's district names by id.
    """
    source = Path(str(imp.get("source") or f"imported {imp['layer']}")).name
    where = district_names[int(imp["district"])]
    unit = imp.get("unit", "nodes")
    done = f"{imp['nodes_added']:,} {unit[:-1] if imp['nodes_added'] == 1 else unit} imported"
    if "base_stations" in imp:  # a telecom-sites file (sim.networks.telecom_sites)
        done += f" ({imp['base_stations']:,} base stations)"
    if imp["replace"]:
        done += f", replacing {imp['nodes_removed']:,} generated"
        if "base_stations_removed" in imp:
            done += f" ({imp['base_stations_removed']:,} base stations)"
    warnings = imp.get("warnings", [])
    text = f"{source}: {imp['layer']} layer, district {where}: {done}; {len(warnings)} warning(s)"
    if "base_stations" in imp:  # a sites file's warnings are about the district's coverage
        text += "".join(f" - {w}" for w in warnings)
    return text


def check_imports(imports, city=None) -> list[tuple[int, str]]:
    """Read (and, given the city, place) each of a scenario's ``networks.imports`` as
    `import_networks` does, so ``citysafe validate`` opens every import file.

    Args:
        imports: items as in `import_networks`.
        city: the city, or None to only read the files.

    Returns:
        (index into `imports`, message naming the file and element) per import that fails;
        warnings are issued as the import would issue them.
    """
    problems = []
    for k, imp in enumerate(imports):
        try:
            layer = read_network(
                imp.format, imp.file, imp.layer, power_flow=getattr(imp, "power_flow", False)
            )
            if city is not None:
                place_in_district(layer, city, imp.district, imp.scale)
        except NetworkError as exc:  # NetworkImportError included
            problems.append((k, str(_file_error(imp, exc))))
    return problems


def import_networks(net: MultilayerNetwork, city, imports, spec: NetworkSpec, rng):
    """Apply a scenario's ``networks.imports`` in order (read, place, merge).

    Args:
        net: the generated networks.
        city: the city.
        imports: items with layer, format, file, district, scale, replace, households and
            optionally power_flow (`sim.scenario.schema.NetworkImportConfig`).
        spec: generator parameters.
        rng: numpy Generator.

    Returns:
        The composed MultilayerNetwork (`net` itself when `imports` is empty).

    Raises:
        NetworkImportError: an import that cannot be read, placed or merged, the message
            starting with its file (a merge failure of `READER_FAILURES` included).
    """
    for k, imp in enumerate(imports):
        try:
            layer = read_network(
                imp.format, imp.file, imp.layer, power_flow=getattr(imp, "power_flow", False)
            )
            placed = place_in_district(layer, city, imp.district, imp.scale)
            net = add_imported_network(
                net,
                placed,
                city,
                imp.district,
                replace=imp.replace,
                households=imp.households,
                spec=spec,
                rng=rng,
                import_id=k,
            )
        except NetworkError as exc:
            raise _file_error(imp, exc) from exc
        except READER_FAILURES as exc:  # the merge tripped on what the checks let through
            raise NetworkImportError(
                f"{imp.file}: cannot join this network to the city's ({type(exc).__name__}: "
                f"{exc}); please report it with the file"
            ) from exc
    return net
