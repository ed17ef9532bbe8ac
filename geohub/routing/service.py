"""RoutingService: routes and isochrones on the published routing_network, for a profile and its limits.

The network is read once per published version (checked at most every NETWORK_CHECK_S); costs per
profile are cached by the engine; per request the work is snapping, Dijkstra and the path itself.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from geohub.errors import FieldError, InvalidDataError, NotFoundError
from geohub.messages import N_, Message, tr
from geohub.routing.barriers import Barrier, Barriers
from geohub.routing.explain import constraint_message, explain
from geohub.routing.graph import LAYER_ID, CsgraphEngine, EdgeIndex, Network, RouteEngine, Snap, read_network
from geohub.routing.instructions import Leg, bearing, route_instructions
from geohub.routing.pgrouting import PgRoutingEngine
from geohub.routing.profiles import Profile, directed_incline, edge_warnings, unknown_attributes
from geohub.services import Services
from geohub.storage.postgis import PostgisStore

NETWORK_CHECK_S = 5.0
SNAP_RADIUS_M = 200.0
AREA_RATIO = 0.3  # concave hull of an isochrone: 0 hugs the reached ways, 1 is their convex hull
Point = tuple[float, float]


class NoRouteError(InvalidDataError):
    """No route meets the limits; carries the blocking constraint and the relaxed route."""

    title, slug = N_("No route"), "no-route"

    def __init__(self, constraint: str, relaxed: dict[str, Any] | None) -> None:
        super().__init__(constraint_message(constraint))
        self.constraint = constraint
        self.relaxed = relaxed


@dataclass(frozen=True)
class Piece:
    """Part of one edge walked from fraction `start` to `end` (source → target is 0 → 1)."""

    edge: int
    start: float
    end: float

    @property
    def forward(self) -> bool:
        return self.end >= self.start


@dataclass
class Loaded:
    """A network version and its spatial index."""

    network: Network
    index: EdgeIndex
    checked_at: float = field(default_factory=time.monotonic)


class RoutingService:
    """Routes and isochrones; isochrones always in memory (one Dijkstra with a limit)."""

    def __init__(self, services: Services, barriers: Barriers, engine: RouteEngine | None = None) -> None:
        self._services = services
        self.barriers = barriers
        self.memory = CsgraphEngine()
        self._engine = engine
        self._loaded: Loaded | None = None
        self._lock = threading.Lock()

    @property
    def engine(self) -> RouteEngine:
        """The engine of the backend: pgRouting on PostGIS, the in-memory graph on the embedded store."""
        if self._engine is None:
            store = self._services.store
            if isinstance(store, PostgisStore):
                self._engine = PgRoutingEngine(store, cache=self.memory.cache)
            else:
                self._engine = self.memory
        return self._engine

    def loaded(self) -> Loaded:
        """The current network version, re-read when a new one is published."""
        loaded = self._loaded
        if loaded is not None and time.monotonic() - loaded.checked_at < NETWORK_CHECK_S:
            return loaded
        with self._lock:
            current = self._services.store.current_version(LAYER_ID)
            if current is None:
                raise NotFoundError(tr("The routing network is not published yet."))
            if self._loaded is None or self._loaded.network.version != current.version:
                layer = self._services.registry.get(LAYER_ID)
                network = read_network(self._services.store, layer, current.version)
                self._loaded = Loaded(network, EdgeIndex(network))
            self._loaded.checked_at = time.monotonic()
            return self._loaded

    # routes -------------------------------------------------------------------------------------
    def route(self, points: Sequence[Point], profile: Profile, language: str = "en") -> dict[str, Any]:
        """A GeoJSON Feature for the route through `points` (messages left as Message)."""
        loaded = self.loaded()
        for name, point in _named(points):
            self._check_point(loaded, name, point)
        closed = self.barriers.closed_edges(loaded.index, profile.name)
        found = self._find(loaded, points, profile, closed)
        if found is None:
            explanation = explain(
                profile,
                lambda p, with_barriers: self._find(loaded, points, p, closed if with_barriers else {}),
            )
            relaxed = (
                self._feature(loaded, *explanation.relaxed, [], language) if explanation.relaxed else None
            )
            raise NoRouteError(explanation.constraint, relaxed)
        avoided: list[Barrier] = []
        if closed:
            free = self._find(loaded, points, profile, {})
            on_free = {p.edge for p in free[0]} if free else set()
            avoided = list({closed[e].tracking_id: closed[e] for e in on_free if e in closed}.values())
        return self._feature(loaded, found[0], profile, avoided, language)

    def _check_point(self, loaded: Loaded, name: str, point: Point) -> None:
        min_lon, min_lat, max_lon, max_lat = self._services.settings.etl.city_bounds
        lon, lat = point
        if not (min_lon <= lon <= max_lon and min_lat <= lat <= max_lat):
            raise InvalidDataError(
                tr("The point is outside the city."),
                [FieldError(name, tr("This place is outside the city."))],
            )
        if not loaded.index.near(lon, lat, SNAP_RADIUS_M):
            message = tr("The point is farther than {radius} m from any way.", radius=int(SNAP_RADIUS_M))
            raise InvalidDataError(message, [FieldError(name, message)])

    def _snap(
        self,
        loaded: Loaded,
        point: Point,
        forward: np.ndarray,
        backward: np.ndarray,
        closed: dict[int, Barrier],
    ) -> Snap:
        near = loaded.index.near(point[0], point[1], SNAP_RADIUS_M)
        for edge, distance in near:
            if edge not in closed and (math.isfinite(forward[edge]) or math.isfinite(backward[edge])):
                return loaded.index.snap(point[0], point[1], edge, distance)
        return loaded.index.snap(point[0], point[1], near[0][0], near[0][1])

    def _find(
        self, loaded: Loaded, points: Sequence[Point], profile: Profile, closed: dict[int, Barrier]
    ) -> tuple[list[Piece], Profile] | None:
        """The cheapest pieces through every point, or None."""
        network = loaded.network
        costs = self.memory.cache.costs(network, profile)
        forward, backward = costs.forward.copy(), costs.backward.copy()
        if closed:
            blocked = np.fromiter(closed, dtype=np.int64)
            forward[blocked] = np.inf
            backward[blocked] = np.inf
        snaps = [self._snap(loaded, p, forward, backward, closed) for p in points]
        pieces: list[Piece] = []
        for a, b in itertools.pairwise(snaps):
            leg = self._leg(network, profile, frozenset(closed), forward, backward, a, b)
            if leg is None:
                return None
            pieces.extend(leg)
        return [p for p in pieces if p.start != p.end], profile

    def _leg(
        self,
        network: Network,
        profile: Profile,
        closed: frozenset[int],
        forward: np.ndarray,
        backward: np.ndarray,
        a: Snap,
        b: Snap,
    ) -> list[Piece] | None:
        source, target = network.source, network.target
        starts = {int(source[a.edge]): (_part(a.fraction, backward[a.edge]), Piece(a.edge, a.fraction, 0.0))}
        leave = (_part(1 - a.fraction, forward[a.edge]), Piece(a.edge, a.fraction, 1.0))
        starts.setdefault(int(target[a.edge]), leave)
        ends = {int(source[b.edge]): (_part(b.fraction, forward[b.edge]), Piece(b.edge, 0.0, b.fraction))}
        arrive = (_part(1 - b.fraction, backward[b.edge]), Piece(b.edge, 1.0, b.fraction))
        ends.setdefault(int(target[b.edge]), arrive)
        best: tuple[float, list[Piece]] = (math.inf, [])
        if a.edge == b.edge:
            along = forward[a.edge] if b.fraction >= a.fraction else backward[a.edge]
            best = (abs(b.fraction - a.fraction) * along, [Piece(a.edge, a.fraction, b.fraction)])
        sources = [n for n, (c, _) in starts.items() if math.isfinite(c)]
        targets = [n for n, (c, _) in ends.items() if math.isfinite(c)]
        if sources and targets:
            paths = self.engine.shortest_paths(network, profile, closed, sources, targets)
            for (s, t), path in paths.items():
                cost = starts[s][0] + path.cost_s + ends[t][0]
                if cost < best[0]:
                    middle = [
                        Piece(e.edge, 0.0, 1.0) if e.forward else Piece(e.edge, 1.0, 0.0) for e in path.edges
                    ]
                    best = (cost, [starts[s][1], *middle, ends[t][1]])
        return best[1] if math.isfinite(best[0]) else None

    def _feature(
        self, loaded: Loaded, pieces: list[Piece], profile: Profile, avoided: list[Barrier], language: str
    ) -> dict[str, Any]:
        network, index = loaded.network, loaded.index
        coords: list[tuple[float, float]] = []
        legs: list[Leg] = []
        incline_profile: list[list[float | None]] = []
        warnings: list[dict[str, Any]] = []
        unknown: set[str] = set()
        distance = 0.0
        running: dict[str, dict[str, Any]] = {}  # warnings of the previous piece: a run is warned about once
        for piece in pieces:
            props = network.properties[piece.edge]
            low, high = sorted((piece.start, piece.end))
            line = index.coordinates(piece.edge, low, high)
            if not piece.forward:
                line = line[::-1]
            coords.extend(map(tuple, line if not coords else line[1:]))
            length = (high - low) * float(network.length_m[piece.edge])
            incline = directed_incline(props, piece.forward)
            incline_profile.append([round(distance, 1), None if incline is None else round(incline, 1)])
            legs.append(Leg(props, length, _bearing(line[0], line[1]), _bearing(line[-2], line[-1])))
            kinds = edge_warnings(profile, props, piece.forward)
            at = [round(float(v), 6) for v in line[len(line) // 2]]
            running = {
                kind: running.get(kind) or {"kind": kind, "at": at, "from_m": round(distance, 1)}
                for kind in kinds
            }
            for kind, warning in running.items():
                if "text" not in warning:
                    warning["text"] = WARNINGS.get(kind, TAKE_CARE)
                    warnings.append(warning)
                warning["to_m"] = round(distance + length, 1)  # the run's stretch so far
            unknown.update(unknown_attributes(profile, props, piece.forward))
            distance += length
        incline_profile.append([round(distance, 1), None])
        return {
            "type": "Feature",
            "geometry": {
                "type": "LineString",
                "coordinates": np.round(np.array(coords), 7).tolist(),
            },
            "properties": {
                "distance_m": round(distance, 1),
                "duration_s": round(distance / profile.speed_m_s, 1),
                "profile": profile.name,
                "limits": profile.limits(),
                "incline_profile": incline_profile,
                "instructions": route_instructions(legs, language),
                "warnings": warnings,
                "unknown": [
                    {"attribute": name, "text": WARNINGS.get(f"unknown_{name}", TAKE_CARE)}
                    for name in sorted(unknown)
                ],
                "avoided_reports": [{"trackingId": b.tracking_id, "category": b.category} for b in avoided],
                "network_version": network.version,
            },
        }

    # isochrones ---------------------------------------------------------------------------------
    def isochrone(self, point: Point, minutes: float, profile: Profile) -> dict[str, Any]:
        """The edges reachable from `point` within `minutes` as a GeoJSON FeatureCollection, and
        `area`: the outline of what they reach (a concave hull, for a map to shade)."""
        loaded = self.loaded()
        self._check_point(loaded, "from", point)
        network = loaded.network
        closed = self.barriers.closed_edges(loaded.index, profile.name)
        costs = self.memory.cache.costs(network, profile)
        forward, backward = costs.forward.copy(), costs.backward.copy()
        forward[list(closed)] = np.inf
        backward[list(closed)] = np.inf
        snap = self._snap(loaded, point, forward, backward, closed)
        starts = {
            int(network.source[snap.edge]): _part(snap.fraction, backward[snap.edge]),
            int(network.target[snap.edge]): _part(1 - snap.fraction, forward[snap.edge]),
        }
        limit_s = minutes * 60.0
        seconds = self.memory.reachable(
            network,
            profile,
            frozenset(closed),
            {n: c for n, c in starts.items() if math.isfinite(c)},
            limit_s,
        )
        reached = np.flatnonzero(np.isfinite(seconds[network.source]) & np.isfinite(seconds[network.target]))
        reached = reached[np.isfinite(forward[reached]) | np.isfinite(backward[reached])]
        features = [
            {
                "type": "Feature",
                "id": network.edge_ids[e],
                "geometry": shapely.geometry.mapping(network.geometries[e]),
                "properties": {
                    "seconds": round(float(min(seconds[network.source[e]], seconds[network.target[e]])), 1)
                },
            }
            for e in reached
        ]
        area = shapely.concave_hull(
            shapely.MultiLineString(list(network.geometries[reached])), ratio=AREA_RATIO
        )
        return {
            "type": "FeatureCollection",
            "minutes": minutes,
            "profile": profile.name,
            "limits": profile.limits(),
            "area": shapely.geometry.mapping(area) if len(reached) and area.area > 0 else None,
            "features": features,
        }


def _part(fraction: float, cost: float) -> float:
    """The cost of `fraction` of an edge (nothing at all when the fraction is 0, even if forbidden)."""
    return float(fraction * cost) if fraction > 0 else 0.0


def _named(points: Sequence[Point]) -> list[tuple[str, Point]]:
    names = ["from", *(["via"] * (len(points) - 2)), "to"]
    return list(zip(names, points, strict=True))


def _bearing(start: Any, end: Any) -> float:
    scale = math.cos(math.radians(float(start[1])))
    return bearing(float(start[0]) * scale, float(start[1]), float(end[0]) * scale, float(end[1]))


TAKE_CARE = tr("Take care here.")
WARNINGS: dict[str, Message] = {
    "unknown_surface": tr("Surface not mapped: assumed possibly rough."),
    "unknown_incline": tr("Incline not known: assumed possibly steep."),
    "unknown_kerb": tr("Kerb height at this crossing not mapped: assumed possibly high."),
    "unknown_width": tr("Width not mapped: assumed possibly narrow."),
    "unknown_lit": tr("Lighting not mapped: assumed unlit."),
    "unknown_steps": tr("Not known whether this way has steps."),
    "steep": tr("Steep section."),
    "high_kerb": tr("High kerb."),
    "narrow": tr("Narrow passage."),
    "steps": tr("Steps."),
    "rough_surface": tr("Rough surface."),
}
