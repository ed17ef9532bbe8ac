"""Round trips: real Almaty points and footprints written in local CRSs, read back as lon/lat."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from geohub.errors import InvalidDataError
from geohub.layers.models import Source
from geohub.sources.read import read_source, read_upload
from tests.sources.read_samples import (
    almaty_addresses,
    almaty_buildings,
    project,
    write_layer,
    write_shapefile,
    zip_shapefile,
)

# An invented city grid: transverse Mercator on Almaty's meridian over Krassowsky (Pulkovo 1942),
# with a 7-parameter shift to WGS 84 and false origin offsets that keep coordinates small.
LOCAL_GRID = (
    "+proj=tmerc +lat_0=0 +lon_0=76.9 +k=1 +x_0=300000 +y_0=-4700000 +ellps=krass "
    "+towgs84=23.92,-141.27,-80.9,0,0.35,0.82,-0.12 +units=m +no_defs"
)
CRSES = ["EPSG:32642", "EPSG:32643", "EPSG:28412", "EPSG:28413", LOCAL_GRID]
# 1e-7 degrees is ~1 cm here. The same pyproj operation runs both ways in each round trip
# (the Pulkovo 1942 datum shift is a Helmert transform, exactly invertible), so only float
# rounding and the files' own coordinate precision remain.
TOLERANCE_DEG = 1e-7


def _max_error_deg(read: np.ndarray, expected: np.ndarray) -> float:
    return float(shapely.hausdorff_distance(read, expected).max())


def _parcels_zip(tmp_path: Path, crs: str) -> Path:
    buildings = almaty_buildings()
    fields = {"n": np.arange(len(buildings))}
    shp = write_shapefile(tmp_path / "src", "parcels", project(buildings, crs), fields, crs=crs)
    return zip_shapefile(shp, tmp_path / "parcels.zip")


@pytest.mark.parametrize("crs", CRSES[:4])
def test_zipped_shapefile_in_its_own_crs(tmp_path: Path, crs: str) -> None:
    data = read_upload(_parcels_zip(tmp_path, crs), filename="parcels.zip")
    assert _max_error_deg(data.geometries, almaty_buildings()) < TOLERANCE_DEG
    assert data.source_crs == crs


def test_shapefile_of_a_local_grid_needs_the_crs_given(tmp_path: Path) -> None:
    """An ESRI .prj cannot carry +towgs84: read as is, the local grid would land ~50 m off."""
    archive = _parcels_zip(tmp_path, LOCAL_GRID)
    with pytest.raises(
        InvalidDataError, match=r"parcels.shp is in a coordinate system with no known datum shift"
    ):
        read_upload(archive, filename="parcels.zip")
    data = read_upload(archive, filename="parcels.zip", crs=LOCAL_GRID)
    assert _max_error_deg(data.geometries, almaty_buildings()) < TOLERANCE_DEG
    assert "+towgs84=23.92,-141.27,-80.9" in data.source_crs


@pytest.mark.parametrize("crs", CRSES)
def test_geopackage_in_its_own_crs(tmp_path: Path, crs: str) -> None:
    points, fields = almaty_addresses()
    path = write_layer(tmp_path / "a.gpkg", project(points, crs), fields, crs=crs)
    data = read_source(Source(path=path), tmp_path)
    assert _max_error_deg(data.geometries, points) < TOLERANCE_DEG


@pytest.mark.parametrize("crs", ["EPSG:32643", "EPSG:28413"])
def test_geojson_with_a_crs_member(tmp_path: Path, crs: str) -> None:
    points, fields = almaty_addresses()
    path = write_layer(tmp_path / "a.geojson", project(points, crs), fields, crs=crs)
    assert crs.split(":")[1] in path.read_text()
    data = read_upload(path, filename="a.geojson")
    assert data.source_crs == crs
    assert _max_error_deg(data.geometries, points) < TOLERANCE_DEG


@pytest.mark.parametrize("crs", CRSES)
def test_csv_x_y_with_the_crs_given(tmp_path: Path, crs: str) -> None:
    points, _ = almaty_addresses()
    projected = project(points, crs)
    path = tmp_path / "a.csv"
    path.write_text("x,y\n" + "".join(f"{p.x!r},{p.y!r}\n" for p in projected), encoding="utf-8")
    data = read_upload(path, filename="a.csv", crs=crs)
    assert _max_error_deg(data.geometries, points) < TOLERANCE_DEG


def test_csv_x_y_in_metres_without_a_crs_asks_for_one(tmp_path: Path) -> None:
    points, _ = almaty_addresses()
    path = tmp_path / "a.csv"
    path.write_text("x,y\n" + "".join(f"{p.x!r},{p.y!r}\n" for p in project(points, "EPSG:32643")))
    with pytest.raises(
        InvalidDataError,
        match=r"a.csv does not say its coordinate system: give the source CRS, e.g. crs=EPSG:32643",
    ):
        read_upload(path, filename="a.csv")


def test_assigned_crs_overrides_a_wrong_one(tmp_path: Path) -> None:
    """A department's file labelled UTM 42N that really holds UTM 43N coordinates."""
    points, fields = almaty_addresses()
    path = write_layer(tmp_path / "a.gpkg", project(points, "EPSG:32643"), fields, crs="EPSG:32642")
    wrong = read_source(Source(path=path), tmp_path)
    assert _max_error_deg(wrong.geometries, points) > 1
    right = read_source(Source(path=path, crs="EPSG:32643"), tmp_path)
    assert right.source_crs == "EPSG:32643"
    assert _max_error_deg(right.geometries, points) < TOLERANCE_DEG


def test_geopackage_without_crs_in_metres_is_refused(tmp_path: Path) -> None:
    points, fields = almaty_addresses()
    path = write_layer(tmp_path / "a.gpkg", project(points, "EPSG:32643"), fields, crs=None)
    with pytest.raises(InvalidDataError, match=r"does not say its coordinate system"):
        read_source(Source(path=path), tmp_path)
    assert (
        _max_error_deg(read_source(Source(path=path, crs="EPSG:32643"), tmp_path).geometries, points) < 1e-7
    )


def test_unknown_crs_is_a_clear_error(tmp_path: Path) -> None:
    points, fields = almaty_addresses()
    path = write_layer(tmp_path / "a.geojson", points, fields)
    with pytest.raises(
        InvalidDataError, match=r"The CRS 'EPSG:999999' given for a.geojson is not a CRS GeoHub knows"
    ):
        read_upload(path, filename="a.geojson", crs="EPSG:999999")
