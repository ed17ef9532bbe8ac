"""Clients find what is there: the landing page and each collection link their vector tilesets
(OGC API – Tiles) and a JSON Schema of their features (`describedby`, Features Part 5); the
conformance classes declared for Tiles are the ones walked here; anonymous readers learn of no
restricted layer or attribute through any of it."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import mapbox_vector_tile
import morecantile
import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from geohub.layers.registry import LayerRegistry
from tests.features.conftest import RESTRICTED_ATTRIBUTE, RESTRICTED_LAYER, DemoApps, staff_client

OGC_REL = "http://www.opengis.net/def/rel/ogc/1.0/"
TILES_CONF = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/"
MVT = "application/vnd.mapbox-vector-tile"
SCHEMA = "application/schema+json"
CENTRAL_ALMATY = (76.945, 43.256)  # lon, lat: buildings all around


def _links(document: dict[str, Any], rel: str) -> list[dict[str, Any]]:
    """Links of one relation type, compared case-insensitively (RFC 8288)."""
    return [link for link in document["links"] if link["rel"].lower() == rel.lower()]


def _follow(client: FlaskClient, href: str) -> TestResponse:
    """GET an absolute link's target from the in-process app."""
    parts = urlsplit(href)
    response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert response.status_code == 200, (href, response.data[:300])
    return response


def test_landing_page_links_the_vector_tilesets_and_tiling_schemes(client: FlaskClient) -> None:
    landing = client.get("/").get_json()
    [tilesets] = _links(landing, f"{OGC_REL}tilesets-vector")
    assert tilesets["type"] == "application/json"
    listed = {t["id"]: t for t in _follow(client, tilesets["href"]).get_json()["tilesets"]}
    assert {"buildings", "city", "basemap"} <= set(listed)
    assert listed["city"]["dataType"] == "vector"
    [schemes] = _links(landing, f"{OGC_REL}tiling-schemes")
    matrix_sets = _follow(client, schemes["href"]).get_json()["tileMatrixSets"]
    assert [m["id"] for m in matrix_sets] == ["WebMercatorQuad"]


def test_a_collections_tilesets_lead_to_its_vector_tiles(client: FlaskClient) -> None:
    """geodata-tilesets → tilesets-list → tileset → core/mvt: the classes /conformance declares."""
    collection = client.get("/collections/buildings").get_json()
    [link] = _links(collection, f"{OGC_REL}tilesets-vector")
    tilesets = _follow(client, link["href"]).get_json()["tilesets"]
    [tileset] = [t for t in tilesets if t["tileMatrixSetURI"].endswith("/WebMercatorQuad")]
    assert tileset["dataType"] == "vector"
    [self_link] = _links(tileset, "self")
    metadata = _follow(client, self_link["href"]).get_json()
    [scheme] = _links(metadata, f"{OGC_REL}tiling-scheme")
    assert _follow(client, scheme["href"]).get_json()["id"] == "WebMercatorQuad"
    [template] = [link["href"] for link in _links(metadata, "item") if link["type"] == MVT]
    tile = morecantile.tms.get("WebMercatorQuad").tile(*CENTRAL_ALMATY, 15)
    address = {"{tileMatrix}": "15", "{tileRow}": str(tile.y), "{tileCol}": str(tile.x)}
    for placeholder, value in address.items():
        template = template.replace(placeholder, value)
    answer = _follow(client, template)
    assert answer.content_type == MVT
    decoded = mapbox_vector_tile.decode(answer.data)
    assert list(decoded) == ["buildings"] and len(decoded["buildings"]["features"]) > 10
    conforms = set(client.get("/conformance").get_json()["conformsTo"])
    walked = {"core", "tileset", "tilesets-list", "geodata-tilesets", "mvt", "oas30"}
    assert {c for c in conforms if c.startswith(TILES_CONF)} == {TILES_CONF + c for c in walked}


def test_openapi_describes_the_tile_and_schema_routes(client: FlaskClient) -> None:
    paths = client.get("/openapi").get_json()["paths"]
    expected = {
        "/tiles",
        "/tiles/{tilesetId}/{z}/{x}/{y}.mvt",
        "/tileMatrixSets/{tileMatrixSetId}",
        "/collections/{collectionId}/tiles",
        "/collections/{collectionId}/tiles/{tileMatrixSetId}",
        "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}",
        "/collections/{collectionId}/schema",
        "/collections/{collectionId}/schema/geojson",
    }
    assert expected <= set(paths)
    tile = paths["/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}"]
    assert MVT in tile["get"]["responses"]["200"]["content"]


def test_describedby_schema_types_each_attribute_as_the_layer_defines_it(
    client: FlaskClient, registry: LayerRegistry
) -> None:
    collection = client.get("/collections/buildings").get_json()
    [link] = [link for link in collection["links"] if link["rel"] == "describedby"]
    assert link["type"] == SCHEMA
    answer = _follow(client, link["href"])
    assert answer.content_type == SCHEMA
    properties = answer.get_json()["properties"]
    layer = registry.get("buildings")
    assert set(properties) == {a.name for a in layer.public_attributes()} | {"geometry"}
    assert properties["levels"]["type"] == "integer"
    assert properties["height"]["type"] == "number"
    assert properties["osm_timestamp"]["format"] == "date-time"
    assert properties[layer.key]["x-ogc-role"] == "id"
    assert properties["geometry"] == {"format": "geometry-multipolygon", "x-ogc-role": "primary-geometry"}


def test_geojson_schema_holds_the_same_attributes_inside_properties(client: FlaskClient) -> None:
    collection = client.get("/collections/buildings").get_json()
    schemas = {link["href"]: link for link in _links(collection, "describedby")}
    assert {link["type"] for link in schemas.values()} == {SCHEMA}
    [part5] = [_follow(client, h).get_json() for h in schemas if h.endswith("/schema")]
    [geojson] = [_follow(client, h).get_json() for h in schemas if h.endswith("/schema/geojson")]
    inside = geojson["properties"]["properties"]["properties"]
    assert {name: s["type"] for name, s in inside.items()} == {
        name: s["type"] for name, s in part5["properties"].items() if name != "geometry"
    }


@pytest.fixture
def restricted_app(backend: str, demo_apps: DemoApps) -> Flask:
    return demo_apps.app(backend, restricted=True)


@pytest.mark.parametrize("suffix", ["/schema", "/schema/geojson"])
def test_anonymous_schemas_name_no_restricted_attribute_and_staffs_do(
    restricted_app: Flask, suffix: str
) -> None:
    layer_id, attribute = RESTRICTED_ATTRIBUTE
    path = f"/collections/{layer_id}{suffix}"
    hidden = restricted_app.test_client().get(path)
    shown = staff_client(restricted_app).get(path)
    assert hidden.status_code == shown.status_code == 200
    assert f'"{attribute}"' not in hidden.get_data(as_text=True)
    assert f'"{attribute}"' in shown.get_data(as_text=True)
    assert "private" in shown.headers["Cache-Control"]


def test_a_restricted_layer_has_no_schema_and_no_tileset_link_for_anonymous(restricted_app: Flask) -> None:
    anonymous = restricted_app.test_client()
    for suffix in ("/schema", "/schema/geojson"):
        hidden = anonymous.get(f"/collections/{RESTRICTED_LAYER}{suffix}")
        missing = anonymous.get(f"/collections/no_such_layer{suffix}")
        assert hidden.status_code == missing.status_code == 404
        assert hidden.get_json()["detail"] == missing.get_json()["detail"].replace(
            "no_such_layer", RESTRICTED_LAYER
        )
        assert staff_client(restricted_app).get(f"/collections/{RESTRICTED_LAYER}{suffix}").status_code == 200
    for path in ("/", "/collections", "/tiles"):
        text = anonymous.get(path).get_data(as_text=True)
        assert not re.search(rf'/{RESTRICTED_LAYER}[/".?]', text), path
