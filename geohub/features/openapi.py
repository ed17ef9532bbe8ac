"""The /openapi document: pygeoapi's for what pygeoapi serves, plus GeoHub's routes generated
from the app's URL map and each view's `@documented` operation (geohub/openapi/).

pygeoapi's part is one audience's (features/audiences.py), so only layers already in its paths get
per-layer operations: the public document names no restricted layer or attribute.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from werkzeug.routing import Rule

from geohub.layers.registry import LayerRegistry
from geohub.openapi.document import (
    PROBLEM_REF,
    READ_SECURITY,
    TAGS,
    own_components,
    route_paths,
)

_PROBLEM_STATUS = re.compile(r"^[45](\d\d|XX)$")
_LAYER_PATH = re.compile(r"^/collections/([^/{}]+)$")


def complete_openapi(document: dict[str, Any]) -> dict[str, Any]:
    """pygeoapi's generated document made to stand alone offline, with GeoHub's security and tags,
    without the jobs and per-layer schema paths GeoHub does not serve (its templated schema route
    is documented with its other routes)."""
    document = copy.deepcopy(document)
    document["security"] = READ_SECURITY
    named = {tag["name"] for tag in TAGS}  # pygeoapi names a `tiles` tag of its own, without a description
    document["tags"] = [tag for tag in document.get("tags", []) if tag["name"] not in named] + TAGS
    document["paths"] = {
        path: spec
        for path, spec in document["paths"].items()
        if not path.startswith("/jobs") and not path.endswith("/schema")
    }
    return _without_remote_refs(document)


def served_openapi(
    document: dict[str, Any],
    rules: Iterable[Rule],
    views: Mapping[str, Callable[..., object]],
    registry: LayerRegistry,
) -> dict[str, Any]:
    """`document` (complete_openapi's) with every `@documented` route of the app added: a path
    pygeoapi already has gets GeoHub's parameters and responses merged into its operation. Every
    4xx and 5xx response, pygeoapi's too, is the one Problem response."""
    shown = {match.group(1) for path in document["paths"] if (match := _LAYER_PATH.match(path))}
    layers = {layer.id: layer.title.en for layer in registry if layer.id in shown}
    own = route_paths(rules, views, layers)
    components = dict(document.get("components", {}))
    resolve = _parameter_names(components.get("parameters", {}))
    paths = {path: _with_problems(item) for path, item in document["paths"].items()}
    for path, item in own.paths.items():
        target = paths.setdefault(path, {})
        for method, operation in item.items():
            target[method] = _merged(target.get(method), operation, resolve)
    generated = own_components(own.models)
    components["schemas"] = {**components.get("schemas", {}), **generated["schemas"]}
    components["responses"] = {**components.get("responses", {}), **generated["responses"]}
    components["securitySchemes"] = generated["securitySchemes"]
    return {**document, "paths": paths, "components": components}


def _parameter_names(parameters: Mapping[str, Any]) -> Callable[[dict[str, Any]], str]:
    """A parameter's name, through a `#/components/parameters/...` reference when it is one."""

    def name(parameter: dict[str, Any]) -> str:
        reference = parameter.get("$ref", "")
        if reference.startswith("#/components/parameters/"):
            return str(parameters.get(reference.rsplit("/", 1)[-1], {}).get("name", reference))
        return str(parameter.get("name", reference))

    return name


def _merged(
    existing: dict[str, Any] | None, own: dict[str, Any], name: Callable[[dict[str, Any]], str]
) -> dict[str, Any]:
    """pygeoapi's operation with GeoHub's parameters (same name: GeoHub's) and responses added."""
    if existing is None:
        return own
    own_parameters = own.get("parameters", [])
    replaced = {name(parameter) for parameter in own_parameters}
    kept = [parameter for parameter in existing.get("parameters", []) if name(parameter) not in replaced]
    merged = {**own, **existing}  # pygeoapi's summary, tags and operationId stay
    merged["parameters"] = kept + own_parameters
    merged["responses"] = {**existing.get("responses", {}), **own["responses"]}
    return merged


def _with_problems(item: dict[str, Any]) -> dict[str, Any]:
    """A pygeoapi path item whose 4xx and 5xx answers are the Problem response: GeoHub reshapes
    pygeoapi's errors into problem+json (features/routes.py)."""
    return {
        method: {
            **operation,
            "responses": {
                status: PROBLEM_REF if _PROBLEM_STATUS.match(status) else response
                for status, response in operation["responses"].items()
            },
        }
        if isinstance(operation, dict) and "responses" in operation
        else operation
        for method, operation in item.items()
    }


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
