"""CSV with lon/lat (or x/y) columns or a WKT column: every row read, a bad row reported by its line."""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from geohub.errors import InvalidDataError
from geohub.messages import Message, tr
from geohub.sources.source_data import SourceData, finish

LON_NAMES = ("lon", "lng", "long", "longitude")
LAT_NAMES = ("lat", "latitude")
X_NAMES = ("x", "easting")
Y_NAMES = ("y", "northing")
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom", "wkt_geom")
DELIMITERS = (",", ";", "\t", "|")
DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
SNIFF_BYTES = 1 << 16
MAX_FIELD_CHARS = 1 << 27  # one WKT cell may be a large polygon


@dataclass
class _Rows:
    """Rows as they are parsed: values per column, coordinates, line numbers, problems."""

    header: list[str]
    values: list[list[Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    problems: dict[int, Message] = field(default_factory=dict)


def read_csv(path: Path, *, name: str, crs: str | None = None) -> SourceData:
    """Read a CSV file; UTF-8 (with or without BOM) or cp1251, delimiter , ; tab or |."""
    text = decode_text(path.read_bytes(), name=name)
    delimiter = _delimiter(text)
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [cell.strip() for cell in next(reader, [])]
        if not any(header):
            raise InvalidDataError(tr("{name} is empty: it has no header row.", name=name))
        _check_header(header, name)
        rows = _Rows(header)
        for row in reader:
            if any(cell.strip() for cell in row):
                _add_row(rows, row, reader.line_num)
    except csv.Error as exc:
        raise InvalidDataError(
            tr("{name} is not a readable CSV file: {reason}.", name=name, reason=exc)
        ) from None
    return _to_source_data(rows, name=name, crs=crs, decimal_comma=delimiter != ",")


def decode_text(raw: bytes, *, name: str) -> str:
    """The file's text: UTF-8 (a BOM is dropped) or else cp1251; binary content is an error."""
    if not raw.strip():
        raise InvalidDataError(tr("The file {name} is empty.", name=name))
    if b"\x00" in raw[:SNIFF_BYTES]:
        raise InvalidDataError(tr("{name} is not a text (CSV) file.", name=name))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1251")
    except UnicodeDecodeError:
        raise InvalidDataError(tr("{name} is neither UTF-8 nor Windows-1251 text.", name=name)) from None


def _delimiter(text: str) -> str:
    first_line = text[:SNIFF_BYTES].split("\n", 1)[0]
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _check_header(header: list[str], name: str) -> None:
    lowered = [h.lower() for h in header]
    twice = sorted({h for h in header if lowered.count(h.lower()) > 1})
    if twice:
        raise InvalidDataError(
            tr("{name} names a column more than once: {columns}.", name=name, columns=", ".join(twice))
        )
    if _geometry_columns(header) is None:
        raise InvalidDataError(
            tr(
                "{name} has no coordinate columns: name them lon and lat (or x and y), or put WKT "
                "in a column named wkt; its columns are: {columns}.",
                name=name,
                columns=", ".join(header),
            )
        )


def _geometry_columns(header: list[str]) -> tuple[str, int, int] | None:
    """('lonlat' | 'xy', x index, y index) or ('wkt', index, -1)."""
    lowered = [h.lower() for h in header]

    def find(names: tuple[str, ...]) -> int | None:
        return next((lowered.index(n) for n in names if n in lowered), None)

    for kind, xs, ys in (("lonlat", LON_NAMES, LAT_NAMES), ("xy", X_NAMES, Y_NAMES)):
        x, y = find(xs), find(ys)
        if x is not None and y is not None:
            return kind, x, y
    wkt = find(WKT_NAMES)
    return ("wkt", wkt, -1) if wkt is not None else None


def _add_row(rows: _Rows, row: list[str], line: int) -> None:
    width = len(rows.header)
    if len(row) != width:
        rows.problems[len(rows.values)] = tr(
            "has {count} values, but the header has {width} columns", count=len(row), width=width
        )
        row = (row + [""] * width)[:width]
    rows.values.append([cell if cell.strip() else None for cell in row])
    rows.lines.append(line)


def _to_source_data(rows: _Rows, *, name: str, crs: str | None, decimal_comma: bool) -> SourceData:
    kind, first, second = _geometry_columns(rows.header) or ("", 0, 0)
    if kind == "wkt":
        geometries = _wkt_geometries(rows, first)
        skip = {first}
    else:
        geometries = _point_geometries(rows, first, second, decimal_comma)
        skip = set()
    bad = list(rows.problems)
    geometries[bad] = None
    columns = {
        column: [values[i] for values in rows.values] for i, column in enumerate(rows.header) if i not in skip
    }
    if rows.values and len(rows.problems) == len(rows.values):
        first = min(rows.problems)
        raise InvalidDataError(
            tr(
                "No row of {name} could be read; the first, line {line}: {problem}.",
                name=name,
                line=rows.lines[first],
                problem=rows.problems[first],
            )
        )
    own = "EPSG:4326" if kind == "lonlat" else None
    return finish(
        geometries,
        columns,
        own_crs=own,
        assigned_crs=crs,
        name=name,
        row_problems=rows.problems,
        row_numbers=rows.lines,
    )


def _point_geometries(rows: _Rows, x_index: int, y_index: int, decimal_comma: bool) -> np.ndarray:
    names = rows.header[x_index], rows.header[y_index]
    xy = np.full((len(rows.values), 2), np.nan)
    for i, values in enumerate(rows.values):
        if i in rows.problems:
            continue
        try:
            xy[i] = [
                _number(values[x_index], names[0], decimal_comma),
                _number(values[y_index], names[1], decimal_comma),
            ]
        except NotANumber as exc:
            rows.problems[i] = exc.reason
    if rows.header[x_index].lower() in LON_NAMES:
        outside = (np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90)
        for index in np.flatnonzero(outside).tolist():
            rows.problems[index] = tr(
                "({x}, {y}) is not a lon/lat position", x=float(xy[index, 0]), y=float(xy[index, 1])
            )
    return np.asarray(shapely.points(xy), dtype=object)


class NotANumber(ValueError):
    """A coordinate cell that holds no number; `reason` says so, translatable."""

    def __init__(self, reason: Message) -> None:
        super().__init__(str(reason))
        self.reason = reason


def _number(text: str | None, column: str, decimal_comma: bool) -> float:
    if text is None:
        raise NotANumber(tr("{column} is empty", column=column))
    cleaned = text.strip()
    if decimal_comma and DECIMAL_COMMA.match(cleaned):
        cleaned = cleaned.replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        raise NotANumber(tr("{column} '{text}' is not a number", column=column, text=text)) from None
    if not math.isfinite(value):
        raise NotANumber(tr("{column} '{text}' is not a number", column=column, text=text))
    return value


def _wkt_geometries(rows: _Rows, index: int) -> np.ndarray:
    column = rows.header[index]
    texts = np.array([values[index] for values in rows.values], dtype=object)
    geometries = np.asarray(shapely.from_wkt(texts, on_invalid="ignore"), dtype=object)
    for i in np.flatnonzero(shapely.is_missing(geometries)):
        if i in rows.problems:
            continue
        text = texts[i]
        rows.problems[int(i)] = (
            tr("{column} is empty", column=column)
            if text is None
            else tr("{column} '{text}' is not valid WKT", column=column, text=_shorten(text))
        )
    return geometries


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
