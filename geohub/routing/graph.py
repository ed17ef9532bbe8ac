"""The routing graph in memory: the published routing_network read into numpy arrays, per-profile
costs computed once per layer version, and the engine interface both engines implement.

Nodes are indices 0..n-1 into `Network.node_ids` (the OSM node ids); edges are indices into the
edge arrays. An engine answers `shortest_paths` from some nodes to some others, each path a list
of `PathEdge`s; the in-memory `CsgraphEngine` runs scipy's Dijkstra on a CSR matrix per profile.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import shapely
from pyproj import Transformer
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.ops import substring

from geohub.layers.models import LayerDefinition
from geohub.routing.profiles import Profile, edge_cost
from geohub.storage.base import FeatureStore

LAYER_ID = "routing_network"
METRIC_CRS = 32643  # UTM zone 43N: metres around Almaty
MIN_COST_S = 1e-6  # scipy reads an explicit 0 as a missing edge


@dataclass(frozen=True)
class Network:
    """One version of routing_network: edge attributes, geometries and the noded graph."""

    version: int
    edge_ids: list[str]
    properties: list[dict[str, Any]]
    geometries: np.ndarray  # shapely LineStrings, lon/lat, running source → target
    source: np.ndarray  # node index of each edge's start
    target: np.ndarray  # node index of each edge's end
    node_ids: np.ndarray  # OSM node id of each node index
    length_m: np.ndarray

    @property
    def node_count(self) -> int:
        """How many nodes the graph has."""
        return len(self.node_ids)


@dataclass(frozen=True)
class EdgeCosts:
    """Seconds to pass each edge forward and backward for one profile (inf: forbidden)."""

    key: tuple[int, str]  # (layer version, profile.limits_key())
    forward: np.ndarray
    backward: np.ndarray


@dataclass(frozen=True)
class PathEdge:
    """One edge of a path and the direction it is walked in."""

    edge: int
    forward: bool


@dataclass(frozen=True)
class Path:
    """A shortest path between two nodes: its cost in seconds and its edges in order."""

    cost_s: float
    edges: tuple[PathEdge, ...]


class RouteEngine(Protocol):
    """What the service asks of an engine (in memory here, pgRouting in pgrouting.py)."""

    def shortest_paths(
        self,
        network: Network,
        profile: Profile,
        closed: frozenset[int],
        sources: Sequence[int],
        targets: Sequence[int],
    ) -> dict[tuple[int, int], Path]:
        """The cheapest path from each source node to each target node, with `closed` edges
        forbidden both ways; a pair without a path is missing from the answer."""
        ...


def read_network(store: FeatureStore, layer: LayerDefinition, version: int) -> Network:
    """The routing_network version `version` read from the store."""
    edge_ids: list[str] = []
    properties: list[dict[str, Any]] = []
    wkbs: list[bytes] = []
    for feature in store.read_version(layer, version):
        edge_ids.append(feature.id)
        properties.append(dict(feature.properties))
        wkbs.append(feature.geometry)
    geometries = shapely.from_wkb(np.array(wkbs, dtype=object)) if wkbs else np.empty(0, dtype=object)
    ends = np.array([(int(p["source"]), int(p["target"])) for p in properties], dtype=np.int64).reshape(-1, 2)
    node_ids, indices = np.unique(ends.ravel(), return_inverse=True)
    indices = indices.reshape(-1, 2)
    lengths = np.array([float(p.get("length_m") or 0.0) for p in properties], dtype=np.float64)
    return Network(
        version=version,
        edge_ids=edge_ids,
        properties=properties,
        geometries=geometries,
        source=indices[:, 0].astype(np.int32),
        target=indices[:, 1].astype(np.int32),
        node_ids=node_ids,
        length_m=lengths,
    )


def compute_costs(network: Network, profile: Profile) -> EdgeCosts:
    """Every edge's cost both ways for `profile` (profiles.edge_cost, the one cost function)."""
    forward = np.array([edge_cost(profile, p, True) for p in network.properties], dtype=np.float64)
    backward = np.array([edge_cost(profile, p, False) for p in network.properties], dtype=np.float64)
    return EdgeCosts((network.version, profile.limits_key()), forward, backward)


@dataclass(frozen=True)
class _Csgraph:
    """A profile's directed graph as CSR, and which edge (and direction) each stored arc is."""

    matrix: csr_matrix
    arc_edge: np.ndarray
    arc_forward: np.ndarray
    arc_key: np.ndarray  # row * node count + column of each arc, ascending (the CSR's order)


class CostCache:
    """EdgeCosts and CSR graphs per (version, profile limits), kept for the last few profiles."""

    def __init__(self, size: int = 32) -> None:
        self._size = size
        self._costs: dict[tuple[int, str], EdgeCosts] = {}
        self._graphs: dict[tuple[int, str], _Csgraph] = {}
        self._lock = threading.Lock()

    def costs(self, network: Network, profile: Profile) -> EdgeCosts:
        """The profile's costs on this network, computed once."""
        key = (network.version, profile.limits_key())
        found = self._costs.get(key)
        if found is None:
            found = compute_costs(network, profile)
            with self._lock:
                if len(self._costs) >= self._size:
                    self._costs.pop(next(iter(self._costs)))
                self._costs[key] = found
        return found

    def graph(self, network: Network, profile: Profile) -> _Csgraph:
        """The profile's CSR graph: the cheapest arc per ordered node pair, forbidden arcs left out."""
        costs = self.costs(network, profile)
        found = self._graphs.get(costs.key)
        if found is None:
            found = _build_csgraph(network, costs)
            with self._lock:
                if len(self._graphs) >= self._size:
                    self._graphs.pop(next(iter(self._graphs)))
                self._graphs[costs.key] = found
        return found


def _build_csgraph(network: Network, costs: EdgeCosts) -> _Csgraph:
    count = len(network.edge_ids)
    rows = np.concatenate([network.source, network.target])
    cols = np.concatenate([network.target, network.source])
    weights = np.concatenate([costs.forward, costs.backward])
    edges = np.concatenate([np.arange(count), np.arange(count)])
    forward = np.concatenate([np.ones(count, bool), np.zeros(count, bool)])
    keep = np.isfinite(weights) & (rows != cols)
    rows, cols, weights, edges, forward = rows[keep], cols[keep], weights[keep], edges[keep], forward[keep]
    order = np.lexsort((weights, cols, rows))  # by row, column, then cheapest first
    rows, cols, weights, edges, forward = (
        rows[order],
        cols[order],
        weights[order],
        edges[order],
        forward[order],
    )
    first = np.ones(len(rows), bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    rows, cols, weights, edges, forward = (
        rows[first],
        cols[first],
        weights[first],
        edges[first],
        forward[first],
    )
    n = network.node_count
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(indptr, rows + 1, 1)
    matrix = csr_matrix((np.maximum(weights, MIN_COST_S), cols, np.cumsum(indptr)), shape=(n, n))
    return _Csgraph(matrix, edges, forward, rows.astype(np.int64) * n + cols)


class CsgraphEngine:
    """The in-memory engine: scipy's Dijkstra over the cached CSR graph of the profile."""

    def __init__(self, cache: CostCache | None = None) -> None:
        self.cache = cache or CostCache()

    def shortest_paths(
        self,
        network: Network,
        profile: Profile,
        closed: frozenset[int],
        sources: Sequence[int],
        targets: Sequence[int],
    ) -> dict[tuple[int, int], Path]:
        """See RouteEngine.shortest_paths."""
        graph = self.cache.graph(network, profile)
        matrix = graph.matrix
        if closed:
            closed_arcs = np.isin(graph.arc_edge, np.fromiter(closed, dtype=np.int64))
            matrix = matrix.copy()
            matrix.data[closed_arcs] = np.inf
        sources = list(dict.fromkeys(sources))
        distances, predecessors = dijkstra(matrix, directed=True, indices=sources, return_predecessors=True)
        answer: dict[tuple[int, int], Path] = {}
        for row, source in enumerate(sources):
            for target in targets:
                cost = float(distances[row, target])
                if np.isfinite(cost):
                    answer[(source, target)] = Path(
                        cost, _walk_back(graph, predecessors[row], source, target)
                    )
        return answer

    def reachable(
        self,
        network: Network,
        profile: Profile,
        closed: frozenset[int],
        starts: dict[int, float],
        limit_s: float,
    ) -> np.ndarray:
        """Seconds from the nearest start (node: seconds already spent) to each node; inf past `limit_s`."""
        graph = self.cache.graph(network, profile)
        matrix = graph.matrix
        if closed:
            matrix = matrix.copy()
            matrix.data[np.isin(graph.arc_edge, np.fromiter(closed, dtype=np.int64))] = np.inf
        best = np.full(network.node_count, np.inf)
        for node, spent in starts.items():
            if spent <= limit_s:
                seconds = dijkstra(matrix, directed=True, indices=node, limit=limit_s - spent) + spent
                best = np.minimum(best, seconds)
        return best


def _walk_back(graph: _Csgraph, predecessors: np.ndarray, source: int, target: int) -> tuple[PathEdge, ...]:
    nodes = [target]
    while nodes[-1] != source:
        nodes.append(int(predecessors[nodes[-1]]))
    nodes.reverse()
    if len(nodes) < 2:
        return ()
    path = np.array(nodes, dtype=np.int64)
    arcs = np.searchsorted(graph.arc_key, path[:-1] * graph.matrix.shape[0] + path[1:])
    return tuple(
        PathEdge(int(e), bool(f)) for e, f in zip(graph.arc_edge[arcs], graph.arc_forward[arcs], strict=True)
    )


@dataclass(frozen=True)
class Snap:
    """A point put on an edge: the edge, how far along it (0..1, source → target), the distance."""

    edge: int
    fraction: float
    distance_m: float


class EdgeIndex:
    """The network's edges in metres (UTM 43N) with an STRtree, for snapping and nearby reports."""

    def __init__(self, network: Network) -> None:
        self.network = network
        transformer = Transformer.from_crs(4326, METRIC_CRS, always_xy=True)
        self._transformer = transformer
        self.metric = shapely.transform(
            network.geometries, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
        )
        self.tree = shapely.STRtree(self.metric)
        self._coordinates = [shapely.get_coordinates(line) for line in network.geometries]

    def coordinates(self, edge: int, start: float = 0.0, end: float = 1.0) -> np.ndarray:
        """The lon/lat coordinates of the edge between two fractions of its length (start <= end)."""
        if start <= 0.0 and end >= 1.0:
            return self._coordinates[edge]
        part = substring(self.network.geometries[edge], start, end, normalized=True)
        coordinates = shapely.get_coordinates(part)
        return coordinates if len(coordinates) > 1 else np.vstack([coordinates, coordinates])

    def to_metric(self, lon: float, lat: float) -> shapely.Point:
        """The point in the index's metres."""
        x, y = self._transformer.transform(lon, lat)
        return shapely.Point(x, y)

    def near(self, lon: float, lat: float, radius_m: float) -> list[tuple[int, float]]:
        """Edges within `radius_m` of the point and their distance, nearest first."""
        point = self.to_metric(lon, lat)
        found = self.tree.query(point, predicate="dwithin", distance=radius_m)
        distances = shapely.distance(self.metric[found], point)
        order = np.argsort(distances, kind="stable")
        return [(int(found[i]), float(distances[i])) for i in order]

    def snap(self, lon: float, lat: float, edge: int, distance_m: float) -> Snap:
        """The point projected on `edge`."""
        line = self.metric[edge]
        fraction = float(line.project(self.to_metric(lon, lat), normalized=True)) if line.length else 0.0
        return Snap(edge, min(max(fraction, 0.0), 1.0), distance_m)
