"""Version digests: stable, stored compactly, and a diff by key that finds every change."""

from __future__ import annotations

import numpy as np
import shapely

from geohub.etl.digest import Snapshot, compare, merge_snapshot, snapshot_of_features, snapshot_of_table
from geohub.layers.registry import LayerRegistry
from geohub.storage.base import Feature, FeatureTable


def _table(keys: list[str], uses: list[str]) -> FeatureTable:
    """Features whose square depends on the key only, so a key keeps its shape across tables."""
    geometries = np.array(
        [
            shapely.multipolygons(
                [shapely.box(76.9 + ord(k[0]) * 1e-3, 43.2, 76.9005 + ord(k[0]) * 1e-3, 43.2005)]
            )
            for k in keys
        ]
    )
    return FeatureTable(
        geometries, {"osm_ref": keys, "land_use": uses, "name": [None] * len(keys)} | _blank(len(keys))
    )


def _blank(n: int) -> dict[str, list[None]]:
    return {name: [None] * n for name in ("name_kk", "name_ru", "name_en", "operator", "area_m2", "district")}


def test_diff_by_key_counts_added_changed_removed(registry: LayerRegistry) -> None:
    layer = registry.get("cadastre")
    old = snapshot_of_table(layer, _table(["a", "b", "c"], ["park", "park", "park"]))
    new = snapshot_of_table(layer, _table(["b", "c", "d"], ["park", "forest", "park"]))
    changes = compare(old, new)
    assert (changes.added, changes.changed, changes.removed, changes.unchanged) == (1, 1, 1, 1)
    assert changes.added_keys == ["d"] and changes.changed_keys == ["c"] and changes.removed_keys == ["a"]
    assert len(changes.boxes) == 4  # the added, the changed before and after, the removed
    assert not compare(new, new).any


def test_encoded_digests_round_trip_with_boxes_rounded_outwards(registry: LayerRegistry) -> None:
    layer = registry.get("cadastre")
    snapshot = snapshot_of_table(layer, _table(["a", "Алматы-1", "c"], ["park"] * 3))
    decoded = Snapshot.decode(snapshot.encode())
    assert decoded.keys.tolist() == ["a", "Алматы-1", "c"]
    assert decoded.hashes.tolist() == snapshot.hashes.tolist()
    assert (decoded.bounds[:, :2] <= snapshot.bounds[:, :2]).all()
    assert (decoded.bounds[:, 2:] >= snapshot.bounds[:, 2:]).all()
    assert not compare(decoded, snapshot).any
    assert len(Snapshot.decode(Snapshot.empty().encode())) == 0


def test_digests_of_stored_features_equal_those_of_the_imported_table(registry: LayerRegistry) -> None:
    layer = registry.get("cadastre")
    table = _table(["a", "b"], ["park", "forest"])
    features = [
        Feature(key, shapely.to_wkb(geometry), {n: table.columns[n][i] for n in table.columns})
        for i, (key, geometry) in enumerate(zip(["a", "b"], table.geometries, strict=True))
    ]
    assert (
        snapshot_of_features(layer, features).hashes.tolist()
        == snapshot_of_table(layer, table).hashes.tolist()
    )


def test_merge_applies_upserts_and_deletes(registry: LayerRegistry) -> None:
    layer = registry.get("cadastre")
    base = snapshot_of_table(layer, _table(["a", "b", "c"], ["park"] * 3))
    upserts = snapshot_of_table(layer, _table(["b", "z"], ["forest", "park"]))
    merged = merge_snapshot(base, upserts, ["c"])
    assert sorted(merged.keys.tolist()) == ["a", "b", "z"]
    changes = compare(base, merged)
    assert (changes.added, changes.changed, changes.removed) == (1, 1, 1)
