"""Elevation from the city's DEM (data/almaty/dem.tif, SRTM 90 m) for edge inclines.

The raster is read once with rasterio and sampled by bilinear interpolation, so that even a short
edge gets the local slope of the surface along its direction (a nearest-pixel read would give 0 %
inside a pixel and a jump at its border)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.errors import RasterioIOError

from geohub.errors import InvalidDataError
from geohub.messages import tr


class Elevation:
    """A DEM in memory: `at(lons, lats)` gives metres, NaN outside the raster or on nodata."""

    def __init__(self, path: Path) -> None:
        try:
            with rasterio.open(path) as dataset:
                band = dataset.read(1, masked=True)
                crs, transform = dataset.crs, dataset.transform
        except RasterioIOError as error:
            raise InvalidDataError(
                tr("The elevation model {name} cannot be read: {reason}", name=path.name, reason=str(error))
            ) from None
        if crs is None or crs.to_epsg() != 4326:
            raise InvalidDataError(
                tr(
                    "The elevation model {name} must be in EPSG:4326 (longitude, latitude), not {crs}.",
                    name=path.name,
                    crs=str(crs),
                )
            )
        self._heights = np.ma.filled(band.astype("float64"), np.nan)
        self._inverse = ~transform

    def at(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Bilinear elevation at each point (pixel centres are the samples)."""
        cols, rows = self._inverse * (np.asarray(lons, dtype="float64"), np.asarray(lats, dtype="float64"))
        x, y = np.asarray(cols) - 0.5, np.asarray(rows) - 0.5
        x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
        fx, fy = x - x0, y - y0
        height, width = self._heights.shape
        inside = (x0 >= 0) & (y0 >= 0) & (x0 + 1 < width) & (y0 + 1 < height)
        x0c, y0c = np.clip(x0, 0, width - 2), np.clip(y0, 0, height - 2)
        h = self._heights
        top = h[y0c, x0c] * (1 - fx) + h[y0c, x0c + 1] * fx
        bottom = h[y0c + 1, x0c] * (1 - fx) + h[y0c + 1, x0c + 1] * fx
        return np.where(inside, top * (1 - fy) + bottom * fy, np.nan)


def incline_pct(elevation: Elevation, lons: np.ndarray, lats: np.ndarray, length_m: float) -> float | None:
    """Signed rise over length in percent from the first point to the last (positive = uphill
    along the line); None when the line is too short or leaves the DEM."""
    if length_m < 0.5:
        return None
    ends = elevation.at(np.array([lons[0], lons[-1]]), np.array([lats[0], lats[-1]]))
    if np.isnan(ends).any():
        return None
    return round(float(ends[1] - ends[0]) / length_m * 100, 2)
