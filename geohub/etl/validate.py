"""Validate mapped source rows against a layer: types, required, allowed values, duplicate keys,
geometry presence, type and validity (with optional repair), and the city's bounds.

Every row that fails is listed with the reason; the valid rows come back as a FeatureTable,
ready to diff and store. Columnar and vectorized where it counts: a city-scale layer is
hundreds of thousands of rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from pandas.api.types import infer_dtype

from geohub.errors import FieldError, InvalidDataError
from geohub.layers.models import Attribute, AttributeType, LayerDefinition
from geohub.messages import Message, stored, tr
from geohub.storage.base import Bbox, FeatureTable
from geohub.storage.batches import TYPE_IDS
from geohub.storage.values import INT64_MAX, INT64_MIN, coerce_value, unfit_reason
from geohub.threads import across_cores

_MULTI_OF = {"Point": "MultiPoint", "LineString": "MultiLineString", "Polygon": "MultiPolygon"}
_PROMOTE = {
    "Point": shapely.multipoints,
    "LineString": shapely.multilinestrings,
    "Polygon": shapely.multipolygons,
}
EMPTY_KEY = tr("is empty: every row needs a key")
MOSTLY_OUTSIDE = 0.5  # more rows than this outside the city: the CRS is wrong, not the rows


@dataclass(frozen=True)
class RowProblem:
    """Why one source row cannot be published."""

    row: Message  # human reference: "line 17" (CSV) or "feature 5"
    key: str | None
    field: str  # the attribute, or "geometry"
    reason: Message

    def to_json(self) -> dict[str, Any]:
        """The problem as stored in a report: its texts as messages, rendered when read."""
        return {"row": stored(self.row), "key": self.key, "field": self.field, "reason": stored(self.reason)}


@dataclass
class Validated:
    """The valid rows as a FeatureTable, every problem, and how many geometries were repaired."""

    table: FeatureTable
    problems: list[RowProblem] = field(default_factory=list)
    invalid_rows: int = 0
    repaired: int = 0
    repaired_rows: list[Message] = field(default_factory=list)
    total: int = 0


def validate_rows(
    layer: LayerDefinition,
    geometries: np.ndarray,
    columns: dict[str, list[Any]],
    *,
    row_labels: Sequence[Message],
    read_problems: dict[int, Message],
    city_bounds: Bbox,
    repair: bool,
    source_wkbs: np.ndarray | None = None,
) -> Validated:
    """Check every row; the table holds only rows without a problem. `source_wkbs`: the WKB the
    geometries were decoded from (kept for the rows whose geometry stays as it was)."""
    count = len(geometries)
    problems: dict[int, list[tuple[str, Message]]] = {
        i: [("geometry", reason)] for i, reason in read_problems.items()
    }
    decoded = geometries
    geometries, repaired = _checked_geometries(layer, geometries, problems, repair)
    _check_bounds(layer, geometries, problems, city_bounds)
    coerced = {}
    for attribute in layer.attributes:
        values = columns.get(attribute.name) or [None] * count
        coerced[attribute.name] = _coerced_column(attribute, values, problems)
    _check_empty_keys(layer, coerced[layer.key], problems)
    _check_duplicate_keys(layer, coerced[layer.key], problems, row_labels)
    valid = np.ones(count, dtype=bool)
    if problems:
        valid[list(problems)] = False
    keys = coerced[layer.key]
    listed = [
        RowProblem(row_labels[i], None if keys[i] is None else str(keys[i]), name, reason)
        for i in sorted(problems)
        for name, reason in problems[i]
    ]
    kept = _flat(geometries[valid]) if count else geometries
    table = FeatureTable(
        kept,
        {
            name: [v for v, ok in zip(values, valid.tolist(), strict=True) if ok]
            for name, values in coerced.items()
        }
        if problems
        else coerced,
        _kept_wkbs(kept, decoded, np.flatnonzero(valid), source_wkbs),
    )
    repaired_rows = [row_labels[i] for i in np.flatnonzero(repaired & valid).tolist()]
    return Validated(table, listed, len(problems), len(repaired_rows), repaired_rows, count)


def _checked_geometries(
    layer: LayerDefinition,
    geometries: np.ndarray,
    problems: dict[int, list[tuple[str, Message]]],
    repair: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Geometries of the layer's type (single parts promoted, invalid ones repaired when asked)."""
    geometries = np.asarray(geometries, dtype=object).copy()
    missing = shapely.is_missing(geometries) | shapely.is_empty(geometries)
    for i in np.flatnonzero(missing).tolist():
        problems.setdefault(i, []).append(("geometry", tr("has no geometry")))
    repaired = np.zeros(len(geometries), dtype=bool)
    present = ~missing
    invalid = present & ~across_cores(shapely.is_valid, geometries)
    if invalid.any():
        indexes = np.flatnonzero(invalid)
        if repair:
            fixed = shapely.make_valid(geometries[indexes])
            geometries[indexes] = [_parts_of(layer, g) for g in fixed]
            repaired[indexes] = True
        else:
            for i, reason in zip(
                indexes.tolist(), shapely.is_valid_reason(geometries[indexes]).tolist(), strict=True
            ):
                problems.setdefault(i, []).append(
                    ("geometry", tr("has an invalid geometry: {reason}", reason=reason))
                )
            present &= ~invalid
    geometries = _layer_typed(layer, geometries, present, problems)
    return geometries, repaired


def _parts_of(layer: LayerDefinition, geometry: shapely.Geometry) -> shapely.Geometry | None:
    """The parts of a repaired geometry that belong to the layer's type (a collection's polygons…)."""
    single = layer.geometry_type.value.removeprefix("Multi")
    if shapely.get_type_id(geometry) != 7:  # not a GeometryCollection
        return geometry
    parts = [
        p
        for p in shapely.get_parts(geometry)
        if shapely.get_type_id(p) in (TYPE_IDS[single], TYPE_IDS[_MULTI_OF[single]])
    ]
    parts = [q for p in parts for q in shapely.get_parts(p)]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else _PROMOTE[single](parts)


def _layer_typed(
    layer: LayerDefinition,
    geometries: np.ndarray,
    present: np.ndarray,
    problems: dict[int, list[tuple[str, Message]]],
) -> np.ndarray:
    expected = layer.geometry_type.value
    single = expected.removeprefix("Multi")
    type_ids = shapely.get_type_id(geometries)
    if expected != single:  # a multi layer takes single parts, promoted
        promote = present & (type_ids == TYPE_IDS[single])
        if promote.any():
            geometries[promote] = [_PROMOTE[single]([g]) for g in geometries[promote]]
            type_ids = shapely.get_type_id(geometries)
    else:  # a single layer takes one-part multis, unwrapped
        unwrap = (
            present
            & (type_ids == TYPE_IDS[_MULTI_OF[single]])
            & (shapely.get_num_geometries(geometries) == 1)
        )
        if unwrap.any():
            geometries[unwrap] = [shapely.get_geometry(g, 0) for g in geometries[unwrap]]
            type_ids = shapely.get_type_id(geometries)
    missing_now = shapely.is_missing(geometries) & present
    for i in np.flatnonzero(missing_now).tolist():
        problems.setdefault(i, []).append(
            ("geometry", tr("has nothing of type {expected} left after repair", expected=expected))
        )
    wrong = present & ~missing_now & (type_ids != TYPE_IDS[expected])
    for i in np.flatnonzero(wrong).tolist():
        found = shapely.get_type_id(geometries[i])
        name = next((n for n, t in TYPE_IDS.items() if t == found), "GeometryCollection")
        problems.setdefault(i, []).append(
            ("geometry", tr("is a {found}, the layer holds {expected}", found=name, expected=expected))
        )
    return geometries


def _check_bounds(
    layer: LayerDefinition, geometries: np.ndarray, problems: dict[int, list[tuple[str, Message]]], city: Bbox
) -> None:
    """Rows outside the city are listed; most rows outside means a wrong CRS: the import stops."""
    bounds = shapely.bounds(geometries)
    with np.errstate(invalid="ignore"):
        known = np.isfinite(bounds).all(axis=1)
        inside = (
            (bounds[:, 0] >= city[0])
            & (bounds[:, 1] >= city[1])
            & (bounds[:, 2] <= city[2])
            & (bounds[:, 3] <= city[3])
        )
    outside = known & ~inside
    if known.sum() and outside.sum() > MOSTLY_OUTSIDE * known.sum():
        sample = bounds[np.argmax(outside)]
        raise InvalidDataError(
            tr(
                "{outside} of {total} features lie outside Almaty (the first at {lon}, {lat} "
                "after reprojection): the source coordinate reference system is probably wrong; "
                "give the right one (crs).",
                outside=int(outside.sum()),
                total=int(known.sum()),
                lon=round(float(sample[0]), 4),
                lat=round(float(sample[1]), 4),
            ),
            [FieldError("crs", tr("coordinates far outside the city"))],
        )
    for i in np.flatnonzero(outside).tolist():
        minx, miny = bounds[i, 0], bounds[i, 1]
        problems.setdefault(i, []).append(
            (
                "geometry",
                tr(
                    "lies outside the city bounds (near {lon}, {lat})",
                    lon=round(float(minx), 4),
                    lat=round(float(miny), 4),
                ),
            )
        )


def _coerced_column(
    attribute: Attribute, values: list[Any], problems: dict[int, list[tuple[str, Message]]]
) -> list[Any]:
    """The column coerced to the attribute's type; bad values become problems (and None)."""
    column = _fast_coerced(attribute.type, values)
    if column is None:
        column = []
        for i, value in enumerate(values):
            try:
                column.append(coerce_value(attribute.type, value))
            except (TypeError, ValueError) as exc:
                reason = tr("'{value}' {reason}", value=_shown(value), reason=unfit_reason(exc))
                problems.setdefault(i, []).append((attribute.name, reason))
                column.append(None)
    if attribute.required:
        for i, value in enumerate(column):
            if value is None:
                problems.setdefault(i, []).append((attribute.name, tr("is required")))
    if attribute.allowed_values:
        allowed = set(attribute.allowed_values)
        for i, value in enumerate(column):
            if value is not None and value not in allowed:
                problems.setdefault(i, []).append(
                    (
                        attribute.name,
                        tr(
                            "'{value}' is not one of {allowed}",
                            value=_shown(value),
                            allowed=", ".join(map(str, attribute.allowed_values)),
                        ),
                    )
                )
    return column


def _fast_coerced(kind: AttributeType, values: list[Any]) -> list[Any] | None:
    """The column unchanged when its Python types already fit (checked in C by pandas), else
    None: then every value goes through coerce_value, which names the bad ones."""
    found = infer_dtype(values, skipna=True)
    if found == "empty":
        return [None] * len(values)
    if kind is AttributeType.string and found == "string":
        try:
            has_nul = "\x00" in "".join(filter(None, values))
        except TypeError:  # a NaN among the strings: the slow path makes it None
            return None
        return None if has_nul else list(values)
    if kind is AttributeType.number and found == "floating":
        numbers = np.array(values, dtype=np.float64)  # None becomes NaN
        if np.isinf(numbers).any():
            return None  # the slow path names the row
        return [None if v is None or v != v else v for v in values]  # NaN is no value
    if kind is AttributeType.integer and found == "integer":
        present = [v for v in values if v is not None]
        in_range = not present or (min(present) >= INT64_MIN and max(present) <= INT64_MAX)
        return list(values) if in_range else None
    if kind is AttributeType.boolean and found == "boolean":
        return list(values)
    return None


WKB_SAMPLE = 16  # rows whose source WKB is checked against GEOS's encoding before it is kept


def _kept_wkbs(
    kept: np.ndarray, decoded: np.ndarray, rows: np.ndarray, source_wkbs: np.ndarray | None
) -> np.ndarray | None:
    """The WKB of the `kept` geometries (those of `rows` of the source): the source's own bytes
    where the geometry is the one decoded from them, GEOS's encoding where validation changed it
    (repaired, promoted to multi, flattened). None when there are no source bytes, or when a
    sample of them differs from what GEOS writes (the digests must not depend on the reader)."""
    if source_wkbs is None or not len(kept):
        return None
    same = np.fromiter(
        (a is b for a, b in zip(kept.tolist(), decoded[rows].tolist(), strict=True)), bool, len(kept)
    )
    wkbs = np.asarray(source_wkbs, dtype=object)[rows]
    sample = np.flatnonzero(same)[:: max(1, int(same.sum()) // WKB_SAMPLE)][:WKB_SAMPLE]
    if len(sample) and shapely.to_wkb(kept[sample], include_srid=False).tolist() != wkbs[sample].tolist():
        return None
    if not same.all():
        wkbs[~same] = shapely.to_wkb(kept[~same], include_srid=False)
    return wkbs


def _flat(geometries: np.ndarray) -> np.ndarray:
    """Geometries without Z or M (stored 2D); untouched when they are already flat."""
    return shapely.force_2d(geometries) if shapely.has_z(geometries).any() else geometries


def _check_empty_keys(
    layer: LayerDefinition, keys: list[Any], problems: dict[int, list[tuple[str, Message]]]
) -> None:
    """A key of only whitespace ("" included) names no feature: the row is invalid (None is
    already `is required`)."""
    for i, key in enumerate(keys):
        if isinstance(key, str) and not key.strip():
            problems.setdefault(i, []).append((layer.key, EMPTY_KEY))


def _check_duplicate_keys(
    layer: LayerDefinition,
    keys: list[Any],
    problems: dict[int, list[tuple[str, Message]]],
    row_labels: Sequence[Message],
) -> None:
    present = [k for k in keys if k is not None]
    if len(set(present)) == len(present):
        return
    counts = Counter(present)
    duplicated = {k for k, n in counts.items() if n > 1}
    if not duplicated:
        return
    first: dict[Any, int] = {}
    for i, key in enumerate(keys):
        if key in duplicated:
            if key not in first:
                first[key] = i
                problems.setdefault(i, []).append(
                    (layer.key, tr("'{key}' appears more than once", key=str(key)))
                )
            else:
                problems.setdefault(i, []).append(
                    (
                        layer.key,
                        tr(
                            "'{key}' appears more than once (first at {row})",
                            key=str(key),
                            row=row_labels[first[key]],
                        ),
                    )
                )


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"
