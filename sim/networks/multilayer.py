"""Multilayer (interdependent) infrastructure network: layers, typed dependencies, the whole.

A *layer* is one infrastructure system (power, water, drainage, roads) stored column-wise:
node and edge attributes are numpy arrays so that cascades and hazard sampling stay vectorised.
A *dependency* is a typed, directed link "node i of layer A needs node j of layer B", following
the interdependency taxonomy of Rinaldi, Peerenboom & Kelly (2001), "Identifying, understanding,
and analyzing critical infrastructure interdependencies", IEEE Control Systems Magazine 21(6),
11-25: physical (a material/energy output is an input), cyber (information/SCADA), geographic
(co-location: one local event hits both) and logical (any other, e.g. policy or market).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd
from scipy import sparse

from sim.networks.errors import NetworkError

DEPENDENCY_KINDS = ("physical", "cyber", "geographic", "logical")

# Standard node fields: name -> (dtype, default). Units are in the names; `capacity` is in the
# unit of the asset type (kVA for power, m3/day for water, m3/s for drainage pumps, see
# sim.networks.generate.ASSET_TYPES). Fragility fields are NaN = "not susceptible / not yet set".
NODE_FIELDS: dict[str, tuple[type, object]] = {
    "x_m": (np.float64, np.nan),
    "y_m": (np.float64, np.nan),
    "district": (np.int64, -1),
    "asset_type": (np.int64, 0),
    "age_years": (np.float64, np.nan),
    "capacity": (np.float64, np.nan),
    "is_source": (np.bool_, False),
    "customers_households": (np.float64, 0.0),
    "wind_theta_ms": (np.float64, np.nan),
    "wind_beta": (np.float64, np.nan),
    "flood_theta_m": (np.float64, np.nan),
    "flood_beta": (np.float64, np.nan),
    "replacement_cost_yuan": (np.float64, np.nan),
    "road_node": (np.int64, -1),
}

# Minimum edge weight written into the adjacency: an explicit 0 would be dropped by some sparse
# operations and read as "no edge"; 1 mm is far below any modelled length.
_MIN_EDGE_LENGTH_M = 1e-3


def _as_1d(name: str, key: str, arr, what: str) -> np.ndarray:
    a = np.asarray(arr)
    if a.ndim != 1:
        raise NetworkError(f"layer {name!r}: {what} field {key!r} must be 1-D, got shape {a.shape}")
    return a


@dataclass(eq=False)
class Layer:
    """One infrastructure system as a spatial graph with column-wise attributes.

    Attributes:
        name: layer name, e.g. "power", "water", "drainage", "roads".
        nodes: dict of (n,) arrays; the standard fields of `NODE_FIELDS` are filled with their
            defaults when missing (x_m, y_m in metres, city CRS; district index; asset_type code
            into `asset_types`; age_years; capacity; is_source; customers_households;
            wind_theta_ms, wind_beta, flood_theta_m, flood_beta (lognormal fragility, NaN = not
            susceptible); replacement_cost_yuan; road_node = index of the nearest road node).
            Extra fields are allowed.
        edges: dict of (m,) arrays; required u, v (int node indices); length_m (m) defaults to
            1.0. Optional: normally_open (bool; such edges are not in `adjacency()` — open tie
            switches), edge_type (int code into `edge_types`); roads also speed_kmh, crossing.
        asset_types: names of the asset_type codes.
        edge_types: names of the edge_type codes (may be empty).

    Raises:
        NetworkError: arrays of different lengths, missing u/v, indices out of range, self-loops.
    """

    name: str
    nodes: dict[str, np.ndarray]
    edges: dict[str, np.ndarray]
    asset_types: list[str] = field(default_factory=lambda: ["node"])
    edge_types: list[str] = field(default_factory=list)
    _adj_cache: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.nodes:
            raise NetworkError(f"layer {self.name!r}: no node fields given (need at least x_m)")
        nodes = {k: _as_1d(self.name, k, v, "node") for k, v in self.nodes.items()}
        lengths = {k: len(v) for k, v in nodes.items()}
        n = next(iter(lengths.values()))
        bad = {k: m for k, m in lengths.items() if m != n}
        if bad:
            raise NetworkError(f"layer {self.name!r}: node fields differ in length {lengths}")
        for key, (dtype, default) in NODE_FIELDS.items():
            if key in nodes:
                nodes[key] = nodes[key].astype(dtype, copy=False)
            else:
                nodes[key] = np.full(n, default, dtype=dtype)
        self.nodes = nodes

        for req in ("u", "v"):
            if req not in self.edges:
                raise NetworkError(f"layer {self.name!r}: edges need field {req!r}")
        edges = {k: _as_1d(self.name, k, v, "edge") for k, v in self.edges.items()}
        m = len(edges["u"])
        elen = {k: len(v) for k, v in edges.items()}
        if any(x != m for x in elen.values()):
            raise NetworkError(f"layer {self.name!r}: edge fields differ in length {elen}")
        edges["u"] = edges["u"].astype(np.int64, copy=False)
        edges["v"] = edges["v"].astype(np.int64, copy=False)
        edges["length_m"] = (
            edges["length_m"].astype(np.float64, copy=False)
            if "length_m" in edges
            else np.ones(m, dtype=np.float64)
        )
        if m:
            lo = min(edges["u"].min(), edges["v"].min())
            hi = max(edges["u"].max(), edges["v"].max())
            if lo < 0 or hi >= n:
                raise NetworkError(
                    f"layer {self.name!r}: edge endpoint out of range [0, {n}) (min {lo}, max {hi})"
                )
            loops = np.flatnonzero(edges["u"] == edges["v"])
            if loops.size:
                raise NetworkError(
                    f"layer {self.name!r}: {loops.size} self-loop edge(s), first at edge {loops[0]}"
                )
            if np.any(~np.isfinite(edges["length_m"])) or np.any(edges["length_m"] < 0):
                raise NetworkError(f"layer {self.name!r}: length_m must be finite and >= 0")
        codes = nodes["asset_type"]
        if n and (codes.min() < 0 or codes.max() >= len(self.asset_types)):
            raise NetworkError(
                f"layer {self.name!r}: asset_type codes must index asset_types "
                f"(len {len(self.asset_types)}), got range [{codes.min()}, {codes.max()}]"
            )
        self.edges = edges
        self._adj_cache = {}

    @property
    def n_nodes(self) -> int:
        return len(self.nodes["x_m"])

    @property
    def n_edges(self) -> int:
        return len(self.edges["u"])

    def invalidate(self) -> None:
        """Drop the cached adjacency (call after editing `edges` in place)."""
        self._adj_cache.clear()

    def closed_edge_mask(self) -> np.ndarray:
        """(m,) bool: edges that carry flow (not normally-open tie switches)."""
        if "normally_open" in self.edges:
            return ~self.edges["normally_open"].astype(bool)
        return np.ones(self.n_edges, dtype=bool)

    def adjacency(self, include_open: bool = False) -> sparse.csr_array:
        """Symmetric (n, n) adjacency with data = length_m (cached).

        Parallel edges keep the shortest length. Lengths below 1 mm are stored as 1 mm so that no
        edge becomes an explicit zero.

        Args:
            include_open: also include normally-open tie edges.
        """
        key = bool(include_open)
        if key not in self._adj_cache:
            keep = np.ones(self.n_edges, bool) if include_open else self.closed_edge_mask()
            u, v = self.edges["u"][keep], self.edges["v"][keep]
            w = np.maximum(self.edges["length_m"][keep], _MIN_EDGE_LENGTH_M)
            n = self.n_nodes
            rows = np.concatenate([u, v])
            cols = np.concatenate([v, u])
            data = np.concatenate([w, w])
            # Keep the minimum over parallel edges: sort by (row, col, data), take first of each.
            order = np.lexsort((data, cols, rows))
            rows, cols, data = rows[order], cols[order], data[order]
            first = np.ones(len(rows), bool)
            first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
            adj = sparse.csr_array((data[first], (rows[first], cols[first])), shape=(n, n))
            self._adj_cache[key] = adj
        return self._adj_cache[key]

    def degree(self) -> np.ndarray:
        """(n,) number of distinct closed-edge neighbours."""
        return np.diff(self.adjacency().indptr)

    def asset_type_code(self, name: str) -> int:
        """Code of an asset type name; NetworkError listing valid names if unknown."""
        try:
            return self.asset_types.index(name)
        except ValueError:
            raise NetworkError(
                f"layer {self.name!r} has no asset type {name!r}; valid: {self.asset_types}"
            ) from None

    def nodes_frame(self) -> pd.DataFrame:
        """Node attributes as a DataFrame (index = node index), asset type names added."""
        df = pd.DataFrame(self.nodes)
        df["asset_type_name"] = np.asarray(self.asset_types, dtype=object)[self.nodes["asset_type"]]
        return df

    def edges_frame(self) -> pd.DataFrame:
        """Edge attributes as a DataFrame (index = edge index)."""
        return pd.DataFrame(self.edges)

    def to_networkx(self) -> nx.Graph:
        """networkx Graph: node ids 0..n-1 with all node fields, edges with all edge fields.

        Parallel edges collapse into one (the last one wins), as nx.Graph requires.
        """
        g = nx.Graph(name=self.name, asset_types=list(self.asset_types))
        cols = {k: v.tolist() for k, v in self.nodes.items()}
        keys = list(cols)
        g.add_nodes_from((i, {k: cols[k][i] for k in keys}) for i in range(self.n_nodes))
        ecols = {k: v.tolist() for k, v in self.edges.items() if k not in ("u", "v")}
        ekeys = list(ecols)
        u, v = self.edges["u"].tolist(), self.edges["v"].tolist()
        g.add_edges_from((u[j], v[j], {k: ecols[k][j] for k in ekeys}) for j in range(len(u)))
        return g

    @classmethod
    def from_networkx(
        cls,
        name: str,
        graph: nx.Graph,
        asset_types: list[str] | None = None,
        edge_types: list[str] | None = None,
    ) -> Layer:
        """Build a Layer from a networkx graph.

        Nodes are renumbered 0..n-1 in `graph.nodes` order (the original ids are kept in the
        extra node field "nx_id" when they are not already 0..n-1). Node attributes present on
        every node become fields (standard fields of NODE_FIELDS are filled with defaults when
        absent). Edge length_m is taken from the attribute "length_m", else "weight", else the
        Euclidean distance of x_m/y_m when both nodes have them, else 1.0.

        Raises:
            NetworkError: as for the constructor.
        """
        ids = list(graph.nodes)
        n = len(ids)
        index = {nid: i for i, nid in enumerate(ids)}
        nodes: dict[str, np.ndarray] = {}
        attr_names: set[str] = set()
        for _, d in graph.nodes(data=True):
            attr_names |= set(d)
        for key in sorted(attr_names):
            if all(key in d for _, d in graph.nodes(data=True)):
                vals = [d[key] for _, d in graph.nodes(data=True)]
                arr = np.asarray(vals)
                if arr.ndim == 1:
                    nodes[key] = arr
        if ids != list(range(n)):
            nodes["nx_id"] = np.asarray(ids, dtype=object)
        if "x_m" not in nodes:
            nodes["x_m"] = np.full(n, np.nan)
        edge_list = list(graph.edges(data=True))
        u = np.fromiter((index[a] for a, _, _ in edge_list), dtype=np.int64, count=len(edge_list))
        v = np.fromiter((index[b] for _, b, _ in edge_list), dtype=np.int64, count=len(edge_list))
        length = np.empty(len(edge_list))
        x = nodes["x_m"].astype(float)
        y = nodes["y_m"].astype(float) if "y_m" in nodes else np.full(n, np.nan)
        for j, (_, _, d) in enumerate(edge_list):
            if "length_m" in d:
                length[j] = d["length_m"]
            elif "weight" in d:
                length[j] = d["weight"]
            else:
                dist = np.hypot(x[u[j]] - x[v[j]], y[u[j]] - y[v[j]])
                length[j] = dist if np.isfinite(dist) else 1.0
        edges: dict[str, np.ndarray] = {"u": u, "v": v, "length_m": length}
        ekeys: set[str] = set()
        for _, _, d in edge_list:
            ekeys |= set(d)
        for key in sorted(ekeys - {"length_m", "weight"}):
            if all(key in d for _, _, d in edge_list):
                arr = np.asarray([d[key] for _, _, d in edge_list])
                if arr.ndim == 1:
                    edges[key] = arr
        if asset_types is None:
            asset_types = graph.graph.get("asset_types")
        if asset_types is None:
            top = int(nodes["asset_type"].max()) + 1 if "asset_type" in nodes and n else 1
            asset_types = [f"type{i}" for i in range(top)] if top > 1 else ["node"]
        return cls(name, nodes, edges, list(asset_types), list(edge_types or []))

    @classmethod
    def from_edges(
        cls,
        name: str,
        n_nodes: int,
        u: np.ndarray,
        v: np.ndarray,
        *,
        is_source: np.ndarray | None = None,
        length_m: np.ndarray | None = None,
    ) -> Layer:
        """Abstract (non-spatial) layer from an edge list; for tests and theoretical checks."""
        nodes = {"x_m": np.full(n_nodes, np.nan)}
        if is_source is not None:
            nodes["is_source"] = np.asarray(is_source, bool)
        edges = {"u": np.asarray(u), "v": np.asarray(v)}
        if length_m is not None:
            edges["length_m"] = np.asarray(length_m, float)
        return cls(name, nodes, edges)


@dataclass(eq=False)
class Dependency:
    """Typed dependency links: `dependent[i]` of `dependent_layer` needs `supplier[i]` of
    `supplier_layer` (Rinaldi, Peerenboom & Kelly 2001, IEEE Control Systems 21(6), 11-25),
    or, where `alternate` names more supplies, any one of them.

    Attributes:
        kind: one of "physical", "cyber", "geographic", "logical".
        dependent_layer, supplier_layer: layer names.
        dependent, supplier: (k,) int node indices.
        buffer_h: (k,) hours the dependent keeps working after losing its supplies (backup
            generator fuel, tank storage, batteries); 0 = fails at once, inf = never. A scalar is
            broadcast. With alternates the hours count from the moment the last supply is lost.
        description: free text with the source or assumption behind the links.
        alternate: None (one supply each, the rule of every link before dual supplies) or a
            (k, a) int array of further supplier nodes, -1 where there is none: link i is
            satisfied while `supplier[i]` or any `alternate[i, j] >= 0` works — a load fed by
            independent sources (a first-class load's dual supply, GB 50052-2009 §3.0.2).

    Raises:
        NetworkError: unknown kind, arrays of different lengths, negative/NaN buffers, an
            alternate array of the wrong shape or below -1.
    """

    kind: str
    dependent_layer: str
    supplier_layer: str
    dependent: np.ndarray
    supplier: np.ndarray
    buffer_h: np.ndarray | float = 0.0
    description: str = ""
    alternate: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.kind not in DEPENDENCY_KINDS:
            raise NetworkError(
                f"dependency {self.label}: kind {self.kind!r} not in {DEPENDENCY_KINDS}"
            )
        self.dependent = np.asarray(self.dependent, dtype=np.int64).ravel()
        self.supplier = np.asarray(self.supplier, dtype=np.int64).ravel()
        k = len(self.dependent)
        if len(self.supplier) != k:
            raise NetworkError(
                f"dependency {self.label}: {k} dependents but {len(self.supplier)} suppliers"
            )
        buf = np.asarray(self.buffer_h, dtype=np.float64)
        buf = np.broadcast_to(buf, (k,)).copy() if buf.ndim == 0 else buf.ravel()
        if len(buf) != k:
            raise NetworkError(f"dependency {self.label}: buffer_h has {len(buf)} values, need {k}")
        if np.any(np.isnan(buf)) or np.any(buf < 0):
            raise NetworkError(f"dependency {self.label}: buffer_h must be >= 0 (inf allowed)")
        self.buffer_h = buf
        if self.alternate is not None:
            alt = np.asarray(self.alternate, dtype=np.int64)
            alt = alt.reshape(k, 1) if alt.ndim == 1 and len(alt) == k else alt
            if alt.ndim != 2 or alt.shape[0] != k or np.any(alt < -1):
                raise NetworkError(
                    f"dependency {self.label}: alternate must be ({k}, a) node indices or -1, "
                    f"got shape {alt.shape}"
                )
            self.alternate = alt

    @property
    def suppliers(self) -> np.ndarray:
        """(k, 1 + a) every supply of each link (`supplier` first), -1 where there is none."""
        if self.alternate is None:
            return self.supplier[:, None]
        return np.column_stack([self.supplier, self.alternate])

    @property
    def label(self) -> str:
        return f"{self.dependent_layer}<-{self.supplier_layer} ({self.kind})"

    def __len__(self) -> int:
        return len(self.dependent)


@dataclass(eq=False)
class MultilayerNetwork:
    """Interdependent infrastructure: layers by name plus typed dependency links.

    Raises:
        NetworkError: a dependency names an unknown layer or an out-of-range node.
    """

    layers: dict[str, Layer]
    dependencies: list[Dependency] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    """Free-form provenance (e.g. the generator spec and per-district counts)."""

    def __post_init__(self) -> None:
        for key, layer in self.layers.items():
            if key != layer.name:
                raise NetworkError(
                    f"layers dict key {key!r} differs from layer.name {layer.name!r}"
                )
        for dep in self.dependencies:
            self._check_dependency(dep)

    def _check_dependency(self, dep: Dependency) -> None:
        alt = np.empty(0, np.int64) if dep.alternate is None else dep.alternate.ravel()
        for role, lname, idx in (
            ("dependent", dep.dependent_layer, dep.dependent),
            ("supplier", dep.supplier_layer, dep.supplier),
            ("alternate", dep.supplier_layer, alt[alt >= 0]),
        ):
            if lname not in self.layers:
                raise NetworkError(
                    f"dependency {dep.label}: unknown {role} layer {lname!r}; "
                    f"layers are {list(self.layers)}"
                )
            n = self.layers[lname].n_nodes
            if len(idx) and (idx.min() < 0 or idx.max() >= n):
                raise NetworkError(
                    f"dependency {dep.label}: {role} index out of range [0, {n}) "
                    f"(min {idx.min()}, max {idx.max()})"
                )

    def add_dependency(self, dep: Dependency) -> None:
        """Validate and append a dependency."""
        self._check_dependency(dep)
        self.dependencies.append(dep)

    def layer(self, name: str) -> Layer:
        """Layer by name; NetworkError listing the layers if unknown."""
        try:
            return self.layers[name]
        except KeyError:
            raise NetworkError(f"no layer {name!r}; layers are {list(self.layers)}") from None

    @property
    def n_nodes(self) -> int:
        """Total number of nodes (assets) over all layers."""
        return sum(layer.n_nodes for layer in self.layers.values())

    @property
    def n_edges(self) -> int:
        return sum(layer.n_edges for layer in self.layers.values())

    def summary(self) -> pd.DataFrame:
        """One row per layer: n_nodes, n_edges, n_sources, customers_households,
        n_dependent (nodes with at least one dependency), plus a "total" row."""
        rows = []
        for name, layer in self.layers.items():
            dependent = np.zeros(layer.n_nodes, bool)
            for dep in self.dependencies:
                if dep.dependent_layer == name:
                    dependent[dep.dependent] = True
            rows.append(
                {
                    "layer": name,
                    "n_nodes": layer.n_nodes,
                    "n_edges": layer.n_edges,
                    "n_sources": int(layer.nodes["is_source"].sum()),
                    "customers_households": float(layer.nodes["customers_households"].sum()),
                    "n_dependent": int(dependent.sum()),
                }
            )
        df = pd.DataFrame(rows).set_index("layer")
        df.loc["total"] = df.sum(numeric_only=True)
        return df.astype({c: "int64" for c in df.columns if c != "customers_households"})

    def dependency_summary(self) -> pd.DataFrame:
        """One row per Dependency: kind, layers, count, buffer statistics (h)."""
        return pd.DataFrame(
            [
                {
                    "kind": d.kind,
                    "dependent_layer": d.dependent_layer,
                    "supplier_layer": d.supplier_layer,
                    "n_links": len(d),
                    "buffer_h_min": float(d.buffer_h.min()) if len(d) else np.nan,
                    "buffer_h_max": float(d.buffer_h.max()) if len(d) else np.nan,
                    "description": d.description,
                }
                for d in self.dependencies
            ]
        )

    def to_networkx(self) -> nx.DiGraph:
        """The whole multiplex as one networkx DiGraph.

        Node ids are (layer_name, index) tuples with the layer's node fields plus "layer".
        Each intra-layer edge appears in both directions with kind="intra" and its edge fields;
        each dependency appears as an arc supplier -> dependent with kind=<dependency kind>,
        buffer_h and supply (0: `supplier`; j >= 1: `alternate[:, j - 1]`; the arcs of one
        Dependency into one dependent with different supply numbers are alternatives).
        """
        g = nx.DiGraph()
        for name, layer in self.layers.items():
            lg = layer.to_networkx()
            g.add_nodes_from(((name, i), {**d, "layer": name}) for i, d in lg.nodes(data=True))
            for a, b, d in lg.edges(data=True):
                attrs = {**d, "kind": "intra", "layer": name}
                g.add_edge((name, a), (name, b), **attrs)
                g.add_edge((name, b), (name, a), **attrs)
        for dep in self.dependencies:
            for j, col in enumerate(dep.suppliers.T):
                has = col >= 0
                for s, t, buf in zip(
                    col[has].tolist(),
                    dep.dependent[has].tolist(),
                    dep.buffer_h[has].tolist(),
                    strict=True,
                ):
                    g.add_edge(
                        (dep.supplier_layer, s),
                        (dep.dependent_layer, t),
                        kind=dep.kind,
                        buffer_h=buf,
                        supply=j,
                    )
        return g
