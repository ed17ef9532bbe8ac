"""Mapbox Vector Tile encoding of shapely geometries (the embedded backend's encoder)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import mapbox_vector_tile

from geohub.storage.base import Bbox


@dataclass(frozen=True)
class TileLayer:
    """One MVT layer's content: Web Mercator geometries already clipped, with ids and properties."""

    name: str
    geometries: Sequence[Any]  # shapely geometries in Web Mercator metres
    ids: Sequence[int]
    properties: Sequence[dict[str, Any]]


def encode_tile(layers: Sequence[TileLayer], bounds_3857: Bbox, extent: int = 4096) -> bytes:
    """MVT 2.1 bytes; empty layers are left out, and no layer at all gives empty bytes."""
    content = [
        {
            "name": layer.name,
            "features": [
                {"geometry": geometry, "id": int(fid), "properties": properties}
                for geometry, fid, properties in zip(
                    layer.geometries, layer.ids, layer.properties, strict=True
                )
            ],
        }
        for layer in layers
        if len(layer.geometries)
    ]
    if not content:
        return b""
    return bytes(
        mapbox_vector_tile.encode(
            content,
            default_options={"quantize_bounds": bounds_3857, "extents": extent, "y_coord_down": False},
        )
    )
