"""RecordsDatabase on both backends: commit and rollback, the 503 when the server is not there,
SQLite's settings and one writer at a time, and a forked process using its own connections."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy.exc
from sqlalchemy import func, select, text

from geohub.app import create_app
from geohub.auth.audit import AuditLog
from geohub.auth.principal import Principal, Role
from geohub.errors import StorageUnavailableError
from geohub.publishing.imports import ImportNotFoundError, ImportRecords
from geohub.records import RecordsDatabase, open_records, utc_now
from geohub.records.database import records_url
from geohub.records.tables import audit_log, user_tokens, users
from geohub.settings import Settings
from tests.conftest import throwaway_database

UNREACHABLE = "postgresql://127.0.0.1:1/nothing"
ADMIN = Principal(user="admin", role=Role.admin)


@pytest.fixture
def records(settings: Settings) -> Iterator[RecordsDatabase]:
    database = open_records(settings)
    yield database
    database.close()


def _names(records: RecordsDatabase) -> list[str]:
    return [row.name for row in records.fetchall(select(users.c.name).order_by(users.c.name))]


def _add_user(name: str) -> sqlalchemy.Insert:
    return users.insert().values(name=name, role="admin", created_at=utc_now())


def test_a_transaction_commits_when_its_block_ends(records: RecordsDatabase) -> None:
    with records.transaction() as conn:
        conn.execute(_add_user("admin"))
        conn.execute(_add_user("marat"))
    assert _names(records) == ["admin", "marat"]
    other = RecordsDatabase(records.url)  # what another process sees
    try:
        assert other.fetchone(select(func.count()).select_from(users)) == (2,)
    finally:
        other.close()


def test_an_error_in_the_block_rolls_back_every_write(records: RecordsDatabase) -> None:
    with pytest.raises(RuntimeError), records.transaction() as conn:
        conn.execute(_add_user("admin"))
        raise RuntimeError("stop")
    assert _names(records) == []


def test_a_database_error_rolls_back_the_writes_before_it(records: RecordsDatabase) -> None:
    with records.transaction() as conn:
        conn.execute(_add_user("admin"))
    with pytest.raises(sqlalchemy.exc.IntegrityError), records.transaction() as conn:
        conn.execute(_add_user("marat"))
        conn.execute(_add_user("admin"))  # the name is taken
    assert _names(records) == ["admin"]
    with records.transaction() as conn:  # the connection is usable again
        conn.execute(_add_user("marat"))
    assert _names(records) == ["admin", "marat"]


def test_foreign_keys_are_enforced(records: RecordsDatabase) -> None:
    token = {"id": "t1", "user_name": "nobody", "kind": "api", "hash": "x", "created_at": utc_now()}
    with pytest.raises(sqlalchemy.exc.IntegrityError), records.transaction() as conn:
        conn.execute(user_tokens.insert().values(**token))


def test_insert_on_conflict_works_on_both_databases(records: RecordsDatabase) -> None:
    with records.transaction() as conn:
        conn.execute(_add_user("admin"))
        insert = records.insert(users).values(name="admin", role="moderator", created_at=utc_now())
        ignored = conn.execute(
            insert.on_conflict_do_nothing(index_elements=[users.c.name]).returning(users.c.name)
        )
        assert ignored.first() is None
        conn.execute(
            insert.on_conflict_do_update(index_elements=[users.c.name], set_={"role": insert.excluded.role})
        )
    assert records.fetchone(select(users.c.role)) == ("moderator",)


def test_import_number_beyond_64_bits_names_no_import(records: RecordsDatabase) -> None:
    imports = ImportRecords(records)
    record = imports.start("cadastre", user=None, remote_addr=None, source="test")
    assert imports.get("cadastre", record.id).id == record.id
    for number in (2**63, 10**25, -(10**25)):
        with pytest.raises(ImportNotFoundError):
            imports.get("cadastre", number)


def test_sqlite_file_is_wal_with_foreign_keys(tmp_path: Path) -> None:
    records = open_records(Settings(data_dir=tmp_path))
    try:
        assert records.fetchone(text("PRAGMA journal_mode")) == ("wal",)
        assert records.fetchone(text("PRAGMA foreign_keys")) == (1,)
        assert records.fetchone(text("PRAGMA synchronous")) == (1,)  # NORMAL
        assert (tmp_path / "geohub-records.sqlite").exists()
    finally:
        records.close()


def test_writers_in_threads_and_other_engines_wait_for_each_other(settings: Settings) -> None:
    """Two RecordsDatabase on one database (as two processes have), two threads each: no write lost."""
    databases = [open_records(settings), open_records(settings)]
    errors: list[BaseException] = []

    def write(database: RecordsDatabase) -> None:
        try:
            audit = AuditLog(database)
            for number in range(15):
                audit.record(ADMIN, "layer.publish", "cadastre", {"n": number}, None)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(db,)) for db in databases for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert databases[0].fetchone(select(func.count()).select_from(audit_log)) == (60,)
    finally:
        for database in databases:
            database.close()


def _connection_used(records: RecordsDatabase) -> int:
    with records.transaction() as conn:
        return id(conn.connection.dbapi_connection)


def test_a_forked_process_uses_its_own_connections(records: RecordsDatabase) -> None:
    audit = AuditLog(records)
    audit.record(ADMIN, "user.add", None, {"before": "fork"}, None)
    parents = _connection_used(records)
    pid = os.fork()
    if pid == 0:  # the child: writes and reads through the RecordsDatabase its parent made
        code = 1
        try:
            audit.record(ADMIN, "user.add", None, {"in": "child"}, None)
            code = 2 if _connection_used(records) == parents else 0 if len(audit.entries()) == 2 else 3
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    audit.record(ADMIN, "user.add", None, {"after": "fork"}, None)  # the parent's connections still work
    assert [e.detail for e in audit.entries()] == [{"after": "fork"}, {"in": "child"}, {"before": "fork"}]


def test_unreachable_server_is_storage_unavailable(tmp_path: Path) -> None:
    with pytest.raises(StorageUnavailableError):
        open_records(Settings(data_dir=tmp_path, database_url=UNREACHABLE, storage={"connect_timeout_s": 1}))


def test_a_records_file_that_is_no_database_is_storage_unavailable(tmp_path: Path) -> None:
    (tmp_path / "geohub-records.sqlite").write_bytes(b"not a database" * 100)
    with pytest.raises(StorageUnavailableError):
        open_records(Settings(data_dir=tmp_path))


def test_sign_in_is_a_503_problem_when_the_records_server_is_unreachable(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, database_url=UNREACHABLE, log_level="WARNING"))
    response = app.test_client().post("/auth/tokens", json={"username": "admin", "password": "x" * 12})
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 503


def test_connections_the_server_dropped_are_replaced_when_taken(tmp_path: Path) -> None:
    """A server restart (here: every session terminated) breaks the pooled connections; each is
    pinged as it is taken and replaced, so the next read succeeds instead of failing once."""
    with throwaway_database("geohub_records") as url:
        records = open_records(Settings(data_dir=tmp_path, database_url=url))
        try:
            assert _names(records) == []
            with psycopg.connect(url, autocommit=True) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            assert _names(records) == []  # on a new connection
            assert _names(records) == []
        finally:
            records.close()


def test_records_url_names_the_file_or_the_psycopg_driver(tmp_path: Path) -> None:
    assert records_url(Settings(data_dir=tmp_path)).database == str(tmp_path / "geohub-records.sqlite")
    url = records_url(Settings(data_dir=tmp_path, database_url="postgresql://u@db.example:5433/geo"))
    assert (url.drivername, url.host, url.port, url.database) == (
        "postgresql+psycopg",
        "db.example",
        5433,
        "geo",
    )
