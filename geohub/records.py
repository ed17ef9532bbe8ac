"""RecordsDatabase: the small relational tables beside the layers (accounts, audit log, imports).

Timestamps are stored as fixed-width ISO 8601 UTC text (`2026-03-01T09:30:00.000000Z`) on both
databases, so they sort and compare as text and read back the same from SQLite and PostgreSQL.

Embedded: one SQLite file under `data_dir`. PostGIS deployments: the same database as the layers,
schema `geohub`. Callers write SQL once with `%s` placeholders and portable types; the SQLite
side turns `%s` into `?`. Tables are created by each module's `ensure_tables` (idempotent DDL).
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from geohub.errors import StorageUnavailableError
from geohub.settings import Settings
from geohub.storage.sqlite import SqliteConnections

Row = tuple[Any, ...]


class Cursor(Protocol):
    """What a transaction hands its caller: execute and fetch, nothing more."""

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Cursor: ...

    def fetchone(self) -> Row | None: ...

    def fetchall(self) -> list[Row]: ...


class RecordsDatabase(Protocol):
    dialect: str  # "sqlite" or "postgres"

    def transaction(self) -> Any:
        """A context manager yielding a Cursor; commits on success, rolls back on error."""

    def fetchone(self, statement: str, params: Sequence[Any] = ()) -> Row | None: ...

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> list[Row]: ...

    def close(self) -> None: ...


class _SqliteCursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    def execute(self, statement: str, params: Sequence[Any] = ()) -> _SqliteCursor:
        self._cursor.execute(statement.replace("%s", "?"), tuple(_bindable(p) for p in params))
        return self

    def fetchone(self) -> Row | None:
        row = self._cursor.fetchone()
        return None if row is None else tuple(row)

    def fetchall(self) -> list[Row]:
        return [tuple(row) for row in self._cursor.fetchall()]


def _bindable(value: Any) -> Any:
    """`value` as SQLite binds it. An integer beyond 64 bits (an import number from a URL, say)
    cannot be bound as a number: sent as text it matches no stored integer, as it does in
    PostgreSQL, instead of raising OverflowError."""
    if isinstance(value, int) and not isinstance(value, bool) and not -(2**63) <= value < 2**63:
        return str(value)
    return value


class SqliteRecords:
    """Records in one SQLite file (WAL; one writer at a time, readers never wait)."""

    dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self._sqlite = SqliteConnections(path, lambda conn: conn.execute("PRAGMA foreign_keys = ON"))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._sqlite.connection()
        except (OSError, sqlite3.Error) as exc:
            raise StorageUnavailableError(f"The records database cannot be opened: {exc}") from exc

    @contextmanager
    def transaction(self) -> Iterator[_SqliteCursor]:
        with self._sqlite.transaction() as conn:
            yield _SqliteCursor(conn.cursor())

    def fetchone(self, statement: str, params: Sequence[Any] = ()) -> Row | None:
        return _SqliteCursor(self._sqlite.connection().cursor()).execute(statement, params).fetchone()

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> list[Row]:
        return _SqliteCursor(self._sqlite.connection().cursor()).execute(statement, params).fetchall()

    def close(self) -> None:
        self._sqlite.close()


class PostgresRecords:
    """Records in the PostGIS deployment's database, schema `geohub`, through a small pool."""

    dialect = "postgres"

    def __init__(self, url: str, settings: Settings) -> None:
        import psycopg
        from psycopg_pool import ConnectionPool

        self._psycopg = psycopg
        try:
            self._pool = ConnectionPool(
                url,
                min_size=0,
                max_size=max(2, settings.storage.pool_max_size // 2),
                timeout=settings.storage.connect_timeout_s,
                kwargs={"autocommit": True},
                open=True,
            )
            with self._pool.connection() as conn:
                conn.execute("CREATE SCHEMA IF NOT EXISTS geohub")
        except Exception as exc:  # pool errors, psycopg errors: the server is not there
            raise StorageUnavailableError(f"The records database cannot be reached: {exc}") from exc

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cursor:
            cursor.execute("SET LOCAL search_path TO geohub, public")
            yield cursor

    def fetchone(self, statement: str, params: Sequence[Any] = ()) -> Row | None:
        with self._pool.connection() as conn:
            conn.execute("SET search_path TO geohub, public")
            row = conn.execute(statement, tuple(params)).fetchone()
        return None if row is None else tuple(row)

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> list[Row]:
        with self._pool.connection() as conn:
            conn.execute("SET search_path TO geohub, public")
            return [tuple(row) for row in conn.execute(statement, tuple(params)).fetchall()]

    def close(self) -> None:
        self._pool.close()


def open_records(settings: Settings) -> RecordsDatabase:
    """The records database the settings ask for: PostgreSQL when a database URL is set."""
    if settings.database_url:
        return PostgresRecords(settings.database_url, settings)
    return SqliteRecords(settings.data_dir / "geohub-records.sqlite")


def auto_id(dialect: str) -> str:
    """DDL of an integer primary key the database numbers itself (RETURNING works on both)."""
    if dialect == "sqlite":
        return "INTEGER PRIMARY KEY AUTOINCREMENT"
    return "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"


_ENSURED: weakref.WeakKeyDictionary[Any, set[tuple[str, ...]]] = weakref.WeakKeyDictionary()


def ensure_tables(records: RecordsDatabase, statements: tuple[str, ...]) -> None:
    """Run idempotent DDL once per records database and process; on PostgreSQL under a lock,
    so workers starting together do not collide."""
    done = _ENSURED.setdefault(records, set())
    if statements in done:
        return
    with records.transaction() as cursor:
        if records.dialect == "postgres":
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('geohub.records.ddl'))")
        for statement in statements:
            cursor.execute(statement)
    done.add(statements)


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def to_stamp(moment: datetime) -> str:
    """The stored text of a moment (fixed width, UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_stamp(text: str | None) -> datetime | None:
    """A stored timestamp read back as an aware UTC datetime."""
    return None if text is None else datetime.fromisoformat(text)
