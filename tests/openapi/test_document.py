"""Flask rules as OpenAPI paths: templates, converters, per-layer and fixed values, the Problem reference."""

from __future__ import annotations

from typing import Any

from flask import Flask
from openapi_spec_validator import validate

from geohub.openapi.document import PROBLEM_REF, own_components, route_paths
from geohub.openapi.models import LanguageQuery, Token
from geohub.openapi.operation import Reply, documented

LAYERS = {"buildings": "Buildings", "parking_points": "Parking points"}
DOWNLOADS = {"gpkg": "application/geopackage+sqlite3", "csv": "text/csv"}


def _view(**operation: Any) -> Any:
    def view(**_: str) -> str:
        return ""

    return documented(**operation)(view)


def _paths(app: Flask) -> dict[str, Any]:
    return route_paths(app.url_map.iter_rules(), app.view_functions, LAYERS).paths


def test_rule_variables_become_typed_templates_named_as_ogc_names_them() -> None:
    app = Flask(__name__)
    tile = _view(
        summary="A tile",
        tags=("tiles",),
        path_names={"z": "tileMatrix", "y": "tileRow", "x": "tileCol"},
        responses={200: Reply("MVT", media="application/vnd.mapbox-vector-tile")},
        problems=(400, 404),
    )
    app.add_url_rule("/collections/<layer_id>/tiles/<tms_id>/<int:z>/<int:y>/<int:x>", "tile", tile)
    [(path, item)] = _paths(app).items()
    assert path == "/collections/{collectionId}/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}"
    parameters = {p["name"]: p for p in item["get"]["parameters"]}
    assert list(parameters) == ["collectionId", "tileMatrixSetId", "tileMatrix", "tileRow", "tileCol"]
    assert parameters["tileRow"]["schema"] == {"type": "integer", "minimum": 0}
    assert parameters["collectionId"]["schema"] == {"type": "string"}
    assert all(p["in"] == "path" and p["required"] for p in parameters.values())
    assert item["get"]["responses"]["404"] == PROBLEM_REF == item["get"]["responses"]["400"]


def test_per_layer_fixed_and_any_values_make_one_path_each() -> None:
    app = Flask(__name__)
    download = _view(
        summary="Download {title} ({extension})",
        tags=("features",),
        operation_id="download{Layer}",
        per_layer=True,
        path_values={"extension": ("gpkg", "csv")},
        responses={
            200: Reply("The layer", media={"gpkg": "application/geopackage+sqlite3", "csv": "text/csv"})
        },
    )
    schema = _view(summary="Schema", tags=("schemas",), responses={200: Reply("Schema")})
    app.add_url_rule("/collections/<layer_id>/download.<extension>", "download", download)
    app.add_url_rule("/collections/<layer_id>/schema/<any(geojson, json):encoding>", "schema", schema)
    paths = _paths(app)
    assert set(paths) == {
        "/collections/buildings/download.gpkg",
        "/collections/buildings/download.csv",
        "/collections/parking_points/download.gpkg",
        "/collections/parking_points/download.csv",
        "/collections/{collectionId}/schema/geojson",
        "/collections/{collectionId}/schema/json",
    }
    csv = paths["/collections/parking_points/download.csv"]["get"]
    assert csv["summary"] == "Download Parking points (csv)"
    assert csv["operationId"] == "downloadParking_points"
    assert csv["tags"] == ["parking_points"]
    assert list(csv["responses"]["200"]["content"]) == ["text/csv"]
    assert "parameters" not in csv  # every variable is filled in


def test_models_queries_security_and_examples_make_a_valid_document() -> None:
    app = Flask(__name__)
    sign_in = _view(
        summary="Sign in",
        tags=("auth",),
        operation_id="signIn",
        security="bearer",
        query=LanguageQuery,
        examples={"style_id": "city"},
        responses={201: Reply("A token", Token, headers={"Cache-Control": "no-store"})},
        problems=(401,),
    )
    app.add_url_rule("/styles/<style_id>/tokens", "sign_in", sign_in, methods=["POST"])
    app.add_url_rule("/undocumented", "undocumented", lambda: "")
    own = route_paths(app.url_map.iter_rules(), app.view_functions, LAYERS)
    [(path, item)] = own.paths.items()
    operation = item["post"]
    assert path == "/styles/{styleId}/tokens"
    assert operation["security"] == [{"bearerAuth": []}]
    assert operation["parameters"][0]["example"] == "city"
    assert operation["parameters"][1] == {
        "name": "lang",
        "in": "query",
        "required": False,
        "schema": {"enum": ["kk", "ru", "en"], "type": "string"},
    }
    token = operation["responses"]["201"]["content"]["application/json"]["schema"]
    assert token == {"$ref": "#/components/schemas/Token"}
    components = own_components(own.models)
    assert components["schemas"]["Token"]["properties"]["expires_at"]["nullable"] is True
    validate(
        {
            "openapi": "3.0.2",
            "info": {"title": "t", "version": "1"},
            "paths": own.paths,
            "components": components,
        }
    )
