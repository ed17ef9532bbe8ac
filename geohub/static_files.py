"""Files served from disk, read and compressed once per version (path, modification time and
size), in memory, with a strong ETag per encoding: the web map's first load is mostly MapLibre
(1.1 MB raw), which must not be compressed again for every visitor, and the OGC pages' Leaflet and
MapLibre files are the same. Brotli is made quickly at first (level 5), then at its best (level 11,
seconds for MapLibre) in the background; gzip for clients without Brotli.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import brotli

MEDIA_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".map": "application/json",
    ".png": "image/png",
}
COMPRESSIBLE = {"text/javascript", "text/css", "image/svg+xml", "application/json"}
GZIP_LEVEL = 9
BROTLI_QUICK, BROTLI_BEST = 5, 11
BEST_LATER_BYTES = 64 * 1024  # smaller files get the best Brotli at once (milliseconds)


def media_type(path: Path) -> str:
    """The file's media type, by its suffix."""
    known = MEDIA_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
    return known or "application/octet-stream"


@dataclass(frozen=True)
class StaticFile:
    """One file as served: its bytes, compressed bytes (None when not worth it), media type and ETag."""

    body: bytes
    gzipped: bytes | None
    brotli: bytes | None
    media_type: str
    etag: str
    brotli_quality: int = 0  # in the ETag: the quick and the best Brotli are other bytes

    def encoded(self, accepts_brotli: bool, accepts_gzip: bool) -> tuple[bytes, str | None, str]:
        """(body, Content-Encoding, ETag) for what the client accepts; each encoding its own ETag."""
        if accepts_brotli and self.brotli is not None:
            return self.brotli, "br", f"{self.etag}-br{self.brotli_quality}"
        if accepts_gzip and self.gzipped is not None:
            return self.gzipped, "gzip", f"{self.etag}-gz"
        return self.body, None, self.etag


_cache: dict[Path, tuple[tuple[int, int], StaticFile]] = {}
_lock = threading.Lock()


def static_file(path: Path) -> StaticFile:
    """The file at `path`, read and compressed once per version (kept in memory)."""
    stat = path.stat()
    version = (stat.st_mtime_ns, stat.st_size)
    with _lock:
        cached = _cache.get(path)
    if cached is not None and cached[0] == version:
        return cached[1]
    body = path.read_bytes()
    served = StaticFile(body, None, None, media_type(path), hashlib.sha256(body).hexdigest()[:32])
    if served.media_type in COMPRESSIBLE and len(body) > 256:
        later = len(body) > BEST_LATER_BYTES
        quality = BROTLI_QUICK if later else BROTLI_BEST
        served = replace(
            served,
            gzipped=gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0),
            brotli=brotli.compress(body, quality=quality),
            brotli_quality=quality,
        )
        if later:
            threading.Thread(target=_best_brotli, args=(path, version, served), daemon=True).start()
    with _lock:
        _cache[path] = (version, served)
    return served


def _best_brotli(path: Path, version: tuple[int, int], served: StaticFile) -> None:
    """Replace a large file's quick Brotli with the best one, unless the file changed meanwhile."""
    compressed = brotli.compress(served.body, quality=BROTLI_BEST)
    best = replace(served, brotli=compressed, brotli_quality=BROTLI_BEST)
    with _lock:
        if _cache.get(path, (None, None))[0] == version:
            _cache[path] = (version, best)
