"""SourceData: what a reader hands the pipeline (lon/lat geometries, columns, unreadable rows)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from geohub.messages import Message, tr
from geohub.sources.crs import crs_label, source_crs, to_wgs84


@dataclass(frozen=True)
class SourceData:
    """What a source holds: lon/lat geometries, one list of values per source field, bad rows.

    `geometries[i]` is None where row i has no usable geometry; `row_problems[i]` says why row i
    could not be read (its geometry is None). `row_numbers[i]` is the row's own number in the
    source (the CSV line), when the format has one; else rows are counted 1, 2, 3…
    """

    geometries: np.ndarray
    columns: dict[str, list[Any]]
    row_problems: dict[int, Message] = field(default_factory=dict)
    source_crs: str = "EPSG:4326"
    row_numbers: list[int] | None = None
    wkbs: np.ndarray | None = None  # the source's own WKB of each geometry, when it decodes to it

    def __len__(self) -> int:
        return len(self.geometries)

    def row_label(self, index: int) -> Message:
        """How a person finds row `index` in the source: 'line 17' or 'feature 18'."""
        if self.row_numbers is not None:
            return tr("line {number}", number=self.row_numbers[index])
        return tr("feature {number}", number=index + 1)


def finish(
    geometries: np.ndarray,
    columns: dict[str, list[Any]],
    *,
    own_crs: str | None,
    assigned_crs: str | None,
    name: str,
    row_problems: dict[int, Message] | None = None,
    row_numbers: list[int] | None = None,
    wkbs: np.ndarray | None = None,
) -> SourceData:
    """Source-CRS geometries to a SourceData in lon/lat; rows that cannot be transformed become problems.
    `wkbs`: the WKB the geometries were decoded from, kept when they stay as they are (lon/lat
    already), so an import need not encode them again."""
    crs = source_crs(own_crs, assigned_crs, geometries, name=name)
    lonlat = to_wgs84(geometries, crs, name=name)
    problems = dict(row_problems or {})
    kept = wkbs if lonlat is geometries else None
    data = SourceData(lonlat, columns, problems, crs_label(crs), row_numbers, kept)
    for index in _not_finite(lonlat):
        problems[int(index)] = tr("the coordinates cannot be transformed to lon/lat")
        lonlat[index] = None
    return data


def column_values(values: np.ndarray) -> list[Any]:
    """A numpy column as plain Python values, NaN and NaT as None."""
    if values.dtype.kind in "fM":
        missing = np.isnan(values)
        if missing.any():
            plain = values.astype(object)
            plain[missing] = None
            return list(plain)
    return list(values.tolist())


def _not_finite(geometries: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        bounds = shapely.bounds(geometries)
    present = ~shapely.is_missing(geometries) & ~shapely.is_empty(geometries)
    return np.flatnonzero(present & ~np.isfinite(bounds).all(axis=1))
