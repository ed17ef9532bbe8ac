"""Features cut into batches of storage-ready rows, the shared first step of every write."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import numpy as np
import shapely

from geohub.errors import FieldError, InvalidDataError
from geohub.layers.models import LayerDefinition
from geohub.messages import tr
from geohub.storage.base import Bbox, Feature, FeatureTable
from geohub.storage.values import coerce_value, unfit_reason

BATCH_SIZE = 5_000


@dataclass
class Batch:
    """Rows ready to insert: geometries, WKB, bounds (minx, miny, maxx, maxy) and the values,
    a column per attribute (PostGIS's binary COPY is built column by column)."""

    geometries: np.ndarray
    wkbs: list[bytes]
    bounds: np.ndarray
    columns: list[Sequence[Any]]

    @property
    def values(self) -> list[tuple[Any, ...]]:
        """The values row by row."""
        return list(zip(*self.columns, strict=True)) if self.columns else [() for _ in self.wkbs]


@dataclass
class ExtentTracker:
    """The running extent of everything written so far."""

    bounds: list[float] = field(default_factory=lambda: [np.inf, np.inf, -np.inf, -np.inf])
    count: int = 0

    def add(self, batch: Batch) -> None:
        if len(batch.wkbs) == 0:
            return
        self.count += len(batch.wkbs)
        self.bounds = [
            min(self.bounds[0], float(np.nanmin(batch.bounds[:, 0]))),
            min(self.bounds[1], float(np.nanmin(batch.bounds[:, 1]))),
            max(self.bounds[2], float(np.nanmax(batch.bounds[:, 2]))),
            max(self.bounds[3], float(np.nanmax(batch.bounds[:, 3]))),
        ]

    def merge(self, other: ExtentTracker) -> None:
        """Take in what another tracker saw (a write split over two connections)."""
        if other.count:
            self.count += other.count
            self.bounds = [
                min(self.bounds[0], other.bounds[0]),
                min(self.bounds[1], other.bounds[1]),
                max(self.bounds[2], other.bounds[2]),
                max(self.bounds[3], other.bounds[3]),
            ]

    @property
    def extent(self) -> Bbox | None:
        return None if self.count == 0 else (self.bounds[0], self.bounds[1], self.bounds[2], self.bounds[3])


def feature_batches(
    layer: LayerDefinition,
    features: Iterable[Feature] | FeatureTable,
    size: int = BATCH_SIZE,
    rows: range | None = None,
) -> Iterator[Batch]:
    """Coerce features to the layer schema, batch by batch; InvalidDataError on a bad one.
    `rows`: of a FeatureTable, only these."""
    if isinstance(features, FeatureTable):
        yield from table_batches(layer, features, size * 4, range(len(features)) if rows is None else rows)
        return
    iterator = iter(features)
    position = 0
    while chunk := list(islice(iterator, size)):
        geometries = _layer_geometries(layer, chunk, position)
        values = [_row(layer, feature, position + i) for i, feature in enumerate(chunk)]
        position += len(chunk)
        yield Batch(
            geometries=geometries,
            wkbs=list(shapely.to_wkb(geometries, include_srid=False)),
            bounds=shapely.bounds(geometries),
            columns=[list(column) for column in zip(*values, strict=True)] or [[] for _ in layer.attributes],
        )


def table_batches(layer: LayerDefinition, table: FeatureTable, size: int, rows: range) -> Iterator[Batch]:
    """Batches of an already validated FeatureTable's `rows`: vectorized, no per-value coercion.

    The geometry checks stay (cheap and vectorized), so a caller's mistake cannot store a
    wrong type or a non-lon/lat coordinate.
    """
    columns = [table.columns[a.name] for a in layer.attributes]
    for start in range(rows.start, rows.stop, size):
        stop = min(start + size, rows.stop)
        geometries = table.geometries[start:stop]
        _check_table_geometries(layer, geometries, start)
        yield Batch(
            geometries=geometries,
            wkbs=list(table.wkbs[start:stop]),
            bounds=shapely.bounds(geometries),
            columns=[column[start:stop] for column in columns],
        )


def _check_table_geometries(layer: LayerDefinition, geometries: np.ndarray, offset: int) -> None:
    expected = layer.geometry_type.value
    bad = shapely.is_missing(geometries) | shapely.is_empty(geometries)
    bad |= shapely.get_type_id(geometries) != TYPE_IDS[expected]
    bounds = shapely.bounds(geometries)
    with np.errstate(invalid="ignore"):
        bad |= ~np.isfinite(bounds).all(axis=1)
        bad |= (bounds[:, 0] < -180) | (bounds[:, 2] > 180) | (bounds[:, 1] < -90) | (bounds[:, 3] > 90)
    if bad.any():
        position = int(np.argmax(bad))
        raise InvalidDataError(
            tr(
                "Feature {number} of layer '{layer}': geometry missing, empty, not a {expected} or "
                "not lon/lat.",
                number=offset + position + 1,
                layer=layer.id,
                expected=expected,
            )
        )


def _layer_geometries(layer: LayerDefinition, chunk: list[Feature], offset: int) -> np.ndarray:
    """Parsed geometries of the layer's type (single parts promoted to multi), or an error."""
    geometries = shapely.from_wkb([f.geometry for f in chunk], on_invalid="ignore")
    expected = layer.geometry_type.value
    single = expected.removeprefix("Multi")
    if expected != single:
        is_single = shapely.get_type_id(geometries) == TYPE_IDS[single]
        if is_single.any():
            promote = {
                "Point": shapely.multipoints,
                "LineString": shapely.multilinestrings,
                "Polygon": shapely.multipolygons,
            }[single]
            geometries = geometries.copy()
            geometries[is_single] = [promote([g]) for g in geometries[is_single]]
    bad = shapely.is_missing(geometries) | shapely.is_empty(geometries)
    bad |= shapely.get_type_id(geometries) != TYPE_IDS[expected]
    _refuse_first(bad, layer, chunk, offset, f"missing, empty, unreadable or not a {expected}")
    geometries = shapely.force_2d(geometries)
    bounds = shapely.bounds(geometries)
    with np.errstate(invalid="ignore"):
        outside = ~np.isfinite(bounds).all(axis=1)
        outside |= (bounds[:, 0] < -180) | (bounds[:, 2] > 180) | (bounds[:, 1] < -90) | (bounds[:, 3] > 90)
    _refuse_first(outside, layer, chunk, offset, "coordinates are not finite longitude/latitude (WGS 84)")
    return geometries


def _refuse_first(
    bad: np.ndarray, layer: LayerDefinition, chunk: list[Feature], offset: int, reason: str
) -> None:
    """InvalidDataError naming the first feature flagged in `bad`, if any."""
    if bad.any():
        position = int(np.argmax(bad))
        raise InvalidDataError(
            tr(
                "Feature {number} ('{id}') of layer '{layer}': {reason}.",
                number=offset + position + 1,
                id=str(chunk[position].id),
                layer=layer.id,
                reason=reason,
            ),
            [FieldError("geometry", reason)],
        )


TYPE_IDS = {
    "Point": 0,
    "LineString": 1,
    "Polygon": 3,
    "MultiPoint": 4,
    "MultiLineString": 5,
    "MultiPolygon": 6,
}


def _row(layer: LayerDefinition, feature: Feature, position: int) -> tuple[Any, ...]:
    row = []
    for attribute in layer.attributes:
        raw = feature.properties.get(attribute.name)
        try:
            value = coerce_value(attribute.type, raw)
        except (TypeError, ValueError) as exc:
            raise InvalidDataError(
                tr(
                    "Feature {number} of layer '{layer}': '{attribute}' {reason}.",
                    number=position + 1,
                    layer=layer.id,
                    attribute=attribute.name,
                    reason=unfit_reason(exc),
                ),
                [FieldError(attribute.name, unfit_reason(exc))],
            ) from None
        if value is not None and attribute.allowed_values and value not in attribute.allowed_values:
            raise InvalidDataError(
                tr(
                    "Feature {number} of layer '{layer}': '{attribute}' is '{value}', not one of {allowed}.",
                    number=position + 1,
                    layer=layer.id,
                    attribute=attribute.name,
                    value=value,
                    allowed=", ".join(map(str, attribute.allowed_values)),
                ),
                [FieldError(attribute.name, tr("not an allowed value"))],
            )
        if value is None and attribute.required:
            raise InvalidDataError(
                tr(
                    "Feature {number} of layer '{layer}' lacks required '{attribute}'.",
                    number=position + 1,
                    layer=layer.id,
                    attribute=attribute.name,
                ),
                [FieldError(attribute.name, tr("required"))],
            )
        row.append(value)
    return tuple(row)
