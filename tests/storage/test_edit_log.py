"""Item edits in place (geohub/storage/edit_log.py), on both backends: an edit changes the published
table and logs the touched rows; every version of the chain still reads, publishes, diffs and is
dropped as if it had a table of its own."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest
import shapely

from geohub.errors import ConflictError, InvalidDataError
from geohub.etl.digest import snapshot_of_features, version_snapshot
from geohub.layers.models import Attribute
from geohub.storage.base import Feature, FeatureQuery, FeatureStore, FeatureTable
from geohub.storage.sql_store import EDIT_DIGESTS_EVERY
from tests.storage.conftest import BUILDINGS, building_features

State = dict[str, tuple[bytes, dict[str, Any]]]  # key -> (WKB, properties)


def _table(features: list[Feature]) -> FeatureTable:
    geometries = shapely.from_wkb([f.geometry for f in features])
    columns = {a.name: [f.properties.get(a.name) for f in features] for a in BUILDINGS.attributes}
    return FeatureTable(geometries, columns)


def _state(features: Any) -> State:
    return {f.id: (shapely.normalize(shapely.from_wkb(f.geometry)).wkb, dict(f.properties)) for f in features}


def _renamed(feature: Feature, name: str, shift: float = 0.0) -> Feature:
    geometry = shapely.affinity.translate(shapely.from_wkb(feature.geometry), shift, 0)
    return Feature(feature.id, shapely.to_wkb(geometry), {**feature.properties, "name": name})


def _stored_tables(store: FeatureStore) -> set[str]:
    """The tables the store holds for BUILDINGS (its versions' and their logs)."""
    if store.backend == "geopackage":
        rows = store._connection().execute(  # type: ignore[attr-defined]
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'test_buildings%' "
            "AND name NOT LIKE 'rtree%'"
        )
        return {r[0] for r in rows}
    with store._connection() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'geohub' AND tablename LIKE 'test_buildings%'"
        )
        return {r[0] for r in rows}


@pytest.fixture
def edited(store: FeatureStore) -> tuple[FeatureStore, list[int], list[State]]:
    """An import of 120 buildings (v1), then five edits in place (v2…v6): a rename, a move,
    a new building, a deletion, and two renames at once; the state after each."""
    features = building_features(130)
    base = store.write_version(BUILDINGS, features[:120])
    states = [_state(features[:120])]
    versions = [base.version]
    ids = [f.id for f in features[:120]]
    steps: list[tuple[list[Feature], list[str]]] = [
        ([_renamed(features[0], "Бірінші")], []),
        ([_renamed(features[1], "Moved", shift=0.001)], []),
        ([features[125]], []),
        ([], [ids[2]]),
        ([_renamed(features[0], "Екінші"), _renamed(features[3], "Үшінші")], []),
    ]
    state = dict(states[0])
    for upserts, deletes in steps:
        result = store.edit_version(BUILDINGS, versions[-1], _table(upserts), deletes, note="edit")
        assert result is not None
        versions.append(result.version.version)
        state = {k: v for k, v in state.items() if k not in deletes} | _state(upserts)
        states.append(dict(state))
    return store, versions, states


def test_an_edit_is_published_in_place_without_a_new_table(
    edited: tuple[FeatureStore, list[int], list[State]],
) -> None:
    store, versions, states = edited
    current = store.current_version(BUILDINGS.id)
    assert current is not None and current.version == versions[-1]
    assert current.feature_count == len(states[-1]) == 120
    assert _state(store.query(BUILDINGS, FeatureQuery(limit=1000)).features) == states[-1]
    assert store.get(BUILDINGS, building_features(1)[0].id).properties["name"] == "Екінші"
    assert _stored_tables(store) == {f"test_buildings_v{versions[0]}", f"test_buildings_v{versions[0]}_log"}


def test_every_version_of_the_chain_reads_as_it_was(
    edited: tuple[FeatureStore, list[int], list[State]],
) -> None:
    store, versions, states = edited
    for version, state in zip(versions, states, strict=True):
        features = list(store.read_version(BUILDINGS, version))
        assert [f.id for f in features] == sorted(state), version  # key order, as a table reads
        assert _state(features) == state, version


def test_rollback_and_forward_move_the_table(edited: tuple[FeatureStore, list[int], list[State]]) -> None:
    store, versions, states = edited
    for index in (1, 0, 4, 2, 5):
        published = store.publish_version(BUILDINGS.id, versions[index])
        assert published.feature_count == len(states[index])
        assert _state(store.query(BUILDINGS, FeatureQuery(limit=1000)).features) == states[index]
        assert store.count(BUILDINGS) == len(states[index])
        for version, state in zip(versions, states, strict=True):  # the others still read, both ways
            assert _state(store.read_version(BUILDINGS, version)) == state


def test_an_edit_after_a_rollback_inside_the_chain_is_not_made_in_place(
    edited: tuple[FeatureStore, list[int], list[State]],
) -> None:
    store, versions, _ = edited
    store.publish_version(BUILDINGS.id, versions[2])
    feature = _renamed(building_features(10)[9], "Басқа")
    assert store.edit_version(BUILDINGS, versions[2], _table([feature]), []) is None
    assert store.current_version(BUILDINGS.id).version == versions[2]  # type: ignore[union-attr]


def test_an_edit_of_a_version_no_longer_published_is_a_conflict(
    edited: tuple[FeatureStore, list[int], list[State]],
) -> None:
    store, versions, states = edited
    with pytest.raises(ConflictError):
        store.edit_version(BUILDINGS, versions[-2], _table([building_features(1)[0]]), [])
    assert [v.version for v in store.versions(BUILDINGS.id)] == versions[::-1]
    assert _state(store.read_version(BUILDINGS, versions[-1])) == states[-1]


def test_a_failed_edit_changes_nothing(edited: tuple[FeatureStore, list[int], list[State]]) -> None:
    store, versions, states = edited
    twice = building_features(20)[19]
    with pytest.raises(InvalidDataError):
        store.edit_version(BUILDINGS, versions[-1], _table([twice, _renamed(twice, "again")]), [])
    assert [v.version for v in store.versions(BUILDINGS.id)] == versions[::-1]
    for version, state in zip(versions, states, strict=True):
        assert _state(store.read_version(BUILDINGS, version)) == state


def test_a_layer_whose_definition_changed_since_its_import_is_edited_by_a_copy(store: FeatureStore) -> None:
    base = store.write_version(BUILDINGS, building_features(20))
    wider = BUILDINGS.model_copy(update={"attributes": (*BUILDINGS.attributes, Attribute(name="colour"))})
    feature = building_features(1)[0]
    upsert = FeatureTable(
        shapely.from_wkb([feature.geometry]),
        {a.name: [feature.properties.get(a.name)] for a in wider.attributes},
    )
    assert store.edit_version(wider, base.version, upsert, []) is None


def test_counts_of_a_filter_follow_the_edits(store: FeatureStore) -> None:
    features = building_features(40)
    base = store.write_version(BUILDINGS, features)
    named = FeatureQuery(where={"name": "Атау"})
    assert store.count(BUILDINGS, named) == 0
    edit = store.edit_version(BUILDINGS, base.version, _table([_renamed(features[5], "Атау")]), [])
    assert edit is not None
    assert store.count(BUILDINGS, named) == 1
    assert store.query(BUILDINGS, FeatureQuery(where={"name": "Атау"})).number_matched == 1
    store.publish_version(BUILDINGS.id, base.version)
    assert store.count(BUILDINGS, named) == 0


def test_the_extent_follows_a_feature_moved_out_and_back(store: FeatureStore) -> None:
    features = building_features(30)
    base = store.write_version(BUILDINGS, features)
    assert base.extent is not None
    far = _renamed(features[0], "far", shift=0.5)  # east of everything else
    moved = store.edit_version(BUILDINGS, base.version, _table([far]), [])
    assert moved is not None and moved.version.extent is not None
    assert moved.version.extent[2] > base.extent[2] + 0.4
    back = store.edit_version(BUILDINGS, moved.version.version, _table([features[0]]), [])
    assert back is not None and back.version.extent == pytest.approx(base.extent)
    assert moved.boxes and back.boxes  # the tiles to drop: where it was and where it is
    assert store.extent(BUILDINGS.id) == pytest.approx(base.extent)


def test_digests_of_every_edited_version_equal_those_of_its_features(
    edited: tuple[FeatureStore, list[int], list[State]],
) -> None:
    store, versions, _ = edited
    for version in versions:
        derived = version_snapshot(store, BUILDINGS, version)
        computed = snapshot_of_features(BUILDINGS, store.read_version(BUILDINGS, version))
        assert _digest_rows(derived) == _digest_rows(computed), version


def test_dropping_old_versions_keeps_the_others_and_trims_the_log(
    edited: tuple[FeatureStore, list[int], list[State]],
) -> None:
    store, versions, states = edited
    log_rows = _log_rows(store, versions[0])
    for dropped in versions[:3]:  # the import's version first: the chain keeps its digests
        store.delete_version(BUILDINGS.id, dropped)
    assert _log_rows(store, versions[0]) == log_rows  # the digests derive from the import's still
    current = versions[-1]
    store.store_digests(BUILDINGS.id, current, version_snapshot(store, BUILDINGS, current).encode())
    assert 0 < _log_rows(store, versions[0]) < log_rows  # now only what the kept versions cross
    for version, state in zip(versions[3:], states[3:], strict=True):
        assert _state(store.read_version(BUILDINGS, version)) == state
        computed = snapshot_of_features(BUILDINGS, store.read_version(BUILDINGS, version))
        assert _digest_rows(version_snapshot(store, BUILDINGS, version)) == _digest_rows(computed)
    store.publish_version(BUILDINGS.id, versions[3])
    assert _state(store.query(BUILDINGS, FeatureQuery(limit=1000)).features) == states[3]


def test_a_chain_no_longer_published_is_dropped_whole_with_its_log(
    edited: tuple[FeatureStore, list[int], list[State]],
) -> None:
    store, versions, states = edited
    store.publish_version(BUILDINGS.id, versions[4])  # the table now holds v5
    fresh = store.write_version(BUILDINGS, building_features(10))
    store.delete_version(BUILDINGS.id, versions[4])  # the table moves to a version still kept
    assert _state(store.read_version(BUILDINGS, versions[5])) == states[5]
    assert _state(store.read_version(BUILDINGS, versions[1])) == states[1]
    for version in versions[:4] + versions[5:]:
        store.delete_version(BUILDINGS.id, version)
    assert _stored_tables(store) == {f"test_buildings_v{fresh.version}"}
    assert [v.version for v in store.versions(BUILDINGS.id)] == [fresh.version]


def test_digests_stored_whole_again_after_many_edits(store: FeatureStore) -> None:
    features = building_features(12)
    version = store.write_version(BUILDINGS, features).version
    for round_ in range(EDIT_DIGESTS_EVERY):
        edit = store.edit_version(
            BUILDINGS, version, _table([_renamed(features[round_ % 12], f"n{round_}")]), []
        )
        assert edit is not None
        version = edit.version.version
        if edit.store_digests:
            break
    else:
        pytest.fail("no edit asked for its digests to be stored whole")
    snapshot = version_snapshot(store, BUILDINGS, version)
    store.store_digests(BUILDINGS.id, version, snapshot.encode())
    assert store.derived_digests(BUILDINGS, version) is None
    next_edit = store.edit_version(BUILDINGS, version, _table([_renamed(features[0], "last")]), [])
    assert next_edit is not None
    derived = version_snapshot(store, BUILDINGS, next_edit.version.version)
    computed = snapshot_of_features(BUILDINGS, store.read_version(BUILDINGS, next_edit.version.version))
    assert _digest_rows(derived) == _digest_rows(computed)


def _digest_rows(snapshot: Any) -> dict[str, tuple[int, int]]:
    return {
        str(k): (int(h[0]), int(h[1]))
        for k, h in zip(snapshot.keys.tolist(), np.asarray(snapshot.hashes).tolist(), strict=True)
    }


def _log_rows(store: FeatureStore, owner: int) -> int:
    log = f"test_buildings_v{owner}_log"
    if log not in _stored_tables(store):
        return 0
    if store.backend == "geopackage":
        return int(store._connection().execute(f'SELECT count(*) FROM "{log}"').fetchone()[0])  # type: ignore[attr-defined]
    with store._connection() as conn:  # type: ignore[attr-defined]
        return int(conn.execute(f'SELECT count(*) FROM geohub."{log}"').fetchone()[0])


def test_an_old_version_reads_right_while_edits_move_the_table(
    edited: tuple[FeatureStore, list[int], list[State]],
) -> None:
    """Edits in another thread move the table on while versions are read: a read that the move
    overtook (between looking the table up and reading it) is made again, never mixed."""
    store, versions, states = edited
    features = building_features(60)
    stop = threading.Event()
    errors: list[BaseException] = []

    def edit() -> None:
        try:
            for round_ in range(40):
                current = store.current_version(BUILDINGS.id)
                assert current is not None
                renamed = _renamed(features[50 + round_ % 10], f"moving {round_}")
                store.edit_version(BUILDINGS, current.version, _table([renamed]), [])
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            stop.set()

    editor = threading.Thread(target=edit)
    editor.start()
    reads = 0
    while not stop.is_set() or reads < 5:
        index = reads % len(versions)
        assert _state(store.read_version(BUILDINGS, versions[index])) == states[index]
        reads += 1
    editor.join()
    assert not errors, errors
