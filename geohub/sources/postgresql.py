"""A PostgreSQL/PostGIS table, view or query as a source, read with psycopg.

pyogrio's bundled GDAL has no PostgreSQL driver, so rows are read here: geometries as EWKB
(their SRID tells the source CRS), attributes as plain Python values.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import numpy as np
import psycopg
import shapely
from psycopg import sql as pgsql

from geohub.errors import InvalidDataError
from geohub.layers.models import Source
from geohub.messages import tr
from geohub.sources.source_data import SourceData, finish

CONNECT_TIMEOUT_S = 10
FETCH_ROWS = 10_000


def connection_string(url: str, *, label: str) -> str:
    """`url` itself, or for `env:NAME` the environment variable NAME (the one place ETL reads the
    environment: a definition names the variable so no password sits in layers/*.yaml)."""
    if url.startswith("env:"):
        variable = url.removeprefix("env:")
        value = os.environ.get(variable)
        if not value:
            raise InvalidDataError(
                tr("{name}: the environment variable {variable} is not set.", name=label, variable=variable)
            )
        url = value
    return url.removeprefix("PG:")


def read_postgresql(source: Source) -> SourceData:
    """Read table or view `source.layer` (schema.table allowed) or query `source.sql`."""
    assert source.url is not None
    if not (source.layer or source.sql):
        raise InvalidDataError(
            tr("{name}: a postgresql source needs a layer (table) or sql.", name=source.label)
        )
    conninfo = connection_string(source.url, label=source.label)
    try:
        with psycopg.connect(conninfo, connect_timeout=CONNECT_TIMEOUT_S) as conn:
            conn.read_only = True
            relation = _relation(source)
            geometry_column, names = _columns(conn, relation, source.label)
            rows = _rows(conn, relation, geometry_column, names)
    except psycopg.Error as exc:
        raise InvalidDataError(
            tr("{name} cannot be read: {reason}", name=source.label, reason=_first_line(exc))
        ) from None
    ewkb = np.array([row[0] for row in rows], dtype=object)
    geometries = shapely.from_wkb(ewkb, on_invalid="ignore")
    columns = {name: [_plain(row[i + 1]) for row in rows] for i, name in enumerate(names)}
    return finish(
        geometries,
        columns,
        own_crs=_srid(geometries, source.label),
        assigned_crs=source.crs,
        name=source.label,
    )


def _relation(source: Source) -> pgsql.Composable:
    if source.sql:
        return pgsql.SQL("({}) AS source").format(pgsql.SQL(source.sql))
    assert source.layer is not None
    return pgsql.Identifier(*source.layer.split(".", 1))


def _columns(conn: psycopg.Connection[Any], relation: pgsql.Composable, label: str) -> tuple[str, list[str]]:
    """The geometry column (the first) and the other column names."""
    cursor = conn.execute(pgsql.SQL("SELECT * FROM {} LIMIT 0").format(relation))
    description = cursor.description or []
    types = {
        oid: name
        for oid, name in conn.execute(
            "SELECT oid, typname FROM pg_type WHERE oid = ANY(%s)",
            [[column.type_code for column in description]],
        )
    }
    geometry = [c.name for c in description if types.get(c.type_code) == "geometry"]
    if not geometry:
        raise InvalidDataError(tr("{name} has no geometry column.", name=label))
    return geometry[0], [
        c.name for c in description if c.name != geometry[0] and types.get(c.type_code) != "geometry"
    ]


def _rows(
    conn: psycopg.Connection[Any], relation: pgsql.Composable, geometry: str, names: list[str]
) -> list[tuple[Any, ...]]:
    query = pgsql.SQL("SELECT ST_AsEWKB(ST_Force2D({})), {} FROM {}").format(
        pgsql.Identifier(geometry),
        pgsql.SQL(", ").join(pgsql.Identifier(n) for n in names) if names else pgsql.SQL("NULL"),
        relation,
    )
    with conn.cursor(name="geohub_read") as cursor:  # server-side: rows arrive in batches
        cursor.itersize = FETCH_ROWS
        cursor.execute(query)
        return [(bytes(row[0]) if row[0] is not None else None, *row[1:]) for row in cursor]


def _srid(geometries: np.ndarray, label: str) -> str | None:
    srids = set(np.unique(shapely.get_srid(geometries[~shapely.is_missing(geometries)])).tolist()) - {0}
    if len(srids) > 1:
        raise InvalidDataError(
            tr(
                "{name} mixes SRIDs {srids}; read it through sql with ST_Transform.",
                name=label,
                srids=sorted(srids),
            )
        )
    return f"EPSG:{srids.pop()}" if srids else None


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _first_line(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
