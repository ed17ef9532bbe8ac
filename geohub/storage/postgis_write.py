"""How PostgisStore writes a version's table: create it, COPY the rows in, index it, ANALYZE it.

The rows go in binary COPY built a column at a time (storage/copy_binary.py). An import (a
validated FeatureTable) is staged: its table is built beforehand under a name of its own
(`staging_<pid>_<layer>`) on two connections of its own, so that PostgreSQL works on two cores:
each half of the rows COPYed by one, then the GiST index built by one while the other builds
the key and attribute indexes. Each step commits as it ends, yet no reader can see the table,
as no version row names it; the write's transaction renames it into place and records it (and
publishes it) in one commit, so a version is never seen half-written. A staged table whose
connection is gone (its process died) is dropped by the next staged write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

import psycopg
from psycopg import sql

from geohub.errors import InvalidDataError
from geohub.layers.models import LayerDefinition
from geohub.messages import tr
from geohub.storage.base import Feature, FeatureTable
from geohub.storage.batches import BATCH_SIZE, ExtentTracker, feature_batches
from geohub.storage.copy_binary import SIGNATURE, TRAILER, encode_rows
from geohub.storage.postgis_tiles import LABEL_COLUMN, WEB_MERCATOR, label_point
from geohub.storage.values import POSTGRES_TYPES
from geohub.threads import in_parallel

SCHEMA = "geohub"
WGS84 = 4326
STAGING_PREFIX = "staging_"
SPLIT_MIN_ROWS = 8 * BATCH_SIZE  # fewer rows are COPYed over one connection: a split gains nothing
# Place the staged table as the version's: (the write's connection, the version's table name)
Place = Callable[[psycopg.Connection[Any], str], ExtentTracker]


def create_table(conn: psycopg.Connection[Any], layer: LayerDefinition, table_name: str) -> None:
    """A new, empty table for a version of `layer` (one left under this name is dropped first)."""
    table = sql.Identifier(SCHEMA, table_name)
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(a.name), sql.SQL(POSTGRES_TYPES[a.type]))
        for a in layer.attributes
    )
    if layer.labels:  # label points worked out once, as rows are written, not per tile
        columns += sql.SQL(", {} geometry(Point, {}) GENERATED ALWAYS AS ({}) STORED").format(
            sql.Identifier(LABEL_COLUMN), sql.Literal(WEB_MERCATOR), label_point(layer.labels)
        )
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
    conn.execute(
        sql.SQL("CREATE TABLE {} (fid bigserial PRIMARY KEY, geom geometry({}, {}) NOT NULL, {})").format(
            table, sql.SQL(layer.geometry_type.value), sql.Literal(WGS84), columns
        )
    )


def copy_rows(
    conn: psycopg.Connection[Any],
    layer: LayerDefinition,
    table_name: str,
    features: Iterable[Feature] | FeatureTable,
    rows: range | None = None,
) -> ExtentTracker:
    """COPY the features in (`rows`: of a FeatureTable, only these), in binary, a batch at a time."""
    table = sql.Identifier(SCHEMA, table_name)
    names = sql.SQL(", ").join(sql.Identifier(n) for n in ["geom", *(a.name for a in layer.attributes)])
    extent = ExtentTracker()
    kinds = [a.type for a in layer.attributes]
    with conn.cursor().copy(sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(table, names)) as copy:
        copy.write(SIGNATURE)
        for batch in feature_batches(layer, features, rows=rows):
            copy.write(memoryview(encode_rows(batch.wkbs, list(zip(kinds, batch.columns, strict=True)))))
            extent.add(batch)
        copy.write(TRAILER)
    return extent


def create_indexes(conn: psycopg.Connection[Any], layer: LayerDefinition, table_name: str) -> None:
    """The key's unique index, the indexed attributes', the GiST index; then ANALYZE."""
    create_attribute_indexes(conn, layer, table_name)
    create_spatial_index(conn, table_name)
    conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(SCHEMA, table_name)))


def create_attribute_indexes(conn: psycopg.Connection[Any], layer: LayerDefinition, table_name: str) -> None:
    """The key's unique index (InvalidDataError when two rows share a key), then the others."""
    table = sql.Identifier(SCHEMA, table_name)
    try:
        conn.execute(sql.SQL("CREATE UNIQUE INDEX ON {} ({})").format(table, sql.Identifier(layer.key)))
    except psycopg.errors.UniqueViolation:
        raise InvalidDataError(
            tr("Layer '{layer}': two features share the key '{key}'.", layer=layer.id, key=str(layer.key))
        ) from None
    for attribute in layer.attributes:
        if attribute.indexed and attribute.name != layer.key:
            conn.execute(sql.SQL("CREATE INDEX ON {} ({})").format(table, sql.Identifier(attribute.name)))


def create_spatial_index(conn: psycopg.Connection[Any], table_name: str) -> None:
    conn.execute(sql.SQL("CREATE INDEX ON {} USING gist (geom)").format(sql.Identifier(SCHEMA, table_name)))


@contextmanager
def staged_table(
    database_url: str,
    layer: LayerDefinition,
    table: FeatureTable,
    *,
    connect_timeout_s: float,
    statement_timeout_ms: int,
    index_build_memory_mb: int,
) -> Iterator[Place]:
    """Build the version's table under a staging name, indexed and analyzed; yield how to place
    it (rename it, in the caller's transaction, to the version's name). Dropped unless placed."""
    connections: list[psycopg.Connection[Any]] = []
    name, placed = "", False
    try:
        for _ in range(2):
            conn = psycopg.connect(
                database_url, autocommit=True, connect_timeout=max(1, int(connect_timeout_s))
            )
            connections.append(conn)
            conn.execute(f"SET statement_timeout = {int(statement_timeout_ms)}")
            conn.execute(f"SET maintenance_work_mem = '{int(index_build_memory_mb)}MB'")
            conn.execute("SET TIME ZONE 'UTC'")
        main, helper = connections
        name = f"{STAGING_PREFIX}{main.info.backend_pid}_{layer.id}"
        drop_abandoned_tables(main)
        create_table(main, layer, name)
        extent = _filled(main, helper, layer, name, table)

        def place(conn: psycopg.Connection[Any], table_name: str) -> ExtentTracker:
            nonlocal placed
            rename_table(conn, name, table_name)
            placed = True
            return extent

        yield place
    finally:
        # a placed table is locked by the caller's open transaction: never wait on it here
        if name and not placed:
            with suppress(psycopg.Error):  # else the next staged write drops it, abandoned
                connections[0].execute(
                    sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(SCHEMA, name))
                )
        for conn in connections:
            conn.close()


def _filled(
    main: psycopg.Connection[Any],
    helper: psycopg.Connection[Any],
    layer: LayerDefinition,
    name: str,
    table: FeatureTable,
) -> ExtentTracker:
    """COPY (each half over one connection), index (GiST beside the others), ANALYZE."""
    if len(table) < SPLIT_MIN_ROWS:
        extent = copy_rows(main, layer, name, table)
    else:
        middle = len(table) // 2
        extents = in_parallel(
            lambda: copy_rows(main, layer, name, table, range(0, middle)),
            lambda: copy_rows(helper, layer, name, table, range(middle, len(table))),
        )
        extent = extents[0]
        extent.merge(extents[1])
    in_parallel(
        lambda: create_attribute_indexes(main, layer, name),
        lambda: create_spatial_index(helper, name),
    )
    main.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(SCHEMA, name)))
    return extent


def rename_table(conn: psycopg.Connection[Any], staged: str, table_name: str) -> None:
    """The staged table, its indexes (and so their constraints) and its fid sequence renamed to
    the version's names, in the caller's transaction."""
    conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(SCHEMA, table_name)))
    conn.execute(
        sql.SQL("ALTER TABLE {} RENAME TO {}").format(
            sql.Identifier(SCHEMA, staged), sql.Identifier(table_name)
        )
    )
    table = "(quote_ident(%s) || '.' || quote_ident(%s))::regclass"
    owned = conn.execute(
        f"SELECT c.relname, 'INDEX' FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        f"WHERE i.indrelid = {table} UNION ALL "
        f"SELECT c.relname, 'SEQUENCE' FROM pg_depend d JOIN pg_class c ON c.oid = d.objid "
        f"WHERE d.refobjid = {table} AND d.deptype = 'a' AND c.relkind = 'S'",
        (SCHEMA, table_name, SCHEMA, table_name),
    ).fetchall()
    for relation, kind in owned:
        if relation.startswith(staged):
            conn.execute(
                sql.SQL("ALTER {} {} RENAME TO {}").format(
                    sql.SQL(kind),
                    sql.Identifier(SCHEMA, relation),
                    sql.Identifier(table_name + relation[len(staged) :]),
                )
            )


def drop_abandoned_tables(conn: psycopg.Connection[Any]) -> None:
    """Drop the staged tables whose connection is gone (a process that died while staging)."""
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind = 'r' AND starts_with(c.relname, %s) "
        "AND split_part(c.relname, '_', 2) NOT IN (SELECT pid::text FROM pg_stat_activity)",
        (SCHEMA, STAGING_PREFIX),
    ).fetchall()
    for (relation,) in rows:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(SCHEMA, relation)))
