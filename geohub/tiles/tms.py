"""The WebMercatorQuad tile matrix set (morecantile) and tile address checks."""

from __future__ import annotations

import math

import morecantile

from geohub.errors import InvalidRequestError, NotFoundError
from geohub.messages import N_, tr
from geohub.storage.base import Bbox

WEB_MERCATOR_QUAD = morecantile.tms.get("WebMercatorQuad")
TMS_ID = "WebMercatorQuad"
MAX_ZOOM = 24
EARTH_CIRCUMFERENCE_M = 2 * math.pi * 6378137.0


class TileNotFoundError(NotFoundError):
    title, slug = N_("Tile not found"), "tile-not-found"


def check_tile(z: int, x: int, y: int, minzoom: int, maxzoom: int) -> None:
    """A 404 unless z is in the tileset's range and x, y address a tile of that zoom."""
    if not 0 <= z <= MAX_ZOOM:
        raise InvalidRequestError(tr("Zoom {z} is outside 0..{max_zoom}.", z=z, max_zoom=MAX_ZOOM))
    if not minzoom <= z <= maxzoom:
        raise TileNotFoundError(
            tr(
                "This tileset has tiles from zoom {minzoom} to {maxzoom}, not {z}.",
                minzoom=minzoom,
                maxzoom=maxzoom,
                z=z,
            )
        )
    size = 2**z
    if not (0 <= x < size and 0 <= y < size):
        raise TileNotFoundError(
            tr(
                "Tile {z}/{x}/{y} does not exist: x and y run from 0 to {value}.",
                z=z,
                x=x,
                y=y,
                value=size - 1,
            )
        )


def tile_bounds_3857(z: int, x: int, y: int) -> Bbox:
    """(minx, miny, maxx, maxy) of a tile in Web Mercator metres."""
    b = WEB_MERCATOR_QUAD.xy_bounds(morecantile.Tile(x, y, z))
    return (b.left, b.bottom, b.right, b.top)


def tile_bounds_lonlat(z: int, x: int, y: int) -> Bbox:
    """(west, south, east, north) of a tile in degrees."""
    b = WEB_MERCATOR_QUAD.bounds(morecantile.Tile(x, y, z))
    return (b.left, b.bottom, b.right, b.top)


def tiles_covering(bounds: Bbox, zoom: int) -> list[tuple[int, int, int]]:
    """Every (z, x, y) of `zoom` that a lon/lat box touches."""
    west, south, east, north = bounds
    return [(t.z, t.x, t.y) for t in WEB_MERCATOR_QUAD.tiles(west, south, east, north, [zoom])]


def pixel_size_m(z: int, tile_size_px: int = 256) -> float:
    """The width of one screen pixel at zoom z, in Web Mercator metres."""
    return EARTH_CIRCUMFERENCE_M / (tile_size_px * 2**z)
