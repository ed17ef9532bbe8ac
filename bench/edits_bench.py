"""Item edit benchmark: OGC API - Features Part 4 edits of one feature on ≥300,000 SYNTHETIC parcels.

On each store (PostGIS in a throwaway database, the embedded GeoPackage in a run folder), the
bench-only layer `parcels` (bench/layers/parcels.yaml, bench/generate_city.py) is imported through
GeoHub's ETL, then edited in process through the edit service (geohub/publishing/edits.py, the
functions the HTTP handlers call, with the real tile-cache invalidation):

  patch     N single-feature merge patches (PATCH /collections/parcels/items/{id})
  put       a few replacements of one whole feature (PUT)
  post      a few creations of one new feature (POST)
  delete    a few deletions of one feature (DELETE)

then times a rollback to the version before the deletes and forward again, and an import of the
unchanged source after the edits (a forced sync), checking that the reads (items by id, count,
numberMatched, extent, the z16 tiles of two edited features through the tile cache) and the
import's diff are what the edits made. Target: p95 ≤ 50 ms per edit.
Any error or wrong read-back prints FAILED and exits 1 (bench/bench_guard.py). Progress goes to
stderr, the tables to stdout; `--json PATH` writes the figures.

Usage: ``.venv/bin/python bench/edits_bench.py [--parcels N] [--edits N] [--others N]
[--backends postgis,embedded] [--json PATH] [--admin-url URL] [--keep]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import mapbox_vector_tile
import morecantile
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_guard import verdict
from etl_bench import layers_folder
from features_bench_servers import REPO_ROOT, city_scale_data, create_database, drop_database, log, url_of

from geohub.auth.principal import Principal, Role
from geohub.errors import FeatureNotFoundError
from geohub.layers.models import LayerDefinition
from geohub.publishing.edits import create_features, delete_feature, replace_feature, update_feature
from geohub.publishing.service import Actor, ImportService
from geohub.publishing.sync import sync_layer
from geohub.services import Services
from geohub.settings import Settings
from geohub.storage.base import Feature, FeatureQuery, FeatureStore
from geohub.tiles.service import TileService

LAYER = "parcels"
TARGET_P95_MS = 50.0
EDITOR = Actor(Principal(user="bench-editor", role=Role.admin), "127.0.0.1")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--parcels", type=int, default=300_000, help="synthetic parcels (300,000)")
    parser.add_argument("--edits", type=int, default=50, help="single-feature PATCHes per store (50)")
    parser.add_argument("--others", type=int, default=5, help="PUTs, POSTs and DELETEs each per store (5)")
    parser.add_argument("--backends", default="postgis,embedded", help="stores to edit (postgis,embedded)")
    parser.add_argument("--admin-url", default="postgresql://127.0.0.1:5432/postgres")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--keep", action="store_true", help="keep var/bench/edits-run-*/ (the stores)")
    return parser.parse_args(argv)


@dataclass
class Figures:
    """What one store's run measured, and every error it met."""

    backend: str
    features: int = 0
    load_s: float = 0.0
    times_ms: dict[str, list[float]] = field(default_factory=dict)
    rollback_ms: float = 0.0
    forward_ms: float = 0.0
    import_s: float = 0.0
    import_changes: dict[str, int] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def error(self, row: str, message: str) -> None:
        self.errors.setdefault(row, []).append(message)
        log(f"{self.backend} {row}: ERROR {message}")


def timed_ms(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return 1000 * (time.perf_counter() - started), result


def run_backend(backend: str, args: argparse.Namespace, run_dir: Path, layers: Path) -> Figures:
    """Load, edit, roll back and forward, import again, on one store; the database dropped after."""
    figures = Figures(backend)
    database = create_database(args.admin_url) if backend == "postgis" else None
    try:
        settings = Settings(
            database_url=url_of(database) if database else None,
            data_dir=run_dir / f"data-{backend}",
            layers_dir=layers,
            log_level="WARNING",
        )
        services = Services.from_settings(settings)
        try:
            tiles = TileService(services)
            service = ImportService(services, tiles.drop_changed_tiles)
            stores = Stores(service, tiles, services.registry.get(LAYER))
            attempt(figures, "run", partial(edit_store, stores, settings, figures, args))
        finally:
            services.close()
    finally:
        if database:
            drop_database(args.admin_url, database)
    return figures


@dataclass(frozen=True)
class Stores:
    """The edit service, the tile service whose cache it invalidates, and the edited layer."""

    service: ImportService
    tiles: TileService
    layer: LayerDefinition


def edit_store(stores: Stores, settings: Settings, figures: Figures, args: argparse.Namespace) -> None:
    """Load the layer, edit it, roll back and forward, import the source again, checking each state."""
    service, layer = stores.service, stores.layer
    store = service.services.store
    started = time.perf_counter()
    record = sync_layer(service, layer, settings.demo_data_dir)
    figures.load_s = time.perf_counter() - started
    before = store.current_version(LAYER)
    if record.status != "published" or before is None:
        figures.error("load", f"the import ended {record.status}")
        return
    figures.features = before.feature_count
    log(f"{figures.backend}: loaded {figures.features:,} parcels in {figures.load_s:.1f} s")
    plan = Plan.of(store, layer, args)
    originals = {k: store.get(layer, k).properties.get("area_m2") for k in plan.patched + plan.replaced}
    originals |= {k: store.get(layer, k).properties.get("area_m2") for k in plan.deleted}
    tiles = {k: tile_of(store.get(layer, k)) for k in (plan.patched[:1] + plan.deleted[:1])}
    check = partial(check_reads, figures, stores, tiles)
    check("loaded", originals, [], before.feature_count)  # also caches the tiles before the edits
    expected = make_edits(service, layer, figures, plan)
    undeleted = store.current_version(LAYER)  # the rollback's target: the deletes undone
    for key in plan.deleted:
        timed(figures, "delete", partial(delete_feature, service, layer, key, actor=EDITOR))
    count = before.feature_count + len(plan.replaced)  # one created per replaced
    check("edits", expected, plan.deleted, count - len(plan.deleted))
    after = store.current_version(LAYER)
    assert undeleted is not None and after is not None
    done = attempt(figures, "rollback", partial(service.rollback, layer, undeleted.version, actor=EDITOR))
    if done is not None:
        figures.rollback_ms = done[0]
        check("rollback", expected | {k: originals[k] for k in plan.deleted}, [], count)
    done = attempt(figures, "forward", partial(service.rollback, layer, after.version, actor=EDITOR))
    if done is not None:
        figures.forward_ms = done[0]
        check("forward", expected, plan.deleted, count - len(plan.deleted))
    if import_again(service, layer, settings, figures, plan):
        created = [k for k in expected if k.startswith(NEW_KEY)]
        check("import", originals, created, before.feature_count)


NEW_KEY = "SYN-BENCH-"


@dataclass(frozen=True)
class Plan:
    """The keys each kind of edit touches, spread evenly over the layer."""

    patched: list[str]
    replaced: list[str]  # each also the model of one created feature
    deleted: list[str]

    @classmethod
    def of(cls, store: FeatureStore, layer: LayerDefinition, args: argparse.Namespace) -> Plan:
        wanted = args.edits + 2 * args.others
        step = max(1, store.count(layer) // wanted)
        keys = [
            store.query(layer, FeatureQuery(limit=1, offset=i * step)).features[0].id for i in range(wanted)
        ]
        edits, others = args.edits, args.others
        return cls(keys[:edits], keys[edits : edits + others], keys[edits + others :])


def make_edits(
    service: ImportService, layer: LayerDefinition, figures: Figures, plan: Plan
) -> dict[str, float | None]:
    """The PATCHes, PUTs and POSTs, timed one by one; the area each edited key has after them."""
    store = service.services.store
    expected: dict[str, float | None] = {}
    for number, key in enumerate(plan.patched):
        area = 1000.0 + number
        patch = {"properties": {"area_m2": area}}
        timed(figures, "patch", partial(update_feature, service, layer, key, patch, actor=EDITOR))
        expected[key] = area
    for number, key in enumerate(plan.replaced):
        body = feature_body(store.get(layer, key), land_use="bench-replaced", area_m2=5000.0 + number)
        timed(figures, "put", partial(replace_feature, service, layer, key, body, actor=EDITOR))
        expected[key] = 5000.0 + number
    for number, key in enumerate(plan.replaced):
        new_key = f"{NEW_KEY}{number:06d}"
        body = feature_body(store.get(layer, key), parcel_id=new_key, area_m2=7000.0 + number)
        timed(figures, "post", partial(create_features, service, layer, [body], actor=EDITOR))
        expected[new_key] = 7000.0 + number
    return expected


def feature_body(feature: Feature, **changes: Any) -> dict[str, Any]:
    """A GeoJSON Feature of a stored feature, with some properties changed."""
    return {
        "type": "Feature",
        "geometry": shapely.geometry.mapping(shapely.from_wkb(feature.geometry)),
        "properties": {**feature.properties, **changes},
    }


def import_again(
    service: ImportService, layer: LayerDefinition, settings: Settings, figures: Figures, plan: Plan
) -> bool:
    """The unchanged source imported over the edits (as an operator's forced sync): its diff names
    every edited key. False when it failed."""
    sync = partial(sync_layer, service, layer, settings.demo_data_dir, force=True, guard=False)
    done = attempt(figures, "import", sync)
    if done is None:
        return False
    figures.import_s, record = done[0] / 1000, done[1]
    changes = record.report.get("changes", {})
    figures.import_changes = {k: int(changes.get(k, -1)) for k in ("added", "changed", "removed")}
    want = {
        "added": len(plan.deleted),
        "changed": len(plan.patched) + len(plan.replaced),
        "removed": len(plan.replaced),
    }
    if record.status != "published" or figures.import_changes != want:
        figures.error("import", f"{record.status}, changes {figures.import_changes}, expected {want}")
    return True


def attempt(figures: Figures, row: str, action: Callable[[], Any]) -> tuple[float, Any] | None:
    """(milliseconds, result) of `action`, or None when it failed (the failure counted as an error)."""
    try:
        return timed_ms(action)
    except Exception as exc:  # any failure is counted, and fails the run
        figures.error(row, f"{type(exc).__name__}: {exc}")
        return None


def timed(figures: Figures, row: str, action: Callable[[], Any]) -> None:
    """Time one edit into its row."""
    done = attempt(figures, row, action)
    if done is not None:
        figures.times_ms.setdefault(row, []).append(done[0])


def check_reads(
    figures: Figures,
    stores: Stores,
    tiles: dict[str, tuple[int, int, int]],
    row: str,
    expected: dict[str, float | None],
    missing: list[str],
    count: int,
) -> None:
    """Count, numberMatched, extent, the features by id and their z16 tiles (through the tile
    cache) show exactly the state named: `expected` areas, `missing` keys gone."""
    store, layer = stores.service.services.store, stores.layer
    if store.count(layer) != count:
        figures.error(row, f"count {store.count(layer)}, expected {count}")
    matched = store.query(layer, FeatureQuery(limit=1)).number_matched
    if matched != count:
        figures.error(row, f"numberMatched {matched}, expected {count}")
    if store.extent(layer.id) is None:
        figures.error(row, "no extent")
    for key, area in expected.items():
        try:
            found = store.get(layer, key).properties.get("area_m2")
        except FeatureNotFoundError:
            found = "missing"
        if found != area:
            figures.error(row, f"{key}: area_m2 {found}, expected {area}")
    for key in missing:
        with suppress(FeatureNotFoundError):
            store.get(layer, key)
            figures.error(row, f"{key} is still there")
    for key, (z, x, y) in tiles.items():
        shown = tile_areas(stores.tiles.tile(LAYER, z, x, y)).get(key, "missing")
        want = "missing" if key in missing else expected.get(key, shown)
        if shown != want:
            figures.error(row, f"tile {z}/{x}/{y}: {key} area_m2 {shown}, expected {want}")


def tile_of(feature: Feature) -> tuple[int, int, int]:
    """The z16 tile holding a point of the feature."""
    point = shapely.point_on_surface(shapely.from_wkb(feature.geometry))
    tile = morecantile.tms.get("WebMercatorQuad").tile(point.x, point.y, 16)
    return tile.z, tile.x, tile.y


def tile_areas(data: bytes) -> dict[str, Any]:
    """parcel_id -> area_m2 of every parcel in a decoded tile."""
    decoded = mapbox_vector_tile.decode(data) if data else {}
    features = [f["properties"] for layer in decoded.values() for f in layer["features"]]
    return {p["parcel_id"]: p.get("area_m2") for p in features if "parcel_id" in p}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(all_figures: list[Figures], args: argparse.Namespace) -> None:
    print("Item edits on SYNTHETIC parcels (in process, through geohub/publishing/edits.py)\n")
    print(f"{'store':<11} {'edit':<7} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for figures in all_figures:
        for row, times in figures.times_ms.items():
            print(
                f"{figures.backend:<11} {row:<7} {len(times):>4} {statistics.median(times):>8.1f} "
                f"{percentile(times, 0.95):>8.1f} {max(times):>8.1f}"
            )
    columns = f"{'features':>9} {'load s':>7} {'rollback ms':>12} {'forward ms':>11} {'import s':>9}"
    print(f"\n{'store':<11} {columns}  diff")
    for f in all_figures:
        print(
            f"{f.backend:<11} {f.features:>9,} {f.load_s:>7.1f} {f.rollback_ms:>12.1f} {f.forward_ms:>11.1f} "
            f"{f.import_s:>9.2f}  {f.import_changes}"
        )
    print()
    for f in all_figures:
        edits = [t for times in f.times_ms.values() for t in times]
        if edits:
            p95 = percentile(edits, 0.95)
            state = "met" if p95 <= TARGET_P95_MS else "MISSED"
            print(f"target {f.backend}: p95 of every edit {p95:.1f} ms <= {TARGET_P95_MS:.0f} ms: {state}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([f.__dict__ for f in all_figures], indent=2))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    gpkg = city_scale_data(args.parcels)
    run_dir = REPO_ROOT / "var" / "bench" / f"edits-run-{int(time.time())}"
    layers = layers_folder(run_dir, gpkg)
    results: list[Figures] = []
    try:
        for backend in args.backends.split(","):
            results.append(run_backend(backend.strip(), args, run_dir, layers))
    finally:
        if not args.keep:
            shutil.rmtree(run_dir, ignore_errors=True)
    report(results, args)
    errors = {f"{f.backend}/{row}": len(messages) for f in results for row, messages in f.errors.items()}
    errors |= {f"{f.backend}": 0 for f in results}
    return verdict("edits_bench", errors)


if __name__ == "__main__":
    sys.exit(main())
