"""PostGIS vector tiles: one query per tile, one ST_AsMVT per layer, concatenated."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from geohub.layers.models import AttributeType, GeometryType
from geohub.storage.base import TileLayerRequest, TileRequest
from geohub.storage.rows import readable_layer

WEB_MERCATOR = 3857  # SRIDs go to PostGIS as integers: a text target is orders of magnitude slower
WGS84 = 4326
_TEMPORAL = (AttributeType.date, AttributeType.datetime)


def render_tile(conn: psycopg.Connection[Any], request: TileRequest) -> bytes:
    """The tile's MVT bytes: every layer's ST_AsMVT in one statement."""
    tables = _current_tables(conn, [layer.layer.id for layer in request.layers])
    statement = tile_statement(conn, request, tables)
    if statement is None:
        return b""
    row = conn.execute(*statement).fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


def tile_statement(
    conn: psycopg.Connection[Any], request: TileRequest, tables: dict[str, tuple[str, dict[str, str]]]
) -> tuple[str, list[Any]] | None:
    """SQL text and parameters of a tile over the given current tables (None: no layer has data)."""
    shapes: list[_LayerShape] = []
    params: list[Any] = []
    for layer_request in request.layers:
        current = tables.get(layer_request.layer.id)
        if current is None:
            continue
        shape = _LayerShape.of(layer_request, *current)
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

    @classmethod
    def of(cls, layer_request: TileLayerRequest, table: str, stored: dict[str, str]) -> _LayerShape:
        layer = readable_layer(layer_request.layer, stored)
        kinds = {a.name: a.type for a in layer.attributes}
        lines = layer.geometry_type not in (GeometryType.point, GeometryType.multipoint)
        return cls(
            layer_id=layer.id,
            table=table,
            columns=tuple((n, kinds[n] in _TEMPORAL) for n in layer_request.attributes if n in kinds),
            simplify=layer_request.simplify_m > 0 and lines,
            keep=layer_request.keep[0] if layer_request.keep is not None else None,
            min_size=layer_request.min_size_deg > 0,
        )

    def params(self, layer_request: TileLayerRequest, request: TileRequest) -> list[Any]:
        """The parameters of this layer's SQL for one tile, in placeholder order."""
        minx, miny, maxx, maxy = request.bounds_3857
        margin = (maxx - minx) * request.buffer / request.extent
        params: list[Any] = [layer_request.name, request.extent, minx, miny, maxx, maxy]
        params += [request.extent, request.buffer]
        if self.simplify:
            params.append(layer_request.simplify_m)
        params += [minx - margin, miny - margin, maxx + margin, maxy + margin]
        if layer_request.keep is not None:
            params.append(list(layer_request.keep[1]))
        if self.min_size:
            params += [layer_request.min_size_deg, layer_request.min_size_deg]
        return params

    def sql(self) -> sql.Composable:
        inner = [
            sql.SQL("(to_json({0}) #>> '{{}}') AS {0}").format(sql.Identifier(n))  # ISO text, as embedded
            if temporal
            else sql.Identifier(n)
            for n, temporal in self.columns
        ]
        outer = [sql.Identifier(n) for n, _ in self.columns]
        geometry: sql.Composable = sql.SQL("ST_Transform(geom, {})").format(sql.Literal(WEB_MERCATOR))
        if self.simplify:
            geometry = sql.SQL("ST_SimplifyPreserveTopology({}, %s)").format(geometry)
        filters: list[sql.Composable] = []
        if self.keep is not None:
            filters.append(sql.SQL(" AND {} = ANY(%s)").format(sql.Identifier(self.keep)))
        if self.min_size:
            filters.append(
                sql.SQL(" AND (ST_XMax(geom) - ST_XMin(geom) >= %s OR ST_YMax(geom) - ST_YMin(geom) >= %s)")
            )
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
            outer=_column_list(outer),
            inner=_column_list(inner),
            geometry=geometry,
            table=sql.Identifier("geohub", self.table),
            filters=sql.SQL("").join(filters),
        )


_STATEMENTS: dict[tuple[_LayerShape, ...], str] = {}
_MAX_STATEMENTS = 1024


def _statement(conn: psycopg.Connection[Any], shapes: tuple[_LayerShape, ...]) -> str:
    """The tile statement for these layer shapes, composed on first use and then reused."""
    text = _STATEMENTS.get(shapes)
    if text is None:
        composed = sql.SQL("SELECT ") + sql.SQL(" || ").join(shape.sql() for shape in shapes)
        text = composed.as_string(conn)
        if len(_STATEMENTS) >= _MAX_STATEMENTS:
            _STATEMENTS.clear()
        _STATEMENTS[shapes] = text
    return text


def _current_tables(
    conn: psycopg.Connection[Any], layer_ids: list[str]
) -> dict[str, tuple[str, dict[str, str]]]:
    rows = conn.execute(
        "SELECT layer_id, table_name, schema_json FROM geohub.layer_versions "
        "WHERE is_current AND layer_id = ANY(%s)",
        (layer_ids,),
    ).fetchall()
    return {layer_id: (table, dict(schema)) for layer_id, table, schema in rows}


def _column_list(columns: Sequence[sql.Composable]) -> sql.Composable:
    return sql.SQL("").join(sql.SQL(", ") + c for c in columns)
