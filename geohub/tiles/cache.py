"""Tile cache on disk: <root>/<tileset>/<audience>/<z>/<x>/<y>.mvt, a layout nginx can serve directly.

The audience (`Principal.audience`: "public" or "staff") is part of every tile's path: a tile
made for signed-in staff may hold restricted layers and attributes and must never be read back
for an anonymous request. nginx serves only the `public` folders (config/nginx.conf).

Each <tileset>/<audience> folder holds a marker, `.version` (JSON: the version token and the layer
versions its tiles show): tiles are read from the folder only while its marker names the token the
reader expects (geohub/tiles/versions.py); a folder of another token is emptied when a process that
knows newer versions takes it over, so old versions never pile up.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import shapely

from geohub.storage.base import Bbox
from geohub.tiles.tms import tile_bounds_lonlat

AUDIENCES = ("public", "staff")
MARKER = ".version"


@dataclass(frozen=True)
class Marker:
    """What a tileset's folder of one audience holds: tiles of `token`, marked at `written_at`."""

    token: str
    digest: str  # of the tileset's make-up (Tileset.digest)
    versions: dict[str, int]
    written_at: float


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
        self._store(self.path(tileset, audience, z, x, y), data)

    @classmethod
    def _store(cls, path: Path, data: bytes, attempts: int = 5) -> bool:
        """Write `path` (and its folders) atomically; False when another process kept emptying
        the folder meanwhile (a take-over): the tile is then simply not cached."""
        for _ in range(attempts):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                cls._replace(path, data)
                return True
            except FileNotFoundError:
                continue
        return False

    @staticmethod
    def _replace(path: Path, data: bytes) -> None:
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

    def marker(self, tileset: str, audience: str) -> Marker | None:
        """The version marker of a tileset's folder of one audience; None when it has none."""
        path = self.root / tileset / audience / MARKER
        try:
            with path.open("rb") as stream:
                written_at = os.fstat(stream.fileno()).st_mtime
                data = json.loads(stream.read())
            versions = {str(k): int(v) for k, v in data["versions"].items()}
            return Marker(str(data["token"]), str(data["digest"]), versions, written_at)
        except (FileNotFoundError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def mark(self, tileset: str, audience: str, token: str, digest: str, versions: dict[str, int]) -> None:
        """Say the folder's tiles are of `token` (atomically)."""
        marker = {"token": token, "digest": digest, "versions": versions}
        self._store(self.root / tileset / audience / MARKER, json.dumps(marker).encode())

    def take_over(
        self, tileset: str, audience: str, token: str, digest: str, versions: dict[str, int]
    ) -> None:
        """Empty the folder of another version's tiles and mark it as `token`'s."""
        if audience not in AUDIENCES:
            raise ValueError(f"unknown audience {audience!r}")
        shutil.rmtree(self.root / tileset / audience, ignore_errors=True)
        self.mark(tileset, audience, token, digest, versions)

    def cached_tiles(self, tileset: str, audience: str) -> list[tuple[int, int, int]]:
        """Every (z, x, y) cached for a tileset and audience."""
        found = []
        for path in (self.root / tileset / audience).glob("*/*/*.mvt"):
            try:
                found.append((int(path.parent.parent.name), int(path.parent.name), int(path.stem)))
            except ValueError:
                continue
        return found

    def drop_touching(self, tileset: str, boxes: Iterable[Bbox], audiences: Iterable[str] = AUDIENCES) -> int:
        """Delete the cached tiles of `tileset`, of every audience, that any lon/lat box touches;
        how many went."""
        shapes = [shapely.box(*b) for b in boxes]
        if not shapes:
            return 0
        tree = shapely.STRtree(shapes)
        dropped = 0
        for audience in audiences:
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
