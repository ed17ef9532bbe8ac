"""Reading every file format a department has: GeoPackage, GeoJSON, Shapefile (zipped or not), CSV, KML."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely

from geohub.errors import InvalidDataError
from geohub.layers.models import Source
from geohub.sources.read import read_source, read_upload, source_fingerprint
from tests.conftest import DEMO_DATA
from tests.sources.read_samples import (
    addresses_shapefile_zip,
    almaty_addresses,
    almaty_buildings,
    write_layer,
    write_shapefile,
    zip_shapefile,
)


def _same_geometries(read: np.ndarray, expected: np.ndarray, tolerance: float = 1e-9) -> None:
    """Same shapes within `tolerance` degrees (a Shapefile turns MultiPolygons into Polygons)."""
    assert len(read) == len(expected)
    assert float(shapely.hausdorff_distance(read, expected).max()) <= tolerance


def test_geopackage_layer_reads_what_gdal_reads() -> None:
    data = read_source(Source(path=Path("buildings.gpkg"), layer="buildings"), DEMO_DATA)
    meta, _, wkb, values = pyogrio.raw.read(DEMO_DATA / "buildings.gpkg", layer="buildings")
    _same_geometries(data.geometries, shapely.from_wkb(wkb))
    assert list(data.columns) == list(meta["fields"])
    assert data.columns["name"] == values[list(meta["fields"]).index("name")].tolist()
    assert data.source_crs == "EPSG:4326"
    assert data.row_problems == {}
    assert str(data.row_label(0)) == "feature 1"


def test_geopackage_sql_is_run_by_gdal() -> None:
    source = Source(path=Path("districts.gpkg"), sql="SELECT slug, geom FROM districts WHERE slug LIKE 'a%'")
    data = read_source(source, DEMO_DATA)
    assert sorted(data.columns["slug"]) == ["alatau", "almaly", "auezov"]
    assert shapely.get_type_id(data.geometries).tolist() == [6, 6, 6]


def test_geopackage_with_several_layers_needs_one_chosen() -> None:
    with pytest.raises(
        InvalidDataError, match=r"districts.gpkg holds several layers; choose one of: districts, places"
    ):
        read_source(Source(path=Path("districts.gpkg")), DEMO_DATA)
    with pytest.raises(InvalidDataError, match=r"has no layer 'parks'; it has: districts, places"):
        read_source(Source(path=Path("districts.gpkg"), layer="parks"), DEMO_DATA)


def test_missing_source_file_is_named() -> None:
    with pytest.raises(InvalidDataError, match=r"The source file nowhere.gpkg does not exist"):
        read_source(Source(path=Path("nowhere.gpkg")), DEMO_DATA)


def test_geojson_upload_keeps_geometries_and_cyrillic_attributes(tmp_path: Path) -> None:
    points, fields = almaty_addresses()
    path = write_layer(tmp_path / "адреса.geojson", points, fields)
    data = read_upload(path, filename="адреса.geojson")
    _same_geometries(data.geometries, points)
    assert data.columns["street"] == fields["street"].tolist()
    assert any("улица" in str(s) or "проспект" in str(s) for s in data.columns["street"])


def test_zipped_shapefile_in_a_subfolder_reads(tmp_path: Path) -> None:
    points, fields = almaty_addresses()
    data = read_upload(addresses_shapefile_zip(tmp_path), filename="addresses.zip")
    _same_geometries(data.geometries, points)
    assert data.columns["street"] == fields["street"].tolist()


def test_zip_with_two_shapefiles_reads_the_chosen_one(tmp_path: Path) -> None:
    points, fields = almaty_addresses()
    buildings = almaty_buildings()
    a = write_shapefile(tmp_path / "a", "addresses", points, fields, crs="EPSG:4326")
    b = write_shapefile(
        tmp_path / "b", "buildings", buildings, {"n": np.arange(len(buildings))}, crs="EPSG:4326"
    )
    archive = zip_shapefile(b, zip_shapefile(a, tmp_path / "two.zip"))
    data = read_upload(archive, filename="two.zip", layer="buildings")
    _same_geometries(data.geometries, buildings)
    with pytest.raises(
        InvalidDataError,
        match=r"two.zip holds several datasets; choose one as the layer: addresses, buildings",
    ):
        read_upload(archive, filename="two.zip")


def test_plain_shapefile_source_and_its_fingerprint_covers_the_dbf(tmp_path: Path, registry) -> None:  # type: ignore[no-untyped-def]
    points, fields = almaty_addresses()
    shp = write_shapefile(tmp_path, "addresses", points, fields, crs="EPSG:4326")
    source = Source(path=Path("addresses.shp"))
    _same_geometries(read_source(source, tmp_path).geometries, points)
    layer = registry.get("addresses").model_copy(update={"source": source})
    before = source_fingerprint(layer, tmp_path)
    assert source_fingerprint(layer, tmp_path) == before
    with shp.with_suffix(".dbf").open("r+b") as dbf:
        dbf.seek(-2, 2)
        dbf.write(b"X")
    assert source_fingerprint(layer, tmp_path) != before


def test_remote_sources_are_always_read_again(registry) -> None:  # type: ignore[no-untyped-def]
    source = Source(kind="postgresql", url="env:GEOHUB_NOWHERE", layer="parcels")
    layer = registry.get("addresses").model_copy(update={"source": source})
    assert source_fingerprint(layer, DEMO_DATA) != source_fingerprint(layer, DEMO_DATA)


def test_kml_reads_as_lonlat(tmp_path: Path) -> None:
    buildings = almaty_buildings()
    path = write_layer(
        tmp_path / "b.kml", buildings, {"Name": np.arange(len(buildings)).astype(str)}, driver="KML"
    )
    data = read_upload(path, filename="b.kml")
    assert data.source_crs == "EPSG:4326"
    _same_geometries(data.geometries, buildings, 1e-6)


@pytest.mark.parametrize(
    ("header", "delimiter"),
    [("lon,lat", ","), ("LNG;LAT", ";"), ("Longitude\tLatitude", "\t"), ("x,y", ",")],
)
def test_csv_coordinate_columns(tmp_path: Path, header: str, delimiter: str) -> None:
    points, fields = almaty_addresses()
    lines = [f"{header}{delimiter}street"]
    lines += [
        f"{p.x!r}{delimiter}{p.y!r}{delimiter}{s or ''}"
        for p, s in zip(points, fields["street"], strict=True)
    ]
    path = tmp_path / "points.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = read_upload(path, filename="points.csv")
    _same_geometries(data.geometries, points)
    assert data.columns["street"] == [s or None for s in fields["street"].tolist()]
    assert data.row_numbers == list(range(2, len(points) + 2))
    assert str(data.row_label(0)) == "line 2"


def test_csv_wkt_column_with_polygons(tmp_path: Path) -> None:
    buildings = almaty_buildings()
    rows = ["id;WKT"] + [f'{i};"{shapely.to_wkt(b, rounding_precision=-1)}"' for i, b in enumerate(buildings)]
    path = tmp_path / "buildings.csv"
    path.write_text("\n".join(rows), encoding="utf-8")
    data = read_upload(path, filename="buildings.csv")
    _same_geometries(data.geometries, buildings)
    assert list(data.columns) == ["id"]


def test_csv_decimal_commas_with_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_text("название;долгота;широта;lon;lat\nПарк;76,9;43,25;76,9;43,25\n", encoding="utf-8")
    data = read_upload(path, filename="excel.csv")
    assert shapely.equals(data.geometries[0], shapely.Point(76.9, 43.25))
    assert data.columns["название"] == ["Парк"]


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        (
            "points.csv",
            b'{"type": "FeatureCollection", "features": []}',
            "named like a CSV text file but holds GeoJSON",
        ),
        (
            "parcels.geojson",
            b"SQLite format 3\x00" + bytes(52) + b"GPKG" + bytes(100),
            "named like a GeoJSON file but holds GeoPackage",
        ),
        (
            "parcels.gpkg",
            b"SQLite format 3\x00" + bytes(200),
            "named like a GeoPackage file but holds SQLite database other than GeoPackage",
        ),
        (
            "parcels.kml",
            b'<?xml version="1.0"?>\n<!-- a VRT under a KML name -->\n<OGRVRTDataSource></OGRVRTDataSource>',
            "named like a KML file but holds XML other than KML",
        ),
        ("parcels.gpkg", b"PK\x03\x04" + bytes(100), "named like a GeoPackage file but holds zip archive"),
        ("parcels.zip", b"lon,lat\n76.9,43.2\n", "named like a zip archive file but holds CSV text"),
        ("parcels.docx", b"lon,lat\n76.9,43.2\n", "GeoHub reads files ending in"),
    ],
)
def test_upload_name_and_content_must_agree(
    tmp_path: Path, filename: str, content: bytes, message: str
) -> None:
    path = tmp_path / "upload"
    path.write_bytes(content)
    with pytest.raises(InvalidDataError, match=message):
        read_upload(path, filename=filename)


def test_upload_is_read_from_any_stored_name(tmp_path: Path) -> None:
    """Uploads are stored under server-chosen names: the format comes from `filename`."""
    points, fields = almaty_addresses()
    stored = tmp_path / "0b5e7c"
    shutil.copy(write_layer(tmp_path / "x.gpkg", points, fields, layer="addresses"), stored)
    assert len(read_upload(stored, filename="Адреса 2026.gpkg")) == len(points)


@pytest.mark.parametrize(
    ("filename", "inner"), [("export.zip", "data/points.geojson"), ("points.kmz", "doc.kml")]
)
def test_zip_holding_one_other_dataset(tmp_path: Path, filename: str, inner: str) -> None:
    points, fields = almaty_addresses()
    written = write_layer(
        tmp_path / Path(inner).name, points, fields, driver="KML" if inner.endswith("kml") else None
    )
    archive = tmp_path / filename
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as packed:
        packed.write(written, inner)
        packed.writestr("readme.txt", "Data of the Almaty akimat")
        packed.writestr("__MACOSX/._doc.kml", "resource fork")
    data = read_upload(archive, filename=filename)
    _same_geometries(data.geometries, points, 1e-6)


def test_zip_made_on_windows_with_backslashes(tmp_path: Path) -> None:
    points, fields = almaty_addresses()
    shp = write_shapefile(tmp_path / "src", "addresses", points, fields, crs="EPSG:4326")
    archive = tmp_path / "windows.zip"
    with zipfile.ZipFile(archive, "w") as packed:
        for part in shp.parent.iterdir():
            packed.write(part, f"Export\\{part.name}")
    _same_geometries(read_upload(archive, filename="windows.zip").geometries, points)
