"""The FeatureStore contract for versions the ETL builds on: columnar writes, unpublished
versions, derived (edited) versions, digests, reading any version, and dropping a staged one."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geohub.errors import ConflictError, InvalidDataError, VersionNotFoundError
from geohub.storage.base import FeatureQuery, FeatureStore, FeatureTable
from tests.storage.conftest import BUILDINGS, building_features, ids_of, read_all


def _table(count: int, start: int = 0) -> FeatureTable:
    features = building_features(start + count)[start:]
    geometries = shapely.from_wkb([f.geometry for f in features])
    columns = {a.name: [f.properties.get(a.name) for f in features] for a in BUILDINGS.attributes}
    return FeatureTable(geometries, columns)


def test_a_columnar_table_stores_like_features(store: FeatureStore) -> None:
    from_features = store.write_version(BUILDINGS, building_features(300))
    from_table = store.write_version(BUILDINGS, _table(300))
    assert from_table.feature_count == from_features.feature_count == 300
    assert from_table.extent == pytest.approx(from_features.extent)
    stored = read_all(store, BUILDINGS)
    assert ids_of(stored) == sorted(ids_of(building_features(300)))


def test_an_unpublished_version_is_invisible_until_published(store: FeatureStore) -> None:
    first = store.write_version(BUILDINGS, _table(100))
    staged = store.write_version(BUILDINGS, _table(150), publish=False)
    assert store.current_version(BUILDINGS.id) == first
    assert store.count(BUILDINGS) == 100
    assert len(list(store.read_version(BUILDINGS, staged.version))) == 150
    store.publish_version(BUILDINGS.id, staged.version)
    assert store.count(BUILDINGS) == 150


def test_digests_are_kept_with_their_version(store: FeatureStore) -> None:
    version = store.write_version(BUILDINGS, _table(10), digests=b"\x01digest")
    plain = store.write_version(BUILDINGS, _table(10))
    assert store.version_digests(BUILDINGS.id, version.version) == b"\x01digest"
    assert store.version_digests(BUILDINGS.id, plain.version) == b""
    with pytest.raises(VersionNotFoundError):
        store.version_digests(BUILDINGS.id, 99)


def test_read_version_gives_every_feature_of_that_version_in_key_order(store: FeatureStore) -> None:
    old = store.write_version(BUILDINGS, _table(50))
    store.write_version(BUILDINGS, _table(20, start=50))
    features = list(store.read_version(BUILDINGS, old.version))
    assert [f.id for f in features] == sorted(ids_of(building_features(50)))
    assert features[0].properties["building"] is not None


def test_a_derived_version_applies_upserts_and_deletes_to_its_base(store: FeatureStore) -> None:
    base = store.write_version(BUILDINGS, _table(100))
    ids = ids_of(building_features(100))
    changed = _table(1)
    changed.columns["name"][0] = "Жаңа атау"  # type: ignore[index]
    upserts = FeatureTable(
        np.concatenate([changed.geometries, _table(1, start=200).geometries]),
        {
            name: list(changed.columns[name]) + list(_table(1, start=200).columns[name])
            for name in changed.columns
        },
    )
    derived = store.write_derived_version(BUILDINGS, base.version, upserts, [ids[5], ids[6]])
    assert derived.feature_count == 100 - 2 + 1
    assert store.current_version(BUILDINGS.id) == derived
    assert store.get(BUILDINGS, ids[0]).properties["name"] == "Жаңа атау"
    assert store.count(BUILDINGS, FeatureQuery(where={"osm_ref": ids[5]})) == 0
    new_id = ids_of(building_features(201))[200]
    assert store.get(BUILDINGS, new_id).id == new_id
    assert store.count(BUILDINGS, FeatureQuery(bbox=derived.extent)) == 99  # type: ignore[arg-type]
    assert len(list(store.read_version(BUILDINGS, base.version))) == 100  # the base is untouched


def test_a_staged_version_can_be_dropped_but_not_the_published_one(store: FeatureStore) -> None:
    published = store.write_version(BUILDINGS, _table(10))
    staged = store.write_version(BUILDINGS, _table(20), publish=False)
    store.delete_version(BUILDINGS.id, staged.version)
    assert [v.version for v in store.versions(BUILDINGS.id)] == [published.version]
    with pytest.raises(ConflictError):
        store.delete_version(BUILDINGS.id, published.version)
    with pytest.raises(VersionNotFoundError):
        store.delete_version(BUILDINGS.id, staged.version)
    again = store.write_version(BUILDINGS, _table(5), publish=False)
    assert again.version == staged.version + 1 or again.version == staged.version  # numbering goes on


def test_a_table_with_a_wrong_geometry_is_refused_whole(store: FeatureStore) -> None:
    table = _table(10)
    geometries = table.geometries.copy()
    geometries[3] = shapely.Point(76.9, 43.2)
    with pytest.raises(InvalidDataError):
        store.write_version(BUILDINGS, FeatureTable(geometries, table.columns))
    assert store.versions(BUILDINGS.id) == []


def test_a_deleted_versions_number_is_never_given_again(store: FeatureStore) -> None:
    """Tile tokens, ETags and caches name versions by number: a number that was published once,
    then rolled back from and deleted, must not come back naming other features."""
    first = store.write_version(BUILDINGS, _table(10))
    second = store.write_version(BUILDINGS, _table(20))
    store.publish_version(BUILDINGS.id, first.version)  # a rollback
    store.delete_version(BUILDINGS.id, second.version)
    staged = store.write_version(BUILDINGS, _table(30), publish=False)
    store.delete_version(BUILDINGS.id, staged.version)  # a rejected import
    third = store.write_version(BUILDINGS, _table(40))
    assert [first.version, second.version, staged.version, third.version] == [1, 2, 3, 4]
    assert [v.version for v in store.versions(BUILDINGS.id)] == [4, 1]
    assert store.count(BUILDINGS) == 40
