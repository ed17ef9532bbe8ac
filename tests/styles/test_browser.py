"""The styles in a real browser: Debian's Chromium, driven by npm playwright-core, against `geohub serve`.

The page may reach the server under test and nothing else: every other request is aborted and
fails the test. Tiles, glyphs and the sprite must all come from GeoHub and answer 200.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageStat

from tests.browser import run_browser_script
from tests.features.conftest import LiveServers

BROWSER_CHECK = Path(__file__).with_name("browser_check.cjs")
GEOHUB = str(Path(sys.executable).parent / "geohub")
HEADER_PX = 80  # the page's heading above the map, left out of the pixel checks


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`geohub serve` over the demo data on a free port; its public URL is where it listens."""
    with ExitStack() as stack:
        yield LiveServers(tmp_path_factory, stack).one("geopackage").base_url


def open_in_chromium(url: str, allowed_origin: str, screenshot: Path) -> dict[str, Any]:
    """What the page did in Chromium until the map was idle (see browser_check.cjs)."""
    options = {"url": url, "allowedOrigin": allowed_origin, "screenshot": str(screenshot)}
    return run_browser_script(BROWSER_CHECK, options, timeout_s=240)


def _answered(report: dict[str, Any], pattern: str) -> list[int]:
    return [r["status"] for r in report["responses"] if re.search(pattern, r["url"])]


@pytest.mark.parametrize("style_id", ["city", "city-high-contrast"])
def test_style_renders_in_chromium_from_geohub_alone(
    server: str, tmp_path_factory: pytest.TempPathFactory, style_id: str
) -> None:
    screenshot = tmp_path_factory.mktemp("screenshots") / f"{style_id}.png"  # kept for a human to look at
    report = open_in_chromium(f"{server}/styles/{style_id}.html", server, screenshot)

    network = [url for url in report["requests"] if not url.startswith(("blob:", "data:"))]
    assert report["blocked"] == [], "the page tried to reach another host"
    assert network and all(url.startswith(server + "/") for url in network)
    assert report["failed"] == [] and report["pageErrors"] == [] and report["consoleErrors"] == []
    assert not [r for r in report["responses"] if r["status"] >= 500]
    assert 200 in _answered(report, r"/tiles/(basemap|city)/\d+/\d+/\d+\.mvt(\?v=\w+)?$")
    hillshade = _answered(report, r"/tiles/hillshade/\d+/\d+/\d+\.png$")
    assert 200 in hillshade if style_id == "city" else hillshade == []  # high contrast: no relief
    assert 200 in _answered(report, r"/fonts/DejaVu%20Sans(%20Bold)?/\d+-\d+\.pbf$")
    assert 200 in _answered(report, r"/sprites/geohub(@2x)?\.json$")
    assert 200 in _answered(report, r"/sprites/geohub(@2x)?\.png$")

    rendered = report["map"]
    assert rendered["loaded"] and rendered["lang"] == "ru"
    assert rendered["center"] == pytest.approx([76.95, 43.25]) and rendered["zoom"] == pytest.approx(12)
    assert rendered["renderedFeatures"] > 100
    assert {"basemap/roads", "city/districts", "city/cadastre"} <= set(rendered["sourceLayers"])
    assert rendered["container"]["role"] == "region" and rendered["container"]["ariaLabel"]
    assert rendered["canvas"]["tabIndex"] == 0 and report["focused"]

    layers = report["layerList"]  # the demo's layers were synced by `geohub demo`: fresh, with changes
    assert layers["state"] == "ready" and layers["summary"] == "Слои и свежесть данных"
    listed = {item["layer"]: item["text"] for item in layers["items"]}
    assert {"districts", "cadastre"} <= set(listed)
    assert re.fullmatch(
        r"Районы Алматы: обновлено .*\d{4}.*, изменено объектов: [1-9]\d*", listed["districts"]
    )

    with Image.open(screenshot) as image:
        map_area = image.convert("RGB").crop((0, HEADER_PX, image.width, image.height))
    colours = map_area.resize((256, 192)).getcolors(maxcolors=256 * 192) or []
    assert len(colours) > 200, "the map looks blank"
    most_common_share = max(count for count, _ in colours) / (256 * 192)
    assert most_common_share < 0.8
    assert max(ImageStat.Stat(map_area.convert("L")).stddev) > 10
