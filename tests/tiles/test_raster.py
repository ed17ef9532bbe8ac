"""Hillshade tiles of the real Almaty DEM: images, shading, NoData, outside tiles, bad calls."""

from __future__ import annotations

import io
import math
import shutil
import subprocess
from pathlib import Path

import morecantile
import numpy as np
import pytest
import rasterio
from PIL import Image
from rasterio.transform import from_bounds
from rio_tiler.io import Reader

from geohub.errors import ConfigurationError
from geohub.settings import PROJECT_ROOT
from geohub.tiles.raster import (
    MAX_SHADOW_ALPHA,
    SUN_ALTITUDE_DEG,
    SUN_AZIMUTH_DEG,
    RasterTileset,
    open_hillshade,
    render_hillshade,
)

DEM = PROJECT_ROOT / "data" / "almaty" / "dem.tif"
TMS = morecantile.tms.get("WebMercatorQuad")
CENTRAL_ALMATY = (76.95, 43.25)
MOUNTAINS = (77.0, 43.2)  # Kok-Tobe / Medeu: the DEM rises steeply to the south
NORTHERN_PLAIN = (76.9, 43.38)


@pytest.fixture(scope="module")
def hillshade() -> RasterTileset:
    return open_hillshade(DEM)


def tile_at(lon: float, lat: float, z: int) -> morecantile.Tile:
    return TMS.tile(lon, lat, z)


def pixel_at(tile: morecantile.Tile, lon: float, lat: float) -> tuple[int, int]:
    """(row, col) of the tile pixel that holds lon/lat."""
    bounds = TMS.xy_bounds(tile)
    x_m, y_m = TMS.xy(lon, lat)
    size_m = (bounds.right - bounds.left) / 256
    return int((bounds.top - y_m) // size_m), int((x_m - bounds.left) // size_m)


def decode(tile_bytes: bytes | None) -> Image.Image:
    assert tile_bytes is not None
    return Image.open(io.BytesIO(tile_bytes))


def alpha_of(tileset: RasterTileset, tile: morecantile.Tile) -> np.ndarray:
    image = decode(render_hillshade(tileset, tile.z, tile.x, tile.y, "png"))
    return np.asarray(image)[..., 3]


def test_open_hillshade_reads_bounds_from_the_file(hillshade: RasterTileset) -> None:
    with rasterio.open(DEM) as dem:
        assert hillshade.bounds == pytest.approx(tuple(dem.bounds))
    assert (hillshade.id, hillshade.minzoom, hillshade.maxzoom) == ("hillshade", 8, 15)
    assert hillshade.attribution == "SRTM data courtesy of NASA/USGS"


def test_missing_dem_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot open the DEM"):
        open_hillshade(tmp_path / "no-such-dem.tif")


@pytest.mark.parametrize(("image_format", "pillow_format"), [("png", "PNG"), ("webp", "WEBP")])
def test_central_tile_is_a_256px_rgba_image(
    hillshade: RasterTileset, image_format: str, pillow_format: str
) -> None:
    tile = tile_at(*CENTRAL_ALMATY, 12)
    image = decode(render_hillshade(hillshade, 12, tile.x, tile.y, image_format))
    assert (image.format, image.mode, image.size) == (pillow_format, "RGBA", (256, 256))


def test_webp_keeps_the_alpha_of_the_png(hillshade: RasterTileset) -> None:
    tile = tile_at(*MOUNTAINS, 13)
    webp = decode(render_hillshade(hillshade, tile.z, tile.x, tile.y, "webp"))
    assert np.array_equal(np.asarray(webp)[..., 3], alpha_of(hillshade, tile))


@pytest.mark.parametrize(
    ("lon", "lat", "z"),
    [(10.0, 50.0, 8), (77.3, 43.25, 12), (76.95, 43.45, 14)],
    ids=["europe", "east-of-dem", "north-of-dem"],
)
def test_tile_outside_the_dem_is_none(hillshade: RasterTileset, lon: float, lat: float, z: int) -> None:
    tile = tile_at(lon, lat, z)
    assert render_hillshade(hillshade, z, tile.x, tile.y, "png") is None


@pytest.mark.parametrize("z", [11, 12, 13])
def test_mountains_cast_more_shadow_than_the_plain(hillshade: RasterTileset, z: int) -> None:
    mountains = alpha_of(hillshade, tile_at(*MOUNTAINS, z))
    plain = alpha_of(hillshade, tile_at(*NORTHERN_PLAIN, z))
    assert mountains.mean() > 3 * plain.mean()
    assert mountains.max() > MAX_SHADOW_ALPHA / 2


def test_nodata_pixels_are_transparent(hillshade: RasterTileset) -> None:
    with rasterio.open(DEM) as dem:
        rows, cols = np.nonzero(dem.read(1) == dem.nodata)
        assert len(rows) > 0  # 47 SRTM voids (PROVENANCE.md says 43)
        lon, lat = dem.xy(rows[0], cols[0])
    tile = tile_at(lon, lat, 14)
    row, col = pixel_at(tile, lon, lat)
    with Reader(str(DEM)) as reader:  # the warped tile really is NoData there
        image = reader.tile(tile.x, tile.y, 14, tilesize=256, reproject_method="bilinear")
    assert np.ma.getmaskarray(image.array)[0, row, col]
    alpha = alpha_of(hillshade, tile)
    assert alpha[row, col] == 0
    assert alpha.max() > 0  # the rest of the tile is shaded


def test_outside_the_dem_is_transparent(hillshade: RasterTileset) -> None:
    west, _, _, north = hillshade.bounds
    tile = tile_at(west, north, 12)  # straddles the DEM's north-west corner
    alpha = alpha_of(hillshade, tile)
    bounds = TMS.xy_bounds(tile)
    size_m = (bounds.right - bounds.left) / 256
    x_m = bounds.left + (np.arange(256) + 0.5) * size_m
    y_m = bounds.top - (np.arange(256) + 0.5) * size_m
    west_m, north_m = TMS.xy(west, north)
    outside = (x_m[None, :] < west_m - size_m) | (y_m[:, None] > north_m + size_m)
    assert outside.any() and (~outside).any()
    assert (alpha[outside] == 0).all()
    assert alpha[~outside].max() > 0


@pytest.mark.parametrize("image_format", ["png", "webp"])
def test_same_tile_twice_gives_identical_bytes(hillshade: RasterTileset, image_format: str) -> None:
    tile = tile_at(*MOUNTAINS, 14)
    first = render_hillshade(hillshade, 14, tile.x, tile.y, image_format)
    assert first is not None
    assert render_hillshade(hillshade, 14, tile.x, tile.y, image_format) == first


@pytest.mark.parametrize(
    ("z", "x", "y", "image_format"),
    [
        (40, 0, 0, "png"),
        (7, 93, 47, "png"),
        (16, 46811, 24021, "png"),
        (12, -1, 1500, "png"),
        (12, 2925, -1, "png"),
        (12, 4096, 1500, "png"),
        (12, 2925, 1500, "jpeg"),
    ],
    ids=["z40", "below-minzoom", "above-maxzoom", "x-1", "y-1", "x-too-big", "jpeg"],
)
def test_bad_calls_raise_value_error(
    hillshade: RasterTileset, z: int, x: int, y: int, image_format: str
) -> None:
    with pytest.raises(ValueError):
        render_hillshade(hillshade, z, x, y, image_format)


@pytest.mark.skipif(shutil.which("gdaldem") is None, reason="needs GDAL's gdaldem (Debian gdal-bin)")
def test_shading_matches_gdaldem(hillshade: RasterTileset, tmp_path: Path) -> None:
    """Our alpha equals the one derived from `gdaldem hillshade` (same central differences) on the
    same warped elevation, with gdaldem's scale set to cos(latitude) for Mercator metres."""
    tile = tile_at(*MOUNTAINS, 12)
    with Reader(str(DEM)) as reader:
        image = reader.tile(
            tile.x,
            tile.y,
            tile.z,
            tilesize=256,
            buffer=1,
            resampling_method="bilinear",
            reproject_method="bilinear",
            vrt_options={"dtype": "float32"},
        )
    assert not np.ma.getmaskarray(image.array).any()
    b = TMS.xy_bounds(tile)
    size_m = (b.right - b.left) / 256
    elevation_path, shade_path = tmp_path / "elevation.tif", tmp_path / "shade.tif"
    with rasterio.open(
        elevation_path,
        "w",
        driver="GTiff",
        width=258,
        height=258,
        count=1,
        dtype="float32",
        crs="EPSG:3857",
        transform=from_bounds(b.left - size_m, b.bottom - size_m, b.right + size_m, b.top + size_m, 258, 258),
    ) as dst:
        dst.write(image.array.data)
    _, lat = TMS.lnglat((b.left + b.right) / 2, (b.bottom + b.top) / 2)
    subprocess.run(
        ["gdaldem", "hillshade", "-q", "-alg", "ZevenbergenThorne", "-az", str(SUN_AZIMUTH_DEG),
         "-alt", str(SUN_ALTITUDE_DEG), "-s", str(math.cos(math.radians(lat))),
         str(elevation_path), str(shade_path)],
        check=True,
    )  # fmt: skip
    with rasterio.open(shade_path) as src:
        gdal_shade = (src.read(1)[1:-1, 1:-1].astype(float) - 1) / 254  # gdaldem writes 1 + 254 x shade
    flat = math.sin(math.radians(SUN_ALTITUDE_DEG))
    expected = np.rint(np.clip(1 - gdal_shade / flat, 0, 1) * MAX_SHADOW_ALPHA)
    alpha = alpha_of(hillshade, tile).astype(float)
    assert np.abs(alpha - expected).max() <= 2
    assert alpha.mean() > 5
