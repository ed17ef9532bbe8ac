"""pygeoapi's OpenAPI document, completed with what GeoHub serves and trimmed of what it does not."""

from __future__ import annotations

import copy
from typing import Any

from geohub.features.openapi_paths import (
    PROBLEM_RESPONSE,
    READ_SECURITY,
    SCHEMAS,
    SECURITY_SCHEMES,
    add_item_edits,
    auth_paths,
    publishing_paths,
)
from geohub.features.openapi_tiles import TILES_TAG, schema_paths, tiles_paths
from geohub.layers.registry import LayerRegistry

PROBLEM = {
    "description": "Problem details (RFC 7807)",
    "content": {"application/problem+json": {"schema": {"type": "object"}}},
}
PARAMETERS: dict[str, dict[str, Any]] = {
    "filter": {
        "name": "filter",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": "CQL2 filter (text, or JSON with filter-lang=cql2-json).",
    },
    "filter-lang": {
        "name": "filter-lang",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": ["cql2-text", "cql2-json"], "default": "cql2-text"},
    },
    "filter-crs": {
        "name": "filter-crs",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "format": "uri"},
    },
    "datetime": {
        "name": "datetime",
        "in": "query",
        "required": False,
        "schema": {"type": "string"},
        "description": "RFC 3339 instant or interval (start/end, '..' open).",
    },
    "sortby": {
        "name": "sortby",
        "in": "query",
        "required": False,
        "style": "form",
        "explode": False,
        "schema": {"type": "array", "items": {"type": "string", "pattern": "[+|-]?[A-Za-z_].*"}},
        "description": "Comma-separated properties, '-' for descending.",
    },
    "resulttype": {
        "name": "resulttype",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": ["results", "hits"], "default": "results"},
    },
}
TAGS = [
    {"name": "publishing", "description": "Imports with reports, publishing, versions and rollback"},
    {"name": "auth", "description": "Sign in and out; who a request acts for"},
    {"name": "admin", "description": "The audit log and app keys (admins)"},
]
OTHER_PATHS = {
    "/healthz": {
        "get": {"summary": "Liveness", "tags": ["server"], "responses": {"200": {"description": "OK"}}}
    },
    "/readyz": {
        "get": {
            "summary": "Readiness: storage reachable, layers loaded",
            "tags": ["server"],
            "responses": {"200": {"description": "Ready"}, "503": PROBLEM},
        }
    },
}


def complete_openapi(document: dict[str, Any], registry: LayerRegistry) -> dict[str, Any]:
    """Add filter/datetime/sortby parameters, downloads, health, tiles, schemas, publishing, Part 4
    edits and sign-in with their security schemes; drop jobs and pygeoapi's own schema paths.

    `document` is one audience's (features/audiences.py): only layers already in its paths are
    described, so the public document names no restricted layer or attribute.
    """
    document = copy.deepcopy(document)
    document["components"]["parameters"].update(PARAMETERS)
    document["components"].setdefault("schemas", {}).update(SCHEMAS)
    document["components"].setdefault("responses", {})["Problem"] = PROBLEM_RESPONSE
    document["components"]["securitySchemes"] = SECURITY_SCHEMES
    document["security"] = READ_SECURITY
    own = [*TAGS, TILES_TAG]  # pygeoapi names a `tiles` tag of its own, without a description
    named = {tag["name"] for tag in own}
    document["tags"] = [tag for tag in document.get("tags", []) if tag["name"] not in named] + own
    paths = {
        path: spec
        for path, spec in document["paths"].items()
        if not path.startswith("/jobs") and not path.endswith("/schema")
    }
    for layer in registry:
        items = paths.get(f"/collections/{layer.id}/items", {}).get("get")
        if items is None:
            continue
        add_item_edits(paths, layer.id, layer.title.en)
        kept = [p for p in items["parameters"] if "sortby" not in str(p.get("$ref", ""))]
        items["parameters"] = kept + [{"$ref": f"#/components/parameters/{name}"} for name in PARAMETERS]
        items["responses"].update({"400": PROBLEM, "404": PROBLEM})
        for extension, media in (
            ("gpkg", "application/geopackage+sqlite3"),
            ("geojson", "application/geo+json"),
            ("csv", "text/csv"),
        ):
            paths[f"/collections/{layer.id}/download.{extension}"] = {
                "get": {
                    "summary": f"Download {layer.title.en} ({extension})",
                    "tags": [layer.id],
                    "responses": {
                        "200": {"description": "The whole layer", "content": {media: {}}},
                        "404": PROBLEM,
                    },
                }
            }
    paths.update(OTHER_PATHS)
    paths.update(tiles_paths())
    paths.update(schema_paths())
    paths.update(publishing_paths())
    paths.update(auth_paths())
    document["paths"] = paths
    return _without_remote_refs(document)


def _without_remote_refs(node: Any, parent_key: str = "") -> Any:
    """The document with $refs to other hosts inlined as open objects: it must stand alone offline."""
    if isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str) and reference.startswith(("http://", "https://")):
            name = reference.rsplit("/", 1)[-1]
            if parent_key == "responses_entry":
                return {"description": name, "content": {"application/json": {"schema": {"type": "object"}}}}
            if parent_key == "parameters":
                in_path = name.endswith("Id")  # featureId, collectionId
                return {
                    "name": name,
                    "in": "path" if in_path else "query",
                    "required": in_path,
                    "schema": {"type": "string"},
                }
            return {"type": "object", "description": name}
        return {key: _without_remote_refs(value, _child_key(parent_key, key)) for key, value in node.items()}
    if isinstance(node, list):
        return [_without_remote_refs(item, parent_key) for item in node]
    return node


def _child_key(parent_key: str, key: str) -> str:
    if key == "responses":
        return "responses"
    if parent_key == "responses":
        return "responses_entry"
    if key == "parameters":
        return "parameters"
    return ""
