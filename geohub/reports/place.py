"""Where a report is: the district polygon that holds its point and the nearest registered address.

Both come from the published `districts` and `addresses` layers through the store's bbox query;
distances are metres on a local equirectangular projection (good to centimetres over 100 m).
A layer not published yet gives no district or no address rather than an error.
"""

from __future__ import annotations

import math
import threading
import time
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


def locate(
    store: FeatureStore, registry: LayerRegistry, lon: float, lat: float, districts: Districts | None = None
) -> Place:
    """The district and nearest address of a point; whether the city's districts are known.
    `districts`: the polygons kept in memory (else read from the store for this point)."""
    if districts is not None:
        district, known = districts.holding(store, registry, lon, lat)
    else:
        district = _district(store, registry, lon, lat)
        known = district is not None or (
            DISTRICTS_LAYER in registry.layers and bool(store.extent(DISTRICTS_LAYER))
        )
    if district is None:
        return Place(None, None, city_known=known)
    return Place(district=district, address=_address(store, registry, lon, lat))


class Districts:
    """The published districts' polygons, prepared, kept for `max_age_s`: a filing then finds
    its district in microseconds instead of reading eight city-sized polygons from the store.
    A new districts version is seen within `max_age_s` (boundaries change once in years)."""

    def __init__(self, max_age_s: float = 10.0) -> None:
        self._max_age_s = max_age_s
        self._lock = threading.Lock()
        self._read_at = -math.inf
        self._tree: shapely.STRtree | None = None
        self._ids: list[str] = []

    def holding(
        self, store: FeatureStore, registry: LayerRegistry, lon: float, lat: float
    ) -> tuple[str | None, bool]:
        """The district holding the point, and whether any district is published."""
        tree, ids = self._current(store, registry)
        if tree is None:
            return None, False
        point = shapely.Point(lon, lat)
        for index in tree.query(point, predicate="intersects"):
            return ids[int(index)], True
        return None, True

    def _current(
        self, store: FeatureStore, registry: LayerRegistry
    ) -> tuple[shapely.STRtree | None, list[str]]:
        with self._lock:
            if time.monotonic() - self._read_at > self._max_age_s:
                features = _features(store, registry, DISTRICTS_LAYER, (-180.0, -90.0, 180.0, 90.0))
                polygons = [shapely.from_wkb(f.geometry) for f in features]
                shapely.prepare(polygons)
                self._tree = shapely.STRtree(polygons) if polygons else None
                self._ids = [f.id for f in features]
                self._read_at = time.monotonic()
            return self._tree, self._ids


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
