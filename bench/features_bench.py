"""OGC API – Features benchmark: GeoHub on PostGIS, GeoHub embedded and stock pygeoapi, same data.

Loads the real `buildings` layer and ≥300k SYNTHETIC parcels (bench/generate_city.py) into a
throwaway PostGIS database and a fresh GeoPackage through GeoHub's ETL, serves them with
`geohub serve` (both backends) and with stock pygeoapi 0.21 (PostgreSQL provider on GeoHub's
tables, gunicorn with the same workers), and loads each with wrk. See bench/README.md.

Usage: ``.venv/bin/python bench/features_bench.py [--duration S] [--concurrency N] [--parcels N]
[--warmup S] [--json PATH] [--admin-url URL] [--keep]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import secrets
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import shapely
from features_bench_load import Measurement, check_answer, failed, run_wrk, wrk_available
from features_bench_servers import (
    REPO_ROOT,
    assemble_layers,
    create_database,
    current_tables,
    drop_database,
    free_port,
    geohub_command,
    geohub_environment,
    load_demo,
    log,
    pygeoapi_command,
    pygeoapi_config,
    pygeoapi_environment,
    running,
    scalar,
    url_of,
    vacuum,
)
from psycopg import sql
from pyogrio import raw

from geohub.settings import Settings

BENCH_DIR = REPO_ROOT / "var" / "bench"
CITY_GPKG = BENCH_DIR / "city_scale.gpkg"
DEFAULT_ADMIN_URL = "postgresql://127.0.0.1:5432/postgres"
BBOX_DISTRICT = "almaly"
LIMIT = 100
OFFSET_STEPS = 4  # items100 cycles through offsets 0, n/4, n/2, 3n/4
SERVERS = ("geohub-postgis", "geohub-embedded", "pygeoapi")
TARGETS = {"postgis_vs_pygeoapi": 2.0, "embedded_vs_postgis": 0.5}


@dataclass(frozen=True)
class LayerSpec:
    """A benchmarked layer: its key and the attribute equality the filter query uses."""

    id: str
    key: str
    filter_property: str
    filter_value: str


LAYERS = (
    LayerSpec("buildings", "osm_ref", "building", "apartments"),
    LayerSpec("parcels", "parcel_id", "land_use", "commercial"),
)


@dataclass(frozen=True)
class Query:
    """One measured query: its request paths per server flavour and the answer the data implies."""

    layer: str
    name: str
    geohub_paths: tuple[str, ...]
    pygeoapi_paths: tuple[str, ...]
    returned: int
    matched: int

    def paths(self, server: str) -> list[str]:
        """The paths sent to `server` (pygeoapi gets the filter in the form it accepts)."""
        return list(self.pygeoapi_paths if server == "pygeoapi" else self.geohub_paths)


@dataclass
class Run:
    """One benchmark run: options, its folder, and what preparing the data found out."""

    args: argparse.Namespace
    run_dir: Path
    workers: int = field(default_factory=lambda: int(Settings.model_fields["workers"].default))
    started: float = field(default_factory=time.monotonic)
    database_url: str = ""
    env: dict[str, dict[str, str]] = field(default_factory=dict)
    tables: dict[str, str] = field(default_factory=dict)
    queries: list[Query] = field(default_factory=list)


Results = dict[str, dict[tuple[str, str], Measurement]]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of load per query (10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of unmeasured load first (2)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent keep-alive clients (8)")
    parser.add_argument("--parcels", type=int, default=300_000, help="synthetic parcels to generate")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL, help="PostgreSQL maintenance database")
    parser.add_argument("--keep", action="store_true", help="keep var/bench/run-*/ (stores, logs)")
    return parser.parse_args(argv)


# data -----------------------------------------------------------------------------------
def city_scale_data(parcels: int) -> Path:
    """The synthetic GeoPackage; regenerated unless a stamp says it was made with these inputs."""
    import generate_city

    stamp_path = CITY_GPKG.with_suffix(".stamp.json")
    generator = Path(generate_city.__file__).read_bytes()
    stamp = {"parcels": parcels, "seed": generate_city.DEFAULT_SEED, "generator": _sha(generator)}
    if _stamp_matches(stamp_path, stamp):
        log(f"reusing {CITY_GPKG.relative_to(REPO_ROOT)} ({parcels:,} parcels requested)")
        return CITY_GPKG
    log(f"generating SYNTHETIC city-scale data ({parcels:,} parcels) into {CITY_GPKG.relative_to(REPO_ROOT)}")
    counts = generate_city.generate(CITY_GPKG, parcels=parcels)
    stamp_path.write_text(json.dumps(stamp))
    log(f"generated {counts}")
    return CITY_GPKG


def _stamp_matches(stamp_path: Path, stamp: dict[str, Any]) -> bool:
    """True when the GeoPackage is there, unchanged since it was stamped with these inputs."""
    if not (CITY_GPKG.is_file() and stamp_path.is_file()):
        return False
    fresh = CITY_GPKG.stat().st_mtime <= stamp_path.stat().st_mtime
    return fresh and json.loads(stamp_path.read_text()) == stamp


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def district_bbox(slug: str) -> tuple[float, ...]:
    """The bounding box (lon/lat, 5 decimals outward) of a real district polygon."""
    meta, _, wkb, values = raw.read(REPO_ROOT / "data" / "almaty" / "districts.gpkg", layer="districts")
    slugs = list(values[list(meta["fields"]).index("slug")])
    minx, miny, maxx, maxy = shapely.from_wkb(wkb[slugs.index(slug)]).bounds
    return (_down(minx), _down(miny), _up(maxx), _up(maxy))


def _down(value: float) -> float:
    return math.floor(value * 1e5) / 1e5


def _up(value: float) -> float:
    return math.ceil(value * 1e5) / 1e5


def build_queries(database_url: str, tables: dict[str, str], bbox: tuple[float, ...]) -> list[Query]:
    """The three queries per layer, with the numbers PostGIS itself says they must match."""
    queries = []
    for spec in LAYERS:
        table = sql.Identifier("geohub", tables[spec.id])
        total = scalar(database_url, sql.SQL("SELECT count(*) FROM {}").format(table))
        offsets = sorted({(total * k // OFFSET_STEPS) // 100 * 100 for k in range(OFFSET_STEPS)})
        items = tuple(
            f"/collections/{spec.id}/items?f=json&limit={LIMIT}&offset={o}"
            for o in offsets
            if o + LIMIT <= total
        ) or (f"/collections/{spec.id}/items?f=json&limit={LIMIT}",)
        queries.append(Query(spec.id, "items100", items, items, min(LIMIT, total), total))
        in_box = scalar(
            database_url,
            sql.SQL(
                "SELECT count(*) FROM {} WHERE ST_Intersects(geom, ST_MakeEnvelope(%s,%s,%s,%s,4326))"
            ).format(table),
            bbox,
        )
        box = (f"/collections/{spec.id}/items?f=json&limit={LIMIT}&bbox=" + ",".join(map(str, bbox)),)
        queries.append(Query(spec.id, "bbox", box, box, min(LIMIT, in_box), in_box))
        queries.append(_filter_query(database_url, spec, table))
    return queries


def _filter_query(database_url: str, spec: LayerSpec, table: sql.Identifier) -> Query:
    """`prop = 'value'`: CQL2 text for GeoHub, the same text as pygeoapi's plain (ECQL) filter."""
    matched = scalar(
        database_url,
        sql.SQL("SELECT count(*) FROM {} WHERE {} = %s").format(table, sql.Identifier(spec.filter_property)),
        (spec.filter_value,),
    )
    cql = quote(f"{spec.filter_property}='{spec.filter_value}'", safe="")
    base = f"/collections/{spec.id}/items?f=json&limit={LIMIT}&filter={cql}"
    return Query(spec.id, "filter", (base + "&filter-lang=cql2-text",), (base,), min(LIMIT, matched), matched)


# measuring ------------------------------------------------------------------------------
def measure(base_url: str, server: str, query: Query, args: argparse.Namespace) -> Measurement:
    """Check every path once, warm up, then load the query for the measured duration."""
    paths = query.paths(server)
    problems = [a.problem for a in (check_answer(base_url, p, query.returned, query.matched) for p in paths)]
    problem = next((p for p in problems if p), "")
    if problem:
        log(f"  {server} {query.layer}/{query.name}: {problem}")
    run_wrk(base_url, paths, query.returned, args.warmup, args.concurrency)
    result = run_wrk(base_url, paths, query.returned, args.duration, args.concurrency)
    log(
        f"  {server:<16} {query.layer:<10} {query.name:<9} {result.rps:8.1f} req/s  "
        f"p50 {result.p50_ms:7.1f} ms  p95 {result.p95_ms:7.1f} ms  errors {result.errors}"
    )
    if problem and not result.note:
        return Measurement(**{**result.as_dict(), "note": problem})
    return result


def measure_server(server: str, run: Run) -> dict[tuple[str, str], Measurement]:
    """Start one server, measure every query on it, stop it; a server that fails fails its rows."""
    results: dict[tuple[str, str], Measurement] = {}
    port = free_port()
    log(f"starting {server} on port {port}")
    try:
        command, env = server_command(server, port, run)
        with running(server, command, env, port, run.run_dir / f"{server}.log") as running_server:
            for query in run.queries:
                results[(query.layer, query.name)] = measure(running_server.base_url, server, query, run.args)
    except RuntimeError as error:
        log(f"{server}: {error}")
        for query in run.queries:
            results.setdefault((query.layer, query.name), failed(str(error)))
    return results


def server_command(server: str, port: int, run: Run) -> tuple[list[str], dict[str, str]]:
    """Command line and environment that serve `server` on `port`."""
    if server == "pygeoapi":
        keys = {spec.id: spec.key for spec in LAYERS}
        config = pygeoapi_config(run.database_url, run.tables, keys, port)
        env = pygeoapi_environment(run.run_dir, config, run.run_dir / "pygeoapi-openapi.log")
        return pygeoapi_command(port, run.workers), env
    return geohub_command(port), run.env[server] | {"GEOHUB_PUBLIC_URL": f"http://127.0.0.1:{port}"}


# report ---------------------------------------------------------------------------------
def ratio(numerator: Measurement, denominator: Measurement) -> float | None:
    """Throughput ratio, None when either side had errors or no answers."""
    if numerator.errors or denominator.errors or not numerator.good or not denominator.good:
        return None
    return numerator.rps / denominator.rps


def report(results: Results, queries: list[Query]) -> list[dict[str, Any]]:
    """Print the table and the ratios; return the ratio rows."""
    print(f"{'layer':<10} {'query':<9} {'server':<16} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
    for query in queries:
        for server in SERVERS:
            m = results[server][(query.layer, query.name)]
            print(
                f"{query.layer:<10} {query.name:<9} {server:<16} {m.rps:8.1f} {m.p50_ms:8.1f} "
                f"{m.p95_ms:8.1f} {m.errors:7d}" + (f"  ! {m.note}" if m.note else "")
            )
    rows = []
    print(f"\n{'layer':<10} {'query':<9} {'geohub-postgis / pygeoapi':>27} {'embedded / geohub-postgis':>28}")
    for query in queries:
        by_server = {s: results[s][(query.layer, query.name)] for s in SERVERS}
        pg_vs_py = ratio(by_server["geohub-postgis"], by_server["pygeoapi"])
        emb_vs_pg = ratio(by_server["geohub-embedded"], by_server["geohub-postgis"])
        rows.append(
            {
                "layer": query.layer,
                "query": query.name,
                "postgis_vs_pygeoapi": pg_vs_py,
                "embedded_vs_postgis": emb_vs_pg,
            }
        )
        print(
            f"{query.layer:<10} {query.name:<9} {_verdict(pg_vs_py, TARGETS['postgis_vs_pygeoapi']):>27} "
            f"{_verdict(emb_vs_pg, TARGETS['embedded_vs_postgis']):>28}"
        )
    print(_footnote(queries))
    return rows


def _verdict(value: float | None, target: float) -> str:
    if value is None:
        return "n/a (errors)"
    return f"{value:.2f}x " + ("met" if value >= target else f"MISSED (<{target:g})")


def _footnote(queries: list[Query]) -> str:
    """What each query sent, and to whom."""
    lines = ["", "queries (limit=100, f=json; 1 path each unless listed; errors = non-200 or wrong count):"]
    for query in queries:
        lines.append(f"  {query.layer}/{query.name} (numberMatched {query.matched:,}):")
        lines += [f"    geohub:   {p}" for p in query.geohub_paths]
        if query.pygeoapi_paths != query.geohub_paths:
            lines += [
                f"    pygeoapi: {p}  (ECQL: pygeoapi 0.21 refuses filter-lang=cql2-text)"
                for p in query.pygeoapi_paths
            ]
    lines.append(
        f"targets: geohub-postgis / pygeoapi >= {TARGETS['postgis_vs_pygeoapi']:g}; "
        f"geohub-embedded / geohub-postgis >= {TARGETS['embedded_vs_postgis']:g}"
    )
    return "\n".join(lines)


def write_json(path: Path, run: Run, results: Results, ratios: list[dict[str, Any]]) -> None:
    """Settings, queries, every measurement and the ratios as one JSON document."""
    args = run.args
    settings = {
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "concurrency": args.concurrency,
        "parcels_requested": args.parcels,
        "workers": run.workers,
        "cpus": os.cpu_count(),
    }
    document = {
        "settings": settings,
        "queries": [q.__dict__ for q in run.queries],
        "results": [
            {"server": s, "layer": layer, "query": name, **m.as_dict()}
            for s, by_query in results.items()
            for (layer, name), m in by_query.items()
        ],
        "ratios": ratios,
        "targets": TARGETS,
        "seconds": round(time.monotonic() - run.started, 1),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, default=str))


# main -----------------------------------------------------------------------------------
def prepare(run: Run) -> None:
    """Generate, load both stores through `geohub demo --no-serve`, and derive the queries."""
    gpkg = city_scale_data(run.args.parcels)
    run.database_url = url_of(create_database(run.args.admin_url))
    log(f"created database {run.database_url}")
    layers_dir = assemble_layers(run.run_dir, gpkg)
    run.env = {
        "geohub-postgis": geohub_environment(run.run_dir, layers_dir, run.database_url),
        "geohub-embedded": geohub_environment(run.run_dir, layers_dir, None),
    }
    for server, env in run.env.items():
        started = time.monotonic()
        load_demo(env, run.run_dir / f"load-{server}.log")
        log(f"loaded districts, buildings, parcels for {server} in {time.monotonic() - started:.0f} s")
    run.tables = current_tables(run.database_url)
    vacuum(run.database_url, run.tables)
    run.queries = build_queries(run.database_url, run.tables, district_bbox(BBOX_DISTRICT))


def main(argv: list[str] | None = None) -> int:
    """Run the whole benchmark; always stop the servers and drop the database."""
    args = parse_args(argv)
    wrk_available()
    run = Run(args, BENCH_DIR / f"run-{secrets.token_hex(4)}")
    run.run_dir.mkdir(parents=True)
    try:
        prepare(run)
        results = {server: measure_server(server, run) for server in SERVERS}
        ratios = report(results, run.queries)
        if args.json:
            write_json(args.json, run, results, ratios)
        log(f"done in {time.monotonic() - run.started:.0f} s")
    finally:
        if run.database_url:
            drop_database(args.admin_url, run.database_url)
            log("dropped the benchmark database")
        if not args.keep:
            shutil.rmtree(run.run_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
