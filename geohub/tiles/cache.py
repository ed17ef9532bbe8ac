"""Tile cache on disk: <root>/<tileset>/<audience>/<z>/<x>/<y>.mvt, a layout nginx can serve directly.

The audience (`Principal.audience`: "public" or "staff") is part of every tile's path: a tile
made for signed-in staff may hold restricted layers and attributes and must never be read back
for an anonymous request. nginx serves only the `public` folders (config/nginx.conf).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

import shapely

from geohub.storage.base import Bbox
from geohub.tiles.tms import tile_bounds_lonlat

AUDIENCES = ("public", "staff")


class TileCache:
    """Generated tiles kept as files; an empty file is an empty tile (served as 204)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, tileset: str, audience: str, z: int, x: int, y: int) -> Path:
        if audience not in AUDIENCES:
            raise ValueError(f"unknown audience {audience!r}")
        return self.root / tileset / audience / str(z) / str(x) / f"{y}.mvt"

    def read(self, tileset: str, audience: str, z: int, x: int, y: int) -> bytes | None:
        """The cached tile of `audience`, None on a miss."""
        try:
            return self.path(tileset, audience, z, x, y).read_bytes()
        except FileNotFoundError:
            return None

    def write(self, tileset: str, audience: str, z: int, x: int, y: int, data: bytes) -> None:
        """Store a tile atomically: a reader (or nginx) never sees half a file."""
        path = self.path(tileset, audience, z, x, y)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.chmod(temporary, 0o644)
            os.replace(temporary, path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise

    def cached_tiles(self, tileset: str, audience: str) -> list[tuple[int, int, int]]:
        """Every (z, x, y) cached for a tileset and audience."""
        found = []
        for path in (self.root / tileset / audience).glob("*/*/*.mvt"):
            try:
                found.append((int(path.parent.parent.name), int(path.parent.name), int(path.stem)))
            except ValueError:
                continue
        return found

    def drop_touching(self, tileset: str, boxes: Iterable[Bbox]) -> int:
        """Delete the cached tiles of `tileset`, of every audience, that any lon/lat box touches;
        how many went."""
        shapes = [shapely.box(*b) for b in boxes]
        if not shapes:
            return 0
        tree = shapely.STRtree(shapes)
        dropped = 0
        for audience in AUDIENCES:
            for z, x, y in self.cached_tiles(tileset, audience):
                if len(tree.query(shapely.box(*_with_buffer(tile_bounds_lonlat(z, x, y))))):
                    self.path(tileset, audience, z, x, y).unlink(missing_ok=True)
                    dropped += 1
        return dropped

    def clear(self, tileset: str) -> None:
        """Drop every cached tile of a tileset, of every audience."""
        shutil.rmtree(self.root / tileset, ignore_errors=True)


def _with_buffer(bounds: Bbox, fraction: float = 64 / 4096) -> Bbox:
    """A tile's box grown by its buffer: features drawn in the buffer change the tile too."""
    west, south, east, north = bounds
    dx, dy = (east - west) * fraction, (north - south) * fraction
    return (west - dx, south - dy, east + dx, north + dy)
