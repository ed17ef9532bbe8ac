"""Vector tiles on both backends: decodable by mapbox-vector-tile and GDAL, equal across backends."""

from __future__ import annotations

import gzip
import subprocess
from pathlib import Path

import mapbox_vector_tile
import pytest
from flask import Flask

from geohub.tiles.tms import WEB_MERCATOR_QUAD

CENTRE = (76.945, 43.255)  # central Almaty, near Panfilov park
MVT = "application/vnd.mapbox-vector-tile"


def tile_at(z: int) -> tuple[int, int, int]:
    tile = WEB_MERCATOR_QUAD.tile(*CENTRE, z)
    return z, tile.x, tile.y


def get_tile(app: Flask, tileset: str, z: int, x: int, y: int) -> dict:  # type: ignore[type-arg]
    response = app.test_client().get(f"/tiles/{tileset}/{z}/{x}/{y}.mvt")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type == MVT
    return dict(mapbox_vector_tile.decode(response.data))


def test_city_tile_carries_every_thematic_layer_with_attributes(tile_app: Flask) -> None:
    layers = get_tile(tile_app, "city", *tile_at(14))
    assert {"buildings", "addresses", "districts", "accessibility", "pedestrian_network"} <= set(layers)
    kbtu = [f for f in layers["buildings"]["features"] if f["properties"].get("osm_ref") == "w22733940"]
    assert len(kbtu) == 1
    assert kbtu[0]["properties"]["district"] == "almaly"
    assert "name" not in kbtu[0]["properties"]  # names join buildings from zoom 15 (layers/buildings.yaml)
    at_16 = get_tile(tile_app, "buildings", *tile_at(16))["buildings"]["features"]
    assert any(
        f["properties"].get("name") == "Казахстанско-Британский технический университет" for f in at_16
    )


def test_gdal_mvt_driver_reads_the_tile(tile_app: Flask, tmp_path: Path) -> None:
    z, x, y = tile_at(14)
    data = tile_app.test_client().get(f"/tiles/city/{z}/{x}/{y}.mvt").data
    path = tmp_path / str(z) / str(x) / f"{y}.pbf"
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    listing = subprocess.run(
        ["ogrinfo", "-ro", "-so", "-al", str(path)], capture_output=True, text=True, check=True
    )
    decoded = mapbox_vector_tile.decode(data)
    for name, layer in decoded.items():
        block = listing.stdout.split(f"Layer name: {name}\n", 1)[1]
        count = int(block.split("Feature Count: ", 1)[1].split("\n", 1)[0])
        assert count == len(layer["features"]), name


@pytest.mark.parametrize(("tileset", "z"), [("basemap", 10), ("basemap", 12), ("city", 14), ("city", 16)])
def test_both_backends_encode_the_same_features(tile_apps: dict[str, Flask], tileset: str, z: int) -> None:
    decoded = {backend: get_tile(app, tileset, *tile_at(z)) for backend, app in tile_apps.items()}
    assert set(decoded["geopackage"]) == set(decoded["postgis"])
    for name in decoded["postgis"]:
        ids = {b: {f["id"] for f in decoded[b][name]["features"]} for b in decoded}
        difference = ids["geopackage"] ^ ids["postgis"]
        # PostGIS drops a line that collapses to one grid cell at low zoom; allow one in a thousand
        assert len(difference) <= max(1, len(ids["postgis"]) // 1000), (name, sorted(difference)[:5])
        properties = {b: {f["id"]: f["properties"] for f in decoded[b][name]["features"]} for b in decoded}
        for fid in ids["geopackage"] & ids["postgis"]:
            assert properties["geopackage"][fid] == pytest.approx(properties["postgis"][fid]), (name, fid)


@pytest.mark.parametrize("z", [8, 10, 12])
def test_low_zoom_tiles_stay_small(tile_app: Flask, z: int) -> None:
    for tileset in ("basemap", "city"):
        response = tile_app.test_client().get("/tiles/{}/{}/{}/{}.mvt".format(tileset, *tile_at(z)))
        assert len(response.data) < 500_000, (tileset, z, len(response.data))


def test_tile_has_cache_headers_and_answers_304(tile_app: Flask) -> None:
    client = tile_app.test_client()
    url = "/tiles/city/{}/{}/{}.mvt".format(*tile_at(15))
    first = client.get(url)
    assert first.headers["ETag"] and "max-age" in first.headers["Cache-Control"]
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == first.data


def test_empty_tile_is_204_with_the_same_headers(tile_app: Flask) -> None:
    response = tile_app.test_client().get("/tiles/city/12/0/0.mvt")
    assert response.status_code == 204
    assert response.data == b""
    assert response.headers["ETag"] and "max-age" in response.headers["Cache-Control"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/tiles/nope/10/730/375.mvt", 404),
        ("/tiles/buildings/5/20/11.mvt", 404),  # below the layer's zoom range
        ("/tiles/city/25/0/0.mvt", 400),
        ("/tiles/city/14/16384/0.mvt", 404),
        ("/tiles/city/14/0/99999.mvt", 404),
        ("/tiles/city/a/b/c.mvt", 404),
        ("/tiles/city/14/-1/5.mvt", 404),
        ("/collections/buildings/tiles/WorldCRS84Quad/14/0/0", 404),
        ("/collections/nope/tiles", 404),
        ("/tileMatrixSets/Nope", 404),
        ("/tiles/hillshade/3/0/0.png", 404),
        ("/tiles/hillshade/12/2923/1501.gif", 404),
    ],
)
def test_bad_tile_addresses_are_problems(tile_app: Flask, path: str, status: int) -> None:
    response = tile_app.test_client().get(path)
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    assert {"type", "title", "status", "detail"} <= set(response.get_json())


def test_ogc_tile_path_is_z_row_col(tile_app: Flask) -> None:
    z, x, y = tile_at(16)
    client = tile_app.test_client()
    ogc = client.get(f"/collections/buildings/tiles/WebMercatorQuad/{z}/{y}/{x}")
    xyz = client.get(f"/tiles/buildings/{z}/{x}/{y}.mvt")
    assert ogc.status_code == 200 and ogc.data == xyz.data


def test_tile_rules_and_small_polygon_rule_apply_together(tile_apps: dict[str, Flask]) -> None:
    from geohub.layers.models import TileRule
    from geohub.tiles.tilesets import Tileset, tile_request

    registry = tile_apps["postgis"].extensions["geohub"].registry
    parks = registry.get("green_spaces")
    only_parks = parks.model_copy(
        update={"tile_rules": (TileRule(below_zoom=13, attribute="class", values=("park",)),)}
    )
    tileset = Tileset("parks", parks.title, (only_parks,))
    request = tile_request(tileset, *tile_at(11))
    assert request.layers[0].keep is not None and request.layers[0].min_size_deg > 0
    found = {}
    for backend, app in tile_apps.items():
        layers = mapbox_vector_tile.decode(app.extensions["geohub"].store.render_tile(request))
        found[backend] = {f["id"] for f in layers["green_spaces"]["features"]}
        classes = {f["properties"]["class"] for f in layers["green_spaces"]["features"]}
        assert classes == {"park"}, backend
    assert found["geopackage"] == found["postgis"]
