"""The in-memory geocoding index: every address and named feature of the published layers.

Built from the store's current versions of the public layers that carry a name (`name`,
`name_kk`, `name_ru`, `name_en`) and of `addresses`; rebuilt when one of their published versions
changes, which is checked at most every `check_every_s` seconds (one cheap read per layer).
A query looks its words up in a sorted list of word keys (a prefix is a range of it) and scores
only the entries holding every word.
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import shapely

from geohub.errors import LayerNotFoundError
from geohub.geocoding.spelling import MIN_PREFIX, number_key, split_words
from geohub.layers.models import LayerDefinition
from geohub.reports.place import ADDRESSES_LAYER, DISTRICTS_LAYER, distance_m
from geohub.services import Services
from geohub.storage.base import Bbox, FeatureStore

NAME_ATTRIBUTES = ("name", "name_kk", "name_ru", "name_en")
LANGUAGES = ("kk", "ru", "en")
ADDRESS_KIND = "address"
# the street graph: the names of `roads` again, cut into thousands of edges
NOT_INDEXED = frozenset({"routing_network", "pedestrian_network"})


@dataclass(frozen=True)
class Entry:
    """One thing a query can find: an address or a named feature, at a point."""

    kind: str  # "address" or the layer id
    layer: str
    id: str
    lon: float
    lat: float
    district: str | None
    names: dict[str, str]  # language ("" for the default name) -> label
    words: frozenset[str]
    number: str = ""  # an address's house-number key

    def label(self, language: str) -> str:
        return self.names.get(language) or self.names.get("") or next(iter(self.names.values()), self.id)


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float


@dataclass(frozen=True)
class Nearest:
    """The answer to a reverse query: the district holding the point and the nearest address."""

    district: str | None
    city_known: bool  # the districts layer is published
    address: Entry | None
    distance_m: float | None


class Snapshot:
    """The entries of one set of published versions, with their word lookup."""

    def __init__(self, entries: list[Entry], districts: list[tuple[str, shapely.Geometry]]) -> None:
        self.entries = entries
        postings: dict[str, list[int]] = {}
        for position, entry in enumerate(entries):
            for word in entry.words:
                postings.setdefault(word, []).append(position)
        self._keys = sorted(postings)
        self._postings = [np.array(postings[key], dtype=np.int64) for key in self._keys]
        addresses = [i for i, e in enumerate(entries) if e.kind == ADDRESS_KIND]
        self._addresses = np.array(addresses, dtype=np.int64)
        self._address_xy = np.array([(entries[i].lon, entries[i].lat) for i in addresses]).reshape(-1, 2)
        self._district_ids = [slug for slug, _ in districts]
        polygons = [polygon for _, polygon in districts]
        shapely.prepare(polygons)
        self._district_tree = shapely.STRtree(polygons) if polygons else None

    def _holding(self, word: str) -> set[int]:
        """Entries with a word equal to `word`, or starting with it when it is long enough."""
        start = bisect.bisect_left(self._keys, word)
        found: set[int] = set()
        end = start
        while end < len(self._keys) and self._keys[end].startswith(word):
            if len(word) >= MIN_PREFIX or self._keys[end] == word:
                found.update(self._postings[end].tolist())
            end += 1
        return found

    def search(self, text: str, limit: int, bbox: Bbox | None = None) -> list[Match]:
        """The best `limit` entries for `text`, best first."""
        query = split_words(text)
        if not query.words and not query.numbers:
            return []
        if query.words:
            candidates = set.intersection(*(self._holding(word) for word in query.words))
        else:  # a bare number: the addresses with that number
            candidates = set(self._addresses.tolist())
        number = query.numbers[0] if query.numbers else ""
        matches: list[Match] = []
        for position in candidates:
            entry = self.entries[position]
            if bbox and not (bbox[0] <= entry.lon <= bbox[2] and bbox[1] <= entry.lat <= bbox[3]):
                continue
            score = _score(query.words, entry)
            if number:
                if entry.kind != ADDRESS_KIND:
                    score *= 0.5  # a named feature when a house was asked for
                elif entry.number == number:
                    score += 1.0
                elif entry.number.startswith(number):
                    score += 0.5
                else:
                    continue
            elif entry.kind == ADDRESS_KIND:
                score *= 0.9  # "Абая": the avenue's named features before its houses
            matches.append(Match(entry, round(score, 4)))
        matches.sort(
            key=lambda m: (-m.score, m.entry.kind != ADDRESS_KIND, _house_order(m.entry), m.entry.id)
        )
        return matches[:limit]

    def nearest(self, lon: float, lat: float, radius_m: float) -> Nearest:
        """The district holding (lon, lat) and the nearest address within `radius_m`."""
        district = None
        if self._district_tree is not None:
            hits = self._district_tree.query(shapely.Point(lon, lat), predicate="intersects")
            district = self._district_ids[int(hits[0])] if len(hits) else None
        address, metres = None, None
        if len(self._addresses):
            dx = (self._address_xy[:, 0] - lon) * math.cos(math.radians(lat))
            dy = self._address_xy[:, 1] - lat
            closest = int(np.argmin(dx * dx + dy * dy))
            entry = self.entries[int(self._addresses[closest])]
            found = distance_m(lon, lat, entry.lon, entry.lat)
            if found <= radius_m:
                address, metres = entry, found
        return Nearest(district, self._district_tree is not None, address, metres)


def _score(words: tuple[str, ...], entry: Entry) -> float:
    """1.0 when every word is one of the entry's words and the entry has no other; less for
    prefixes (by the share of letters matched) and for entry words the query did not name."""
    if not words:
        return 1.0
    total = 0.0
    for word in words:
        best = max((len(word) / len(own) for own in entry.words if own.startswith(word)), default=0.0)
        total += best
    coverage = min(len(words), len(entry.words)) / max(len(entry.words), 1)
    return total / len(words) * (0.7 + 0.3 * coverage)


def _house_order(entry: Entry) -> tuple[int, str]:
    digits = "".join(c for c in entry.number[:6] if c.isdigit())
    return (int(digits) if digits else 0, entry.number)


class GeocodingIndex:
    """The current Snapshot of the services' store, rebuilt when a published version of its layers
    changes. The store is opened on first use, like everywhere else: an app starts without it."""

    def __init__(self, services: Services, check_every_s: float = 5.0) -> None:
        self._services = services
        self._registry = services.registry
        self._check_every_s = check_every_s
        self._lock = threading.Lock()
        self._checked_at = -math.inf
        self._versions: dict[str, int | None] | None = None
        self._snapshot: Snapshot | None = None

    def layers(self) -> list[LayerDefinition]:
        """The public layers the index reads: addresses, districts and every named layer."""
        return [
            layer
            for layer in self._registry.layers.values()
            if layer.is_public
            and layer.id not in NOT_INDEXED
            and (
                layer.id in (ADDRESSES_LAYER, DISTRICTS_LAYER)
                or any(a.name in NAME_ATTRIBUTES for a in layer.public_attributes())
            )
        ]

    def snapshot(self) -> Snapshot:
        """The entries of the current published versions (rebuilt here when they changed)."""
        with self._lock:
            now = time.monotonic()
            if self._snapshot is None or now - self._checked_at >= self._check_every_s:
                layers = self.layers()
                versions = {layer.id: self._current(layer.id) for layer in layers}
                if self._snapshot is None or versions != self._versions:
                    self._snapshot = _build(self._services.store, layers, versions)
                    self._versions = versions
                self._checked_at = time.monotonic()
            return self._snapshot

    def _current(self, layer_id: str) -> int | None:
        version = self._services.store.current_version(layer_id)
        return version.version if version else None


def _build(store: FeatureStore, layers: list[LayerDefinition], versions: dict[str, int | None]) -> Snapshot:
    districts: list[tuple[str, shapely.Geometry]] = []
    by_layer = {layer.id: layer for layer in layers}
    if versions.get(DISTRICTS_LAYER) is not None:
        layer = by_layer[DISTRICTS_LAYER]
        for feature in _read(store, layer, versions[DISTRICTS_LAYER]):
            districts.append((feature[0], shapely.from_wkb(feature[1])))
    tree = shapely.STRtree([polygon for _, polygon in districts]) if districts else None
    entries: list[Entry] = []
    for layer in layers:
        version = versions.get(layer.id)
        if version is None:
            continue
        attributes = {a.name for a in layer.public_attributes()}
        for feature_id, wkb, properties in _read(store, layer, version):
            geometry = shapely.from_wkb(wkb)
            if geometry.is_empty:
                continue
            point = geometry if geometry.geom_type == "Point" else shapely.point_on_surface(geometry)
            district = properties.get("district") if "district" in attributes else None
            if layer.id == DISTRICTS_LAYER:
                district = feature_id
            elif district is None and tree is not None:
                hits = tree.query(point, predicate="intersects")
                district = districts[int(hits[0])][0] if len(hits) else None
            entries.extend(_entries(layer.id, feature_id, point, district, properties, attributes))
    return Snapshot(entries, districts)


def _read(
    store: FeatureStore, layer: LayerDefinition, version: int | None
) -> Iterable[tuple[str, bytes, dict]]:
    if version is None:
        return []
    try:
        return [(f.id, f.geometry, dict(f.properties)) for f in store.read_version(layer, version)]
    except LayerNotFoundError:  # unpublished meanwhile: read again at the next check
        return []


def _entries(
    layer_id: str,
    feature_id: str,
    point: shapely.Point,
    district: str | None,
    properties: dict,
    attributes: set[str],
) -> list[Entry]:
    found: list[Entry] = []
    names = {
        ("" if attribute == "name" else attribute.removeprefix("name_")): str(properties[attribute]).strip()
        for attribute in NAME_ATTRIBUTES
        if attribute in attributes and properties.get(attribute) and str(properties[attribute]).strip()
    }
    if names:
        words = frozenset(word for name in names.values() for word in split_words(name).words)
        if words:
            found.append(Entry(layer_id, layer_id, feature_id, point.x, point.y, district, names, words))
    if layer_id == ADDRESSES_LAYER:
        street = str(properties.get("street") or "").strip()
        number = str(properties.get("housenumber") or "").strip()
        words = frozenset(split_words(street).words)
        if words and number:
            label = f"{street}, {number}"
            found.append(
                Entry(
                    ADDRESS_KIND,
                    layer_id,
                    feature_id,
                    point.x,
                    point.y,
                    district,
                    {"": label},
                    words,
                    number_key(number),
                )
            )
    return found
