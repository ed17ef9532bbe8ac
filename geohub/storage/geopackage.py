"""GeopackageStore: the embedded default, one GeoPackage file, one table per layer version."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from geohub.errors import (
    ConflictError,
    FeatureNotFoundError,
    InvalidDataError,
    LayerNotFoundError,
    StorageUnavailableError,
    VersionNotFoundError,
)
from geohub.layers.models import LayerDefinition
from geohub.storage import gpkg_format as gpkg
from geohub.storage import gpkg_tiles
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
from geohub.storage.cql_sql import SQLITE, compile_filter
from geohub.storage.rows import (
    VERSION_FIELDS,
    feature_from_row,
    readable_layer,
    schema_of,
    version_from_row,
)
from geohub.storage.sqlite import SqliteConnections
from geohub.storage.values import (
    INT64_MAX,
    INT64_MIN,
    SQLITE_TYPES,
    parse_feature_id,
    parse_filter_value,
)

VERSIONS_DDL = """CREATE TABLE IF NOT EXISTS geohub_layer_versions (
    layer_id TEXT NOT NULL, version INTEGER NOT NULL, table_name TEXT NOT NULL,
    created_at TEXT NOT NULL, feature_count INTEGER NOT NULL,
    min_x REAL, min_y REAL, max_x REAL, max_y REAL,
    is_current INTEGER NOT NULL DEFAULT 0, source_fingerprint TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '', schema_json TEXT NOT NULL,
    PRIMARY KEY (layer_id, version))"""


class GeopackageStore:
    """FeatureStore over one GeoPackage file; WAL readers never wait for the writer."""

    backend = "geopackage"

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
                columns = {row[1] for row in conn.execute("PRAGMA table_info(geohub_layer_versions)")}
                if "digests" not in columns:
                    conn.execute("ALTER TABLE geohub_layer_versions ADD COLUMN digests BLOB")
            # write the GeoPackage header into the main file, where GDAL looks for it
            self._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except (OSError, sqlite3.Error) as exc:
            raise StorageUnavailableError(f"The GeoPackage store cannot be opened: {exc}") from exc

    # connections -------------------------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        return self._sqlite.connection()

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._sqlite.transaction()

    def check(self) -> None:
        try:
            self._connection().execute("SELECT count(*) FROM geohub_layer_versions").fetchone()
        except sqlite3.Error as exc:
            raise StorageUnavailableError(f"The GeoPackage store does not answer: {exc}") from exc

    def close(self) -> None:
        """Close every thread's connection; the next use opens new ones."""
        self._sqlite.close()

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
        with self._transaction() as conn:
            version, table = _next_version(conn, layer.id)
            extent = _create_and_fill(conn, layer, table, features)
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
        with self._transaction() as conn:
            base_table, base_layer = _version_table(conn, layer, base_version)
            version, table = _next_version(conn, layer.id)
            _create_and_fill(conn, layer, table, upserts)
            names = ", ".join(f'"{n}"' for n in ["geom", *(a.name for a in base_layer.attributes)])
            # the rtree triggers _create_and_fill made index the copied rows
            conn.execute(
                f'INSERT INTO "{table}" ({names}) SELECT {names} FROM "{base_table}" '
                f'WHERE "{layer.key}" NOT IN (SELECT value FROM json_each(?))',
                (json.dumps(dropped),),
            )
            count, extent = _table_extent(conn, table)
            conn.execute(
                "UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE table_name = ?",
                (*(extent or (None,) * 4), table),
            )
            _record_version(conn, layer, version, table, count, extent, "", note, digests)
            if publish:
                _switch_current(conn, layer.id, version)
        return self._version(layer.id, version)

    def delete_version(self, layer_id: str, version: int) -> None:
        _check_version_number(layer_id, version)
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT table_name, is_current FROM geohub_layer_versions WHERE layer_id = ? AND version = ?",
                (layer_id, version),
            ).fetchone()
            if row is None:
                raise VersionNotFoundError(f"Layer '{layer_id}' has no version {version}.")
            if row[1]:
                raise ConflictError(
                    f"Version {version} of layer '{layer_id}' is published; it cannot be deleted."
                )
            _drop_table(conn, row[0])
            conn.execute(
                "DELETE FROM geohub_layer_versions WHERE layer_id = ? AND version = ?", (layer_id, version)
            )

    def version_digests(self, layer_id: str, version: int) -> bytes:
        _check_version_number(layer_id, version)
        row = (
            self._connection()
            .execute(
                "SELECT digests FROM geohub_layer_versions WHERE layer_id = ? AND version = ?",
                (layer_id, version),
            )
            .fetchone()
        )
        if row is None:
            raise VersionNotFoundError(f"Layer '{layer_id}' has no version {version}.")
        return bytes(row[0] or b"")

    def read_version(self, layer: LayerDefinition, version: int) -> Iterator[Feature]:
        _check_version_number(layer.id, version)
        conn = self._connection()
        table, stored_layer = _version_table(conn, layer, version)
        rows = conn.execute(f'SELECT {_select_list(stored_layer)} FROM "{table}" t ORDER BY "{layer.key}"')
        for row in rows:
            yield feature_from_row(stored_layer, gpkg.blob_wkb(row[0]), row[1:])

    def publish_version(self, layer_id: str, version: int) -> LayerVersion:
        _check_version_number(layer_id, version)
        with self._transaction() as conn:
            _switch_current(conn, layer_id, version)
        return self._version(layer_id, version)

    def versions(self, layer_id: str) -> list[LayerVersion]:
        rows = (
            self._connection()
            .execute(
                f"SELECT {VERSION_FIELDS} FROM geohub_layer_versions WHERE layer_id = ? "
                "ORDER BY version DESC",
                (layer_id,),
            )
            .fetchall()
        )
        return [version_from_row(row) for row in rows]

    def current_version(self, layer_id: str) -> LayerVersion | None:
        row = (
            self._connection()
            .execute(
                f"SELECT {VERSION_FIELDS} FROM geohub_layer_versions WHERE layer_id = ? AND is_current = 1",
                (layer_id,),
            )
            .fetchone()
        )
        return None if row is None else version_from_row(row)

    def _version(self, layer_id: str, version: int) -> LayerVersion:
        _check_version_number(layer_id, version)
        row = (
            self._connection()
            .execute(
                f"SELECT {VERSION_FIELDS} FROM geohub_layer_versions WHERE layer_id = ? AND version = ?",
                (layer_id, version),
            )
            .fetchone()
        )
        if row is None:
            raise VersionNotFoundError(f"Layer '{layer_id}' has no version {version}.")
        return version_from_row(row)

    def extent(self, layer_id: str) -> Bbox | None:
        current = self.current_version(layer_id)
        return None if current is None else current.extent

    def stored_schema(self, layer_id: str) -> dict[str, str]:
        row = (
            self._connection()
            .execute(
                "SELECT schema_json FROM geohub_layer_versions WHERE layer_id = ? AND is_current = 1",
                (layer_id,),
            )
            .fetchone()
        )
        if row is None:
            raise LayerNotFoundError(f"Layer '{layer_id}' has no published version.")
        return dict(json.loads(row[0]))

    # reads -------------------------------------------------------------------------------
    def _current(self, conn: sqlite3.Connection, layer: LayerDefinition) -> tuple[str, int, LayerDefinition]:
        """The published version's table, its feature count, and the layer as that version holds it."""
        row = conn.execute(
            "SELECT table_name, feature_count, schema_json FROM geohub_layer_versions "
            "WHERE layer_id = ? AND is_current = 1",
            (layer.id,),
        ).fetchone()
        if row is None:
            raise LayerNotFoundError(f"Layer '{layer.id}' has no published data yet.")
        return str(row[0]), int(row[1]), readable_layer(layer, json.loads(row[2]))

    def query(self, layer: LayerDefinition, query: FeatureQuery) -> FeaturePage:
        conn = self._connection()
        conn.execute("BEGIN")  # one snapshot for the page and its count
        try:
            table, total, layer = self._current(conn, layer)
            where, params = _where_clause(layer, table, query)
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
            matched = total if query.selects_everything else self._count(conn, table, where, params)
        finally:
            conn.execute("COMMIT")
        return FeaturePage(
            [feature_from_row(layer, gpkg.blob_wkb(row[0]), row[1:]) for row in rows], int(matched)
        )

    def count(self, layer: LayerDefinition, query: FeatureQuery | None = None) -> int:
        conn = self._connection()
        table, total, layer = self._current(conn, layer)
        query = query or FeatureQuery()
        if query.selects_everything:
            return total
        where, params = _where_clause(layer, table, query)
        return self._count(conn, table, where, params)

    def _count(self, conn: sqlite3.Connection, table: str, where: str, params: list[Any]) -> int:
        def count() -> int:
            return int(conn.execute(f'SELECT count(*) FROM "{table}" t {where}', params).fetchone()[0])

        return self._counts.get_or_count((table, where, repr(params)), count)

    def render_tile(self, request: TileRequest) -> bytes:
        conn = self._connection()
        current = {}
        for rules in request.layers:
            try:
                table, _, layer = self._current(conn, rules.layer)
            except LayerNotFoundError:
                continue
            current[rules.layer.id] = (table, layer)
        return gpkg_tiles.render_tile(conn, self._tile_indexes, request, current)

    def get(self, layer: LayerDefinition, feature_id: str) -> Feature:
        key = layer.attribute(layer.key)
        assert key is not None
        value = parse_feature_id(key.type, feature_id)
        conn = self._connection()
        table, _, layer = self._current(conn, layer)
        row = conn.execute(
            f'SELECT {_select_list(layer)} FROM "{table}" t WHERE "{layer.key}" = ?', (value,)
        ).fetchone()
        if row is None:
            raise FeatureNotFoundError(f"Layer '{layer.id}' has no feature '{feature_id}'.")
        return feature_from_row(layer, gpkg.blob_wkb(row[0]), row[1:])


def _create_and_fill(
    conn: sqlite3.Connection, layer: LayerDefinition, table: str, features: Iterable[Feature] | FeatureTable
) -> ExtentTracker:
    columns = ", ".join(f'"{a.name}" {SQLITE_TYPES[a.type]}' for a in layer.attributes)
    conn.execute(f'DROP TABLE IF EXISTS "{table}"')
    conn.execute(
        f'CREATE TABLE "{table}" (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom {_gpkg_type(layer)}, {columns})'
    )
    placeholders = ", ".join("?" for _ in range(len(layer.attributes) + 1))
    names = ", ".join(f'"{a.name}"' for a in layer.attributes)
    insert = f'INSERT INTO "{table}" (geom, {names}) VALUES ({placeholders})'
    conn.execute(f'CREATE UNIQUE INDEX "{table}_key" ON "{table}" ("{layer.key}")')
    for statement in gpkg.rtree_statements(table)[:1]:
        conn.execute(statement)
    extent = ExtentTracker()
    next_fid = 1
    for batch in feature_batches(layer, features):
        blobs = [
            gpkg.encode_blob(w, tuple(b)) for w, b in zip(batch.wkbs, batch.bounds.tolist(), strict=True)
        ]
        try:
            conn.executemany(
                insert, [(blob, *values) for blob, values in zip(blobs, batch.values, strict=True)]
            )
        except sqlite3.IntegrityError as exc:
            raise InvalidDataError(
                f"Layer '{layer.id}': two features share the key '{layer.key}' ({exc})."
            ) from None
        conn.executemany(
            f'INSERT INTO "rtree_{table}_geom" VALUES (?, ?, ?, ?, ?)',
            [(next_fid + i, b[0], b[2], b[1], b[3]) for i, b in enumerate(batch.bounds.tolist())],
        )
        next_fid += len(blobs)
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


def _next_version(conn: sqlite3.Connection, layer_id: str) -> tuple[int, str]:
    row = conn.execute(
        "SELECT max(version) FROM geohub_layer_versions WHERE layer_id = ?", (layer_id,)
    ).fetchone()
    version = 1 + int(row[0] or 0)
    return version, f"{layer_id}_v{version}"


def _record_version(
    conn: sqlite3.Connection,
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
        "INSERT INTO geohub_layer_versions (layer_id, version, table_name, created_at, feature_count, "
        "min_x, min_y, max_x, max_y, is_current, source_fingerprint, note, schema_json, digests) "
        "VALUES (?,?,?,?,?,?,?,?,?,0,?,?,?,?)",
        (
            layer.id,
            version,
            table,
            datetime.now(UTC).isoformat(),
            count,
            *(extent or (None,) * 4),
            source_fingerprint,
            note,
            json.dumps(schema_of(layer)),
            (digests() if callable(digests) else digests) or None,
        ),
    )


def _version_table(
    conn: sqlite3.Connection, layer: LayerDefinition, version: int
) -> tuple[str, LayerDefinition]:
    row = conn.execute(
        "SELECT table_name, schema_json FROM geohub_layer_versions WHERE layer_id = ? AND version = ?",
        (layer.id, version),
    ).fetchone()
    if row is None:
        raise VersionNotFoundError(f"Layer '{layer.id}' has no version {version}.")
    return str(row[0]), readable_layer(layer, json.loads(row[1]))


def _table_extent(conn: sqlite3.Connection, table: str) -> tuple[int, Bbox | None]:
    row = conn.execute(
        f'SELECT count(*), min(minx), min(miny), max(maxx), max(maxy) FROM "rtree_{table}_geom"'
    ).fetchone()
    if not row[0]:
        return 0, None
    return int(row[0]), (float(row[1]), float(row[2]), float(row[3]), float(row[4]))


def _drop_table(conn: sqlite3.Connection, table: str) -> None:
    """Drop a version's table with its R-tree and GeoPackage registrations."""
    conn.execute(f'DROP TABLE IF EXISTS "rtree_{table}_geom"')
    conn.execute(f'DROP TABLE IF EXISTS "{table}"')
    for registry in ("gpkg_extensions", "gpkg_geometry_columns", "gpkg_contents"):
        conn.execute(f"DELETE FROM {registry} WHERE table_name = ?", (table,))


def _gpkg_type(layer: LayerDefinition) -> str:
    return layer.geometry_type.value.upper()


def _check_version_number(layer_id: str, version: int) -> None:
    """A version number beyond 64 bits names no stored version (and SQLite cannot even bind it)."""
    if not INT64_MIN <= version <= INT64_MAX:
        raise VersionNotFoundError(f"Layer '{layer_id}' has no version {version}.")


def _switch_current(conn: sqlite3.Connection, layer_id: str, version: int) -> None:
    exists = conn.execute(
        "SELECT 1 FROM geohub_layer_versions WHERE layer_id = ? AND version = ?", (layer_id, version)
    ).fetchone()
    if exists is None:
        raise VersionNotFoundError(f"Layer '{layer_id}' has no version {version}.")
    conn.execute("UPDATE geohub_layer_versions SET is_current = 0 WHERE layer_id = ?", (layer_id,))
    conn.execute(
        "UPDATE geohub_layer_versions SET is_current = 1 WHERE layer_id = ? AND version = ?",
        (layer_id, version),
    )


def _select_list(layer: LayerDefinition) -> str:
    return ", ".join(["t.geom"] + [f't."{a.name}"' for a in layer.attributes])


def _where_clause(layer: LayerDefinition, table: str, query: FeatureQuery) -> tuple[str, list[Any]]:
    check_where(layer, query.where)
    check_sort(layer, query.sort)
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
    for name, raw in query.where.items():
        attribute = layer.attribute(name)
        assert attribute is not None
        value = parse_filter_value(attribute.type, name, raw)
        if value is None:
            conditions.append(f't."{name}" IS NULL')
        else:
            conditions.append(f't."{name}" = ?')
            params.append(value)
    if query.filter is not None:
        text, filter_params = compile_filter(query.filter, layer, SQLITE)
        conditions.append(f"({text})")
        params += filter_params
    where = f"{joins} WHERE {' AND '.join(conditions)}" if conditions else joins
    return where, params
