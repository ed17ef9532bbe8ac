"""Raster tiles: a hillshade of the Almaty DEM as a subtle shadow overlay for the basemap.

Each tile is read with rio-tiler, which warps the DEM (EPSG:4326) into the tile's Web Mercator
grid with bilinear resampling into Float32 (the Int16 source would round the interpolated surface
to 1 m terraces that show as contour lines on the plain), one pixel of buffer on every side so
the gradient at the tile's edge uses its neighbours' pixels and adjacent tiles join without seams.
Beyond z≈12 the ~90 m DEM is only interpolated: tiles up to z15 are smooth facets, not detail.

Shading is the standard hillshade: light from azimuth 315° (north-west) at 45° above the
horizon, gradient by central differences (`numpy.gradient`). Elevation and the tile's pixels are
both in metres, but a Web Mercator metre is longer than a ground metre by 1 / cos(latitude), so
each row's pixel width in Mercator metres is multiplied by cos(latitude) of that row: slopes are
true slopes (without it they would come out about 27 % too gentle at Almaty's 43.25° N).

The tile is an overlay, not a grey relief: RGB is black and alpha carries the shadow. Flat
ground and slopes facing the light are fully transparent; a slope darker than flat ground gets
alpha = MAX_SHADOW_ALPHA × (1 − shade / flat shade), so the darkest slope is at most
MAX_SHADOW_ALPHA / 255 (about 55 %) black. Pixels that are NoData or outside the DEM, and
pixels whose gradient would reach into them, are transparent.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import morecantile
import numpy as np
import numpy.typing as npt
from rasterio.crs import CRS
from rasterio.errors import RasterioError
from rio_tiler.errors import RioTilerError, TileOutsideBounds
from rio_tiler.io import Reader
from rio_tiler.utils import render

from geohub.errors import ConfigurationError, StorageUnavailableError
from geohub.messages import tr
from geohub.tiles.tms import WEB_MERCATOR_QUAD

log = logging.getLogger(__name__)

EARTH_RADIUS_M = 6378137.0  # the Web Mercator sphere
TILE_SIZE_PX = 256
BUFFER_PX = 1  # one pixel each side: enough for central differences
SUN_AZIMUTH_DEG = 315.0  # clockwise from north
SUN_ALTITUDE_DEG = 45.0
MAX_SHADOW_ALPHA = 140
RESAMPLING = "bilinear"  # both when reading overviews and when warping into the tile
IMAGE_FORMATS = {"png": "PNG", "webp": "WEBP"}

HILLSHADE_ID = "hillshade"
HILLSHADE_MINZOOM = 8
HILLSHADE_MAXZOOM = 15  # beyond the DEM's ~90 m the tiles are interpolated: smooth, not sharper
SRTM_ATTRIBUTION = "SRTM data courtesy of NASA/USGS"

Float2D = npt.NDArray[np.float64]
Bool2D = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class RasterTileset:
    """One raster tileset: a single-band raster file served as image tiles."""

    id: str
    path: Path
    minzoom: int
    maxzoom: int
    attribution: str
    bounds: tuple[float, float, float, float]  # west, south, east, north in degrees


def open_hillshade(path: Path) -> RasterTileset:
    """The hillshade tileset of a DEM file; a ConfigurationError if it cannot be used."""
    try:
        with Reader(str(path)) as reader:
            if reader.dataset.count != 1:
                raise ConfigurationError(f"{path}: a DEM has one band, this file has {reader.dataset.count}")
            if reader.crs is None:
                raise ConfigurationError(f"{path}: the DEM has no coordinate reference system")
            west, south, east, north = reader.get_geographic_bounds(CRS.from_epsg(4326))
    except (RasterioError, RioTilerError) as exc:
        raise ConfigurationError(f"{path}: cannot open the DEM ({exc})") from exc
    return RasterTileset(
        id=HILLSHADE_ID,
        path=path,
        minzoom=HILLSHADE_MINZOOM,
        maxzoom=HILLSHADE_MAXZOOM,
        attribution=SRTM_ATTRIBUTION,
        bounds=(west, south, east, north),
    )


def render_hillshade(tileset: RasterTileset, z: int, x: int, y: int, image_format: str) -> bytes | None:
    """PNG or WebP (image_format "png"/"webp") 256x256 WebMercatorQuad tile; None outside the data."""
    _check_call(tileset, z, x, y, image_format)
    read = _read_elevation(tileset, z, x, y)
    if read is None:
        return None
    elevation, valid = read
    top_m = WEB_MERCATOR_QUAD.xy_bounds(morecantile.Tile(x, y, z)).top
    alpha = _shadow_alpha(elevation, valid, _ground_pixel_size_m(z, top_m, elevation.shape[0]))
    rgb = np.zeros((3, TILE_SIZE_PX, TILE_SIZE_PX), dtype=np.uint8)
    try:
        return render(rgb, mask=alpha, img_format=IMAGE_FORMATS[image_format])
    except (RasterioError, RioTilerError) as exc:  # an encoder missing from this GDAL build
        log.error("cannot encode hillshade tile %s/%s/%s as %s: %s", z, x, y, image_format, exc)
        raise StorageUnavailableError(tr("The hillshade tile cannot be encoded.")) from exc


def _shadow_alpha(
    elevation: Float2D, valid: Bool2D, pixel_size_m: npt.NDArray[np.float64]
) -> npt.NDArray[np.uint8]:
    """Shadow alpha of the inner pixels of a buffered elevation grid (metres, north up).

    `pixel_size_m` is the ground size of a pixel in each row; the result is one pixel smaller
    on every side than `elevation`.
    """
    d_row, d_col = np.gradient(elevation)  # metres per pixel, rows run south
    slope_east = (d_col / pixel_size_m[:, None])[1:-1, 1:-1]
    slope_north = (-d_row / pixel_size_m[:, None])[1:-1, 1:-1]
    azimuth, altitude = math.radians(SUN_AZIMUTH_DEG), math.radians(SUN_ALTITUDE_DEG)
    # surface normal (-dz/dx, -dz/dy, 1) against the unit vector towards the sun
    toward_sun = (
        -slope_east * math.sin(azimuth) * math.cos(altitude)
        - slope_north * math.cos(azimuth) * math.cos(altitude)
        + math.sin(altitude)
    )
    shade = np.clip(toward_sun / np.sqrt(1.0 + slope_east**2 + slope_north**2), 0.0, 1.0)
    shadow = np.clip(1.0 - shade / math.sin(altitude), 0.0, 1.0)
    alpha = np.rint(shadow * MAX_SHADOW_ALPHA).astype(np.uint8)
    alpha[~_gradient_valid(valid)] = 0
    return alpha


def _gradient_valid(valid: Bool2D) -> Bool2D:
    """Inner pixels whose central differences touch only valid pixels."""
    return valid[1:-1, 1:-1] & valid[:-2, 1:-1] & valid[2:, 1:-1] & valid[1:-1, :-2] & valid[1:-1, 2:]


def _check_call(tileset: RasterTileset, z: int, x: int, y: int, image_format: str) -> None:
    """A ValueError for a tile address or format the route should have refused."""
    if not tileset.minzoom <= z <= tileset.maxzoom:
        raise ValueError(f"zoom {z} is outside {tileset.minzoom}..{tileset.maxzoom}")
    if not (0 <= x < 2**z and 0 <= y < 2**z):
        raise ValueError(f"tile {z}/{x}/{y} does not exist")
    if image_format not in IMAGE_FORMATS:
        raise ValueError(f"image format {image_format!r} is not one of {sorted(IMAGE_FORMATS)}")


def _read_elevation(tileset: RasterTileset, z: int, x: int, y: int) -> tuple[Float2D, Bool2D] | None:
    """The tile's buffered elevation grid and where it holds data; None if it holds none."""
    try:
        # A Reader per call: about 1 ms of a ~19 ms tile (measured), and no state shared by threads.
        with Reader(str(tileset.path)) as reader:
            image = reader.tile(
                x,
                y,
                z,
                tilesize=TILE_SIZE_PX,
                buffer=BUFFER_PX,
                resampling_method=RESAMPLING,
                reproject_method=RESAMPLING,
                vrt_options={"dtype": "float32"},  # Int16 would round the interpolation to 1 m terraces
            )
    except TileOutsideBounds:
        return None
    except (RasterioError, RioTilerError) as exc:
        log.error("cannot read hillshade tile %s/%s/%s from %s: %s", z, x, y, tileset.path, exc)
        raise StorageUnavailableError(tr("The elevation data cannot be read.")) from exc
    valid = ~np.ma.getmaskarray(image.array)[0]
    if not valid[BUFFER_PX:-BUFFER_PX, BUFFER_PX:-BUFFER_PX].any():
        return None
    elevation = np.where(valid, image.array.data[0], 0).astype(np.float64)
    return elevation, valid


def _ground_pixel_size_m(z: int, top_m: float, rows: int) -> npt.NDArray[np.float64]:
    """Ground size of a pixel in each row of a buffered tile whose unbuffered top is `top_m`."""
    mercator_px_m = 2 * math.pi * EARTH_RADIUS_M / (TILE_SIZE_PX * 2**z)
    row_centre_m = top_m + (BUFFER_PX - 0.5 - np.arange(rows)) * mercator_px_m
    return mercator_px_m / np.cosh(row_centre_m / EARTH_RADIUS_M)  # cos(lat) = 1 / cosh(y / R)
