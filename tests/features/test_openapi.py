"""The OpenAPI document: valid, self-contained offline, and describing what GeoHub really serves."""

from __future__ import annotations

import json
import re
from pathlib import Path

from flask import Flask
from openapi_spec_validator import validate

from geohub.app import create_app
from geohub.auth.accounts import Accounts
from geohub.auth.principal import Role
from geohub.settings import Settings
from tests.features.conftest import RESTRICTED_ATTRIBUTE, RESTRICTED_LAYER, restricted_layers_dir


def _document(tmp_path: Path) -> dict:  # type: ignore[type-arg]
    app = create_app(Settings(data_dir=tmp_path))
    response = app.test_client().get("/openapi")
    assert response.status_code == 200
    assert response.content_type == "application/vnd.oai.openapi+json;version=3.0"
    return dict(response.get_json())


def test_openapi_document_is_valid_openapi_30(tmp_path: Path) -> None:
    validate(_document(tmp_path))


def test_openapi_refers_to_nothing_on_other_hosts(tmp_path: Path) -> None:
    text = json.dumps(_document(tmp_path))
    assert re.findall(r'"\$ref": "https?://', text) == []


def test_openapi_documents_filter_sort_datetime_and_downloads(tmp_path: Path) -> None:
    document = _document(tmp_path)
    parameters = document["paths"]["/collections/buildings/items"]["get"]["parameters"]
    named = {p.get("name") or p["$ref"].rsplit("/", 1)[-1] for p in parameters}
    assert {"filter", "filter-lang", "datetime", "sortby", "limit", "bbox", "crs", "bbox-crs"} <= named
    assert "/collections/buildings/download.gpkg" in document["paths"]
    assert "/readyz" in document["paths"]
    assert not any(path.startswith("/jobs") for path in document["paths"])
    schemas = [path for path in document["paths"] if path.endswith("/schema")]
    assert schemas == ["/collections/{collectionId}/schema"]  # GeoHub's (Part 5), not pygeoapi's per layer


WRITE_OPERATIONS = [
    ("/collections/{collectionId}/imports", "post"),
    ("/collections/{collectionId}/imports", "get"),
    ("/collections/{collectionId}/imports/{importId}", "get"),
    ("/collections/{collectionId}/imports/{importId}/publish", "post"),
    ("/collections/{collectionId}/imports/{importId}/reject", "post"),
    ("/collections/{collectionId}/versions", "get"),
    ("/collections/{collectionId}/rollback", "post"),
    ("/collections/buildings/items", "post"),
    ("/collections/buildings/items/{featureId}", "put"),
    ("/collections/buildings/items/{featureId}", "patch"),
    ("/collections/buildings/items/{featureId}", "delete"),
    ("/auth/tokens", "post"),
    ("/auth/whoami", "get"),
    ("/auth/tokens/current", "delete"),
    ("/admin/audit", "get"),
    ("/admin/keys", "get"),
]


def _operation_routes(app: Flask) -> set[tuple[str, str]]:
    """(OpenAPI path, method) of every Flask route, `<layer_id>` written as OpenAPI writes it."""
    routes = set()
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        path = path.replace("{layer_id}", "{collectionId}").replace("{import_id}", "{importId}")
        routes |= {(path.replace("{feature_id}", "{featureId}"), m.lower()) for m in rule.methods or ()}
    return routes


def test_openapi_documents_publishing_edits_and_auth_with_security(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path))
    document = app.test_client().get("/openapi").get_json()
    served = _operation_routes(app)
    for path, method in WRITE_OPERATIONS:
        operation = document["paths"][path][method]
        template = path.replace("/buildings/", "/{collectionId}/")
        assert (template, method) in served, f"{method} {path} is documented but not served"
        if path not in ("/auth/tokens", "/auth/whoami"):
            assert operation["security"] == [{"bearerAuth": []}], path
        problems = [s for s in operation["responses"] if s.startswith("4")]
        assert problems and all(
            operation["responses"][s] == {"$ref": "#/components/responses/Problem"} for s in problems
        )
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert {(s["in"], s["name"]) for s in schemes.values() if s["type"] == "apiKey"} == {
        ("header", "X-API-Key"),
        ("query", "key"),
    }
    upload = document["paths"]["/collections/{collectionId}/imports"]["post"]["requestBody"]["content"]
    fields = document["components"]["schemas"]["ImportUpload"]["properties"]
    assert list(upload) == ["multipart/form-data"]
    assert set(fields) == {"file", "crs", "layer", "dryRun", "onInvalid", "publish"} | {
        "mode",
        "keys",
        "confirmRemoval",
        "mapping",
        "ignore",
        "saveMapping",
    }  # import modes and the replace guard; column mappings
    assert fields["mode"]["enum"] == ["replace", "upsert", "append", "delete"]
    assert fields["onInvalid"]["enum"] == ["ask", "reject", "skip"]
    problem = document["components"]["responses"]["Problem"]["content"]
    assert list(problem) == ["application/problem+json"]


def test_openapi_for_anonymous_readers_names_no_restricted_layer(tmp_path: Path) -> None:
    layers = restricted_layers_dir(tmp_path / "layers")
    app = create_app(Settings(data_dir=tmp_path, layers_dir=layers))
    accounts = Accounts(app.extensions["geohub"].records)
    accounts.add_user("aigerim", role=Role.publisher, department="land_relations")
    staff = {"Authorization": f"Bearer {accounts.create_token('aigerim')}"}
    hidden = app.test_client().get("/openapi").get_json()
    shown = app.test_client().get("/openapi", headers=staff).get_json()
    validate(hidden)
    validate(shown)
    text = json.dumps(hidden)
    assert not re.search(rf'/collections/{RESTRICTED_LAYER}[/"]|"tags": \["{RESTRICTED_LAYER}"\]', text)
    operations = re.findall(r'"operationId": "(\w+)"', text)
    assert not [o for o in operations if RESTRICTED_LAYER.capitalize() + "Feature" in o]
    assert "createBuildingsFeatures" in operations  # the pattern above would see a parking one
    layer, attribute = RESTRICTED_ATTRIBUTE
    edits = hidden["paths"][f"/collections/{layer}/items/{{featureId}}"]
    assert {"put", "patch", "delete"} <= set(edits) and f'"{attribute}"' not in json.dumps(edits)
    assert "post" in shown["paths"][f"/collections/{RESTRICTED_LAYER}/items"]
    assert "delete" in shown["paths"][f"/collections/{RESTRICTED_LAYER}/items/{{featureId}}"]


def test_conformance_declares_part_4(tmp_path: Path) -> None:
    classes = create_app(Settings(data_dir=tmp_path)).test_client().get("/conformance").get_json()
    part4 = "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/"
    assert {f"{part4}create-replace-delete", f"{part4}update"} <= set(classes["conformsTo"])
