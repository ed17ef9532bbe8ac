"""GDAL's OGCAPI driver reads a collection's vector tiles from a real `geohub serve` through
OGC API – Tiles: collection → `tilesets-vector` → tileset → `tiling-scheme` and `item` template.

The client is the GDAL pyogrio bundles (3.12). Debian's GDAL 3.6.2 cannot be: its OGCAPI driver
reads the tilesets, the tileset and the tile matrix set, then builds layers only for map (image)
tiles, so `ogrinfo -oo API=TILES` fails on any vector tileset (measured; the driver's vector path
came back in GDAL 3.7). Every GDAL up to 3.12 at least places the tiles to read by the collection's
CRS84 bbox as if it were in the tile matrix set's CRS (EPSG:3857), which lands on tiles at 0°, 0°:
a client gives the area in EPSG:3857 with the driver's MINX/MINY/MAXX/MAXY open options.
"""

from __future__ import annotations

import math
from typing import Any

import pyogrio
import pytest
import shapely
from pyogrio.raw import read
from pyproj import Transformer

from tests.features.conftest import LiveServer
from tests.tiles.conftest import TileServers

CENTRAL_ALMATY_3857 = (8564200.0, 5349600.0, 8566700.0, 5352100.0)  # 3 × 3 tiles at zoom 15
TO_3857 = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
TILE_PRECISION_M = 1.0  # zoom 15: a 4096-unit tile extent is ~0.3 m per unit


@pytest.fixture
def server(backend: str, tile_servers: TileServers) -> LiveServer:
    return tile_servers(backend)


def _read_tiles(server: LiveServer, layer_id: str, zoom: int) -> dict[str, Any]:
    west, south, east, north = CENTRAL_ALMATY_3857
    meta, _fids, geometries, fields = read(
        f"OGCAPI:{server.base_url}/collections/{layer_id}",
        layer=f"Zoom level {zoom}",
        API="TILES",
        MINX=str(west),
        MINY=str(south),
        MAXX=str(east),
        MAXY=str(north),
    )
    return {
        "meta": meta,
        "geometries": shapely.from_wkb(geometries),
        **dict(zip(meta["fields"], fields, strict=True)),
    }


def test_the_gdal_under_test_has_the_ogcapi_driver() -> None:
    assert pyogrio.list_drivers().get("OGCAPI") == "r"
    assert pyogrio.__gdal_version__ >= (3, 7, 0)


def test_gdal_lists_a_layer_per_zoom_of_the_collections_tileset(server: LiveServer) -> None:
    layers = pyogrio.list_layers(f"OGCAPI:{server.base_url}/collections/buildings")
    names = [str(name) for name, _geometry in layers]
    assert names[0] == "Zoom level 0" and "Zoom level 15" in names


def test_gdal_reads_buildings_with_their_stored_attributes_and_shapes(server: LiveServer) -> None:
    """Each feature GDAL decodes from the tiles is a stored building: same class, name, area and
    storeys, and its (tile-clipped) shape lies on the stored footprint."""
    read_back = _read_tiles(server, "buildings", 15)
    assert read_back["meta"]["crs"] == "EPSG:3857"
    stored = {f.properties["osm_ref"]: f for f in server.stored("buildings")}
    refs = list(read_back["osm_ref"])
    assert len(set(refs)) > 500  # central Almaty is dense with buildings
    names = read_back["name"]
    levels = read_back["levels"]
    assert sum(1 for n in names if n) > 20
    for i, ref in enumerate(refs):
        building = stored[ref]
        assert read_back["building"][i] == building.properties["building"]
        assert names[i] == building.properties["name"]
        assert math.isclose(read_back["area_m2"][i], building.properties["area_m2"], rel_tol=1e-6), ref
        expected_levels = building.properties["levels"]
        assert math.isnan(levels[i]) if expected_levels is None else levels[i] == expected_levels, ref
        footprint = shapely.transform(building.geometry, TO_3857.transform, interleaved=False)
        assert footprint.buffer(TILE_PRECISION_M).covers(read_back["geometries"][i]), ref
