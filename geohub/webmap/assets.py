"""The web map's files: its scripts and styles (web/src) and the npm files it loads (MapLibre, uPlot).

Each file is read and compressed once per version (path, modification time and size), in memory,
with a strong ETag per encoding: the map's first load is mostly MapLibre (1.1 MB raw), which must
not be compressed again for every visitor. Brotli is made quickly at first (level 5), then at its
best (level 11, seconds for MapLibre) in the background; gzip for clients without Brotli.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

import brotli

from geohub.settings import PROJECT_ROOT

WEB_SRC = PROJECT_ROOT / "web" / "src"
NODE_MODULES = PROJECT_ROOT / "web" / "node_modules"
MEDIA_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".png": "image/png",
}
COMPRESSIBLE = {".js", ".mjs", ".css", ".svg", ".json"}
# npm package -> the files of it the page may load (served under /app/vendor/<package>@<version>/)
VENDOR_FILES = {
    "maplibre-gl": (
        "dist/maplibre-gl.mjs",
        "dist/maplibre-gl-worker.mjs",
        "dist/maplibre-gl.css",
    ),
    "uplot": ("dist/uPlot.esm.js", "dist/uPlot.min.css"),
}
GZIP_LEVEL = 9
BROTLI_QUICK, BROTLI_BEST = 5, 11
BEST_LATER_BYTES = 64 * 1024  # smaller files get the best Brotli at once (milliseconds)


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
    served = StaticFile(body, None, None, MEDIA_TYPES[path.suffix], hashlib.sha256(body).hexdigest()[:32])
    if path.suffix in COMPRESSIBLE and len(body) > 256:
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


def app_file(asset: str, root: Path = WEB_SRC) -> Path | None:
    """The web/src file at `asset` (e.g. `map.js`), None when there is none or it lies outside."""
    parts = asset.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts) or not asset.isprintable():
        return None  # no empty, relative or hidden parts, no control characters
    if "\\" in asset:
        return None
    path = (root / asset).resolve()
    if root.resolve() not in path.parents or path.suffix not in MEDIA_TYPES or not path.is_file():
        return None
    return path


@cache
def package_version(package: str, node_modules: Path = NODE_MODULES) -> str:
    """The installed version of an npm package (from its package.json)."""
    manifest = json.loads((node_modules / package / "package.json").read_text(encoding="utf-8"))
    return str(manifest["version"])


def vendor_path(package: str, file: str) -> str:
    """Where the page loads `file` of `package` from: /app/vendor/<package>@<version>/<file>."""
    return f"/app/vendor/{package}@{package_version(package)}/{file}"


def vendor_file(versioned: str, file: str, node_modules: Path = NODE_MODULES) -> Path | None:
    """The npm file for /app/vendor/<package>@<version>/<file>; None unless listed and that version."""
    package, _, version = versioned.rpartition("@")
    if file not in VENDOR_FILES.get(package, ()) or version != package_version(package, node_modules):
        return None
    path = node_modules / package / file
    return path if path.is_file() else None
