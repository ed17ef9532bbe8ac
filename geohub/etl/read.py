"""Read a layer's source with pyogrio into lon/lat WKB and plain Python attribute rows."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import shapely
from pyproj import CRS, Transformer

from geohub.errors import InvalidDataError
from geohub.layers.models import LayerDefinition, Source

WGS84 = CRS.from_epsg(4326)


@dataclass(frozen=True)
class SourceData:
    """What a source holds: geometries (lon/lat) and one list of values per source field."""

    geometries: np.ndarray
    columns: dict[str, list[Any]]

    def __len__(self) -> int:
        return len(self.geometries)


def source_path(source: Source, base_dir: Path) -> Path:
    """The source file, relative paths taken from `base_dir`."""
    return source.path if source.path.is_absolute() else base_dir / source.path


def read_source(source: Source, base_dir: Path) -> SourceData:
    """Read the source's layer or SQL; reproject to lon/lat WGS 84 when it has another CRS."""
    path = source_path(source, base_dir)
    if not path.exists():
        raise InvalidDataError(f"The source file {path.name} does not exist.")
    try:
        meta, _, wkb, values = pyogrio.raw.read(
            path, layer=source.layer, sql=source.sql, sql_dialect="SQLITE" if source.sql else None
        )
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InvalidDataError(f"The source {path.name} cannot be read: {exc}") from None
    if wkb is None:
        raise InvalidDataError(f"The source {path.name} has no geometry.")
    geometries = _to_wgs84(shapely.from_wkb(wkb, on_invalid="ignore"), meta.get("crs"))
    columns = {name: column.tolist() for name, column in zip(meta["fields"], values, strict=True)}
    return SourceData(geometries, columns)


def _to_wgs84(geometries: np.ndarray, crs: str | None) -> np.ndarray:
    if not crs:
        return geometries
    source_crs = CRS.from_user_input(crs)
    if source_crs.equals(WGS84, ignore_axis_order=True):
        return geometries
    transformer = Transformer.from_crs(source_crs, WGS84, always_xy=True)
    return shapely.transform(
        geometries, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )


def source_fingerprint(layer: LayerDefinition, base_dir: Path) -> str:
    """A hash of the source file and the layer definition: equal means nothing to import."""
    digest = hashlib.sha256(layer.model_dump_json().encode())
    if layer.source is not None:
        with source_path(layer.source, base_dir).open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()
