"""GeopackageStore: the embedded default, one GeoPackage file, one table per layer version."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from geohub.errors import InvalidDataError, LayerNotFoundError, StorageUnavailableError
from geohub.layers.models import LayerDefinition
from geohub.messages import tr
from geohub.storage import edit_log, gpkg_tiles
from geohub.storage import gpkg_format as gpkg
from geohub.storage.base import Bbox, Feature, FeaturePage, FeatureQuery, FeatureTable, TileRequest
from geohub.storage.batches import Batch, ExtentTracker, feature_batches
from geohub.storage.counts import CountCache
from geohub.storage.cql_sql import SQLITE
from geohub.storage.rows import feature_from_row
from geohub.storage.sql_store import Current, SqlStore
from geohub.storage.sqlite import SqliteConnections
from geohub.storage.values import SQLITE_TYPES

VERSIONS_DDL = """CREATE TABLE IF NOT EXISTS geohub_layer_versions (
    layer_id TEXT NOT NULL, version INTEGER NOT NULL, table_name TEXT NOT NULL,
    created_at TEXT NOT NULL, feature_count INTEGER NOT NULL,
    min_x REAL, min_y REAL, max_x REAL, max_y REAL,
    is_current INTEGER NOT NULL DEFAULT 0, source_fingerprint TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '', schema_json TEXT NOT NULL,
    PRIMARY KEY (layer_id, version))"""
NUMBERS_DDL = """CREATE TABLE IF NOT EXISTS geohub_version_numbers (
    layer_id TEXT PRIMARY KEY, last_version INTEGER NOT NULL)"""


class GeopackageStore(SqlStore):
    """FeatureStore over one GeoPackage file; WAL readers never wait for the writer."""

    backend = "geopackage"
    versions_table = "geohub_layer_versions"
    numbers_table = "geohub_version_numbers"
    mark = "?"
    cql = SQLITE
    column_prefix = "t."
    stamps_created_at = True
    log_dialect = edit_log.SQLITE

    def __init__(self, path: Path) -> None:
        self.path = path
        self._sqlite = SqliteConnections(path, gpkg.register_functions)
        self._counts = CountCache()
        self._tile_indexes = gpkg_tiles.TileIndexes()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self._transaction() as conn:
                gpkg.ensure_core_tables(conn)
                conn.execute(VERSIONS_DDL)
                conn.execute(NUMBERS_DDL)
                conn.execute(edit_log.chains_ddl("geohub_edit_chains", "BLOB"))
                columns = {row[1] for row in conn.execute("PRAGMA table_info(geohub_layer_versions)")}
                if "digests" not in columns:
                    conn.execute("ALTER TABLE geohub_layer_versions ADD COLUMN digests BLOB")
            # write the GeoPackage header into the main file, where GDAL looks for it
            self._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except (OSError, sqlite3.Error) as exc:
            raise StorageUnavailableError(
                tr("The GeoPackage store cannot be opened: {exc}", exc=exc)
            ) from exc

    # connections -------------------------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        return self._sqlite.connection()

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._sqlite.transaction()

    def check(self) -> None:
        try:
            self._connection().execute("SELECT count(*) FROM geohub_layer_versions").fetchone()
        except sqlite3.Error as exc:
            raise StorageUnavailableError(tr("The GeoPackage store does not answer: {exc}", exc=exc)) from exc

    def close(self) -> None:
        """Close every thread's connection; the next use opens new ones."""
        self._sqlite.close()

    # reads -------------------------------------------------------------------------------
    def query(self, layer: LayerDefinition, query: FeatureQuery) -> FeaturePage:
        conn = self._connection()
        conn.execute("BEGIN")  # one snapshot for the page and its count
        try:
            current = self._current(conn, layer)
            table, layer = current.table, current.layer
            where, params = self._where_clause(layer, table, query)
            order = ", ".join(
                [
                    f't."{k.name}" {"ASC NULLS LAST" if k.ascending else "DESC NULLS FIRST"}'
                    for k in query.sort
                ]
                + ["t.fid"]
            )
            rows = conn.execute(
                f'SELECT {_select_list(layer)} FROM "{table}" t {where} ORDER BY {order} LIMIT ? OFFSET ?',
                (*params, query.limit, query.offset),
            ).fetchall()
            matched = (
                current.feature_count
                if query.selects_everything
                else self._count(conn, current, where, params)
            )
        finally:
            conn.execute("COMMIT")
        return FeaturePage(
            [feature_from_row(layer, gpkg.blob_wkb(row[0]), row[1:]) for row in rows], int(matched)
        )

    def _count(self, conn: sqlite3.Connection, current: Current, where: str, params: list[Any]) -> int:
        def count() -> int:
            return int(
                conn.execute(f'SELECT count(*) FROM "{current.table}" t {where}', params).fetchone()[0]
            )

        # an item edit changes a table in place: a count is the version's, not the table's
        return self._counts.get_or_count((current.table, current.version, where, repr(params)), count)

    def render_tile(self, request: TileRequest) -> bytes:
        conn = self._connection()
        current = {}
        for rules in request.layers:
            try:
                found = self._current(conn, rules.layer)
            except LayerNotFoundError:
                continue
            current[rules.layer.id] = gpkg_tiles.TableState(found.table, found.version, found.layer)
        return gpkg_tiles.render_tile(conn, self._tile_indexes, request, current)

    # hooks of SqlStore ----------------------------------------------------------------------
    def _reading(self) -> AbstractContextManager[sqlite3.Connection]:
        return nullcontext(self._connection())

    def _table(self, name: str) -> str:
        return str(name)

    def _fill(
        self,
        conn: sqlite3.Connection,
        layer: LayerDefinition,
        table: str,
        features: Iterable[Feature] | FeatureTable,
    ) -> ExtentTracker:
        return _create_and_fill(conn, layer, table, features)

    def _copy_kept(
        self,
        conn: sqlite3.Connection,
        layer: LayerDefinition,
        base: str,
        base_layer: LayerDefinition,
        table: str,
        dropped: list[Any],
    ) -> None:
        names = ", ".join(f'"{n}"' for n in ["geom", *(a.name for a in base_layer.attributes)])
        # The R-tree of the kept rows is the base's: not computed again by the insert trigger
        # (which calls the Python envelope functions four times a row: 30 s of a one-feature
        # upsert on 300k parcels). A few changes clone the base's R-tree (its shadow tables) and
        # edit it; many copy its entries, which the R-tree then inserts one by one (~10 s on 300k).
        trigger = f"rtree_{table}_geom_insert"
        (trigger_sql,) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (trigger,)
        ).fetchone()
        conn.execute(f'DROP TRIGGER "{trigger}"')
        (upserts,) = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()
        (base_count, base_max) = conn.execute(
            f'SELECT count(*), coalesce(max(fid), 0) FROM "{base}"'
        ).fetchone()
        if (upserts + len(dropped)) * 10 < base_count:
            _clone_rtree(conn, layer, base, table, names, base_max, json.dumps(dropped))
        else:
            conn.execute(
                f'INSERT INTO "{table}" (fid, {names}) SELECT fid + ?, {names} FROM "{base}" '
                f'WHERE "{layer.key}" NOT IN (SELECT value FROM json_each(?))',
                (upserts, json.dumps(dropped)),
            )
            conn.execute(
                f'INSERT INTO "rtree_{table}_geom" SELECT t.fid, r.minx, r.maxx, r.miny, r.maxy '
                f'FROM "{table}" t JOIN "rtree_{base}_geom" r ON r.id = t.fid - ? WHERE t.fid > ?',
                (upserts, upserts),
            )
        conn.execute(trigger_sql)

    def _insert_rows(
        self, conn: sqlite3.Connection, layer: LayerDefinition, table: str, rows: FeatureTable
    ) -> None:
        """Insert into the indexed table; its R-tree triggers index the new rows."""
        insert_rows(conn, layer, table, rows)

    def _table_extent(self, conn: sqlite3.Connection, table: str) -> tuple[int, Bbox | None]:
        row = conn.execute(
            f'SELECT count(*), min(minx), min(miny), max(maxx), max(maxy) FROM "rtree_{table}_geom"'
        ).fetchone()
        if not row[0]:
            return 0, None
        return int(row[0]), (float(row[1]), float(row[2]), float(row[3]), float(row[4]))

    def _set_extent(self, conn: sqlite3.Connection, table: str, extent: Bbox | None) -> None:
        conn.execute(
            "UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE table_name = ?",
            (*(extent or (None,) * 4), table),
        )

    def _drop_table(self, conn: sqlite3.Connection, table: str) -> None:
        """Drop a version's table with its R-tree and GeoPackage registrations."""
        conn.execute(f'DROP TABLE IF EXISTS "rtree_{table}_geom"')
        conn.execute(f'DROP TABLE IF EXISTS "{table}"')
        for registry in ("gpkg_extensions", "gpkg_geometry_columns", "gpkg_contents"):
            conn.execute(f"DELETE FROM {registry} WHERE table_name = ?", (table,))

    def _row_by_key(
        self, conn: sqlite3.Connection, layer: LayerDefinition, table: str, value: Any
    ) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = conn.execute(
            f'SELECT {_select_list(layer)} FROM "{table}" t WHERE "{layer.key}" = ?', (value,)
        ).fetchone()
        return row

    def _rows_in_key_order(
        self, conn: sqlite3.Connection, layer: LayerDefinition, table: str
    ) -> Iterable[tuple[Any, ...]]:
        return conn.execute(f'SELECT {_select_list(layer)} FROM "{table}" t ORDER BY "{layer.key}"')

    def _wkb(self, geometry: Any) -> bytes:
        return gpkg.blob_wkb(geometry)

    def _where_clause(self, layer: LayerDefinition, table: str, query: FeatureQuery) -> tuple[str, list[Any]]:
        joins, conditions, params = "", [], []
        if query.bbox is not None:
            minx, miny, maxx, maxy = query.bbox
            joins = f'JOIN "rtree_{table}_geom" r ON r.id = t.fid'
            conditions.append("r.minx <= ? AND r.maxx >= ? AND r.miny <= ? AND r.maxy >= ?")
            params += [maxx, minx, maxy, miny]
            # an envelope inside the box intersects it for sure; only the others need GEOS
            conditions.append(
                "((r.minx >= ? AND r.maxx <= ? AND r.miny >= ? AND r.maxy <= ?)"
                " OR gh_intersects_box(t.geom, ?, ?, ?, ?))"
            )
            params += [minx, maxx, miny, maxy, minx, miny, maxx, maxy]
        more, more_params = self._attribute_conditions(layer, query)
        conditions += more
        params += more_params
        where = f"{joins} WHERE {' AND '.join(conditions)}" if conditions else joins
        return where, params

    def _changed(self, layer_id: str) -> None:
        """Release the tile index of a version no longer published (or dropped)."""
        row = (
            self._connection()
            .execute(
                "SELECT table_name FROM geohub_layer_versions WHERE layer_id = ? AND is_current = 1",
                (layer_id,),
            )
            .fetchone()
        )
        self._tile_indexes.release(layer_id, keep=None if row is None else str(row[0]))


def _clone_rtree(
    conn: sqlite3.Connection,
    layer: LayerDefinition,
    base: str,
    table: str,
    names: str,
    base_max: int,
    dropped: str,
) -> None:
    """Keep the base's rows under their own fids with a copy of its R-tree (its shadow tables,
    page by page), minus the dropped keys' entries; the new rows (fids 1…n, filled first) move
    above the base's fids with their entries."""
    rtree, base_rtree = f"rtree_{table}_geom", f"rtree_{base}_geom"
    conn.execute("CREATE TEMP TABLE geohub_moved AS SELECT * FROM " + f'"{rtree}"')
    conn.execute(f'UPDATE "{table}" SET fid = fid + ?', (base_max,))  # not geom: no R-tree trigger
    for part in ("node", "parent", "rowid"):
        conn.execute(f'DELETE FROM "{rtree}_{part}"')
        conn.execute(f'INSERT INTO "{rtree}_{part}" SELECT * FROM "{base_rtree}_{part}"')
    conn.execute(
        f'DELETE FROM "{rtree}" WHERE id IN (SELECT fid FROM "{base}" '
        f'WHERE "{layer.key}" IN (SELECT value FROM json_each(?)))',
        (dropped,),
    )
    conn.execute(
        f'INSERT INTO "{table}" (fid, {names}) SELECT fid, {names} FROM "{base}" '
        f'WHERE "{layer.key}" NOT IN (SELECT value FROM json_each(?))',
        (dropped,),
    )
    conn.execute(
        f'INSERT INTO "{rtree}" SELECT id + ?, minx, maxx, miny, maxy FROM temp.geohub_moved', (base_max,)
    )
    conn.execute("DROP TABLE temp.geohub_moved")


def _create_and_fill(
    conn: sqlite3.Connection, layer: LayerDefinition, table: str, features: Iterable[Feature] | FeatureTable
) -> ExtentTracker:
    columns = ", ".join(f'"{a.name}" {SQLITE_TYPES[a.type]}' for a in layer.attributes)
    conn.execute(f'DROP TABLE IF EXISTS "{table}"')
    conn.execute(
        f'CREATE TABLE "{table}" (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom {_gpkg_type(layer)}, {columns})'
    )
    conn.execute(f'CREATE UNIQUE INDEX "{table}_key" ON "{table}" ("{layer.key}")')
    for statement in gpkg.rtree_statements(table)[:1]:
        conn.execute(statement)
    extent = ExtentTracker()
    next_fid = 1
    for batch in feature_batches(layer, features):
        _insert_batch(conn, layer, table, batch)
        conn.executemany(
            f'INSERT INTO "rtree_{table}_geom" VALUES (?, ?, ?, ?, ?)',
            [(next_fid + i, b[0], b[2], b[1], b[3]) for i, b in enumerate(batch.bounds.tolist())],
        )
        next_fid += len(batch.wkbs)
        extent.add(batch)
    for attribute in layer.attributes:
        if attribute.indexed and attribute.name != layer.key:
            conn.execute(f'CREATE INDEX "{table}_{attribute.name}" ON "{table}" ("{attribute.name}")')
    for statement in gpkg.rtree_statements(table)[1:]:
        conn.execute(statement)
    conn.execute(gpkg.RTREE_EXTENSION_ROW, (table, "geom"))
    minx, miny, maxx, maxy = extent.extent or (None, None, None, None)
    conn.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, "
        "max_x, max_y, srs_id) VALUES (?, 'features', ?, ?, ?, ?, ?, ?, ?)",
        (table, table, layer.title.en, minx, miny, maxx, maxy, gpkg.WGS84),
    )
    conn.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)",
        (table, _gpkg_type(layer), gpkg.WGS84),
    )
    return extent


def insert_rows(conn: sqlite3.Connection, layer: LayerDefinition, table: str, rows: FeatureTable) -> None:
    """Insert rows into a finished table (its R-tree triggers index them)."""
    for batch in feature_batches(layer, rows):
        _insert_batch(conn, layer, table, batch)


def _insert_batch(conn: sqlite3.Connection, layer: LayerDefinition, table: str, batch: Batch) -> None:
    """Insert one batch's rows (fids given by the table); two rows with one key: InvalidDataError."""
    placeholders = ", ".join("?" for _ in range(len(layer.attributes) + 1))
    names = ", ".join(f'"{a.name}"' for a in layer.attributes)
    blobs = [gpkg.encode_blob(w, tuple(b)) for w, b in zip(batch.wkbs, batch.bounds.tolist(), strict=True)]
    try:
        conn.executemany(
            f'INSERT INTO "{table}" (geom, {names}) VALUES ({placeholders})',
            [(blob, *values) for blob, values in zip(blobs, batch.values, strict=True)],
        )
    except sqlite3.IntegrityError as exc:
        raise InvalidDataError(
            tr(
                "Layer '{layer}': two features share the key '{key}' ({exc}).",
                layer=layer.id,
                key=str(layer.key),
                exc=exc,
            )
        ) from None


def _gpkg_type(layer: LayerDefinition) -> str:
    return layer.geometry_type.value.upper()


def _select_list(layer: LayerDefinition) -> str:
    return ", ".join(["t.geom"] + [f't."{a.name}"' for a in layer.attributes])
