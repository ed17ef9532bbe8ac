"""Coordinate reference systems offered by OGC API – Features Part 2, with their axis order."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS, Transformer

from geohub.errors import InvalidRequestError
from geohub.messages import tr
from geohub.storage.base import Bbox

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
EPSG_32643 = "http://www.opengis.net/def/crs/EPSG/0/32643"
SUPPORTED_CRS = (CRS84, EPSG_4326, EPSG_3857, EPSG_32643)
STORAGE_CRS = CRS84
_CRS_BY_URI = {
    CRS84: "OGC:CRS84",
    EPSG_4326: "EPSG:4326",
    EPSG_3857: "EPSG:3857",
    EPSG_32643: "EPSG:32643",
}
_ALIASES = {
    "crs84": CRS84,
    "ogc:crs84": CRS84,
    "[ogc:crs84]": CRS84,
    "epsg:4326": EPSG_4326,
    "[epsg:4326]": EPSG_4326,
    "epsg:3857": EPSG_3857,
    "[epsg:3857]": EPSG_3857,
    "epsg:32643": EPSG_32643,
    "[epsg:32643]": EPSG_32643,
}

GeometryTransform = Callable[[np.ndarray], np.ndarray]


def canonical_crs(value: str, parameter: str = "crs") -> str:
    """The URI of a CRS we offer (URIs, EPSG:n and [EPSG:n] CURIEs accepted), else a 400."""
    text = value.strip()
    if text in SUPPORTED_CRS:
        return text
    uri = _ALIASES.get(text.lower()) or _ALIASES.get(text.lower().replace("https://", "http://"))
    if uri is None and text.replace("https://", "http://") in SUPPORTED_CRS:
        uri = text.replace("https://", "http://")
    if uri is None:
        raise InvalidRequestError(
            tr(
                "{parameter} '{value}' is not offered; use one of: {choices}.",
                parameter=parameter,
                value=value,
                choices=", ".join(SUPPORTED_CRS),
            )
        )
    return uri


@lru_cache(maxsize=16)
def _transformer(source_uri: str, target_uri: str) -> Transformer:
    source, target = (
        CRS.from_user_input(_CRS_BY_URI[source_uri]),
        CRS.from_user_input(_CRS_BY_URI[target_uri]),
    )
    return Transformer.from_crs(source, target, always_xy=False)


def geometry_transform(target_uri: str) -> GeometryTransform | None:
    """A function taking lon/lat geometries to `target_uri` in its axis order; None for CRS84."""
    if target_uri == CRS84:
        return None
    transformer = _transformer(CRS84, target_uri)

    def transform(geometries: np.ndarray) -> np.ndarray:
        return shapely.transform(
            geometries, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
        )

    return transform


def bbox_to_crs84(bbox: Bbox, bbox_crs_uri: str) -> Bbox:
    """A bbox given in `bbox_crs_uri` (its axis order) as lon/lat, edges densified."""
    if bbox_crs_uri == CRS84:
        return bbox
    minx, miny, maxx, maxy = _transformer(bbox_crs_uri, CRS84).transform_bounds(*bbox, densify_pts=21)
    return (minx, miny, maxx, maxy)


def bbox_from_crs84(bbox: Bbox, target_uri: str) -> Bbox:
    """A lon/lat bbox expressed in `target_uri` (its axis order)."""
    if target_uri == CRS84:
        return bbox
    a, b, c, d = _transformer(CRS84, target_uri).transform_bounds(*bbox, densify_pts=21)
    return (a, b, c, d)
