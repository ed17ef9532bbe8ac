"""For anonymous callers a restricted layer is exactly a missing one, on every route of the app.

The test walks the app's URL map, so a route added later is checked without anyone
remembering to: every rule with a layer in its path is asked, with every method it answers,
once for the restricted layer and once for a layer id that does not exist (of the same length,
so even Content-Length must match). Status, headers and problem body must be the same, apart
from the request id, the `instance` and the id itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.test import TestResponse

from geohub.settings import Settings
from tests.features.conftest import RESTRICTED_LAYER, restricted_app, staff_client

MISSING = "nolayer"  # no layer has this id; as long as RESTRICTED_LAYER ("parking")
LAYER_ARGUMENTS = frozenset({"layer_id", "tileset_id", "style_id"})  # path parts that may name a layer
SAMPLES: dict[str, Any] = {  # every other path argument of the app's rules, with a plausible value
    "import_id": 1,
    "feature_id": "w1",
    "extension": "geojson",
    "tms_id": "WebMercatorQuad",
    "z": 0,
    "x": 0,
    "y": 0,
    "image_format": "png",
    "encoding": "geojson",  # /collections/{id}/schema/geojson
    "conflict_id": 1,  # /collections/{id}/conflicts/{n}/resolve
    "proposal_id": 1,  # /layer-proposals/{n}
}
# differ from one request to the next
UNCOMPARED_HEADERS = frozenset({"X-Request-ID", "Date", "RateLimit-Remaining", "RateLimit-Reset"})
# endpoints that must be among those walked: if the walk finds none of these, it checks nothing
EXPECTED = {
    "etl.upload_import",
    "etl.list_imports",
    "etl.get_import",
    "etl.publish_import",
    "etl.reject_import",
    "etl.rollback",
    "etl.list_versions",
    "etl.create_items",
    "etl.replace_item",
    "etl.update_item",
    "etl.delete_item",
    "features.collection",
    "features.items",
    "features.item",
    "features.queryables",
    "features.download",
    "tiles.collection_tilesets",
    "tiles.collection_tile",
    "tiles.tilejson_document",
    "tiles.xyz_tile",
    "styles.style_document",
    "styles.style_preview",
}
assert len(MISSING) == len(RESTRICTED_LAYER)


@pytest.fixture
def app(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    yield from restricted_app(settings, tmp_path_factory.mktemp("layers"))


def _layer_rules(app: Flask) -> list[tuple[Rule, str]]:
    """(rule, method) for every rule whose path names a layer; fails on an argument it cannot fill."""
    found = []
    for rule in app.url_map.iter_rules():
        arguments = set(rule.arguments)
        if not arguments & LAYER_ARGUMENTS:
            continue
        unknown = arguments - LAYER_ARGUMENTS - set(SAMPLES)
        assert not unknown, f"{rule.rule}: add a sample value for {sorted(unknown)} to SAMPLES"
        found += [(rule, method) for method in sorted((rule.methods or set()) - {"HEAD"})]
    return found


def _path(app: Flask, rule: Rule, layer_id: str) -> str:
    values = {name: layer_id if name in LAYER_ARGUMENTS else SAMPLES[name] for name in rule.arguments}
    with app.test_request_context():
        adapter = app.url_map.bind("localhost")
        return adapter.build(rule.endpoint, values, method=next(iter(rule.methods or ())))


def _ask(client: FlaskClient, method: str, path: str) -> TestResponse:
    if method == "OPTIONS":  # a browser's CORS preflight before a staff request
        headers = {"Origin": "https://map.example", "Access-Control-Request-Method": "POST"}
        return client.open(path, method=method, headers=headers)
    if method in ("GET", "DELETE"):
        return client.open(path, method=method)
    return client.open(path, method=method, json={"type": "Feature", "version": 1})


def _comparable(response: TestResponse, layer_id: str) -> tuple[int, dict[str, str], Any]:
    headers = {k: v.replace(layer_id, "{layer}") for k, v in response.headers if k not in UNCOMPARED_HEADERS}
    text = response.get_data(as_text=True).replace(layer_id, "{layer}")
    if response.mimetype.endswith("json"):
        body = json.loads(text)
        if isinstance(body, dict):
            body.pop("instance", None)
            body.pop("requestId", None)
        return response.status_code, headers, body
    return response.status_code, headers, text


def test_every_route_answers_a_restricted_layer_as_a_missing_one(app: Flask) -> None:
    anonymous = app.test_client()
    walked = set()
    for rule, method in _layer_rules(app):
        hidden = _ask(anonymous, method, _path(app, rule, RESTRICTED_LAYER))
        missing = _ask(anonymous, method, _path(app, rule, MISSING))
        where = f"{method} {rule.rule}"
        assert _comparable(hidden, RESTRICTED_LAYER) == _comparable(missing, MISSING), where
        expected = 200 if method == "OPTIONS" else 404  # preflights never carry credentials
        assert hidden.status_code == expected, (where, hidden.get_data(as_text=True)[:300])
        walked.add(rule.endpoint)
    assert walked >= EXPECTED, sorted(EXPECTED - walked)


def test_staff_and_public_layers_still_reach_the_route(app: Flask) -> None:
    """The rule hides only what the caller may not see: staff reach the restricted layer's routes,
    and an anonymous write to a public layer is still asked to sign in (401)."""
    staff = staff_client(app)
    assert staff.get(f"/collections/{RESTRICTED_LAYER}/versions").status_code == 200
    assert staff.get(f"/collections/{RESTRICTED_LAYER}/imports").status_code == 200
    anonymous = app.test_client()
    assert anonymous.post("/collections/cadastre/rollback", json={"version": 1}).status_code == 401
    assert anonymous.get("/collections/cadastre/versions").status_code == 401
