"""Whole-layer downloads (GeoPackage, GeoJSON, CSV), written once per published version."""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import shapely

from geohub.auth.principal import Principal
from geohub.errors import LayerNotFoundError
from geohub.features.csv_export import write_csv
from geohub.layers.models import Attribute, AttributeType, LayerDefinition
from geohub.messages import tr
from geohub.services import Services
from geohub.storage.base import MAX_PAGE_SIZE, Feature, FeatureQuery

FORMATS = {
    "gpkg": ("GPKG", "application/geopackage+sqlite3"),
    "geojson": ("GeoJSON", "application/geo+json"),
    "csv": ("CSV", "text/csv; charset=utf-8"),  # the items CSV's columns: id, attributes, WKT geometry
}
_LAYER_OPTIONS = {
    "GPKG": lambda layer: {"DESCRIPTION": layer.title.en},
    "GeoJSON": lambda layer: {"RFC7946": "YES", "DESCRIPTION": layer.title.en},
}
_NUMPY_TYPES = {
    AttributeType.integer: "int64",
    AttributeType.number: "float64",
    AttributeType.boolean: "bool",
}


def layer_download(services: Services, layer: LayerDefinition, extension: str, reader: Principal) -> Path:
    """The file of the layer's current version in `extension` with the attributes `reader` may see,
    made on first request; one file per audience, so no reader is sent another audience's file."""
    current = services.store.current_version(layer.id)
    if current is None:
        raise LayerNotFoundError(tr("Layer '{layer}' has no published data yet.", layer=layer.id))
    directory = services.settings.data_dir / "downloads"
    attributes = reader.visible_attributes(layer)
    # the columns are part of the name: a file made before an attribute became restricted is never reused
    columns = hashlib.sha1(",".join(f"{a.name}:{a.type}" for a in attributes).encode()).hexdigest()[:10]
    path = directory / reader.audience / f"{layer.id}-v{current.version}-{columns}.{extension}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _write(services, layer, attributes, path, FORMATS[extension][0])
    return path


def _all_features(services: Services, layer: LayerDefinition) -> list[Feature]:
    features: list[Feature] = []
    while True:
        page = services.store.query(layer, FeatureQuery(limit=MAX_PAGE_SIZE, offset=len(features)))
        features += page.features
        if len(page.features) < MAX_PAGE_SIZE:
            return features


def _write(
    services: Services, layer: LayerDefinition, attributes: Sequence[Attribute], path: Path, driver: str
) -> None:
    """Write to a temporary file beside `path`, then rename: readers never see half a file."""
    features = _all_features(services, layer)
    if driver == "CSV":
        _write_csv(features, attributes, path)
        return
    columns, masks = [], []
    for attribute in attributes:
        values = [f.properties.get(attribute.name) for f in features]
        mask = np.array([v is None for v in values], dtype=bool)
        columns.append(_column(attribute.type, values))
        masks.append(mask)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=path.suffix)
    os.close(handle)
    os.unlink(temporary)  # the driver creates the file itself
    try:
        pyogrio.raw.write(
            temporary,
            np.array([f.geometry for f in features], dtype=object),
            columns,
            [a.name for a in attributes],
            field_mask=masks,
            geometry_type=layer.geometry_type.value,
            crs="EPSG:4326",
            driver=driver,
            layer=layer.id,
            encoding="UTF-8",
            layer_options=_LAYER_OPTIONS[driver](layer),
            **({"dataset_options": {"VERSION": "1.3"}} if driver == "GPKG" else {}),
        )
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _write_csv(features: Sequence[Feature], attributes: Sequence[Attribute], path: Path) -> None:
    wkt = shapely.to_wkt(shapely.from_wkb([f.geometry for f in features]), rounding_precision=-1)
    rows = ((f.id, f.properties, text or "") for f, text in zip(features, wkt, strict=True))
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=path.suffix)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            write_csv(out, rows, [a.name for a in attributes])
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _column(kind: AttributeType, values: list[Any]) -> np.ndarray:
    numpy_type = _NUMPY_TYPES.get(kind)
    if numpy_type is None:
        return np.array(["" if v is None else str(v) for v in values], dtype=object)
    filler = False if kind is AttributeType.boolean else 0
    return np.array([filler if v is None else v for v in values], dtype=numpy_type)
