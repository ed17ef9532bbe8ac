"""Stored rows back into Features and LayerVersions, the same way for both backends."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from geohub.layers.models import LayerDefinition
from geohub.storage.base import Feature, LayerVersion
from geohub.storage.values import from_storage

VERSION_FIELDS = (
    "layer_id, version, created_at, feature_count, min_x, min_y, max_x, max_y, "
    "is_current, source_fingerprint, note"
)


def feature_from_row(layer: LayerDefinition, wkb: bytes, values: tuple[Any, ...]) -> Feature:
    """A Feature from its WKB and the attribute values in schema order."""
    properties = {
        a.name: from_storage(a.type, value) for a, value in zip(layer.attributes, values, strict=True)
    }
    return Feature(str(properties[layer.key]), wkb, properties)


def version_from_row(row: tuple[Any, ...]) -> LayerVersion:
    """A LayerVersion from a row selected with VERSION_FIELDS."""
    layer_id, version, created, count, minx, miny, maxx, maxy, current, fingerprint, note = row
    created_at = created if isinstance(created, datetime) else datetime.fromisoformat(created)
    extent = None if minx is None else (minx, miny, maxx, maxy)
    return LayerVersion(
        layer_id, int(version), created_at, int(count), extent, bool(current), fingerprint, note
    )


def schema_of(layer: LayerDefinition) -> dict[str, str]:
    """The stored schema: attribute name -> type."""
    return {a.name: a.type.value for a in layer.attributes}


def readable_layer(layer: LayerDefinition, stored: Mapping[str, str]) -> LayerDefinition:
    """The layer as its stored version can answer it: only attributes written with the same type.

    A definition edited after the last import (an attribute added or retyped) must not break
    reads; the missing attributes read as absent until the next import writes them.
    """
    if all(stored.get(a.name) == a.type.value for a in layer.attributes):
        return layer
    kept = tuple(a for a in layer.attributes if stored.get(a.name) == a.type.value)
    return layer.model_copy(update={"attributes": kept})
