"""Features as GeoJSON, in the asked CRS and with only the properties a reader may see."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import shapely
import shapely.geometry

from geohub.features.crs import geometry_transform
from geohub.storage.base import Feature


def geojson_features(
    features: Sequence[Feature],
    visible: Sequence[str],
    crs: str,
    *,
    skip_geometry: bool = False,
) -> list[dict[str, Any]]:
    """GeoJSON Feature dicts; `visible` names the properties to include, in order."""
    geometries: list[Any] = [None] * len(features)
    if not skip_geometry and features:
        parsed = shapely.from_wkb([f.geometry for f in features])
        transform = geometry_transform(crs)
        if transform is not None:
            parsed = transform(parsed)
        geometries = [shapely.geometry.mapping(g) for g in parsed]
    return [
        {
            "type": "Feature",
            "id": feature.id,
            "geometry": geometry,
            "properties": {name: feature.properties.get(name) for name in visible},
        }
        for feature, geometry in zip(features, geometries, strict=True)
    ]
