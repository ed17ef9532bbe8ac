"""Import benchmark: the ≥300,000 SYNTHETIC parcels from a GeoPackage into PostGIS.

In one run, on the same file and the same PostgreSQL server, each in its own throwaway database:

  ogr2ogr    GDAL's plain load: `ogr2ogr -f PostgreSQL` (COPY, a GiST index), no checks at all
  geohub     GeoHub's import of the layer (bench/layers/parcels.yaml): read, map fields,
             validate (types, required, allowed values, duplicate keys, geometry validity and
             type, city bounds), digest, diff against the live version, write (binary COPY,
             key/attribute/GiST indexes, ANALYZE) and publish
  reimport   the same import again with the source fingerprint ignored (`--force`): read,
             validate and diff everything; nothing changed, so nothing is written
  unchanged  the same import again as a sync does it: the source's fingerprint is unchanged

Each import runs `--repeat` times (default 3, a fresh database each time for the first two
rows); the table shows the median and the best. Targets: geohub ≤ ogr2ogr; reimport < 20% of
geohub. Progress goes to stderr, the table to stdout; `--json PATH` writes the figures.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from features_bench_servers import (
    REPO_ROOT,
    city_scale_data,
    create_database,
    drop_database,
    log,
    url_of,
)

from geohub.publishing.service import ImportService
from geohub.publishing.sync import sync_layer
from geohub.services import Services
from geohub.settings import Settings

LAYER = "parcels"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--parcels", type=int, default=300_000, help="synthetic parcels (300,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each import (3)")
    parser.add_argument("--admin-url", default="postgresql://127.0.0.1:5432/postgres")
    parser.add_argument("--json", type=Path, help="write the figures here")
    return parser.parse_args(argv)


def layers_folder(run_dir: Path, gpkg: Path) -> Path:
    """departments.yaml plus the bench-only parcels layer with its source made absolute."""
    folder = run_dir / "layers"
    folder.mkdir(parents=True)
    shutil.copy(REPO_ROOT / "layers" / "departments.yaml", folder)
    definition = yaml.safe_load((REPO_ROOT / "bench" / "layers" / "parcels.yaml").read_text())
    definition["source"]["path"] = str(gpkg)
    (folder / "parcels.yaml").write_text(yaml.safe_dump(definition, allow_unicode=True))
    return folder


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def ogr2ogr_load(gpkg: Path, database_url: str) -> float:
    command = [
        "ogr2ogr", "-f", "PostgreSQL", f"PG:{database_url}", str(gpkg), LAYER,
        "-nln", "parcels_ogr", "-lco", "GEOMETRY_NAME=geom",
    ]  # fmt: skip
    seconds, done = timed(lambda: subprocess.run(command, capture_output=True, text=True, check=False))
    if done.returncode != 0:
        raise SystemExit(f"ogr2ogr failed: {done.stderr}")
    return float(seconds)


def geohub_imports(layers: Path, database_url: str, data_dir: Path) -> dict[str, Any]:
    """The first import into an empty database, then a forced re-import and a plain sync."""
    settings = Settings(
        database_url=url_of(database_url), data_dir=data_dir, layers_dir=layers, log_level="WARNING"
    )
    services = Services.from_settings(settings)
    try:
        service = ImportService(services, drop_changed_tiles=lambda layer_id, boxes: 0)
        layer = services.registry.get(LAYER)
        base = settings.demo_data_dir
        first, record = timed(lambda: sync_layer(service, layer, base))
        assert record.status == "published", record
        again, record = timed(lambda: sync_layer(service, layer, base, force=True))
        assert record.status == "no_changes", record
        unchanged, record = timed(lambda: sync_layer(service, layer, base))
        assert record.status == "no_changes", record
        count = services.store.current_version(LAYER).feature_count  # type: ignore[union-attr]
        return {"geohub": first, "reimport": again, "unchanged": unchanged, "features": count}
    finally:
        services.close()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("ogr2ogr") is None:
        raise SystemExit("needs GDAL's ogr2ogr (Debian gdal-bin)")
    gpkg = city_scale_data(args.parcels)
    run_dir = REPO_ROOT / "var" / "bench" / f"etl-{int(time.time())}"
    layers = layers_folder(run_dir, gpkg)
    rows: dict[str, list[float]] = {"ogr2ogr": [], "geohub": [], "reimport": [], "unchanged": []}
    features = 0
    try:
        for attempt in range(args.repeat):
            for name in ("ogr2ogr", "geohub"):  # alternate, so neither always runs on a warmer cache
                database = create_database(args.admin_url)
                try:
                    with psycopg.connect(database, autocommit=True) as conn:
                        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
                    if name == "ogr2ogr":
                        rows["ogr2ogr"].append(ogr2ogr_load(gpkg, database))
                    else:
                        figures = geohub_imports(layers, database, run_dir / f"data-{attempt}")
                        features = figures["features"]
                        for key in ("geohub", "reimport", "unchanged"):
                            rows[key].append(figures[key])
                    log(f"run {attempt + 1}/{args.repeat} {name}: {rows[name][-1]:.2f} s")
                finally:
                    drop_database(args.admin_url, database)
    finally:
        shutil.rmtree(run_dir, ignore_errors=True)
    report(rows, features, args)
    return 0


def report(rows: dict[str, list[float]], features: int, args: argparse.Namespace) -> None:
    median = {name: statistics.median(times) for name, times in rows.items()}
    print(f"Import of {features:,} SYNTHETIC parcels, GeoPackage -> PostGIS ({args.repeat} runs each)\n")
    print(f"{'import':<11} {'median s':>9} {'best s':>7} {'features/s':>11}  vs")
    for name, times in rows.items():
        against = (
            ""
            if name == "ogr2ogr"
            else (
                f"{median[name] / median['ogr2ogr']:.2f}x ogr2ogr"
                if name == "geohub"
                else f"{100 * median[name] / median['geohub']:.1f}% of the first import"
            )
        )
        print(
            f"{name:<11} {median[name]:>9.2f} {min(times):>7.2f} {features / median[name]:>11,.0f}  {against}"
        )
    print(
        f"\ntargets: geohub <= ogr2ogr: {'met' if median['geohub'] <= median['ogr2ogr'] else 'MISSED'}; "
        f"re-import < 20%: {'met' if median['reimport'] < 0.2 * median['geohub'] else 'MISSED'}"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"features": features, "seconds": rows, "median": median}, indent=2))


if __name__ == "__main__":
    sys.exit(main())
