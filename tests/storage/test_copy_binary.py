"""The column-built binary COPY stream (geohub/storage/copy_binary.py), read back by a real PostGIS:
every attribute type and geometry type comes out exactly as it went in."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

import psycopg
import pytest
import shapely
from psycopg import sql

from geohub.layers.models import AttributeType, GeometryType
from geohub.storage.base import Feature, FeatureTable
from geohub.storage.copy_binary import SIGNATURE, TRAILER, encode_rows
from geohub.storage.postgis import PostgisStore
from geohub.storage.values import INT64_MAX, INT64_MIN, POSTGRES_TYPES, coerce_value, from_storage
from tests.storage.conftest import make_layer

# each attribute type: values as the storage layer coerces them (dates and instants ISO text)
VALUES: dict[AttributeType, list[Any]] = {
    AttributeType.string: [
        None, "", " ", "Алматы — Қазақстан", "Әл-Фараби даңғылы 71", "🏔️ Медеу", "tab\tline\nback\\slash",
        "'quoted' \"twice\"", "x" * 70_000,
    ],
    AttributeType.integer: [None, 0, -1, 1, INT64_MIN, INT64_MAX, 2**53 + 1, -(2**31)],
    AttributeType.number: [None, 0.0, -0.0, 0.1, -2.5, 5e-324, 1.7976931348623157e308, 76.94567891234568],
    AttributeType.boolean: [None, True, False],
    AttributeType.date: [
        None, "0001-01-01", "9999-12-31", "1969-12-31", "1999-12-31", "2000-01-01", "2024-02-29",
    ],
    AttributeType.datetime: [
        None,
        "0001-01-01T00:00:00+00:00",
        "9999-12-31T23:59:59.999999+00:00",
        "1969-12-31T23:59:59.000001+00:00",
        "2000-01-01T00:00:00+00:00",
        "2026-12-07T16:44:18.123456+00:00",
    ],
}  # fmt: skip
GEOMETRIES = [
    "POINT (76.94567891234567 43.238949999999996)",
    "MULTIPOINT ((76.9 43.2), (77.0 43.3))",
    "LINESTRING (76.9 43.2, 76.95 43.25, 77.0 43.2)",
    "MULTILINESTRING ((76.9 43.2, 77.0 43.3), (76.8 43.1, 76.85 43.15, 76.9 43.1))",
    "POLYGON ((76.9 43.2, 77.0 43.2, 77.0 43.3, 76.9 43.2), "
    "(76.97 43.22, 76.99 43.22, 76.99 43.24, 76.97 43.22))",
    "MULTIPOLYGON (((76.9 43.2, 77.0 43.2, 77.0 43.3, 76.9 43.2)), "
    "((76.8 43.1, 76.85 43.1, 76.85 43.15, 76.8 43.1)))",
]


def column(kind: AttributeType, rows: int) -> list[Any]:
    """`rows` values of a type, its hostile ones over and over (each next to every other)."""
    values = VALUES[kind]
    return [values[i % len(values)] for i in range(rows)]


def expected(kind: AttributeType, value: Any) -> Any:
    """What psycopg reads back from a column of `kind` holding `value`."""
    if value is None:
        return None
    if kind is AttributeType.date:
        return date.fromisoformat(value)
    if kind is AttributeType.datetime:
        return datetime.fromisoformat(value).astimezone(UTC)
    return value


@pytest.fixture(scope="module")
def conn(postgis_url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(postgis_url, autocommit=True) as connection:
        connection.execute("SET TIME ZONE 'UTC'")
        yield connection


def copy_into(
    conn: psycopg.Connection[Any], wkbs: Sequence[bytes], columns: list[tuple[AttributeType, list[Any]]]
) -> list[tuple[Any, ...]]:
    """COPY the rows into a new temporary table, in batches; its rows back, in order, geometry
    as (SRID, WKB)."""
    names = [f"c{i}" for i in range(len(columns))]
    conn.execute("DROP TABLE IF EXISTS copied")
    conn.execute(
        sql.SQL("CREATE TEMPORARY TABLE copied (n serial, geom geometry(Geometry, 4326), {})").format(
            sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(POSTGRES_TYPES[kind]))
                for name, (kind, _) in zip(names, columns, strict=True)
            )
        )
    )
    targets = sql.SQL(", ").join(sql.Identifier(n) for n in ["geom", *names])
    with conn.cursor().copy(sql.SQL("COPY copied ({}) FROM STDIN (FORMAT BINARY)").format(targets)) as copy:
        copy.write(SIGNATURE)
        for start in range(0, len(wkbs), 7):  # several batches, of uneven sizes
            stop = start + 7
            batch = [(kind, values[start:stop]) for kind, values in columns]
            copy.write(memoryview(encode_rows(wkbs[start:stop], batch)))
        copy.write(TRAILER)
    selected = sql.SQL(", ").join(sql.Identifier(n) for n in names)
    rows = conn.execute(
        sql.SQL("SELECT ST_SRID(geom), ST_AsBinary(geom), {} FROM copied ORDER BY n").format(selected)
    ).fetchall()
    return [((row[0], bytes(row[1])), *row[2:]) for row in rows]


def test_every_attribute_type_round_trips_exactly(conn: psycopg.Connection[Any]) -> None:
    rows = 3 * 9 * 8  # every value of one type meets every value of the others
    wkbs = [shapely.to_wkb(shapely.from_wkt(GEOMETRIES[i % len(GEOMETRIES)])) for i in range(rows)]
    columns = [(kind, column(kind, rows)) for kind in AttributeType]

    got = copy_into(conn, wkbs, columns)

    assert len(got) == rows
    for i, row in enumerate(got):
        assert row[0] == (4326, wkbs[i])
        for (kind, values), value in zip(columns, row[1:], strict=True):
            assert value == expected(kind, values[i]), (kind, values[i], value)
    # -0.0 == 0.0: the sign bit must survive too
    zeros = [row[1 + list(AttributeType).index(AttributeType.number)] for row in got]
    assert [str(z) for z, v in zip(zeros, columns[2][1], strict=True) if v == 0.0] == [
        str(v) for v in columns[2][1] if v == 0.0
    ]


@pytest.mark.parametrize("wkt", GEOMETRIES, ids=lambda wkt: wkt.split(" (")[0])
def test_every_geometry_type_round_trips_exactly_with_its_srid(
    conn: psycopg.Connection[Any], wkt: str
) -> None:
    geometry = shapely.from_wkt(wkt)
    wkbs = [shapely.to_wkb(geometry)] * 3

    got = copy_into(conn, wkbs, [(AttributeType.string, ["a", None, ""])])

    assert got == [((4326, wkbs[0]), "a"), ((4326, wkbs[0]), None), ((4326, wkbs[0]), "")]


def test_a_row_of_only_nulls_and_a_layer_of_no_rows(conn: psycopg.Connection[Any]) -> None:
    wkb = shapely.to_wkb(shapely.from_wkt(GEOMETRIES[0]))
    columns = [(kind, [None]) for kind in AttributeType]

    assert copy_into(conn, [wkb], columns) == [((4326, wkb), *([None] * len(columns)))]
    assert copy_into(conn, [], [(kind, []) for kind in AttributeType]) == []


@pytest.mark.parametrize(
    ("geometry_type", "wkt"),
    [
        (GeometryType.point, GEOMETRIES[0]),
        (GeometryType.multipoint, GEOMETRIES[1]),
        (GeometryType.linestring, GEOMETRIES[2]),
        (GeometryType.multilinestring, GEOMETRIES[3]),
        (GeometryType.polygon, GEOMETRIES[4]),
        (GeometryType.multipolygon, GEOMETRIES[5]),
    ],
    ids=lambda value: str(value).split(" (")[0],
)
def test_a_version_written_from_a_table_or_features_reads_back_the_same(
    postgis_store: PostgisStore, geometry_type: GeometryType, wkt: str
) -> None:
    layer = make_layer(
        f"copy_{geometry_type.value.lower()}",
        geometry_type,
        "id",
        [{"name": "id", "required": True}, *({"name": k.value, "type": k.value} for k in AttributeType)],
    )
    rows = 40
    ids = [f"f{i:03d}" for i in range(rows)]
    columns = {"id": ids} | {k.value: column(k, rows) for k in AttributeType}
    geometries = shapely.from_wkt([wkt] * rows)
    features = [
        Feature(ids[i], shapely.to_wkb(geometries[i]), {name: values[i] for name, values in columns.items()})
        for i in range(rows)
    ]
    from_table = postgis_store.write_version(layer, FeatureTable(geometries, columns))
    from_features = postgis_store.write_version(layer, features)

    for version in (from_table.version, from_features.version):
        got = sorted(postgis_store.read_version(layer, version), key=lambda f: f.id)
        assert [(f.id, f.geometry, dict(f.properties)) for f in got] == [
            (f.id, f.geometry, {a.name: stored(a.type, f.properties[a.name]) for a in layer.attributes})
            for f in features
        ]


def stored(kind: AttributeType, value: Any) -> Any:
    """A value as the store gives it back: coerced, then as read from storage."""
    return from_storage(kind, coerce_value(kind, value))
