"""PostGIS vector tiles: one query per tile, one ST_AsMVT per layer, concatenated."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

import psycopg
from psycopg import sql
from psycopg.sql import Composable

from geohub.layers.models import AttributeType, GeometryType, LayerDefinition
from geohub.storage.base import TileLayerRequest, TileRequest
from geohub.storage.rows import readable_layer

WEB_MERCATOR = 3857  # SRIDs go to PostGIS as integers: a text target is orders of magnitude slower
WGS84 = 4326
_TEMPORAL = (AttributeType.date, AttributeType.datetime)
LABEL_COLUMN = "label_point"


def label_point(names: Sequence[str]) -> Composable:
    """A feature's label point: the centre of the largest circle inside it (GEOS, as
    shapely.maximum_inscribed_circle), NULL when it has none of the attributes `names` to show."""
    if not names:
        return sql.SQL("NULL::geometry")
    return sql.SQL(
        "CASE WHEN num_nonnulls({}) > 0 THEN (ST_MaximumInscribedCircle(ST_Transform(geom, {}))).center END"
    ).format(sql.SQL(", ").join(sql.Identifier(n) for n in names), sql.Literal(WEB_MERCATOR))


class CurrentTable(NamedTuple):
    """A layer's published table, the schema it was written with, and whether it stores label points."""

    table: str
    schema: dict[str, str]
    stored_labels: bool = False


def render_tile(
    conn: psycopg.Connection[Any], request: TileRequest, known: VersionTables | None = None
) -> bytes:
    """The tile's MVT bytes: every layer's ST_AsMVT in one statement. Over the tables of the
    versions the request names (`known`: no round trip once they are known), else of the
    current versions."""
    layer_ids = [layer.layer.id for layer in request.layers]
    tables = None if known is None else known.tables(conn, request.versions, layer_ids)
    if tables is None:
        return run_statement(conn, tile_statement(conn, request, current_tables(conn, layer_ids)))
    try:
        return run_statement(conn, tile_statement(conn, request, tables))
    except psycopg.errors.UndefinedTable:  # dropped since (or not on this replica yet)
        return run_statement(conn, tile_statement(conn, request, current_tables(conn, layer_ids)))


class VersionTables:
    """The table, schema and label column of each layer version a tile names, read once: a
    version's row never changes, and its number is never given to another."""

    LIMIT = 4096

    def __init__(self) -> None:
        self._known: dict[tuple[str, int], CurrentTable] = {}

    def tables(
        self, conn: psycopg.Connection[Any], versions: Sequence[tuple[str, int]], layer_ids: Sequence[str]
    ) -> dict[str, CurrentTable] | None:
        """The tables of the named versions of `layer_ids` (a layer at version 0 has none), or
        None when the request names no versions or a version cannot be found here."""
        if not versions:
            return None
        wanted = [(layer_id, version) for layer_id, version in versions if layer_id in layer_ids and version]
        found = {pair: self._known.get(pair) for pair in wanted}
        missing = [pair for pair, table in found.items() if table is None]
        if missing:
            found.update(self._read(conn, missing))
        tables = {layer_id: found.get((layer_id, version)) for layer_id, version in wanted}
        if any(table is None for table in tables.values()):
            return None
        return cast(dict[str, CurrentTable], tables)

    def _read(
        self, conn: psycopg.Connection[Any], pairs: list[tuple[str, int]]
    ) -> dict[tuple[str, int], CurrentTable]:
        rows = conn.execute(
            "SELECT v.layer_id, v.version, v.table_name, v.schema_json, EXISTS (SELECT FROM pg_attribute "
            "WHERE attrelid = to_regclass(format('geohub.%%I', v.table_name)) AND attname = %s "
            "AND NOT attisdropped) FROM geohub.layer_versions v "
            "JOIN unnest(%s::text[], %s::int[]) AS w(layer_id, version) USING (layer_id, version)",
            (LABEL_COLUMN, [p[0] for p in pairs], [p[1] for p in pairs]),
        ).fetchall()
        read = {
            (layer_id, version): CurrentTable(table, dict(schema), stored)
            for layer_id, version, table, schema, stored in rows
        }
        if len(self._known) + len(read) > self.LIMIT:
            self._known.clear()
        self._known.update(read)
        return read


def run_statement(conn: psycopg.Connection[Any], statement: tuple[str, list[Any]] | None) -> bytes:
    """Run a tile statement (`$n` placeholders, sent as they are: psycopg does not parse it, which
    it would do on every call for a statement over its cache's 4 kB and 50 parameters); its bytes."""
    if statement is None:
        return b""
    with psycopg.RawCursor(conn) as cursor:
        row = cursor.execute(statement[0], statement[1]).fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


def tile_statement(
    conn: psycopg.Connection[Any], request: TileRequest, tables: dict[str, CurrentTable]
) -> tuple[str, list[Any]] | None:
    """SQL text and parameters of a tile over the given current tables (None: no layer has data)."""
    shapes: list[_LayerShape] = []
    params: list[Any] = []
    for layer_request in request.layers:
        current = tables.get(layer_request.layer.id)
        if current is None:
            continue
        shape = _LayerShape.cached(layer_request, current)
        shapes.append(shape)
        params += shape.params(layer_request, request)
    if not shapes:
        return None
    return _statement(conn, tuple(shapes)), params


@dataclass(frozen=True)
class _LayerShape:
    """What decides one layer's SQL text (the tile's numbers are parameters), so it is built once."""

    layer_id: str
    table: str
    columns: tuple[tuple[str, bool], ...]  # (attribute, is temporal)
    simplify: bool
    keep: str | None
    min_size: bool
    labels: tuple[str, ...] | None = None  # label points instead of the geometries: of these attributes
    stored_labels: bool = False  # the table holds them (else they are worked out per tile)

    @classmethod
    def cached(cls, layer_request: TileLayerRequest, current: CurrentTable) -> _LayerShape:
        """`of`, worked out once per layer definition, zoom rules and table (a table keeps the
        schema it was written with)."""
        key = (
            id(layer_request.layer),
            layer_request.attributes,
            layer_request.simplify_m > 0,
            layer_request.min_size_deg > 0,
            layer_request.keep[0] if layer_request.keep is not None else None,
            layer_request.labels,
            current.table,
            current.stored_labels,
        )
        found = _SHAPES.get(key)
        if found is not None and found[0] is layer_request.layer:  # not another one at that id
            return found[1]
        shape = cls.of(layer_request, current)
        if len(_SHAPES) >= _MAX_STATEMENTS:
            _SHAPES.clear()
        _SHAPES[key] = (layer_request.layer, shape)
        return shape

    @classmethod
    def of(cls, layer_request: TileLayerRequest, current: CurrentTable) -> _LayerShape:
        layer = readable_layer(layer_request.layer, current.schema)
        kinds = {a.name: a.type for a in layer.attributes}
        lines = layer.geometry_type not in (GeometryType.point, GeometryType.multipoint)
        return cls(
            layer_id=layer.id,
            table=current.table,
            columns=tuple((n, kinds[n] in _TEMPORAL) for n in layer_request.attributes if n in kinds),
            simplify=layer_request.simplify_m > 0 and lines,
            keep=layer_request.keep[0] if layer_request.keep is not None else None,
            min_size=layer_request.min_size_deg > 0,
            labels=tuple(n for n in layer.labels if layer.attribute(n)) if layer_request.labels else None,
            stored_labels=current.stored_labels,
        )

    def params(self, layer_request: TileLayerRequest, request: TileRequest) -> list[Any]:
        """The parameters of this layer's SQL for one tile, in placeholder order."""
        minx, miny, maxx, maxy = request.bounds_3857
        margin = (maxx - minx) * request.buffer / request.extent
        params: list[Any] = [layer_request.name, request.extent, minx, miny, maxx, maxy]
        params += [request.extent, 0 if self.labels else request.buffer]  # a label point has no buffer
        if self.simplify:
            params.append(layer_request.simplify_m)
        params += [minx - margin, miny - margin, maxx + margin, maxy + margin]
        if layer_request.keep is not None:
            params.append(list(layer_request.keep[1]))
        if self.min_size:
            params += [layer_request.min_size_deg, layer_request.min_size_deg]
        if self.labels is not None:
            params += [minx, maxx, miny, maxy]
        return params

    def sql(self) -> sql.Composable:
        if self.labels is not None:
            return self._label_sql(
                sql.Identifier(LABEL_COLUMN) if self.stored_labels else label_point(self.labels)
            )
        geometry: sql.Composable = sql.SQL("ST_Transform(geom, {})").format(sql.Literal(WEB_MERCATOR))
        if self.simplify:
            geometry = sql.SQL("ST_SimplifyPreserveTopology({}, %s)").format(geometry)
        return sql.SQL(
            "(SELECT coalesce(ST_AsMVT(t, %s, %s, 'geom', 'fid'), ''::bytea) FROM ("
            "SELECT fid, ST_AsMVTGeom(g, ST_MakeEnvelope(%s, %s, %s, %s, {srid}), %s, %s, true)"
            " AS geom{outer} "
            "FROM (SELECT fid, {geometry} AS g{inner} FROM {table} "
            "WHERE geom && ST_Transform(ST_MakeEnvelope(%s, %s, %s, %s, {srid}), {wgs84}){filters} "
            "ORDER BY fid) s) t WHERE geom IS NOT NULL)"
        ).format(
            srid=sql.Literal(WEB_MERCATOR),
            wgs84=sql.Literal(WGS84),
            outer=_column_list([sql.Identifier(n) for n, _ in self.columns]),
            inner=_column_list(self._inner_columns()),
            geometry=geometry,
            table=sql.Identifier("geohub", self.table),
            filters=self._filters(),
        )

    def _inner_columns(self) -> list[Composable]:
        return [
            sql.SQL("(to_json({0}) #>> '{{}}') AS {0}").format(sql.Identifier(n))  # ISO text, as embedded
            if temporal
            else sql.Identifier(n)
            for n, temporal in self.columns
        ]

    def _filters(self) -> Composable:
        filters: list[Composable] = []
        if self.keep is not None:
            filters.append(sql.SQL(" AND {} = ANY(%s)").format(sql.Identifier(self.keep)))
        if self.min_size:
            filters.append(
                sql.SQL(" AND (ST_XMax(geom) - ST_XMin(geom) >= %s OR ST_YMax(geom) - ST_YMin(geom) >= %s)")
            )
        return sql.SQL("").join(filters)

    def _label_sql(self, point: Composable) -> Composable:
        """One point per feature, kept by the tile holding it (its right and top edges left out),
        unclipped and with no buffer: each label is in exactly one tile of a zoom."""
        return sql.SQL(
            "(SELECT coalesce(ST_AsMVT(t, %s, %s, 'geom', 'fid'), ''::bytea) FROM ("
            "SELECT fid, ST_AsMVTGeom(p, ST_MakeEnvelope(%s, %s, %s, %s, {srid}), %s, %s, false)"
            " AS geom{outer} "
            "FROM (SELECT fid, {point} AS p{inner} FROM {table} "
            "WHERE geom && ST_Transform(ST_MakeEnvelope(%s, %s, %s, %s, {srid}), {wgs84}){filters}) s "
            "WHERE p IS NOT NULL AND NOT ST_IsEmpty(p) "
            "AND ST_X(p) >= %s AND ST_X(p) < %s AND ST_Y(p) >= %s AND ST_Y(p) < %s "
            "ORDER BY fid) t WHERE geom IS NOT NULL)"
        ).format(
            srid=sql.Literal(WEB_MERCATOR),
            wgs84=sql.Literal(WGS84),
            outer=_column_list([sql.Identifier(n) for n, _ in self.columns]),
            inner=_column_list(self._inner_columns()),
            point=point,
            table=sql.Identifier("geohub", self.table),
            filters=self._filters(),
        )


_STATEMENTS: dict[tuple[_LayerShape, ...], str] = {}
_SHAPES: dict[tuple[Any, ...], tuple[LayerDefinition, _LayerShape]] = {}
_MAX_STATEMENTS = 1024
_PLACEHOLDER = re.compile("%s")


def _statement(conn: psycopg.Connection[Any], shapes: tuple[_LayerShape, ...]) -> str:
    """The tile statement for these layer shapes, composed on first use and then reused, with
    PostgreSQL's own `$n` placeholders (the composed text holds no other `%s`: identifiers are
    quoted layer and attribute names, literals are fixed)."""
    text = _STATEMENTS.get(shapes)
    if text is None:
        composed = sql.SQL("SELECT ") + sql.SQL(" || ").join(shape.sql() for shape in shapes)
        numbers = itertools.count(1)
        text = _PLACEHOLDER.sub(lambda _: f"${next(numbers)}", composed.as_string(conn))
        if len(_STATEMENTS) >= _MAX_STATEMENTS:
            _STATEMENTS.clear()
        _STATEMENTS[shapes] = text
    return text


def current_tables(
    conn: psycopg.Connection[Any], layer_ids: list[str] | None = None
) -> dict[str, CurrentTable]:
    """The published table of each layer (of every layer when `layer_ids` is None)."""
    rows = conn.execute(
        "SELECT layer_id, table_name, schema_json, EXISTS (SELECT FROM pg_attribute WHERE attrelid = "
        "to_regclass(format('geohub.%%I', table_name)) AND attname = %s AND NOT attisdropped) "
        "FROM geohub.layer_versions WHERE is_current AND (%s::text[] IS NULL OR layer_id = ANY(%s))",
        (LABEL_COLUMN, layer_ids, layer_ids),
    ).fetchall()
    return {layer_id: CurrentTable(table, dict(schema), stored) for layer_id, table, schema, stored in rows}


def _column_list(columns: Sequence[sql.Composable]) -> sql.Composable:
    return sql.SQL("").join(sql.SQL(", ") + c for c in columns)
