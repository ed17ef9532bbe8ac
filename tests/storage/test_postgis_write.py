"""An import's table staged on connections of its own (geohub/storage/postgis_write.py): split over
two COPYs, indexed in parallel, invisible until the commit that records it, never left behind."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import psycopg
import pytest
import shapely

from geohub.errors import InvalidDataError
from geohub.layers.models import GeometryType
from geohub.storage.base import FeatureTable
from geohub.storage.postgis import PostgisStore
from geohub.storage.postgis_write import SPLIT_MIN_ROWS, STAGING_PREFIX
from tests.storage.conftest import make_layer

LAYER = make_layer(
    "staged_points",
    GeometryType.point,
    "ref",
    [
        {"name": "ref", "required": True},
        {"name": "kind", "indexed": True},
        {"name": "size", "type": "number"},
    ],
)


def points(rows: int, kinds: Sequence[str] = ("a", "b", "c")) -> FeatureTable:
    """`rows` points over Almaty, keys p0000000…, a kind and a size each."""
    xs = 76.8 + 0.2 * np.arange(rows) / rows
    ys = 43.2 + 0.1 * ((np.arange(rows) * 7919) % rows) / rows
    return FeatureTable(
        shapely.points(xs, ys),
        {
            "ref": [f"p{i:07d}" for i in range(rows)],
            "kind": [kinds[i % len(kinds)] for i in range(rows)],
            "size": [float(i) if i % 5 else None for i in range(rows)],
        },
    )


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'geohub'").fetchall()
    return {r[0] for r in rows} - {"layer_versions", "edit_chains", "version_numbers"}


def relations_of(url: str, table: str) -> set[str]:
    """The names of the table's indexes and sequence."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'geohub' AND tablename = %s "
            "UNION ALL SELECT pg_get_serial_sequence(format('geohub.%%I', %s::text), 'fid')",
            (table, table),
        ).fetchall()
    return {r[0] for r in rows}


def test_a_large_import_is_split_and_reads_back_whole(postgis_store: PostgisStore, postgis_url: str) -> None:
    table = points(SPLIT_MIN_ROWS + 1001)

    version = postgis_store.write_version(LAYER, table)

    assert version.feature_count == len(table)
    minx, miny, maxx, maxy = shapely.total_bounds(table.geometries)
    assert version.extent == pytest.approx((minx, miny, maxx, maxy))
    name = f"{LAYER.id}_v{version.version}"
    with psycopg.connect(postgis_url) as conn:
        query = f"SELECT ref, kind, size, ST_AsBinary(geom) FROM geohub.{name} ORDER BY ref"
        rows = conn.execute(query).fetchall()
    assert [r[0] for r in rows] == table.columns["ref"]
    assert [r[1] for r in rows] == table.columns["kind"]
    assert [r[2] for r in rows] == table.columns["size"]
    assert [bytes(r[3]) for r in rows] == list(shapely.to_wkb(table.geometries))
    assert tables(postgis_url) == {name}
    relations = relations_of(postgis_url, name)
    assert len(relations) == 5  # primary key, key, kind, GiST, fid sequence
    assert all(r.removeprefix("geohub.").startswith(name) for r in relations), relations


def test_duplicate_keys_fail_the_write_and_leave_nothing(
    postgis_store: PostgisStore, postgis_url: str
) -> None:
    before = tables(postgis_url)
    versions = postgis_store.versions(LAYER.id)
    table = points(SPLIT_MIN_ROWS + 10)
    refs = list(table.columns["ref"])
    refs[-1] = refs[0]  # in the other half: only the index over both halves can see it

    with pytest.raises(InvalidDataError):
        postgis_store.write_version(LAYER, FeatureTable(table.geometries, {**table.columns, "ref": refs}))

    assert tables(postgis_url) == before
    assert postgis_store.versions(LAYER.id) == versions


class _Paused(Sequence[Any]):
    """A column that holds its writer still (the first slice waits) until released."""

    def __init__(self, values: list[Any]) -> None:
        self.values = values
        self.reached = threading.Event()
        self.release = threading.Event()

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice) and not self.reached.is_set():
            self.reached.set()
            assert self.release.wait(60)
        return self.values[index]


def test_a_version_being_staged_is_seen_by_no_reader(postgis_store: PostgisStore, postgis_url: str) -> None:
    live = postgis_store.write_version(LAYER, points(50, kinds=["old"]))
    table = points(60)
    paused = _Paused(list(table.columns["kind"]))
    held = FeatureTable(table.geometries, {**table.columns, "kind": paused})
    written: list[Any] = []
    writer = threading.Thread(target=lambda: written.append(postgis_store.write_version(LAYER, held)))
    writer.start()
    try:
        assert paused.reached.wait(60)
        staged = [t for t in tables(postgis_url) if t.startswith(STAGING_PREFIX)]
        assert len(staged) == 1  # being written, under its own name
        assert postgis_store.current_version(LAYER.id) == live
        assert max(v.version for v in postgis_store.versions(LAYER.id)) == live.version
        assert postgis_store.count(LAYER) == 50
    finally:
        paused.release.set()
        writer.join(60)
    assert written and written[0].version == live.version + 1
    assert postgis_store.count(LAYER) == 60
    assert not [t for t in tables(postgis_url) if t.startswith(STAGING_PREFIX)]


def test_a_table_staged_by_a_dead_session_is_dropped_and_a_live_one_kept(
    postgis_store: PostgisStore, postgis_url: str
) -> None:
    with psycopg.connect(postgis_url, autocommit=True) as live:
        pid = live.info.backend_pid
        with psycopg.connect(postgis_url, autocommit=True) as dying:
            dead_pid = dying.info.backend_pid
            for owner in (pid, dead_pid):
                dying.execute(f"CREATE TABLE geohub.{STAGING_PREFIX}{owner}_{LAYER.id} (fid int)")
        # the dying session is gone: its table is abandoned (the server ends it a moment later)
        for _ in range(200):
            if not live.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (dead_pid,)).fetchone():
                break
            threading.Event().wait(0.05)

        postgis_store.write_version(LAYER, points(20))

        staged = {t for t in tables(postgis_url) if t.startswith(STAGING_PREFIX)}
        assert staged == {f"{STAGING_PREFIX}{pid}_{LAYER.id}"}
        live.execute(f"DROP TABLE geohub.{STAGING_PREFIX}{pid}_{LAYER.id}")


def test_two_imports_of_one_layer_at_once_get_a_version_each(postgis_store: PostgisStore) -> None:
    before = max((v.version for v in postgis_store.versions(LAYER.id)), default=0)
    written: list[Any] = []
    threads = [
        threading.Thread(
            target=lambda rows=rows: written.append(postgis_store.write_version(LAYER, points(rows)))
        )
        for rows in (30, 40)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(v.version for v in written) == [before + 1, before + 2]
    for version in written:
        assert sum(1 for _ in postgis_store.read_version(LAYER, version.version)) == version.feature_count
