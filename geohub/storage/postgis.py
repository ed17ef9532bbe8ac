"""PostgisStore: PostgreSQL/PostGIS through a psycopg 3 pool, one table per layer version."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
import shapely
from psycopg import sql
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout

from geohub.errors import (
    ConflictError,
    FeatureNotFoundError,
    InvalidDataError,
    InvalidRequestError,
    LayerNotFoundError,
    StorageUnavailableError,
    VersionNotFoundError,
)
from geohub.layers.models import LayerDefinition
from geohub.settings import StorageSettings
from geohub.storage.base import (
    Bbox,
    Digests,
    Feature,
    FeaturePage,
    FeatureQuery,
    FeatureTable,
    LayerVersion,
    TileRequest,
    check_sort,
    check_where,
)
from geohub.storage.batches import ExtentTracker, feature_batches
from geohub.storage.counts import CountCache
from geohub.storage.cql_sql import POSTGIS, compile_filter
from geohub.storage.postgis_tiles import render_tile
from geohub.storage.rows import (
    VERSION_FIELDS,
    feature_from_row,
    readable_layer,
    schema_of,
    version_from_row,
)
from geohub.storage.values import (
    BINARY_COPY_TYPES,
    BINARY_COPY_VALUES,
    POSTGRES_TYPES,
    parse_feature_id,
    parse_filter_value,
)

SCHEMA = "geohub"
WGS84 = 4326
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
"""


class PostgisStore:
    """FeatureStore over PostGIS; readers see one published version, swapped in one commit."""

    backend = "postgis"

    def __init__(self, database_url: str, settings: StorageSettings | None = None) -> None:
        settings = settings or StorageSettings()
        self._timeout_s = settings.connect_timeout_s
        self._counts = CountCache()
        statement_timeout = settings.statement_timeout_ms

        def configure(conn: psycopg.Connection[Any]) -> None:
            conn.execute(f"SET statement_timeout = {int(statement_timeout)}")
            conn.execute("SET TIME ZONE 'UTC'")
            conn.commit()
            # reads need no transaction: a published table never changes, so a page and its
            # count agree without one, and each read costs no BEGIN/COMMIT round trips
            conn.autocommit = True

        self._pool = ConnectionPool(
            database_url,
            min_size=settings.pool_min_size,
            max_size=settings.pool_max_size,
            kwargs={"connect_timeout": max(1, int(settings.connect_timeout_s))},
            configure=configure,
            open=False,
        )
        try:
            create_database_if_missing(database_url, settings.connect_timeout_s)
            self._pool.open(wait=settings.pool_min_size > 0, timeout=settings.connect_timeout_s)
            with self._connection() as conn:
                conn.execute(SETUP_SQL)
        except (psycopg.Error, PoolTimeout) as exc:
            self._pool.close()
            raise StorageUnavailableError(f"PostGIS cannot be reached: {_first_line(exc)}") from exc

    @contextmanager
    def _connection(self, writing: bool = False) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection (writes: in one transaction); database errors become GeoHubErrors."""
        try:
            with self._pool.connection(timeout=self._timeout_s) as conn:
                if writing:
                    with conn.transaction():
                        yield conn
                else:
                    yield conn
        except PoolTimeout as exc:
            raise StorageUnavailableError("PostGIS has no free connection.") from exc
        except psycopg.errors.UniqueViolation as exc:
            raise InvalidDataError(f"Duplicate key: {_first_line(exc)}") from None
        except psycopg.errors.SerializationFailure as exc:
            raise ConflictError("Another write to this layer happened at the same time.") from exc
        except psycopg.DataError as exc:
            if writing:
                raise InvalidDataError(f"The data cannot be stored: {_first_line(exc)}") from None
            raise InvalidRequestError(f"The query cannot be answered: {_first_line(exc)}") from None
        except psycopg.OperationalError as exc:
            raise StorageUnavailableError(f"PostGIS is unavailable: {_first_line(exc)}") from exc

    def check(self) -> None:
        with self._connection() as conn:
            conn.execute(sql.SQL("SELECT count(*) FROM {}.layer_versions").format(sql.Identifier(SCHEMA)))

    def close(self) -> None:
        self._pool.close()

    # versions ----------------------------------------------------------------------------
    def write_version(
        self,
        layer: LayerDefinition,
        features: Iterable[Feature] | FeatureTable,
        *,
        source_fingerprint: str = "",
        note: str = "",
        publish: bool = True,
        digests: Digests = b"",
    ) -> LayerVersion:
        with self._connection(writing=True) as conn:
            version, table = _next_version(conn, layer.id)
            _create_table(conn, layer, table)
            extent = _copy_rows(conn, layer, table, features)
            _create_indexes(conn, layer, table)
            _record_version(
                conn, layer, version, table, extent.count, extent.extent, source_fingerprint, note, digests
            )
            if publish:
                _switch_current(conn, layer.id, version)
        return self._version(layer.id, version)

    def write_derived_version(
        self,
        layer: LayerDefinition,
        base_version: int,
        upserts: FeatureTable,
        deletes: Sequence[str],
        *,
        note: str = "",
        publish: bool = True,
        digests: Digests = b"",
    ) -> LayerVersion:
        key = layer.attribute(layer.key)
        assert key is not None
        dropped = [parse_feature_id(key.type, k) for k in deletes]
        dropped += [v for v in upserts.columns[layer.key] if v is not None]
        with self._connection(writing=True) as conn:
            base_table, base_layer = _version_table(conn, layer, base_version)
            version, table = _next_version(conn, layer.id)
            _create_table(conn, layer, table)
            _copy_rows(conn, layer, table, upserts)
            names = sql.SQL(", ").join(
                sql.Identifier(n) for n in ["geom", *(a.name for a in base_layer.attributes)]
            )
            conn.execute(
                sql.SQL("INSERT INTO {} ({}) SELECT {} FROM {} WHERE NOT ({} = ANY(%s))").format(
                    sql.Identifier(SCHEMA, table), names, names, base_table, sql.Identifier(layer.key)
                ),
                (dropped,),
            )
            _create_indexes(conn, layer, table)
            count, extent = _table_extent(conn, table)
            _record_version(conn, layer, version, table, count, extent, "", note, digests)
            if publish:
                _switch_current(conn, layer.id, version)
        return self._version(layer.id, version)

    def delete_version(self, layer_id: str, version: int) -> None:
        with self._connection(writing=True) as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"geohub:{layer_id}",))
            row = conn.execute(
                "SELECT table_name, is_current FROM geohub.layer_versions "
                "WHERE layer_id = %s AND version = %s",
                (layer_id, version),
            ).fetchone()
            if row is None:
                raise VersionNotFoundError(f"Layer '{layer_id}' has no version {version}.")
            if row[1]:
                raise ConflictError(
                    f"Version {version} of layer '{layer_id}' is published; it cannot be deleted."
                )
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(SCHEMA, row[0])))
            conn.execute(
                "DELETE FROM geohub.layer_versions WHERE layer_id = %s AND version = %s", (layer_id, version)
            )

    def version_digests(self, layer_id: str, version: int) -> bytes:
        with self._connection() as conn:
            row = conn.execute(
                "SELECT digests FROM geohub.layer_versions WHERE layer_id = %s AND version = %s",
                (layer_id, version),
            ).fetchone()
        if row is None:
            raise VersionNotFoundError(f"Layer '{layer_id}' has no version {version}.")
        return bytes(row[0] or b"")

    def read_version(self, layer: LayerDefinition, version: int) -> Iterator[Feature]:
        with self._connection() as conn:
            table, stored_layer = _version_table(conn, layer, version)
            rows = conn.execute(
                sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
                    _select_list(stored_layer), table, sql.Identifier(layer.key)
                )
            )
            for row in rows:
                yield feature_from_row(stored_layer, bytes(row[0]), row[1:])

    def publish_version(self, layer_id: str, version: int) -> LayerVersion:
        with self._connection(writing=True) as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"geohub:{layer_id}",))
            _switch_current(conn, layer_id, version)
        return self._version(layer_id, version)

    def versions(self, layer_id: str) -> list[LayerVersion]:
        return [version_from_row(r) for r in self._fetch_versions("layer_id = %s", (layer_id,))]

    def current_version(self, layer_id: str) -> LayerVersion | None:
        rows = self._fetch_versions("layer_id = %s AND is_current", (layer_id,))
        return version_from_row(rows[0]) if rows else None

    def _version(self, layer_id: str, version: int) -> LayerVersion:
        rows = self._fetch_versions("layer_id = %s AND version = %s", (layer_id, version))
        if not rows:
            raise VersionNotFoundError(f"Layer '{layer_id}' has no version {version}.")
        return version_from_row(rows[0])

    def _fetch_versions(self, condition: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        query = sql.SQL("SELECT {} FROM geohub.layer_versions WHERE {} ORDER BY version DESC").format(
            sql.SQL(VERSION_FIELDS),
            sql.SQL(condition),  # condition: a fixed literal from this module
        )
        with self._connection() as conn:
            return conn.execute(query, params).fetchall()

    def extent(self, layer_id: str) -> Bbox | None:
        current = self.current_version(layer_id)
        return None if current is None else current.extent

    def stored_schema(self, layer_id: str) -> dict[str, str]:
        with self._connection() as conn:
            row = conn.execute(
                "SELECT schema_json FROM geohub.layer_versions WHERE layer_id = %s AND is_current",
                (layer_id,),
            ).fetchone()
        if row is None:
            raise LayerNotFoundError(f"Layer '{layer_id}' has no published version.")
        return dict(row[0])

    # reads -------------------------------------------------------------------------------
    def query(self, layer: LayerDefinition, query: FeatureQuery) -> FeaturePage:
        with self._connection() as conn:
            table, total, layer = _current(conn, layer)
            where, params = _where_clause(layer, query)
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
            matched = total
            if not query.selects_everything:
                matched = self._count(conn, table, where, params)
        return FeaturePage([feature_from_row(layer, bytes(row[0]), row[1:]) for row in rows], matched)

    def _count(
        self, conn: psycopg.Connection[Any], table: sql.Identifier, where: sql.Composable, params: list[Any]
    ) -> int:
        def count() -> int:
            row = conn.execute(sql.SQL("SELECT count(*) FROM {} {}").format(table, where), params).fetchone()
            return int(row[0] if row else 0)

        key = (table.as_string(conn), where.as_string(conn), repr(params))
        return self._counts.get_or_count(key, count)

    def count(self, layer: LayerDefinition, query: FeatureQuery | None = None) -> int:
        with self._connection() as conn:
            table, total, layer = _current(conn, layer)
            query = query or FeatureQuery()
            if query.selects_everything:
                return total
            where, params = _where_clause(layer, query)
            return self._count(conn, table, where, params)

    def render_tile(self, request: TileRequest) -> bytes:
        with self._connection() as conn:
            return render_tile(conn, request)

    def get(self, layer: LayerDefinition, feature_id: str) -> Feature:
        key = layer.attribute(layer.key)
        assert key is not None
        value = parse_feature_id(key.type, feature_id)
        with self._connection() as conn:
            table, _, layer = _current(conn, layer)
            row = conn.execute(
                sql.SQL("SELECT {} FROM {} WHERE {} = %s").format(
                    _select_list(layer), table, sql.Identifier(layer.key)
                ),
                (value,),
            ).fetchone()
        if row is None:
            raise FeatureNotFoundError(f"Layer '{layer.id}' has no feature '{feature_id}'.")
        return feature_from_row(layer, bytes(row[0]), row[1:])


def _next_version(conn: psycopg.Connection[Any], layer_id: str) -> tuple[int, str]:
    """The next version number and its table name, under the layer's write lock."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"geohub:{layer_id}",))
    row = conn.execute(
        "SELECT coalesce(max(version), 0) FROM geohub.layer_versions WHERE layer_id = %s", (layer_id,)
    ).fetchone()
    version = 1 + int(row[0] if row else 0)
    return version, f"{layer_id}_v{version}"


def _create_table(conn: psycopg.Connection[Any], layer: LayerDefinition, table_name: str) -> None:
    table = sql.Identifier(SCHEMA, table_name)
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(a.name), sql.SQL(POSTGRES_TYPES[a.type]))
        for a in layer.attributes
    )
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
    conn.execute(
        sql.SQL("CREATE TABLE {} (fid bigserial PRIMARY KEY, geom geometry({}, {}) NOT NULL, {})").format(
            table, sql.SQL(layer.geometry_type.value), sql.Literal(WGS84), columns
        )
    )


def _copy_rows(
    conn: psycopg.Connection[Any],
    layer: LayerDefinition,
    table_name: str,
    features: Iterable[Feature] | FeatureTable,
) -> ExtentTracker:
    """COPY the features in; geometries go as EWKB in binary COPY (geometry_recv reads it)."""
    table = sql.Identifier(SCHEMA, table_name)
    names = sql.SQL(", ").join(sql.Identifier(n) for n in ["geom", *(a.name for a in layer.attributes)])
    extent = ExtentTracker()
    types = ["bytea", *(BINARY_COPY_TYPES[a.type] for a in layer.attributes)]
    converters = [BINARY_COPY_VALUES.get(a.type) for a in layer.attributes]
    with conn.cursor().copy(sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(table, names)) as copy:
        copy.set_types(types)
        for batch in feature_batches(layer, features):
            ewkb = shapely.to_wkb(shapely.set_srid(batch.geometries, WGS84), include_srid=True)
            values = batch.values
            if any(converters):
                values = [
                    tuple(v if c is None or v is None else c(v) for c, v in zip(converters, row, strict=True))
                    for row in values
                ]
            for geometry, row in zip(ewkb.tolist(), values, strict=True):
                copy.write_row((geometry, *row))
            extent.add(batch)
    return extent


def _create_indexes(conn: psycopg.Connection[Any], layer: LayerDefinition, table_name: str) -> None:
    table = sql.Identifier(SCHEMA, table_name)
    try:
        conn.execute(sql.SQL("CREATE UNIQUE INDEX ON {} ({})").format(table, sql.Identifier(layer.key)))
    except psycopg.errors.UniqueViolation:
        raise InvalidDataError(f"Layer '{layer.id}': two features share the key '{layer.key}'.") from None
    for attribute in layer.attributes:
        if attribute.indexed and attribute.name != layer.key:
            conn.execute(sql.SQL("CREATE INDEX ON {} ({})").format(table, sql.Identifier(attribute.name)))
    conn.execute(sql.SQL("CREATE INDEX ON {} USING gist (geom)").format(table))
    conn.execute(sql.SQL("ANALYZE {}").format(table))


def _record_version(
    conn: psycopg.Connection[Any],
    layer: LayerDefinition,
    version: int,
    table: str,
    count: int,
    extent: Bbox | None,
    source_fingerprint: str,
    note: str,
    digests: Digests,
) -> None:
    conn.execute(
        "INSERT INTO geohub.layer_versions (layer_id, version, table_name, feature_count, "
        "min_x, min_y, max_x, max_y, source_fingerprint, note, schema_json, digests) "
        "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)",
        (
            layer.id,
            version,
            table,
            count,
            *(extent or (None,) * 4),
            source_fingerprint,
            note,
            Jsonb(schema_of(layer)),
            (digests() if callable(digests) else digests) or None,
        ),
    )


def _table_extent(conn: psycopg.Connection[Any], table_name: str) -> tuple[int, Bbox | None]:
    row = conn.execute(
        sql.SQL(
            "SELECT n, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
            "FROM (SELECT count(*) AS n, ST_Extent(geom) AS e FROM {}) s"
        ).format(sql.Identifier(SCHEMA, table_name))
    ).fetchone()
    if row is None or not row[0]:
        return 0, None
    return int(row[0]), (float(row[1]), float(row[2]), float(row[3]), float(row[4]))


def _version_table(
    conn: psycopg.Connection[Any], layer: LayerDefinition, version: int
) -> tuple[sql.Identifier, LayerDefinition]:
    row = conn.execute(
        "SELECT table_name, schema_json FROM geohub.layer_versions WHERE layer_id = %s AND version = %s",
        (layer.id, version),
    ).fetchone()
    if row is None:
        raise VersionNotFoundError(f"Layer '{layer.id}' has no version {version}.")
    return sql.Identifier(SCHEMA, row[0]), readable_layer(layer, row[1])


def _switch_current(conn: psycopg.Connection[Any], layer_id: str, version: int) -> None:
    found = conn.execute(
        "SELECT 1 FROM geohub.layer_versions WHERE layer_id = %s AND version = %s", (layer_id, version)
    ).fetchone()
    if found is None:
        raise VersionNotFoundError(f"Layer '{layer_id}' has no version {version}.")
    conn.execute(
        "UPDATE geohub.layer_versions SET is_current = false WHERE layer_id = %s AND is_current", (layer_id,)
    )
    conn.execute(
        "UPDATE geohub.layer_versions SET is_current = true WHERE layer_id = %s AND version = %s",
        (layer_id, version),
    )


def _current(
    conn: psycopg.Connection[Any], layer: LayerDefinition
) -> tuple[sql.Identifier, int, LayerDefinition]:
    """The published version's table, its feature count, and the layer as that version holds it."""
    row = conn.execute(
        "SELECT table_name, feature_count, schema_json FROM geohub.layer_versions "
        "WHERE layer_id = %s AND is_current",
        (layer.id,),
    ).fetchone()
    if row is None:
        raise LayerNotFoundError(f"Layer '{layer.id}' has no published data yet.")
    return sql.Identifier(SCHEMA, row[0]), int(row[1]), readable_layer(layer, row[2])


def _select_list(layer: LayerDefinition) -> sql.Composable:
    return sql.SQL(", ").join(
        [sql.SQL("ST_AsBinary(geom)")] + [sql.Identifier(a.name) for a in layer.attributes]
    )


def _where_clause(layer: LayerDefinition, query: FeatureQuery) -> tuple[sql.Composable, list[Any]]:
    check_where(layer, query.where)
    check_sort(layer, query.sort)
    conditions: list[sql.Composable] = []
    params: list[Any] = []
    if query.bbox is not None:
        # ST_Envelope turns a box without area into the point or line it is
        conditions.append(sql.SQL("ST_Intersects(geom, ST_Envelope(ST_MakeEnvelope(%s, %s, %s, %s, 4326)))"))
        params += list(query.bbox)
    for name, raw in query.where.items():
        attribute = layer.attribute(name)
        assert attribute is not None
        value = parse_filter_value(attribute.type, name, raw)
        if value is None:
            conditions.append(sql.SQL("{} IS NULL").format(sql.Identifier(name)))
        else:
            conditions.append(sql.SQL("{} = %s").format(sql.Identifier(name)))
            params.append(value)
    if query.filter is not None:
        text, filter_params = compile_filter(query.filter, layer, POSTGIS)
        conditions.append(sql.SQL("({})").format(sql.SQL(text)))  # identifiers checked by the compiler
        params += filter_params
    if not conditions:
        return sql.SQL(""), params
    return sql.SQL("WHERE ") + sql.SQL(" AND ").join(conditions), params


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
