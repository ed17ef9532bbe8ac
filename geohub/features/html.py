"""pygeoapi's HTML pages made self-contained (CDN assets swapped for copies GeoHub serves) and in the
reader's language."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from geohub.pages.catalogue import PageEnvironment, PageTranslations
from geohub.settings import PROJECT_ROOT

VENDOR_DIR = PROJECT_ROOT / "web" / "node_modules"
VENDOR_PACKAGES = (
    "leaflet/dist",
    "leaflet.markercluster/dist",
    "bootstrap/dist",
    "swagger-ui-dist",
    "maplibre-gl/dist",  # the basemap under the pages' Leaflet maps (geohub/pages/assets/js/map-data.js)
    "@maplibre/maplibre-gl-leaflet",
)
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


class _NoConfigCache(dict[Any, Any]):
    """A cache that keeps nothing: pygeoapi then translates the config it was given, every time."""

    def __setitem__(self, key: Any, value: Any) -> None:
        pass


def translate_each_config_afresh() -> None:
    """Make pygeoapi translate the config of the API that renders a page, not the first one's.

    pygeoapi 0.21 caches a page's translated config once per language for the whole process
    (`pygeoapi.l10n._cfg_cache`), whichever API it came from. GeoHub runs one pygeoapi per audience
    (and tests run many apps), so a staff page could get the public config (a 500 on a restricted
    layer's page) or a public page the staff's. A copy per page costs well under a millisecond.
    """
    from pygeoapi import l10n

    if not isinstance(l10n._cfg_cache, _NoConfigCache):
        l10n._cfg_cache = _NoConfigCache()


def render_pages_in_their_language() -> None:
    """Make pygeoapi render its pages with GeoHub's `pages` catalogue and filters (geohub/pages/catalogue.py).

    pygeoapi 0.21 builds a new Jinja environment for every page in `pygeoapi.util.render_j2_template`
    and gives it `Translations.load(locale_dir, [locale])` (domain `messages`, compiled .mo files):
    those two names are swapped for GeoHub's, which read pages.po directly and add the filters that
    write the page's direction, numbers and dates in the page's language.
    """
    from pygeoapi import util

    util.Environment = PageEnvironment
    util.Translations = PageTranslations
