"""Citizen reports filing benchmark: 8 clients filing reports without photos for 60 s.

For each backend (embedded SQLite + GeoPackage, and a throwaway PostgreSQL/PostGIS database via
--admin-url) it loads the real districts and address register, starts `geohub serve` (default
workers, rate limits on, as deployed behind config/nginx.conf: `trusted_proxies` 1), and runs
--clients threads, each filing reports as fast as it can at random points inside the districts
(JSON `POST /reports`, `confirmDistinct: true`, so every filing is a new report). Each filing
comes from its own citizen address (`X-Forwarded-For`, as nginx sets it), since the write limit
is per address; the checks afterwards read through an app key (bench/bench_guard.py). Any error
makes the run FAILED (exit status 1). Then it checks that every
acknowledged (201) report is readable (`GET /reports/{id}`), and waits until the public
`reports` layer shows them all (the sync runs off the request, after the answers).

Prints per backend: filings, errors, filings/s, latency p50/p95/p99/max (ms), reports readable,
and how long the public layer took to catch up after the last filing. Target (issue 12): p95
≤ 50 ms on PostGIS and ≤ 100 ms embedded, 0 errors, every acknowledged report readable.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import shapely
from pyogrio import read_arrow

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_guard import create_app_key, key_headers, use_app_key, verdict
from features_bench_servers import (
    BIN,
    REPO_ROOT,
    create_database,
    drop_database,
    free_port,
    geohub_environment,
    log,
    running,
    url_of,
)

from geohub.etl.pipeline import import_layer
from geohub.services import Services
from geohub.settings import Settings

CATEGORIES = ("road_damage", "illegal_dump", "overflowing_bin", "broken_street_light", "blocked_pavement")
DEMO_DATA = REPO_ROOT / "data" / "almaty"


def random_points(count: int, seed: int) -> list[tuple[float, float]]:
    """`count` random points inside the city's districts (the real polygons)."""
    _, table = read_arrow(DEMO_DATA / "districts.gpkg", layer="districts")
    districts = shapely.union_all(shapely.from_wkb(table.column(table.num_columns - 1).to_pylist()))
    shapely.prepare(districts)
    minx, miny, maxx, maxy = districts.bounds
    rng = random.Random(seed)
    points: list[tuple[float, float]] = []
    while len(points) < count:
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shapely.contains_xy(districts, lon, lat):
            points.append((lon, lat))
    return points


def load_places(data_dir: Path, database_url: str | None) -> None:
    """The districts and address register the reports are placed with."""
    services = Services.from_settings(
        Settings(data_dir=data_dir, database_url=database_url, log_level="WARNING")
    )
    try:
        for layer_id in ("districts", "addresses"):
            import_layer(services.registry.get(layer_id), services.store, services.registry, DEMO_DATA)
    finally:
        services.close()


def file_reports(
    base_url: str, clients: int, seconds: float, points: list[tuple[float, float]]
) -> tuple[list[float], list[str], list[str]]:
    """Latencies (ms), tracking ids acknowledged, and errors of `clients` threads filing for `seconds`."""
    latencies: list[float] = []
    filed: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    host, port = urlsplit(base_url).hostname or "127.0.0.1", urlsplit(base_url).port or 80

    def client(number: int) -> None:
        # http.client with one kept-alive connection: the lightest client, so the 2 cores go to
        # the server and the database rather than to the load it is measured under
        connection = http.client.HTTPConnection(host, port, timeout=30)
        rng = random.Random(number)
        sent = 0
        while time.monotonic() < deadline:
            lon, lat = points[rng.randrange(len(points))]
            citizen = f"10.{number % 256}.{sent // 256 % 256}.{sent % 256}"  # one address per filing
            sent += 1
            body = json.dumps(
                {
                    "category": rng.choice(CATEGORIES),
                    "description": f"Benchmark filing {number}: SYNTHETIC, not a real report.",
                    "location": {"lon": lon, "lat": lat},
                    "confirmDistinct": True,
                }
            )
            started = time.perf_counter()
            try:
                connection.request(
                    "POST",
                    "/reports",
                    body,
                    {"Content-Type": "application/json", "X-Forwarded-For": citizen},
                )
                answer = connection.getresponse()
                data = answer.read()
            except (OSError, http.client.HTTPException) as error:
                with lock:
                    errors.append(repr(error))
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=30)
                continue
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                if answer.status == 201:
                    latencies.append(elapsed)
                    filed.append(json.loads(data)["trackingId"])
                else:
                    errors.append(f"{answer.status} {data[:200]!r}")
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, filed, errors


def readable(base_url: str, filed: list[str]) -> int:
    """How many of the acknowledged reports answer 200 by their tracking id."""
    session = requests.Session()
    session.headers.update(key_headers())
    return sum(
        session.get(f"{base_url}/reports/{tracking_id}", timeout=30).status_code == 200
        for tracking_id in filed
    )


def layer_catch_up_s(base_url: str, expected: int, timeout_s: float = 300.0) -> float | None:
    """Seconds until the public layer counts `expected` reports (None: not within the timeout)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        answer = requests.get(
            f"{base_url}/collections/reports/items?resulttype=hits&f=json", headers=key_headers(), timeout=30
        )
        if answer.status_code == 200 and answer.json().get("numberMatched") == expected:
            return time.monotonic() - started
        time.sleep(0.2)
    return None


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def run_backend(
    backend: str, admin_url: str, clients: int, seconds: float, points: list[tuple[float, float]]
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="geohub-reports-bench-") as folder:
        run_dir = Path(folder)
        conninfo = create_database(admin_url) if backend == "postgis" else None
        database_url = url_of(conninfo) if conninfo else None
        try:
            env = geohub_environment(run_dir, REPO_ROOT / "layers", database_url)
            env["GEOHUB_TRUSTED_PROXIES"] = "1"  # behind nginx: the citizen's address is X-Forwarded-For
            env["GEOHUB_LOG_LEVEL"] = "WARNING"
            load_places(Path(env["GEOHUB_DATA_DIR"]), database_url)
            use_app_key(create_app_key(env, run_dir / "keys.log"))
            port = free_port()
            command = [str(BIN / "geohub"), "serve", "--host", "127.0.0.1", "--port", str(port)]
            with running(f"geohub-{backend}", command, env, port, run_dir / "server.log") as server:
                log(f"{backend}: {clients} clients filing for {seconds:.0f} s")
                began = time.monotonic()
                latencies, filed, errors = file_reports(server.base_url, clients, seconds, points)
                wall = time.monotonic() - began
                catch_up = layer_catch_up_s(server.base_url, len(filed))
                found = readable(server.base_url, filed)
        finally:
            if conninfo:
                drop_database(admin_url, conninfo)
    return {
        "backend": backend,
        "filings": len(filed),
        "errors": len(errors),
        "first_errors": errors[:3],
        "filings_per_s": round(len(filed) / wall, 1),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1) if latencies else None,
        "readable": found,
        "layer_catch_up_s": None if catch_up is None else round(catch_up, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--admin-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--backends", default="postgis,embedded")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    points = random_points(20_000, seed=12)
    results = [
        run_backend(backend, args.admin_url, args.clients, args.seconds, points)
        for backend in args.backends.split(",")
    ]
    header = ("backend", "filings", "errors", "per s", "p50", "p95", "p99", "max", "readable", "layer s")
    print(f"{header[0]:<10}" + "".join(f"{h:>9}" for h in header[1:]))
    for r in results:
        figures = ("filings", "errors", "filings_per_s", "p50_ms", "p95_ms", "p99_ms", "max_ms", "readable")
        print(f"{r['backend']:<10}" + "".join(f"{r[f]!s:>9}" for f in (*figures, "layer_catch_up_s")))
        for error in r["first_errors"]:
            print(f"  error: {error}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    return verdict("bench/reports_bench.py", {f"{r['backend']}": run_errors(r) for r in results})


def run_errors(result: dict[str, Any]) -> int | str:
    """A backend's filing errors, or what its checks found missing."""
    if result["errors"]:
        return int(result["errors"])
    if result["readable"] != result["filings"]:
        return f"{result['filings'] - result['readable']} acknowledged reports not readable"
    if result["layer_catch_up_s"] is None:
        return "the public layer did not show every report in time"
    return 0


if __name__ == "__main__":
    sys.exit(main())
