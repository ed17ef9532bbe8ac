"""Tiles as the HTTP API and the CLI ask for them: checked address, cache, render on a miss."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from geohub.auth.principal import ANONYMOUS, Principal
from geohub.errors import NotFoundError
from geohub.messages import N_, tr
from geohub.services import Services
from geohub.storage.base import Bbox
from geohub.tiles.cache import TileCache
from geohub.tiles.raster import RasterTileset, open_hillshade
from geohub.tiles.tilesets import Tileset, build_tilesets, tile_request, tilesets_with
from geohub.tiles.tms import check_tile, tiles_covering


def tile_cache_root(services: Services) -> Path:
    """The cache folder of this store: each database (or the embedded file) has its own."""
    url = services.settings.database_url
    name = "embedded" if url is None else "postgis-" + hashlib.sha1(url.encode()).hexdigest()[:10]
    return services.settings.data_dir / "tiles" / name


class TilesetNotFoundError(NotFoundError):
    title, slug = N_("Tileset not found"), "tileset-not-found"


@dataclass
class TileService:
    """The tilesets of one app, per audience, and their cache."""

    services: Services
    _by_audience: dict[str, dict[str, Tileset]] = field(default_factory=dict, repr=False)

    @property
    def tilesets(self) -> dict[str, Tileset]:
        """The anonymous public's tilesets."""
        return self.tilesets_for(ANONYMOUS)

    def tilesets_for(self, reader: Principal) -> dict[str, Tileset]:
        """The tilesets of `reader`'s audience: the layers and attributes it may see."""
        if reader.audience not in self._by_audience:
            self._by_audience[reader.audience] = build_tilesets(self.services.registry, reader)
        return self._by_audience[reader.audience]

    @cached_property
    def cache(self) -> TileCache:
        return TileCache(tile_cache_root(self.services))

    @cached_property
    def hillshade(self) -> RasterTileset:
        """The hillshade raster tileset of the demo DEM."""
        return open_hillshade(self.services.settings.demo_data_dir / "dem.tif")

    def tileset(self, tileset_id: str, reader: Principal = ANONYMOUS) -> Tileset:
        """The tileset called `tileset_id` as `reader` sees it, or a 404 (also when it may not)."""
        try:
            return self.tilesets_for(reader)[tileset_id]
        except KeyError:
            raise TilesetNotFoundError(
                tr("There is no tileset '{tileset_id}'.", tileset_id=tileset_id)
            ) from None

    def tile(self, tileset_id: str, z: int, x: int, y: int, reader: Principal = ANONYMOUS) -> bytes:
        """The tile's MVT bytes for `reader`'s audience (empty for an empty tile), from that
        audience's cache or freshly rendered."""
        tileset = self.tileset(tileset_id, reader)
        check_tile(z, x, y, tileset.minzoom, tileset.maxzoom)
        cached = self.cache.read(tileset_id, tileset.audience, z, x, y)
        if cached is not None:
            return cached
        data = self.services.store.render_tile(tile_request(tileset, z, x, y))
        self.cache.write(tileset_id, tileset.audience, z, x, y, data)
        return data

    def tilesets_with(self, layer_id: str) -> list[str]:
        """Ids of the tilesets a layer appears in, for any audience."""
        return tilesets_with(self.services.registry, layer_id)

    def drop_changed_tiles(self, layer_id: str, boxes: list[Bbox]) -> int:
        """Remove exactly the cached tiles, of every audience, that the changed features' boxes touch."""
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
