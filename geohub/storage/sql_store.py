"""SqlStore: what both SQL backends do the same way — the version table, publishing, derived
versions, counts, lookups — written once, with small hooks for what differs (placeholders, how a
connection or transaction is taken, how a version's table is made, filled, indexed and dropped),
as pygeoapi's SQL providers share one base."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from typing import Any

from geohub.errors import ConflictError, FeatureNotFoundError, LayerNotFoundError, VersionNotFoundError
from geohub.layers.models import LayerDefinition
from geohub.messages import tr
from geohub.storage.base import (
    Bbox,
    Digests,
    Feature,
    FeatureQuery,
    FeatureTable,
    LayerVersion,
    check_sort,
    check_where,
)
from geohub.storage.batches import ExtentTracker
from geohub.storage.cql_sql import Dialect, compile_filter
from geohub.storage.rows import VERSION_FIELDS, feature_from_row, readable_layer, schema_of, version_from_row
from geohub.storage.values import INT64_MAX, INT64_MIN, parse_feature_id, parse_filter_value


class SqlStore:
    """The shared half of GeopackageStore and PostgisStore; subclasses fill in the hooks below."""

    # hooks: how this backend spells things -------------------------------------------------
    versions_table: str  # the table of layer versions
    mark: str  # the parameter placeholder
    cql: Dialect  # the CQL2 → SQL dialect
    column_prefix: str  # how a feature column is qualified in a WHERE clause ("t." or "")
    stamps_created_at: bool  # whether the store sets created_at itself (no database default)

    def _reading(self) -> AbstractContextManager[Any]:
        """A connection for reads."""
        raise NotImplementedError

    def _transaction(self) -> AbstractContextManager[Any]:
        """A connection in one write transaction, committed on exit."""
        raise NotImplementedError

    def _lock_layer(self, conn: Any, layer_id: str) -> None:
        """Hold the layer's write lock until the transaction ends (no-op: one writer anyway)."""

    def _table(self, name: str) -> Any:
        """How a version's table is named in this backend's queries."""
        return name

    def _json_param(self, value: dict[str, str]) -> Any:
        return json.dumps(value)

    def _fill(
        self, conn: Any, layer: LayerDefinition, table: str, features: Iterable[Feature] | FeatureTable
    ) -> ExtentTracker:
        """Create a version's table and write the features into it."""
        raise NotImplementedError

    def _copy_kept(
        self,
        conn: Any,
        layer: LayerDefinition,
        base: Any,
        base_layer: LayerDefinition,
        table: str,
        dropped: list[Any],
    ) -> None:
        """Copy the base version's rows whose keys are not in `dropped` into the new table."""
        raise NotImplementedError

    def _index(self, conn: Any, layer: LayerDefinition, table: str) -> None:
        """Index a filled table (no-op when filling indexed it)."""

    def _staged(
        self, layer: LayerDefinition, features: Iterable[Feature] | FeatureTable
    ) -> AbstractContextManager[Callable[[Any, str], ExtentTracker]]:
        """How `write_version` gets the new version's table, filled and indexed, under the name it
        gives inside its transaction. Here: written there and then. A backend may build it
        beforehand, outside the transaction and its lock, and only move it into place."""

        def place(conn: Any, table: str) -> ExtentTracker:
            extent = self._fill(conn, layer, table, features)
            self._index(conn, layer, table)
            return extent

        return nullcontext(place)

    def _table_extent(self, conn: Any, table: str) -> tuple[int, Bbox | None]:
        raise NotImplementedError

    def _set_extent(self, conn: Any, table: str, extent: Bbox | None) -> None:
        """Record a derived table's extent where the backend keeps one besides the version row."""

    def _drop_table(self, conn: Any, table: str) -> None:
        raise NotImplementedError

    def _where_clause(self, layer: LayerDefinition, table: Any, query: FeatureQuery) -> tuple[Any, list[Any]]:
        raise NotImplementedError

    def _count(self, conn: Any, table: Any, where: Any, params: list[Any]) -> int:
        raise NotImplementedError

    def _row_by_key(
        self, conn: Any, layer: LayerDefinition, table: Any, value: Any
    ) -> tuple[Any, ...] | None:
        """The feature row (geometry first, then the attributes) whose key is `value`."""
        raise NotImplementedError

    def _rows_in_key_order(self, conn: Any, layer: LayerDefinition, table: Any) -> Iterable[tuple[Any, ...]]:
        """Every feature row of a version's table (geometry first, then the attributes), by key."""
        raise NotImplementedError

    def _wkb(self, geometry: Any) -> bytes:
        """The WKB of a selected geometry value."""
        return bytes(geometry)

    def _changed(self, layer_id: str) -> None:
        """Called after a write that may have changed the layer's published version."""

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
        with self._transaction() as conn, self._staged(layer, features) as place:
            version, table = self._next_version(conn, layer.id)
            extent = place(conn, table)
            self._record_version(
                conn, layer, version, table, extent.count, extent.extent, source_fingerprint, note, digests
            )
            if publish:
                self._switch_current(conn, layer.id, version)
        self._changed(layer.id)
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
            base_table, base_layer = self._version_table(conn, layer, base_version)
            version, table = self._next_version(conn, layer.id)
            self._fill(conn, layer, table, upserts)
            self._copy_kept(conn, layer, base_table, base_layer, table, dropped)
            self._index(conn, layer, table)
            count, extent = self._table_extent(conn, table)
            self._set_extent(conn, table, extent)
            self._record_version(conn, layer, version, table, count, extent, "", note, digests)
            if publish:
                self._switch_current(conn, layer.id, version)
        self._changed(layer.id)
        return self._version(layer.id, version)

    def delete_version(self, layer_id: str, version: int) -> None:
        check_version_number(layer_id, version)
        with self._transaction() as conn:
            self._lock_layer(conn, layer_id)
            row = conn.execute(
                f"SELECT table_name, is_current FROM {self.versions_table} "
                f"WHERE layer_id = {self.mark} AND version = {self.mark}",
                (layer_id, version),
            ).fetchone()
            if row is None:
                raise VersionNotFoundError(
                    tr("Layer '{layer}' has no version {version}.", layer=layer_id, version=str(version))
                )
            if row[1]:
                raise ConflictError(
                    tr(
                        "Version {version} of layer '{layer}' is published; it cannot be deleted.",
                        version=str(version),
                        layer=layer_id,
                    )
                )
            self._drop_table(conn, row[0])
            conn.execute(
                f"DELETE FROM {self.versions_table} WHERE layer_id = {self.mark} AND version = {self.mark}",
                (layer_id, version),
            )
        self._changed(layer_id)

    def version_digests(self, layer_id: str, version: int) -> bytes:
        check_version_number(layer_id, version)
        with self._reading() as conn:
            row = conn.execute(
                f"SELECT digests FROM {self.versions_table} "
                f"WHERE layer_id = {self.mark} AND version = {self.mark}",
                (layer_id, version),
            ).fetchone()
        if row is None:
            raise VersionNotFoundError(
                tr("Layer '{layer}' has no version {version}.", layer=layer_id, version=str(version))
            )
        return bytes(row[0] or b"")

    def read_version(self, layer: LayerDefinition, version: int) -> Iterator[Feature]:
        check_version_number(layer.id, version)
        with self._reading() as conn:
            table, stored_layer = self._version_table(conn, layer, version)
            for row in self._rows_in_key_order(conn, stored_layer, table):
                yield feature_from_row(stored_layer, self._wkb(row[0]), row[1:])

    def publish_version(self, layer_id: str, version: int) -> LayerVersion:
        check_version_number(layer_id, version)
        with self._transaction() as conn:
            self._lock_layer(conn, layer_id)
            self._switch_current(conn, layer_id, version)
        self._changed(layer_id)
        return self._version(layer_id, version)

    def versions(self, layer_id: str) -> list[LayerVersion]:
        return [version_from_row(r) for r in self._fetch_versions(f"layer_id = {self.mark}", (layer_id,))]

    def current_version(self, layer_id: str) -> LayerVersion | None:
        rows = self._fetch_versions(f"layer_id = {self.mark} AND is_current = TRUE", (layer_id,))
        return version_from_row(rows[0]) if rows else None

    def published_versions(self) -> dict[str, int]:
        query = f"SELECT layer_id, version FROM {self.versions_table} WHERE is_current = TRUE"
        with self._reading() as conn:
            return {str(row[0]): int(row[1]) for row in conn.execute(query).fetchall()}

    def _version(self, layer_id: str, version: int) -> LayerVersion:
        check_version_number(layer_id, version)
        rows = self._fetch_versions(f"layer_id = {self.mark} AND version = {self.mark}", (layer_id, version))
        if not rows:
            raise VersionNotFoundError(
                tr("Layer '{layer}' has no version {version}.", layer=layer_id, version=str(version))
            )
        return version_from_row(rows[0])

    def _fetch_versions(self, condition: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        # condition: a fixed literal from this module
        query = f"SELECT {VERSION_FIELDS} FROM {self.versions_table} WHERE {condition} ORDER BY version DESC"
        with self._reading() as conn:
            return list(conn.execute(query, params).fetchall())

    def extent(self, layer_id: str) -> Bbox | None:
        current = self.current_version(layer_id)
        return None if current is None else current.extent

    def stored_schema(self, layer_id: str) -> dict[str, str]:
        with self._reading() as conn:
            row = conn.execute(
                f"SELECT schema_json FROM {self.versions_table} "
                f"WHERE layer_id = {self.mark} AND is_current = TRUE",
                (layer_id,),
            ).fetchone()
        if row is None:
            raise LayerNotFoundError(tr("Layer '{layer_id}' has no published version.", layer_id=layer_id))
        return dict(_json_value(row[0]))

    def _next_version(self, conn: Any, layer_id: str) -> tuple[int, str]:
        """The next version number and its table name, under the layer's write lock."""
        self._lock_layer(conn, layer_id)
        row = conn.execute(
            f"SELECT coalesce(max(version), 0) FROM {self.versions_table} WHERE layer_id = {self.mark}",
            (layer_id,),
        ).fetchone()
        version = 1 + int(row[0] if row else 0)
        return version, f"{layer_id}_v{version}"

    def _record_version(
        self,
        conn: Any,
        layer: LayerDefinition,
        version: int,
        table: str,
        count: int,
        extent: Bbox | None,
        source_fingerprint: str,
        note: str,
        digests: Digests,
    ) -> None:
        values: dict[str, Any] = {"layer_id": layer.id, "version": version, "table_name": table}
        if self.stamps_created_at:
            values["created_at"] = datetime.now(UTC).isoformat()
        values |= {
            "feature_count": count,
            **dict(zip(("min_x", "min_y", "max_x", "max_y"), extent or (None,) * 4, strict=True)),
            "source_fingerprint": source_fingerprint,
            "note": note,
            "schema_json": self._json_param(schema_of(layer)),
            "digests": (digests() if callable(digests) else digests) or None,
        }
        conn.execute(
            f"INSERT INTO {self.versions_table} ({', '.join(values)}) "
            f"VALUES ({', '.join(self.mark for _ in values)})",
            tuple(values.values()),
        )

    def _version_table(self, conn: Any, layer: LayerDefinition, version: int) -> tuple[Any, LayerDefinition]:
        row = conn.execute(
            f"SELECT table_name, schema_json FROM {self.versions_table} "
            f"WHERE layer_id = {self.mark} AND version = {self.mark}",
            (layer.id, version),
        ).fetchone()
        if row is None:
            raise VersionNotFoundError(
                tr("Layer '{layer}' has no version {version}.", layer=layer.id, version=str(version))
            )
        return self._table(row[0]), readable_layer(layer, _json_value(row[1]))

    def _switch_current(self, conn: Any, layer_id: str, version: int) -> None:
        found = conn.execute(
            f"SELECT 1 FROM {self.versions_table} WHERE layer_id = {self.mark} AND version = {self.mark}",
            (layer_id, version),
        ).fetchone()
        if found is None:
            raise VersionNotFoundError(
                tr("Layer '{layer}' has no version {version}.", layer=layer_id, version=str(version))
            )
        conn.execute(
            f"UPDATE {self.versions_table} SET is_current = FALSE "
            f"WHERE layer_id = {self.mark} AND is_current = TRUE",
            (layer_id,),
        )
        conn.execute(
            f"UPDATE {self.versions_table} SET is_current = TRUE "
            f"WHERE layer_id = {self.mark} AND version = {self.mark}",
            (layer_id, version),
        )

    # reads -------------------------------------------------------------------------------
    def _current(self, conn: Any, layer: LayerDefinition) -> tuple[Any, int, LayerDefinition]:
        """The published version's table, its feature count, and the layer as that version holds it."""
        row = conn.execute(
            f"SELECT table_name, feature_count, schema_json FROM {self.versions_table} "
            f"WHERE layer_id = {self.mark} AND is_current = TRUE",
            (layer.id,),
        ).fetchone()
        if row is None:
            raise LayerNotFoundError(tr("Layer '{layer}' has no published data yet.", layer=layer.id))
        return self._table(row[0]), int(row[1]), readable_layer(layer, _json_value(row[2]))

    def count(self, layer: LayerDefinition, query: FeatureQuery | None = None) -> int:
        with self._reading() as conn:
            table, total, layer = self._current(conn, layer)
            query = query or FeatureQuery()
            if query.selects_everything:
                return total
            where, params = self._where_clause(layer, table, query)
            return self._count(conn, table, where, params)

    def get(self, layer: LayerDefinition, feature_id: str) -> Feature:
        key = layer.attribute(layer.key)
        assert key is not None
        value = parse_feature_id(key.type, feature_id)
        with self._reading() as conn:
            table, _, layer = self._current(conn, layer)
            row = self._row_by_key(conn, layer, table, value)
        if row is None:
            raise FeatureNotFoundError(
                tr("Layer '{layer}' has no feature '{feature}'.", layer=layer.id, feature=str(feature_id))
            )
        return feature_from_row(layer, self._wkb(row[0]), row[1:])

    def _attribute_conditions(
        self, layer: LayerDefinition, query: FeatureQuery
    ) -> tuple[list[str], list[Any]]:
        """The WHERE conditions of the query's attribute filters and CQL2 filter (the bbox is the
        backend's own), after checking them against the layer."""
        check_where(layer, query.where)
        check_sort(layer, query.sort)
        conditions: list[str] = []
        params: list[Any] = []
        for name, raw in query.where.items():
            attribute = layer.attribute(name)
            assert attribute is not None
            value = parse_filter_value(attribute.type, name, raw)
            column = f'{self.column_prefix}"{name}"'  # a checked attribute name
            if value is None:
                conditions.append(f"{column} IS NULL")
            else:
                conditions.append(f"{column} = {self.mark}")
                params.append(value)
        if query.filter is not None:
            text, filter_params = compile_filter(query.filter, layer, self.cql)
            conditions.append(f"({text})")  # identifiers checked by the compiler
            params += filter_params
        return conditions, params


def check_version_number(layer_id: str, version: int) -> None:
    """A version number beyond 64 bits names no stored version (and SQLite cannot even bind it)."""
    if not INT64_MIN <= version <= INT64_MAX:
        raise VersionNotFoundError(
            tr("Layer '{layer}' has no version {version}.", layer=layer_id, version=str(version))
        )


def _json_value(raw: Any) -> Any:
    """A stored JSON column: text in SQLite, already decoded from jsonb by psycopg."""
    return json.loads(raw) if isinstance(raw, str | bytes) else raw
