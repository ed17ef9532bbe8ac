"""pygeoapi's HTML pages made self-contained: CDN assets swapped for copies GeoHub serves."""

from __future__ import annotations

import re
from pathlib import Path

from geohub.settings import PROJECT_ROOT

VENDOR_DIR = PROJECT_ROOT / "web" / "node_modules"
VENDOR_PACKAGES = ("leaflet/dist", "leaflet.markercluster/dist", "bootstrap/dist", "swagger-ui-dist")
_REPLACEMENTS = (
    ("https://unpkg.com/leaflet@1.3.1/dist/", "/vendor/leaflet/dist/"),
    ("https://unpkg.com/leaflet.markercluster/dist/", "/vendor/leaflet.markercluster/dist/"),
    ("https://unpkg.com/bootstrap@5.1.3/dist/", "/vendor/bootstrap/dist/"),
    ("https://unpkg.com/swagger-ui-dist/", "/vendor/swagger-ui-dist/"),
)
_DROPPED = re.compile(
    r'<script src="https://cdnjs\.cloudflare\.com/[^"]*"></script>'
    r'|<link[^>]*href="https://fonts\.googleapis\.com/[^"]*"[^>]*>'
)


def self_contained(html: str) -> str:
    """The page with every asset URL pointing at GeoHub's own /vendor copies."""
    for remote, local in _REPLACEMENTS:
        html = html.replace(remote, local)
    return _DROPPED.sub("", html)


def vendor_file(asset: str) -> Path | None:
    """The bundled asset at `asset` (e.g. leaflet/dist/leaflet.js), None when not shipped."""
    if not any(asset.startswith(package + "/") for package in VENDOR_PACKAGES):
        return None
    path = (VENDOR_DIR / asset).resolve()
    if VENDOR_DIR.resolve() not in path.parents or not path.is_file():
        return None
    return path
