"""GeoHub's routes as OpenAPI paths: walk the URL map, read each view's `@documented` operation.

A Flask rule (`/collections/<layer_id>/tiles/<tms_id>`) becomes an OpenAPI path template
(`/collections/{collectionId}/tiles/{tileMatrixSetId}`), its variables path parameters typed by
their converters (`int` -> integer). Security schemes, tags and the one Problem response are
defined here once.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from werkzeug.routing import Rule

from geohub.openapi.models import Problem
from geohub.openapi.operation import Operation, Reply, operation_of
from geohub.openapi.schemas import component_schemas, query_parameters, schema_ref

PROBLEM_REF = {"$ref": "#/components/responses/Problem"}
PROBLEM_RESPONSE = {
    "description": "Problem details (RFC 7807); `errors` lists invalid fields",
    "content": {"application/problem+json": {"schema": schema_ref(Problem)}},
}
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]
SECURITY_SCHEMES: dict[str, Any] = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "A token from `POST /auth/tokens` or `geohub users token`: "
        "`Authorization: Bearer <token>`. Needed for every write and for restricted layers.",
    },
    "apiKeyHeader": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "Optional app key: names the application and gives it its own rate limit.",
    },
    "apiKeyQuery": {
        "type": "apiKey",
        "in": "query",
        "name": "key",
        "description": "The app key as a query parameter, for clients that cannot send headers.",
    },
}
# reads work anonymously, with an app key, or signed in
READ_SECURITY: list[dict[str, list[str]]] = [{}, {"apiKeyHeader": []}, {"apiKeyQuery": []}, BEARER[0]]
_SECURITY = {"bearer": BEARER, "none": [{}]}
TAGS = [
    {"name": "publishing", "description": "Imports with reports, publishing, versions and rollback"},
    {"name": "auth", "description": "Sign in and out; who a request acts for"},
    {"name": "admin", "description": "The audit log and app keys (admins)"},
    {"name": "developers", "description": "App developers: register an app for a key, read its use"},
    {"name": "proposals", "description": "Layers as a service: propose a layer from a file, approve it"},
    {"name": "tiles", "description": "Vector tiles (OGC API – Tiles, XYZ, TileJSON) and the hillshade"},
    {"name": "schemas", "description": "JSON Schemas of a layer's features (OGC API – Features Part 5)"},
    {"name": "styles", "description": "MapLibre styles with their glyphs, sprites and preview pages"},
    {"name": "server", "description": "Liveness and readiness"},
    {"name": "pages", "description": "Script and style files of the HTML pages, bundled from npm"},
]
# Flask variable names as the document writes them (OGC API names where a standard has one)
PATH_NAMES = {
    "layer_id": "collectionId",
    "feature_id": "featureId",
    "import_id": "importId",
    "tileset_id": "tilesetId",
    "tms_id": "tileMatrixSetId",
    "style_id": "styleId",
    "range_name": "range",
}
PATH_DESCRIPTIONS = {
    "collectionId": "The layer's id.",
    "importId": "The import's number.",
    "tilesetId": "A layer's id, `city` or `basemap`.",
    "tileMatrixSetId": "`WebMercatorQuad`, the one tile matrix set.",
    "tileMatrix": "The zoom level.",
    "styleId": "A style's id (`GET /styles` lists them).",
    "fontstack": "Font names, comma-separated; the first one served here is used.",
    "range": "A range of 256 code points: `0-255`, `256-511`, …",
    "sprite": "`geohub`, or `geohub@2x` for high-density screens.",
}
_VARIABLE = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")
_IGNORED_METHODS = {"HEAD", "OPTIONS"}  # Flask answers both for every rule by itself


@dataclass(frozen=True)
class RoutePaths:
    """The paths of GeoHub's documented routes and the models their schemas come from."""

    paths: dict[str, dict[str, Any]]
    models: list[type[BaseModel]]


def route_paths(
    rules: Iterable[Rule], views: Mapping[str, Callable[..., object]], layers: Mapping[str, str]
) -> RoutePaths:
    """Every rule whose view is `@documented`, as paths; `layers` (id -> title) fill per-layer ones."""
    paths: dict[str, dict[str, Any]] = {}
    models: list[type[BaseModel]] = [Problem]
    for rule in rules:
        operation = operation_of(views[rule.endpoint]) if rule.endpoint in views else None
        if operation is None:
            continue
        methods = sorted(set(rule.methods or ()) - _IGNORED_METHODS)
        for path, spec in _rule_operations(rule.rule, operation, layers):
            item = paths.setdefault(path, {})
            item.update({method.lower(): spec for method in methods})
        models += _models_of(operation)
    return RoutePaths(paths, models)


def own_components(models: Iterable[type[BaseModel]]) -> dict[str, Any]:
    """The schemas of `models`, the Problem response and the security schemes."""
    return {
        "schemas": component_schemas(models),
        "responses": {"Problem": PROBLEM_RESPONSE},
        "securitySchemes": SECURITY_SCHEMES,
    }


def _models_of(operation: Operation) -> list[type[BaseModel]]:
    models = [reply.model for reply in operation.responses.values() if reply.model is not None]
    if operation.body is not None:
        models += [operation.body.model, *operation.body.forms.values()]
    return models


def _rule_operations(
    rule: str, operation: Operation, layers: Mapping[str, str]
) -> Iterable[tuple[str, dict[str, Any]]]:
    """(path, operation) for each combination of the rule's fixed values (one when none)."""
    variables = list(_VARIABLE.finditer(rule))
    fixed: dict[str, tuple[str, ...]] = {}
    for variable in variables:
        name = variable["name"]
        if name in operation.path_values:
            fixed[name] = operation.path_values[name]
        elif variable["converter"] == "any":
            fixed[name] = tuple(item.strip(" '\"") for item in variable["args"].split(","))
        elif name == "layer_id" and operation.per_layer:
            fixed[name] = tuple(layers)
    parameters = [_path_parameter(v, operation) for v in variables if v["name"] not in fixed]
    if operation.query is not None:
        parameters += query_parameters(operation.query)
    for combination in itertools.product(*fixed.values()):
        values = dict(zip(fixed, combination, strict=True))
        yield _path(rule, values, operation), _operation(operation, values, parameters, layers)


def _path(rule: str, values: Mapping[str, str], operation: Operation) -> str:
    """The rule as an OpenAPI path: fixed variables filled in, the others `{name}` templates."""
    return _VARIABLE.sub(lambda v: values.get(v["name"]) or f"{{{_name(v['name'], operation)}}}", rule)


def _name(variable: str, operation: Operation) -> str:
    return operation.path_names.get(variable) or PATH_NAMES.get(variable, variable)


def _path_parameter(variable: re.Match[str], operation: Operation) -> dict[str, Any]:
    name = _name(variable["name"], operation)
    schema: dict[str, Any] = {"type": "string"}
    if variable["converter"] == "int":
        schema = {"type": "integer", "minimum": 0}
    parameter: dict[str, Any] = {"name": name, "in": "path", "required": True, "schema": schema}
    description = PATH_DESCRIPTIONS.get(name)
    if variable["converter"] == "path":
        description = "A file's path (it may hold slashes)."
    if description:
        parameter["description"] = description
    if variable["name"] in operation.examples:
        parameter["example"] = operation.examples[variable["name"]]
    return parameter


class _Values(dict[str, str]):
    """Format values that leave an unknown `{name}` as it is."""

    def __missing__(self, key: str) -> str:
        return f"{{{key}}}"


def _operation(
    operation: Operation, values: dict[str, str], parameters: list[dict[str, Any]], layers: Mapping[str, str]
) -> dict[str, Any]:
    layer = values.get("layer_id") if operation.per_layer else None
    names = _Values(values)
    if layer is not None:
        names.update(title=layers[layer], Layer=layer.capitalize())  # pygeoapi's getParking_pointsFeatures
    spec: dict[str, Any] = {
        "summary": operation.summary.format_map(names),
        "tags": [layer] if layer is not None else list(operation.tags),
    }
    if operation.operation_id:
        spec["operationId"] = operation.operation_id.format_map(names)
    if operation.description:
        spec["description"] = operation.description
    if operation.security in _SECURITY:
        spec["security"] = _SECURITY[operation.security]
    if parameters:
        spec["parameters"] = parameters
    if operation.body is not None:
        body = operation.body
        content = {media: {"schema": schema_ref(body.model)} for media in body.media}
        content |= {media: {"schema": schema_ref(model)} for media, model in body.forms.items()}
        spec["requestBody"] = {"required": body.required, "content": content}
    responses = {str(status): _response(reply, values) for status, reply in operation.responses.items()}
    spec["responses"] = responses | {str(status): PROBLEM_REF for status in operation.problems}
    return spec


def _response(reply: Reply, values: dict[str, str]) -> dict[str, Any]:
    response: dict[str, Any] = {"description": reply.description}
    media = reply.media
    if isinstance(media, Mapping):
        media = next(media[value] for value in values.values() if value in media)
    if media is not None:
        response["content"] = {media: {"schema": schema_ref(reply.model)} if reply.model else {}}
    if reply.headers:
        response["headers"] = {
            name: {"description": text, "schema": {"type": "string"}} for name, text in reply.headers.items()
        }
    return response
