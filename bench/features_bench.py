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
import json
import os
import secrets
import shutil
import signal
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bench_guard import create_app_key, verdict
from features_bench_load import (
    Measurement,
    check_answer,
    failed,
    group_cpu_seconds,
    run_wrk,
    wait_until_quiet,
    wrk_available,
)
from features_bench_servers import (
    REPO_ROOT,
    Server,
    assemble_layers,
    city_scale_data,
    create_database,
    current_tables,
    district_bbox,
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

from geohub.settings import Settings

BENCH_DIR = REPO_ROOT / "var" / "bench"
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
    parser.add_argument(
        "--quiet-wait", type=float, default=10.0, help="seconds a row may wait for an idle machine (10)"
    )
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL, help="PostgreSQL maintenance database")
    parser.add_argument("--keep", action="store_true", help="keep var/bench/run-*/ (stores, logs)")
    return parser.parse_args(argv)


# queries --------------------------------------------------------------------------------
def build_queries(database_url: str, tables: dict[str, str], bbox: tuple[float, ...]) -> list[Query]:
    """The three queries per layer, with the counts PostGIS itself says the answers must have."""
    queries = []
    for spec in LAYERS:
        table = sql.Identifier("geohub", tables[spec.id])
        queries.append(_items_query(database_url, spec, table))
        queries.append(_bbox_query(database_url, spec, table, bbox))
        queries.append(_filter_query(database_url, spec, table))
    return queries


def _items_query(database_url: str, spec: LayerSpec, table: sql.Identifier) -> Query:
    """Pages of `limit` at offsets 0, n/4, n/2 and 3n/4 (rounded down to hundreds)."""
    total = scalar(database_url, sql.SQL("SELECT count(*) FROM {}").format(table))
    offsets = sorted({(total * k // OFFSET_STEPS) // 100 * 100 for k in range(OFFSET_STEPS)})
    paths = tuple(
        f"/collections/{spec.id}/items?f=json&limit={LIMIT}&offset={o}" for o in offsets if o + LIMIT <= total
    ) or (f"/collections/{spec.id}/items?f=json&limit={LIMIT}",)
    return Query(spec.id, "items100", paths, paths, min(LIMIT, total), total)


def _bbox_query(database_url: str, spec: LayerSpec, table: sql.Identifier, bbox: tuple[float, ...]) -> Query:
    """The first page of features intersecting the district's bounding box."""
    intersecting = sql.SQL(
        "SELECT count(*) FROM {} WHERE ST_Intersects(geom, ST_MakeEnvelope(%s,%s,%s,%s,4326))"
    )
    matched = scalar(database_url, intersecting.format(table), bbox)
    paths = (f"/collections/{spec.id}/items?f=json&limit={LIMIT}&bbox=" + ",".join(map(str, bbox)),)
    return Query(spec.id, "bbox", paths, paths, min(LIMIT, matched), matched)


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
def measure(server: Server, query: Query, args: argparse.Namespace) -> Measurement:
    """Check every path once, warm up, then load the query for the measured duration."""
    paths = query.paths(server.name)
    answers = [check_answer(server.base_url, p, query.returned, query.matched) for p in paths]
    problem = next((a.problem for a in answers if a.problem), "")
    if problem:
        log(f"  {server.name} {query.layer}/{query.name}: {problem}")
    background = wait_until_quiet(args.quiet_wait)
    key = args.keys.get(server.name, "")
    run_wrk(server.base_url, paths, query.returned, args.warmup, args.concurrency, key)
    cpu_before = group_cpu_seconds(server.process.pid)
    result = run_wrk(server.base_url, paths, query.returned, args.duration, args.concurrency, key)
    cpu_ms = 1000 * (group_cpu_seconds(server.process.pid) - cpu_before) / max(result.good, 1)
    result = replace(result, server_cpu_ms=cpu_ms, background_cpu=background, note=result.note or problem)
    log(
        f"  {server.name:<16} {query.layer:<10} {query.name:<9} {result.rps:8.1f} req/s  "
        f"p50 {result.p50_ms:7.1f} ms  p95 {result.p95_ms:7.1f} ms  errors {result.errors}  "
        f"cpu {cpu_ms:5.1f} ms/req  background {100 * background:3.0f}%"
    )
    return result


def measure_all(run: Run) -> Results:
    """Start the three servers, then load each query on each server in turn, so drift hits all alike."""
    results: Results = {server: {} for server in SERVERS}
    with ExitStack() as stack:
        started = {name: start_server(stack, name, run) for name in SERVERS}
        for query in run.queries:
            for name, server in started.items():
                key = (query.layer, query.name)
                results[name][key] = (
                    measure(server, query, run.args) if isinstance(server, Server) else server
                )
    return results


def start_server(stack: ExitStack, name: str, run: Run) -> Server | Measurement:
    """Start one server (stopped when `stack` closes); a failed Measurement when it does not come up."""
    port = free_port()
    log(f"starting {name} on port {port}")
    try:
        command, env = server_command(name, port, run)
        return stack.enter_context(running(name, command, env, port, run.run_dir / f"{name}.log"))
    except RuntimeError as error:
        log(f"{name}: {error}")
        return failed(f"{name} failed: {error}")


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


def report(results: Results, queries: list[Query], args: argparse.Namespace) -> list[dict[str, Any]]:
    """Print the table, its footnote and the ratios; return the ratio rows."""
    print(
        f"{'layer':<10} {'query':<9} {'server':<16} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7} "
        f"{'cpu ms/req':>10} {'bg cpu':>6}"
    )
    for query in queries:
        for server in SERVERS:
            m = results[server][(query.layer, query.name)]
            print(
                f"{query.layer:<10} {query.name:<9} {server:<16} {m.rps:8.1f} {m.p50_ms:8.1f} "
                f"{m.p95_ms:8.1f} {m.errors:7d} {m.server_cpu_ms:10.1f} {100 * m.background_cpu:5.0f}%"
                + (f"  ! {m.note}" if m.note else "")
            )
    print(_footnote(queries, args))
    rows = [_ratios(query, results) for query in queries]
    print(f"\n{'layer':<10} {'query':<9} {'geohub-postgis / pygeoapi':>27} {'embedded / geohub-postgis':>28}")
    for row in rows:
        print(
            f"{row['layer']:<10} {row['query']:<9} "
            f"{_verdict(row['postgis_vs_pygeoapi'], TARGETS['postgis_vs_pygeoapi']):>27} "
            f"{_verdict(row['embedded_vs_postgis'], TARGETS['embedded_vs_postgis']):>28}"
        )
    print(
        f"targets: geohub-postgis / pygeoapi >= {TARGETS['postgis_vs_pygeoapi']:g}; "
        f"geohub-embedded / geohub-postgis >= {TARGETS['embedded_vs_postgis']:g} (req/s ratios)"
    )
    return rows


def _ratios(query: Query, results: Results) -> dict[str, Any]:
    """The two throughput ratios of one query."""
    by_server = {s: results[s][(query.layer, query.name)] for s in SERVERS}
    return {
        "layer": query.layer,
        "query": query.name,
        "postgis_vs_pygeoapi": ratio(by_server["geohub-postgis"], by_server["pygeoapi"]),
        "embedded_vs_postgis": ratio(by_server["geohub-embedded"], by_server["geohub-postgis"]),
    }


def _verdict(value: float | None, target: float) -> str:
    if value is None:
        return "n/a (errors)"
    return f"{value:.2f}x " + ("met" if value >= target else f"MISSED (<{target:g})")


def _footnote(queries: list[Query], args: argparse.Namespace) -> str:
    """What the columns mean and what each query sent, to whom."""
    lines = [
        f"\n{args.concurrency} keep-alive clients (wrk), {args.duration:g} s per row after {args.warmup:g} s "
        "warm-up; req/s counts good answers only; errors = socket errors, non-200 or wrong numberReturned;",
        "cpu ms/req = CPU of the server's processes (gunicorn master + workers, not PostgreSQL) per answer;",
        "bg cpu = machine busy with every server idle just before the row (after waiting up to --quiet-wait "
        "for <20%); a high value means other work on the machine skewed that row.",
        f"queries (limit={LIMIT}, f=json; the same path to every server unless a pygeoapi path is shown):",
    ]
    for query in queries:
        lines.append(f"  {query.layer}/{query.name} (numberMatched {query.matched:,}):")
        lines += [f"    {p}" for p in query.geohub_paths]
        if query.pygeoapi_paths != query.geohub_paths:
            lines[-1] += "  (GeoHub: CQL2 text)"
            lines += [
                f"    {p}  (pygeoapi: ECQL; 0.21 refuses filter-lang=cql2-text)" for p in query.pygeoapi_paths
            ]
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
    run.args.keys = {  # GeoHub is loaded as an app is: through an app key (bench/README.md)
        server: create_app_key(env, run.run_dir / f"keys-{server}.log") for server, env in run.env.items()
    }
    run.tables = current_tables(run.database_url)
    vacuum(run.database_url, run.tables)
    run.queries = build_queries(run.database_url, run.tables, district_bbox(BBOX_DISTRICT))


def main(argv: list[str] | None = None) -> int:
    """Run the whole benchmark; always stop the servers and drop the database."""
    args = parse_args(argv)
    wrk_available()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop servers and drop the database
    run = Run(args, BENCH_DIR / f"run-{secrets.token_hex(4)}")
    run.run_dir.mkdir(parents=True)
    try:
        prepare(run)
        results = measure_all(run)
        ratios = report(results, run.queries, args)
        if args.json:
            write_json(args.json, run, results, ratios)
        log(f"done in {time.monotonic() - run.started:.0f} s")
        status = verdict("bench/features_bench.py", row_errors(results))
    finally:
        if run.database_url:
            drop_database(args.admin_url, run.database_url)
            log("dropped the benchmark database")
        if not args.keep:
            shutil.rmtree(run.run_dir, ignore_errors=True)
    return status


def row_errors(results: Results) -> dict[str, int | str]:
    """Every row's errors, or its note when it was not measured or its checked answer was wrong."""
    return {
        f"{layer}/{query}/{server}": m.note or m.errors
        for server, by_query in results.items()
        for (layer, query), m in by_query.items()
    }


if __name__ == "__main__":
    sys.exit(main())
