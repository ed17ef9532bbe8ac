"""QGIS adds GeoHub's vector tiles as a vector tile layer (XYZ) and draws them: a tileset's XYZ
template, and a collection's tiles found through OGC API – Tiles.

QGIS 3.22 (Debian 12) cannot list OGC API – Tiles itself: its vector tile layers read XYZ
templates, MBTiles and ArcGIS VectorTileServer only, and its GDAL (3.6.2) has no working vector
path in the OGCAPI driver (tests/tiles/test_ogcapi_clients.py). QGIS 3.32 added the "OGC API"
source type, which is GDAL's OGCAPI driver; so the probe follows the OGC links itself and hands
QGIS the XYZ template and zoom range the tileset document gives.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from pyproj import Transformer

from tests.features.conftest import LiveServer
from tests.qgis_client import qgis_available, run_probe
from tests.tiles.conftest import TileServers

PROBE = Path(__file__).with_name("qgis_vector_tiles_probe.py")
OGC_PROBE = Path(__file__).with_name("qgis_ogc_tileset_probe.py")
CENTRAL_ALMATY_3857 = (8564200.0, 5349600.0, 8566700.0, 5352100.0)
EMPTY_STEPPE_3857 = (8400000.0, 5500000.0, 8402500.0, 5502500.0)  # north of the data
LANDMARK = "ЦУМ"  # the central department store: a building whose name the tiles carry from zoom 15
TO_3857 = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
pytestmark = pytest.mark.skipif(not qgis_available(), reason="python3-qgis is not installed")


@pytest.fixture(scope="module")
def server(tile_servers: TileServers) -> LiveServer:
    return tile_servers("geopackage")


def _render(server: LiveServer, tmp_path: Path, extent: tuple[float, ...]) -> dict[str, object]:
    url = f"{server.base_url}/tiles/city/{{z}}/{{x}}/{{y}}.mvt"
    return run_probe(PROBE, [url, *map(str, extent)], tmp_path)


def test_qgis_draws_the_city_tileset_over_almaty_and_nothing_outside(
    server: LiveServer, tmp_path: Path
) -> None:
    over_almaty = _render(server, tmp_path, CENTRAL_ALMATY_3857)
    assert over_almaty["valid"] and over_almaty["errors"] == []
    assert int(str(over_almaty["drawn"])) > 100
    outside = _render(server, tmp_path, EMPTY_STEPPE_3857)
    assert outside["errors"] == []
    assert outside["drawn"] == 0


def _around_landmark(server: LiveServer, margin_m: float = 250.0) -> tuple[float, ...]:
    """A view of ~600 m (zoom 17 at 512 px) around the stored landmark building."""
    [landmark] = [f for f in server.stored("buildings") if f.properties["name"] == LANDMARK]
    footprint = shapely.transform(landmark.geometry, TO_3857.transform, interleaved=False)
    x, y = footprint.centroid.x, footprint.centroid.y
    return (x - margin_m, y - margin_m, x + margin_m, y + margin_m)


def _draw_selected(server: LiveServer, tmp_path: Path, expression: str) -> dict[str, object]:
    collection = f"{server.base_url}/collections/buildings"
    extent = _around_landmark(server)
    return run_probe(OGC_PROBE, [collection, "buildings", expression, *map(str, extent)], tmp_path)


def test_qgis_draws_a_collections_tiles_found_through_ogc_api_tiles_by_attribute(
    server: LiveServer, tmp_path: Path
) -> None:
    """Only the named building is drawn when the style selects it by its `name` attribute."""
    landmark = _draw_selected(server, tmp_path, f"\"name\" = '{LANDMARK}'")
    template = f"{server.base_url}/collections/buildings/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}"
    assert landmark["source"] == f"type=xyz&url={template}&zmin=13&zmax=22"
    assert landmark["valid"] and landmark["errors"] == []
    everything = _draw_selected(server, tmp_path, '"building" IS NOT NULL')
    nothing = _draw_selected(server, tmp_path, "\"name\" = 'No such building'")
    assert 50 < int(str(landmark["drawn"])) < int(str(everything["drawn"]))
    assert nothing["drawn"] == 0 and nothing["errors"] == []
