"""Tiles as the HTTP API and the CLI ask for them: checked address, cache, render on a miss."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from geohub.auth.principal import ANONYMOUS, Principal
from geohub.errors import NotFoundError
from geohub.layers.registry import LayerRegistry
from geohub.messages import N_, tr
from geohub.services import Services
from geohub.storage.base import Bbox
from geohub.tiles.cache import TileCache
from geohub.tiles.raster import RasterTileset, open_hillshade
from geohub.tiles.tilesets import Tileset, build_tilesets, compositions, tile_request, tilesets_with
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
    # audience -> the registry its tilesets were built from, and them (rebuilt when it is replaced)
    _by_audience: dict[str, tuple[LayerRegistry, dict[str, Tileset]]] = field(
        default_factory=dict, repr=False
    )

    @property
    def tilesets(self) -> dict[str, Tileset]:
        """The anonymous public's tilesets."""
        return self.tilesets_for(ANONYMOUS)

    def tilesets_for(self, reader: Principal) -> dict[str, Tileset]:
        """The tilesets of `reader`'s audience: the layers and attributes it may see."""
        registry = self.services.registry
        built = self._by_audience.get(reader.audience)
        if built is None or built[0] is not registry:
            built = (registry, build_tilesets(registry, reader))
            self._by_audience[reader.audience] = built
        return built[1]

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
        registry = self.services.registry
        tileset = self.tileset(tileset_id, reader)
        check_tile(z, x, y, tileset.minzoom, tileset.maxzoom)
        cached = self.cache.read(tileset_id, tileset.audience, z, x, y)
        if cached is not None:
            return cached
        data = self.services.store.render_tile(tile_request(tileset, z, x, y))
        self.cache.write(tileset_id, tileset.audience, z, x, y, data)
        if self.services.registry is not registry:  # the layers changed meanwhile: it may be stale
            self.cache.path(tileset_id, tileset.audience, z, x, y).unlink(missing_ok=True)
        return data

    def drop_recomposed(self, before: LayerRegistry, after: LayerRegistry) -> list[str]:
        """Drop every cached tile of the tilesets whose layers differ between two registries (a new
        layer changes `city` and has its own); returns their ids."""
        old, new = compositions(before), compositions(after)
        changed = sorted(i for i in old.keys() | new.keys() if old.get(i) != new.get(i))
        for tileset_id in changed:
            self.cache.clear(tileset_id)
        return changed

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
