"""Import a layer from its source: read, map fields, derive, and write a new version."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely

from geohub.errors import InvalidDataError
from geohub.etl.changes import LayerChanges, compare, snapshot, stored_snapshot
from geohub.etl.derive import area_m2, district_of
from geohub.etl.read import SourceData, read_source, source_fingerprint
from geohub.layers.models import LayerDefinition
from geohub.layers.registry import LayerRegistry
from geohub.storage.base import Feature, FeatureQuery, FeatureStore

DISTRICTS_LAYER = "districts"


@dataclass(frozen=True)
class ImportResult:
    """What an import did: the version it wrote, or that the source was unchanged."""

    layer_id: str
    version: int
    feature_count: int
    unchanged: bool
    changes: LayerChanges = field(default_factory=LayerChanges)


def import_layer(
    layer: LayerDefinition, store: FeatureStore, registry: LayerRegistry, base_dir: Path
) -> ImportResult:
    """Import `layer` from its declared source, unless it has not changed since the last import."""
    if layer.source is None:
        raise InvalidDataError(f"Layer '{layer.id}' has no source to import from.")
    fingerprint = source_fingerprint(layer, base_dir)
    current = store.current_version(layer.id)
    if current is not None and current.source_fingerprint == fingerprint:
        return ImportResult(layer.id, current.version, current.feature_count, unchanged=True)
    data = read_source(layer.source, base_dir)
    columns = mapped_columns(layer, data)
    if "area_m2" in layer.source.derive:
        columns["area_m2"] = area_m2(data.geometries)
    if "district" in layer.source.derive:
        shapes, ids = district_shapes(store, registry)
        columns["district"] = district_of(data.geometries, shapes, ids)
    features = list(features_of(layer, data, columns))
    changes = compare(stored_snapshot(store, layer), snapshot(layer, features))
    version = store.write_version(
        layer, features, source_fingerprint=fingerprint, note=f"imported from {layer.source.path.name}"
    )
    return ImportResult(layer.id, version.version, version.feature_count, unchanged=False, changes=changes)


def mapped_columns(layer: LayerDefinition, data: SourceData) -> dict[str, list[Any]]:
    """Source columns renamed to the layer's attributes (the `fields` map, else same name)."""
    assert layer.source is not None
    columns: dict[str, list[Any]] = {}
    derived = set(layer.source.derive)
    for attribute in layer.attributes:
        if attribute.name in derived:
            continue
        source_name = layer.source.fields.get(attribute.name, attribute.name)
        if source_name in data.columns:
            columns[attribute.name] = data.columns[source_name]
        elif attribute.required:
            raise InvalidDataError(
                f"The source of layer '{layer.id}' has no field '{source_name}' for '{attribute.name}'."
            )
    return columns


def features_of(layer: LayerDefinition, data: SourceData, columns: dict[str, list[Any]]) -> Iterator[Feature]:
    """One Feature per source row, geometry as WKB."""
    wkbs = shapely.to_wkb(data.geometries)
    names = list(columns)
    for index, wkb in enumerate(wkbs):
        properties = {name: columns[name][index] for name in names}
        yield Feature(str(properties.get(layer.key)), wkb, properties)


def district_shapes(store: FeatureStore, registry: LayerRegistry) -> tuple[list[shapely.Geometry], list[str]]:
    """The published district polygons and their ids (empty before districts are loaded)."""
    if DISTRICTS_LAYER not in registry.layers or store.current_version(DISTRICTS_LAYER) is None:
        return [], []
    districts = registry.get(DISTRICTS_LAYER)
    page = store.query(districts, FeatureQuery(limit=1000))
    return [shapely.from_wkb(f.geometry) for f in page.features], [f.id for f in page.features]


def import_order(registry: LayerRegistry) -> list[LayerDefinition]:
    """Layers with a source, districts first (others derive their district from it)."""
    layers = [layer for layer in registry if layer.source is not None]
    return sorted(layers, key=lambda layer: layer.id != DISTRICTS_LAYER)
