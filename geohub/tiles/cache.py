"""Tile cache on disk: <root>/<tileset>/<z>/<x>/<y>.mvt, a layout nginx can serve directly."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

import shapely

from geohub.storage.base import Bbox
from geohub.tiles.tms import tile_bounds_lonlat


class TileCache:
    """Generated tiles kept as files; an empty file is an empty tile (served as 204)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, tileset: str, z: int, x: int, y: int) -> Path:
        return self.root / tileset / str(z) / str(x) / f"{y}.mvt"

    def read(self, tileset: str, z: int, x: int, y: int) -> bytes | None:
        """The cached tile, None on a miss."""
        try:
            return self.path(tileset, z, x, y).read_bytes()
        except FileNotFoundError:
            return None

    def write(self, tileset: str, z: int, x: int, y: int, data: bytes) -> None:
        """Store a tile atomically: a reader (or nginx) never sees half a file."""
        path = self.path(tileset, z, x, y)
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

    def cached_tiles(self, tileset: str) -> list[tuple[int, int, int]]:
        """Every (z, x, y) cached for a tileset."""
        found = []
        for path in (self.root / tileset).glob("*/*/*.mvt"):
            try:
                found.append((int(path.parent.parent.name), int(path.parent.name), int(path.stem)))
            except ValueError:
                continue
        return found

    def drop_touching(self, tileset: str, boxes: Iterable[Bbox]) -> int:
        """Delete the cached tiles of `tileset` that any lon/lat box touches; how many went."""
        shapes = [shapely.box(*b) for b in boxes]
        if not shapes:
            return 0
        tree = shapely.STRtree(shapes)
        dropped = 0
        for z, x, y in self.cached_tiles(tileset):
            if len(tree.query(shapely.box(*_with_buffer(tile_bounds_lonlat(z, x, y))))):
                self.path(tileset, z, x, y).unlink(missing_ok=True)
                dropped += 1
        return dropped

    def clear(self, tileset: str) -> None:
        shutil.rmtree(self.root / tileset, ignore_errors=True)


def _with_buffer(bounds: Bbox, fraction: float = 64 / 4096) -> Bbox:
    """A tile's box grown by its buffer: features drawn in the buffer change the tile too."""
    west, south, east, north = bounds
    dx, dy = (east - west) * fraction, (north - south) * fraction
    return (west - dx, south - dy, east + dx, north + dy)
