"""Largest tile per zoom of bench/tiles_bench.py: every tile over each tileset's data, from PostGIS.

Each tile is the statement GeoHub's PostGIS store sends (tiles_bench_timing.PostgisFloor), run on two
connections at once; the embedded store encodes the same features (tests/tiles/test_tiles.py
compares the two backends), so its tiles are the same size to within encoder details. Composing
that statement costs more Python time than most tiles take in PostgreSQL, and its text depends only
on the tileset and the zoom: it is composed once per zoom, and each tile gets the reference tile's
parameters with its own bounds put in their place (checked against a full composition on a few).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from features_bench_servers import log
from tiles_bench_timing import PostgisFloor, Tile

from geohub.services import Services
from geohub.storage.base import TileRequest, bbox_union
from geohub.tiles.tilesets import Tileset, tile_request
from geohub.tiles.tms import tile_bounds_3857, tiles_covering

SIZE_ZOOMS = range(8, 17)
LIMIT_BYTES = 500_000
THREADS = 2


def largest_tiles(
    services: Services, database_url: str, tilesets: dict[str, Tileset], names: tuple[str, ...]
) -> dict[str, Any]:
    """Per tileset and zoom: how many tiles, how many with features, the largest and its address."""
    floors = [PostgisFloor(database_url) for _ in range(THREADS)]
    results: dict[str, Any] = {}
    try:
        with ThreadPoolExecutor(THREADS) as pool:
            for name in names:
                tileset = tilesets[name]
                bounds = _data_bounds(services, tileset)
                for z in SIZE_ZOOMS:
                    if bounds is None or not tileset.minzoom <= z <= tileset.maxzoom:
                        results[f"{name}/{z}"] = None
                        continue
                    tiles = tiles_covering(bounds, z)
                    started = time.monotonic()
                    statements = ZoomStatements.compose(floors[0], tileset, tiles)
                    shares = [tiles[i::THREADS] for i in range(THREADS)]
                    sizes: list[tuple[int, Tile]] = []
                    for part in pool.map(_sizes, floors, [statements] * THREADS, shares):
                        sizes += part
                    biggest = max(sizes, default=(0, (z, 0, 0)))
                    results[f"{name}/{z}"] = {
                        "tiles": len(tiles),
                        "with_features": sum(1 for size, _ in sizes if size),
                        "max_bytes": biggest[0],
                        "max_tile": list(biggest[1]),
                        "seconds": round(time.monotonic() - started, 2),
                    }
                    log(
                        f"  {name:<8} z{z:<2} {len(tiles):>6,} tiles, largest {biggest[0] / 1e3:8.1f} kB "
                        f"at {'/'.join(map(str, biggest[1]))} ({time.monotonic() - started:.1f} s)"
                    )
    finally:
        for floor in floors:
            floor.close()
    return results


@dataclass(frozen=True)
class ZoomStatements:
    """The statement of every tile of one tileset at one zoom: one SQL text, parameters per tile."""

    text: str | None
    params: list[Any]
    reference: tuple[float, ...]  # the reference tile's bounds, raw and with the buffer margin

    @classmethod
    def compose(cls, floor: PostgisFloor, tileset: Tileset, tiles: list[Tile]) -> ZoomStatements:
        """Compose the first tile's statement; check the substitution on up to 3 others."""
        first = tile_request(tileset, *tiles[0])
        statement = floor.statement(first)
        if statement is None:
            return cls(None, [], ())
        made = cls(statement[0], statement[1], _bound_values(first))
        for tile in tiles[1:4]:
            full = floor.statement(tile_request(tileset, *tile))
            assert full is not None and full[0] == made.text and full[1] == made.params_of(tile), tile
        return made

    def params_of(self, tile: Tile) -> list[Any]:
        """The reference parameters with this tile's bounds in place of the reference tile's."""
        own = dict(zip(self.reference, _bound_values(_bounds_only(tile)), strict=True))
        return [own.get(p, p) if isinstance(p, float) else p for p in self.params]


def _bounds_only(tile: Tile) -> TileRequest:
    return TileRequest(z=tile[0], x=tile[1], y=tile[2], bounds_3857=tile_bounds_3857(*tile), layers=())


def _bound_values(request: TileRequest) -> tuple[float, ...]:
    """The tile's bounds and its bounds grown by the buffer, as postgis_tiles.tile_statement has them."""
    minx, miny, maxx, maxy = request.bounds_3857
    margin = (maxx - minx) * request.buffer / request.extent
    return (minx, miny, maxx, maxy, minx - margin, miny - margin, maxx + margin, maxy + margin)


def _sizes(floor: PostgisFloor, statements: ZoomStatements, tiles: list[Tile]) -> list[tuple[int, Tile]]:
    if statements.text is None:
        return [(0, tile) for tile in tiles]
    return [(len(floor.run((statements.text, statements.params_of(tile)))), tile) for tile in tiles]


def _data_bounds(services: Services, tileset: Tileset) -> tuple[float, float, float, float] | None:
    """The lon/lat box of every layer's current version (as `geohub tiles seed` covers)."""
    return bbox_union([e for e in (services.store.extent(layer.id) for layer in tileset.layers) if e])
