"""Items and whole-layer downloads as CSV: one row per feature, its properties and its geometry as WKT."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TextIO

import shapely.geometry

_FORMULA_START = ("=", "+", "@", "\t", "\r")
CsvRow = tuple[Any, Mapping[str, Any], str]  # a feature's id, properties and WKT geometry


def features_csv(features: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """CSV text with an `id` column, the given property columns and `geometry` (WKT)."""
    buffer = io.StringIO()
    rows = (
        (
            feature.get("id"),
            feature.get("properties") or {},
            shapely.geometry.shape(feature["geometry"]).wkt if feature.get("geometry") else "",
        )
        for feature in features
    )
    write_csv(buffer, rows, columns)
    return buffer.getvalue()


def write_csv(out: TextIO, rows: Iterable[CsvRow], columns: Sequence[str]) -> None:
    """Write (id, properties, WKT) rows as CSV: `id`, the property `columns`, then `geometry`."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", *columns, "geometry"])
    for feature_id, properties, wkt in rows:
        writer.writerow([_cell(feature_id), *(_cell(properties.get(c)) for c in columns), wkt])


def _cell(value: Any) -> Any:
    """A value safe to open in a spreadsheet: text that would run as a formula is quoted."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value
