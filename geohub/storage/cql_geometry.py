"""Geometry literals of a CQL2-JSON filter (GeoJSON, BBOX) checked and turned into shapely."""

from __future__ import annotations

import math
from typing import Any

import shapely

from geohub.errors import InvalidRequestError
from geohub.messages import tr

# how deep positions are nested in each type's coordinates
_LEAF_TYPES = {
    "Point": 0,
    "MultiPoint": 1,
    "LineString": 1,
    "MultiLineString": 2,
    "Polygon": 2,
    "MultiPolygon": 3,
}
MAX_COLLECTION_DEPTH = 4


def is_geometry_literal(value: Any) -> bool:
    """True for what reads as a geometry literal: a GeoJSON geometry or a `{"bbox": […]}`."""
    return isinstance(value, dict) and ("type" in value or set(value) == {"bbox"})


def check_geometry_literal(value: Any) -> None:
    """InvalidRequestError unless `value` is a geometry literal shapely reads as it was written."""
    literal_geometry(value)


def literal_geometry(value: Any) -> shapely.Geometry:
    """A shapely geometry from a CQL2-JSON geometry literal or bbox."""
    if isinstance(value, dict) and set(value) == {"bbox"}:
        numbers = value["bbox"] if isinstance(value["bbox"], list) else []
        if len(numbers) == 6:
            numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
        if len(numbers) != 4:
            raise InvalidRequestError(tr("BBOX takes 4 or 6 numbers."))
        return _box(numbers)
    if is_geometry_literal(value):
        check_geojson(value)
        return _shape(value)
    raise InvalidRequestError(tr("A spatial predicate needs a geometry literal (WKT, GeoJSON or BBOX)."))


def _box(numbers: list[Any]) -> shapely.Geometry:
    if not all(_finite_number(n) for n in numbers):
        raise InvalidRequestError(tr("The filter has a geometry whose coordinates are not finite numbers."))
    return shapely.box(*[float(n) for n in numbers])


def check_geojson(geometry: Any, depth: int = 0) -> None:
    """InvalidRequestError naming what is wrong with a GeoJSON geometry object."""
    if not isinstance(geometry, dict):
        raise InvalidRequestError(tr("The filter has an invalid geometry."))
    kind = geometry.get("type")
    if kind == "GeometryCollection":
        members = geometry.get("geometries")
        if depth >= MAX_COLLECTION_DEPTH or not isinstance(members, list | tuple) or not members:
            raise InvalidRequestError(tr("The filter has an invalid geometry."))
        for member in members:
            check_geojson(member, depth + 1)
        return
    if not isinstance(kind, str) or kind not in _LEAF_TYPES:
        raise InvalidRequestError(
            tr("The filter has a geometry of unknown type '{type}'.", type=str(kind)[:40])
        )
    _check_coordinates(kind, geometry.get("coordinates"), _LEAF_TYPES[kind])


def _check_coordinates(kind: str, coordinates: Any, nesting: int) -> None:
    if nesting == 0:
        if not (
            isinstance(coordinates, list | tuple)
            and len(coordinates) in (2, 3)
            and all(_finite_number(c) for c in coordinates)
        ):
            raise InvalidRequestError(
                tr("The filter has a geometry whose coordinates are not finite numbers.")
            )
        return
    if not isinstance(coordinates, list | tuple) or not coordinates:
        raise InvalidRequestError(tr("The filter has a {type} with too few points.", type=kind))
    for part in coordinates:
        _check_coordinates(kind, part, nesting - 1)
    if kind in ("LineString", "MultiLineString") and nesting == 1 and len(coordinates) < 2:
        raise InvalidRequestError(tr("The filter has a {type} with too few points.", type=kind))
    if kind in ("Polygon", "MultiPolygon") and nesting == 1:
        if len(coordinates) < 4:
            raise InvalidRequestError(tr("The filter has a {type} with too few points.", type=kind))
        if list(coordinates[0]) != list(coordinates[-1]):
            raise InvalidRequestError(tr("The filter has a polygon ring that does not close."))


def _finite_number(value: Any) -> bool:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:  # an integer beyond any float
        return False


def _shape(geometry: dict[str, Any]) -> shapely.Geometry:
    try:
        shape = shapely.geometry.shape(geometry)
    except Exception:  # shapely raises many kinds for what the checks above let through
        raise InvalidRequestError(tr("The filter has an invalid geometry.")) from None
    if shape.is_empty:
        raise InvalidRequestError(tr("The filter has an invalid geometry."))
    return shape
