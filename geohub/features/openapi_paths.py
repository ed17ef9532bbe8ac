"""OpenAPI descriptions of GeoHub's own routes: publishing (etl/routes.py), OGC API – Features
Part 4 item edits, sign-in (auth/routes.py), and the security schemes they use.

Publishing paths are templated (`/collections/{collectionId}/imports`) so they name no layer;
item edits are added only to the per-layer item paths already in the audience's document.
"""

from __future__ import annotations

from typing import Any

_PROBLEM_REF = "#/components/responses/Problem"
_JSON = "application/json"
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

PROBLEM_RESPONSE = {
    "description": "Problem details (RFC 7807); `errors` lists invalid fields",
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
}
SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "required": ["type", "title", "status"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                },
            },
        },
    },
    "ImportUpload": {
        "type": "object",
        "required": ["file"],
        "properties": {
            "file": {
                "type": "string",
                "format": "binary",
                "description": "GeoPackage, GeoJSON, zipped Shapefile, CSV (lon/lat or WKT), KML…",
            },
            "crs": {"type": "string", "description": "Source CRS when the file has none or a wrong one."},
            "layer": {"type": "string", "description": "Layer inside the file, when it holds several."},
            "dryRun": {"type": "boolean", "default": False, "description": "Report only; store nothing."},
            "onInvalid": {
                "type": "string",
                "enum": ["ask", "reject", "skip"],
                "default": "ask",
                "description": "Invalid rows: stage and wait for a decision (ask), refuse the import "
                "(reject), or leave them out (skip).",
            },
            "publish": {
                "type": "boolean",
                "default": False,
                "description": "Publish at once when no decision is pending.",
            },
        },
    },
    "ImportRecord": {
        "type": "object",
        "description": "An import and its report.",
        "properties": {
            "id": {"type": "integer"},
            "layer": {"type": "string"},
            "status": {
                "type": "string",
                "enum": [
                    "running",
                    "dry_run",
                    "validated",
                    "published",
                    "no_changes",
                    "rejected",
                    "superseded",
                    "failed",
                    "interrupted",
                ],
            },
            "createdAt": {"type": "string", "format": "date-time"},
            "finishedAt": {"type": "string", "format": "date-time", "nullable": True},
            "user": {"type": "string", "nullable": True},
            "source": {"type": "string"},
            "sourceCrs": {"type": "string"},
            "baseVersion": {"type": "integer", "nullable": True},
            "stagedVersion": {"type": "integer", "nullable": True},
            "publishedVersion": {"type": "integer", "nullable": True},
            "message": {"type": "string"},
            "counts": {
                "type": "object",
                "properties": {
                    name: {"type": "integer"} for name in ("read", "valid", "invalid", "repaired")
                },
            },
            "problems": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "row": {"type": "string"},
                        "key": {"type": "string", "nullable": True},
                        "field": {"type": "string"},
                        "reason": {"type": "string"},
                    },
                },
            },
            "problemsTotal": {"type": "integer"},
            "repairedRows": {"type": "array", "items": {"type": "string"}},
            "changes": {
                "type": "object",
                "properties": {
                    **{name: {"type": "integer"} for name in ("added", "changed", "removed", "unchanged")},
                    **{
                        name: {"type": "array", "items": {"type": "string"}}
                        for name in ("addedKeys", "changedKeys", "removedKeys")
                    },
                },
            },
            "dryRun": {"type": "boolean"},
            "onInvalid": {"type": "string", "enum": ["ask", "reject", "skip"]},
        },
    },
    "FeatureInput": {
        "type": "object",
        "description": "A GeoJSON Feature (or, to create several, a FeatureCollection) in lon/lat WGS 84.",
        "required": ["type"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature", "FeatureCollection"]},
            "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
            "geometry": {"type": "object", "nullable": True},
            "properties": {"type": "object", "nullable": True},
            "features": {"type": "array", "items": {"type": "object"}},
        },
    },
}


def _problems(*statuses: int) -> dict[str, Any]:
    return {str(status): {"$ref": _PROBLEM_REF} for status in statuses}


def _json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {_JSON: {"schema": schema}}}


def _json_body(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {_JSON: {"schema": schema}}}


def _path_parameter(name: str, schema_type: str = "string", description: str = "") -> dict[str, Any]:
    parameter = {"name": name, "in": "path", "required": True, "schema": {"type": schema_type}}
    if description:
        parameter["description"] = description
    return parameter


_COLLECTION = _path_parameter("collectionId", description="The layer's id.")
_IMPORT = _path_parameter("importId", "integer", "The import's number.")
_RECORD = {"$ref": "#/components/schemas/ImportRecord"}
_WRITE_PROBLEMS = (400, 401, 403, 404, 409)


def publishing_paths() -> dict[str, Any]:
    """Imports, publish/reject, versions and rollback: templated, so they name no layer."""
    return {
        "/collections/{collectionId}/imports": {
            "parameters": [_COLLECTION],
            "post": {
                "summary": "Upload a file to import: validated, diffed and reported; published now or later",
                "tags": ["publishing"],
                "operationId": "createImport",
                "security": BEARER,
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {"schema": {"$ref": "#/components/schemas/ImportUpload"}}
                    },
                },
                "responses": {
                    "201": {
                        **_json_response("The import's record and report", _RECORD),
                        "headers": {"Location": {"schema": {"type": "string"}}},
                    },
                    **_problems(*_WRITE_PROBLEMS, 413, 422),
                },
            },
            "get": {
                "summary": "The layer's imports, newest first (without per-row problems)",
                "tags": ["publishing"],
                "operationId": "listImports",
                "security": BEARER,
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                    {"name": "before", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                ],
                "responses": {
                    "200": _json_response(
                        "Import history",
                        {
                            "type": "object",
                            "properties": {
                                "layer": {"type": "string"},
                                "imports": {"type": "array", "items": _RECORD},
                            },
                        },
                    ),
                    **_problems(400, 401, 404),
                },
            },
        },
        "/collections/{collectionId}/imports/{importId}": {
            "parameters": [_COLLECTION, _IMPORT],
            "get": {
                "summary": "One import and its full report",
                "tags": ["publishing"],
                "operationId": "getImport",
                "security": BEARER,
                "responses": {"200": _json_response("The import", _RECORD), **_problems(401, 404)},
            },
        },
        "/collections/{collectionId}/imports/{importId}/publish": {
            "parameters": [_COLLECTION, _IMPORT],
            "post": {
                "summary": "Publish a validated import (invalidRows: skip publishes only its valid rows)",
                "tags": ["publishing"],
                "operationId": "publishImport",
                "security": BEARER,
                "requestBody": _json_body(
                    {
                        "type": "object",
                        "properties": {
                            "invalidRows": {"type": "string", "enum": ["reject", "skip"], "default": "reject"}
                        },
                    },
                    required=False,
                ),
                "responses": {
                    "200": _json_response("The published import", _RECORD),
                    **_problems(*_WRITE_PROBLEMS),
                },
            },
        },
        "/collections/{collectionId}/imports/{importId}/reject": {
            "parameters": [_COLLECTION, _IMPORT],
            "post": {
                "summary": "Reject a validated import: its staged version is dropped",
                "tags": ["publishing"],
                "operationId": "rejectImport",
                "security": BEARER,
                "responses": {
                    "200": _json_response("The rejected import", _RECORD),
                    **_problems(*_WRITE_PROBLEMS),
                },
            },
        },
        "/collections/{collectionId}/versions": {
            "parameters": [_COLLECTION],
            "get": {
                "summary": "Every stored version of the layer, newest first",
                "tags": ["publishing"],
                "operationId": "listVersions",
                "security": BEARER,
                "responses": {
                    "200": _json_response(
                        "Versions",
                        {
                            "type": "object",
                            "properties": {
                                "layer": {"type": "string"},
                                "versions": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "version": {"type": "integer"},
                                            "createdAt": {"type": "string", "format": "date-time"},
                                            "featureCount": {"type": "integer"},
                                            "extent": {
                                                "type": "array",
                                                "items": {"type": "number"},
                                                "nullable": True,
                                            },
                                            "current": {"type": "boolean"},
                                            "note": {"type": "string"},
                                        },
                                    },
                                },
                            },
                        },
                    ),
                    **_problems(401, 404),
                },
            },
        },
        "/collections/{collectionId}/rollback": {
            "parameters": [_COLLECTION],
            "post": {
                "summary": "Publish an earlier version again",
                "tags": ["publishing"],
                "operationId": "rollback",
                "security": BEARER,
                "requestBody": _json_body(
                    {
                        "type": "object",
                        "required": ["version"],
                        "properties": {"version": {"type": "integer", "minimum": 1}},
                    }
                ),
                "responses": {
                    "200": _json_response(
                        "The published version",
                        {
                            "type": "object",
                            "properties": {
                                "layer": {"type": "string"},
                                "version": {"type": "integer"},
                                "featureCount": {"type": "integer"},
                            },
                        },
                    ),
                    **_problems(*_WRITE_PROBLEMS),
                },
            },
        },
    }


def add_item_edits(paths: dict[str, Any], layer_id: str, title: str) -> None:
    """Part 4 create on the layer's items path; replace, update and delete on its item path."""
    items = paths.get(f"/collections/{layer_id}/items")
    item = paths.get(f"/collections/{layer_id}/items/{{featureId}}")
    feature_body = {
        "required": True,
        "content": {
            media: {"schema": {"$ref": "#/components/schemas/FeatureInput"}}
            for media in ("application/geo+json", _JSON)
        },
    }
    edit_problems = _problems(*_WRITE_PROBLEMS, 422)
    if items is not None:
        items["post"] = {
            "summary": f"Add {title} features (a Feature or a FeatureCollection)",
            "tags": [layer_id],
            "operationId": f"create{_camel(layer_id)}Features",
            "security": BEARER,
            "requestBody": feature_body,
            "responses": {
                "201": {
                    **_json_response(
                        "The new features' ids and the new version",
                        {
                            "type": "object",
                            "properties": {
                                "created": {"type": "array", "items": {"type": "string"}},
                                "version": {"type": "integer"},
                            },
                        },
                    ),
                    "headers": {"Location": {"schema": {"type": "string"}}},
                },
                **edit_problems,
            },
        }
    if item is None:
        return
    feature_id = _path_parameter("featureId")
    done = {"204": {"description": "Done: a new version is published"}}
    item["put"] = {
        "summary": f"Replace a {title} feature",
        "tags": [layer_id],
        "operationId": f"replace{_camel(layer_id)}Feature",
        "security": BEARER,
        "parameters": [feature_id],
        "requestBody": feature_body,
        "responses": {**done, **edit_problems},
    }
    item["patch"] = {
        "summary": f"Change a {title} feature by a JSON merge patch (RFC 7396)",
        "tags": [layer_id],
        "operationId": f"update{_camel(layer_id)}Feature",
        "security": BEARER,
        "parameters": [feature_id],
        "requestBody": {
            "required": True,
            "content": {
                media: {"schema": {"$ref": "#/components/schemas/FeatureInput"}}
                for media in ("application/merge-patch+json", _JSON)
            },
        },
        "responses": {**done, **edit_problems},
    }
    item["delete"] = {
        "summary": f"Delete a {title} feature",
        "tags": [layer_id],
        "operationId": f"delete{_camel(layer_id)}Feature",
        "security": BEARER,
        "parameters": [feature_id],
        "responses": {**done, **_problems(*_WRITE_PROBLEMS)},
    }


def auth_paths() -> dict[str, Any]:
    """Sign-in, sign-out, whoami and the admin views (auth/routes.py)."""
    no_store = {"Cache-Control": {"schema": {"type": "string", "enum": ["no-store"]}}}
    return {
        "/auth/tokens": {
            "post": {
                "summary": "Sign in: a short-lived token for a user name and password",
                "tags": ["auth"],
                "operationId": "signIn",
                "security": [{}],
                "requestBody": _json_body(
                    {
                        "type": "object",
                        "required": ["username", "password"],
                        "additionalProperties": False,
                        "properties": {
                            "username": {"type": "string", "minLength": 1, "maxLength": 100},
                            "password": {
                                "type": "string",
                                "minLength": 1,
                                "maxLength": 1024,
                                "format": "password",
                            },
                        },
                    }
                ),
                "responses": {
                    "201": {
                        **_json_response(
                            "The token (shown once)",
                            {
                                "type": "object",
                                "properties": {
                                    "token": {"type": "string"},
                                    "expires_at": {"type": "string", "format": "date-time", "nullable": True},
                                },
                            },
                        ),
                        "headers": no_store,
                    },
                    **_problems(400, 401, 429),
                },
            }
        },
        "/auth/tokens/current": {
            "delete": {
                "summary": "Sign out: revoke the token this request carries",
                "tags": ["auth"],
                "operationId": "signOut",
                "security": BEARER,
                "responses": {"204": {"description": "Revoked"}, **_problems(401)},
            }
        },
        "/auth/whoami": {
            "get": {
                "summary": "Who this request acts for (anonymous requests get an answer too)",
                "tags": ["auth"],
                "operationId": "whoami",
                "responses": {
                    "200": _json_response(
                        "The principal",
                        {
                            "type": "object",
                            "properties": {
                                "user": {"type": "string", "nullable": True},
                                "role": {
                                    "type": "string",
                                    "enum": ["admin", "publisher", "moderator"],
                                    "nullable": True,
                                },
                                "department": {"type": "string", "nullable": True},
                                "apiKey": {"type": "string", "nullable": True},
                                "signedIn": {"type": "boolean"},
                            },
                        },
                    ),
                    **_problems(401, 429),
                },
            }
        },
        "/admin/audit": {
            "get": {
                "summary": "Audit log entries, newest first (admins)",
                "tags": ["admin"],
                "operationId": "auditEntries",
                "security": BEARER,
                "parameters": [
                    {"name": "layer", "in": "query", "schema": {"type": "string"}},
                    {"name": "user", "in": "query", "schema": {"type": "string"}},
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 1000},
                    },
                    {"name": "before", "in": "query", "schema": {"type": "integer"}},
                ],
                "responses": {
                    "200": _json_response(
                        "A page of entries and the next page's link",
                        {
                            "type": "object",
                            "properties": {
                                "entries": {"type": "array", "items": {"type": "object"}},
                                "next": {"type": "string", "nullable": True},
                            },
                        },
                    ),
                    **_problems(400, 401, 403),
                },
            }
        },
        "/admin/keys": {
            "get": {
                "summary": "App keys with their rate limits and use (admins)",
                "tags": ["admin"],
                "operationId": "appKeys",
                "security": BEARER,
                "responses": {
                    "200": _json_response(
                        "Every app key",
                        {
                            "type": "object",
                            "properties": {"keys": {"type": "array", "items": {"type": "object"}}},
                        },
                    ),
                    **_problems(400, 401, 403),
                },
            }
        },
    }


def _camel(layer_id: str) -> str:
    """The layer's part of an operationId, as pygeoapi writes it (getParking_pointsFeatures)."""
    return layer_id.capitalize()
