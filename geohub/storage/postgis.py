"""PostgisStore: PostgreSQL/PostGIS through a psycopg 3 pool, one table per layer version."""

from __future__ import annotations

import select
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout

from geohub.errors import ConflictError, InvalidDataError, InvalidRequestError, StorageUnavailableError
from geohub.layers.models import LayerDefinition
from geohub.messages import tr
from geohub.settings import StorageSettings
from geohub.storage import edit_log
from geohub.storage.base import Bbox, Feature, FeaturePage, FeatureQuery, FeatureTable, TileRequest
from geohub.storage.batches import ExtentTracker
from geohub.storage.counts import CountCache
from geohub.storage.cql_sql import POSTGIS
from geohub.storage.postgis_tiles import VersionTables, render_tile
from geohub.storage.postgis_write import (
    SCHEMA,
    Place,
    copy_rows,
    create_indexes,
    create_table,
    staged_table,
)
from geohub.storage.rows import feature_from_row
from geohub.storage.sql_store import Current, SqlStore

SETUP_SQL = f"""
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {SCHEMA}.layer_versions (
    layer_id text NOT NULL, version integer NOT NULL, table_name text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(), feature_count bigint NOT NULL,
    min_x double precision, min_y double precision, max_x double precision, max_y double precision,
    is_current boolean NOT NULL DEFAULT false, source_fingerprint text NOT NULL DEFAULT '',
    note text NOT NULL DEFAULT '', schema_json jsonb NOT NULL,
    PRIMARY KEY (layer_id, version));
CREATE UNIQUE INDEX IF NOT EXISTS layer_versions_one_current
    ON {SCHEMA}.layer_versions (layer_id) WHERE is_current;
ALTER TABLE {SCHEMA}.layer_versions ADD COLUMN IF NOT EXISTS digests bytea;
{edit_log.chains_ddl(f"{SCHEMA}.edit_chains", "bytea")};
CREATE TABLE IF NOT EXISTS {SCHEMA}.version_numbers (
    layer_id text PRIMARY KEY, last_version integer NOT NULL);
"""
# Whether SETUP_SQL has nothing left to do. Its DDL takes strong locks even when it changes
# nothing: run by a node starting while another writes a version, it deadlocked that write.
SET_UP_SQL = f"""
SELECT to_regclass('{SCHEMA}.layer_versions_one_current') IS NOT NULL AND EXISTS (
    SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('{SCHEMA}.layer_versions')
    AND attname = 'digests' AND NOT attisdropped) AND to_regclass('{SCHEMA}.edit_chains') IS NOT NULL
    AND to_regclass('{SCHEMA}.version_numbers') IS NOT NULL
"""
SETUP_LOCK = 0x47485355  # "GHSU": two first starts run SETUP_SQL one after the other


class PostgisStore(SqlStore):
    """FeatureStore over PostGIS; readers see one published version, swapped in one commit."""

    backend = "postgis"
    versions_table = f"{SCHEMA}.layer_versions"
    numbers_table = f"{SCHEMA}.version_numbers"
    mark = "%s"
    cql = POSTGIS
    column_prefix = ""
    stamps_created_at = False
    log_dialect = edit_log.LogDialect(
        mark="%s",
        chains_table=f"{SCHEMA}.edit_chains",
        qualify=lambda name: f'"{SCHEMA}"."{name}"',
        geometry_out="ST_AsBinary({})",
        json_keys=False,
        false="false",
    )

    def __init__(self, database_url: str, settings: StorageSettings | None = None) -> None:
        settings = settings or StorageSettings()
        self._timeout_s = settings.connect_timeout_s
        self._database_url = database_url
        self._statement_timeout_ms = settings.statement_timeout_ms
        self._index_build_memory_mb = settings.index_build_memory_mb
        self._counts = CountCache()
        self._version_tables = VersionTables()
        self._pool = ConnectionPool(
            database_url,
            min_size=settings.pool_min_size,
            max_size=settings.pool_max_size,
            kwargs={"connect_timeout": max(1, int(settings.connect_timeout_s))},
            configure=session_setup(settings.statement_timeout_ms),
            check=check_if_signalled,  # a restart's broken connections replaced when taken
            open=False,
        )
        try:
            create_database_if_missing(database_url, settings.connect_timeout_s)
            self._pool.open(wait=settings.pool_min_size > 0, timeout=settings.connect_timeout_s)
            with self._connection() as conn:
                row = conn.execute(SET_UP_SQL).fetchone()
                if row is None or not row[0]:
                    conn.execute(f"SELECT pg_advisory_xact_lock({SETUP_LOCK});{SETUP_SQL}")
        except (psycopg.Error, PoolTimeout) as exc:
            self._pool.close()
            raise StorageUnavailableError(
                tr("PostGIS cannot be reached: {exc}", exc=_first_line(exc))
            ) from exc

    @contextmanager
    def _connection(
        self, writing: bool = False, pool: ConnectionPool[Any] | None = None
    ) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection (writes: in one transaction); database errors become GeoHubErrors.
        `pool`: another server's (a read replica's), else the database's."""
        try:
            with (pool or self._pool).connection(timeout=self._timeout_s) as conn:
                if writing:
                    with conn.transaction():
                        yield conn
                else:
                    yield conn
        except PoolTimeout as exc:
            raise StorageUnavailableError(tr("PostGIS has no free connection.")) from exc
        except psycopg.errors.UniqueViolation as exc:
            raise InvalidDataError(tr("Duplicate key: {exc}", exc=_first_line(exc))) from None
        except psycopg.errors.SerializationFailure as exc:
            raise ConflictError(tr("Another write to this layer happened at the same time.")) from exc
        except psycopg.DataError as exc:
            if writing:
                raise InvalidDataError(tr("The data cannot be stored: {exc}", exc=_first_line(exc))) from None
            raise InvalidRequestError(
                tr("The query cannot be answered: {reason}", reason=_first_line(exc))
            ) from None
        except psycopg.OperationalError as exc:
            raise StorageUnavailableError(tr("PostGIS is unavailable: {exc}", exc=_first_line(exc))) from exc

    def connection(self, writing: bool = False) -> AbstractContextManager[psycopg.Connection[Any]]:
        """A pooled connection for PostgreSQL-only engines (pgRouting), errors already GeoHubErrors."""
        return self._connection(writing)

    def check(self) -> None:
        with self._connection() as conn:
            conn.execute(sql.SQL("SELECT count(*) FROM {}.layer_versions").format(sql.Identifier(SCHEMA)))

    def close(self) -> None:
        self._pool.close()

    # reads -------------------------------------------------------------------------------
    def query(self, layer: LayerDefinition, query: FeatureQuery) -> FeaturePage:
        # one snapshot for the page and its count: an item edit changes the published table in place
        with self._connection() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            current = self._current(conn, layer)
            table, layer = current.table, current.layer
            where, params = self._where_clause(layer, table, query)
            order = sql.SQL(", ").join(
                [
                    sql.SQL("{} {}").format(
                        sql.Identifier(k.name),
                        sql.SQL("ASC NULLS LAST" if k.ascending else "DESC NULLS FIRST"),
                    )
                    for k in query.sort
                ]
                + [sql.SQL("fid")]
            )
            # pick the page's rows by fid first: rows OFFSET skips are never encoded
            rows = conn.execute(
                sql.SQL(
                    "SELECT {} FROM {} WHERE fid IN (SELECT fid FROM {} {} ORDER BY {} LIMIT %s OFFSET %s) "
                    "ORDER BY {}"
                ).format(_select_list(layer), table, table, where, order, order),
                (*params, query.limit, query.offset),
            ).fetchall()
            matched = current.feature_count
            if not query.selects_everything:
                matched = self._count(conn, current, where, params)
        return FeaturePage([feature_from_row(layer, bytes(row[0]), row[1:]) for row in rows], matched)

    def _count(
        self, conn: psycopg.Connection[Any], current: Current, where: sql.Composable, params: list[Any]
    ) -> int:
        def count() -> int:
            row = conn.execute(
                sql.SQL("SELECT count(*) FROM {} {}").format(current.table, where), params
            ).fetchone()
            return int(row[0] if row else 0)

        # an item edit changes a table in place: a count is the version's, not the table's
        key = (current.table.as_string(conn), current.version, where.as_string(conn), repr(params))
        return self._counts.get_or_count(key, count)

    def render_tile(self, request: TileRequest) -> bytes:
        with self._connection() as conn:
            return render_tile(conn, request, self._version_tables)

    # hooks of SqlStore ----------------------------------------------------------------------
    def _reading(self) -> AbstractContextManager[psycopg.Connection[Any]]:
        return self._connection()

    def _transaction(self) -> AbstractContextManager[psycopg.Connection[Any]]:
        return self._connection(writing=True)

    def _lock_layer(self, conn: psycopg.Connection[Any], layer_id: str) -> None:
        conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"geohub:{layer_id}",))

    def _table(self, name: str) -> sql.Identifier:
        return sql.Identifier(SCHEMA, name)

    def _json_param(self, value: dict[str, str]) -> Jsonb:
        return Jsonb(value)

    def _fill(
        self,
        conn: psycopg.Connection[Any],
        layer: LayerDefinition,
        table: str,
        features: Iterable[Feature] | FeatureTable,
    ) -> ExtentTracker:
        create_table(conn, layer, table)
        return copy_rows(conn, layer, table, features)

    def _staged(
        self, layer: LayerDefinition, features: Iterable[Feature] | FeatureTable
    ) -> AbstractContextManager[Place]:
        """An import's table is built beforehand on connections of its own (postgis_write.py)."""
        if not isinstance(features, FeatureTable):
            return super()._staged(layer, features)
        return staged_table(
            self._database_url,
            layer,
            features,
            connect_timeout_s=self._timeout_s,
            statement_timeout_ms=self._statement_timeout_ms,
            index_build_memory_mb=self._index_build_memory_mb,
        )

    def _copy_kept(
        self,
        conn: psycopg.Connection[Any],
        layer: LayerDefinition,
        base: sql.Identifier,
        base_layer: LayerDefinition,
        table: str,
        dropped: list[Any],
    ) -> None:
        names = sql.SQL(", ").join(
            sql.Identifier(n) for n in ["geom", *(a.name for a in base_layer.attributes)]
        )
        conn.execute(
            sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} WHERE NOT ({} = ANY(%s))").format(
                sql.Identifier(SCHEMA, table), names, names, base, sql.Identifier(layer.key)
            ),
            (dropped,),
        )

    def _insert_rows(
        self, conn: psycopg.Connection[Any], layer: LayerDefinition, table: str, rows: FeatureTable
    ) -> None:
        copy_rows(conn, layer, table, rows)

    def _index(self, conn: psycopg.Connection[Any], layer: LayerDefinition, table: str) -> None:
        create_indexes(conn, layer, table)

    def _table_extent(self, conn: psycopg.Connection[Any], table: str) -> tuple[int, Bbox | None]:
        row = conn.execute(
            sql.SQL(
                "SELECT n, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                "FROM (SELECT count(*) AS n, ST_Extent(geom) AS e FROM {}) s"
            ).format(sql.Identifier(SCHEMA, table))
        ).fetchone()
        if row is None or not row[0]:
            return 0, None
        return int(row[0]), (float(row[1]), float(row[2]), float(row[3]), float(row[4]))

    def _drop_table(self, conn: psycopg.Connection[Any], table: str) -> None:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(SCHEMA, table)))

    def _row_by_key(
        self, conn: psycopg.Connection[Any], layer: LayerDefinition, table: sql.Identifier, value: Any
    ) -> tuple[Any, ...] | None:
        return conn.execute(
            sql.SQL("SELECT {} FROM {} WHERE {} = %s").format(
                _select_list(layer), table, sql.Identifier(layer.key)
            ),
            (value,),
        ).fetchone()

    def _rows_in_key_order(
        self, conn: psycopg.Connection[Any], layer: LayerDefinition, table: sql.Identifier
    ) -> Iterable[tuple[Any, ...]]:
        return conn.execute(
            sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
                _select_list(layer), table, sql.Identifier(layer.key)
            )
        )

    def _where_clause(
        self, layer: LayerDefinition, table: sql.Identifier, query: FeatureQuery
    ) -> tuple[sql.Composable, list[Any]]:
        conditions: list[sql.Composable] = []
        params: list[Any] = []
        if query.bbox is not None:
            # ST_Envelope turns a box without area into the point or line it is
            conditions.append(
                sql.SQL("ST_Intersects(geom, ST_Envelope(ST_MakeEnvelope(%s, %s, %s, %s, 4326)))")
            )
            params += list(query.bbox)
        more, more_params = self._attribute_conditions(layer, query)
        conditions += [sql.SQL(text) for text in more]  # names checked, values bound
        params += more_params
        if not conditions:
            return sql.SQL(""), params
        return sql.SQL("WHERE ") + sql.SQL(" AND ").join(conditions), params


def _select_list(layer: LayerDefinition) -> sql.Composable:
    return sql.SQL(", ").join(
        [sql.SQL("ST_AsBinary(geom)")] + [sql.Identifier(a.name) for a in layer.attributes]
    )


def session_setup(statement_timeout_ms: int) -> Callable[[psycopg.Connection[Any]], None]:
    """How a pool sets up each new connection."""

    def configure(conn: psycopg.Connection[Any]) -> None:
        conn.execute(f"SET statement_timeout = {int(statement_timeout_ms)}")
        conn.execute("SET TIME ZONE 'UTC'")
        conn.commit()
        # reads need no transaction but a page of items, whose rows and count are read in one
        # snapshot (an item edit changes a published table in place); others save the round trips
        conn.autocommit = True

    return configure


def check_if_signalled(conn: psycopg.Connection[Any]) -> None:
    """A pool's check before it lends a connection: one that a server restart or a terminated
    backend broke has something to read (the server's farewell, then the end of the stream), and
    only then is checked with an empty query (psycopg_pool's check) and replaced if it fails. A
    live idle connection has nothing to read and is lent without a round trip (~0.1 ms a tile
    or page). (Skipping the check for connections used within the last second instead failed
    the first write after a fast restart: tests/cluster/test_primary_restart.py.)"""
    if conn.closed or select.select([conn.fileno()], [], [], 0)[0]:
        ConnectionPool.check_connection(conn)


def create_database_if_missing(database_url: str, timeout_s: float) -> None:
    """Create the database the URL names when the server is up but the database is not there."""
    timeout = max(1, int(timeout_s))
    try:
        psycopg.connect(database_url, connect_timeout=timeout).close()
        return
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
    info = psycopg.conninfo.conninfo_to_dict(database_url)
    name = str(info.get("dbname") or "")
    maintenance = psycopg.conninfo.make_conninfo(database_url, dbname="postgres")
    with psycopg.connect(maintenance, autocommit=True, connect_timeout=timeout) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
