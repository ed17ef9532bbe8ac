"""pgRouting's pgr_dijkstra and the in-memory engine give the same paths on the real Almaty network."""

from __future__ import annotations

import math
import pathlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import psycopg
import pytest
import shapely

from geohub.layers.registry import LayerRegistry
from geohub.routing.barriers import Barriers
from geohub.routing.graph import LAYER_ID, CostCache, CsgraphEngine, Network, Path, read_network
from geohub.routing.pgrouting import PgRoutingEngine
from geohub.routing.profiles import PROFILES, Profile
from geohub.routing.service import NoRouteError, RoutingService
from geohub.routing_network.network import build_network, edge_record
from geohub.services import Services
from geohub.settings import Settings
from geohub.storage.base import Feature
from geohub.storage.postgis import PostgisStore
from tests.conftest import DEMO_DATA, throwaway_database

EQUIVALENCE_PROFILES = ["manual_wheelchair", "stroller", "pedestrian"]


@dataclass
class Engines:
    url: str
    store: PostgisStore
    network: Network
    memory: CsgraphEngine
    pgrouting: PgRoutingEngine


@pytest.fixture(scope="module")
def features() -> list[Feature]:
    """The real network built from the Almaty extract and DEM (about 12,000 edges, ~1 s)."""
    edges = build_network(DEMO_DATA / "almaty.osm.pbf", DEMO_DATA / "dem.tif")
    return [
        Feature(e.edge_id, shapely.to_wkb(shapely.LineString(e.coords)), {**edge_record(e), "district": None})
        for e in edges
    ]


@pytest.fixture(scope="module")
def engines(registry: LayerRegistry, features: list[Feature]) -> Iterator[Engines]:
    """The real Almaty network published in a throwaway PostGIS database (no pgRouting yet)."""
    with throwaway_database("geohub_pgrouting") as url:
        store = PostgisStore(url)
        layer = registry.get(LAYER_ID)
        version = store.write_version(layer, features).version
        network = read_network(store, layer, version)
        cache = CostCache()
        yield Engines(url, store, network, CsgraphEngine(cache), PgRoutingEngine(store, cache))
        store.close()


def _query(url: str, text: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        return conn.execute(text, params).fetchall()  # type: ignore[arg-type]


def _run(url: str, text: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(text)  # type: ignore[arg-type]


def _assert_same(network: Network, profile: Profile, expected: Path, found: Path) -> None:
    """The same edges walked the same way, or (a tie) another valid path of the same cost."""
    assert found.cost_s == pytest.approx(expected.cost_s, abs=1e-6)
    if found.edges != expected.edges:
        costs = CostCache().costs(network, profile)
        total = sum(costs.forward[s.edge] if s.forward else costs.backward[s.edge] for s in found.edges)
        assert total == pytest.approx(expected.cost_s, abs=1e-6)


@pytest.mark.parametrize("profile_name", EQUIVALENCE_PROFILES)
def test_both_engines_give_the_same_path_for_20_random_pairs(engines: Engines, profile_name: str) -> None:
    network, profile = engines.network, PROFILES[profile_name]
    rng = np.random.default_rng(13)
    pairs = rng.integers(0, network.node_count, size=(20, 2)).tolist()
    routed = 0
    for source, target in pairs:
        expected = engines.memory.shortest_paths(network, profile, frozenset(), [source], [target])
        found = engines.pgrouting.shortest_paths(network, profile, frozenset(), [source], [target])
        assert found.keys() == expected.keys()
        for pair, path in expected.items():
            _assert_same(network, profile, path, found[pair])
            routed += 1
    assert routed >= 10  # most random pairs on the city's network have a path


def test_many_sources_and_targets_in_one_query(engines: Engines) -> None:
    network, profile = engines.network, PROFILES["manual_wheelchair"]
    sources, targets = [0, 5, 7], [1, 2, 3, 5]
    expected = engines.memory.shortest_paths(network, profile, frozenset(), sources, targets)
    found = engines.pgrouting.shortest_paths(network, profile, frozenset(), sources, targets)
    assert found.keys() == expected.keys() and len(found) > len(sources)
    for pair, expected_path in expected.items():
        _assert_same(network, profile, expected_path, found[pair])
    assert found[(5, 5)] == Path(0.0, ())


def _long_path(engines: Engines, profile: Profile) -> tuple[int, int, Path]:
    rng = np.random.default_rng(7)
    for source, target in rng.integers(0, engines.network.node_count, size=(50, 2)).tolist():
        paths = engines.memory.shortest_paths(engines.network, profile, frozenset(), [source], [target])
        if (source, target) in paths and len(paths[(source, target)].edges) >= 10:
            return source, target, paths[(source, target)]
    raise AssertionError("no long path among 50 random pairs")


def test_closed_edges_are_left_out_by_both_engines(engines: Engines) -> None:
    network, profile = engines.network, PROFILES["walker"]
    source, target, open_path = _long_path(engines, profile)
    closed = frozenset(step.edge for step in open_path.edges[4:6])
    expected = engines.memory.shortest_paths(network, profile, closed, [source], [target])
    found = engines.pgrouting.shortest_paths(network, profile, closed, [source], [target])
    assert found.keys() == expected.keys()
    for pair, path in expected.items():
        _assert_same(network, profile, path, found[pair])
        assert closed.isdisjoint(step.edge for step in found[pair].edges)
        assert found[pair].cost_s > open_path.cost_s


def test_no_edge_is_walked_in_a_forbidden_direction(engines: Engines) -> None:
    network, profile = engines.network, PROFILES["manual_wheelchair"]
    costs = CostCache().costs(network, profile)
    one_way = np.flatnonzero(np.isfinite(costs.backward) & ~np.isfinite(costs.forward))
    assert len(one_way) > 0  # steep DEM slopes: passable downhill only
    edge = int(one_way[0])
    source, target = int(network.source[edge]), int(network.target[edge])
    found = engines.pgrouting.shortest_paths(network, profile, frozenset(), [source], [target])
    for path in found.values():
        assert all(
            math.isfinite(costs.forward[s.edge] if s.forward else costs.backward[s.edge]) for s in path.edges
        )
    expected = engines.memory.shortest_paths(network, profile, frozenset(), [source], [target])
    assert found.keys() == expected.keys()


def test_cost_sets_are_kept_per_version_and_limits_with_the_python_costs(engines: Engines) -> None:
    network = engines.network
    stricter = PROFILES["manual_wheelchair"].with_limits(max_incline_up_pct=3.0)
    for profile in (PROFILES["manual_wheelchair"], stricter):
        engines.pgrouting.shortest_paths(network, profile, frozenset(), [0], [1])
    assert _query(engines.url, "SELECT 1 FROM pg_extension WHERE extname = 'pgrouting'") == [(1,)]
    keys = {key for (key,) in _query(engines.url, "SELECT limits_key FROM geohub.routing_cost_sets")}
    assert {PROFILES["manual_wheelchair"].limits_key(), stricter.limits_key()} <= keys
    rows = _query(
        engines.url,
        "SELECT id, source, target, cost, reverse_cost FROM geohub.routing_costs "
        "WHERE layer_version = %s AND limits_key = %s ORDER BY id",
        (network.version, stricter.limits_key()),
    )
    costs = CostCache().costs(network, stricter)
    assert len(rows) == len(network.edge_ids)
    ids, sources, targets, forward, backward = (np.array(column) for column in zip(*rows, strict=True))
    assert (ids == np.arange(len(rows))).all()
    assert (sources == network.source).all() and (targets == network.target).all()
    assert (forward == np.where(np.isfinite(costs.forward), costs.forward, -1.0)).all()
    assert (backward == np.where(np.isfinite(costs.backward), costs.backward, -1.0)).all()
    # another engine (another process) reuses the set instead of writing it again
    PgRoutingEngine(engines.store).shortest_paths(network, stricter, frozenset(), [0], [1])
    count = "SELECT count(*) FROM geohub.routing_costs WHERE limits_key = %s"
    assert _query(engines.url, count, (stricter.limits_key(),)) == [(len(rows),)]


def test_a_cost_set_emptied_underneath_is_written_again(engines: Engines) -> None:
    network, profile = engines.network, PROFILES["electric_wheelchair"]
    source, target, expected = _long_path(engines, profile)
    assert engines.pgrouting.shortest_paths(network, profile, frozenset(), [source], [target])
    # what a crash does to UNLOGGED tables, or another process evicting the set
    _query(engines.url, "DELETE FROM geohub.routing_costs RETURNING 1")
    _query(engines.url, "DELETE FROM geohub.routing_cost_sets RETURNING 1")
    found = engines.pgrouting.shortest_paths(network, profile, frozenset(), [source], [target])
    _assert_same(network, profile, expected, found[(source, target)])


def test_a_new_published_version_drops_the_old_versions_cost_sets(
    registry: LayerRegistry, features: list[Feature]
) -> None:
    layer = registry.get(LAYER_ID)
    with throwaway_database("geohub_pgrouting") as url:
        store = PostgisStore(url)
        try:
            engine, profile = PgRoutingEngine(store), PROFILES["pedestrian"]
            first = read_network(store, layer, store.write_version(layer, features[:3000]).version)
            engine.shortest_paths(first, profile, frozenset(), [0], [1])
            second = read_network(store, layer, store.write_version(layer, features[:4000]).version)
            engine.shortest_paths(second, profile, frozenset(), [0], [1])
            versions = _query(url, "SELECT DISTINCT layer_version FROM geohub.routing_costs")
            assert versions == [(second.version,)]
            assert _query(url, "SELECT layer_version FROM geohub.routing_cost_sets") == [(second.version,)]
        finally:
            store.close()


@pytest.mark.parametrize("profile_name", EQUIVALENCE_PROFILES)
def test_the_same_route_request_gets_the_same_answer_from_both_engines(
    engines: Engines, profile_name: str, tmp_path: pathlib.Path
) -> None:
    services = Services.from_settings(Settings(data_dir=tmp_path, database_url=engines.url))
    try:
        no_barriers = Barriers(lambda: ())
        in_memory = RoutingService(services, no_barriers, engine=CsgraphEngine())
        on_pgrouting = RoutingService(services, no_barriers, engine=PgRoutingEngine(engines.store))
        geometries = engines.network.geometries
        rng = np.random.default_rng(31)
        routed = 0
        for a, b in rng.integers(0, len(geometries), size=(8, 2)).tolist():
            points = [_middle(geometries[a]), _middle(geometries[b])]
            profile = PROFILES[profile_name]
            try:
                expected = in_memory.route(points, profile)
            except NoRouteError:
                with pytest.raises(NoRouteError):
                    on_pgrouting.route(points, profile)
                continue
            found = on_pgrouting.route(points, profile)
            assert found == expected  # geometry, distance, time, instructions, warnings
            routed += 1
        assert routed >= 4
    finally:
        services.close()


def _middle(line: shapely.LineString) -> tuple[float, float]:
    point = line.interpolate(0.5, normalized=True)
    return (point.x, point.y)


def test_without_pgrouting_the_in_memory_engine_answers(
    registry: LayerRegistry, features: list[Feature], caplog: pytest.LogCaptureFixture
) -> None:
    """A database user who may not create the extension (pgRouting is not a trusted extension)."""
    role = f"geohub_test_{uuid.uuid4().hex[:8]}"
    layer = registry.get(LAYER_ID)
    with throwaway_database("geohub_pgrouting") as url:
        _run(url, f"CREATE ROLE {role} LOGIN; GRANT CREATE ON DATABASE {url.rsplit('/', 1)[1]} TO {role}")
        store = PostgisStore(urlunsplit(urlsplit(url)._replace(netloc=f"{role}@{urlsplit(url).netloc}")))
        try:
            network = read_network(store, layer, store.write_version(layer, features[:3000]).version)
            profile = PROFILES["manual_wheelchair"]
            engine = PgRoutingEngine(store)
            expected = CsgraphEngine().shortest_paths(network, profile, frozenset(), [0, 1], [2, 3])
            assert engine.shortest_paths(network, profile, frozenset(), [0, 1], [2, 3]) == expected
            assert "routes are searched in memory" in caplog.text
            assert _query(url, "SELECT 1 FROM pg_extension WHERE extname = 'pgrouting'") == []
        finally:
            store.close()
            _run(url, f"DROP OWNED BY {role}; DROP ROLE {role}")
