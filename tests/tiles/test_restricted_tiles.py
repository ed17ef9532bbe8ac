"""Tiles per audience: staff's tiles carry restricted layers and attributes, anonymous ones never,
whichever of the two asked first and whatever ETag an anonymous client sends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import mapbox_vector_tile
import pytest
import shapely.geometry
from flask import Flask
from flask.testing import FlaskClient

from geohub.tiles.tms import WEB_MERCATOR_QUAD
from tests.features.conftest import RESTRICTED_ATTRIBUTE, RESTRICTED_LAYER, DemoApps, staff_client

LAYER, ATTRIBUTE = RESTRICTED_ATTRIBUTE  # buildings, levels
CENTRE = (76.945, 43.255)


@pytest.fixture(scope="module")
def restricted_apps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoApps]:
    """The demo on both backends read with `parking` and `buildings.levels` restricted, with a
    tile cache of their own."""
    with ExitStack() as stack:
        yield DemoApps(tmp_path_factory, stack)


@pytest.fixture
def app(backend: str, restricted_apps: DemoApps) -> Flask:
    return restricted_apps.app(backend, restricted=True)


@pytest.fixture
def anonymous(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def staff(app: Flask) -> FlaskClient:
    return staff_client(app)


def _tile_path(tileset: str, z: int, lonlat: tuple[float, float] = CENTRE) -> str:
    tile = WEB_MERCATOR_QUAD.tile(*lonlat, z)
    return f"/tiles/{tileset}/{z}/{tile.x}/{tile.y}.mvt"


def _where(staff: FlaskClient, layer_id: str, cql: str | None = None) -> tuple[float, float]:
    """Where a feature of `layer_id` (matching `cql`) lies, so its tiles surely hold it."""
    query = {"limit": 1} | ({"filter": cql} if cql else {})
    answer = staff.get(f"/collections/{layer_id}/items", query_string=query)
    assert answer.status_code == 200, answer.data[:300]
    point = shapely.geometry.shape(answer.get_json()["features"][0]["geometry"]).representative_point()
    return point.x, point.y


def _layers(client: FlaskClient, path: str, **headers: str) -> tuple[dict, str]:
    answer = client.get(path, headers=headers)
    assert answer.status_code == 200, (path, answer.data[:200])
    return mapbox_vector_tile.decode(answer.data), answer.headers["ETag"]


def _property_keys(layers: dict, layer_id: str) -> set[str]:
    assert layers[layer_id]["features"], f"no {layer_id} in the tile"
    return {key for f in layers[layer_id]["features"] for key in f["properties"]}


@pytest.mark.parametrize("first", ["staff", "anonymous"])
@pytest.mark.parametrize("tileset", [LAYER, "city"])
def test_a_tile_cached_for_one_audience_is_never_served_to_the_other(
    anonymous: FlaskClient, staff: FlaskClient, first: str, tileset: str, backend: str
) -> None:
    z = 16 if first == "staff" else 17  # each case asks for a tile nobody asked for before
    if tileset == "city":  # city: where there is parking; the buildings tileset: a building with levels
        path = _tile_path(tileset, z, _where(staff, RESTRICTED_LAYER))
    else:
        path = _tile_path(tileset, z, _where(staff, LAYER, f"{ATTRIBUTE} > 1"))
    order = [("staff", staff), ("anonymous", anonymous)]
    if first == "anonymous":
        order.reverse()
    seen: dict[str, list[tuple[dict, str]]] = {}
    for name, client in order + order:  # twice: the second time from the cache
        seen.setdefault(name, []).append(_layers(client, path))
    for name, sees in (("staff", True), ("anonymous", False)):
        for layers, _ in seen[name]:
            if tileset == "city":
                assert (RESTRICTED_LAYER in layers) is sees, name
                assert sees or ATTRIBUTE not in _property_keys(layers, LAYER)
            else:
                assert (ATTRIBUTE in _property_keys(layers, LAYER)) is sees, name
    staff_etag, anonymous_etag = seen["staff"][0][1], seen["anonymous"][0][1]
    assert staff_etag != anonymous_etag
    assert seen["staff"][1][1] == staff_etag and seen["anonymous"][1][1] == anonymous_etag
    conditional = anonymous.get(path, headers={"If-None-Match": staff_etag})
    assert conditional.status_code == 200
    assert ATTRIBUTE not in _property_keys(mapbox_vector_tile.decode(conditional.data), LAYER)
    assert RESTRICTED_LAYER not in mapbox_vector_tile.decode(conditional.data)
    assert staff.get(path, headers={"If-None-Match": staff_etag}).status_code == 304


def test_tile_headers_keep_staff_tiles_out_of_shared_caches(
    anonymous: FlaskClient, staff: FlaskClient
) -> None:
    path = _tile_path(LAYER, 15)
    public, private = anonymous.get(path), staff.get(path)
    assert public.headers["Cache-Control"] == "public, max-age=60"
    assert "private" in private.headers["Cache-Control"] and "public" not in private.headers["Cache-Control"]
    for answer in (public, private):
        assert {"Accept-Encoding", "Authorization"} <= {v.strip() for v in answer.headers["Vary"].split(",")}
        assert answer.headers["Access-Control-Allow-Origin"] == "*"


def test_cache_keeps_audiences_in_separate_folders(
    app: Flask, anonymous: FlaskClient, staff: FlaskClient
) -> None:
    tile = WEB_MERCATOR_QUAD.tile(*CENTRE, 14)
    path = f"/tiles/city/14/{tile.x}/{tile.y}.mvt"
    anonymous.get(path)
    staff.get(path)
    cache = app.extensions["geohub.tiles"].cache
    public = mapbox_vector_tile.decode(cache.read("city", "public", 14, tile.x, tile.y))
    private = mapbox_vector_tile.decode(cache.read("city", "staff", 14, tile.x, tile.y))
    assert RESTRICTED_LAYER not in public and RESTRICTED_LAYER in private
    assert (
        cache.path("city", "public", 14, tile.x, tile.y)
        == cache.root / "city" / "public" / "14" / str(tile.x) / f"{tile.y}.mvt"
    )
    dropped = cache.drop_touching("city", [(CENTRE[0] - 0.001, CENTRE[1] - 0.001, CENTRE[0], CENTRE[1])])
    assert dropped >= 2
    assert cache.read("city", "public", 14, tile.x, tile.y) is None
    assert cache.read("city", "staff", 14, tile.x, tile.y) is None


def test_restricted_layer_tiles_are_404_for_anonymous(anonymous: FlaskClient, staff: FlaskClient) -> None:
    tile = WEB_MERCATOR_QUAD.tile(*CENTRE, 14)
    for path in (
        _tile_path(RESTRICTED_LAYER, 14),
        f"/tiles/{RESTRICTED_LAYER}.json",
        f"/collections/{RESTRICTED_LAYER}/tiles/WebMercatorQuad",
        f"/collections/{RESTRICTED_LAYER}/tiles/WebMercatorQuad/14/{tile.y}/{tile.x}",
    ):
        assert anonymous.get(path).status_code == 404, path
        assert staff.get(path).status_code in (200, 204), path
    listed = {t["id"] for t in anonymous.get("/tiles").get_json()["tilesets"]}
    assert RESTRICTED_LAYER not in listed and LAYER in listed
    assert RESTRICTED_LAYER in {t["id"] for t in staff.get("/tiles").get_json()["tilesets"]}


@pytest.mark.parametrize("tileset", [LAYER, "city"])
def test_tilejson_fields_per_audience(anonymous: FlaskClient, staff: FlaskClient, tileset: str) -> None:
    hidden = {v["id"]: v for v in anonymous.get(f"/tiles/{tileset}.json").get_json()["vector_layers"]}
    shown = {v["id"]: v for v in staff.get(f"/tiles/{tileset}.json").get_json()["vector_layers"]}
    assert ATTRIBUTE not in hidden[LAYER]["fields"] and ATTRIBUTE in shown[LAYER]["fields"]
    assert RESTRICTED_LAYER not in hidden
    assert (RESTRICTED_LAYER in shown) is (tileset == "city")
    ogc = anonymous.get(f"/collections/{LAYER}/tiles/WebMercatorQuad").get_json()
    assert ATTRIBUTE not in ogc["layers"][0]["propertiesSchema"]["properties"]
