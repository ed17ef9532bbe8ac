"""Servers and load of bench/tiles_bench.py: GeoHub, nginx (config/nginx.conf and plain static), wrk,
and stock pygeoapi's MVT-postgresql provider."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from features_bench_load import (
    group_cpu_seconds,
    wait_until_quiet,
    wrk_available,
    wrk_environment,
    wrk_totals,
)
from features_bench_servers import (
    BIN,
    REPO_ROOT,
    Server,
    pygeoapi_config,
    pygeoapi_environment,
    stop,
    wait_ready,
)

NGINX_TEMPLATE = REPO_ROOT / "config" / "nginx.conf"
LUA_SCRIPT = Path(__file__).resolve().with_name("tiles_bench.lua")
MARKER = "BENCH_JSON "

# nginx serving the cache folder as plain static files: the floor config/nginx.conf is held to.
STATIC_CONFIG = r"""
worker_processes auto;
pid logs/nginx.pid;
error_log logs/error.log warn;
events { worker_connections 1024; }
http {
    sendfile on;
    tcp_nopush on;
    types { application/vnd.mapbox-vector-tile mvt; }
    access_log logs/access.log;
    server {
        listen @LISTEN@;
        location ~ "^/tiles/(?<tileset>[a-z0-9_]+)/(?<zxy>[0-9]+/[0-9]+/[0-9]+\.mvt)$" {
            alias @CACHE_ROOT@/$tileset/public/$zxy;
        }
    }
}
"""


@dataclass(frozen=True)
class Load:
    """What one wrk run saw: good answers per second, latency and the server's CPU per answer."""

    requests: int
    good: int
    errors: int
    seconds: float
    rps: float
    mb_per_s: float
    p50_ms: float
    p95_ms: float
    server_cpu_us: float
    background_cpu: float
    note: str = ""


def failed_load(note: str) -> Load:
    nan = float("nan")
    return Load(0, 0, 0, 0.0, 0.0, 0.0, nan, nan, nan, nan, note)


# nginx ------------------------------------------------------------------------------------------------
def nginx_binary() -> str:
    """The nginx executable, or RuntimeError telling how to install it."""
    for candidate in ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"):
        if os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError("nginx not found: make system-deps (or apt-get install -y nginx)")


def render_nginx(template: str, port: int, cache_root: Path, upstream_port: int | None = None) -> str:
    """A config with its placeholders filled: listen on `port`, serve `cache_root`, run as us."""
    values = {
        "@LISTEN@": f"127.0.0.1:{port}",
        "@CACHE_ROOT@": str(cache_root.resolve()),
        "@GEOHUB_UPSTREAM@": f"127.0.0.1:{upstream_port}",
        "@USER@": getpass.getuser(),
    }
    for name, value in values.items():
        template = template.replace(name, value)
    return template


@contextmanager
def running_nginx(name: str, config: str, prefix: Path, port: int, probe: str) -> Iterator[Server]:
    """nginx in the foreground with its own prefix (logs, pid, temp files), its own process group."""
    (prefix / "logs").mkdir(parents=True, exist_ok=True)
    config_path = prefix / "nginx.conf"
    config_path.write_text(config)
    log_path = prefix / "logs" / "stderr.log"
    command = [nginx_binary(), "-p", f"{prefix}/", "-c", str(config_path), "-g", "daemon off;"]
    with log_path.open("ab") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=out, stdin=subprocess.DEVNULL, start_new_session=True
        )
    server = Server(name, process, port, log_path)
    try:
        wait_ready(server, probe)
        yield server
    finally:
        stop(process)


def get(url: str, timeout_s: float = 60.0) -> tuple[int, bytes]:
    """Status and body of one GET."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


# load -------------------------------------------------------------------------------------------------
def run_wrk(
    server: Server,
    paths_file: Path,
    gzip: bool,
    duration_s: float,
    connections: int,
    quiet_wait_s: float,
    key: str = "",
) -> Load:
    """Quiet the machine, warm up for 2 s, then wrk (1 thread) over the paths for `duration_s`,
    sending `key` as X-API-Key when given."""
    background = wait_until_quiet(quiet_wait_s)
    _wrk(server.base_url, paths_file, gzip, 2.0, connections, key)
    cpu_before = group_cpu_seconds(server.process.pid)
    raw = _wrk(server.base_url, paths_file, gzip, duration_s, connections, key)
    cpu = group_cpu_seconds(server.process.pid) - cpu_before
    if "error" in raw:
        return failed_load(str(raw["error"]))
    good, errors, seconds, rps = wrk_totals(raw)
    return Load(
        requests=raw["requests"],
        good=good,
        errors=errors,
        seconds=seconds,
        rps=rps,
        mb_per_s=raw["bytes"] / seconds / 1e6 if seconds else 0.0,
        p50_ms=raw["p50_us"] / 1000,
        p95_ms=raw["p95_us"] / 1000,
        server_cpu_us=1e6 * cpu / max(good, 1),
        background_cpu=background,
    )


def _wrk(
    base_url: str, paths_file: Path, gzip: bool, duration_s: float, connections: int, key: str = ""
) -> dict[str, Any]:
    command = [
        wrk_available(),
        "--threads",
        "1",
        "--connections",
        str(connections),
        "--duration",
        f"{max(1, round(duration_s))}s",
        "--timeout",
        "30s",
        "--script",
        str(LUA_SCRIPT),
        base_url,
        "--",
        str(paths_file),
        "200",
        "gzip" if gzip else "plain",
    ]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        timeout=duration_s + 120,
        env=wrk_environment(key),
    )
    line = next((x for x in done.stdout.splitlines() if x.startswith(MARKER)), None)
    if done.returncode != 0 or line is None:
        return {"error": f"wrk failed: {(done.stderr or done.stdout).strip()[:200]}"}
    return dict(json.loads(line[len(MARKER) :]))


# stock pygeoapi -------------------------------------------------------------------------------------------
def pygeoapi_tiles_config(
    database_url: str, tables: dict[str, str], keys: dict[str, str], port: int, timeout_s: float
) -> dict[str, Any]:
    """Stock pygeoapi, one collection per layer with only the MVT-postgresql tile provider; every
    statement of its connections limited to `timeout_s` (libpq options, application_name pygeoapi)."""
    info = psycopg.conninfo.conninfo_to_dict(database_url)
    connection = {
        "host": info.get("host", "127.0.0.1"),
        "port": int(str(info.get("port", 5432))),
        "dbname": info["dbname"],
        "user": info.get("user") or getpass.getuser(),
        "search_path": ["geohub", "public"],
    }
    resources = {
        layer: {
            "type": "collection",
            "title": layer,
            "description": f"{layer} (GeoHub table geohub.{tables[layer]})",
            "keywords": [layer],
            "extents": {
                "spatial": {
                    "bbox": [76.70, 43.03, 77.20, 43.40],
                    "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
                }
            },
            "providers": [
                {
                    "type": "tile",
                    "name": "MVT-postgresql",
                    "data": connection,
                    "id_field": keys[layer],
                    "table": tables[layer],
                    "geom_field": "geom",
                    # `schemes` as a list crashes 0.21's start-up (../shared/NOTES.md): left out
                    "options": {
                        "zoom": {"min": 0, "max": 22},
                        "options": f"-c statement_timeout={int(timeout_s * 1000)}",
                    },
                    "format": {"name": "pbf", "mimetype": "application/vnd.mapbox-vector-tile"},
                }
            ],
        }
        for layer in keys
    }
    config = pygeoapi_config(database_url, tables, keys, port)
    config["resources"] = resources
    return config


def pygeoapi_tile_times(
    base_url: str, layer: str, tiles: list[tuple[int, int, int]], timeout_s: float, budget_s: float
) -> list[dict[str, Any]]:
    """GET each tile once (OGC path: z/y/x); seconds, status and size, or a timeout; stops at the budget."""
    results = []
    started = time.monotonic()
    for z, x, y in tiles:
        if time.monotonic() - started > budget_s:
            break
        url = f"{base_url}/collections/{layer}/tiles/WebMercatorQuad/{z}/{y}/{x}?f=mvt"
        before = time.perf_counter()
        try:
            status, body = get(url, timeout_s)
            note = "" if status in (200, 204) else body[:120].decode("utf-8", "replace")
        except OSError as error:  # client timeout: the statement timeout should have fired first
            status, body, note = 0, b"", f"timeout ({error})"
        seconds = time.perf_counter() - before
        if status == 500 and b"statement timeout" in body:
            note = f"statement_timeout {timeout_s:g} s"
        results.append(
            {"tile": [z, x, y], "seconds": seconds, "status": status, "bytes": len(body), "note": note}
        )
    return results


def cancel_pygeoapi_queries(database_url: str) -> None:
    """Cancel whatever pygeoapi still runs in the database (a tile it gave up on)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'pygeoapi'"
        )


def pygeoapi_env(run_dir: Path, config: dict[str, Any]) -> dict[str, str]:
    """Write the config and its OpenAPI document; the environment pygeoapi.flask_app reads."""
    return pygeoapi_environment(run_dir, config, run_dir / "pygeoapi-openapi.log")


def pygeoapi_command(port: int, timeout_s: float) -> list[str]:
    """gunicorn serving stock pygeoapi's Flask app (1 worker: tiles are asked one at a time)."""
    return [
        str(BIN / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--worker-class",
        "gthread",
        "--threads",
        "4",
        "--timeout",
        str(int(timeout_s) + 30),
        "pygeoapi.flask_app:APP",
    ]


def geohub_serve_command(port: int) -> list[str]:
    return [str(BIN / "geohub"), "serve", "--host", "127.0.0.1", "--port", str(port)]


def seed(env: dict[str, str], tileset: str, minzoom: int, maxzoom: int, log_path: Path) -> str:
    """`geohub tiles seed`; its summary line."""
    with log_path.open("ab") as out:
        done = subprocess.run(
            [
                str(BIN / "geohub"),
                "tiles",
                "seed",
                tileset,
                "--minzoom",
                str(minzoom),
                "--maxzoom",
                str(maxzoom),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=out,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"geohub tiles seed {tileset} failed; see {log_path}")
    return done.stdout.strip()
