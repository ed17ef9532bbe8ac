"""Routing benchmark (issue 13): the embedded engine against pgRouting and a bare scipy Dijkstra.

Two networks, each written as the `routing_network` layer into an embedded GeoPackage store (in a
temporary folder) and a throwaway PostGIS database (via --admin-url):
- real: the Almaty network geohub/routing_network/network.py builds from data/almaty/almaty.osm.pbf + dem.tif;
- city: the SYNTHETIC city-scale `pedestrian_edges` of bench/generate_city.py (make bench-data),
  its fields mapped onto the layer's attributes here only (steps = highway steps, incline from the
  generator, incline_source dem; nothing else known).
The build is timed on the embedded store: the version read into arrays (graph.read_network), the
spatial index for snapping (graph.EdgeIndex) and the profile's costs and CSR graph (graph.CostCache).
Then --pairs random origin–destination node pairs, drawn over the whole network among the nodes of
its largest strongly connected component for the profile (so every pair has a route), each timed as:
- embedded: CsgraphEngine.shortest_paths (scipy Dijkstra on the cached CSR and the path walked back);
- pgr_dijkstra: PgRoutingEngine.shortest_paths on the same graph and the same costs (the Python
  costs in geohub.routing_costs, already written), one SQL round trip per query, paths read back;
- bare scipy: scipy.sparse.csgraph.dijkstra from the origin on the same CSR, nothing else;
- route: a whole RoutingService.route between the two nodes' places (snapping, the search from both
  ends of the snapped edges, GeoJSON, instructions), embedded and on PostGIS with pgRouting.
Every pair's two engine answers must cost the same (1e-6 s). Targets (issue 13): embedded p95
≤ 10 ms real and ≤ 60 ms city-scale, ≥ 3x faster than pgr_dijkstra, city-scale build ≤ 30 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyogrio import raw
from scipy.sparse.csgraph import connected_components, dijkstra

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from records_bench import throwaway_database

from geohub.layers.registry import load_registry
from geohub.routing.barriers import Barriers
from geohub.routing.graph import LAYER_ID, CostCache, CsgraphEngine, EdgeIndex, Network, read_network
from geohub.routing.pgrouting import PgRoutingEngine
from geohub.routing.profiles import PROFILES, Profile
from geohub.routing.service import NoRouteError, RoutingService
from geohub.routing_network.network import FIELDS, build_network, edge_record
from geohub.services import Services
from geohub.settings import PROJECT_ROOT, Settings
from geohub.storage.base import FeatureTable
from geohub.storage.geopackage import GeopackageStore
from geohub.storage.postgis import PostgisStore

DATA = PROJECT_ROOT / "data" / "almaty"
CITY = PROJECT_ROOT / "var" / "bench" / "city_scale.gpkg"
ADMIN_URL = "postgresql://127.0.0.1:5432/postgres"
TARGETS = {"real": 10.0, "city": 60.0}  # embedded p95, ms
ATTRIBUTES = [*FIELDS, "district"]


def real_table() -> FeatureTable:
    """The real Almaty network, as network.py builds it."""
    edges = build_network(DATA / "almaty.osm.pbf", DATA / "dem.tif")
    records = [edge_record(e) for e in edges]
    columns = {name: [r.get(name) for r in records] for name in ATTRIBUTES}
    geometries = np.array([shapely.LineString(e.coords) for e in edges], dtype=object)
    return FeatureTable(geometries, columns)


def city_table(path: Path) -> FeatureTable:
    """The SYNTHETIC city-scale pedestrian_edges mapped onto routing_network's attributes."""
    meta, _, wkb, values = raw.read(path, layer="pedestrian_edges")
    fields = dict(zip(meta["fields"], values, strict=True))
    n = len(wkb)
    nothing: list[Any] = [None] * n
    highway = fields["highway"].tolist()
    columns: dict[str, list[Any]] = {name: nothing for name in ATTRIBUTES}
    columns |= {
        "edge_id": [str(i) for i in fields["edge_id"].tolist()],
        "source": fields["source"].tolist(),
        "target": fields["target"].tolist(),
        "osm_way": fields["edge_id"].tolist(),
        "highway": highway,
        "length_m": fields["length_m"].tolist(),
        "incline_pct": fields["incline_pct"].tolist(),
        "incline_source": ["dem"] * n,
        "surface": [s or None for s in fields["surface"].tolist()],
        "width_m": fields["width_m"].tolist(),
        "steps": [h == "steps" for h in highway],
    }
    return FeatureTable(shapely.from_wkb(wkb), columns)


def timed(action: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    """Milliseconds `action(*args)` took, and what it returned."""
    started = time.perf_counter()
    result = action(*args)
    return (time.perf_counter() - started) * 1000, result


def percentiles(times_ms: list[float]) -> dict[str, float]:
    """p50 and p95 in ms."""
    ordered = sorted(times_ms)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 2),
    }


def random_pairs(
    network: Network, cache: CostCache, profile: Profile, count: int, seed: int
) -> list[tuple[int, int]]:
    """Node pairs of the profile's largest strongly connected component, drawn uniformly."""
    matrix = cache.graph(network, profile).matrix
    _, labels = connected_components(matrix, directed=True, connection="strong")
    largest = np.flatnonzero(labels == np.bincount(labels).argmax())
    rng = np.random.default_rng(seed)
    return [(int(a), int(b)) for a, b in rng.choice(largest, size=(count, 2))]


def bench_network(name: str, table: FeatureTable, args: argparse.Namespace) -> dict[str, Any]:
    """Build, then time the engines over the same pairs on one network."""
    layer = load_registry(PROJECT_ROOT / "layers").get(LAYER_ID)
    profile = PROFILES[args.profile]
    result: dict[str, Any] = {"edges": len(table)}
    with tempfile.TemporaryDirectory() as folder, throwaway_database(args.admin_url) as url:
        embedded = GeopackageStore(Path(folder) / "geohub.gpkg")
        postgis = PostgisStore(url)
        try:
            version = embedded.write_version(layer, table).version
            postgis.write_version(layer, table)
            read_ms, network = timed(lambda: read_network(embedded, layer, version))
            index_ms, _ = timed(lambda: EdgeIndex(network))
            cache = CostCache()
            costs_ms, _ = timed(lambda: cache.costs(network, profile))
            csr_ms, _ = timed(lambda: cache.graph(network, profile))
            result["nodes"] = network.node_count
            result["build_s"] = {
                "read": round(read_ms / 1000, 2),
                "index": round(index_ms / 1000, 2),
                "costs": round(costs_ms / 1000, 2),
                "csr": round(csr_ms / 1000, 2),
                "total": round((read_ms + index_ms + costs_ms + csr_ms) / 1000, 2),
            }
            pg_network = read_network(postgis, layer, 1)
            memory, pgrouting = CsgraphEngine(cache), PgRoutingEngine(postgis, CostCache())
            write_ms, _ = timed(lambda: pgrouting.shortest_paths(pg_network, profile, frozenset(), [0], [1]))
            result["pgrouting_cost_set_s"] = round(write_ms / 1000, 2)
            result |= time_pairs(network, pg_network, cache, memory, pgrouting, profile, args)
            result |= time_routes(
                Path(folder),
                url,
                network,
                random_pairs(network, cache, profile, args.pairs, args.seed),
                profile,
            )
        finally:
            embedded.close()
            postgis.close()
    return result


def time_pairs(
    network: Network,
    pg_network: Network,
    cache: CostCache,
    memory: CsgraphEngine,
    pgrouting: PgRoutingEngine,
    profile: Profile,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """p50/p95 of each engine over the same pairs, checking both engines agree on every cost."""
    pairs = random_pairs(network, cache, profile, args.pairs, args.seed)
    matrix = cache.graph(network, profile).matrix
    times: dict[str, list[float]] = {"embedded": [], "pgr_dijkstra": [], "bare_scipy": []}
    edges_on_path = []
    for source, target in pairs:
        ms, mine = timed(memory.shortest_paths, network, profile, frozenset(), [source], [target])
        times["embedded"].append(ms)
        ms, theirs = timed(pgrouting.shortest_paths, pg_network, profile, frozenset(), [source], [target])
        times["pgr_dijkstra"].append(ms)
        ms, _ = timed(dijkstra, matrix, True, source)
        times["bare_scipy"].append(ms)
        a, b = mine[(source, target)], theirs[(source, target)]
        if abs(a.cost_s - b.cost_s) > 1e-6:
            raise SystemExit(f"engines disagree on {source}->{target}: {a.cost_s} s vs {b.cost_s} s")
        edges_on_path.append(len(a.edges))
    figures = {engine: percentiles(values) for engine, values in times.items()}
    figures["pairs"] = len(pairs)
    figures["median_edges_on_path"] = int(statistics.median(edges_on_path))
    figures["speedup_p95"] = round(figures["pgr_dijkstra"]["p95_ms"] / figures["embedded"]["p95_ms"], 1)
    return figures


def node_point(network: Network, node: int) -> tuple[float, float]:
    """The lon/lat of a node (where an edge starting there starts)."""
    starts = np.flatnonzero(network.source == node)
    if len(starts):
        x, y = network.geometries[starts[0]].coords[0]
    else:
        x, y = network.geometries[np.flatnonzero(network.target == node)[0]].coords[-1]
    return (float(x), float(y))


def time_routes(
    folder: Path, url: str, network: Network, pairs: list[tuple[int, int]], profile: Profile
) -> dict[str, Any]:
    """Whole route requests (RoutingService.route: snapping, search, GeoJSON, instructions) between
    the pairs' nodes: embedded, and on PostGIS with pgRouting; a no-route answer is timed too."""
    figures: dict[str, Any] = {}
    for name, settings in (
        ("route_embedded", Settings(data_dir=folder)),
        ("route_postgis_pgrouting", Settings(data_dir=folder, database_url=url)),
    ):
        services = Services.from_settings(settings)
        try:
            store = services.store
            engine = PgRoutingEngine(store) if isinstance(store, PostgisStore) else CsgraphEngine()
            service = RoutingService(services, Barriers(lambda: ()), engine=engine)
            points = [(node_point(network, a), node_point(network, b)) for a, b in pairs]
            service.route(list(points[0]), profile)  # the network read, costs written
            times, refused = [], 0
            for start, end in points:
                started = time.perf_counter()
                try:
                    service.route([start, end], profile)
                except NoRouteError:
                    refused += 1
                times.append((time.perf_counter() - started) * 1000)
            figures[name] = percentiles(times) | {"no_route": refused}
        finally:
            services.close()
    return figures


def print_table(results: dict[str, dict[str, Any]]) -> None:
    """The figures as a plain table."""
    print(f"{'network':<8} {'edges':>8} {'query':<24} {'p50 ms':>8} {'p95 ms':>8}")
    for name, r in results.items():
        for engine in ("embedded", "pgr_dijkstra", "bare_scipy", "route_embedded", "route_postgis_pgrouting"):
            print(f"{name:<8} {r['edges']:>8} {engine:<24} {r[engine]['p50_ms']:>8} {r[engine]['p95_ms']:>8}")
        build = r["build_s"]
        verdict = "ok" if r["embedded"]["p95_ms"] <= TARGETS[name] and r["speedup_p95"] >= 3 else "MISSED"
        print(
            f"{name}: embedded p95 {r['embedded']['p95_ms']} ms (target {TARGETS[name]}), "
            f"{r['speedup_p95']}x pgr_dijkstra's p95 (target 3x): {verdict}; build {build['total']} s "
            f"(read {build['read']}, index {build['index']}, costs {build['costs']}, csr {build['csr']}); "
            f"pgRouting cost set written in {r['pgrouting_cost_set_s']} s"
        )


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--profile", default="manual_wheelchair", choices=sorted(PROFILES))
    parser.add_argument("--seed", type=int, default=20261207)
    parser.add_argument("--city", type=Path, default=CITY, help="bench/generate_city.py's GeoPackage")
    parser.add_argument("--admin-url", default=ADMIN_URL, help="PostgreSQL maintenance database")
    parser.add_argument("--only", choices=["real", "city"], help="one network only")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    results: dict[str, dict[str, Any]] = {}
    if args.only in (None, "real"):
        results["real"] = bench_network("real", real_table(), args)
    if args.only in (None, "city"):
        if not args.city.exists():
            raise SystemExit(f"{args.city} is missing: run `make bench-data` first")
        results["city"] = bench_network("city", city_table(args.city), args)
    print_table(results)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
