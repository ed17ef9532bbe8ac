"""Read replicas (geohub/storage/postgis_replicas.py, replicas.py, writers.py) over a real
streaming replica of a private primary (tests/cluster/postgres.py): reads of a request go to the
replica, writes to the primary, a writer reads its own writes (through another node too, with
Redis), a lagging or stopped replica is skipped and no read fails because of it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
import redis
import shapely
from flask.testing import FlaskClient
from redis.backoff import NoBackoff
from redis.retry import Retry

from geohub.app import create_app
from geohub.layers.registry import LayerRegistry
from geohub.settings import AuthSettings, Settings, StorageSettings
from geohub.storage import replica_status
from geohub.storage.base import Feature, FeatureQuery
from geohub.storage.postgis_replicas import ReplicatedPostgisStore
from geohub.storage.replicas import replay_lag_s
from geohub.storage.writers import MemoryPositions, RedisPositions, WritePositions, writing_as
from tests.cluster.postgres import ReplicatedPostgres, free_port, replicated_postgres
from tests.features.conftest import staff_token
from tests.storage.conftest import ADDRESSES, address_features

REDIS_URL = "redis://127.0.0.1:6379/11"
FIRST, SECOND = 20, 30  # features of version 1 and version 2


@pytest.fixture(scope="module")
def pg() -> Iterator[ReplicatedPostgres]:
    with replicated_postgres() as pair:
        yield pair


@pytest.fixture
def database(pg: ReplicatedPostgres) -> Iterator[str]:
    with pg.new_database() as url:
        yield url


@pytest.fixture
def redis_positions() -> Iterator[RedisPositions]:
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    yield RedisPositions(client, ttl_s=60)
    client.flushdb()
    client.close()


def open_store(
    pg: ReplicatedPostgres, url: str, positions: WritePositions | None = None, **settings: int
) -> ReplicatedPostgisStore:
    tuning = {"replica_check_ms": 20, "replica_max_lag_ms": 60_000, "pool_min_size": 0} | settings
    return ReplicatedPostgisStore(url, [pg.replica_url_of(url)], StorageSettings(**tuning), positions)


def wait_until(condition: Callable[[], bool], timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def published(store: ReplicatedPostgisStore, reader: str) -> tuple[int, int]:
    """The published version of the test layer and its feature count, as `reader`'s request reads them."""
    with writing_as(reader):
        current = store.current_version(ADDRESSES.id)
        assert current is not None
        return current.version, store.count(ADDRESSES)


def replica_ready(store: ReplicatedPostgisStore) -> Callable[[], bool]:
    def ready() -> bool:
        with writing_as("ip:192.0.2.1"):
            return store.replicas.choose() is not None

    return ready


def checked_ready(store: ReplicatedPostgisStore) -> Callable[[], bool]:
    """`replica_ready`, with a health check made first each time (for checks far apart)."""
    ready = replica_ready(store)

    def checked() -> bool:
        store.replicas.check()
        return ready()

    return checked


def last_queries(url: str) -> list[str]:
    """The last statement of every client session of the database `url` names, on its server."""
    database = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT query FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'",
            (database,),
        ).fetchall()
    return [str(row[0]) for row in rows]


def test_a_request_reads_on_the_replica_and_writes_on_the_primary(
    pg: ReplicatedPostgres, database: str
) -> None:
    store = open_store(pg, database)
    try:
        store.write_version(ADDRESSES, address_features()[:FIRST])
        table = f"{ADDRESSES.id}_v1"
        assert pg.primary.execute(f"SELECT count(*) FROM geohub.{table}", database.rsplit("/", 1)[1]) == [
            (FIRST,)
        ]
        wait_until(replica_ready(store))
        with writing_as("ip:192.0.2.1"):
            page = store.query(ADDRESSES, FeatureQuery(limit=5))
            store.get(ADDRESSES, page.features[0].id)  # a page ends on COMMIT; a lookup on its SELECT
        assert len(page.features) == 5 and page.number_matched == FIRST
        replica_url = pg.replica_url_of(database)
        assert any(table in q and "ST_AsBinary" in q for q in last_queries(replica_url))
        # outside a request (a command, background work) everything is read on the primary
        assert not any(table in q and "ST_AsBinary" in q for q in last_queries(database))
        store.get(ADDRESSES, page.features[0].id)
        assert any(table in q and "ST_AsBinary" in q for q in last_queries(database))
    finally:
        store.close()


@pytest.mark.parametrize("shared", ["redis", "memory"])
def test_a_writer_reads_its_own_write_others_read_the_replica(
    pg: ReplicatedPostgres, database: str, shared: str, request: pytest.FixtureRequest
) -> None:
    """Node A writes as aigerim while the replica replays nothing: aigerim reads the new version
    through A and, when the positions are in Redis, through node B; anyone else reads the
    replica's older one until it catches up."""
    positions: WritePositions = (
        request.getfixturevalue("redis_positions") if shared == "redis" else MemoryPositions(60)
    )
    a, b = open_store(pg, database, positions), open_store(pg, database, positions)
    try:
        a.write_version(ADDRESSES, address_features()[:FIRST])
        wait_until(replica_ready(a))
        wait_until(replica_ready(b))
        with pg.replay_paused():
            with writing_as("user:aigerim", on_primary=True):  # a writing request
                a.write_version(ADDRESSES, address_features()[:SECOND])
            assert published(a, "user:aigerim") == (2, SECOND)
            assert published(a, "ip:192.0.2.7") == (1, FIRST)  # the replica, behind
            assert published(b, "ip:192.0.2.7") == (1, FIRST)
            if shared == "redis":
                assert published(b, "user:aigerim") == (2, SECOND)
        pg.wait_for_replay()
        wait_until(lambda: published(b, "ip:192.0.2.7") == (2, SECOND))
        wait_until(replica_ready(b))  # read from the replica again, which now has it
    finally:
        a.close()
        b.close()


def test_a_replica_lagging_beyond_the_max_lag_is_skipped(pg: ReplicatedPostgres, database: str) -> None:
    store = open_store(pg, database, replica_max_lag_ms=300)
    other_node = open_store(pg, database)
    try:
        store.write_version(ADDRESSES, address_features()[:FIRST])
        wait_until(checked_ready(store), timeout_s=60)  # the checks are a minute apart: made here
        replica = store.replicas.replicas[0]
        assert replica_status(store) == [{"server": replica.name, "healthy": True, "state": "healthy"}]
        with pg.replay_paused():
            other_node.write_version(ADDRESSES, address_features()[:SECOND])  # this node knows nothing
            wait_until(lambda: not replica.healthy, timeout_s=10)
            assert published(store, "ip:192.0.2.7") == (2, SECOND)  # on the primary, right
            time.sleep(0.1)
            assert not replica.healthy  # still lagging while paused
            assert replica_status(store) == [{"server": replica.name, "healthy": False, "state": "lagging"}]
        wait_until(lambda: replica.healthy, timeout_s=10)
        wait_until(replica_ready(store))
        assert published(store, "ip:192.0.2.7") == (2, SECOND)
    finally:
        store.close()
        other_node.close()


def test_reads_after_reading_the_published_versions_see_no_older_data(
    pg: ReplicatedPostgres, database: str
) -> None:
    """Tiles are cached under a token made of the published versions: once a process has read
    them (here on the primary, inside a writing request), its reads come from where that much
    has been replayed, never from a replica still showing an older version."""
    store, other_node = open_store(pg, database), open_store(pg, database)
    try:
        store.write_version(ADDRESSES, address_features()[:FIRST])
        wait_until(replica_ready(store))
        with pg.replay_paused():
            other_node.write_version(ADDRESSES, address_features()[:SECOND])
            assert published(store, "ip:192.0.2.7") == (1, FIRST)  # the replica, behind
            with writing_as("user:aigerim", on_primary=True):
                assert store.published_versions() == {ADDRESSES.id: 2}
            assert published(store, "ip:192.0.2.7") == (2, SECOND)
    finally:
        store.close()
        other_node.close()


def test_a_stopped_replica_costs_no_read(pg: ReplicatedPostgres, database: str) -> None:
    """The replica stops between two checks (the next one is a minute away): the read that finds
    its connection gone is answered by the primary, and so is every read after it."""
    store = open_store(pg, database, replica_check_ms=60_000)
    try:
        store.write_version(ADDRESSES, address_features()[:FIRST])
        wait_until(checked_ready(store), timeout_s=60)  # the checks are a minute apart: made here
        replica = store.replicas.replicas[0]
        assert published(store, "ip:192.0.2.7") == (1, FIRST)  # opens connections to the replica
        assert replica.healthy
        pg.replica.stop()
        try:
            for _ in range(20):
                assert published(store, "ip:192.0.2.7") == (1, FIRST)
            assert not replica.healthy
        finally:
            pg.replica.start()
        # the next check (not for a minute; made here) finds it back once it has caught up
        wait_until(checked_ready(store), timeout_s=60)
        assert replica.healthy
    finally:
        store.close()


def test_replay_lag_is_how_long_ago_the_oldest_missing_wal_was_written() -> None:
    samples = [(10.0, 100), (10.25, 100), (10.5, 180), (10.75, 240)]
    assert replay_lag_s(samples, 240, now=11.0) == 0.0
    assert replay_lag_s(samples, 300, now=11.0) == 0.0
    assert replay_lag_s(samples, 180, now=11.0) == pytest.approx(0.25)  # lacks what 10.75 saw
    assert replay_lag_s(samples, 100, now=11.0) == pytest.approx(0.5)
    assert replay_lag_s(samples, 99, now=11.0) is None  # behind every sample: too far


def test_positions_in_memory_keep_the_latest_expire_and_are_bounded() -> None:
    now = [0.0]
    positions = MemoryPositions(ttl_s=5, max_writers=2, clock=lambda: now[0])
    positions.remember("user:a", 200)
    positions.remember("user:a", 100)  # an earlier write finishing later
    assert positions.recall("user:a") == 200
    assert positions.recall("user:b") == 0
    positions.remember("user:b", 10)
    positions.remember("ip:192.0.2.1", 20)  # a third writer: the oldest goes
    assert positions.recall("user:a") == 0 and positions.recall("user:b") == 10
    now[0] = 6.0
    assert positions.recall("user:b") == 0 and positions.recall("ip:192.0.2.1") == 0


def test_positions_in_redis_keep_the_latest(redis_positions: RedisPositions) -> None:
    redis_positions.remember("user:a", 200)
    redis_positions.remember("user:a", 100)
    assert redis_positions.recall("user:a") == 200
    assert redis_positions.recall("user:b") == 0
    client = redis.Redis(port=free_port(), retry=Retry(NoBackoff(), 0))
    unreachable = RedisPositions(client, ttl_s=60)
    unreachable.remember("user:a", 300)  # logged, not raised: the write itself is done
    assert unreachable.recall("user:a") is None  # cannot tell: read on the primary


# two app instances over the same settings: two nodes ------------------------------------------
PARCEL = "w1"


def cadastre_versions(store: ReplicatedPostgisStore, registry: LayerRegistry) -> None:
    """Version 1 names the parcel "бірінші", version 2 (published) "екінші"."""
    layer = registry.get("cadastre")
    square = shapely.box(76.90, 43.22, 76.901, 43.221)
    for name in ("бірінші", "екінші"):
        properties = {a.name: None for a in layer.attributes} | {
            "osm_ref": PARCEL,
            "land_use": "park",
            "name": name,
        }
        parcel = Feature(PARCEL, shapely.to_wkb(shapely.MultiPolygon([square])), properties)
        store.write_version(layer, [parcel])


def parcel_name(client: FlaskClient, **headers: str) -> str:
    answer = client.get(f"/collections/cadastre/items/{PARCEL}?f=json", headers=headers)
    assert answer.status_code == 200, answer.text
    return str(answer.json["properties"]["name"])


@pytest.mark.parametrize("limits", [REDIS_URL, "memory://"])
def test_a_rollback_is_read_back_by_its_author_through_either_node(
    pg: ReplicatedPostgres, database: str, limits: str, tmp_path: Path, registry: LayerRegistry
) -> None:
    """A publisher rolls the layer back through node A while the replica replays nothing: they
    read the restored version through node A, and through node B when Redis holds the positions;
    an anonymous reader of node B reads the replica's (older) answer until it catches up."""
    settings = {
        "database_url": database,
        "database_replica_urls": [pg.replica_url_of(database)],
        "storage": StorageSettings(replica_check_ms=20, replica_max_lag_ms=60_000),
        "auth": AuthSettings(rate_limit_storage_uri=limits),
        "log_level": "WARNING",
    }
    if limits.startswith("redis"):
        redis.Redis.from_url(REDIS_URL).flushdb()
    node_a = create_app(Settings(data_dir=tmp_path / "a", **settings))
    node_b = create_app(Settings(data_dir=tmp_path / "b", **settings))
    try:
        store = node_a.extensions["geohub"].store
        assert isinstance(store, ReplicatedPostgisStore)
        cadastre_versions(store, registry)
        staff = {"Authorization": f"Bearer {staff_token(node_a)}"}
        a, b = node_a.test_client(), node_b.test_client()
        wait_until(lambda: parcel_name(b) == "екінші")
        with pg.replay_paused():
            rolled = a.post("/collections/cadastre/rollback", json={"version": 1}, headers=staff)
            assert rolled.status_code == 200, rolled.text
            assert parcel_name(a, **staff) == "бірінші"
            if limits.startswith("redis"):
                assert parcel_name(b, **staff) == "бірінші"
            assert parcel_name(b) == "екінші"  # the replica, which has not replayed the rollback
        wait_until(lambda: parcel_name(b) == "бірінші")
    finally:
        node_a.extensions["geohub"].close()
        node_b.extensions["geohub"].close()
        if limits.startswith("redis"):
            redis.Redis.from_url(REDIS_URL).flushdb()
