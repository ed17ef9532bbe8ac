"""Attributes derived from geometry: area in square metres and the district a feature lies in."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from pyproj import Transformer

UTM_43N = 32643  # the metric CRS of Almaty
_TO_UTM = Transformer.from_crs(4326, UTM_43N, always_xy=True)


def area_m2(geometries: np.ndarray) -> list[float]:
    """Areas in square metres, measured in UTM 43N (within ~0.1 % of geodesic over Almaty)."""
    projected = shapely.transform(
        geometries, lambda xy: np.column_stack(_TO_UTM.transform(xy[:, 0], xy[:, 1]))
    )
    return [round(float(a), 1) for a in shapely.area(projected)]


def district_of(
    geometries: np.ndarray, district_shapes: Sequence[shapely.Geometry], district_ids: Sequence[str]
) -> list[str | None]:
    """The id of the district holding each geometry's representative point, None outside all."""
    if len(district_shapes) == 0:
        return [None] * len(geometries)
    points = shapely.point_on_surface(geometries)
    tree = shapely.STRtree(list(district_shapes))
    point_index, district_index = tree.query(points, predicate="within")
    found: list[str | None] = [None] * len(geometries)
    for p, d in zip(point_index.tolist(), district_index.tolist(), strict=True):
        if found[p] is None:
            found[p] = district_ids[d]
    return found
