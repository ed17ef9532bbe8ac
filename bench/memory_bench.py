"""Memory benchmark: a worker's resident memory over 100 publishes of one layer, on both stores.

Each store runs in a process of its own, as one `geohub serve` worker would: the app
(`create_app`, production settings), districts synced, a publisher's token; then `--publishes`
times: an upload of `--features` real building footprints (the demo buildings, a tenth of their
names changed each round so each import is a new version) through
`POST /collections/buildings/imports` with `publish=true`; and after each publish what readers
ask: a page of items, a filtered page (its count), a feature, the z14 and z16 tiles over a
building renamed in that round (drawn from the new version) and the tileset's metadata. The
process's resident memory (VmRSS in /proc/self/status, after gc and malloc_trim) is printed
after the first publish and after 10, 50 and 100.

FAILED (exit 1) when any answer was an error, or when memory grew more than `--bound-mb` from the
10th publish to the last: after warm-up a worker must not keep anything per version it served
(a trial that kept every version's embedded tile index grew 13 MB in 20 publishes).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import morecantile
import pyogrio
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_guard import verdict
from features_bench_servers import REPO_ROOT, create_database, drop_database, log, url_of

from geohub.app import create_app
from geohub.auth.accounts import Accounts
from geohub.auth.principal import Role
from geohub.publishing.service import ImportService
from geohub.publishing.sync import sync_layer
from geohub.settings import Settings

LAYER = "buildings"  # department architecture
SOURCE_SQL = (
    "SELECT substr(osm_type, 1, 1) || osm_id AS osm_ref, building, name, street, housenumber, geom "
    "FROM buildings WHERE building IS NOT NULL ORDER BY fid"
)
CHECKPOINTS = (1, 10, 50, 100)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--publishes", type=int, default=100, help="publishes per store (100)")
    parser.add_argument("--features", type=int, default=1000, help="features per import (1000)")
    parser.add_argument("--bound-mb", type=float, default=10.0, help="growth allowed after 10 (10 MB)")
    parser.add_argument("--backends", default="embedded,postgis", help="stores to run (both)")
    parser.add_argument("--admin-url", default="postgresql://127.0.0.1:5432/postgres")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--worker", choices=("embedded", "postgis"), help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def rss_mb() -> float:
    """This process's resident memory, MB (VmRSS), after glibc has handed its free heap back
    (malloc_trim): memory the worker holds, not the allocator's high-water mark."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def source_features(count: int) -> list[dict[str, Any]]:
    """`count` real building footprints as GeoJSON features (lon/lat)."""
    meta, _, wkb, values = pyogrio.raw.read(
        REPO_ROOT / "data" / "almaty" / "buildings.gpkg",
        sql=SOURCE_SQL,
        sql_dialect="SQLITE",
        max_features=count,
    )
    names = list(meta["fields"])
    return [
        {
            "type": "Feature",
            "geometry": shapely.geometry.mapping(geometry),
            "properties": {name: column[i] for name, column in zip(names, values, strict=True)},
        }
        for i, geometry in enumerate(shapely.from_wkb(wkb))
    ]


def upload(features: list[dict[str, Any]], round_no: int) -> bytes:
    """The buildings with a tenth of them renamed for this round: an import that changes something."""
    renamed = [
        {**f, "properties": {**f["properties"], "name": f"round {round_no}"}}
        if i % 10 == round_no % 10
        else f
        for i, f in enumerate(features)
    ]
    return json.dumps({"type": "FeatureCollection", "features": renamed}).encode()


def run_worker(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    """One store's run, in this process; its RSS at each checkpoint and its error count."""
    folder = Path(tempfile.mkdtemp(prefix=f"geohub-memory-{backend}-"))
    settings = Settings(data_dir=folder / "var", log_level="WARNING", database_url=args.database_url)
    app = create_app(settings)
    services = app.extensions["geohub"]
    service = ImportService(services, app.extensions["geohub.tiles"].drop_changed_tiles)
    sync_layer(service, services.registry.get("districts"), settings.demo_data_dir)
    Accounts(services.records).add_user("arman", role=Role.publisher, department="architecture")
    auth = {"Authorization": f"Bearer {Accounts(services.records).create_token('arman')}"}
    features = source_features(args.features)
    client = app.test_client()
    errors, figures = 0, {}
    for round_no in range(1, args.publishes + 1):
        answer = client.post(
            f"/collections/{LAYER}/imports",
            data={"file": (io.BytesIO(upload(features, round_no)), "buildings.geojson"), "publish": "true"},
            headers=auth,
            content_type="multipart/form-data",
        )
        if answer.status_code != 201 or answer.get_json().get("status") != "published":
            errors += 1
            log(f"  {backend} publish {round_no}: {answer.status_code} {answer.get_data(as_text=True)[:200]}")
        for path in _read_paths(features, round_no):
            read = client.get(path, headers=auth)
            if read.status_code not in (200, 204):
                errors += 1
                log(f"  {backend} {path}: {read.status_code}")
        if round_no in CHECKPOINTS or round_no == args.publishes:
            gc.collect()
            figures[round_no] = round(rss_mb(), 1)
            log(f"  {backend} after {round_no} publishes: {figures[round_no]} MB")
    services.close()
    return {"rss_mb": figures, "errors": errors}


def _read_paths(features: list[dict[str, Any]], round_no: int) -> list[str]:
    """What readers ask for after a publish: pages, a filter, a feature, and the z14 and z16 tiles
    over a building renamed in this round (so the tiles are drawn from the new version)."""
    renamed = features[round_no % 10]
    where = shapely.geometry.shape(renamed["geometry"]).representative_point()
    tms = morecantile.tms.get("WebMercatorQuad")
    tiles = [tms.tile(where.x, where.y, z) for z in (14, 16)]
    return [
        f"/collections/{LAYER}/items?limit=50",
        f"/collections/{LAYER}/items?limit=10&building={renamed['properties']['building']}",
        f"/collections/{LAYER}/items/{renamed['properties']['osm_ref']}",
        *(f"/collections/{LAYER}/tiles/WebMercatorQuad/{t.z}/{t.y}/{t.x}" for t in tiles),
        f"/collections/{LAYER}/tiles/WebMercatorQuad",
    ]


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run one store's worker in a fresh process (a throwaway database for PostGIS)."""
    command = [sys.executable, __file__, "--worker", backend, "--publishes", str(args.publishes)]
    command += ["--features", str(args.features)]
    database = url_of(create_database(args.admin_url)) if backend == "postgis" else None
    try:
        if database:
            command += ["--database-url", database]
        done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
        if done.returncode != 0 or not done.stdout.strip():
            return {"rss_mb": {}, "errors": f"worker exited {done.returncode}"}
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))
    finally:
        if database:
            drop_database(args.admin_url, database)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        print(json.dumps(run_worker(args.worker, args)))
        return 0
    results = {}
    for backend in args.backends.split(","):
        log(f"{backend}: {args.publishes} publishes of {args.features} features")
        results[backend] = run_backend(backend, args)
    marks = sorted({m for r in results.values() for m in map(int, r["rss_mb"])})
    print(f"\nworker resident memory (VmRSS, MB) after n publishes of {args.features} features")
    print(
        f"{'store':<10}"
        + "".join(f"{n:>9}" for n in marks)
        + f"{'growth':>10}  (after 10; bound {args.bound_mb} MB)"
    )
    failures: dict[str, int | str] = {}
    for backend, result in results.items():
        rss = {int(k): v for k, v in result["rss_mb"].items()}
        growth = rss[max(rss)] - rss[10] if 10 in rss and max(rss) > 10 else float("nan")
        print(
            f"{backend:<10}"
            + "".join(f"{rss.get(n, float('nan')):>9.1f}" for n in marks)
            + f"{growth:>+10.1f}"
        )
        failures[f"{backend}/errors"] = result["errors"]
        if growth > args.bound_mb:
            failures[f"{backend}/memory"] = f"grew {growth:.1f} MB after 10 publishes (bound {args.bound_mb})"
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    return verdict("memory_bench", failures)


if __name__ == "__main__":
    sys.exit(main())
