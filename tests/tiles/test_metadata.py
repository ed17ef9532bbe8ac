"""TileJSON 3.0, OGC API - Tiles tilesets and the WebMercatorQuad tile matrix set."""

from __future__ import annotations

import morecantile
from flask import Flask
from jsonschema import Draft202012Validator

from geohub.tiles.tms import tile_bounds_lonlat


def test_tilejson_lists_layers_fields_and_absolute_tile_urls(tile_app: Flask) -> None:
    document = tile_app.test_client().get("/tiles/basemap.json").get_json()
    assert document["tilejson"] == "3.0.0"
    token = tile_app.extensions["geohub.tiles"].token("basemap")
    assert document["tiles"] == [f"http://localhost/tiles/basemap/{{z}}/{{x}}/{{y}}.mvt?v={token}"]
    layers = {layer["id"]: layer for layer in document["vector_layers"]}
    assert {"roads", "water_areas", "buildings", "districts", "places"} <= set(layers)
    assert layers["roads"]["fields"]["highway"] == "String"
    assert layers["buildings"]["fields"]["levels"] == "Number"
    assert "OpenStreetMap" in document["attribution"]
    west, south, east, north = document["bounds"]
    assert 76.5 < west < east < 77.3 and 43.0 < south < north < 43.6


def test_restricted_and_unknown_layers_have_no_tileset(tile_app: Flask) -> None:
    assert tile_app.test_client().get("/tiles/no_such.json").status_code == 404


def test_tile_matrix_set_matches_morecantile(tile_app: Flask) -> None:
    document = tile_app.test_client().get("/tileMatrixSets/WebMercatorQuad").get_json()
    assert document["id"] == "WebMercatorQuad"
    assert len(document["tileMatrices"]) == 25
    listing = tile_app.test_client().get("/tileMatrixSets").get_json()
    assert listing["tileMatrixSets"][0]["id"] == "WebMercatorQuad"


def test_tile_bounds_equal_morecantile_reference() -> None:
    reference = morecantile.tms.get("WebMercatorQuad")
    for z, x, y in [(0, 0, 0), (10, 730, 375), (16, 46775, 24017)]:
        assert tile_bounds_lonlat(z, x, y) == tuple(reference.bounds(morecantile.Tile(x, y, z)))


def test_collection_tileset_links_to_the_tile_template(tile_app: Flask) -> None:
    client = tile_app.test_client()
    listing = client.get("/collections/buildings/tiles").get_json()
    assert listing["tilesets"][0]["dataType"] == "vector"
    document = client.get("/collections/buildings/tiles/WebMercatorQuad").get_json()
    template = next(link["href"] for link in document["links"] if link["rel"] == "item")
    assert template.endswith("/collections/buildings/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}")
    assert document["layers"][0]["id"] == "buildings"


def test_collection_tileset_describes_the_tile_attributes_in_json_schema(tile_app: Flask) -> None:
    document = tile_app.test_client().get("/collections/buildings/tiles/WebMercatorQuad").get_json()
    [layer] = document["layers"]
    schema = layer["propertiesSchema"]
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["levels"]["type"] == "integer"
    assert schema["properties"]["height"]["type"] == "number"
    assert schema["properties"]["osm_timestamp"] == {
        "type": "string",
        "format": "date-time",
        "title": "osm_timestamp",
        "description": "When the object was last edited in OpenStreetMap",
    }
    assert (layer["minTileMatrix"], layer["maxTileMatrix"]) == ("13", "22")


def test_tilejson_in_the_accept_language_s_language_varies_on_it_one_asked_with_lang_does_not(
    tile_app: Flask,
) -> None:
    client = tile_app.test_client()
    kazakh = client.get("/tiles/basemap.json", headers={"Accept-Language": "kk"})
    russian = client.get("/tiles/basemap.json", headers={"Accept-Language": "ru"})
    # a shared cache must tell them apart
    assert kazakh.get_json()["description"] != russian.get_json()["description"]
    assert "Accept-Language" in kazakh.headers["Vary"] and "Authorization" in kazakh.headers["Vary"]
    named = client.get("/tiles/basemap.json?lang=kk", headers={"Accept-Language": "ru"})
    assert named.get_json()["description"] == kazakh.get_json()["description"]
    assert "Accept-Language" not in named.headers["Vary"]
    tile = client.get("/tiles/basemap/12/2861/1490.mvt", headers={"Accept-Language": "kk"})
    assert "Accept-Language" not in tile.headers.get("Vary", "")  # tiles are the same in every language
