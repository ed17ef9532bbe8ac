"""What an import changes: features added, changed and removed by key, and where they lie."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import shapely

from geohub.layers.models import LayerDefinition
from geohub.storage.base import MAX_PAGE_SIZE, Bbox, Feature, FeatureQuery, FeatureStore
from geohub.storage.values import coerce_value


@dataclass
class LayerChanges:
    """Keys added, changed and removed, and the lon/lat boxes of every old and new shape touched."""

    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    boxes: list[Bbox] = field(default_factory=list)


def snapshot(layer: LayerDefinition, features: Iterable[Feature]) -> dict[str, tuple[str, Bbox]]:
    """key -> (fingerprint of geometry and values, envelope) of each feature."""
    names = [a.name for a in layer.attributes]
    kinds = {a.name: a.type for a in layer.attributes}
    result = {}
    for feature in features:
        geometry = shapely.from_wkb(feature.geometry)
        values = repr([_normal(kinds[n], feature.properties.get(n)) for n in names])
        digest = hashlib.sha1(shapely.to_wkb(geometry) + values.encode()).hexdigest()
        minx, miny, maxx, maxy = shapely.bounds(geometry).tolist()
        result[str(feature.properties.get(layer.key, feature.id))] = (digest, (minx, miny, maxx, maxy))
    return result


def _normal(kind: object, value: object) -> object:
    try:
        return coerce_value(kind, value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return value


def stored_snapshot(store: FeatureStore, layer: LayerDefinition) -> dict[str, tuple[str, Bbox]]:
    """The snapshot of the layer's published version (empty when it has none)."""
    if store.current_version(layer.id) is None:
        return {}
    features: list[Feature] = []
    while True:
        page = store.query(layer, FeatureQuery(limit=MAX_PAGE_SIZE, offset=len(features)))
        features += page.features
        if len(page.features) < MAX_PAGE_SIZE:
            return snapshot(layer, features)


def compare(old: dict[str, tuple[str, Bbox]], new: dict[str, tuple[str, Bbox]]) -> LayerChanges:
    """The changes from `old` to `new`."""
    changes = LayerChanges()
    for key, (digest, box) in new.items():
        before = old.get(key)
        if before is None:
            changes.added += 1
            changes.boxes.append(box)
        elif before[0] != digest:
            changes.changed += 1
            changes.boxes += [before[1], box]
        else:
            changes.unchanged += 1
    for key, (_, box) in old.items():
        if key not in new:
            changes.removed += 1
            changes.boxes.append(box)
    return changes
