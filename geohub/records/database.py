"""RecordsDatabase: one SQLAlchemy engine on the records tables, SQLite or PostgreSQL.

Embedded: one SQLite file under `data_dir` in WAL mode (readers never wait), one writer at a time
(`BEGIN IMMEDIATE` under a per-process lock; other processes wait up to 30 s for the file).
PostGIS deployments: the same database as the layers, schema `geohub`, through a small pool.
Reads run without a transaction (autocommit), as each is one statement; writes run in one.

An engine never crosses a fork: a process that finds an engine made by its parent leaves it
alone (its connections are the parent's) and makes its own.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import sqlalchemy.exc
from sqlalchemy import URL, Connection, Engine, Row, Table, create_engine, event, func, make_url, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateSchema
from sqlalchemy.sql import Executable

from geohub.errors import StorageUnavailableError
from geohub.messages import tr
from geohub.records.tables import METADATA, SCHEMA
from geohub.settings import Settings

SQLITE_BUSY_TIMEOUT_S = 30
# raised when the server or the file cannot be used: gone, refused, locked too long, no free connection
_UNAVAILABLE = (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError, sqlalchemy.exc.TimeoutError)


class RecordsDatabase:
    """The records tables (`geohub.records.tables`) on SQLite or PostgreSQL; created when missing.

    Callers build statements with SQLAlchemy Core on those tables and run them with `fetchone`,
    `fetchall` or inside `transaction()`; `insert(table)` is an INSERT that can say what happens
    on a conflict (`on_conflict_do_nothing`, `on_conflict_do_update`) on both databases.
    Database errors that mean "not reachable" become StorageUnavailableError (a 503).
    """

    def __init__(self, url: URL, *, pool_size: int = 5, timeout_s: float = 30.0) -> None:
        self.url = url
        self.is_sqlite = url.get_backend_name() == "sqlite"
        self._pool_size, self._timeout_s = pool_size, timeout_s
        self._write_lock = threading.Lock() if self.is_sqlite else None
        self._engine_lock = threading.Lock()
        self._inherited: list[Engine] = []  # a parent's engines, never used nor closed here
        self._pid = os.getpid()
        self._engine = self._open_engine()
        self._reader = self._reads(self._engine)
        try:
            self._create_tables()
        except (StorageUnavailableError, sqlalchemy.exc.DBAPIError) as exc:  # not there, not a database
            self._engine.dispose()
            cause = exc.__cause__ or exc if isinstance(exc, StorageUnavailableError) else exc
            if self.is_sqlite:
                message = tr("The records database cannot be opened: {exc}", exc=_reason(cause))
            else:
                message = tr("The records database cannot be reached: {exc}", exc=_reason(cause))
            raise StorageUnavailableError(message) from cause

    def insert(self, table: Table) -> sqlite.Insert | postgresql.Insert:
        """An INSERT into `table` with this database's ON CONFLICT clauses."""
        return sqlite.insert(table) if self.is_sqlite else postgresql.insert(table)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection in a transaction: committed when the block ends, rolled back on any error."""
        engine, _ = self._engines()
        with _translated(), self._write_lock or nullcontext(), engine.begin() as conn:
            if self.is_sqlite:
                conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock of the file, taken now
            yield conn

    def fetchone(self, statement: Executable, params: Mapping[str, Any] | None = None) -> Row[Any] | None:
        """The first row of a query (None when there is none); `params` fill its bindparams."""
        with _translated(), self._engines()[1].connect() as conn:
            return conn.execute(statement, params).first()

    def fetchall(self, statement: Executable, params: Mapping[str, Any] | None = None) -> Sequence[Row[Any]]:
        """Every row of a query."""
        with _translated(), self._engines()[1].connect() as conn:
            return conn.execute(statement, params).all()

    def close(self) -> None:
        """Close this process's connections; the next use opens new ones."""
        self._engines()[0].dispose()

    def _engines(self) -> tuple[Engine, Engine]:
        """This process's engine and its autocommit twin for reads (new ones after a fork)."""
        if self._pid != os.getpid():
            with self._engine_lock:
                if self._pid != os.getpid():
                    self._inherited.append(self._engine)
                    self._engine = self._open_engine()
                    self._reader = self._reads(self._engine)
                    self._write_lock = threading.Lock() if self.is_sqlite else None
                    self._pid = os.getpid()
        return self._engine, self._reader

    def _reads(self, engine: Engine) -> Engine:
        """The engine reads go through: autocommit on PostgreSQL (no BEGIN and ROLLBACK round
        trips); SQLite's connections already are (its isolation settings would cost a PRAGMA)."""
        return engine if self.is_sqlite else engine.execution_options(isolation_level="AUTOCOMMIT")

    def _open_engine(self) -> Engine:
        if self.is_sqlite:
            engine = create_engine(
                self.url,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
                execution_options={"schema_translate_map": {SCHEMA: None}},
            )
            event.listen(engine, "connect", _set_up_sqlite)
            return engine
        return create_engine(
            self.url,
            pool_size=self._pool_size,
            max_overflow=0,
            pool_timeout=self._timeout_s,
            pool_pre_ping=True,  # a connection a server restart broke is replaced when taken, not failed on
            connect_args={"connect_timeout": max(1, round(self._timeout_s))},
        )

    def _create_tables(self) -> None:
        """Idempotent: creates what is missing; on PostgreSQL under a lock, so workers starting
        together do not collide."""
        with self.transaction() as conn:
            if not self.is_sqlite:
                conn.execute(select(func.pg_advisory_xact_lock(func.hashtext("geohub.records.ddl"))))
                conn.execute(CreateSchema(SCHEMA, if_not_exists=True))
            METADATA.create_all(conn)


def _set_up_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """WAL, and no transaction the driver opens by itself: `transaction()` says BEGIN IMMEDIATE."""
    dbapi_connection.isolation_level = None
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "foreign_keys = ON"):
        dbapi_connection.execute(f"PRAGMA {pragma}")


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except _UNAVAILABLE as exc:
        raise StorageUnavailableError(
            tr("The records database cannot be reached: {exc}", exc=_reason(exc))
        ) from exc


def _reason(exc: BaseException) -> str:
    """The driver's own message (SQLAlchemy's adds the statement and a link)."""
    return str(getattr(exc, "orig", None) or exc).strip()


def records_url(settings: Settings) -> URL:
    """The SQLAlchemy URL of the records database the settings ask for."""
    if settings.database_url:
        return make_url(settings.database_url).set(drivername="postgresql+psycopg")
    return URL.create("sqlite", database=str(settings.data_dir / "geohub-records.sqlite"))


def open_records(settings: Settings) -> RecordsDatabase:
    """The records database the settings ask for: PostgreSQL when a database URL is set."""
    url = records_url(settings)
    if url.get_backend_name() == "sqlite":
        try:
            Path(str(url.database)).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageUnavailableError(
                tr("The records database cannot be opened: {exc}", exc=exc)
            ) from exc
        return RecordsDatabase(url)
    return RecordsDatabase(
        url,
        pool_size=max(2, settings.storage.pool_max_size // 2),
        timeout_s=settings.storage.connect_timeout_s,
    )
