"""Vector tile benchmark: tile generation on PostGIS and embedded against their floors, cached tiles
through GeoHub, nginx (config/nginx.conf) and plain static nginx, stock pygeoapi's MVT provider,
and the largest tile per zoom.

Loads every real demo layer plus ≥300k SYNTHETIC parcels (bench/generate_city.py) into a throwaway
PostGIS database and a fresh GeoPackage through GeoHub's ETL, on tilesets `city`, `basemap` and the
bench-only per-layer tileset `parcels`. See bench/README.md.

Usage: ``.venv/bin/python bench/tiles_bench.py [--parcels N] [--duration S] [--samples N]
[--json PATH] [--admin-url URL] [--keep]``
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
import yaml
from bench_guard import create_app_key, verdict
from features_bench_servers import (
    REPO_ROOT,
    city_scale_data,
    create_database,
    current_tables,
    drop_database,
    free_port,
    geohub_environment,
    load_demo,
    log,
    running,
    url_of,
    vacuum,
)
from pyogrio import raw
from tiles_bench_report import print_report, write_json
from tiles_bench_serve import (
    NGINX_TEMPLATE,
    STATIC_CONFIG,
    Load,
    cancel_pygeoapi_queries,
    failed_load,
    geohub_serve_command,
    nginx_binary,
    pygeoapi_command,
    pygeoapi_env,
    pygeoapi_tile_times,
    pygeoapi_tiles_config,
    render_nginx,
    run_wrk,
    running_nginx,
    seed,
)
from tiles_bench_sizes import largest_tiles
from tiles_bench_timing import Tile, time_embedded, time_postgis

from geohub.services import Services
from geohub.settings import Settings
from geohub.tiles.service import TileService, tile_cache_root
from geohub.tiles.tilesets import Tileset, tile_request

BENCH_DIR = REPO_ROOT / "var" / "bench"
DEFAULT_ADMIN_URL = "postgresql://127.0.0.1:5432/postgres"
TILESETS = ("city", "basemap", "parcels")
ZOOMS = (10, 12, 14, 16)
SEED_ZOOMS = (10, 15)  # cached-tile load: every non-empty city and basemap tile from z10 to z15
LAYER_KEYS = {"parcels": "parcel_id", "buildings": "osm_ref"}  # stock pygeoapi's collections


@dataclass
class Run:
    """One benchmark run: options, its folder, and what each section found."""

    args: argparse.Namespace
    run_dir: Path
    started: float = field(default_factory=time.monotonic)
    database_url: str = ""
    env: dict[str, dict[str, str]] = field(default_factory=dict)
    services: dict[str, Services] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parcels", type=int, default=300_000, help="synthetic parcels to generate")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of wrk load per row (10)")
    parser.add_argument("--connections", type=int, default=8, help="wrk keep-alive connections (8)")
    parser.add_argument("--samples", type=int, default=50, help="timed tiles per tileset and zoom (50)")
    parser.add_argument(
        "--cell-budget", type=float, default=12.0, help="seconds one tileset/zoom timing may take (12)"
    )
    parser.add_argument("--pygeoapi-timeout", type=float, default=20.0, help="seconds per pygeoapi tile (20)")
    parser.add_argument("--pygeoapi-budget", type=float, default=90.0, help="seconds for all pygeoapi tiles")
    parser.add_argument("--quiet-wait", type=float, default=5.0, help="seconds a wrk row may wait for idle")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--admin-url", default=DEFAULT_ADMIN_URL, help="PostgreSQL maintenance database")
    parser.add_argument("--keep", action="store_true", help="keep var/bench/tiles-run-*/ (stores, logs)")
    return parser.parse_args(argv)


# data -------------------------------------------------------------------------------------------------
def assemble_layers(run_dir: Path, parcels_gpkg: Path) -> Path:
    """Fresh copies of every layers/*.yaml plus bench/layers/parcels.yaml, its source made absolute and
    its group set to `basemap`, so that it stays out of `city` (the thematic layers) and is only in its
    own tileset `parcels` (BASEMAP_LAYERS names the basemap's layers explicitly)."""
    layers_dir = run_dir / "layers"
    layers_dir.mkdir(parents=True, exist_ok=True)
    for path in sorted((REPO_ROOT / "layers").glob("*.yaml")):
        shutil.copyfile(path, layers_dir / path.name)
    parcels = yaml.safe_load((REPO_ROOT / "bench" / "layers" / "parcels.yaml").read_text(encoding="utf-8"))
    parcels["source"]["path"] = str(parcels_gpkg.resolve())
    parcels["group"] = "basemap"
    (layers_dir / "parcels.yaml").write_text(yaml.safe_dump(parcels, allow_unicode=True), encoding="utf-8")
    return layers_dir


def districts_bounds() -> tuple[float, float, float, float]:
    """The lon/lat box of the 8 real district polygons: where the timed tiles are sampled."""
    _, _, wkb, _ = raw.read(REPO_ROOT / "data" / "almaty" / "districts.gpkg", layer="districts")
    minx, miny, maxx, maxy = shapely.total_bounds(shapely.from_wkb(wkb))
    return (float(minx), float(miny), float(maxx), float(maxy))


def prepare(run: Run) -> None:
    """Generate the parcels, load both stores through `geohub demo --no-serve` (in parallel)."""
    gpkg = city_scale_data(run.args.parcels)
    run.database_url = url_of(create_database(run.args.admin_url))
    log(f"created database {run.database_url}")
    layers_dir = assemble_layers(run.run_dir, gpkg)
    run.env = {
        "postgis": geohub_environment(run.run_dir, layers_dir, run.database_url),
        "embedded": geohub_environment(run.run_dir, layers_dir, None),
    }
    os.environ["GEOHUB_CONFIG"] = run.env["embedded"]["GEOHUB_CONFIG"]  # the in-process Settings too
    started = time.monotonic()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda b: load_demo(run.env[b], run.run_dir / f"load-{b}.log"), run.env))
    log(f"loaded the demo layers and parcels into both stores in {time.monotonic() - started:.0f} s")
    vacuum(run.database_url, current_tables(run.database_url))
    for backend, env in run.env.items():
        settings = Settings(
            data_dir=Path(env["GEOHUB_DATA_DIR"]),
            layers_dir=layers_dir,
            database_url=env.get("GEOHUB_DATABASE_URL"),
            log_level="WARNING",
        )
        run.services[backend] = Services.from_settings(settings)


# cached tiles -------------------------------------------------------------------------------------------
def measure_cached(run: Run) -> dict[str, Any]:
    """Seed city and basemap on the PostGIS store, then load GeoHub, nginx and static nginx with wrk."""
    env = run.env["postgis"]
    summaries = [seed(env, tileset, *SEED_ZOOMS, run.run_dir / "seed.log") for tileset in ("city", "basemap")]
    for line in summaries:
        log(f"seeded: {line}")
    cache_root = tile_cache_root(run.services["postgis"])
    files = {  # URL path -> the anonymous public's cached file (the ones nginx serves)
        f"/tiles/{tileset}/{path.relative_to(cache_root / tileset / 'public')}": path
        for tileset in ("city", "basemap")
        for path in (cache_root / tileset / "public").glob("*/*/*.mvt")
        if path.stat().st_size > 0
    }
    paths = sorted(files)
    paths_file = run.run_dir / "cached-paths.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    sizes = [files[p].stat().st_size for p in paths]
    log(f"{len(paths):,} non-empty cached tiles, {sum(sizes) / len(sizes) / 1e3:.1f} kB on average")
    loads: dict[str, dict[str, Load]] = {"plain": {}, "gzip": {}}
    key = create_app_key(env, run.run_dir / "keys.log")  # load as an app does (bench/README.md)
    with ExitStack() as stack:
        servers = start_cached_servers(stack, run, cache_root, paths[0])
        for encoding in loads:
            for name, server in servers.items():
                if server is None:
                    loads[encoding][name] = failed_load(f"{name} did not start")
                    continue
                load = run_wrk(
                    server,
                    paths_file,
                    encoding == "gzip",
                    run.args.duration,
                    run.args.connections,
                    run.args.quiet_wait,
                    key,
                )
                log(
                    f"  {name:<13} {encoding:<5} {load.rps:9.0f} req/s  {load.mb_per_s:7.1f} MB/s  "
                    f"p95 {load.p95_ms:6.2f} ms  cpu {load.server_cpu_us:6.0f} µs/req  errors {load.errors}"
                )
                loads[encoding][name] = load
    return {
        "tiles": len(paths),
        "mean_bytes": sum(sizes) / len(sizes),
        "seeded": summaries,
        "loads": {enc: {name: load.__dict__ for name, load in by.items()} for enc, by in loads.items()},
    }


def start_cached_servers(stack: ExitStack, run: Run, cache_root: Path, probe: str) -> dict[str, Any]:
    """`geohub serve` on the PostGIS store, nginx with config/nginx.conf in front of it, and nginx
    serving the same folder as plain static files."""
    geohub_port, nginx_port, static_port = free_port(), free_port(), free_port()
    env = run.env["postgis"] | {"GEOHUB_PUBLIC_URL": f"http://127.0.0.1:{nginx_port}"}
    servers: dict[str, Any] = {}
    try:
        servers["geohub"] = stack.enter_context(
            running("geohub", geohub_serve_command(geohub_port), env, geohub_port, run.run_dir / "geohub.log")
        )
        config = render_nginx(NGINX_TEMPLATE.read_text(encoding="utf-8"), nginx_port, cache_root, geohub_port)
        servers["nginx"] = stack.enter_context(
            running_nginx("nginx", config, run.run_dir / "nginx", nginx_port, probe)
        )
        static = render_nginx(STATIC_CONFIG, static_port, cache_root)
        servers["nginx-static"] = stack.enter_context(
            running_nginx("nginx-static", static, run.run_dir / "nginx-static", static_port, probe)
        )
    except RuntimeError as error:
        log(f"a server did not start: {error}")
    return {name: servers.get(name) for name in ("geohub", "nginx", "nginx-static")}


# stock pygeoapi ------------------------------------------------------------------------------------------
def measure_pygeoapi(run: Run, tiles: dict[int, list[Tile]]) -> dict[str, Any]:
    """A handful of tiles from stock pygeoapi's MVT-postgresql provider, and GeoHub's times for them."""
    tables = current_tables(run.database_url)
    port = free_port()
    timeout_s = run.args.pygeoapi_timeout
    config = pygeoapi_tiles_config(run.database_url, tables, LAYER_KEYS, port, timeout_s)
    services = run.services["postgis"]
    tilesets = TileService(services).tilesets
    results: dict[str, Any] = {"layers": {}}
    try:
        env = pygeoapi_env(run.run_dir, config)
        command = pygeoapi_command(port, timeout_s)
        with running("pygeoapi", command, env, port, run.run_dir / "pygeoapi.log") as server:
            budget = run.args.pygeoapi_budget / len(LAYER_KEYS)
            for layer in LAYER_KEYS:
                chosen = pygeoapi_tiles(services, tilesets[layer], tiles)
                stock = pygeoapi_tile_times(server.base_url, layer, chosen, timeout_s, budget)
                cancel_pygeoapi_queries(run.database_url)
                ours = [_geohub_time(services, tilesets[layer], tuple(entry["tile"])) for entry in stock]
                results["layers"][layer] = {"pygeoapi": stock, "geohub": ours}
                for s, o in zip(stock, ours, strict=True):
                    log(
                        f"  pygeoapi {layer} {s['tile']}: {s['seconds']:.2f} s ({s['status']}, "
                        f"{s['bytes']:,} B) {s['note']}; "
                        f"GeoHub {1000 * o['seconds']:.1f} ms ({o['bytes']:,} B)"
                    )
    except RuntimeError as error:
        log(f"pygeoapi: {error}")
        results["error"] = str(error)
    finally:
        cancel_pygeoapi_queries(run.database_url)
    return results


def pygeoapi_tiles(services: Services, tileset: Tileset, tiles: dict[int, list[Tile]]) -> list[Tile]:
    """Tiles of the sample with features for this layer: at z16 the 25th, 50th and 75th percentile
    by GeoHub's size, at z14 the median and the largest."""
    chosen = []
    for z, quantiles in ((16, (0.25, 0.5, 0.75)), (14, (0.5, 1.0))):
        sized = sorted(
            (len(services.store.render_tile(tile_request(tileset, *tile))), tile) for tile in tiles[z]
        )
        with_features = [tile for size, tile in sized if size]
        if not with_features:  # a small sample may hold no tile of this layer
            continue
        picks = [with_features[min(len(with_features) - 1, int(q * len(with_features)))] for q in quantiles]
        chosen += list(dict.fromkeys(picks)) if with_features else []
    return chosen


def _geohub_time(services: Services, tileset: Tileset, tile: Tile) -> dict[str, Any]:
    request = tile_request(tileset, *tile)
    before = time.perf_counter()
    data = services.store.render_tile(request)
    return {"seconds": time.perf_counter() - before, "bytes": len(data)}


# main ---------------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    """Run every section; always stop the servers and drop the database."""
    args = parse_args(argv)
    nginx_binary()
    for name in [n for n in os.environ if n.upper().startswith("GEOHUB_")]:
        del os.environ[name]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still stop servers and drop the database
    run = Run(args, BENCH_DIR / f"tiles-run-{secrets.token_hex(4)}")
    run.run_dir.mkdir(parents=True)
    try:
        prepare(run)
        tilesets = TileService(run.services["postgis"]).tilesets
        bounds = districts_bounds()
        log("PostGIS tile generation: GeoHub against its own statement alone")
        run.results["postgis"], tiles = time_postgis(
            run.services["postgis"], run.database_url, tilesets, TILESETS, ZOOMS, bounds, args
        )
        log("embedded tile generation: GeoHub against a naive pyogrio + shapely renderer")
        run.results["embedded"] = time_embedded(run.services["embedded"], tilesets, TILESETS, tiles, args)
        log("largest tile per zoom (every tile over each tileset's data, PostGIS)")
        run.results["sizes"] = largest_tiles(run.services["postgis"], run.database_url, tilesets, TILESETS)
        log("stock pygeoapi MVT-postgresql")
        run.results["pygeoapi"] = measure_pygeoapi(run, tiles)
        log("cached tiles: GeoHub, nginx with config/nginx.conf, static nginx")
        run.results["cached"] = measure_cached(run)
        run.results["seconds"] = round(time.monotonic() - run.started, 1)
        print_report(run.results, args)
        if args.json:
            write_json(args.json, run.results, args)
        log(f"done in {time.monotonic() - run.started:.0f} s")
        # a section that could not run (stock pygeoapi not starting) leaves the run incomplete
        unmeasured = {"pygeoapi": run.results["pygeoapi"].get("error", 0)}
        status = verdict("bench/tiles_bench.py", load_errors(run.results["cached"]) | unmeasured)
    finally:
        for services in run.services.values():
            services.close()
        if run.database_url:
            drop_database(args.admin_url, run.database_url)
            log("dropped the benchmark database")
        if not args.keep:
            shutil.rmtree(run.run_dir, ignore_errors=True)
    return status


def load_errors(cached: dict[str, Any]) -> dict[str, int | str]:
    """Every wrk row's errors, or its note when it could not be measured."""
    return {
        f"cached/{encoding}/{name}": load["note"] or load["errors"]
        for encoding, by_name in cached["loads"].items()
        for name, load in by_name.items()
    }


if __name__ == "__main__":
    sys.exit(main())
