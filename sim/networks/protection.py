"""10 kV feeders as protection zones: a fault trips the whole feeder, switching restores the rest.

A real distribution feeder does not lose only the faulted node's downstream subtree. A fault on
a 10 kV feeder trips the feeder's breaker at the substation, so the whole feeder goes dark;
crews (or distribution automation, FLISR) then open the sectionalising switches around the
faulted section and restore the healthy sections upstream from the substation and downstream
through a normally-open tie to a neighbouring feeder, where one exists; only the faulted
section, and downstream sections without a tie, wait for the repair. Utilities describe
exactly this sequence: Kentucky Power (AEP), "Reliability improvements"
(kentuckypower.com/community/projects/reliability-improvements): a fault cuts every customer
downstream of the substation breaker, switching to neighbouring circuits restores them,
automatically within minutes where distribution automation exists and manually in "five
minutes to several hours" elsewhere; under a typhoon the first city's grid operator isolates
the faults and restores supply first, repairs following when the storm weakens (typhoon Muifa,
7 Aug 2011, 181 faulted lines: Eastday report as reprinted at
qingdaonews.com/content/2011-08/07/content_8891770.htm).

The model here (:class:`FeederZones`, used by :class:`sim.networks.cascade.CascadeEngine`):

* every generated 10 kV node (``distribution_transformer_10kv``) belongs to one **feeder** of
  the substation its radial tree hangs from. A substation's nodes are cut into
  ``round(H_s / households_per_feeder)`` (at least 1) feeders by angle around the substation,
  each with an equal share of the substation's households H_s, so the households per feeder
  are the same at every ``networks.resolution`` (a physical fact, not a discretisation);
* each feeder is cut into ``sections`` equal-household **sections** by distance from the
  substation (section 0 next to the breaker; a higher index is downstream): the stylised
  main line with its sectionalising switches (assumption: the generated radial tree is kept
  for drawing and for the other layers' nearest-node ties, not for protection);
* a share ``tie_share`` of the feeders has a normally-open tie at its far end to the
  nearest feeder of another substation of the same district (else of the same substation);
* a new fault (a node of the feeder newly damaged, or a damaged feeder edge at one of its
  nodes) trips the whole feeder for ``isolation_h`` hours; afterwards the sections upstream of
  the first faulted section are fed from the substation, the sections downstream of the last
  faulted one from the tie partner's substation (if the feeder has a tie and its partner is
  itself fault-free and not tripped), and the rest stay out until repair. A further fault
  trips the feeder again (a new switching round).

Cost: one pass over the 10 kV nodes per update (``numpy.bincount`` and indexing), O(n).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from sim.networks.errors import NetworkError
from sim.networks.multilayer import Layer

FEEDER_NODE_TYPE = "distribution_transformer_10kv"
"""The asset type grouped into feeders (the generated 10 kV nodes); imported networks' buses
keep the plain source-served rule."""
SUBSTATION_TYPE = "substation_110_35kv"
"""The asset type a feeder hangs from (its breaker)."""
FEEDER_EDGE_TYPE = "feeder_10kv"


def _roots(layer: Layer) -> np.ndarray:
    """(n,) index of the substation each node's 10 kV tree hangs from, -1 where none (one
    connected-components call over the feeder edges: each tree holds one substation)."""
    n = layer.n_nodes
    out = np.full(n, -1, np.int64)
    if FEEDER_EDGE_TYPE not in layer.edge_types or SUBSTATION_TYPE not in layer.asset_types:
        return out
    e = layer.edges
    sel = e["edge_type"] == layer.edge_types.index(FEEDER_EDGE_TYPE)
    g = sparse.csr_array((np.ones(int(sel.sum()), np.int8), (e["u"][sel], e["v"][sel])), (n, n))
    _, lab = connected_components(g, directed=False)
    subs = np.flatnonzero(layer.nodes["asset_type"] == layer.asset_types.index(SUBSTATION_TYPE))
    root_of = np.full(lab.max() + 1, -1, np.int64)
    root_of[lab[subs]] = subs  # a tree with two substations (none generated) keeps the last
    return root_of[lab]


def _equal_share_groups(
    group: np.ndarray, key: np.ndarray, weight: np.ndarray, n_parts: np.ndarray
) -> np.ndarray:
    """Cut each group, ordered by ``key``, into ``n_parts[group]`` runs of equal ``weight``.

    Args:
        group: (k,) int group of each item (0 … G-1).
        key: (k,) float order within the group.
        weight: (k,) float > 0 (households; a tiny floor keeps empty groups cut by count).
        n_parts: (G,) int >= 1 runs per group.

    Returns:
        (k,) int run index of each item within its group, 0 … n_parts - 1.
    """
    order = np.lexsort((key, group))
    g, w = group[order], weight[order]
    total = np.bincount(g, weights=w, minlength=len(n_parts))
    cum = np.cumsum(w)
    before = cum - w - (np.cumsum(total) - total)[g]  # weight of the group's earlier items
    part = np.floor((before + 0.5 * w) / total[g] * n_parts[g]).astype(np.int64)
    out = np.empty(len(group), np.int64)
    out[order] = np.minimum(part, n_parts[g] - 1)
    return out


def _feeder_nodes(layer: Layer) -> tuple[np.ndarray, np.ndarray]:
    """(nodes, root): the generated 10 kV nodes hanging from a substation, and that substation."""
    root = _roots(layer)
    nd = layer.nodes
    is_feeder_type = (
        nd["asset_type"] == layer.asset_types.index(FEEDER_NODE_TYPE)
        if FEEDER_NODE_TYPE in layer.asset_types
        else np.zeros(layer.n_nodes, bool)
    )
    nodes = np.flatnonzero(is_feeder_type & (root >= 0))
    return nodes, root[nodes]


def _cut_feeders(nd, nodes: np.ndarray, node_root: np.ndarray, households_per_feeder: float):
    """Feeders by angle around each substation, of equal households.

    Returns:
        (feeder of each of `nodes`, feeders per substation (S,), substations (S,)).
    """
    subs, sub_of = np.unique(node_root, return_inverse=True)
    dx = nd["x_m"][nodes] - nd["x_m"][node_root]
    dy = nd["y_m"][nodes] - nd["y_m"][node_root]
    w = nd["customers_households"][nodes] + 1e-6  # floor: a group of empty nodes cut by count
    hh = np.bincount(sub_of, weights=w, minlength=len(subs))
    n_f = np.maximum(1, np.round(hh / households_per_feeder)).astype(np.int64)
    local = _equal_share_groups(sub_of, np.arctan2(dy, dx), w, n_f)
    return (np.cumsum(n_f) - n_f)[sub_of] + local, n_f, subs


def feeder_of(layer: Layer, households_per_feeder: float) -> np.ndarray:
    """(n,) the 10 kV feeder (protection zone) of each node of a power layer, -1 outside any.

    The same feeders as :class:`FeederZones` builds (no random draw): a substation's
    generated 10 kV nodes cut by angle into ``round(H_s / households_per_feeder)`` feeders of
    equal households. Read by the generator to give a pumping station its second supply on
    another feeder (:func:`second_supply`), whether or not protection is modelled in the run.

    Raises:
        NetworkError: households_per_feeder <= 0.
    """
    if households_per_feeder <= 0:
        raise NetworkError(f"households_per_feeder must be > 0, got {households_per_feeder}")
    nodes, node_root = _feeder_nodes(layer)
    out = np.full(layer.n_nodes, -1, np.int64)
    if nodes.size:
        out[nodes] = _cut_feeders(layer.nodes, nodes, node_root, households_per_feeder)[0]
    return out


class FeederZones:
    """Feeders and sections of a power layer and their protection state over a run.

    Args:
        layer: the power layer (generated; its ``feeder_10kv`` edges define the trees).
        households_per_feeder: households one feeder serves
            (:attr:`sim.networks.spec.NetworkSpec.households_per_feeder`, with its source).
        sections: sections per feeder (sectionalising switches + 1).
        tie_share: share of feeders with a normally-open tie to a neighbouring feeder.
        isolation_h: hours from a feeder's trip to the restoration of its healthy sections
            (``networks.feeder_isolation_h``).
        rng: generator choosing the feeders with a tie (stream ``networks.protection``).

    Attributes:
        feeder: (n,) feeder of each node, -1 for nodes outside any feeder.
        section: (n,) section of each node within its feeder, -1 outside.
        root: (F,) substation node of each feeder; partner: (F,) tie partner feeder or -1.
        u, v: the connectivity graph the engine uses for the layer: the layer's edges that do
            not touch a feeder node, then one edge from each feeder node to its substation,
            then one from each feeder node of a tied feeder to the partner's substation.
        trips: feeder trips so far (a feeder tripping twice counts twice).

    Raises:
        NetworkError: a non-positive households_per_feeder, isolation time or section count.
    """

    def __init__(
        self,
        layer: Layer,
        households_per_feeder: float,
        sections: int,
        tie_share: float,
        isolation_h: float,
        rng: np.random.Generator,
    ) -> None:
        if households_per_feeder <= 0 or sections < 1 or isolation_h < 0:
            raise NetworkError(
                "feeder zones need households_per_feeder > 0, sections >= 1 and isolation_h "
                f">= 0 (got {households_per_feeder}, {sections}, {isolation_h})"
            )
        self.n = layer.n_nodes
        self.sections = int(sections)
        self.isolation_h = float(isolation_h)
        nd = layer.nodes
        self.nodes, node_root = _feeder_nodes(layer)
        self._assign(nd, node_root, households_per_feeder)
        self._ties(nd, tie_share, rng)
        self._graph(layer)
        self.reset()

    def _assign(self, nd, node_root: np.ndarray, households_per_feeder: float) -> None:
        """Feeder by angle around the substation, section by distance from it."""
        z = self.nodes
        fz, n_f, subs = _cut_feeders(nd, z, node_root, households_per_feeder)
        n_feeders = int(n_f.sum())
        dx = nd["x_m"][z] - nd["x_m"][node_root]
        dy = nd["y_m"][z] - nd["y_m"][node_root]
        w = nd["customers_households"][z] + 1e-6  # floor: a group of empty nodes cut by count
        sec = _equal_share_groups(
            fz, np.hypot(dx, dy), w, np.full(n_feeders, self.sections, np.int64)
        )
        self.feeder = np.full(self.n, -1, np.int64)
        self.section = np.full(self.n, -1, np.int64)
        self.feeder[z], self.section[z] = fz, sec
        self.n_feeders = n_feeders
        self.root = np.repeat(subs, n_f)
        self.households = np.bincount(
            fz, weights=nd["customers_households"][z], minlength=n_feeders
        )

    def _ties(self, nd, tie_share: float, rng: np.random.Generator) -> None:
        """Tie partner of each feeder: of the 8 feeders with the nearest centroids, the first
        of the same district under another substation, else under the same one."""
        z, f = self.nodes, self.feeder[self.nodes]
        cnt = np.maximum(np.bincount(f, minlength=self.n_feeders), 1)
        cx = np.bincount(f, weights=nd["x_m"][z], minlength=self.n_feeders) / cnt
        cy = np.bincount(f, weights=nd["y_m"][z], minlength=self.n_feeders) / cnt
        self.partner = np.full(self.n_feeders, -1, np.int64)
        k = min(9, self.n_feeders)
        if k >= 2:
            _, nb = cKDTree(np.column_stack([cx, cy])).query(np.column_stack([cx, cy]), k=k)
            nb = nb[:, 1:]
            dist = nd["district"][self.root]
            same_d = (dist[nb] == dist[:, None]) & (nb != np.arange(self.n_feeders)[:, None])
            for ok in (same_d & (self.root[nb] != self.root[:, None]), same_d):
                pick = ok.any(axis=1) & (self.partner < 0)
                self.partner[pick] = nb[pick, np.argmax(ok[pick], axis=1)]
        tied = (self.partner >= 0) & (rng.random(self.n_feeders) < tie_share)
        self.partner[~tied] = -1

    def _graph(self, layer: Layer) -> None:
        e = layer.edges
        self._eu, self._ev = e["u"], e["v"]
        in_zone = self.feeder >= 0
        self._base = np.flatnonzero(~in_zone[e["u"]] & ~in_zone[e["v"]])
        self._touch = np.flatnonzero(in_zone[e["u"]] | in_zone[e["v"]])
        z = self.nodes
        fz = self.feeder[z]
        self._tied = z[self.partner[fz] >= 0]
        self.u = np.concatenate([e["u"][self._base], z, self._tied])
        self.v = np.concatenate(
            [e["v"][self._base], self.root[fz], self.root[self.partner[self.feeder[self._tied]]]]
        )
        self._sec_id = fz * self.sections + self.section[z]

    def reset(self) -> None:
        """Forget trips and faults (a new run)."""
        self._trip_t = np.full(self.n_feeders, -np.inf)
        self._faulted = np.zeros(len(self.nodes), bool)
        self.trips = 0

    def update(
        self, damaged: np.ndarray, edge_damaged: np.ndarray, edge_ok: np.ndarray, t_h: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Protection state at model time ``t_h`` (non-decreasing across calls).

        Args:
            damaged: (n,) bool, the layer's damaged nodes.
            edge_damaged: (m,) bool, the layer's damaged edges (a faulted span faults the
                feeders at its ends; an open tie is not a fault).
            edge_ok: (m,) bool, the layer's edges in service (closed and not damaged).
            t_h: model time, hours.

        Returns:
            (out, graph_ok): (n,) bool nodes switched out (tripped, faulted or cut off
            downstream; not damaged) and the (len(u),) bool edges of `u`, `v` in use now.
        """
        z, s_n = self.nodes, self.sections
        fault = damaged[z].copy()
        bad = self._touch[edge_damaged[self._touch]]
        if bad.size:
            hit = np.zeros(self.n, bool)
            hit[self._eu[bad]] = hit[self._ev[bad]] = True
            fault |= hit[z]
        fz = self.feeder[z]
        new = np.unique(fz[fault & ~self._faulted])
        self._trip_t[new] = t_h
        self.trips += new.size
        self._faulted = fault
        sec_fault = np.bincount(self._sec_id[fault], minlength=self.n_feeders * s_n) > 0
        sec_fault = sec_fault.reshape(self.n_feeders, s_n)
        has = sec_fault.any(axis=1)
        first = np.where(has, np.argmax(sec_fault, axis=1), s_n)
        last = np.where(has, s_n - 1 - np.argmax(sec_fault[:, ::-1], axis=1), -1)
        ready = t_h - self._trip_t >= self.isolation_h  # switching done (or never tripped)
        p = self.partner
        via_tie = has & (p >= 0) & ready & ~has[p] & ready[p]
        sec = self.section[z]
        up = ready[fz] & (sec < first[fz])
        down = via_tie[fz] & (sec > last[fz])
        out = np.zeros(self.n, bool)
        out[z] = ~(up | down)
        tie_ok = down[np.searchsorted(z, self._tied)]
        graph_ok = np.concatenate([edge_ok[self._base], up, tie_ok])
        return out, graph_ok


def second_supply(
    xy: np.ndarray,
    district: np.ndarray,
    layer: Layer,
    primary: np.ndarray,
    households_per_feeder: float,
    window: int = 16,
    feeder: np.ndarray | None = None,
) -> np.ndarray:
    """The second 10 kV supply of each dual-supplied load: the nearest generated 10 kV node of
    its district on another feeder than its first supply's.

    Why: water and large drainage pumping stations are first-class loads, fed by two
    independent sources so that one source's fault does not also take the other
    (GB 50052-2009 《供配电系统设计规范》 §3.0.2, whose wording is repeated in GB 51348-2019
    §3.2.8, read at jianbiaoku.com/webarbs/book/152596/4431570.shtml; GB 50788-2012
    《城镇给水排水技术规范》 §7.3.1 and its explanatory note, read at
    jianbiaoku.com/webarbs/book/11230/304742.shtml: the main water works and pumping stations
    of large cities are first-class loads, new water facilities should take two independent
    external supplies, and important drainage pumping stations are first-class too). The
    pumping-station clauses of GB 50013 and CJJ 58 were not found in a readable source.
    Assumption: the second supply is a different 10 kV feeder of the district (two feeders of
    one substation on different bus sections count as independent in practice; the
    substation's own loss still takes both), the nearest one, since the generated network
    has no dedicated pump feeders; every booster and drainage station is treated as
    first-class.

    Args:
        xy: (q, 2) the loads' coordinates, metres (city CRS).
        district: (q,) the loads' districts.
        layer: the power layer (generated 10 kV feeders, :func:`feeder_of`).
        primary: (q,) each load's first supply (a node of `layer`).
        households_per_feeder: as for :func:`feeder_of`.
        window: nearest 10 kV nodes searched first (a k-d tree query); a load without a
            candidate among them is compared with every 10 kV node of its district.
        feeder: ``feeder_of(layer, households_per_feeder)`` when the caller has it (computed
            here otherwise), so that loads of several kinds share one computation.

    Returns:
        (q,) int node of the second supply, -1 where the district has no other feeder.

    Raises:
        NetworkError: households_per_feeder <= 0.
    """
    if feeder is None:
        feeder = feeder_of(layer, households_per_feeder)
    cand = np.flatnonzero(feeder >= 0)
    q = len(primary)
    out = np.full(q, -1, np.int64)
    if cand.size == 0 or q == 0:
        return out
    nd = layer.nodes
    cxy = np.column_stack([nd["x_m"][cand], nd["y_m"][cand]])
    cd, cf = nd["district"][cand], feeder[cand]
    pf = feeder[np.asarray(primary, np.int64)]
    _, nb = cKDTree(cxy).query(xy, k=min(window, cand.size))
    nb = np.asarray(nb).reshape(q, -1)
    ok = (cd[nb] == district[:, None]) & (cf[nb] != pf[:, None])
    found = ok.any(axis=1)
    out[found] = cand[nb[found, np.argmax(ok[found], axis=1)]]
    for i in np.flatnonzero(~found):  # few: loads in districts with few 10 kV nodes nearby
        sel = np.flatnonzero((cd == district[i]) & (cf != pf[i]))
        if sel.size:
            d2 = ((cxy[sel] - xy[i]) ** 2).sum(axis=1)
            out[i] = cand[sel[np.argmin(d2)]]
    return out
