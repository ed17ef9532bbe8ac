"""Hostile and broken files: clear 422/413 errors or per-row problems, and nothing left in temp."""

from __future__ import annotations

import contextlib
import sqlite3
import stat
import struct
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely

from geohub.errors import GeoHubError, InvalidDataError, UploadTooLargeError
from geohub.layers.models import Source
from geohub.sources.read import ReadLimits, read_source, read_upload
from tests.conftest import DEMO_DATA
from tests.sources.read_samples import addresses_shapefile_zip, almaty_addresses, write_shapefile


@pytest.fixture(autouse=True)
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Readers' temporary files go here; it must be empty again after every test."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    assert list(folder.iterdir()) == []


def _upload(tmp_path: Path, filename: str, content: bytes) -> Path:
    path = tmp_path / "upload"
    path.write_bytes(content)
    return path


def _zip(tmp_path: Path, entries: dict[str | zipfile.ZipInfo, bytes], name: str = "upload.zip") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return path


# zips -------------------------------------------------------------------------------------------


def test_zip_bomb_is_refused_before_unpacking(tmp_path: Path, scratch: Path) -> None:
    archive = _zip(tmp_path, {"a.shp": bytes(20 << 20), "a.shx": b"", "a.dbf": b"", "a.prj": b""})
    assert archive.stat().st_size < 100_000
    with pytest.raises(
        InvalidDataError, match=r"compressed more than 100 times over: it looks like a zip bomb"
    ):
        read_upload(archive, filename="city.zip")


def test_zip_larger_than_the_cap_is_413(tmp_path: Path) -> None:
    archive = addresses_shapefile_zip(tmp_path)
    with pytest.raises(UploadTooLargeError, match=r"addresses.zip unpacks to [\d,]+ bytes; at most 1,000"):
        read_upload(archive, filename="addresses.zip", limits=ReadLimits(max_unpacked_bytes=1000))
    assert UploadTooLargeError.status == 413


def test_zip_with_too_many_entries(tmp_path: Path) -> None:
    archive = _zip(tmp_path, {f"f{i}.txt": b"" for i in range(10_001)})
    with pytest.raises(InvalidDataError, match=r"holds 10,001 entries; at most 10,000"):
        read_upload(archive, filename="many.zip")


@pytest.mark.parametrize("entry", ["../../etc/a.shp", "/tmp/a.shp", "data/../../a.shp", "C:\\a.shp"])
def test_zip_slip_is_refused(tmp_path: Path, entry: str) -> None:
    archive = _zip(tmp_path, {entry: b"x"})
    with pytest.raises(InvalidDataError, match=r"holds an entry that points outside the archive"):
        read_upload(archive, filename="slip.zip")


def test_zip_with_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("a.shp")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    archive = _zip(tmp_path, {link: b"/etc/passwd"})
    with pytest.raises(InvalidDataError, match=r"holds a symbolic link"):
        read_upload(archive, filename="link.zip")


def test_shapefile_without_prj_asks_for_the_crs(tmp_path: Path) -> None:
    archive = addresses_shapefile_zip(tmp_path, crs="EPSG:32643", skip=(".prj",))
    with pytest.raises(
        InvalidDataError, match=r"addresses.shp has no .prj file .*: give the source CRS, e.g. crs=EPSG:32643"
    ):
        read_upload(archive, filename="addresses.zip")
    points, _ = almaty_addresses()
    data = read_upload(archive, filename="addresses.zip", crs="EPSG:32643")
    assert float(shapely.hausdorff_distance(data.geometries, points).max()) < 1e-7


@pytest.mark.parametrize("part", [".shx", ".dbf"])
def test_shapefile_without_its_parts(tmp_path: Path, part: str) -> None:
    archive = addresses_shapefile_zip(tmp_path, skip=(part,))
    with pytest.raises(InvalidDataError, match=rf"the Shapefile addresses.shp has no {part} file"):
        read_upload(archive, filename="addresses.zip")


def test_zip_without_any_dataset(tmp_path: Path) -> None:
    archive = _zip(tmp_path, {"readme.txt": b"hello", "photo.jpg": b"\xff\xd8"})
    with pytest.raises(InvalidDataError, match=r"holds no Shapefile, GeoPackage, GeoJSON, KML or CSV file"):
        read_upload(archive, filename="docs.zip")


def test_damaged_zip(tmp_path: Path) -> None:
    content = addresses_shapefile_zip(tmp_path).read_bytes()
    path = _upload(tmp_path, "x.zip", content[: len(content) // 2])
    with pytest.raises(InvalidDataError, match=r"addresses.zip is not a readable zip archive"):
        read_upload(path, filename="addresses.zip")


# broken files ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        (
            "a.geojson",
            b'{"type": "FeatureCollection", "features": [{"type": "Feat',
            "a.geojson cannot be read",
        ),
        ("a.geojson", b"", "a.geojson is empty"),
        ("a.csv", b"   \n", "a.csv is empty"),
        ("a.kml", b"<html><body>not kml</body></html>", "a.kml is named like a KML file but holds XML other"),
        ("a.kml", b"<kml><Document><Placemark>", "a.kml cannot be read"),
        ("a.csv", np.random.default_rng(7).integers(0, 256, 4096, dtype=np.uint8).tobytes(), "is not a text"),
        ("a.csv", b"name,street\nx,y\n", "a.csv has no coordinate columns: .* its columns are: name, street"),
        ("a.csv", b"lon,lat,LON\n1,2,3\n", "a.csv names a column more than once: LON, lon"),
    ],
)
def test_unreadable_file_is_a_clear_422(tmp_path: Path, filename: str, content: bytes, message: str) -> None:
    with pytest.raises(InvalidDataError, match=message) as error:
        read_upload(_upload(tmp_path, filename, content), filename=filename)
    assert error.value.status == 422


def test_truncated_geopackage(tmp_path: Path) -> None:
    content = (DEMO_DATA / "buildings.gpkg").read_bytes()
    path = _upload(tmp_path, "b.gpkg", content[:200_000])
    with pytest.raises(InvalidDataError, match=r"buildings.gpkg cannot be read"):
        read_upload(path, filename="buildings.gpkg", layer="buildings")


def test_no_reader_error_escapes_as_a_crash(tmp_path: Path) -> None:
    """Every prefix of a real GeoPackage and zip is read or refused with a GeoHubError."""
    gpkg = (DEMO_DATA / "districts.gpkg").read_bytes()
    archive = addresses_shapefile_zip(tmp_path).read_bytes()
    for content, filename in [(gpkg, "d.gpkg"), (archive, "a.zip")]:
        for size in range(64, len(content), max(len(content) // 25, 1)):
            with contextlib.suppress(GeoHubError):
                read_upload(_upload(tmp_path, filename, content[:size]), filename=filename, layer="districts")


# CSV rows -----------------------------------------------------------------------------------------

BROKEN_CSV = """id,lon,lat,name
1,76.9456,43.2567,Парк Горького
2,abc,43.25,bad lon
3,76.95,,empty lat
4,76.95,43.25
5,76.95,43.25,Достык,extra
6,76.9,430.0,out of range

7,76.91,43.21,"quoted, with comma"
"""


def test_csv_broken_rows_become_row_problems(tmp_path: Path) -> None:
    data = read_upload(_upload(tmp_path, "a.csv", BROKEN_CSV.encode()), filename="a.csv")
    assert len(data) == 7
    assert data.row_numbers == [2, 3, 4, 5, 6, 7, 9]
    assert {i: (str(data.row_label(i)), str(problem)) for i, problem in data.row_problems.items()} == {
        1: ("line 3", "lon 'abc' is not a number"),
        2: ("line 4", "lat is empty"),
        3: ("line 5", "has 3 values, but the header has 4 columns"),
        4: ("line 6", "has 5 values, but the header has 4 columns"),
        5: ("line 7", "(76.9, 430) is not a lon/lat position"),
    }
    assert [g is None for g in data.geometries] == [False, True, True, True, True, True, False]
    assert shapely.equals(data.geometries[0], shapely.Point(76.9456, 43.2567))
    assert data.columns["name"][0] == "Парк Горького"
    assert data.columns["name"][6] == "quoted, with comma"
    assert data.columns["id"] == ["1", "2", "3", "4", "5", "6", "7"]


def test_csv_bad_wkt_rows(tmp_path: Path) -> None:
    text = "id\twkt\n1\tPOINT (76.9 43.2)\n2\tPOINT (76.9\n3\t\n4\tLINESTRING (76.9 43.2, 76.95 43.25)\n"
    data = read_upload(_upload(tmp_path, "a.tsv", text.encode()), filename="a.tsv")
    assert {i: (str(data.row_label(i)), str(problem)) for i, problem in data.row_problems.items()} == {
        1: ("line 3", "wkt 'POINT (76.9' is not valid WKT"),
        2: ("line 4", "wkt is empty"),
    }
    assert shapely.get_type_id(data.geometries[[0, 3]]).tolist() == [0, 1]


def test_csv_where_no_row_can_be_read(tmp_path: Path) -> None:
    path = _upload(tmp_path, "a.csv", b"lon,lat\nx,y\n1,\n")
    with pytest.raises(
        InvalidDataError, match=r"No row of a.csv could be read; the first, line 2: lon 'x' is not a number"
    ):
        read_upload(path, filename="a.csv")


def test_csv_with_only_a_header_has_no_rows(tmp_path: Path) -> None:
    data = read_upload(_upload(tmp_path, "a.csv", b"lon,lat,name\n"), filename="a.csv")
    assert len(data) == 0 and data.columns == {"lon": [], "lat": [], "name": []}


@pytest.mark.parametrize(
    ("encoding", "prefix"), [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1251", b"")]
)
def test_csv_encodings(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    text = "Долгота;Широта;lon;lat;Название\n76,9;43,2;76.9;43.2;Медеуский район\n"
    data = read_upload(_upload(tmp_path, "a.csv", prefix + text.encode(encoding)), filename="a.csv")
    assert data.columns["Название"] == ["Медеуский район"]
    assert shapely.equals(data.geometries[0], shapely.Point(76.9, 43.2))


# geometries ---------------------------------------------------------------------------------------


def test_undecodable_and_empty_geometries(tmp_path: Path) -> None:
    points, fields = almaty_addresses()
    path = tmp_path / "a.gpkg"
    pyogrio.raw.write(
        path,
        shapely.to_wkb(points),
        list(fields.values()),
        list(fields),
        geometry_type="Point",
        crs="EPSG:4326",
        layer_options={"SPATIAL_INDEX": "NO"},  # no R-tree triggers to trip over
    )
    # GeoPackage blob header (GP, v0, little endian, no envelope, SRID 4326) + WKB of a polygon
    # whose ring is not closed: GDAL passes it on, GEOS cannot build it.
    ring = [(76.9, 43.2), (76.91, 43.2), (76.91, 43.21), (76.9, 43.21)]
    wkb = (
        struct.pack("<bII", 1, 3, 1)
        + struct.pack("<I", len(ring))
        + b"".join(struct.pack("<dd", *p) for p in ring)
    )
    blob = b"GP\x00\x01" + struct.pack("<i", 4326) + wkb
    with sqlite3.connect(path) as db:
        db.execute("UPDATE a SET geom = ? WHERE fid = 3", [blob])
        db.execute("UPDATE a SET geom = X'47500003E6100000DEADBEEF' WHERE fid = 4")
        db.execute("UPDATE a SET geom = NULL WHERE fid = 5")
    data = read_upload(path, filename="a.gpkg")
    assert {i: (str(data.row_label(i)), str(p)) for i, p in data.row_problems.items()} == {
        2: ("feature 3", "its geometry cannot be decoded")
    }
    assert data.geometries[2] is None and data.geometries[3] is None and data.geometries[4] is None
    assert len(data) == len(points)


def test_mixed_geometry_types_are_read(tmp_path: Path) -> None:
    path = tmp_path / "mixed.geojson"
    path.write_text(
        '{"type":"FeatureCollection","features":['
        '{"type":"Feature","properties":{"n":1},"geometry":{"type":"Point","coordinates":[76.9,43.2]}},'
        '{"type":"Feature","properties":{"n":2},"geometry":{"type":"LineString","coordinates":[[76.9,43.2],[77,43.3]]}},'
        '{"type":"Feature","properties":{"n":3},"geometry":null}]}'
    )
    data = read_upload(path, filename="mixed.geojson")
    assert shapely.get_type_id(data.geometries).tolist() == [0, 1, -1]
    assert data.columns["n"] == [1, 2, 3]


def test_shapefile_plain_path_without_shx(tmp_path: Path) -> None:
    points, fields = almaty_addresses()
    shp = write_shapefile(tmp_path / "s", "addresses", points, fields, crs="EPSG:4326")
    shp.with_suffix(".shx").unlink()
    with pytest.raises(
        InvalidDataError, match=r"addresses.shp: the Shapefile addresses.shp has no .shx file"
    ):
        read_source(Source(path=Path("addresses.shp")), shp.parent)
    with pytest.raises(InvalidDataError, match=r"addresses.shp: upload a Shapefile as one .zip holding"):
        read_upload(shp, filename="addresses.shp")


# every detail has its Russian and Kazakh forms ---------------------------------------------------


def test_read_errors_are_translated(tmp_path: Path) -> None:
    """Each refusal the readers raise is said differently in kk, ru and en."""
    link = zipfile.ZipInfo("a.shp")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    uploads: list[tuple[str, bytes | Path, dict[str, str]]] = [
        ("a.geojson", b"", {}),
        ("a.geojson", b'{"type": "Feat', {}),
        ("a.csv", bytes(100), {}),
        ("a.csv", b"name\nx\n", {}),
        ("a.csv", b"lon,lat,LON\n", {}),
        ("a.csv", b"lon,lat\nx,1\n", {}),
        ("a.csv", b"lon,lat\n1,2\n", {"layer": "x"}),
        ("a.csv", b"x,y\n300000,4800000\n", {}),
        ("a.csv", b"lon,lat\n76.9,43.2\n", {"crs": "EPSG:999999"}),
        ("a.pdf", b"%PDF", {}),
        ("a.shp", b"\x00\x00\x27\x0a", {}),
        ("a.gpkg", b"lon,lat\n", {}),
        ("a.zip", _zip(tmp_path, {"../a.shp": b"x"}, "slip.zip"), {}),
        ("a.zip", _zip(tmp_path, {link: b"/etc/passwd"}, "link.zip"), {}),
        ("a.zip", _zip(tmp_path, {"a.txt": b"x"}, "text.zip"), {}),
        ("a.zip", b"PK\x03\x04broken", {}),
        ("a.zip", addresses_shapefile_zip(tmp_path / "1", skip=(".prj",)), {}),
        ("a.zip", addresses_shapefile_zip(tmp_path / "2", skip=(".dbf",)), {}),
        ("d.gpkg", DEMO_DATA / "districts.gpkg", {}),
        ("d.gpkg", DEMO_DATA / "districts.gpkg", {"layer": "x"}),
    ]
    details = []
    for filename, content, options in uploads:
        path = content if isinstance(content, Path) else _upload(tmp_path, filename, content)
        with pytest.raises(GeoHubError) as error:
            read_upload(path, filename=filename, **options)  # type: ignore[arg-type]
        details.append(error.value.message)
    with pytest.raises(UploadTooLargeError) as too_large:
        archive = addresses_shapefile_zip(tmp_path / "3")
        read_upload(archive, filename="a.zip", limits=ReadLimits(max_unpacked_bytes=10))
    details.append(too_large.value.message)
    assert len({str(d) for d in details}) == len(details)
    for detail in details:
        english, russian, kazakh = (detail.render(language) for language in ("en", "ru", "kk"))
        assert len({english, russian, kazakh}) == 3, english
