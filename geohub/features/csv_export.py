"""Items as CSV: one row per feature, its properties and its geometry as WKT."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import shapely.geometry

_FORMULA_START = ("=", "+", "@", "\t", "\r")


def features_csv(features: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """CSV text with an `id` column, the given property columns and `geometry` (WKT)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["id", *columns, "geometry"])
    for feature in features:
        geometry = feature.get("geometry")
        wkt = shapely.geometry.shape(geometry).wkt if geometry else ""
        properties = feature.get("properties") or {}
        writer.writerow([_cell(feature.get("id")), *(_cell(properties.get(c)) for c in columns), wkt])
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    """A value safe to open in a spreadsheet: text that would run as a formula is quoted."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value
