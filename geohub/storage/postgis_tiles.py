"""PostGIS vector tiles: one query per tile, one ST_AsMVT per layer, concatenated."""

from __future__ import annotations

from collections.abc import Sequence
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
    parts: list[sql.Composable] = []
    params: list[Any] = []
    for layer_request in request.layers:
        current = tables.get(layer_request.layer.id)
        if current is None:
            continue
        table, stored = current
        part, part_params = _layer_query(layer_request, request, table, stored)
        parts.append(part)
        params += part_params
    if not parts:
        return b""
    row = conn.execute(sql.SQL("SELECT ") + sql.SQL(" || ").join(parts), params).fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""


def _current_tables(
    conn: psycopg.Connection[Any], layer_ids: list[str]
) -> dict[str, tuple[str, dict[str, str]]]:
    rows = conn.execute(
        "SELECT layer_id, table_name, schema_json FROM geohub.layer_versions "
        "WHERE is_current AND layer_id = ANY(%s)",
        (layer_ids,),
    ).fetchall()
    return {layer_id: (table, dict(schema)) for layer_id, table, schema in rows}


def _layer_query(
    layer_request: TileLayerRequest, request: TileRequest, table: str, stored: dict[str, str]
) -> tuple[sql.Composable, list[Any]]:
    layer = readable_layer(layer_request.layer, stored)
    kinds = {a.name: a.type for a in layer.attributes}
    names = [name for name in layer_request.attributes if name in kinds]
    inner = [
        sql.SQL("(to_json({0}) #>> '{{}}') AS {0}").format(sql.Identifier(n))  # ISO text, as embedded
        if kinds[n] in _TEMPORAL
        else sql.Identifier(n)
        for n in names
    ]
    outer = [sql.Identifier(n) for n in names]
    minx, miny, maxx, maxy = request.bounds_3857
    margin = (maxx - minx) * request.buffer / request.extent
    geometry: sql.Composable = sql.SQL("ST_Transform(geom, {})").format(sql.Literal(WEB_MERCATOR))
    params: list[Any] = []
    if layer_request.simplify_m > 0 and layer.geometry_type not in (
        GeometryType.point,
        GeometryType.multipoint,
    ):
        geometry = sql.SQL("ST_SimplifyPreserveTopology({}, %s)").format(geometry)
        params.append(layer_request.simplify_m)
    size_filter: sql.Composable = sql.SQL("")
    where_params: list[Any] = [minx - margin, miny - margin, maxx + margin, maxy + margin]
    if layer_request.keep is not None:
        attribute, values = layer_request.keep
        size_filter = sql.SQL(" AND {} = ANY(%s)").format(sql.Identifier(attribute))
        where_params.append(list(values))
    if layer_request.min_size_deg > 0:
        size_filter = sql.SQL(
            " AND (ST_XMax(geom) - ST_XMin(geom) >= %s OR ST_YMax(geom) - ST_YMin(geom) >= %s)"
        )
        where_params += [layer_request.min_size_deg, layer_request.min_size_deg]
    query = sql.SQL(
        "(SELECT coalesce(ST_AsMVT(t, %s, %s, 'geom', 'fid'), ''::bytea) FROM ("
        "SELECT fid, ST_AsMVTGeom(g, ST_MakeEnvelope(%s, %s, %s, %s, {srid}), %s, %s, true) AS geom{outer} "
        "FROM (SELECT fid, {geometry} AS g{inner} FROM {table} "
        "WHERE geom && ST_Transform(ST_MakeEnvelope(%s, %s, %s, %s, {srid}), {wgs84}){size_filter} "
        "ORDER BY fid) s) t WHERE geom IS NOT NULL)"
    ).format(
        srid=sql.Literal(WEB_MERCATOR),
        wgs84=sql.Literal(WGS84),
        outer=_column_list(outer),
        inner=_column_list(inner),
        geometry=geometry,
        table=sql.Identifier("geohub", table),
        size_filter=size_filter,
    )
    all_params = [layer_request.name, request.extent, minx, miny, maxx, maxy, request.extent, request.buffer]
    all_params += params + where_params
    return query, all_params


def _column_list(columns: Sequence[sql.Composable]) -> sql.Composable:
    return sql.SQL("").join(sql.SQL(", ") + c for c in columns)
