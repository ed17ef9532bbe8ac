"""Where a report is: the district polygon that holds its point and the nearest registered address.

Both come from the published `districts` and `addresses` layers through the store's bbox query;
distances are metres on a local equirectangular projection (good to centimetres over 100 m).
A layer not published yet gives no district or no address rather than an error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import shapely

from geohub.errors import LayerNotFoundError
from geohub.layers.registry import LayerRegistry
from geohub.storage.base import Feature, FeatureQuery, FeatureStore

DISTRICTS_LAYER = "districts"
ADDRESSES_LAYER = "addresses"
ADDRESS_RADIUS_M = 100.0
METRES_PER_DEGREE = 111_320.0  # of latitude; of longitude times cos(latitude)
_POINT_BOX_DEG = 1e-9


@dataclass(frozen=True)
class Place:
    district: str | None
    address: str | None
    city_known: bool = True  # the districts layer is published, so no district means outside the city

    @property
    def outside_city(self) -> bool:
        return self.city_known and self.district is None


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Metres between two nearby lon/lat points (equirectangular: for distances of a few km)."""
    dx = (lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(dx, lat2 - lat1) * METRES_PER_DEGREE


def box_around(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """A lon/lat box holding every point within `radius_m` of (lon, lat)."""
    dlat = radius_m / METRES_PER_DEGREE
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    return (lon - dlon, lat - dlat, lon + dlon, lat + dlat)


def locate(store: FeatureStore, registry: LayerRegistry, lon: float, lat: float) -> Place:
    """The district and nearest address of a point; whether the city's districts are known."""
    district = _district(store, registry, lon, lat)
    if district is None:
        known = DISTRICTS_LAYER in registry.layers and bool(store.extent(DISTRICTS_LAYER))
        return Place(None, None, city_known=known)
    return Place(district=district, address=_address(store, registry, lon, lat))


def _features(
    store: FeatureStore, registry: LayerRegistry, layer_id: str, bbox: tuple[float, float, float, float]
) -> list[Feature]:
    if layer_id not in registry.layers:
        return []
    try:
        return store.query(registry.get(layer_id), FeatureQuery(bbox=bbox, limit=1000)).features
    except LayerNotFoundError:  # not published yet
        return []


def _district(store: FeatureStore, registry: LayerRegistry, lon: float, lat: float) -> str | None:
    box = (lon - _POINT_BOX_DEG, lat - _POINT_BOX_DEG, lon + _POINT_BOX_DEG, lat + _POINT_BOX_DEG)
    point = shapely.Point(lon, lat)
    for feature in _features(store, registry, DISTRICTS_LAYER, box):
        if shapely.from_wkb(feature.geometry).covers(point):
            return feature.id
    return None


def _address(store: FeatureStore, registry: LayerRegistry, lon: float, lat: float) -> str | None:
    nearest: tuple[float, str] | None = None
    for feature in _features(store, registry, ADDRESSES_LAYER, box_around(lon, lat, ADDRESS_RADIUS_M)):
        where = shapely.from_wkb(feature.geometry)
        metres = distance_m(lon, lat, where.x, where.y)
        text = _address_text(feature)
        if metres <= ADDRESS_RADIUS_M and text and (nearest is None or metres < nearest[0]):
            nearest = (metres, text)
    return nearest[1] if nearest else None


def _address_text(feature: Feature) -> str:
    street = str(feature.properties.get("street") or "").strip()
    number = str(feature.properties.get("housenumber") or "").strip()
    return ", ".join(part for part in (street, number) if part)
