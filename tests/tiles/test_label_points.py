"""Label points: a polygon layer with `labels` gets `<id>_labels`, one point per feature, in exactly
one tile of each zoom, on both backends; the styles draw district names from it, not the polygons."""

from __future__ import annotations

import mapbox_vector_tile
import numpy as np
import pytest
import shapely
from flask import Flask
from psycopg import sql
from pyproj import Transformer

from geohub.storage.base import FeatureTable
from geohub.storage.postgis_tiles import LABEL_COLUMN
from geohub.tiles.tms import tile_bounds_3857, tiles_covering

DISTRICTS = ("districts", "districts_labels")
_TO_3857 = Transformer.from_crs(4326, 3857, always_xy=True)


def _decoded(app: Flask, tileset: str, z: int, x: int, y: int) -> dict:  # type: ignore[type-arg]
    """The tile as GET /tiles/... answers it (through the tile service and its cache, not the rate
    limit: the tests below read a few thousand tiles)."""
    data = app.extensions["geohub.tiles"].tile(tileset, z, x, y)
    return dict(mapbox_vector_tile.decode(data)) if data else {}


def _labels(app: Flask, tileset: str, z: int) -> dict[str, list[tuple[tuple[int, int, int], shapely.Point]]]:
    """Every districts label point in the tiles over the city at z: slug -> [(tile, Web Mercator point)]."""
    extent = app.extensions["geohub"].store.extent("districts")
    found: dict[str, list[tuple[tuple[int, int, int], shapely.Point]]] = {}
    for tile in tiles_covering(extent, z):
        layer = _decoded(app, tileset, *tile).get("districts_labels")
        if layer is None:
            continue
        minx, miny, maxx, maxy = tile_bounds_3857(*tile)
        size = layer["extent"]
        for feature in layer["features"]:
            assert feature["geometry"]["type"] == "Point"
            px, py = feature["geometry"]["coordinates"]
            assert 0 <= px <= size and 0 <= py <= size  # inside the tile, never in its buffer
            point = shapely.Point(minx + (maxx - minx) * px / size, miny + (maxy - miny) * py / size)
            found.setdefault(feature["properties"]["slug"], []).append((tile, point))
    return found


@pytest.mark.parametrize("z", [10, 12, 14])
def test_each_district_label_point_is_in_exactly_one_tile(tile_app: Flask, z: int) -> None:
    labels = _labels(tile_app, "districts", z)
    assert len(labels) == 8
    assert all(len(points) == 1 for points in labels.values()), {k: len(v) for k, v in labels.items()}


def test_label_points_carry_the_names_and_lie_inside_their_district(tile_app: Flask) -> None:
    (tile, point), *_ = _labels(tile_app, "districts", 12)["almaly"]
    feature = next(
        f
        for f in _decoded(tile_app, "districts", *tile)["districts_labels"]["features"]
        if f["properties"]["slug"] == "almaly"
    )
    assert feature["properties"]["name_ru"] == "Алмалинский район"
    assert set(feature["properties"]) == {"slug", "name", "name_kk", "name_ru", "name_en"}
    store = tile_app.extensions["geohub"].store
    registry = tile_app.extensions["geohub"].registry
    district = store.get(registry.layers["districts"], "almaly")
    polygon = shapely.transform(
        shapely.from_wkb(district.geometry),
        lambda xy: np.column_stack(_TO_3857.transform(xy[:, 0], xy[:, 1])),
    )
    assert polygon.contains(point)
    # the centre of the largest inscribed circle: far from every edge (about as far as any point can be)
    deepest = shapely.maximum_inscribed_circle(polygon).length
    assert polygon.boundary.distance(point) > 0.95 * deepest


def test_both_backends_place_the_label_points_alike(tile_apps: dict[str, Flask]) -> None:
    """GEOS searches the inscribed circle's centre to 1/1000 of the polygon's size on both; PostGIS's
    GEOS (3.11) and shapely's (3.14) end their searches in different cells, up to ~3 of those apart:
    29 m on a 9 km district, 52 m on a 30 km one, under a pixel at z12."""
    found = {backend: _labels(app, "city", 12) for backend, app in tile_apps.items()}
    assert set(found["geopackage"]) == set(found["postgis"])
    store = tile_apps["geopackage"].extensions["geohub"].store
    districts = tile_apps["geopackage"].extensions["geohub"].registry.layers["districts"]
    for slug, [(tile, point)] in found["postgis"].items():
        [(other_tile, other_point)] = found["geopackage"][slug]
        assert tile == other_tile, slug
        west, south, east, north = shapely.from_wkb(store.get(districts, slug).geometry).bounds
        (x0, x1), (y0, y1) = _TO_3857.transform([west, east], [south, north])
        tolerance = max(x1 - x0, y1 - y0) / 1000
        quantum = (tile_bounds_3857(*tile)[2] - tile_bounds_3857(*tile)[0]) / 4096
        assert point.distance(other_point) <= 4 * tolerance + 2 * quantum, slug


def test_basemap_and_city_tiles_carry_the_label_points(tile_app: Flask) -> None:
    for tileset in ("basemap", "city"):
        assert len(_labels(tile_app, tileset, 10)) == 8, tileset


def test_tilejson_lists_the_label_layer(tile_app: Flask) -> None:
    for tileset in ("districts", "city", "basemap"):
        document = tile_app.test_client().get(f"/tiles/{tileset}.json").get_json()
        layers = {layer["id"]: layer for layer in document["vector_layers"]}
        assert set(layers["districts_labels"]["fields"]) == {"slug", "name", "name_kk", "name_ru", "name_en"}
    ogc = tile_app.test_client().get("/collections/districts/tiles/WebMercatorQuad").get_json()
    assert [layer["id"] for layer in ogc["layers"]] == list(DISTRICTS)
    assert ogc["layers"][1]["geometryDimension"] == 0


def test_postgis_stores_label_points_only_for_layers_that_ask(tile_apps: dict[str, Flask]) -> None:
    store = tile_apps["postgis"].extensions["geohub"].store
    with store.connection() as conn:
        rows = dict(
            conn.execute(
                "SELECT v.layer_id, EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = "
                "to_regclass(format('geohub.%%I', v.table_name)) AND a.attname = %s) "
                "FROM geohub.layer_versions v WHERE v.is_current",
                (LABEL_COLUMN,),
            ).fetchall()
        )
    assert rows["districts"] and rows["green_spaces"]
    assert not rows["buildings"] and not rows["addresses"]


@pytest.mark.parametrize("style_id", ["basemap", "city", "districts", "city-high-contrast"])
def test_no_style_labels_districts_from_the_polygons(tile_apps: dict[str, Flask], style_id: str) -> None:
    style = tile_apps["geopackage"].test_client().get(f"/styles/{style_id}.json").get_json()
    symbols = {layer["source-layer"] for layer in style["layers"] if layer["type"] == "symbol"}
    assert "districts_labels" in symbols
    assert "districts" not in symbols and "green_spaces" not in symbols


def test_a_changed_district_drops_the_cached_tile_of_its_label_point(tile_app: Flask) -> None:
    """Publishing drops the tiles a changed feature's box touches: its label point lies in that box."""
    store = tile_app.extensions["geohub"].store
    districts = tile_app.extensions["geohub"].registry.layers["districts"]
    tiles = tile_app.extensions["geohub.tiles"]
    box = shapely.from_wkb(store.get(districts, "medeu").geometry).bounds
    for tileset in ("districts", "city", "basemap"):
        [(tile, _)] = _labels(tile_app, tileset, 12)["medeu"]
        assert tiles.cache.read(tileset, "public", *tile) is not None
        tiles.drop_changed_tiles("districts", [box])
        assert tiles.cache.read(tileset, "public", *tile) is None, tileset


def test_only_features_with_a_name_get_a_label_point(tile_apps: dict[str, Flask]) -> None:
    """Green spaces without a name have nothing to label: no point for them, on both backends."""
    for backend, app in tile_apps.items():
        extent = app.extensions["geohub"].store.extent("green_spaces")
        features = [
            feature
            for tile in tiles_covering(extent, 12)
            for feature in _decoded(app, "green_spaces", *tile)
            .get("green_spaces_labels", {})
            .get("features", [])
        ]
        assert features, backend
        assert all({"name", "name_kk", "name_ru", "name_en"} & set(f["properties"]) for f in features), (
            backend
        )
        assert len(features) == len({f["id"] for f in features}), backend


def test_an_edit_keeps_the_stored_label_points(tile_apps: dict[str, Flask]) -> None:
    """A version derived from another (an edit: new rows written, the rest copied over) computes the
    generated label points of both kinds of row on PostGIS."""
    services = tile_apps["postgis"].extensions["geohub"]
    store, districts = services.store, services.registry.layers["districts"]
    current = store.current_version("districts")
    assert current is not None
    edited = store.get(districts, "almaly")
    upserts = FeatureTable(
        geometries=np.array([shapely.from_wkb(edited.geometry)], dtype=object),
        columns={a.name: [edited.properties.get(a.name)] for a in districts.attributes},
    )
    version = store.write_derived_version(districts, current.version, upserts, [], publish=False)
    try:
        with store.connection() as conn:
            table = conn.execute(
                "SELECT table_name FROM geohub.layer_versions WHERE layer_id = 'districts' AND version = %s",
                (version.version,),
            ).fetchone()[0]
            counted = conn.execute(
                sql.SQL("SELECT count(*), count({}) FROM {}").format(
                    sql.Identifier(LABEL_COLUMN), sql.Identifier("geohub", table)
                )
            ).fetchone()
        assert counted == (8, 8)
    finally:
        store.delete_version("districts", version.version)
