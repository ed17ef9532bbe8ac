"""Servers and data of bench/features_bench.py: throwaway database, data loading, server processes."""

from __future__ import annotations

import getpass
import hashlib
import json
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import shapely
import yaml
from psycopg import sql
from pyogrio import raw

REPO_ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # the venv's bin: geohub, gunicorn, pygeoapi
CITY_GPKG = REPO_ROOT / "var" / "bench" / "city_scale.gpkg"
LAYER_FILES = ("departments.yaml", "districts.yaml", "buildings.yaml")
SERVER_THREADS = 4  # GeoHub's gunicorn: gthread with 4 threads per worker (geohub/server.py)


def log(message: str) -> None:
    """Progress on stderr."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# database -------------------------------------------------------------------------------
def create_database(admin_url: str) -> str:
    """Create an empty `geohub_bench_<random>` database and return its URL."""
    name = f"geohub_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return psycopg.conninfo.make_conninfo(admin_url, dbname=name)


def drop_database(admin_url: str, database_url: str) -> None:
    """Drop the throwaway database, closing any connection still open to it."""
    name = str(psycopg.conninfo.conninfo_to_dict(database_url)["dbname"])
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def url_of(conninfo: str) -> str:
    """A postgresql:// URL for a conninfo string (GeoHub's settings want the URL form)."""
    info = psycopg.conninfo.conninfo_to_dict(conninfo)
    user = f"{info['user']}@" if info.get("user") else ""
    return f"postgresql://{user}{info.get('host', '127.0.0.1')}:{info.get('port', 5432)}/{info['dbname']}"


def current_tables(database_url: str) -> dict[str, str]:
    """The published table of every layer in the PostGIS store."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT layer_id, table_name FROM geohub.layer_versions WHERE is_current")
        return {str(layer): str(table) for layer, table in rows}


def vacuum(database_url: str, tables: dict[str, str]) -> None:
    """VACUUM ANALYZE the fresh tables, so autovacuum does not kick in halfway through the runs."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        for table in tables.values():
            conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier("geohub", table)))


def scalar(database_url: str, query: sql.Composed, params: tuple[Any, ...] = ()) -> int:
    """One integer from PostGIS (the ground truth the servers' answers are checked against)."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(query, params).fetchone()
    return int(row[0]) if row else 0


# synthetic data and the bbox ---------------------------------------------------------------
def city_scale_data(parcels: int) -> Path:
    """The synthetic GeoPackage of `parcels` parcels (`city_scale.gpkg` for the default 300,000,
    `city_scale-<n>.gpkg` otherwise, so benches of different sizes never overwrite each other's),
    regenerated unless a stamp says it was made with these inputs. Made under a file lock into a
    temporary name, then renamed: two benches starting at once generate it once."""
    import fcntl

    import generate_city

    path = CITY_GPKG if parcels == 300_000 else CITY_GPKG.with_name(f"city_scale-{parcels}.gpkg")
    stamp_path = path.with_suffix(".stamp.json")
    generator = Path(generate_city.__file__).read_bytes()
    stamp = {"parcels": parcels, "seed": generate_city.DEFAULT_SEED, "generator": _sha(generator)}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _stamp_matches(path, stamp_path, stamp):
            log(f"reusing {path.relative_to(REPO_ROOT)} ({parcels:,} parcels requested)")
            return path
        log(f"generating SYNTHETIC city-scale data ({parcels:,} parcels) into {path.relative_to(REPO_ROOT)}")
        partial = path.with_name(f".partial-{path.name}")
        counts = generate_city.generate(partial, parcels=parcels)
        partial.replace(path)
        stamp_path.write_text(json.dumps(stamp))
    log(f"generated {counts}")
    return path


def _stamp_matches(path: Path, stamp_path: Path, stamp: dict[str, Any]) -> bool:
    """True when the GeoPackage is there, unchanged since it was stamped with these inputs."""
    if not (path.is_file() and stamp_path.is_file()):
        return False
    fresh = path.stat().st_mtime <= stamp_path.stat().st_mtime
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


# GeoHub data ----------------------------------------------------------------------------
def assemble_layers(run_dir: Path, parcels_gpkg: Path) -> Path:
    """A layers folder: fresh copies of layers/{departments,districts,buildings} + bench parcels."""
    layers_dir = run_dir / "layers"
    layers_dir.mkdir(parents=True, exist_ok=True)
    for name in LAYER_FILES:
        shutil.copyfile(REPO_ROOT / "layers" / name, layers_dir / name)
    parcels = yaml.safe_load((REPO_ROOT / "bench" / "layers" / "parcels.yaml").read_text(encoding="utf-8"))
    parcels["source"]["path"] = str(parcels_gpkg.resolve())
    (layers_dir / "parcels.yaml").write_text(yaml.safe_dump(parcels, allow_unicode=True), encoding="utf-8")
    return layers_dir


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without GEOHUB_*/PYGEOAPI_* variables, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(("GEOHUB_", "PYGEOAPI_"))}
    return env | extra


def geohub_environment(run_dir: Path, layers_dir: Path, database_url: str | None) -> dict[str, str]:
    """Environment of one GeoHub store: its own data dir, no config file but an empty one."""
    empty_config = run_dir / "empty.toml"
    empty_config.touch()
    backend = "postgis" if database_url else "embedded"
    env = clean_environment(
        GEOHUB_CONFIG=str(empty_config),
        GEOHUB_LAYERS_DIR=str(layers_dir),
        GEOHUB_DATA_DIR=str(run_dir / backend),
    )
    if database_url:
        env["GEOHUB_DATABASE_URL"] = database_url
    return env


def load_demo(env: dict[str, str], log_path: Path) -> None:
    """`geohub demo --no-serve`: districts, buildings and parcels through the ETL (import_layer)."""
    with log_path.open("ab") as out:
        done = subprocess.run(
            [str(BIN / "geohub"), "demo", "--no-serve"], env=env, stdout=out, stderr=out, check=False
        )
    if done.returncode != 0:
        raise RuntimeError(f"geohub demo --no-serve failed ({done.returncode}); see {log_path}")


# pygeoapi -------------------------------------------------------------------------------
_CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_PYGEOAPI_METADATA = {
    "identification": {
        "title": "stock pygeoapi (benchmark)",
        "description": "pygeoapi 0.21 with its PostgreSQL provider",
        "keywords": ["benchmark"],
        "keywords_type": "theme",
        "terms_of_service": "https://creativecommons.org/publicdomain/zero/1.0/",
        "url": "http://127.0.0.1",
    },
    "license": {"name": "CC0-1.0", "url": "https://creativecommons.org/publicdomain/zero/1.0/"},
    "provider": {"name": "bench", "url": "http://127.0.0.1"},
    "contact": {"name": "bench", "position": "bench", "email": "bench@example.org", "role": "pointOfContact"},
}


def pygeoapi_config(
    database_url: str, tables: dict[str, str], keys: dict[str, str], port: int
) -> dict[str, Any]:
    """A stock pygeoapi config: one PostgreSQL-provider collection per layer, GeoHub's limits."""
    info = psycopg.conninfo.conninfo_to_dict(database_url)
    connection = {
        "host": info.get("host", "127.0.0.1"),
        "port": int(str(info.get("port", 5432))),
        "dbname": info["dbname"],
        "user": info.get("user") or getpass.getuser(),
        "search_path": ["geohub"],
    }
    resources = {
        layer: {
            "type": "collection",
            "title": layer,
            "description": f"{layer} (GeoHub table geohub.{tables[layer]})",
            "keywords": [layer],
            "extents": {"spatial": {"bbox": [76.70, 43.03, 77.20, 43.40], "crs": _CRS84}},
            "providers": [
                {
                    "type": "feature",
                    "name": "PostgreSQL",
                    "data": connection,
                    "id_field": keys[layer],
                    "table": tables[layer],
                    "geom_field": "geom",
                }
            ],
        }
        for layer in keys
    }
    return {
        "server": {
            "bind": {"host": "127.0.0.1", "port": port},
            "url": f"http://127.0.0.1:{port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "gzip": False,
            "languages": ["en-US"],
            "pretty_print": False,
            "limits": {"default_items": 10, "max_items": 10_000},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": "OSM"},
        },
        "logging": {"level": "ERROR"},
        "metadata": _PYGEOAPI_METADATA,
        "resources": resources,
    }


def pygeoapi_environment(run_dir: Path, config: dict[str, Any], log_path: Path) -> dict[str, str]:
    """Write the config, generate its OpenAPI document, return the env pygeoapi.flask_app reads."""
    config_path, openapi_path = run_dir / "pygeoapi.yml", run_dir / "pygeoapi-openapi.yml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    env = clean_environment(PYGEOAPI_CONFIG=str(config_path), PYGEOAPI_OPENAPI=str(openapi_path))
    with log_path.open("ab") as out:
        done = subprocess.run(
            [
                str(BIN / "pygeoapi"),
                "openapi",
                "generate",
                str(config_path),
                "--output-file",
                str(openapi_path),
            ],
            env=env,
            stdout=out,
            stderr=out,
            check=False,
        )
    if done.returncode != 0 or not openapi_path.is_file():
        raise RuntimeError(f"pygeoapi openapi generate failed; see {log_path}")
    return env


# processes ------------------------------------------------------------------------------
@dataclass
class Server:
    """A running server process group and where it answers."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def geohub_command(port: int) -> list[str]:
    """`geohub serve` on `port` with the default worker count."""
    return [str(BIN / "geohub"), "serve", "--host", "127.0.0.1", "--port", str(port)]


def pygeoapi_command(port: int, workers: int) -> list[str]:
    """gunicorn serving pygeoapi's Flask app the way `geohub serve` serves GeoHub."""
    return [
        str(BIN / "gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(SERVER_THREADS),
        "--timeout",
        "60",
        "pygeoapi.flask_app:APP",
    ]


@contextmanager
def running(
    name: str, command: list[str], env: dict[str, str], port: int, log_path: Path
) -> Iterator[Server]:
    """Start a server in its own process group, wait until it answers, stop it afterwards."""
    with log_path.open("ab") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=out, stdin=subprocess.DEVNULL, start_new_session=True
        )
    server = Server(name, process, port, log_path)
    try:
        wait_ready(server, "/collections?f=json")
        yield server
    finally:
        stop(process)


def wait_ready(server: Server, path: str, timeout_s: float = 60.0) -> None:
    """Poll `path` until it answers 200 or 204; RuntimeError when the process dies or time runs out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"{server.name} exited with {server.process.returncode}; see {server.log_path}"
            )
        try:
            with urllib.request.urlopen(server.base_url + path, timeout=30) as answer:
                if answer.status in (200, 204):
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{server.name} did not answer {path} within {timeout_s:.0f} s; see {server.log_path}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group (gunicorn master and workers), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def get_json(url: str) -> tuple[int, dict[str, Any]]:
    """Status and JSON body of one GET (body {} when it is not JSON)."""
    try:
        with urllib.request.urlopen(url, timeout=60) as answer:
            status, body = answer.status, answer.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    try:
        return status, json.loads(body)
    except ValueError:
        return status, {}
