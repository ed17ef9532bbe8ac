"""Source CRS: which CRS data is in (its own, or the one a definition assigns) and to lon/lat."""

from __future__ import annotations

import warnings

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from geohub.errors import InvalidDataError
from geohub.messages import tr

WGS84 = CRS.from_epsg(4326)
CRS_HINT = tr("give the source CRS, e.g. crs=EPSG:32643")


def parse_crs(value: str, *, name: str) -> CRS:
    """`value` (EPSG:32643, a PROJ string, WKT) as a pyproj CRS; an InvalidDataError naming `name`."""
    try:
        return CRS.from_user_input(value)
    except CRSError:
        raise InvalidDataError(
            tr("The CRS '{crs}' given for {name} is not a CRS GeoHub knows.", crs=value, name=name)
        ) from None


def source_crs(own: str | None, assigned: str | None, geometries: np.ndarray, *, name: str) -> CRS:
    """The CRS to read `geometries` as: `assigned` wins, else the file's own.

    With neither, coordinates that all lie within lon/lat bounds are taken as WGS 84;
    anything else needs the CRS given.
    """
    if assigned:
        return parse_crs(assigned, name=name)
    if own:
        return parse_crs(own, name=name)
    if _looks_like_lonlat(geometries):
        return WGS84
    raise InvalidDataError(tr("{name} does not say its coordinate system: {hint}.", name=name, hint=CRS_HINT))


def crs_label(crs: CRS) -> str:
    """A short name: 'EPSG:32643' when it has an EPSG code, else its PROJ string."""
    authority = crs.to_authority(min_confidence=90)
    if authority is not None:
        return ":".join(authority)
    with warnings.catch_warnings():  # "you will lose information": it is only a label here
        warnings.simplefilter("ignore", UserWarning)
        return crs.to_proj4() or crs.to_wkt()


def to_wgs84(geometries: np.ndarray, crs: CRS, *, name: str) -> np.ndarray:
    """`geometries` transformed from `crs` to lon/lat WGS 84 (x = longitude).

    A CRS whose datum has no known shift to WGS 84 (PROJ's "ballpark" offset, e.g. an ESRI .prj
    of a local grid, which cannot carry +towgs84) would put data up to hundreds of metres off:
    refused, the user gives the CRS with its shift instead.
    """
    if crs.equals(WGS84, ignore_axis_order=True):
        return geometries
    transformer = Transformer.from_crs(crs, WGS84, always_xy=True)
    if "Ballpark" in transformer.description:
        raise InvalidDataError(
            tr(
                "{name} is in a coordinate system with no known datum shift to WGS 84, so it "
                "could land hundreds of metres off: give the source CRS with its shift, e.g. a "
                "PROJ string with +towgs84.",
                name=name,
            )
        )

    def transform(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))

    return shapely.transform(geometries, transform)


def _looks_like_lonlat(geometries: np.ndarray) -> bool:
    present = geometries[~shapely.is_missing(geometries) & ~shapely.is_empty(geometries)]
    if len(present) == 0:
        return True
    xmin, ymin, xmax, ymax = shapely.total_bounds(present)
    return bool(-180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90)
