"""SqlStore: what both SQL backends do the same way — the version table, publishing, derived
versions, counts, lookups — written once, with small hooks for what differs (placeholders, how a
connection or transaction is taken, how a version's table is made, filled, indexed and dropped),
as pygeoapi's SQL providers share one base."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from typing import Any, NamedTuple

import shapely

from geohub.errors import ConflictError, FeatureNotFoundError, LayerNotFoundError, VersionNotFoundError
from geohub.layers.models import LayerDefinition
from geohub.messages import tr
from geohub.storage import edit_log
from geohub.storage.base import (
    Bbox,
    DerivedDigests,
    Digests,
    EditedVersion,
    Feature,
    FeatureQuery,
    FeatureTable,
    LayerVersion,
    bbox_union,
    check_sort,
    check_where,
)
from geohub.storage.batches import ExtentTracker
from geohub.storage.cql_sql import Dialect, compile_filter
from geohub.storage.rows import VERSION_FIELDS, feature_from_row, readable_layer, schema_of, version_from_row
from geohub.storage.values import INT64_MAX, INT64_MIN, parse_feature_id, parse_filter_value

EDIT_DIGESTS_EVERY = 200  # edits after which the published version's digests are stored whole again
READ_ATTEMPTS = 5  # reads of a version that an edit's move overtook, before giving up


class SqlStore:
    """The shared half of GeopackageStore and PostgisStore; subclasses fill in the hooks below."""

    # hooks: how this backend spells things -------------------------------------------------
    versions_table: str  # the table of layer versions
    numbers_table: str  # each layer's last version number given (never given again)
    mark: str  # the parameter placeholder
    cql: Dialect  # the CQL2 → SQL dialect
    column_prefix: str  # how a feature column is qualified in a WHERE clause ("t." or "")
    stamps_created_at: bool  # whether the store sets created_at itself (no database default)
    log_dialect: edit_log.LogDialect  # how the edit log's SQL is spelled

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

    def _insert_rows(self, conn: Any, layer: LayerDefinition, table: str, rows: FeatureTable) -> None:
        """Add rows to an existing, indexed table (an item edit in place)."""
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

    def _count(self, conn: Any, current: Current, where: Any, params: list[Any]) -> int:
        """The features of the published version `current` matching the WHERE clause."""
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
            chain = self._chain(conn, layer.id, base_version)
            if chain is not None and chain.at_version != base_version:
                raise ConflictError(
                    tr("Layer '{layer}' changed during the edit; send it again.", layer=layer.id)
                )
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
            self._forget_version(conn, layer_id, version, str(row[0]))
            conn.execute(
                f"DELETE FROM {self.versions_table} WHERE layer_id = {self.mark} AND version = {self.mark}",
                (layer_id, version),
            )
        self._changed(layer_id)

    def _forget_version(self, conn: Any, layer_id: str, version: int, table: str) -> None:
        """Let go of what only `version` needs: its table, or its place in the table's chain (the
        table moved to a remaining version first, the digests kept if the chain derives from them)."""
        d = self.log_dialect
        chain = edit_log.chain_of(conn, d, table)
        remaining = [v for v in self._versions_in_table(conn, layer_id, table) if v != version]
        if chain is None or not remaining:
            if chain is not None:
                edit_log.end_chain(conn, d, chain)
            self._drop_table(conn, table)
            return
        if chain.at_version == version:
            nearest = min(remaining, key=lambda v: (abs(v - version), v))
            edit_log.move(conn, d, chain, nearest)
            self._set_extent(conn, table, self._version(layer_id, nearest, conn).extent)
        if chain.digests_version == version and not chain.digests_kept:
            chain = edit_log.keep_digests(conn, d, chain, self.versions_table, version)
        edit_log.forget(conn, d, chain, remaining)

    def _chain(self, conn: Any, layer_id: str, version: int) -> edit_log.Chain | None:
        """The chain the version's table is shared in, if item edits shared it."""
        row = conn.execute(
            f"SELECT table_name FROM {self.versions_table} "
            f"WHERE layer_id = {self.mark} AND version = {self.mark}",
            (layer_id, version),
        ).fetchone()
        return None if row is None else edit_log.chain_of(conn, self.log_dialect, str(row[0]))

    # item edits in place ------------------------------------------------------------------
    def edit_version(
        self,
        layer: LayerDefinition,
        base_version: int,
        upserts: FeatureTable,
        deletes: Sequence[str],
        *,
        note: str = "",
    ) -> EditedVersion | None:
        """Publish an item edit of the published `base_version` in its own table, logged (see
        edit_log.py); ConflictError if another version was published meanwhile. None when it
        cannot be done in place (the table holds an older schema, or later versions of its chain
        were rolled back from): the caller writes a derived version instead."""
        key = layer.attribute(layer.key)
        assert key is not None
        touched = [parse_feature_id(key.type, k) for k in deletes]
        touched += [v for v in upserts.columns[layer.key] if v is not None]
        d = self.log_dialect
        with self._transaction() as conn:
            self._lock_layer(conn, layer.id)
            row = conn.execute(
                f"SELECT version, table_name, feature_count, min_x, min_y, max_x, max_y, schema_json "
                f"FROM {self.versions_table} WHERE layer_id = {self.mark} AND is_current = TRUE",
                (layer.id,),
            ).fetchone()
            if row is None or int(row[0]) != base_version:
                raise ConflictError(
                    tr("Layer '{layer}' changed during the edit; send it again.", layer=layer.id)
                )
            table = str(row[1])
            later = any(v > base_version for v in self._versions_in_table(conn, layer.id, table))
            if dict(_json_value(row[7])) != schema_of(layer) or later:  # a rollback inside the chain
                return None
            chain = edit_log.chain_of(conn, d, table) or edit_log.start_chain(
                conn, d, layer.id, table, layer.key, [a.name for a in layer.attributes], base_version
            )
            version, _ = self._next_version(conn, layer.id)
            logged = edit_log.log_edit(
                conn, d, chain, version, touched, lambda: self._insert_rows(conn, layer, table, upserts)
            )
            before = _bounds(self, logged.before)
            after = _bounds(self, logged.after)
            old_extent = (
                None if row[3] is None else (float(row[3]), float(row[4]), float(row[5]), float(row[6]))
            )
            count = int(row[2]) + len(after) - len(before)
            extent = bbox_union(([old_extent] if old_extent else []) + after)
            if old_extent is not None and any(_touches_edge(b, old_extent) for b in before):
                count, extent = self._table_extent(conn, table)  # a border feature moved or went
            self._record_version(conn, layer, version, table, count, extent, "", note, b"")
            self._switch_current(conn, layer.id, version)
            self._set_extent(conn, table, extent)
        self._changed(layer.id)
        return EditedVersion(
            self._version(layer.id, version), before + after, logged.edits_since_digests >= EDIT_DIGESTS_EVERY
        )

    def _versions_in_table(self, conn: Any, layer_id: str, table: str) -> list[int]:
        """The versions whose rows the table holds (its owner and the edits that share it)."""
        rows = conn.execute(
            f"SELECT version FROM {self.versions_table} WHERE layer_id = {self.mark} "
            f"AND table_name = {self.mark}",
            (layer_id, table),
        ).fetchall()
        return [int(r[0]) for r in rows]

    def derived_digests(self, layer: LayerDefinition, version: int) -> DerivedDigests | None:
        """How an edited version's digests are kept (None: stored whole, or not at all)."""
        check_version_number(layer.id, version)
        d = self.log_dialect
        with self._reading() as conn:
            _, stored_layer = self._version_table(conn, layer, version)
            chain = self._chain(conn, layer.id, version)
            if chain is None or chain.digests_version == version:
                return None
            base = edit_log.chain_digests(conn, d, chain, self.versions_table)
            if not base:
                return None
            names = [a.name for a in stored_layer.attributes]
            rows = edit_log.changes_between(conn, d, chain, chain.digests_version, version, names)
            if self._chain(conn, layer.id, version) != chain:  # an edit or a prune meanwhile
                return None  # the caller computes them from the version's features
        upserts = [feature_from_row(stored_layer, self._wkb(r[1]), r[2:]) for r in rows if r[0]]
        position = names.index(stored_layer.key)
        deletes = [str(r[2 + position]) for r in rows if not r[0]]
        return DerivedDigests(base, upserts, deletes)

    def store_digests(self, layer_id: str, version: int, digests: bytes) -> None:
        """Keep `version`'s digests whole; its chain then derives the others from them (and its log
        keeps no older rows than its versions need)."""
        check_version_number(layer_id, version)
        with self._transaction() as conn:
            self._lock_layer(conn, layer_id)
            conn.execute(
                f"UPDATE {self.versions_table} SET digests = {self.mark} "
                f"WHERE layer_id = {self.mark} AND version = {self.mark}",
                (digests, layer_id, version),
            )
            chain = self._chain(conn, layer_id, version)
            if chain is not None:
                remaining = self._versions_in_table(conn, layer_id, chain.table)
                edit_log.rebase_digests(conn, self.log_dialect, chain, version, remaining)

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
            for _ in range(READ_ATTEMPTS):
                read = self._version_rows(conn, layer, version)
                if read is not None:
                    break
            else:
                raise ConflictError(tr("Layer '{layer}' changed during the read; try again.", layer=layer.id))
            stored_layer, rows = read
            for row in rows:
                yield feature_from_row(stored_layer, self._wkb(row[0]), row[1:])

    def _version_rows(
        self, conn: Any, layer: LayerDefinition, version: int
    ) -> tuple[LayerDefinition, Iterator[tuple[Any, ...]]] | None:
        """The version's rows in key order (and the layer as it stores them), or None when an
        edit or a publish moved its table between looking the table up and reading it (read again).

        The lookup and the read are two statements: the chain is looked up again once the read
        has its first row, and so its snapshot (SQLite: from the first step; PostgreSQL: the
        statement's, all fetched), and must not have moved."""
        table, stored_layer = self._version_table(conn, layer, version)
        chain = self._chain(conn, layer.id, version)
        if chain is not None and chain.at_version != version:
            names = [a.name for a in stored_layer.attributes]
            rows = iter(edit_log.rows_at(conn, self.log_dialect, chain, version, names))
        else:
            rows = iter(self._rows_in_key_order(conn, stored_layer, table))
        first = next(rows, None)
        again = self._chain(conn, layer.id, version)
        if (again and again.at_version) != (chain and chain.at_version):
            return None
        return stored_layer, itertools.chain([] if first is None else [first], rows)

    def publish_version(self, layer_id: str, version: int) -> LayerVersion:
        check_version_number(layer_id, version)
        with self._transaction() as conn:
            self._lock_layer(conn, layer_id)
            chain = self._chain(conn, layer_id, version)
            if chain is not None and chain.at_version != version:
                edit_log.move(conn, self.log_dialect, chain, version)
                self._set_extent(conn, chain.table, self._version(layer_id, version, conn).extent)
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

    def _version(self, layer_id: str, version: int, conn: Any = None) -> LayerVersion:
        check_version_number(layer_id, version)
        rows = self._fetch_versions(
            f"layer_id = {self.mark} AND version = {self.mark}", (layer_id, version), conn
        )
        if not rows:
            raise VersionNotFoundError(
                tr("Layer '{layer}' has no version {version}.", layer=layer_id, version=str(version))
            )
        return version_from_row(rows[0])

    def _fetch_versions(
        self, condition: str, params: tuple[Any, ...], conn: Any = None
    ) -> list[tuple[Any, ...]]:
        """The matching version rows, newest first (on `conn` inside a transaction, else a reader's)."""
        # condition: a fixed literal from this module
        query = f"SELECT {VERSION_FIELDS} FROM {self.versions_table} WHERE {condition} ORDER BY version DESC"
        if conn is not None:
            return list(conn.execute(query, params).fetchall())
        with self._reading() as reader:
            return list(reader.execute(query, params).fetchall())

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
        """The next version number and its table name, under the layer's write lock. A number is
        never given twice, not even after its version was deleted: tile tokens, ETags and caches
        name versions by number."""
        self._lock_layer(conn, layer_id)
        row = conn.execute(
            f"SELECT coalesce(max(version), 0) FROM {self.versions_table} WHERE layer_id = {self.mark}",
            (layer_id,),
        ).fetchone()
        given = conn.execute(
            f"SELECT last_version FROM {self.numbers_table} WHERE layer_id = {self.mark}", (layer_id,)
        ).fetchone()
        version = 1 + max(int(row[0] if row else 0), int(given[0]) if given else 0)
        conn.execute(
            f"INSERT INTO {self.numbers_table} (layer_id, last_version) VALUES ({self.mark}, {self.mark}) "
            "ON CONFLICT (layer_id) DO UPDATE SET last_version = excluded.last_version",
            (layer_id, version),
        )
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
    def _current(self, conn: Any, layer: LayerDefinition) -> Current:
        """The published version: its table, feature count and number, and the layer as it holds it."""
        row = conn.execute(
            f"SELECT table_name, feature_count, schema_json, version FROM {self.versions_table} "
            f"WHERE layer_id = {self.mark} AND is_current = TRUE",
            (layer.id,),
        ).fetchone()
        if row is None:
            raise LayerNotFoundError(tr("Layer '{layer}' has no published data yet.", layer=layer.id))
        return Current(
            self._table(row[0]), int(row[1]), readable_layer(layer, _json_value(row[2])), int(row[3])
        )

    def count(self, layer: LayerDefinition, query: FeatureQuery | None = None) -> int:
        with self._reading() as conn:
            current = self._current(conn, layer)
            query = query or FeatureQuery()
            if query.selects_everything:
                return current.feature_count
            where, params = self._where_clause(current.layer, current.table, query)
            return self._count(conn, current, where, params)

    def get(self, layer: LayerDefinition, feature_id: str) -> Feature:
        key = layer.attribute(layer.key)
        assert key is not None
        value = parse_feature_id(key.type, feature_id)
        with self._reading() as conn:
            table, _, layer, _ = self._current(conn, layer)
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


class Current(NamedTuple):
    """The published version of a layer as a read finds it."""

    table: Any  # its table, named as this backend's queries name it
    feature_count: int
    layer: LayerDefinition  # the layer as the version holds it
    version: int


def _bounds(store: SqlStore, geometries: list[Any]) -> list[Bbox]:
    """The envelopes of selected geometries (empty ones left out)."""
    shapes = shapely.from_wkb([store._wkb(g) for g in geometries])
    return [tuple(b) for b in shapely.bounds(shapes).tolist() if not any(v != v for v in b)]


def _touches_edge(box: Bbox, extent: Bbox) -> bool:
    """Whether an envelope reaches the extent's border (taking it away may shrink the extent)."""
    return box[0] <= extent[0] or box[1] <= extent[1] or box[2] >= extent[2] or box[3] >= extent[3]


def check_version_number(layer_id: str, version: int) -> None:
    """A version number beyond 64 bits names no stored version (and SQLite cannot even bind it)."""
    if not INT64_MIN <= version <= INT64_MAX:
        raise VersionNotFoundError(
            tr("Layer '{layer}' has no version {version}.", layer=layer_id, version=str(version))
        )


def _json_value(raw: Any) -> Any:
    """A stored JSON column: text in SQLite, already decoded from jsonb by psycopg."""
    return json.loads(raw) if isinstance(raw, str | bytes) else raw
