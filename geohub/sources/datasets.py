"""Read one layer (or SQL result) of anything GDAL opens, with pyogrio's raw reader, to SourceData."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import shapely

from geohub.errors import InvalidDataError
from geohub.sources.source_data import SourceData, column_values, finish


def read_dataset(
    dataset: str | Path,
    *,
    name: str,
    layer: str | None = None,
    sql: str | None = None,
    crs: str | None = None,
    options: dict[str, Any] | None = None,
) -> SourceData:
    """Read `layer` or `sql` of `dataset` (a path or a GDAL connection string) as lon/lat SourceData.

    Vectorised throughout: no Python work per row, so a 300,000-polygon GeoPackage stays fast.
    `name` is how errors refer to the dataset (a file name, never a password-bearing string).
    """
    options = options or {}
    if sql is None:
        layer = choose_layer(dataset, layer, name=name)
    try:
        meta, _, wkb, values = pyogrio.raw.read(
            dataset,
            layer=layer,
            sql=sql,
            sql_dialect="SQLITE" if sql else None,
            force_2d=True,
            **options,
        )
    except RuntimeError as exc:  # every pyogrio error is a RuntimeError
        raise InvalidDataError(f"{name} cannot be read: {_first_line(exc, dataset, name)}") from None
    if wkb is None:
        raise InvalidDataError(f"{name} has no geometry column.")
    geometries = shapely.from_wkb(wkb, on_invalid="ignore")
    undecodable = np.flatnonzero(shapely.is_missing(geometries) & (wkb != None))  # noqa: E711
    problems = {int(i): f"feature {i + 1}: its geometry cannot be decoded" for i in undecodable}
    columns = {
        str(field): column_values(column) for field, column in zip(meta["fields"], values, strict=True)
    }
    return finish(
        geometries, columns, own_crs=meta.get("crs"), assigned_crs=crs, name=name, row_problems=problems
    )


def choose_layer(dataset: str | Path, layer: str | None, *, name: str) -> str | None:
    """`layer` when the dataset has it; the only layer when none is named; else a clear error."""
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(dataset)]
    except RuntimeError as exc:
        raise InvalidDataError(f"{name} cannot be read: {_first_line(exc, dataset, name)}") from None
    if not layers:
        raise InvalidDataError(f"{name} holds no layers.")
    if layer is None:
        if len(layers) > 1:
            raise InvalidDataError(f"{name} holds several layers; choose one of: {', '.join(layers)}.")
        return layers[0]
    if layer not in layers:
        raise InvalidDataError(f"{name} has no layer '{layer}'; it has: {', '.join(layers)}.")
    return layer


def _first_line(exc: Exception, dataset: str | Path, name: str) -> str:
    """GDAL's message, first line only, with the (possibly temporary) path replaced by `name`."""
    lines = str(exc).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__).replace(str(dataset), name)
