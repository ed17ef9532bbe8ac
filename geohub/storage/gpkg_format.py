"""GeoPackage 1.3 on plain sqlite3: core tables, geometry blobs and R-tree trigger functions."""

from __future__ import annotations

import sqlite3
import struct
from functools import lru_cache

import shapely

from geohub.storage.accents import fold_accents
from geohub.storage.cql_sql import SPATIAL_OPERATIONS

GPKG_APPLICATION_ID = 0x47504B47  # "GPKG"
GPKG_USER_VERSION = 10300
WGS84 = 4326
_HEADER = struct.Struct("<2sBBi")
_ENVELOPE = struct.Struct("<4d")
_EMPTY_FLAG = 0b0001_0000

CORE_TABLES = (
    """CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
        srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
        organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)""",
    """CREATE TABLE IF NOT EXISTS gpkg_contents (
        table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
        identifier TEXT UNIQUE, description TEXT DEFAULT '',
        last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
        srs_id INTEGER REFERENCES gpkg_spatial_ref_sys(srs_id))""",
    """CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
        table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
        srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
        CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
        CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
        CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))""",
    """CREATE TABLE IF NOT EXISTS gpkg_extensions (
        table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
        definition TEXT NOT NULL, scope TEXT NOT NULL,
        CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))""",
)
_WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],'
    'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433],AUTHORITY["EPSG","4326"]]'
)
SPATIAL_REF_ROWS = (
    ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian"),
    ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic"),
    ("WGS 84 geodetic", WGS84, "EPSG", 4326, _WGS84_WKT, "longitude/latitude on WGS 84"),
)


def ensure_core_tables(conn: sqlite3.Connection) -> None:
    """Make the file a GeoPackage: application id, core tables, the three required SRS rows."""
    conn.execute(f"PRAGMA application_id = {GPKG_APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {GPKG_USER_VERSION}")
    for statement in CORE_TABLES:
        conn.execute(statement)
    conn.executemany("INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", SPATIAL_REF_ROWS)


def encode_blob(wkb: bytes, bounds: tuple[float, float, float, float] | None) -> bytes:
    """A GeoPackage geometry blob (little-endian, XY envelope) around standard WKB."""
    if bounds is None or any(b != b for b in bounds):  # empty geometry: NaN bounds
        return _HEADER.pack(b"GP", 0, 0b0000_0001 | _EMPTY_FLAG, WGS84) + wkb
    minx, miny, maxx, maxy = bounds
    return _HEADER.pack(b"GP", 0, 0b0000_0011, WGS84) + _ENVELOPE.pack(minx, maxx, miny, maxy) + wkb


def blob_wkb(blob: bytes) -> bytes:
    """The WKB inside a GeoPackage geometry blob."""
    return blob[_HEADER.size + _envelope_size(blob[3]) :]


def _envelope_size(flags: int) -> int:
    indicator = (flags >> 1) & 0b111
    return {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get(indicator, 0)


def blob_envelope(blob: bytes | None) -> tuple[float, float, float, float] | None:
    """(minx, maxx, miny, maxy) of a blob, read from its header or computed from its WKB."""
    if blob is None or blob[3] & _EMPTY_FLAG:
        return None
    if _envelope_size(blob[3]):
        return _ENVELOPE.unpack_from(blob, _HEADER.size)
    minx, miny, maxx, maxy = shapely.from_wkb(blob_wkb(blob)).bounds
    return (minx, maxx, miny, maxy)


def _envelope_part(index: int):  # type: ignore[no-untyped-def]
    def part(blob: bytes | None) -> float | None:
        envelope = blob_envelope(blob)
        return None if envelope is None else envelope[index]

    return part


def register_functions(conn: sqlite3.Connection) -> None:
    """The SQL functions the GeoPackage R-tree triggers call (GDAL provides them too)."""
    conn.create_function("ST_MinX", 1, _envelope_part(0), deterministic=True)
    conn.create_function("ST_MaxX", 1, _envelope_part(1), deterministic=True)
    conn.create_function("ST_MinY", 1, _envelope_part(2), deterministic=True)
    conn.create_function("ST_MaxY", 1, _envelope_part(3), deterministic=True)
    conn.create_function(
        "ST_IsEmpty",
        1,
        lambda blob: 1 if blob is None or blob[3] & _EMPTY_FLAG else 0,
        deterministic=True,
    )
    conn.create_function("gh_intersects_box", 5, _intersects_box, deterministic=True)
    conn.create_function("gh_spatial", 3, _spatial_predicate, deterministic=True)
    conn.create_function("gh_lower", 1, _lower, deterministic=True)
    conn.create_function("gh_accenti", 1, fold_accents, deterministic=True)
    conn.execute("PRAGMA case_sensitive_like = ON")


def _intersects_box(blob: bytes | None, minx: float, miny: float, maxx: float, maxy: float) -> int:
    if blob is None:
        return 0
    return int(box_geometry(minx, miny, maxx, maxy).intersects(shapely.from_wkb(blob_wkb(blob))))


def _lower(text: object) -> str | None:
    """Unicode lower case (SQLite's own lower() folds ASCII only, not Cyrillic)."""
    return None if text is None else str(text).lower()


def _spatial_predicate(operation: str, blob: bytes | None, wkb: bytes) -> int:
    if blob is None or operation not in SPATIAL_OPERATIONS:
        return 0
    geometry = shapely.from_wkb(blob_wkb(blob))
    return int(getattr(shapely, operation)(geometry, prepared_geometry(wkb)))


@lru_cache(maxsize=64)
def prepared_geometry(wkb: bytes) -> shapely.Geometry:
    """A filter geometry, parsed and prepared once for all the rows it is tested against."""
    geometry = shapely.from_wkb(wkb)
    shapely.prepare(geometry)
    return geometry


@lru_cache(maxsize=64)
def box_geometry(minx: float, miny: float, maxx: float, maxy: float) -> shapely.Geometry:
    """A prepared bbox geometry: a point or a line when the box has no area."""
    if minx == maxx and miny == maxy:
        geometry = shapely.Point(minx, miny)
    elif minx == maxx or miny == maxy:
        geometry = shapely.LineString([(minx, miny), (maxx, maxy)])
    else:
        geometry = shapely.box(minx, miny, maxx, maxy)
    shapely.prepare(geometry)
    return geometry


def rtree_statements(table: str, column: str = "geom") -> list[str]:
    """R-tree table and triggers of the GeoPackage spatial index extension (spec Annex F.3)."""
    rtree = f'"rtree_{table}_{column}"'
    t, c = f'"{table}"', f'"{column}"'
    return [
        f"CREATE VIRTUAL TABLE {rtree} USING rtree(id, minx, maxx, miny, maxy)",
        f"""CREATE TRIGGER "rtree_{table}_{column}_insert" AFTER INSERT ON {t}
            WHEN (new.{c} NOT NULL AND NOT ST_IsEmpty(NEW.{c})) BEGIN
            INSERT OR REPLACE INTO {rtree} VALUES (NEW.fid, ST_MinX(NEW.{c}), ST_MaxX(NEW.{c}),
            ST_MinY(NEW.{c}), ST_MaxY(NEW.{c})); END""",
        f"""CREATE TRIGGER "rtree_{table}_{column}_update1" AFTER UPDATE OF {c} ON {t}
            WHEN OLD.fid = NEW.fid AND (NEW.{c} NOTNULL AND NOT ST_IsEmpty(NEW.{c})) BEGIN
            INSERT OR REPLACE INTO {rtree} VALUES (NEW.fid, ST_MinX(NEW.{c}), ST_MaxX(NEW.{c}),
            ST_MinY(NEW.{c}), ST_MaxY(NEW.{c})); END""",
        f"""CREATE TRIGGER "rtree_{table}_{column}_update2" AFTER UPDATE OF {c} ON {t}
            WHEN OLD.fid = NEW.fid AND (NEW.{c} ISNULL OR ST_IsEmpty(NEW.{c})) BEGIN
            DELETE FROM {rtree} WHERE id = OLD.fid; END""",
        f"""CREATE TRIGGER "rtree_{table}_{column}_delete" AFTER DELETE ON {t}
            WHEN old.{c} NOT NULL BEGIN DELETE FROM {rtree} WHERE id = OLD.fid; END""",
    ]


RTREE_EXTENSION_ROW = (
    "INSERT INTO gpkg_extensions VALUES (?, ?, 'gpkg_rtree_index', "
    "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')"
)
