"""Tiles as the HTTP API and the CLI ask for them: checked address, cache, render on a miss."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from geohub.errors import NotFoundError
from geohub.services import Services
from geohub.storage.base import Bbox
from geohub.tiles.cache import TileCache
from geohub.tiles.raster import RasterTileset, open_hillshade
from geohub.tiles.tilesets import Tileset, build_tilesets, tile_request
from geohub.tiles.tms import check_tile, tiles_covering


def tile_cache_root(services: Services) -> Path:
    """The cache folder of this store: each database (or the embedded file) has its own."""
    url = services.settings.database_url
    name = "embedded" if url is None else "postgis-" + hashlib.sha1(url.encode()).hexdigest()[:10]
    return services.settings.data_dir / "tiles" / name


class TilesetNotFoundError(NotFoundError):
    title, slug = "Tileset not found", "tileset-not-found"


@dataclass
class TileService:
    """The tilesets of one app and their cache."""

    services: Services

    @cached_property
    def tilesets(self) -> dict[str, Tileset]:
        return build_tilesets(self.services.registry)

    @cached_property
    def cache(self) -> TileCache:
        return TileCache(tile_cache_root(self.services))

    @cached_property
    def hillshade(self) -> RasterTileset:
        """The hillshade raster tileset of the demo DEM."""
        return open_hillshade(self.services.settings.demo_data_dir / "dem.tif")

    def tileset(self, tileset_id: str) -> Tileset:
        """The tileset called `tileset_id`, or a 404."""
        try:
            return self.tilesets[tileset_id]
        except KeyError:
            raise TilesetNotFoundError(f"There is no tileset '{tileset_id}'.") from None

    def tile(self, tileset_id: str, z: int, x: int, y: int) -> bytes:
        """The tile's MVT bytes (empty for an empty tile), from the cache or freshly rendered."""
        tileset = self.tileset(tileset_id)
        check_tile(z, x, y, tileset.minzoom, tileset.maxzoom)
        cached = self.cache.read(tileset_id, z, x, y)
        if cached is not None:
            return cached
        data = self.services.store.render_tile(tile_request(tileset, z, x, y))
        self.cache.write(tileset_id, z, x, y, data)
        return data

    def tilesets_with(self, layer_id: str) -> list[str]:
        """Ids of the tilesets a layer appears in."""
        return [t.id for t in self.tilesets.values() if any(layer.id == layer_id for layer in t.layers)]

    def drop_changed_tiles(self, layer_id: str, boxes: list[Bbox]) -> int:
        """Remove exactly the cached tiles that the changed features' boxes touch."""
        return sum(self.cache.drop_touching(tileset_id, boxes) for tileset_id in self.tilesets_with(layer_id))

    def seed_addresses(
        self, tileset_id: str, minzoom: int, maxzoom: int, bounds: Bbox | None = None
    ) -> list[tuple[int, int, int]]:
        """Every tile address of a tileset from minzoom to maxzoom over its data (or `bounds`)."""
        tileset = self.tileset(tileset_id)
        if bounds is None:
            extents = [e for e in (self.services.store.extent(layer.id) for layer in tileset.layers) if e]
            if not extents:
                return []
            bounds = (
                min(e[0] for e in extents),
                min(e[1] for e in extents),
                max(e[2] for e in extents),
                max(e[3] for e in extents),
            )
        first, last = max(minzoom, tileset.minzoom), min(maxzoom, tileset.maxzoom)
        return [tile for z in range(first, last + 1) for tile in tiles_covering(bounds, z)]
