"""The OGC API HTML pages' Leaflet maps draw GeoHub's own `basemap` style under their features
(MapLibre GL JS through @maplibre/maplibre-gl-leaflet), in Debian's Chromium against `geohub serve`:
basemap tiles answer 200 from GeoHub alone, the map is not blank, the attribution shows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageStat

from tests.browser import run_browser_script
from tests.features.conftest import LiveServers

PAGES_CHECK = Path(__file__).with_name("pages_check.cjs")
BASEMAP_TILE = re.compile(r"/tiles/basemap/\d+/\d+/\d+\.mvt(\?v=\w+)?$")  # with its version token


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`geohub serve` over the demo data on a free port."""
    with ExitStack() as stack:
        yield LiveServers(tmp_path_factory, stack).one("geopackage").base_url


def run_pages_check(pages: list[dict[str, str]], allowed_origin: str) -> dict[str, Any]:
    return run_browser_script(PAGES_CHECK, {"allowedOrigin": allowed_origin, "pages": pages}, timeout_s=300)


def test_item_pages_draw_geohubs_basemap(server: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    shots = tmp_path_factory.mktemp("pages-screenshots")  # kept for a human to look at
    pages = [
        {"url": f"{server}/collections/districts/items/almaly?f=html&lang=ru", "map": "#items-map"},
        {"url": f"{server}/collections/green_spaces/items?f=html&lang=kk", "map": "#items-map"},
        {"url": f"{server}/collections/districts?f=html", "map": "#collection-map"},
    ]
    for i, page in enumerate(pages):
        page["screenshot"] = str(shots / f"page-{i}.png")

    report = run_pages_check(pages, server)

    assert report["blocked"] == [], "a page tried to reach another host"
    for page in report["pages"]:
        assert "error" not in page and page["pageErrors"] == [], (page["url"], page)
        assert page["violations"] == [], page["url"]  # MapLibre's worker from its own file, styles from files
        assert page["basemap"]["state"] == "ready" and page["basemap"]["canvases"] == 1, page["url"]
        assert page["phoneScrollWidth"] == 360, page["url"]  # long values and URIs wrap on a phone
        assert "© OpenStreetMap contributors" in page["basemap"]["attribution"], page["url"]
        statuses = [r["status"] for r in page["responses"] if BASEMAP_TILE.search(r["url"])]
        assert 200 in statuses and all(s in (200, 204, 304) for s in statuses), (page["url"], statuses)
        assert all(r["url"].startswith(server + "/") for r in page["responses"]), page["url"]
        styles = [r for r in page["responses"] if "/styles/basemap.json" in r["url"]]
        assert [r["status"] for r in styles] == [200], page["url"]
        with Image.open(page["screenshot"]) as image:
            drawn = image.convert("RGB")
        colours = drawn.resize((128, 96)).getcolors(maxcolors=128 * 96) or []
        assert len(colours) > 150, f"{page['url']}: the map looks blank"
        assert max(count for count, _ in colours) / (128 * 96) < 0.7, page["url"]
        assert max(ImageStat.Stat(drawn.convert("L")).stddev) > 10, page["url"]
    ru, kk = (report["pages"][0]["responses"], report["pages"][1]["responses"])
    assert any(r["url"].endswith("/styles/basemap.json?lang=ru") for r in ru)  # labels in the page's language
    assert any(r["url"].endswith("/styles/basemap.json?lang=kk") for r in kk)
