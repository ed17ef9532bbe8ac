"""PostgisStore start-up: a server that is not there, and a database that is not there yet."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from geohub.errors import StorageUnavailableError
from geohub.settings import StorageSettings
from geohub.storage.postgis import PostgisStore, check_if_signalled
from tests.storage.conftest import ADDRESSES, address_features


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://127.0.0.1:1/nothing",
        "postgresql://geohub_no_such_role@127.0.0.1:5432/postgres",
    ],
    ids=["nothing_listens", "unknown_role"],
)
def test_an_unreachable_server_is_storage_unavailable(url: str) -> None:
    with pytest.raises(StorageUnavailableError):
        PostgisStore(url, StorageSettings(connect_timeout_s=2))


@pytest.fixture
def missing_database(postgis_url: str) -> Iterator[str]:
    """A URL naming a database that does not exist (yet); dropped afterwards if it came to be."""
    name = f"geohub-Test_{uuid.uuid4().hex[:8]}"  # a capital and a hyphen: only quoted SQL gets it right
    yield make_conninfo(postgis_url, dbname=name)
    with psycopg.connect(make_conninfo(postgis_url, dbname="postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_a_missing_database_is_created_and_usable(missing_database: str) -> None:
    features = list(address_features()[:20])

    store = PostgisStore(missing_database)
    try:
        store.write_version(ADDRESSES, features)
        assert store.count(ADDRESSES) == len(features)
    finally:
        store.close()

    name = conninfo_to_dict(missing_database)["dbname"]
    with psycopg.connect(missing_database) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == (name,)
        assert conn.execute("SELECT count(*) FROM pg_extension WHERE extname = 'postgis'").fetchone() == (1,)


def test_opening_an_existing_store_again_keeps_its_data(missing_database: str) -> None:
    features = list(address_features()[:20])
    first = PostgisStore(missing_database)
    try:
        first.write_version(ADDRESSES, features)
    finally:
        first.close()

    again = PostgisStore(missing_database)
    try:
        assert again.count(ADDRESSES) == len(features)
        assert [v.version for v in again.versions(ADDRESSES.id)] == [1]
    finally:
        again.close()


def test_connections_the_server_dropped_are_replaced_when_taken(missing_database: str) -> None:
    """Sessions terminated as a restart ends them: each pooled connection then has the server's
    farewell to read, is checked as it is taken and replaced, so the next reads and the next
    write succeed; a live connection is lent without a check (nothing to read)."""
    features = list(address_features()[:20])
    store = PostgisStore(missing_database, StorageSettings(pool_min_size=2))
    try:
        store.write_version(ADDRESSES, features)
        with store._connection() as conn:
            check_if_signalled(conn)  # alive: no error
            before = conn.info.backend_pid
        with psycopg.connect(missing_database, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        time.sleep(0.2)  # the farewell reaches the client sockets
        for _ in range(3):
            assert store.count(ADDRESSES) == len(features)
        store.write_version(ADDRESSES, features[:5])
        assert store.count(ADDRESSES) == 5
        with store._connection() as conn:
            assert conn.info.backend_pid != before
    finally:
        store.close()
