"""Bad input across every endpoint: always a 4xx problem+json in the reader's language, never a 5xx.

Also one test per gap of stock pygeoapi 0.21 that GeoHub closes."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote, unquote, urlencode

import pytest
from flask.testing import FlaskClient

from tests.conftest import BACKENDS
from tests.features.conftest import DemoApps, LiveServer

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}
ITEMS = "/collections/buildings/items"
ITEM = "/collections/buildings/items/w27064510"
ENDPOINTS = [
    "/",
    "/conformance",
    "/collections",
    "/collections/buildings",
    "/collections/buildings/queryables",
    ITEMS,
    ITEM,
    "/openapi",
]
BINARY = bytes(range(256)) * 4096  # 1 MiB


def _q(path: str, **params: str) -> str:
    return f"{path}?{urlencode(params)}"


def _json_filter(document: Any) -> str:
    return _q(ITEMS, **{"filter-lang": "cql2-json", "filter": json.dumps(document)})


Case = tuple[str, str, bytes | None]
CASES: dict[str, Case] = {
    # unknown collection, on every collection endpoint
    "unknown-collection": ("GET", "/collections/no_such_layer", None),
    "unknown-collection-queryables": ("GET", "/collections/no_such_layer/queryables", None),
    "unknown-collection-items": ("GET", "/collections/no_such_layer/items", None),
    "unknown-collection-item": ("GET", "/collections/no_such_layer/items/w1", None),
    "unknown-path": ("GET", "/collections/buildings/nothing", None),
    # bbox
    "bbox-3-numbers": ("GET", _q(ITEMS, bbox="76.9,43.2,77.0"), None),
    "bbox-5-numbers": ("GET", _q(ITEMS, bbox="76.9,43.2,77.0,43.3,1"), None),
    "bbox-not-numbers": ("GET", _q(ITEMS, bbox="a,b,c,d"), None),
    "bbox-nan": ("GET", _q(ITEMS, bbox="nan,43.2,77.0,43.3"), None),
    "bbox-inf": ("GET", _q(ITEMS, bbox="76.9,43.2,inf,43.3"), None),
    "bbox-minus-inf": ("GET", _q(ITEMS, bbox="-inf,-inf,77.0,43.3"), None),
    "bbox-min-above-max": ("GET", _q(ITEMS, bbox="77.0,43.2,76.9,43.3"), None),
    "bbox-outside-the-earth": ("GET", _q(ITEMS, bbox="-200,43.2,76.9,43.3"), None),
    "bbox-crs-without-bbox": ("GET", _q(ITEMS, **{"bbox-crs": "EPSG:3857"}), None),
    # paging
    "limit-negative": ("GET", _q(ITEMS, limit="-1"), None),
    "limit-zero": ("GET", _q(ITEMS, limit="0"), None),
    "limit-not-a-number": ("GET", _q(ITEMS, limit="abc"), None),
    "limit-fraction": ("GET", _q(ITEMS, limit="1.5"), None),
    "offset-negative": ("GET", _q(ITEMS, offset="-5"), None),
    "offset-not-a-number": ("GET", _q(ITEMS, offset="abc"), None),
    "offset-beyond-64-bits": ("GET", _q(ITEMS, offset="99999999999999999999999"), None),
    # CQL2
    "cql2-text-unparsable": ("GET", _q(ITEMS, filter="district = = 'almaly"), None),
    "cql2-text-unterminated": ("GET", _q(ITEMS, filter="district = 'almaly"), None),
    "cql2-json-not-json": (
        "GET",
        _q(ITEMS, **{"filter-lang": "cql2-json", "filter": '{"op": "=", "args": ['}),
        None,
    ),
    "cql2-json-not-cql2": ("GET", _json_filter({"select": "*"}), None),
    "cql2-json-list": ("GET", _json_filter([1, 2]), None),
    "cql2-unknown-property-text": ("GET", _q(ITEMS, filter="no_such_property = 1"), None),
    "cql2-unknown-property-json": ("GET", _json_filter({"op": "=", "args": [{"property": "nope"}, 1]}), None),
    "cql2-wrong-type": ("GET", _q(ITEMS, filter="levels > 'abc'"), None),
    "cql2-spatial-without-geometry": ("GET", _q(ITEMS, filter="S_INTERSECTS(district, POINT(1 2))"), None),
    "cql2-too-long": ("GET", _q(ITEMS, filter=" OR ".join(["district = 'almaly'"] * 1500)), None),
    "filter-lang-unknown": ("GET", _q(ITEMS, filter="levels = 1", **{"filter-lang": "cql1"}), None),
    # other items parameters
    "sortby-unknown": ("GET", _q(ITEMS, sortby="no_such_property"), None),
    "sortby-empty-key": ("GET", _q(ITEMS, sortby="+"), None),
    "properties-unknown": ("GET", _q(ITEMS, properties="osm_ref,no_such_property"), None),
    "skip-geometry-not-boolean": ("GET", _q(ITEMS, skipGeometry="maybe"), None),
    "resulttype-unknown": ("GET", _q(ITEMS, resulttype="everything"), None),
    "queryable-parameter-wrong-type": ("GET", _q(ITEMS, levels="five"), None),
    # CRS
    "crs-not-offered": ("GET", _q(ITEMS, crs="EPSG:2154"), None),
    "crs-garbage": ("GET", _q(ITEMS, crs="not a crs"), None),
    "crs-not-offered-item": ("GET", _q(ITEM, crs="http://www.opengis.net/def/crs/EPSG/0/2154"), None),
    "bbox-crs-not-offered": ("GET", _q(ITEMS, bbox="1,2,3,4", **{"bbox-crs": "EPSG:9999"}), None),
    "filter-crs-not-offered": ("GET", _q(ITEMS, filter="levels = 1", **{"filter-crs": "EPSG:3857"}), None),
    # datetime
    "datetime-garbage": ("GET", _q(ITEMS, datetime="garbage"), None),
    "datetime-impossible-date": ("GET", _q(ITEMS, datetime="2012-13-45T00:00:00Z"), None),
    "datetime-three-parts": ("GET", _q(ITEMS, datetime="2010-01-01/2011-01-01/2012-01-01"), None),
    "datetime-reversed": ("GET", _q(ITEMS, datetime="2012-01-01T00:00:00Z/2011-01-01T00:00:00Z"), None),
    "datetime-open-instant": ("GET", _q(ITEMS, datetime=".."), None),
    # odd feature ids
    "id-nul": ("GET", f"{ITEMS}/%00", None),
    "id-very-long": ("GET", f"{ITEMS}/{'w' * 2000}", None),
    "id-dot-dot-slash": ("GET", f"{ITEMS}/..%2F..", None),
    "id-dot-dot": ("GET", f"{ITEMS}/%2E%2E", None),
    "id-not-integer": ("GET", f"{ITEMS}/1.5e999", None),
    "id-negative": ("GET", f"{ITEMS}/-1", None),
    "id-sql": ("GET", f"{ITEMS}/{quote(chr(39) + ' OR 1=1 --')}", None),
    "id-cyrillic": ("GET", f"{ITEMS}/{quote('здание 1')}", None),
}
for _endpoint in ENDPOINTS:
    CASES[f"unknown-parameter:{_endpoint}"] = ("GET", _q(_endpoint, no_such_parameter="1"), None)
    CASES[f"unknown-format:{_endpoint}"] = ("GET", _q(_endpoint, f="xml"), None)
    for _method in ("POST", "PUT", "DELETE", "PATCH"):
        CASES[f"{_method}:{_endpoint}"] = (_method, _endpoint, None)
    CASES[f"binary-post:{_endpoint}"] = ("POST", _endpoint, BINARY)


def _send(client: FlaskClient, case: Case, language: str) -> Any:
    method, path, body = case
    headers = {"Accept-Language": language, "Accept-Encoding": "gzip, deflate"}
    if body is not None:
        headers["Content-Type"] = "application/octet-stream"
    return client.open(path, method=method, data=body, headers=headers)


def assert_problem(response: Any, path: str) -> dict[str, Any]:
    """A 4xx problem+json with every RFC 7807 member, no stack trace, not labelled gzip."""
    text = response.get_data(as_text=True)
    assert 400 <= response.status_code < 500, text[:500]
    assert response.mimetype == "application/problem+json"
    assert "Content-Encoding" not in response.headers
    body = json.loads(text)
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == response.status_code
    assert body["type"].startswith("https://")
    assert body["title"] and body["detail"]
    assert body["instance"] == unquote(path.split("?")[0])
    assert (
        "Traceback" not in text and 'File "' not in text and "psycopg" not in text and "sqlite3" not in text
    )
    return dict(body)


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_bad_input_is_a_translated_4xx_problem(client: FlaskClient, case: Case) -> None:
    english = assert_problem(_send(client, case, "en"), case[1])
    for language in ("kk", "ru"):
        response = _send(client, case, language)
        translated = assert_problem(response, case[1])
        assert translated["status"] == english["status"] and translated["type"] == english["type"]
        assert translated["title"] != english["title"], language
        assert translated["detail"] != english["detail"], (language, translated["detail"])
        assert response.headers["Content-Language"].startswith(language)


@pytest.mark.parametrize(
    "cql2", ["levels + 99999999999999999999 > 1", "levels / 0 > 1", "area_m2 / (levels - levels) > 1"]
)
def test_arithmetic_edge_cases_answer_alike_on_both_backends(demo_apps: DemoApps, cql2: str) -> None:
    answers: dict[str, tuple[int, list[str] | None]] = {}
    for backend in BACKENDS:
        response = demo_apps.client(backend).get(_q(ITEMS, filter=cql2, limit="10000"))
        assert response.status_code < 500, (backend, response.get_data(as_text=True)[:300])
        if response.status_code >= 400:
            assert response.status_code == 400, (backend, response.get_json(force=True))
            answers[backend] = (400, None)
        else:
            answers[backend] = (200, sorted(f["id"] for f in response.get_json(force=True)["features"]))
    assert answers["geopackage"] == answers["postgis"]


# through the real server (gunicorn in front) -------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        _q(ITEMS, bbox="nan,1,2,3"),
        _q(ITEMS, filter="no_such_property = 1"),
        "/collections/no_such_layer/items",
        f"{ITEMS}/%00",
        f"{ITEMS}/{'w' * 5000}",
    ],
    ids=["bbox-nan", "unknown-property", "unknown-collection", "id-nul", "id-5000-chars"],
)
def test_bad_input_through_geohub_serve_is_a_problem(live: LiveServer, path: str) -> None:
    request = urllib.request.Request(
        f"{live.base_url}{path}", headers={"Accept-Encoding": "gzip", "Accept-Language": "kk"}
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=30)
    error = caught.value
    assert 400 <= error.code < 500
    assert error.headers.get_content_type() == "application/problem+json"
    assert error.headers.get("Content-Encoding") is None
    body = json.loads(error.read())
    assert set(body) >= PROBLEM_KEYS and body["status"] == error.code


# gaps of stock pygeoapi 0.21 that GeoHub closes ----------------------------------------------------


def test_gap_items_are_served_as_geojson(client: FlaskClient) -> None:
    assert client.get(f"{ITEMS}?limit=1").mimetype == "application/geo+json"
    assert client.get(ITEM).mimetype == "application/geo+json"


@pytest.mark.parametrize(
    "query",
    [
        {"filter-lang": "cql2-text", "filter": "district = 'almaly'"},
        {
            "filter-lang": "cql2-json",
            "filter": json.dumps({"op": "=", "args": [{"property": "district"}, "almaly"]}),
        },
        {"filter": "district = 'almaly'"},
    ],
    ids=["cql2-text", "cql2-json", "default-language"],
)
def test_gap_cql2_text_and_json_filters_are_accepted(client: FlaskClient, query: dict[str, str]) -> None:
    response = client.get(_q(ITEMS, limit="1", **query))
    assert response.status_code == 200
    assert response.get_json(force=True)["numberMatched"] == 2474


def test_gap_part3_conformance_classes_are_declared(client: FlaskClient) -> None:
    declared = set(client.get("/conformance").get_json(force=True)["conformsTo"])
    assert {
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
        "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    } <= declared


@pytest.mark.parametrize("cql2", ["no_such_property = 1", "NAME = 'x'", "geometry_type = 'Point'"])
def test_gap_filter_on_an_unknown_property_is_400(client: FlaskClient, cql2: str) -> None:
    response = client.get(_q(ITEMS, filter=cql2))
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("feature_id", ["abc", "1.5", "-1", "1e999", "%00", "w27064510x", "%20"])
def test_gap_non_integer_feature_ids_are_404_not_500(client: FlaskClient, feature_id: str) -> None:
    response = client.get(f"{ITEMS}/{feature_id}")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("value", ["garbage", "2012-02-30", "yesterday/today", "12:00"])
def test_gap_garbage_datetime_is_400(client: FlaskClient, value: str) -> None:
    response = client.get(_q(ITEMS, datetime=value))
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    "bbox", ["nan,43,77,44", "76,43,inf,44", "-inf,43,77,44", "76,nan,77,NaN", "76,43,77,Infinity"]
)
def test_gap_nan_and_inf_bbox_is_400(client: FlaskClient, bbox: str) -> None:
    response = client.get(_q(ITEMS, bbox=bbox))
    assert response.status_code == 400
    assert response.get_json(force=True)["type"].endswith("/invalid-bbox")


@pytest.mark.parametrize("size", [1 << 20, 17 << 20], ids=["1MiB", "17MiB"])
@pytest.mark.parametrize("path", [ITEMS, "/collections", "/"])
def test_gap_binary_and_oversized_posts_are_4xx(client: FlaskClient, path: str, size: int) -> None:
    response = client.post(path, data=b"\x00\xff" * (size // 2), content_type="application/octet-stream")
    assert 400 <= response.status_code < 500
    assert response.mimetype == "application/problem+json"


def test_gap_errors_are_not_labelled_gzip(client: FlaskClient) -> None:
    for path in (_q(ITEMS, bbox="1,2,3"), "/collections/nope", _q(ITEMS, limit="x")):
        response = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert response.status_code in (400, 404)
        assert "Content-Encoding" not in response.headers
        json.loads(response.get_data())  # the body is plain JSON, not gzip


@pytest.mark.parametrize(
    "query", [{}, {"filter": "district = 'medeu'"}, {"bbox": "76.9,43.2,77.0,43.3"}, {"offset": "8000"}]
)
def test_gap_number_matched_is_present(client: FlaskClient, query: dict[str, str]) -> None:
    page = client.get(_q(ITEMS, limit="100", **query)).get_json(force=True)
    assert isinstance(page["numberMatched"], int) and page["numberMatched"] >= page["numberReturned"]


def test_gap_cors_is_on_without_flask_cors(client: FlaskClient) -> None:
    assert client.application.extensions["geohub.pygeoapi"].config["server"]["cors"] is False
    assert "cors" not in client.application.extensions  # flask-cors is not in use
    for response in (client.get(f"{ITEMS}?limit=1"), client.get("/collections/nope"), client.options(ITEMS)):
        assert response.headers["Access-Control-Allow-Origin"] == "*"
