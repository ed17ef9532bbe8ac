"""OGC API – Features over HTTP (Flask test client) on both backends, compared with references:
the stored features, shapely for CQL2 and bbox, pyproj for CRS, the layer definitions for metadata."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

import numpy as np
import pytest
import shapely
from flask.testing import FlaskClient
from pyproj import Transformer

from geohub.layers.registry import LayerRegistry
from tests.conftest import BACKENDS
from tests.features.conftest import RESTRICTED_ATTRIBUTE, RESTRICTED_LAYER, DemoApps, StoredFeature

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"
OFFERED_CRS = [CRS84, EPSG.format(4326), EPSG.format(3857), EPSG.format(32643)]
BASE = "http://localhost"  # the in-process apps link to the test client's host (no public_url)
ALMALY_CENTRE = (76.92, 43.23, 76.95, 43.26)
RING = [(76.92, 43.23), (76.96, 43.235), (76.95, 43.27), (76.915, 43.26), (76.92, 43.23)]
JSON_SCHEMA_TYPES = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
}


def get_json(client: FlaskClient, path: str, **params: Any) -> Any:
    response = client.get(f"{path}?{urlencode(params)}" if params else path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json(force=True)


def matching_ids(client: FlaskClient, layer_id: str, **params: Any) -> list[str]:
    page = get_json(client, f"/collections/{layer_id}/items", limit=10_000, skipGeometry="true", **params)
    assert page["numberMatched"] == page["numberReturned"] == len(page["features"])
    return sorted(f["id"] for f in page["features"])


def reference_ids(features: list[StoredFeature], keep: Callable[[StoredFeature], bool]) -> list[str]:
    return sorted(f.id for f in features if keep(f))


# items ---------------------------------------------------------------------------------------------


def test_items_are_geojson_with_match_and_return_counts(
    client: FlaskClient, demo_apps: DemoApps, backend: str
) -> None:
    response = client.get("/collections/addresses/items?limit=7")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    page = response.get_json(force=True)
    assert page["type"] == "FeatureCollection"
    assert page["numberMatched"] == len(demo_apps.reference(backend, "addresses")) == 717
    assert page["numberReturned"] == len(page["features"]) == 7
    assert page["features"][0]["type"] == "Feature"


def test_default_page_is_ten_features_and_hits_only_counts(client: FlaskClient) -> None:
    assert get_json(client, "/collections/buildings/items")["numberReturned"] == 10
    hits = get_json(client, "/collections/buildings/items", resulttype="hits", filter="district='medeu'")
    assert hits["features"] == [] and hits["numberReturned"] == 0
    assert hits["numberMatched"] == len(matching_ids(client, "buildings", filter="district='medeu'"))


def test_a_feature_by_id_is_the_feature_listed(
    client: FlaskClient, demo_apps: DemoApps, backend: str
) -> None:
    listed = get_json(client, "/collections/buildings/items", limit=5, offset=100)["features"]
    stored = {f.id: f for f in demo_apps.reference(backend, "buildings")}
    for feature in listed:
        response = client.get(f"/collections/buildings/items/{feature['id']}")
        assert response.status_code == 200
        assert response.mimetype == "application/geo+json"
        single = response.get_json(force=True)
        assert single["id"] == feature["id"]
        assert single["properties"] == feature["properties"] == stored[feature["id"]].properties
        assert shapely.geometry.shape(single["geometry"]).equals_exact(stored[feature["id"]].geometry, 1e-9)


@pytest.mark.parametrize("feature_id", ["w1", "n0", "does-not-exist", "r418072x"])
def test_an_unknown_feature_id_is_404(client: FlaskClient, feature_id: str) -> None:
    response = client.get(f"/collections/buildings/items/{feature_id}")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json(force=True)["type"].endswith("/feature-not-found")


def test_properties_selects_and_orders_the_properties(client: FlaskClient) -> None:
    features = get_json(client, "/collections/addresses/items", limit=20, properties="street,housenumber")[
        "features"
    ]
    assert [list(f["properties"]) for f in features] == [["street", "housenumber"]] * 20
    assert all(f["geometry"] is not None for f in features)


def test_skip_geometry_leaves_geometry_out(client: FlaskClient) -> None:
    features = get_json(client, "/collections/buildings/items", limit=20, skipGeometry="true")["features"]
    assert len(features) == 20 and all(f["geometry"] is None for f in features)
    assert all("osm_ref" in f["properties"] for f in features)


@pytest.mark.parametrize(
    ("sortby", "descending"), [("area_m2", False), ("+area_m2", False), ("-area_m2", True)]
)
def test_sortby_orders_by_the_property(
    client: FlaskClient, demo_apps: DemoApps, backend: str, sortby: str, descending: bool
) -> None:
    page = get_json(client, "/collections/buildings/items", limit=10_000, skipGeometry="true", sortby=sortby)
    values = [f["properties"]["area_m2"] for f in page["features"]]
    stored = [f.properties["area_m2"] for f in demo_apps.reference(backend, "buildings")]
    assert None not in stored
    assert values == sorted(stored, reverse=descending)


def test_sortby_on_two_keys_and_paging_keep_one_order(client: FlaskClient) -> None:
    whole = get_json(
        client, "/collections/buildings/items", limit=600, skipGeometry="true", sortby="district,-area_m2"
    )
    pages = [
        get_json(
            client,
            "/collections/buildings/items",
            limit=100,
            offset=o,
            skipGeometry="true",
            sortby="district,-area_m2",
        )
        for o in range(0, 600, 100)
    ]
    assert [f["id"] for p in pages for f in p["features"]] == [f["id"] for f in whole["features"]]
    keys = [(f["properties"]["district"] or "\uffff", -f["properties"]["area_m2"]) for f in whole["features"]]
    assert keys == sorted(keys)


# CRS (Part 2) ----------------------------------------------------------------------------------------


def _coordinates(feature: dict[str, Any]) -> np.ndarray:
    return shapely.get_coordinates(shapely.geometry.shape(feature["geometry"]))


@pytest.mark.parametrize("layer_id", ["addresses", "buildings", "roads"])
@pytest.mark.parametrize(
    ("crs", "code", "tolerance"),
    [("EPSG:4326", 4326, 1e-9), ("EPSG:3857", 3857, 1e-4), (EPSG.format(32643), 32643, 1e-4)],
)
def test_crs_coordinates_equal_pyproj_transform(
    client: FlaskClient, layer_id: str, crs: str, code: int, tolerance: float
) -> None:
    lonlat = client.get(f"/collections/{layer_id}/items?limit=50&offset=30")
    projected = client.get(
        f"/collections/{layer_id}/items?{urlencode({'limit': 50, 'offset': 30, 'crs': crs})}"
    )
    assert lonlat.headers["Content-Crs"] == f"<{CRS84}>"
    assert projected.headers["Content-Crs"] == f"<{EPSG.format(code)}>"
    transformer = Transformer.from_crs("OGC:CRS84", f"EPSG:{code}", always_xy=False)
    features = lonlat.get_json(force=True)["features"]
    for feature, other in zip(features, projected.get_json(force=True)["features"], strict=True):
        assert other["id"] == feature["id"] and other["properties"] == feature["properties"]
        source = _coordinates(feature)
        expected = np.column_stack(transformer.transform(source[:, 0], source[:, 1]))
        np.testing.assert_allclose(_coordinates(other), expected, rtol=0, atol=tolerance)


def test_crs_4326_puts_latitude_first(client: FlaskClient) -> None:
    feature = get_json(client, "/collections/addresses/items", limit=1, crs="EPSG:4326")["features"][0]
    lat, lon = feature["geometry"]["coordinates"]
    assert 43 < lat < 44 and 76 < lon < 78


@pytest.mark.parametrize("crs", ["EPSG:3857", "EPSG:32643", EPSG.format(4326)])
def test_a_single_feature_in_another_crs(client: FlaskClient, crs: str) -> None:
    feature = get_json(client, "/collections/buildings/items/w27064510")
    response = client.get(f"/collections/buildings/items/w27064510?{urlencode({'crs': crs})}")
    code = crs.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
    assert response.headers["Content-Crs"] == f"<{EPSG.format(code)}>"
    transformer = Transformer.from_crs("OGC:CRS84", f"EPSG:{code}", always_xy=False)
    source = _coordinates(feature)
    expected = np.column_stack(transformer.transform(source[:, 0], source[:, 1]))
    np.testing.assert_allclose(_coordinates(response.get_json(force=True)), expected, rtol=0, atol=1e-4)


@pytest.mark.parametrize("code", [4326, 3857, 32643])
def test_bbox_crs_selects_the_features_of_the_same_area(
    client: FlaskClient, demo_apps: DemoApps, backend: str, code: int
) -> None:
    stored = demo_apps.reference(backend, "buildings")
    in_lonlat = matching_ids(client, "buildings", bbox=",".join(map(str, ALMALY_CENTRE)))
    assert in_lonlat == reference_ids(stored, lambda f: f.geometry.intersects(shapely.box(*ALMALY_CENTRE)))
    to_crs = Transformer.from_crs("OGC:CRS84", f"EPSG:{code}", always_xy=False)
    bbox = to_crs.transform_bounds(*ALMALY_CENTRE, densify_pts=21)
    in_crs = matching_ids(client, "buildings", bbox=",".join(map(repr, bbox)), **{"bbox-crs": f"EPSG:{code}"})
    if code != 32643:  # lon/lat rectangles are rectangles in EPSG:4326 and 3857 too
        assert in_crs == in_lonlat
        return
    # a UTM rectangle is not one in lon/lat: the server reads it as its lon/lat bounds
    bounds = Transformer.from_crs(f"EPSG:{code}", "OGC:CRS84", always_xy=False).transform_bounds(
        *bbox, densify_pts=21
    )
    assert in_crs == reference_ids(stored, lambda f: f.geometry.intersects(shapely.box(*bounds)))
    assert set(in_lonlat) < set(in_crs)


def test_every_collection_lists_its_crs_and_storage_crs(client: FlaskClient) -> None:
    for collection in get_json(client, "/collections")["collections"]:
        assert collection["crs"] == OFFERED_CRS
        assert collection["storageCrs"] == CRS84
    single = get_json(client, "/collections/roads")
    assert single["crs"] == OFFERED_CRS and single["storageCrs"] == CRS84


# CQL2 (Part 3) ---------------------------------------------------------------------------------------


def _like(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern), re.S)


def _value(name: str) -> Callable[[StoredFeature], Any]:
    return lambda f: f.properties[name]


def _prop(name: str) -> dict[str, str]:
    return {"property": name}


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


POLYGON_WKT = "POLYGON((" + ", ".join(f"{x} {y}" for x, y in RING) + "))"
POLYGON_JSON = {"type": "Polygon", "coordinates": [[list(p) for p in RING]]}
POLYGON = shapely.Polygon(RING)
POINT = (76.93, 43.25)
district = _value("district")
area = _value("area_m2")
name = _value("name")

CQL2_CASES: list[tuple[str, str, str, Any, Callable[[StoredFeature], bool]]] = [
    (
        "eq",
        "buildings",
        "district = 'almaly'",
        {"op": "=", "args": [_prop("district"), "almaly"]},
        lambda f: district(f) == "almaly",
    ),
    (
        "ne",
        "buildings",
        "district <> 'almaly'",
        {"op": "<>", "args": [_prop("district"), "almaly"]},
        lambda f: district(f) is not None and district(f) != "almaly",
    ),
    (
        "lt",
        "buildings",
        "area_m2 < 100",
        {"op": "<", "args": [_prop("area_m2"), 100]},
        lambda f: area(f) < 100,
    ),
    (
        "gt",
        "buildings",
        "levels > 4",
        {"op": ">", "args": [_prop("levels"), 4]},
        lambda f: f.properties["levels"] is not None and f.properties["levels"] > 4,
    ),
    (
        "le-and-ge",
        "buildings",
        "area_m2 >= 5000 AND area_m2 <= 6000",
        {
            "op": "and",
            "args": [
                {"op": ">=", "args": [_prop("area_m2"), 5000]},
                {"op": "<=", "args": [_prop("area_m2"), 6000]},
            ],
        },
        lambda f: 5000 <= area(f) <= 6000,
    ),
    (
        "like",
        "buildings",
        "name LIKE '%школа%'",
        {"op": "like", "args": [_prop("name"), "%школа%"]},
        lambda f: name(f) is not None and bool(_like("%школа%").fullmatch(name(f))),
    ),
    (
        "like-one-char",
        "buildings",
        "housenumber LIKE '1_'",
        {"op": "like", "args": [_prop("housenumber"), "1_"]},
        lambda f: (
            f.properties["housenumber"] is not None
            and bool(_like("1_").fullmatch(f.properties["housenumber"]))
        ),
    ),
    (
        "in",
        "buildings",
        "district IN ('medeu', 'bostandyk')",
        {"op": "in", "args": [_prop("district"), ["medeu", "bostandyk"]]},
        lambda f: district(f) in ("medeu", "bostandyk"),
    ),
    (
        "not-in",
        "buildings",
        "district NOT IN ('medeu', 'bostandyk')",
        {"op": "not", "args": [{"op": "in", "args": [_prop("district"), ["medeu", "bostandyk"]]}]},
        lambda f: district(f) is not None and district(f) not in ("medeu", "bostandyk"),
    ),
    (
        "between",
        "buildings",
        "area_m2 BETWEEN 1000 AND 2000",
        {"op": "between", "args": [_prop("area_m2"), 1000, 2000]},
        lambda f: 1000 <= area(f) <= 2000,
    ),
    (
        "is-null",
        "buildings",
        "name IS NULL",
        {"op": "isNull", "args": [_prop("name")]},
        lambda f: name(f) is None,
    ),
    (
        "is-not-null",
        "buildings",
        "name IS NOT NULL",
        {"op": "not", "args": [{"op": "isNull", "args": [_prop("name")]}]},
        lambda f: name(f) is not None,
    ),
    (
        "casei-eq",
        "buildings",
        "CASEI(district) = CASEI('ALMALY')",
        {
            "op": "=",
            "args": [{"op": "casei", "args": [_prop("district")]}, {"op": "casei", "args": ["ALMALY"]}],
        },
        lambda f: district(f) is not None and district(f).lower() == "almaly",
    ),
    (
        "casei-like",
        "buildings",
        "CASEI(name) LIKE CASEI('%ШКОЛА%')",
        {
            "op": "like",
            "args": [{"op": "casei", "args": [_prop("name")]}, {"op": "casei", "args": ["%ШКОЛА%"]}],
        },
        lambda f: name(f) is not None and bool(_like("%школа%").fullmatch(name(f).lower())),
    ),
    (
        "or-and",
        "buildings",
        "(district = 'medeu' OR district = 'turksib') AND area_m2 > 1000",
        {
            "op": "and",
            "args": [
                {
                    "op": "or",
                    "args": [
                        {"op": "=", "args": [_prop("district"), "medeu"]},
                        {"op": "=", "args": [_prop("district"), "turksib"]},
                    ],
                },
                {"op": ">", "args": [_prop("area_m2"), 1000]},
            ],
        },
        lambda f: district(f) in ("medeu", "turksib") and area(f) > 1000,
    ),
    (
        "timestamp",
        "buildings",
        "osm_timestamp >= TIMESTAMP('2012-01-01T00:00:00Z')",
        {"op": ">=", "args": [_prop("osm_timestamp"), {"timestamp": "2012-01-01T00:00:00Z"}]},
        lambda f: _when(f.properties["osm_timestamp"]) >= _when("2012-01-01T00:00:00Z"),
    ),
    (
        "values-enum",
        "addresses",
        "origin = 'building'",
        {"op": "=", "args": [_prop("origin"), "building"]},
        lambda f: f.properties["origin"] == "building",
    ),
    (
        "s-intersects-bbox",
        "buildings",
        "S_INTERSECTS(geometry, BBOX({}, {}, {}, {}))".format(*ALMALY_CENTRE),
        {"op": "s_intersects", "args": [_prop("geometry"), {"bbox": list(ALMALY_CENTRE)}]},
        lambda f: f.geometry.intersects(shapely.box(*ALMALY_CENTRE)),
    ),
    (
        "s-intersects-point",
        "districts",
        "S_INTERSECTS(geometry, POINT({} {}))".format(*POINT),
        {"op": "s_intersects", "args": [_prop("geometry"), {"type": "Point", "coordinates": list(POINT)}]},
        lambda f: f.geometry.intersects(shapely.Point(POINT)),
    ),
    (
        "s-intersects-polygon",
        "buildings",
        f"S_INTERSECTS(geometry, {POLYGON_WKT})",
        {"op": "s_intersects", "args": [_prop("geometry"), POLYGON_JSON]},
        lambda f: f.geometry.intersects(POLYGON),
    ),
    (
        "s-within-polygon",
        "buildings",
        f"S_WITHIN(geometry, {POLYGON_WKT})",
        {"op": "s_within", "args": [_prop("geometry"), POLYGON_JSON]},
        lambda f: f.geometry.within(POLYGON),
    ),
    (
        "s-within-polygon-points",
        "addresses",
        f"S_WITHIN(geometry, {POLYGON_WKT})",
        {"op": "s_within", "args": [_prop("geometry"), POLYGON_JSON]},
        lambda f: f.geometry.within(POLYGON),
    ),
    (
        "spatial-and-attribute",
        "buildings",
        f"S_INTERSECTS(geometry, {POLYGON_WKT}) AND building <> 'yes'",
        {
            "op": "and",
            "args": [
                {"op": "s_intersects", "args": [_prop("geometry"), POLYGON_JSON]},
                {"op": "<>", "args": [_prop("building"), "yes"]},
            ],
        },
        lambda f: f.geometry.intersects(POLYGON) and f.properties["building"] != "yes",
    ),
]


@pytest.mark.parametrize("language", ["cql2-text", "cql2-json"])
@pytest.mark.parametrize(
    ("layer_id", "text", "document", "keep"), [c[1:] for c in CQL2_CASES], ids=[c[0] for c in CQL2_CASES]
)
def test_cql2_filter_selects_what_shapely_and_python_select(
    demo_apps: DemoApps,
    language: str,
    layer_id: str,
    text: str,
    document: Any,
    keep: Callable[[StoredFeature], bool],
) -> None:
    cql2 = text if language == "cql2-text" else json.dumps(document)
    results = {}
    for backend in BACKENDS:
        expected = reference_ids(demo_apps.reference(backend, layer_id), keep)
        assert 0 < len(expected) < len(demo_apps.reference(backend, layer_id))  # the case tells something
        results[backend] = matching_ids(
            demo_apps.client(backend), layer_id, filter=cql2, **{"filter-lang": language}
        )
        assert results[backend] == expected
    assert results["geopackage"] == results["postgis"]


def test_filter_and_queryable_parameters_and_bbox_combine(
    client: FlaskClient, demo_apps: DemoApps, backend: str
) -> None:
    ids = matching_ids(
        client, "buildings", filter="area_m2 > 500", district="almaly", bbox=",".join(map(str, ALMALY_CENTRE))
    )
    box = shapely.box(*ALMALY_CENTRE)
    expected = reference_ids(
        demo_apps.reference(backend, "buildings"),
        lambda f: area(f) > 500 and district(f) == "almaly" and f.geometry.intersects(box),
    )
    assert ids == expected and expected


# queryables ------------------------------------------------------------------------------------------


def test_queryables_list_the_public_attributes_and_geometry_with_json_types(
    client: FlaskClient, registry: LayerRegistry
) -> None:
    for layer in registry:
        response = client.get(f"/collections/{layer.id}/queryables")
        assert response.status_code == 200
        assert response.mimetype == "application/schema+json"
        document = response.get_json(force=True)
        assert document["type"] == "object"
        assert document["$id"] == f"{BASE}/collections/{layer.id}/queryables"
        properties = document["properties"]
        assert list(properties) == ["geometry", *(a.name for a in layer.public_attributes())]
        assert properties["geometry"]["format"] == f"geometry-{layer.geometry_type.value.lower()}"
        for attribute in layer.public_attributes():
            schema = properties[attribute.name]
            assert {k: schema[k] for k in ("type", "format") if k in schema} == JSON_SCHEMA_TYPES[
                attribute.type
            ]
            if attribute.allowed_values:
                assert schema["enum"] == list(attribute.allowed_values)


# datetime --------------------------------------------------------------------------------------------


def _in(start: str | None, end: str | None) -> Callable[[StoredFeature], bool]:
    def keep(feature: StoredFeature) -> bool:
        value = feature.properties["osm_timestamp"]
        if value is None:
            return False
        moment = _when(value)
        return (start is None or moment >= _when(start)) and (end is None or moment <= _when(end))

    return keep


@pytest.mark.parametrize(
    ("value", "keep"),
    [
        ("2010-02-26T16:26:35Z", _in("2010-02-26T16:26:35Z", "2010-02-26T16:26:35Z")),
        ("2010-02-26T22:26:35+06:00", _in("2010-02-26T16:26:35Z", "2010-02-26T16:26:35Z")),
        ("2010-01-01T00:00:00Z/2010-06-30T23:59:59Z", _in("2010-01-01T00:00:00Z", "2010-06-30T23:59:59Z")),
        ("../2009-06-01T00:00:00Z", _in(None, "2009-06-01T00:00:00Z")),
        ("2012-01-01T00:00:00Z/..", _in("2012-01-01T00:00:00Z", None)),
        ("2012-01-01T00:00:00Z/", _in("2012-01-01T00:00:00Z", None)),
    ],
    ids=["instant", "instant-with-offset", "closed", "open-start", "open-end", "open-end-empty"],
)
def test_datetime_selects_by_the_temporal_property(
    client: FlaskClient, demo_apps: DemoApps, backend: str, value: str, keep: Callable[[StoredFeature], bool]
) -> None:
    expected = reference_ids(demo_apps.reference(backend, "buildings"), keep)
    assert expected
    assert matching_ids(client, "buildings", datetime=value) == expected


# languages -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
@pytest.mark.parametrize("how", ["accept-language", "lang"])
def test_collection_titles_and_descriptions_in_each_language(
    client: FlaskClient, registry: LayerRegistry, language: str, how: str
) -> None:
    headers = {"Accept-Language": f"{language};q=0.9, fr;q=0.5"} if how == "accept-language" else {}
    query = f"?lang={language}" if how == "lang" else ""
    collections = client.get(f"/collections{query}", headers=headers).get_json(force=True)["collections"]
    assert len(collections) == len(registry)
    for collection in collections:
        layer = registry.get(collection["id"])
        assert collection["title"] == getattr(layer.title, language)
        assert collection["description"] == getattr(layer.description, language)
    single = client.get(f"/collections/buildings{query}", headers=headers).get_json(force=True)
    assert single["title"] == getattr(registry.get("buildings").title, language)
    queryables = client.get(f"/collections/buildings/queryables{query}", headers=headers).get_json(force=True)
    assert queryables["title"] == getattr(registry.get("buildings").title, language)


def test_lang_parameter_wins_over_accept_language(client: FlaskClient, registry: LayerRegistry) -> None:
    document = client.get("/collections/buildings?lang=kk", headers={"Accept-Language": "ru"}).get_json(
        force=True
    )
    assert document["title"] == registry.get("buildings").title.kk


# restricted layers and attributes --------------------------------------------------------------------


def _restricted_feature_id(demo_apps: DemoApps, backend: str) -> str:
    return demo_apps.reference(backend, RESTRICTED_LAYER)[0].id


@pytest.mark.parametrize(
    "path",
    [
        "/collections/{layer}",
        "/collections/{layer}?f=html",
        "/collections/{layer}/queryables",
        "/collections/{layer}/items",
        "/collections/{layer}/items?f=html",
        "/collections/{layer}/items?f=csv",
        "/collections/{layer}/items/{feature}",
        "/collections/{layer}/items/{feature}?f=html",
        "/collections/{layer}/download.gpkg",
        "/collections/{layer}/download.geojson",
        "/collections/{layer}/download.csv",
    ],
)
def test_a_restricted_layer_is_404_for_anonymous_readers(
    restricted_client: FlaskClient, demo_apps: DemoApps, backend: str, path: str
) -> None:
    feature = _restricted_feature_id(demo_apps, backend)
    public = demo_apps.client(backend).get(path.format(layer=RESTRICTED_LAYER, feature=feature))
    assert public.status_code == 200  # the data is there: only the definition hides it
    hidden = restricted_client.get(path.format(layer=RESTRICTED_LAYER, feature=feature))
    missing = restricted_client.get(path.format(layer="no_such_layer", feature=feature))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.mimetype == missing.mimetype == "application/problem+json"
    hidden_body, missing_body = hidden.get_json(force=True), missing.get_json(force=True)
    # answered exactly as a layer that does not exist
    assert hidden_body["type"] == missing_body["type"] and hidden_body["title"] == missing_body["title"]
    assert hidden_body["detail"].replace(RESTRICTED_LAYER, "?") == missing_body["detail"].replace(
        "no_such_layer", "?"
    )


def test_a_restricted_layer_is_not_in_the_collections_list(restricted_client: FlaskClient) -> None:
    ids = [c["id"] for c in get_json(restricted_client, "/collections")["collections"]]
    assert RESTRICTED_LAYER not in ids
    assert "parking_points" in ids and len(ids) == 17


@pytest.mark.parametrize(
    "path", ["/collections?f=html", "/collections?f=jsonld", "/openapi", "/openapi?f=html", "/?f=html"]
)
def test_a_restricted_layer_is_not_named_in_any_document(restricted_client: FlaskClient, path: str) -> None:
    response = restricted_client.get(path)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert not re.search(rf"/collections/{RESTRICTED_LAYER}(?!\w)", text)
    assert "Parking lots" not in text


def test_a_restricted_attribute_is_never_shown_nor_queryable(restricted_client: FlaskClient) -> None:
    layer_id, attribute = RESTRICTED_ATTRIBUTE
    queryables = get_json(restricted_client, f"/collections/{layer_id}/queryables")
    assert attribute not in queryables["properties"]
    page = get_json(restricted_client, f"/collections/{layer_id}/items", limit=10_000, skipGeometry="true")
    assert all(attribute not in f["properties"] for f in page["features"])
    single = get_json(restricted_client, f"/collections/{layer_id}/items/{page['features'][0]['id']}")
    assert attribute not in single["properties"]
    for query in (
        {"filter": f"{attribute} > 1"},
        {"sortby": attribute},
        {"properties": attribute},
        {attribute: "5"},
    ):
        response = restricted_client.get(f"/collections/{layer_id}/items?{urlencode(query)}")
        assert response.status_code == 400, query
        assert response.mimetype == "application/problem+json"


# CORS ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/collections", "/collections/buildings/items?limit=1", "/collections/nope"]
)
def test_cors_allows_any_origin_to_read(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers={"Origin": "https://maps.example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Content-Crs" in response.headers["Access-Control-Expose-Headers"]


def test_cors_preflight_is_answered(client: FlaskClient) -> None:
    response = client.options(
        "/collections/buildings/items",
        headers={
            "Origin": "https://maps.example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "Accept-Language, X-Request-ID",
        },
    )
    assert response.status_code in (200, 204)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert "Accept-Language" in response.headers["Access-Control-Allow-Headers"]


# documents that link elsewhere -------------------------------------------------------------------------


def _local(href: str) -> str:
    parts = urlsplit(href)
    return f"{parts.path or '/'}?{parts.query}" if parts.query else parts.path or "/"


@pytest.mark.parametrize(
    "document",
    ["/", "/collections", "/collections/buildings", "/collections/buildings/items?limit=2&offset=2"],
)
def test_every_link_answers_with_the_media_type_it_announces(client: FlaskClient, document: str) -> None:
    """Each link to GeoHub itself, fetched as its `type` asks, is a 200 of that type."""
    wrong = []
    for link in get_json(client, document)["links"]:
        if not link["href"].startswith(BASE):
            continue
        response = client.get(_local(link["href"]), headers={"Accept": link["type"]})
        if response.status_code != 200 or response.mimetype != link["type"].split(";")[0]:
            wrong.append((link["rel"], link["type"], link["href"], response.status_code, response.mimetype))
    assert wrong == []


TILE_ADDRESS = {
    "tilesetId": "buildings",
    "tileMatrixSetId": "WebMercatorQuad",
    "z": "15",
    "x": "23387",
    "y": "12008",
    "tileMatrix": "15",
    "tileRow": "12008",
    "tileCol": "23387",
}


def test_every_path_in_the_openapi_document_is_served(client: FlaskClient) -> None:
    paths = get_json(client, "/openapi")["paths"]
    unserved = []
    for path, operations in paths.items():
        if "get" not in operations:
            continue
        concrete = path.replace("{collectionId}", "buildings").replace("{featureId}", "w27064510")
        for name, value in TILE_ADDRESS.items():  # a tile of central Almaty, zoom 15
            concrete = concrete.replace(f"{{{name}}}", value)
        for parameter in operations["get"].get("parameters", []):
            if "example" in parameter:  # a value the document gives as served (styles, fonts, files)
                concrete = concrete.replace(f"{{{parameter['name']}}}", str(parameter["example"]))
        concrete = re.sub(r"\{\w+\}", "x", concrete.replace("{importId}", "1"))
        response = client.get(concrete)
        # a route that is not there is the router's generic 404; a thing that is not there (a
        # report 'x') is the route's own, typed 404
        body = response.get_json()  # Open311 answers its errors as its spec's list, not problem+json
        if response.status_code == 404 and isinstance(body, dict) and body["type"].endswith("/not-found"):
            unserved.append(concrete)
    assert unserved == []
