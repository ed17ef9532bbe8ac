"""Every route the app serves is in /openapi: its URL map walked rule by rule and method by method.

Each documented path is filled in (a parameter's `example`, else `1` for integers and `x`) and
matched by the app's own router, so the test shows which served rule each documented operation
reaches: GeoHub's `@documented` routes and the OGC routes pygeoapi's generated document covers alike.
"""

from __future__ import annotations

import json
import re
import typing
from typing import Any

from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from geohub.app import create_app
from geohub.openapi.models import ImportStatus
from geohub.publishing.imports import STATUSES
from geohub.settings import Settings

# Flask's own static-file endpoints: pygeoapi's CSS and images at /static and the pages' scripts and
# styles at /assets, files of the HTML pages (not operations of the API), answered by Flask itself.
NOT_DOCUMENTED = {"static", "pages.static"}
AUTOMATIC = {"HEAD", "OPTIONS"}  # Flask answers both for every rule by itself
METHODS = {"get", "put", "post", "delete", "patch", "options", "head"}
PROBLEM = {"$ref": "#/components/responses/Problem"}


def _served(app: Flask) -> set[tuple[str, str]]:
    """(rule, method) of every route the app serves, but for the exempt static files."""
    return {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in NOT_DOCUMENTED
        for method in set(rule.methods or ()) - AUTOMATIC
    }


def _concrete(path: str, parameters: list[dict[str, Any]]) -> str:
    """`path` with each `{name}` filled in from its parameter's example or type."""
    known = {p["name"]: p for p in parameters if "name" in p and p.get("in") == "path"}

    def value(match: re.Match[str]) -> str:
        parameter = known.get(match.group(1), {})
        if "example" in parameter:
            return str(parameter["example"])
        return "1" if parameter.get("schema", {}).get("type") == "integer" else "x"

    return re.sub(r"\{(\w+)\}", value, path)


def _documented(app: Flask, document: dict[str, Any]) -> tuple[set[tuple[str, str]], list[str]]:
    """(rule, method) each documented operation reaches, and the operations no rule answers."""
    adapter = app.url_map.bind("localhost")
    reached, unserved = set(), []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            concrete = _concrete(path, [*item.get("parameters", []), *operation.get("parameters", [])])
            try:
                rule, _ = adapter.match(concrete, method=method.upper(), return_rule=True)
            except (HTTPException, RequestRedirect):
                unserved.append(f"{method.upper()} {path}")
                continue
            reached.add((rule.rule, method.upper()))
    return reached, unserved


def _undocumented(app: Flask, document: dict[str, Any]) -> list[str]:
    reached, _ = _documented(app, document)
    return sorted(f"{method} {rule}" for rule, method in _served(app) - reached)


def test_every_served_route_is_in_the_openapi_document(settings: Settings) -> None:
    app = create_app(settings)
    try:
        document = app.test_client().get("/openapi").get_json()
        reached, unserved = _documented(app, document)
        assert _undocumented(app, document) == []
        assert unserved == []  # and nothing is documented that is not served
        assert len(reached) >= 40
    finally:
        app.extensions["geohub"].close()


def test_a_route_without_documentation_is_found(tmp_path: Any) -> None:
    app = create_app(Settings(data_dir=tmp_path))
    app.add_url_rule("/collections/<layer_id>/undocumented", "undocumented", lambda layer_id: layer_id)
    app.add_url_rule("/imports/<int:import_id>", "undocumented_int", lambda import_id: str(import_id))
    document = app.test_client().get("/openapi").get_json()
    assert _undocumented(app, document) == [
        "GET /collections/<layer_id>/undocumented",
        "GET /imports/<int:import_id>",
    ]


def test_the_problem_response_is_defined_once_and_used_for_every_error(tmp_path: Any) -> None:
    document = create_app(Settings(data_dir=tmp_path)).test_client().get("/openapi").get_json()
    assert json.dumps(document).count("application/problem+json") == 1
    problem = document["components"]["responses"]["Problem"]["content"]["application/problem+json"]
    fields = document["components"]["schemas"]["Problem"]["properties"]
    assert problem["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert {"type", "title", "status", "detail", "instance", "errors"} <= set(fields)
    errors = {
        (path, method, status): response
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
        for status, response in operation["responses"].items()
        if status[0] in "45"
    }
    assert len(errors) > 200
    # the exceptions: readiness answers 503 with its JSON report, which says what is missing, and
    # Open311 answers errors in its own format (`[{"code", "description"}]`, `<errors>` in XML)
    open311 = {key: response for key, response in errors.items() if key[0].startswith("/open311/v2/")}
    others = {key for key, response in errors.items() if key not in open311 and response != PROBLEM}
    assert others == {("/readyz", "get", "503")}
    assert len(open311) >= 20
    assert all("Open311Errors" in json.dumps(response) for response in open311.values())


def test_import_statuses_in_the_document_are_the_stored_ones() -> None:
    assert typing.get_args(ImportStatus) == STATUSES
