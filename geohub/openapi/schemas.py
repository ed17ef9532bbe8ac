"""pydantic models as OpenAPI 3.0 schemas and query parameters.

pydantic writes JSON Schema 2020-12; OpenAPI 3.0 (pygeoapi's document) knows neither `"type":
"null"` nor `const` nor `examples`, so optional values become `nullable`, constants one-value
enums and the first of the examples the `example`. Titles
pydantic derives from field names are left out: they only repeat the name.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

REF_TEMPLATE = "#/components/schemas/{model}"


def schema_ref(model: type[BaseModel]) -> dict[str, str]:
    """The `$ref` to `model` among the document's component schemas."""
    return {"$ref": REF_TEMPLATE.format(model=model.__name__)}


def component_schemas(models: Iterable[type[BaseModel]]) -> dict[str, Any]:
    """Every model, and every model they nest, as OpenAPI 3.0 schemas by name (shared: read only)."""
    return _component_schemas(tuple(dict.fromkeys(models)))


@cache  # models are classes, defined once: their schemas never change
def _component_schemas(models: tuple[type[BaseModel], ...]) -> dict[str, Any]:
    if not models:
        return {}
    _, top = models_json_schema([(model, "validation") for model in models], ref_template=REF_TEMPLATE)
    return {name: openapi_30(schema) for name, schema in top.get("$defs", {}).items()}


@cache
def query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    """The model's fields as optional-or-required query parameters, by their aliases (shared: read
    only)."""
    schema = model.model_json_schema(ref_template=REF_TEMPLATE, by_alias=True)
    required = set(schema.get("required", ()))
    parameters = []
    for name, field in schema["properties"].items():
        field_schema = openapi_30(field)
        if field_schema.get("default", ...) is None:  # left out; a query parameter is never null
            del field_schema["default"]
            field_schema.pop("nullable", None)
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": name in required}
        if "description" in field_schema:
            parameter["description"] = field_schema.pop("description")
        parameter["schema"] = field_schema
        parameters.append(parameter)
    return parameters


def openapi_30(schema: dict[str, Any]) -> dict[str, Any]:
    """One JSON Schema (2020-12, as pydantic writes it) in OpenAPI 3.0's dialect."""
    converted: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key == "const":
            converted["enum"] = [value]
        elif key == "examples" and isinstance(value, list):
            if value:
                converted["example"] = value[0]  # 3.0 has one `example`, not a list
        elif key == "properties":
            converted[key] = {name: openapi_30(field) for name, field in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            converted[key] = openapi_30(value)
        elif key in ("anyOf", "oneOf", "allOf"):
            converted[key] = [openapi_30(option) for option in value]
        else:
            converted[key] = value
    return _nullable(converted)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """`anyOf: [X, {"type": "null"}]` as X with `nullable: true`."""
    options = schema.get("anyOf")
    if not options or {"type": "null"} not in options:
        return schema
    rest = {key: value for key, value in schema.items() if key != "anyOf"}
    others = [option for option in options if option != {"type": "null"}]
    if len(others) == 1 and "$ref" not in others[0]:
        return {**others[0], **rest, "nullable": True}
    if len(others) == 1:
        return {"allOf": others, **rest, "nullable": True}
    return {"anyOf": others, **rest, "nullable": True}
