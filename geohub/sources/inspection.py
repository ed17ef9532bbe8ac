"""Cheap looks into a dataset before GDAL reads it: a GeoPackage's schema, field and row counts.

A GeoPackage is an SQLite file, and SQLite can hold more than tables: views, triggers and virtual
tables (GDAL's VirtualOGR opens any data source a statement names). A GeoPackage may hold tables
(with triggers) and the R-tree spatial indexes GeoPackage defines; no view, no other virtual
table. Counts come from headers and metadata, so a file with 20,000 fields is refused in
milliseconds, before the expensive read.
"""

from __future__ import annotations

import re
import sqlite3
import struct
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pyogrio

from geohub.errors import InvalidDataError, UploadTooLargeError
from geohub.messages import tr

_RTREE = re.compile(r"^\s*CREATE\s+VIRTUAL\s+TABLE\s+\S+\s+USING\s+rtree\s*\(", re.I)
CSV_BLOCK = 1 << 20


@dataclass(frozen=True)
class DatasetSize:
    """How many fields and rows a dataset holds (rows -1 when its format cannot say cheaply)."""

    fields: int
    rows: int


def check_geopackage(path: Path, *, name: str) -> None:
    """Refuse a GeoPackage holding views, or virtual tables other than R-tree indexes.

    Triggers (GeoPackage's own, GDAL's R-tree upkeep) fire only on writes, and nothing is written.
    """
    with closing(_open_readonly(path, name)) as conn:
        rows = conn.execute("SELECT type, name, coalesce(sql, '') FROM sqlite_master").fetchall()
    for kind, object_name, sql in rows:
        if kind == "view":
            raise InvalidDataError(
                tr(
                    "{name} holds a {kind} ({object_name}); GeoHub reads GeoPackages of plain tables only.",
                    name=name,
                    kind=kind,
                    object_name=object_name,
                )
            )
        if kind == "table" and sql.lstrip().upper().startswith("CREATE VIRTUAL") and not _RTREE.match(sql):
            raise InvalidDataError(
                tr(
                    "{name} holds a virtual table ({object}); GeoHub reads GeoPackages of plain tables only.",
                    name=name,
                    object=object_name,
                )
            )


def dataset_size(kind: str, path: Path, *, layer: str | None, name: str) -> DatasetSize:
    """Fields and rows from the cheapest source there is: a header, SQLite's catalogue, GDAL's info."""
    if kind == "shp":
        return _dbf_size(_sibling(path, ".dbf"))
    if kind == "gpkg":
        return _geopackage_size(path, layer, name)
    if kind == "csv":
        return _csv_size(path)
    info = pyogrio.read_info(path, layer=layer)  # GeoJSON, KML: GDAL's C scan, no values decoded
    return DatasetSize(len(info["fields"]), int(info["features"]))


def check_size(size: DatasetSize, *, name: str, max_fields: int, max_rows: int, max_cells: int) -> None:
    """A clear 413 when a dataset has more fields, rows or values than GeoHub reads in one import."""
    if size.fields > max_fields:
        raise UploadTooLargeError(
            tr(
                "{name} has {count} fields; at most {maximum} are read in one import.",
                name=name,
                count=size.fields,
                maximum=max_fields,
            )
        )
    if size.rows > max_rows:
        raise UploadTooLargeError(
            tr(
                "{name} has {count} rows; at most {maximum} are read in one import.",
                name=name,
                count=size.rows,
                maximum=max_rows,
            )
        )
    if size.rows * size.fields > max_cells:
        raise UploadTooLargeError(
            tr(
                "{name} holds {count} values ({rows} rows × {fields} fields); at most {maximum} "
                "are read in one import.",
                name=name,
                count=size.rows * size.fields,
                rows=size.rows,
                fields=size.fields,
                maximum=max_cells,
            )
        )


def _open_readonly(path: Path, name: str) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        conn.execute("PRAGMA trusted_schema = OFF")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise InvalidDataError(tr("{name} cannot be read: {reason}", name=name, reason=exc)) from None
    return conn


def _geopackage_size(path: Path, layer: str | None, name: str) -> DatasetSize:
    with closing(_open_readonly(path, name)) as conn:
        try:
            tables = [
                str(row[0])
                for row in conn.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'features'")
            ]
        except sqlite3.DatabaseError as exc:
            raise InvalidDataError(tr("{name} cannot be read: {reason}", name=name, reason=exc)) from None
        chosen = [t for t in tables if layer is None or t == layer] or tables
        fields = rows = 0
        for table in chosen:
            quoted = '"' + table.replace('"', '""') + '"'
            try:
                columns = conn.execute(f"PRAGMA table_info({quoted})").fetchall()
                geometry = conn.execute(
                    "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (table,)
                ).fetchall()
                skipped = {str(row[0]) for row in geometry} | {str(c[1]) for c in columns if c[5]}  # pk
                fields = max(fields, sum(str(c[1]) not in skipped for c in columns))
                rows = max(rows, int(conn.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]))
            except sqlite3.DatabaseError as exc:
                raise InvalidDataError(tr("{name} cannot be read: {reason}", name=name, reason=exc)) from None
    return DatasetSize(fields, rows)


def _sibling(path: Path, suffix: str) -> Path:
    """The neighbour of `path` with `suffix` in any letter case (Shapefiles from Windows)."""
    wanted = (path.stem + suffix).lower()
    return next((p for p in path.parent.iterdir() if p.name.lower() == wanted), path.with_suffix(suffix))


def _dbf_size(dbf: Path) -> DatasetSize:
    """From the dBASE header: records at byte 4, header length at byte 8 (32 bytes per field)."""
    with dbf.open("rb") as stream:
        header = stream.read(12)
    if len(header) < 12:
        return DatasetSize(0, 0)
    records, header_bytes = struct.unpack("<IH", header[4:10])
    return DatasetSize(max(0, (header_bytes - 33) // 32), records)


def _csv_size(path: Path) -> DatasetSize:
    """Header cells (by the likeliest delimiter) and lines, counted in blocks without decoding."""
    lines = 0
    first = b""
    with path.open("rb") as stream:
        while block := stream.read(CSV_BLOCK):
            if not first:
                first = block.split(b"\n", 1)[0]
            lines += block.count(b"\n")
    fields = max(first.count(d) for d in (b",", b";", b"\t", b"|")) + 1
    return DatasetSize(fields, max(0, lines - 1))
