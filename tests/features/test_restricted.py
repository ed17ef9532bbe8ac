"""Restricted layers and attributes: signed-in staff read them, anonymous readers never learn they exist.

The restricted demo app (tests/features/conftest.py) reads the demo store with `parking`
restricted and `buildings.levels` restricted; staff sign in with a real token from Accounts.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pyogrio
import pytest
import shapely
from flask import Flask
from flask.testing import FlaskClient

from tests.features.conftest import RESTRICTED_ATTRIBUTE, RESTRICTED_LAYER, DemoApps, staff_client

LAYER, ATTRIBUTE = RESTRICTED_ATTRIBUTE  # buildings, levels
MISSING = "no_such_field"  # an attribute no layer has: anonymous errors must read the same


@pytest.fixture
def app(backend: str, demo_apps: DemoApps) -> Flask:
    return demo_apps.app(backend, restricted=True)


@pytest.fixture
def anonymous(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def staff(app: Flask) -> FlaskClient:
    return staff_client(app)


def _json(client: FlaskClient, path: str) -> Any:
    answer = client.get(path)
    assert answer.status_code == 200, (path, answer.data[:300])
    return answer.get_json(force=True)


def _a_parking_id(staff: FlaskClient) -> str:
    return str(_json(staff, f"/collections/{RESTRICTED_LAYER}/items?limit=1")["features"][0]["id"])


def test_restricted_layer_is_404_for_anonymous_and_200_for_staff(
    anonymous: FlaskClient, staff: FlaskClient
) -> None:
    base = f"/collections/{RESTRICTED_LAYER}"
    paths = [
        base,
        f"{base}/items",
        f"{base}/items?f=csv",
        f"{base}/items?f=html",
        f"{base}/items/{_a_parking_id(staff)}",
        f"{base}/queryables",
        f"{base}/download.geojson",
        f"{base}/tiles",
        f"/tiles/{RESTRICTED_LAYER}.json",
    ]
    for path in paths:
        hidden, shown = anonymous.get(path), staff.get(path)
        assert hidden.status_code == 404, path
        assert hidden.content_type == "application/problem+json", path
        assert shown.status_code == 200, path
    missing = anonymous.get("/collections/no_such_layer").get_json()
    assert anonymous.get(base).get_json()["detail"] == missing["detail"].replace(
        "no_such_layer", RESTRICTED_LAYER
    )


@pytest.mark.parametrize("fmt", ["json", "html"])
def test_collections_list_restricted_layer_only_to_staff(
    anonymous: FlaskClient, staff: FlaskClient, fmt: str
) -> None:
    hidden = anonymous.get(f"/collections?f={fmt}")
    shown = staff.get(f"/collections?f={fmt}")
    assert hidden.status_code == shown.status_code == 200
    link = re.compile(rf"/collections/{RESTRICTED_LAYER}(?![a-z0-9_])".encode())  # not parking_points
    assert not link.search(hidden.data)
    assert link.search(shown.data)
    assert f"/collections/{LAYER}".encode() in hidden.data


def test_openapi_names_restricted_layers_and_attributes_only_to_staff(
    anonymous: FlaskClient, staff: FlaskClient
) -> None:
    hidden, shown = _json(anonymous, "/openapi"), _json(staff, "/openapi")
    assert not [p for p in hidden["paths"] if p.startswith(f"/collections/{RESTRICTED_LAYER}/")]
    assert f"/collections/{RESTRICTED_LAYER}/items" in shown["paths"]
    assert f'"{ATTRIBUTE}"' not in json.dumps(hidden["paths"][f"/collections/{LAYER}/items"])
    assert f'"{ATTRIBUTE}"' in json.dumps(shown["paths"][f"/collections/{LAYER}/items"])


def test_restricted_attribute_only_in_staff_items_item_csv_queryables(
    anonymous: FlaskClient, staff: FlaskClient
) -> None:
    items = f"/collections/{LAYER}/items?limit=20"
    for client, sees in ((anonymous, False), (staff, True)):
        features = _json(client, items)["features"]
        assert all((ATTRIBUTE in f["properties"]) is sees for f in features)
        one = _json(client, f"/collections/{LAYER}/items/{features[0]['id']}")
        assert (ATTRIBUTE in one["properties"]) is sees
        header = next(csv.reader(io.StringIO(client.get(f"{items}&f=csv").get_data(as_text=True))))
        assert (ATTRIBUTE in header) is sees
        queryables = _json(client, f"/collections/{LAYER}/queryables")
        assert (ATTRIBUTE in queryables["properties"]) is sees
    with_values = _json(staff, f"{items}&filter={ATTRIBUTE}>1")["features"]
    assert with_values and all(f["properties"][ATTRIBUTE] > 1 for f in with_values)  # really there


@pytest.mark.parametrize("extension", ["geojson", "gpkg"])
def test_downloads_hold_restricted_attribute_only_for_staff(
    anonymous: FlaskClient, staff: FlaskClient, extension: str, tmp_path: Any
) -> None:
    path = f"/collections/{LAYER}/download.{extension}"
    etags = []
    for client, sees in ((anonymous, False), (staff, True)):
        answer = client.get(path)
        assert answer.status_code == 200
        file = tmp_path / f"{sees}.{extension}"
        file.write_bytes(answer.data)
        assert (ATTRIBUTE in pyogrio.read_info(file)["fields"]) is sees
        etags.append(answer.headers["ETag"])
        assert ("private" in answer.headers["Cache-Control"]) is sees
        assert "Authorization" in answer.headers["Vary"]
    assert etags[0] != etags[1]
    assert anonymous.get(path, headers={"If-None-Match": etags[1]}).status_code == 200


def test_csv_download_is_the_whole_layer_as_wkt_with_restricted_attribute_only_for_staff(
    anonymous: FlaskClient, staff: FlaskClient, demo_apps: DemoApps, backend: str
) -> None:
    path = f"/collections/{LAYER}/download.csv"
    reference = {f.id: f for f in demo_apps.reference(backend, LAYER)}
    etags = []
    for client, sees in ((anonymous, False), (staff, True)):
        answer = client.get(path)
        assert answer.status_code == 200 and answer.mimetype == "text/csv"
        assert answer.headers["Content-Disposition"] == f"attachment; filename={LAYER}.csv"
        rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
        header = list(rows[0])
        assert (header[0], header[-1]) == ("id", "geometry") and (ATTRIBUTE in header) is sees
        assert len(rows) == len(reference)
        for row in rows[:50]:
            stored = reference[row["id"]]
            assert shapely.from_wkt(row["geometry"]).equals_exact(stored.geometry, 1e-9)
            assert row["name"] == (stored.properties["name"] or "")
        etags.append(answer.headers["ETag"])
        assert client.get(path, headers={"If-None-Match": etags[-1]}).status_code == 304
        assert ("private" in answer.headers["Cache-Control"]) is sees
    assert etags[0] != etags[1]


@pytest.mark.parametrize(
    "query",
    [
        "filter={name}>1",
        "filter-lang=cql2-json&filter=%7B%22op%22%3A%22%3E%22%2C%22args%22%3A%5B%7B%22property%22%3A%22{name}%22%7D%2C1%5D%7D",
        "sortby=-{name}",
        "properties={name}",
        "{name}=5",
    ],
)
def test_restricted_attribute_in_query_is_unknown_to_anonymous_and_works_for_staff(
    anonymous: FlaskClient, staff: FlaskClient, query: str
) -> None:
    path = f"/collections/{LAYER}/items?limit=5&"
    restricted = anonymous.get(path + query.format(name=ATTRIBUTE))
    missing = anonymous.get(path + query.format(name=MISSING))
    assert restricted.status_code == missing.status_code == 400
    body, reference = restricted.get_json(), missing.get_json()
    assert body["detail"] == reference["detail"].replace(MISSING, ATTRIBUTE)
    assert body["title"] == reference["title"]
    answer = staff.get(path + query.format(name=ATTRIBUTE))
    assert answer.status_code == 200, answer.data[:300]
    features = answer.get_json()["features"]
    if query.startswith(("filter=", "filter-lang")):
        assert features and all(f["properties"][ATTRIBUTE] > 1 for f in features)
    if query.startswith("sortby"):
        values = [f["properties"][ATTRIBUTE] for f in features]
        assert values == sorted(values, key=lambda v: (v is not None, v), reverse=True)
    if query.startswith("properties"):
        assert all(list(f["properties"]) == [ATTRIBUTE] for f in features)


def test_staff_answers_are_private_and_every_answer_varies_by_authorization(
    anonymous: FlaskClient, staff: FlaskClient
) -> None:
    for path in (f"/collections/{LAYER}/items", f"/collections/{LAYER}", "/collections", "/openapi"):
        public, private = anonymous.get(path), staff.get(path)
        assert "Authorization" in public.headers["Vary"] and "Authorization" in private.headers["Vary"]
        assert "private" not in public.headers.get("Cache-Control", "")
        assert "private" in private.headers["Cache-Control"], path
        assert "public" not in private.headers["Cache-Control"], path


def test_bad_token_is_refused_not_treated_as_anonymous(app: Flask) -> None:
    answer = app.test_client().get(
        f"/collections/{LAYER}/items", headers={"Authorization": "Bearer not-a-token"}
    )
    assert answer.status_code == 401
    assert ATTRIBUTE.encode() not in answer.data


def test_a_restricted_layers_own_style_is_hidden_from_anonymous_readers(
    anonymous: FlaskClient, staff: FlaskClient
) -> None:
    public = {s["id"] for s in anonymous.get("/styles").get_json()["styles"]}
    assert "parking" not in public and "parking-high-contrast" not in public
    assert {"basemap", "city", "buildings"} <= public  # the city style mixes in public layers: it stays
    for path in ("/styles/parking.json", "/styles/parking.html", "/styles/parking-high-contrast.json"):
        assert anonymous.get(path).status_code == 404, path
    listed = staff.get("/styles")
    assert "parking" in {s["id"] for s in listed.get_json()["styles"]}
    assert listed.headers["Cache-Control"].startswith("private") and "Authorization" in listed.headers["Vary"]
    assert staff.get("/styles/parking.json").status_code == 200
    shared = anonymous.get("/styles")
    assert shared.headers["Cache-Control"].startswith("public") and "Authorization" in shared.headers["Vary"]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_html_pages_of_each_audience_after_the_other(
    anonymous: FlaskClient, staff: FlaskClient, language: str
) -> None:
    """pygeoapi caches its translated config once per language for the whole process; GeoHub has
    one pygeoapi per audience, so a staff page rendered after a public one (or the other way round)
    must still see its own audience's layers: no 500, and nothing of the staff's on public pages."""
    headers = {"Accept-Language": language}
    assert anonymous.get("/collections/buildings?f=html", headers=headers).status_code == 200
    staff_page = staff.get(f"/collections/{RESTRICTED_LAYER}?f=html", headers=headers)
    assert staff_page.status_code == 200, staff_page.get_data(as_text=True)[:300]
    public_again = anonymous.get("/collections/buildings?f=html", headers=headers)
    assert public_again.status_code == 200
    assert f"/collections/{RESTRICTED_LAYER}" not in public_again.get_data(as_text=True)
