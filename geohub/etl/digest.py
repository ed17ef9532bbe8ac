"""Per-feature digests of a layer version, and the diff of two versions by the layer's key.

A version's digests (key, a 64-bit hash of the geometry and one of the values, envelope) are
stored with it, so the next import diffs against the live version without reading its features
back. Geometries that differ only in their last bits (a re-export through another CRS) are
compared once more within a tolerance, so identical data reads as unchanged.
"""

from __future__ import annotations

import heapq
import struct
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pandas.util import hash_array

from geohub.layers.models import AttributeType, LayerDefinition
from geohub.storage.base import Bbox, Feature, FeatureStore, FeatureTable
from geohub.storage.values import coerce_value

SAMPLE_KEYS = 200  # keys listed per kind of change in a report (the first in sorted order)


@dataclass(frozen=True)
class Snapshot:
    """The digests of one version: keys, hashes and envelopes, row-aligned."""

    keys: np.ndarray  # str
    hashes: np.ndarray  # (n, 2) uint64: geometry hash, values hash
    bounds: np.ndarray  # (n, 4) float64: minx, miny, maxx, maxy

    def __len__(self) -> int:
        return len(self.keys)

    def encode(self) -> bytes:
        """Compact bytes to store beside the version: keys (NUL-separated UTF-8, a NUL can't be
        in a key), hashes, and envelopes as float32 rounded outwards; zlib-compressed."""
        keys = "\x00".join(self.keys.tolist()).encode()
        bounds = (
            np.column_stack(
                [
                    np.nextafter(self.bounds[:, :2].astype(np.float32), np.float32(-np.inf)),
                    np.nextafter(self.bounds[:, 2:].astype(np.float32), np.float32(np.inf)),
                ]
            )
            if len(self)
            else np.zeros((0, 4), dtype=np.float32)
        )
        body = (
            struct.pack("<4sQQ", b"GHD2", len(self), len(keys))
            + keys
            + self.hashes.astype("<u8").reshape(-1, 2).tobytes()
            + bounds.astype("<f4").tobytes()
        )
        return zlib.compress(body, 1)

    @classmethod
    def decode(cls, data: bytes) -> Snapshot:
        body = zlib.decompress(data)
        magic, count, keys_length = struct.unpack_from("<4sQQ", body)
        if magic != b"GHD2":
            raise ValueError("not GeoHub version digests")
        offset = struct.calcsize("<4sQQ")
        text = body[offset : offset + keys_length].decode()
        keys = np.array(text.split("\x00") if count else [], dtype=object)
        offset += keys_length
        hashes = np.frombuffer(body, dtype="<u8", count=2 * count, offset=offset).reshape(count, 2)
        hashes = hashes.astype(np.uint64)
        offset += 16 * count
        bounds = np.frombuffer(body, dtype="<f4", count=4 * count, offset=offset).reshape(count, 4)
        return cls(keys, hashes, bounds.astype(np.float64))

    @classmethod
    def empty(cls) -> Snapshot:
        return cls(np.array([], dtype=object), np.zeros((0, 2), dtype=np.uint64), np.zeros((0, 4)))


@dataclass
class LayerChanges:
    """Keys added, changed and removed (counts and a sample), and the boxes of every shape touched."""

    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    box_array: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))  # (n, 4) lon/lat
    added_keys: list[str] = field(default_factory=list)
    changed_keys: list[str] = field(default_factory=list)
    removed_keys: list[str] = field(default_factory=list)

    @property
    def boxes(self) -> list[Bbox]:
        """The boxes of every shape touched, as (minx, miny, maxx, maxy) tuples."""
        return [tuple(box) for box in self.box_array.tolist()]

    def tile_boxes(self, limit: int = 2000) -> list[Bbox]:
        """The boxes to drop cached tiles by, or their union when there are too many."""
        if len(self.box_array) <= limit:
            return self.boxes
        lows, highs = self.box_array[:, :2].min(axis=0), self.box_array[:, 2:].max(axis=0)
        return [(float(lows[0]), float(lows[1]), float(highs[0]), float(highs[1]))]

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def summary(self) -> dict[str, object]:
        return {
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "addedKeys": self.added_keys,
            "changedKeys": self.changed_keys,
            "removedKeys": self.removed_keys,
        }


def snapshot_of_table(layer: LayerDefinition, table: FeatureTable) -> Snapshot:
    """The digests of validated features (values already coerced to the layer's types)."""
    if not len(table):
        return Snapshot.empty()
    wkbs = table.wkbs  # made once: the store COPYs the same WKB meanwhile
    columns = [table.columns[a.name] for a in layer.attributes]
    keys = np.array([str(k) for k in table.columns[layer.key]], dtype=object)
    kinds = [a.type for a in layer.attributes]
    return Snapshot(keys, row_hashes(wkbs, columns, kinds), shapely.bounds(table.geometries))


def row_hashes(
    wkbs: np.ndarray, columns: Sequence[Sequence[Any]], kinds: Sequence[AttributeType]
) -> np.ndarray:
    """Per row a 64-bit hash of the geometry and one of the values (vectorized SipHash from pandas)."""
    geometry = hash_array(np.asarray(wkbs, dtype=object), categorize=False)
    values = np.zeros(len(wkbs), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column, kind in zip(columns, kinds, strict=True):
            values = values * np.uint64(0x100000001B3) ^ hash_array(_hashable(column, kind), categorize=False)
    return np.column_stack([geometry, values]).astype(np.uint64)


def _hashable(column: Sequence[Any], kind: AttributeType) -> np.ndarray:
    """The column as the numpy array pandas hashes fastest: numbers as float64 (None: NaN),
    booleans as int8 (None: -1), everything else as objects."""
    if kind is AttributeType.number:
        return np.array(column, dtype=np.float64)
    if kind is AttributeType.boolean:
        return np.array([-1 if v is None else int(v) for v in column], dtype=np.int8)
    if kind is AttributeType.integer and None not in column:
        return np.array(column, dtype=np.int64)
    values = np.empty(len(column), dtype=object)
    values[:] = column
    return values


def snapshot_of_features(layer: LayerDefinition, features: Iterable[Feature]) -> Snapshot:
    """The digests of stored features (the fallback for versions written without digests)."""
    kinds = [a.type for a in layer.attributes]
    names = [a.name for a in layer.attributes]
    keys, wkbs, geometries = [], [], []
    columns: list[list[Any]] = [[] for _ in names]
    for feature in features:
        geometry = shapely.from_wkb(feature.geometry)
        keys.append(str(feature.properties.get(layer.key, feature.id)))
        geometries.append(geometry)
        wkbs.append(shapely.to_wkb(geometry, include_srid=False))
        for column, kind, name in zip(columns, kinds, names, strict=True):
            column.append(_coerced(kind, feature.properties.get(name)))
    if not keys:
        return Snapshot.empty()
    return Snapshot(
        np.array(keys, dtype=object),
        row_hashes(np.array(wkbs, dtype=object), columns, kinds),
        shapely.bounds(np.array(geometries)),
    )


def version_snapshot(store: FeatureStore, layer: LayerDefinition, version: int | None) -> Snapshot:
    """The digests of a stored version: kept with it, derived from its edits, else computed
    from its features."""
    if version is None:
        return Snapshot.empty()
    stored = store.version_digests(layer.id, version)
    if stored:
        return Snapshot.decode(stored)
    derived = store.derived_digests(layer, version)
    if derived is not None:  # an item edit's: its chain's digests with the edits applied
        upserts = snapshot_of_features(layer, derived.upserts)
        return merge_snapshot(Snapshot.decode(derived.base), upserts, derived.deletes)
    return snapshot_of_features(layer, store.read_version(layer, version))


def compare(
    old: Snapshot, new: Snapshot, same_geometry: Callable[[list[str]], set[str]] | None = None
) -> LayerChanges:
    """The changes from `old` to `new` by key (vectorized: a city layer has 300,000 features).

    `same_geometry`, given the keys whose values are equal but whose geometry hashes differ,
    answers which of them are the same shape within a tolerance (they count as unchanged).
    """
    at_old = pd.Index(old.keys).get_indexer(new.keys) if len(old) else np.full(len(new), -1)
    added = at_old < 0
    matched = np.flatnonzero(~added)
    old_rows = at_old[matched]
    old_hashes, new_hashes = old.hashes[old_rows], new.hashes[matched]
    differs = (old_hashes != new_hashes).any(axis=1)
    nearly = differs & (old_hashes[:, 1] == new_hashes[:, 1])  # the values equal, the geometry not
    if same_geometry is not None and nearly.any():
        same = same_geometry(new.keys[matched[nearly]].tolist())
        if same:
            differs &= ~np.isin(new.keys[matched], list(same))
    kept = np.zeros(len(old), dtype=bool)
    kept[old_rows] = True
    changed_new, changed_old = matched[differs], old_rows[differs]
    removed = np.flatnonzero(~kept)
    boxes = np.concatenate(
        [new.bounds[added], old.bounds[changed_old], new.bounds[changed_new], old.bounds[removed]]
    )
    return LayerChanges(
        added=int(added.sum()),
        changed=int(differs.sum()),
        removed=len(removed),
        unchanged=int(len(matched) - differs.sum()),
        box_array=boxes,
        added_keys=_first_keys(new.keys[added]),
        changed_keys=_first_keys(new.keys[changed_new]),
        removed_keys=_first_keys(old.keys[removed]),
    )


def _first_keys(keys: np.ndarray) -> list[str]:
    """The first SAMPLE_KEYS keys in sorted order (without sorting them all)."""
    return heapq.nsmallest(SAMPLE_KEYS, keys.tolist())


def merge_snapshot(base: Snapshot, upserts: Snapshot, deletes: Iterable[str]) -> Snapshot:
    """`base` without the deleted and upserted keys, plus the upserts (for item edits)."""
    dropped = set(deletes) | set(upserts.keys.tolist())
    keep = np.array([key not in dropped for key in base.keys.tolist()], dtype=bool)
    return Snapshot(
        np.concatenate([base.keys[keep], upserts.keys]).astype(object),
        np.concatenate([base.hashes[keep], upserts.hashes]).astype(np.uint64),
        np.concatenate([base.bounds[keep], upserts.bounds]) if len(base) + len(upserts) else np.zeros((0, 4)),
    )


def _coerced(kind: object, value: object) -> object:
    try:
        return coerce_value(kind, value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return value
