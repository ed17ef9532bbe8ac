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
from geohub.tiles.cache import AUDIENCES, TileCache
from geohub.tiles.raster import RasterTileset, open_hillshade
from geohub.tiles.tilesets import Tileset, build_tilesets, compositions, tile_request, tilesets_with
from geohub.tiles.tms import check_tile, tiles_covering
from geohub.tiles.versions import PublishedVersions, digest_token, tileset_versions, version_token


def tile_cache_root(services: Services) -> Path:
    """The cache folder of this store: each database (or the embedded file) has its own."""
    url = services.settings.database_url
    name = "embedded" if url is None else "postgis-" + hashlib.sha1(url.encode()).hexdigest()[:10]
    return services.settings.data_dir / "tiles" / name


# a tile asked for with another token reads the versions again if they are older than this
ASKED_TOKEN_RECHECK_S = 0.05


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

    @cached_property
    def versions(self) -> PublishedVersions:
        """The layers' published versions, as this process last read them."""
        settings = self.services.settings.tiles
        return PublishedVersions(self.services.store, settings.version_check_ms / 1000)

    def token(self, tileset_id: str, reader: Principal = ANONYMOUS) -> str:
        """The current version token of a tileset as `reader` sees it."""
        tileset = self.tileset(tileset_id, reader)
        return version_token(tileset, tileset_versions(tileset, self.versions.current()))

    def is_older_token(self, tileset_id: str, token: str, reader: Principal = ANONYMOUS) -> bool:
        """Whether `token` names versions of the tileset this process has read before (an older
        TileJSON's), as opposed to a token it cannot place (a newer publish not read yet, or none)."""
        tileset = self.tileset(tileset_id, reader)
        return any(
            version_token(tileset, tileset_versions(tileset, snapshot)) == token
            for snapshot in self.versions.history()
        )

    def tile(self, tileset_id: str, z: int, x: int, y: int, reader: Principal = ANONYMOUS) -> bytes:
        """The tile's MVT bytes for `reader`'s audience (empty for an empty tile)."""
        return self.versioned_tile(tileset_id, z, x, y, reader)[0]

    def versioned_tile(
        self,
        tileset_id: str,
        z: int,
        x: int,
        y: int,
        reader: Principal = ANONYMOUS,
        asked_token: str | None = None,
    ) -> tuple[bytes, str]:
        """The tile's MVT bytes for `reader`'s audience and the version token they belong to, from
        that audience's cache when it holds this token's tiles, else freshly rendered.

        Asked for with another token than the current one (an older TileJSON, or a newer one from
        a node that has read a publish this process has not), the versions are read again first,
        unless they were read in the last `ASKED_TOKEN_RECHECK_S`.

        A folder marked with another token is taken over (emptied, re-marked) only by a process
        whose versions were read after the marker was written: a worker that has not yet seen the
        newest publish renders without caching instead of bringing back an older version's folder.
        """
        registry = self.services.registry
        tileset = self.tileset(tileset_id, reader)
        check_tile(z, x, y, tileset.minzoom, tileset.maxzoom)
        snapshot = self.versions.current()
        versions = tileset_versions(tileset, snapshot)
        token = version_token(tileset, versions)
        if asked_token not in (None, token):
            snapshot = self.versions.within(ASKED_TOKEN_RECHECK_S)
            versions = tileset_versions(tileset, snapshot)
            token = version_token(tileset, versions)
        audience = tileset.audience
        marker = self.cache.marker(tileset_id, audience)
        if marker is None or marker.token != token:
            if marker is not None and marker.written_at >= snapshot.read_at:
                return self.services.store.render_tile(tile_request(tileset, z, x, y, versions)), token
            self.cache.take_over(tileset_id, audience, token, tileset.digest, versions)
        cached = self.cache.read(tileset_id, audience, z, x, y)
        if cached is not None:
            return cached, token
        data = self.services.store.render_tile(tile_request(tileset, z, x, y, versions))
        self.cache.write(tileset_id, audience, z, x, y, data)
        marker = self.cache.marker(tileset_id, audience)
        # the layers or the versions changed meanwhile: the tile may be of another version
        if self.services.registry is not registry or marker is None or marker.token != token:
            self.cache.path(tileset_id, audience, z, x, y).unlink(missing_ok=True)
        return data, token

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
        """After a new version of `layer_id` was published: remove exactly the cached tiles, of
        every audience, that the changed features' boxes touch, and mark the rest as the new
        version's (other nodes learn of the publish through the versions and empty their own
        folders then). How many went.

        The precise drop needs the folder to hold the version just replaced: its marker shows
        the other layers at their current versions and this one at the number before the new one
        (new versions take the next number). Otherwise (a rollback, a publish this folder never
        saw) the folder is emptied.
        """
        current = self.versions.refresh().versions
        new_version = current.get(layer_id, 0)
        dropped = 0
        for tileset_id in self.tilesets_with(layer_id):
            for audience in AUDIENCES:
                marker = self.cache.marker(tileset_id, audience)
                if marker is None:
                    continue
                versions = {i: current.get(i, 0) for i in marker.versions}
                token = digest_token(marker.digest, versions)
                others_current = all(marker.versions[i] == v for i, v in versions.items() if i != layer_id)
                if others_current and marker.versions.get(layer_id) in (new_version - 1, new_version):
                    # no token while the touched tiles go: a tile of the old version written
                    # meanwhile is not kept (its writer sees another marker and removes it)
                    self.cache.mark(tileset_id, audience, "", marker.digest, versions)
                    dropped += self.cache.drop_touching(tileset_id, boxes, audiences=(audience,))
                    self.cache.mark(tileset_id, audience, token, marker.digest, versions)
                else:
                    dropped += len(self.cache.cached_tiles(tileset_id, audience))
                    self.cache.take_over(tileset_id, audience, token, marker.digest, versions)
        return dropped

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
