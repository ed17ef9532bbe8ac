"""Tile generation timings of bench/tiles_bench.py: GeoHub against the floor of each backend.

PostGIS: `PostgisStore.render_tile` (what a cache miss runs) against the very statement it sends,
built by `geohub.storage.postgis_tiles.tile_statement` and timed alone on a plain connection.
Embedded: `GeopackageStore.render_tile` (in-memory STRtree per layer version, warmed) against a
naive renderer that reads each layer's bbox from the GeoPackage with pyogrio on every tile, then
filters, simplifies and clips with shapely and encodes with mapbox-vector-tile, as GeoHub does.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import mapbox_vector_tile
import numpy as np
import psycopg
import shapely
from features_bench_servers import log
from pyogrio import raw
from pyproj import Transformer

from geohub.layers.models import GeometryType
from geohub.services import Services
from geohub.storage import postgis_tiles
from geohub.storage.base import TileLayerRequest, TileRequest
from geohub.storage.mvt import TileLayer
from geohub.tiles.tilesets import Tileset, tile_request
from geohub.tiles.tms import tiles_covering

Tile = tuple[int, int, int]
_TO_3857 = Transformer.from_crs(4326, 3857, always_xy=True)
_POINTS = (GeometryType.point, GeometryType.multipoint)


@dataclass
class Timing:
    """Milliseconds per tile of one renderer on one (tileset, zoom) sample."""

    samples_ms: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples_ms) if self.samples_ms else float("nan")

    @property
    def p95_ms(self) -> float:
        return percentile(self.samples_ms, 95)

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": len(self.samples_ms),
            "p50_ms": round(self.median_ms, 3),
            "p95_ms": round(self.p95_ms, 3),
            "max_bytes": max(self.sizes, default=0),
        }


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (linear interpolation), NaN for no values."""
    return float(np.percentile(values, q)) if values else float("nan")


def sample_tiles(bounds: tuple[float, float, float, float], z: int, count: int, seed: int) -> list[Tile]:
    """`count` tiles of zoom z over a lon/lat box, picked at random with a fixed seed (all when fewer)."""
    tiles = sorted(tiles_covering(bounds, z))
    if len(tiles) <= count:
        return tiles
    return sorted(random.Random(seed * 100 + z).sample(tiles, count))


def run_timed(
    tiles: list[Tile],
    renderers: dict[str, Callable[[Tile], bytes]],
    min_samples: int,
    budget_s: float,
) -> dict[str, Timing]:
    """Render every tile with each renderer in turn (interleaved, so drift hits all alike), cycling
    over the tiles until `min_samples` each; stop early once `budget_s` is spent (≥ 5 samples)."""
    timings = {name: Timing() for name in renderers}
    started = time.monotonic()
    index = 0
    while index < max(min_samples, len(tiles)):
        tile = tiles[index % len(tiles)]
        for name, render in renderers.items():
            before = time.perf_counter()
            data = render(tile)
            timings[name].samples_ms.append((time.perf_counter() - before) * 1000)
            timings[name].sizes.append(len(data))
        index += 1
        if index >= 5 and time.monotonic() - started > budget_s:
            break
    return timings


# PostGIS --------------------------------------------------------------------------------------------
class PostgisFloor:
    """The statement GeoHub's PostGIS store sends for a tile, run alone on one plain connection."""

    def __init__(self, database_url: str) -> None:
        self.conn = psycopg.connect(database_url, autocommit=True)
        self.conn.execute("SET TIME ZONE 'UTC'")  # as PostgisStore's pool does
        self._tables: dict[str, postgis_tiles.CurrentTable] = {}

    def statement(self, request: TileRequest) -> tuple[str, list[Any]] | None:
        """SQL text and parameters, exactly as postgis_tiles.render_tile composes them."""
        if not self._tables:
            self._tables = postgis_tiles.current_tables(self.conn)
        return postgis_tiles.tile_statement(self.conn, request, self._tables)

    def run(self, statement: tuple[str, list[Any]] | None) -> bytes:
        """Execute the statement as GeoHub does (postgis_tiles.run_statement); the tile's bytes."""
        return postgis_tiles.run_statement(self.conn, statement)

    def close(self) -> None:
        self.conn.close()


# embedded, naive ----------------------------------------------------------------------------------
class NaiveGeopackage:
    """Per tile: open each layer's current table in the store's GeoPackage with pyogrio (bbox read),
    then filter, simplify, clip with shapely and encode with mapbox-vector-tile (no index kept).
    It calls mapbox_vector_tile.encode itself, with the options GeoHub's encoder uses today, so a
    faster encoder in GeoHub (geohub/storage/mvt.py) shows in the ratio instead of speeding both."""

    def __init__(self, gpkg_path: str, tables: dict[str, str]) -> None:
        self.path = gpkg_path
        self.tables = tables  # layer id -> current table

    def render(self, request: TileRequest) -> bytes:
        with warnings.catch_warnings():  # GDAL on the OSM timestamps' "+00:00" suffix, once per read
            warnings.simplefilter("ignore", RuntimeWarning)
            layers = [self._layer(r, request) for r in request.layers if r.layer.id in self.tables]
        content = [
            {
                "name": layer.name,
                "features": [
                    {"geometry": geometry, "id": fid, "properties": properties}
                    for geometry, fid, properties in zip(
                        layer.geometries, layer.ids, layer.properties, strict=True
                    )
                ],
            }
            for layer in layers
            if layer is not None and len(layer.geometries)
        ]
        if not content:
            return b""
        options = {"quantize_bounds": request.bounds_3857, "extents": request.extent, "y_coord_down": False}
        return bytes(mapbox_vector_tile.encode(content, default_options=options))

    def _layer(self, rules: TileLayerRequest, request: TileRequest) -> TileLayer | None:
        minx, miny, maxx, maxy = request.bounds_3857
        margin = (maxx - minx) * request.buffer / request.extent
        clip = (minx - margin, miny - margin, maxx + margin, maxy + margin)
        west, south = _TO_3857.transform(clip[0], clip[1], direction="INVERSE")
        east, north = _TO_3857.transform(clip[2], clip[3], direction="INVERSE")
        names = [a.name for a in rules.layer.attributes]
        meta, fids, wkb, values = raw.read(
            self.path,
            layer=self.tables[rules.layer.id],
            bbox=(west, south, east, north),
            columns=names,
            return_fids=True,
        )
        if wkb is None or not len(wkb):
            return None
        fields = list(meta["fields"])
        columns = {name: values[fields.index(name)] for name in names if name in fields}
        lonlat = shapely.from_wkb(wkb)
        keep = np.ones(len(lonlat), dtype=bool)
        if rules.keep is not None:
            attribute, allowed = rules.keep
            keep &= np.isin(np.asarray(columns[attribute], dtype=object), list(allowed))
        if rules.min_size_deg > 0:
            box = shapely.bounds(lonlat)
            keep &= (box[:, 2] - box[:, 0] >= rules.min_size_deg) | (
                box[:, 3] - box[:, 1] >= rules.min_size_deg
            )
        lonlat, fids = lonlat[keep], fids[keep]
        rows = np.flatnonzero(keep)
        geometries = shapely.transform(
            lonlat, lambda xy: np.column_stack(_TO_3857.transform(xy[:, 0], xy[:, 1]))
        )
        polygonal = rules.layer.geometry_type not in _POINTS
        if rules.simplify_m > 0 and polygonal:
            geometries = shapely.simplify(geometries, rules.simplify_m, preserve_topology=True)
        if polygonal:
            geometries = shapely.clip_by_rect(geometries, *clip)
        visible = ~shapely.is_empty(geometries)
        names_now = [n for n in rules.attributes if n in columns]
        properties = [
            {n: _plain(columns[n][i]) for n in names_now if _plain(columns[n][i]) is not None}
            for i in rows[visible]
        ]
        return TileLayer(rules.name, list(geometries[visible]), fids[visible].tolist(), properties)


def _plain(value: Any) -> Any:
    """A numpy scalar as a Python value (None for NaN and missing)."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, date):
        return value.isoformat()  # GeoHub carries dates and times as ISO text
    return value


# sampling plans -------------------------------------------------------------------------------------
def requests_for(
    tileset: Tileset, tiles: Iterable[Tile], published: Mapping[str, int]
) -> dict[Tile, TileRequest]:
    """GeoHub's TileRequest of each tile (layers visible at z, per-zoom rules), naming the
    tileset's published versions as the tile service does (geohub/tiles/service.py)."""
    versions = {layer.id: published.get(layer.id, 0) for layer in tileset.layers}
    return {tile: tile_request(tileset, *tile, versions) for tile in tiles}


# the two timed sections ------------------------------------------------------------------------------
def time_postgis(
    services: Services,
    database_url: str,
    tilesets: dict[str, Tileset],
    names: tuple[str, ...],
    zooms: tuple[int, ...],
    bounds: tuple[float, float, float, float],
    args: argparse.Namespace,
) -> tuple[dict[str, Any], dict[int, list[Tile]]]:
    """GeoHub's PostGIS store against its own statement alone, per tileset and zoom; and the tiles."""
    tiles = {z: sample_tiles(bounds, z, args.samples, seed=1) for z in zooms}
    store = services.store
    floor = PostgisFloor(database_url)
    results: dict[str, Any] = {}
    try:
        for name in names:
            for z in zooms:
                tileset = tilesets[name]
                if not tileset.minzoom <= z <= tileset.maxzoom:
                    results[f"{name}/{z}"] = None
                    continue
                requests = requests_for(tileset, tiles[z], store.published_versions())
                statements = {tile: floor.statement(request) for tile, request in requests.items()}
                for tile in tiles[z][:5]:  # warm the connections, plans and shared buffers
                    store.render_tile(requests[tile])
                    floor.run(statements[tile])
                timings = run_timed(
                    tiles[z],
                    {
                        "geohub": lambda t: store.render_tile(requests[t]),  # noqa: B023 (used at once)
                        "floor": lambda t: floor.run(statements[t]),  # noqa: B023
                    },
                    args.samples,
                    args.cell_budget,
                )
                results[f"{name}/{z}"] = _cell(timings, "geohub", "floor", len(tiles[z]))
                _log_cell("postgis", name, z, timings, "geohub", "floor")
    finally:
        floor.close()
    return results, tiles


def time_embedded(
    services: Services,
    tilesets: dict[str, Tileset],
    names: tuple[str, ...],
    tiles: dict[int, list[Tile]],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """GeoHub's embedded store (indexes warmed) against the naive renderer, per tileset and zoom."""
    store = services.store
    path = Path(store.path)  # type: ignore[attr-defined]
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT layer_id, table_name FROM geohub_layer_versions WHERE is_current = 1")
        naive = NaiveGeopackage(str(path), {str(layer): str(table) for layer, table in rows})
    started = time.monotonic()
    for name in names:  # build every layer's in-memory index before timing
        tileset = tilesets[name]
        store.render_tile(tile_request(tileset, *tiles[16][0]))  # every layer is visible at z16
    log(f"  embedded indexes built in {time.monotonic() - started:.1f} s")
    results: dict[str, Any] = {}
    for name in names:
        for z, sample in tiles.items():
            tileset = tilesets[name]
            if not tileset.minzoom <= z <= tileset.maxzoom:
                results[f"{name}/{z}"] = None
                continue
            requests = requests_for(tileset, sample, store.published_versions())
            timings = run_timed(
                sample,
                {
                    "geohub": lambda t: store.render_tile(requests[t]),  # noqa: B023
                    "naive": lambda t: naive.render(requests[t]),  # noqa: B023
                },
                args.samples,
                args.cell_budget,
            )
            results[f"{name}/{z}"] = _cell(timings, "geohub", "naive", len(sample))
            _log_cell("embedded", name, z, timings, "geohub", "naive")
    return results


def _cell(timings: dict[str, Timing], ours: str, floor: str, tiles: int) -> dict[str, Any]:
    """One tileset/zoom result: both timings, and how many tiles came out of a different size."""
    differing = sum(a != b for a, b in zip(timings[ours].sizes, timings[floor].sizes, strict=True))
    return {
        "tiles": tiles,
        ours: timings[ours].as_dict(),
        floor: timings[floor].as_dict(),
        "size_mismatches": differing,
    }


def _log_cell(backend: str, name: str, z: int, timings: dict[str, Timing], ours: str, floor: str) -> None:
    a, b = timings[ours], timings[floor]
    log(
        f"  {backend} {name:<8} z{z:<2} n={len(a.samples_ms):<3} {ours} p50 {a.median_ms:8.2f}"
        f" p95 {a.p95_ms:8.2f} ms | {floor} p50 {b.median_ms:8.2f} p95 {b.p95_ms:8.2f} ms"
        f" | largest {max(a.sizes, default=0):,} B"
    )
