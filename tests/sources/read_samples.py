"""Sample source files for the read tests, written with real GDAL (pyogrio) from the Almaty data."""

from __future__ import annotations

import zipfile
from functools import cache
from pathlib import Path

import numpy as np
import pyogrio
import shapely
from pyproj import Transformer

from tests.conftest import DEMO_DATA

SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


@cache
def almaty_addresses(count: int = 40) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The first `count` real address points (lon/lat) with their street and house number."""
    meta, _, wkb, values = pyogrio.raw.read(
        DEMO_DATA / "addresses.gpkg", layer="addresses", max_features=count, columns=["street", "housenumber"]
    )
    assert meta["crs"] == "EPSG:4326"
    fields = dict(zip(meta["fields"], values, strict=True))
    return shapely.from_wkb(wkb), {"street": fields["street"], "house_no": fields["housenumber"]}


@cache
def almaty_buildings(count: int = 20) -> np.ndarray:
    """The first `count` real building footprints (lon/lat MultiPolygons)."""
    _, _, wkb, _ = pyogrio.raw.read(DEMO_DATA / "buildings.gpkg", layer="buildings", max_features=count)
    return shapely.from_wkb(wkb)


def project(geometries: np.ndarray, crs: str) -> np.ndarray:
    """Lon/lat `geometries` transformed to `crs` with pyproj."""
    transformer = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    return shapely.transform(
        geometries, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
    )


def write_layer(
    path: Path,
    geometries: np.ndarray,
    fields: dict[str, np.ndarray],
    *,
    crs: str | None = "EPSG:4326",
    layer: str | None = None,
    driver: str | None = None,
    append: bool = False,
) -> Path:
    """Write one layer with pyogrio (GDAL)."""
    geometry_type = shapely.get_type_id(geometries[0])
    names = {0: "Point", 1: "LineString", 3: "Polygon", 6: "MultiPolygon"}
    pyogrio.raw.write(
        path,
        shapely.to_wkb(geometries),
        list(fields.values()),
        list(fields),
        layer=layer,
        driver=driver,
        geometry_type=names[int(geometry_type)],
        crs=crs,
        append=append,
        encoding="UTF-8" if driver == "ESRI Shapefile" or path.suffix == ".shp" else None,
    )
    return path


def write_shapefile(
    folder: Path, stem: str, geometries: np.ndarray, fields: dict[str, np.ndarray], *, crs: str | None
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_layer(folder / f"{stem}.shp", geometries, fields, driver="ESRI Shapefile", crs=crs)


def zip_shapefile(shp: Path, target: Path, *, inside: str = "", skip: tuple[str, ...] = ()) -> Path:
    """Zip the parts of the Shapefile `shp` under folder `inside`, leaving out the `skip` suffixes."""
    with zipfile.ZipFile(target, "a" if target.exists() else "w", zipfile.ZIP_DEFLATED) as archive:
        for suffix in SHAPEFILE_PARTS:
            part = shp.with_suffix(suffix)
            if part.exists() and suffix not in skip:
                archive.write(part, f"{inside}{part.name}")
    return target


def addresses_shapefile_zip(tmp: Path, *, crs: str = "EPSG:4326", skip: tuple[str, ...] = ()) -> Path:
    points, fields = almaty_addresses()
    shp = write_shapefile(tmp / "shp", "addresses", project(points, crs), fields, crs=crs)
    return zip_shapefile(shp, tmp / "addresses.zip", inside="export/", skip=skip)
