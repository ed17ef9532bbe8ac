"""The web map's files: its scripts and styles (web/src) and the npm files it loads (MapLibre, uPlot),
served compressed once (geohub.static_files)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from geohub.settings import PROJECT_ROOT
from geohub.static_files import MEDIA_TYPES

WEB_SRC = PROJECT_ROOT / "web" / "src"
NODE_MODULES = PROJECT_ROOT / "web" / "node_modules"
# npm package -> the files of it the page may load (served under /app/vendor/<package>@<version>/)
VENDOR_FILES = {
    "maplibre-gl": (
        "dist/maplibre-gl.mjs",
        "dist/maplibre-gl-worker.mjs",
        "dist/maplibre-gl.css",
    ),
    "uplot": ("dist/uPlot.esm.js", "dist/uPlot.min.css"),
}


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
