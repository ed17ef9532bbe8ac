"""Read one layer (or SQL result) of anything GDAL opens, with pyogrio's raw reader, to SourceData."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import shapely

from geohub.errors import InvalidDataError
from geohub.messages import tr
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
    if sql is None:
        layer = choose_layer(dataset, layer, name=name)
    read = _read_raw if options else _read_arrow  # remote drivers keep their own paging: raw
    try:
        meta, wkb, columns = read(dataset, layer, sql, options or {})
    except Exception as exc:  # pyogrio raises RuntimeError or ValueError; GDAL's text says why
        raise InvalidDataError(
            tr("{name} cannot be read: {reason}", name=name, reason=_first_line(exc, dataset, name))
        ) from None
    if wkb is None:
        raise InvalidDataError(tr("{name} has no geometry column.", name=name))
    geometries = shapely.from_wkb(wkb, on_invalid="ignore")
    flat = not shapely.has_z(geometries).any()
    if not flat:
        geometries = shapely.force_2d(geometries)
    undecodable = np.flatnonzero(shapely.is_missing(geometries) & (wkb != None))  # noqa: E711
    problems = {int(i): tr("its geometry cannot be decoded") for i in undecodable}
    return finish(
        geometries,
        columns,
        own_crs=meta.get("crs"),
        assigned_crs=crs,
        name=name,
        row_problems=problems,
        wkbs=wkb if flat else None,
    )


Read = tuple[dict[str, Any], np.ndarray | None, dict[str, list[Any]]]


def _read_arrow(dataset: str | Path, layer: str | None, sql: str | None, options: dict[str, Any]) -> Read:
    """Through GDAL's Arrow stream: ~8x faster than feature by feature on a large GeoPackage."""
    meta, table = pyogrio.raw.read_arrow(
        dataset, layer=layer, sql=sql, sql_dialect="SQLITE" if sql else None, **options
    )
    geometry = meta.get("geometry_name") or "wkb_geometry"
    wkb = table.column(geometry).to_numpy(zero_copy_only=False) if geometry in table.column_names else None
    columns = {str(field): table.column(str(field)).to_pylist() for field in meta["fields"]}
    return meta, wkb, columns


def _read_raw(dataset: str | Path, layer: str | None, sql: str | None, options: dict[str, Any]) -> Read:
    meta, _, wkb, values = pyogrio.raw.read(
        dataset, layer=layer, sql=sql, sql_dialect="SQLITE" if sql else None, force_2d=True, **options
    )
    columns = {
        str(field): column_values(column) for field, column in zip(meta["fields"], values, strict=True)
    }
    return meta, wkb, columns


def choose_layer(dataset: str | Path, layer: str | None, *, name: str) -> str | None:
    """`layer` when the dataset has it; the only layer when none is named; else a clear error."""
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(dataset)]
    except RuntimeError as exc:
        raise InvalidDataError(
            tr("{name} cannot be read: {reason}", name=name, reason=_first_line(exc, dataset, name))
        ) from None
    if not layers:
        raise InvalidDataError(tr("{name} holds no layers.", name=name))
    if layer is None:
        if len(layers) > 1:
            raise InvalidDataError(
                tr(
                    "{name} holds several layers; choose one of: {layers}.",
                    name=name,
                    layers=", ".join(layers),
                )
            )
        return layers[0]
    if layer not in layers:
        raise InvalidDataError(
            tr(
                "{name} has no layer '{layer}'; it has: {layers}.",
                name=name,
                layer=layer,
                layers=", ".join(layers),
            )
        )
    return layer


def _first_line(exc: Exception, dataset: str | Path, name: str) -> str:
    """GDAL's message, first line only, with the (possibly temporary) path replaced by `name`."""
    lines = str(exc).strip().splitlines()
    return (lines[0] if lines else type(exc).__name__).replace(str(dataset), name)
