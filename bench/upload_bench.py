"""Upload benchmark: what the sandboxed reader costs, and how long a worker is held at the limits.

Prints (and with --json writes) four figures, each the median of --repeat runs:
  overhead     a 40-point GeoPackage upload read in the sandbox vs in this process (the reader
               process's start-up, GDAL's driver registration, the Arrow hand-back);
  wide         a GeoJSON of 20,000 fields x 10 features (what once held a worker 80-140 s):
               refused from metadata, and the time to that answer;
  slow         the same file with the field cap lifted: stopped at etl.read_timeout_s (set to 5 s);
  at_limits    a SYNTHETIC CSV at the caps (etl.max_source_rows rows x 10 fields = etl.max_source_cells
               values) through the whole upload path on the embedded store (dry run): read,
               hand-back, map, derive, validate, digest, diff. This is the longest an accepted
               upload of that shape holds a worker after its read.
Nothing here is a test; the figures go to bench/README.md.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geohub.app import create_app  # noqa: E402
from geohub.auth.accounts import Accounts  # noqa: E402
from geohub.auth.principal import Role  # noqa: E402
from geohub.errors import GeoHubError  # noqa: E402
from geohub.publishing.service import ImportService  # noqa: E402
from geohub.publishing.sync import sync_layer  # noqa: E402
from geohub.settings import EtlSettings, Settings  # noqa: E402
from geohub.sources.formats import read_file  # noqa: E402
from geohub.sources.read import ReadLimits, read_upload  # noqa: E402


def timed(action: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median seconds over `repeat` runs, and the last outcome (a result or the error raised)."""
    times, outcome = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        try:
            outcome = action()
        except GeoHubError as error:
            outcome = error
        times.append(time.perf_counter() - started)
    return statistics.median(times), outcome


def wide_geojson(path: Path, fields: int = 20_000, features: int = 10) -> Path:
    properties = {f"f{i}": i for i in range(fields)}
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [76.9, 43.2]}}
    path.write_text(
        json.dumps(
            {"type": "FeatureCollection", "features": [{**feature, "properties": properties}] * features}
        )
    )
    return path


def synthetic_csv(path: Path, rows: int) -> Path:
    """SYNTHETIC parcels as points: osm_ref, land_use, name and 5 more text fields, lon/lat in Almaty."""
    rng = np.random.default_rng(20261207)
    lon = rng.uniform(76.85, 77.0, rows)
    lat = rng.uniform(43.2, 43.3, rows)
    with path.open("w") as out:
        out.write("osm_ref,land_use,name,f1,f2,f3,f4,f5,lon,lat\n")
        for i in range(rows):
            out.write(f"SYN{i},park,synthetic {i},a,b,c,d,e,{lon[i]:.6f},{lat[i]:.6f}\n")
    return path


def upload_at_limits(folder: Path, rows: int, repeat: int) -> float:
    settings = Settings(data_dir=folder / "var", log_level="WARNING")
    app = create_app(settings)
    services = app.extensions["geohub"]
    service = ImportService(services, app.extensions["geohub.tiles"].drop_changed_tiles)
    sync_layer(service, services.registry.get("districts"), settings.demo_data_dir)
    Accounts(services.records).add_user("aigerim", role=Role.publisher, department="land_relations")
    token = Accounts(services.records).create_token("aigerim")
    content = synthetic_csv(folder / "parcels.csv", rows).read_bytes()
    client = app.test_client()

    def post() -> int:
        response = client.post(
            "/collections/cadastre/imports",
            data={"file": (io.BytesIO(content), "parcels.csv"), "dryRun": "true"},
            headers={"Authorization": f"Bearer {token}"},
            content_type="multipart/form-data",
        )
        return response.status_code

    seconds, status = timed(post, repeat)
    print(f"  (answer {status}, {len(content) / 1e6:.0f} MB)")
    services.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rows", type=int, default=EtlSettings().max_source_rows)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="geohub-upload-bench-"))
    figures: dict[str, float] = {}
    try:
        sample = folder / "addresses.gpkg"
        shutil.copy(ROOT / "data" / "almaty" / "addresses.gpkg", sample)
        figures["inprocess_s"], _ = timed(lambda: read_file(sample, filename="addresses.gpkg"), args.repeat)
        figures["sandboxed_s"], _ = timed(lambda: read_upload(sample, filename="addresses.gpkg"), args.repeat)
        wide = wide_geojson(folder / "wide.geojson")
        figures["wide_refused_s"], refused = timed(
            lambda: read_upload(wide, filename="wide.geojson"), args.repeat
        )
        limits = ReadLimits(timeout_s=5, max_fields=100_000)
        figures["slow_stopped_s"], stopped = timed(
            lambda: read_upload(wide, filename="wide.geojson", limits=limits), 1
        )
        figures["at_limits_s"] = upload_at_limits(folder, args.rows, 1)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    inprocess, sandboxed = figures["inprocess_s"], figures["sandboxed_s"]
    print(f"717 addresses (GeoPackage): in process {inprocess:.3f} s, sandboxed {sandboxed:.3f} s")
    print(f"20,000-field GeoJSON: refused in {figures['wide_refused_s']:.3f} s ({type(refused).__name__})")
    stopped_s = figures["slow_stopped_s"]
    print(f"same file, no field cap, 5 s bound: stopped after {stopped_s:.2f} s ({type(stopped).__name__})")
    print(f"{args.rows:,} rows x 10 fields CSV, whole upload path (dry run): {figures['at_limits_s']:.1f} s")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
