"""The sandboxed reader of untrusted files: one driver per kind, no network, counts before the
read, a hard time bound, and nothing it reads but the file it was given."""

from __future__ import annotations

import http.server
import json
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
import shapely

from geohub.errors import InvalidDataError, UploadTimeoutError, UploadTooLargeError
from geohub.sources.read import ReadLimits, read_upload
from geohub.sources.sandbox import child_environment
from geohub.sources.sandbox.landlock import landlock_abi
from tests.sources.hostile_files import SECRET, secret_csv, vrt_naming
from tests.sources.read_samples import almaty_addresses, write_layer, write_shapefile, zip_shapefile


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    return secret_csv(tmp_path)


def test_a_vrt_named_kml_is_refused(tmp_path: Path, secret_file: Path) -> None:
    upload = tmp_path / "upload.kml"
    upload.write_text(vrt_naming(secret_file))
    with pytest.raises(InvalidDataError, match="named like a KML file but holds XML other than KML"):
        read_upload(upload, filename="parks.kml", crs="EPSG:4326")


def test_a_vrt_inside_a_kml_root_names_nothing_gdal_follows(tmp_path: Path, secret_file: Path) -> None:
    """A <kml> document is read by the KML driver alone: a VRT inside it is just unknown markup."""
    upload = tmp_path / "upload.kml"
    inner = vrt_naming(secret_file).split("\n", 1)[1]
    upload.write_text(f'<kml xmlns="http://www.opengis.net/kml/2.2"><Document>{inner}</Document></kml>')
    try:
        data = read_upload(upload, filename="parks.kml")
    except InvalidDataError as error:
        assert SECRET not in error.detail
        return
    assert SECRET not in json.dumps(data.columns, default=str)


def test_a_vrt_zipped_as_kml_is_refused(tmp_path: Path, secret_file: Path) -> None:
    archive = tmp_path / "upload.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("doc.kml", vrt_naming(secret_file))
    with pytest.raises(InvalidDataError, match=r"doc\.kml is named like a KML file but holds XML other"):
        read_upload(archive, filename="parks.kmz")


def _geopackage_with(tmp_path: Path, statement: str) -> Path:
    points, fields = almaty_addresses()
    path = write_layer(tmp_path / "a.gpkg", points, fields, layer="addresses")
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute(statement)
    return path


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        (
            "INSERT INTO sqlite_master VALUES ('table', 'stolen', 'stolen', 0, "
            "'CREATE VIRTUAL TABLE stolen USING VirtualOGR(''/etc/passwd'')')",
            "holds a virtual table \\(stolen\\)",
        ),
        ("CREATE VIEW everything AS SELECT * FROM addresses", "holds a view \\(everything\\)"),
    ],
)
def test_a_geopackage_that_reaches_outside_is_refused(tmp_path: Path, statement: str, message: str) -> None:
    path = _geopackage_with(tmp_path, statement)
    with pytest.raises(InvalidDataError, match=message):
        read_upload(path, filename="addresses.gpkg")


def test_a_plain_sqlite_file_named_gpkg_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.gpkg"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    with pytest.raises(InvalidDataError, match="SQLite database other than GeoPackage"):
        read_upload(path, filename="a.gpkg")


@pytest.mark.parametrize(
    ("driver", "expected"),
    [
        ("GPKG", {"GPKG"}),
        ("GeoJSON", {"GeoJSON"}),
        ("ESRI Shapefile", {"ESRI Shapefile"}),
        ("KML", {"KML"}),
        (None, set()),
    ],
)
def test_the_reader_registers_only_the_declared_kinds_driver(
    tmp_path: Path, driver: str | None, expected: set[str]
) -> None:
    script = "import json, pyogrio; print(json.dumps(sorted(pyogrio.list_drivers())))"
    out = subprocess.run(
        [sys.executable, "-I", "-c", script],
        env=child_environment([driver] if driver else [], tmp_path),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert set(json.loads(out)) == expected


class _Counting(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'{"type": "FeatureCollection", "features": []}')

    do_HEAD = do_GET

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that only counts what reaches it."""
    _Counting.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Counting.hits
    server.shutdown()
    server.server_close()


def test_gdal_in_the_reader_reaches_no_network(tmp_path: Path, listener: tuple[str, list[str]]) -> None:
    """Even a driver that would fetch a URL gets nowhere: a namespace without network where the
    kernel allows one, and GDAL's dead proxy and /vsicurl/ allow-list everywhere."""
    base, hits = listener
    script = (
        "import sys, pyogrio\n"
        "from geohub.sources.sandbox.child import _leave_network\n"
        "print(_leave_network())\n"
        "for path in sys.argv[1:]:\n"
        "    try:\n"
        "        pyogrio.read_info(path)\n"
        "        print('opened', path)\n"
        "    except Exception as exc:\n"
        "        print('refused', type(exc).__name__)\n"
    )
    urls = [f"/vsicurl/{base}/a.geojson", f"GeoJSON:{base}/b.geojson", f"/vsicurl_streaming/{base}/c.json"]
    result = subprocess.run(
        [sys.executable, "-I", "-c", script, *urls],
        env=child_environment(["GeoJSON"], tmp_path),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "opened" not in result.stdout
    assert hits == []


def _wide_geojson(path: Path, fields: int, features: int = 10) -> Path:
    properties = {f"f{i}": i for i in range(fields)}
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [76.9, 43.2]}}
    collection = {"type": "FeatureCollection", "features": [{**feature, "properties": properties}] * features}
    path.write_text(json.dumps(collection))
    return path


def _wide_csv(path: Path, fields: int) -> Path:
    header = ",".join(["lon", "lat"] + [f"f{i}" for i in range(fields)])
    path.write_text(header + "\n" + ",".join(["76.9", "43.2"] + ["1"] * fields) + "\n")
    return path


def _wide_geopackage(path: Path, fields: int) -> Path:
    points = np.array([shapely.Point(76.9, 43.2)])
    return write_layer(path, points, {f"f{i}": np.array([i]) for i in range(fields)}, layer="wide")


def _wide_shapefile(path: Path, fields: int) -> Path:
    points = np.array([shapely.Point(76.9, 43.2)])
    columns = {f"f{i}": np.array([i]) for i in range(fields)}
    shp = write_shapefile(path.parent / "shp", "wide", points, columns, crs="EPSG:4326")
    return zip_shapefile(shp, path)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("wide.geojson", _wide_geojson),
        ("wide.csv", _wide_csv),
        ("wide.gpkg", _wide_geopackage),
        ("wide.zip", _wide_shapefile),
    ],
)
def test_too_many_fields_is_413_from_metadata(tmp_path: Path, name: str, make: object) -> None:
    path = make(tmp_path / name, 120)  # type: ignore[operator]
    with pytest.raises(UploadTooLargeError, match=r"has 12\d fields; at most 100 are read in one import"):
        read_upload(path, filename=name, limits=ReadLimits(max_fields=100))


def test_too_many_rows_is_413(tmp_path: Path) -> None:
    points, fields = almaty_addresses()
    path = write_layer(tmp_path / "a.gpkg", points, fields, layer="addresses")
    with pytest.raises(UploadTooLargeError, match=rf"has {len(points)} rows; at most 10 are read"):
        read_upload(path, filename="a.gpkg", limits=ReadLimits(max_rows=10))


def _readers() -> int:
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    return sum("geohub.sources.sandbox.child" in line for line in ps.splitlines())


def test_a_read_longer_than_the_bound_is_stopped(tmp_path: Path) -> None:
    """20,000 fields in 10 features take GDAL ~20 s to decode: the reader is killed at the bound."""
    path = _wide_geojson(tmp_path / "wide.geojson", 20_000)
    before = _readers()
    started = time.monotonic()
    with pytest.raises(UploadTimeoutError, match=r"wide.geojson took longer than 3 s to read") as error:
        read_upload(path, filename="wide.geojson", limits=ReadLimits(timeout_s=3, max_fields=100_000))
    assert time.monotonic() - started < 10
    assert error.value.status == 422
    assert _readers() == before  # the reader process is gone, not left running


def test_what_the_reader_hands_back_equals_what_gdal_reads(tmp_path: Path) -> None:
    points, fields = almaty_addresses()
    path = write_layer(tmp_path / "a.gpkg", points, fields, layer="addresses")
    data = read_upload(path, filename="a.gpkg")
    assert list(data.columns) == ["street", "house_no"]
    assert data.columns["street"] == fields["street"].tolist()
    assert bool(shapely.equals_exact(data.geometries, points, tolerance=1e-9).all())
    assert data.source_crs == "EPSG:4326"


def test_too_many_values_is_413(tmp_path: Path) -> None:
    points, fields = almaty_addresses()
    path = write_layer(tmp_path / "a.gpkg", points, fields, layer="addresses")
    expected = rf"holds {len(points) * 2} values \({len(points)} rows × 2 fields\); at most 50 are read"
    with pytest.raises(UploadTooLargeError, match=expected):
        read_upload(path, filename="a.gpkg", limits=ReadLimits(max_cells=50))


def test_a_geojson_crs_link_is_not_fetched(tmp_path: Path, listener: tuple[str, list[str]]) -> None:
    """GeoJSON's old linked CRS makes plain GDAL fetch its URL; in the reader it fetches nothing."""
    base, hits = listener
    path = tmp_path / "link.geojson"
    feature = {
        "type": "Feature",
        "properties": {"a": 1},
        "geometry": {"type": "Point", "coordinates": [76.9, 43.2]},
    }
    crs = {"type": "link", "properties": {"href": f"{base}/crs.wkt", "type": "ogcwkt"}}
    path.write_text(json.dumps({"type": "FeatureCollection", "crs": crs, "features": [feature]}))
    plain = "import sys, pyogrio; pyogrio.read_info(sys.argv[1])"
    subprocess.run([sys.executable, "-c", plain, str(path)], capture_output=True, check=False, timeout=60)
    assert hits == ["/crs.wkt"]  # the danger is real: GDAL left alone asks the URL
    data = read_upload(path, filename="link.geojson")
    assert len(data) == 1
    assert hits == ["/crs.wkt"]  # and the sandboxed read asked nothing more


def _child(request: dict[str, object], workdir: Path, driver: str | None) -> dict[str, object]:
    """Run the reader process itself on `request`, as the sandbox does, and return its answer."""
    result = subprocess.run(
        [sys.executable, "-I", "-m", "geohub.sources.sandbox.child"],
        input=json.dumps(request),
        env=child_environment([driver] if driver else [], workdir),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    answer: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


@pytest.mark.skipif(landlock_abi() < 1, reason="the kernel has no Landlock")
def test_the_reader_cannot_open_a_file_outside_its_work_folder(tmp_path: Path, secret_file: Path) -> None:
    """Were a driver ever to follow a path written in a file, the kernel still refuses it: here the
    reader is pointed straight at a file outside its work folder, and cannot read it."""
    workdir = tmp_path / "work"
    workdir.mkdir()
    shutil.copy(secret_file, workdir / "inside.csv")
    request = {
        "kind": "csv",
        "name": "accounts.csv",
        "layer": None,
        "crs": "EPSG:4326",
        "drivers": [],
        "limits": ReadLimits().to_json(),
        "out": str(workdir / "result.arrow"),
        "workdir": str(workdir),
    }
    inside = _child({**request, "path": str(workdir / "inside.csv")}, workdir, None)
    assert inside["ok"] is True and str(inside["files"]).startswith("landlock v")
    outside = _child({**request, "path": str(secret_file)}, workdir, None)
    assert outside == {"ok": False, "error": "unreadable", "detail": "PermissionError"}


@pytest.mark.skipif(landlock_abi() < 4, reason="the kernel's Landlock has no network rules")
def test_a_fenced_process_opens_no_tcp_connection(tmp_path: Path, listener: tuple[str, list[str]]) -> None:
    """Landlock alone (no namespace) keeps the reader off every TCP port, loopback included."""
    base, hits = listener
    script = (
        "import sys, socket, pathlib\n"
        "from geohub.sources.sandbox.landlock import restrict\n"
        "print(restrict(readable=[], writable=[pathlib.Path(sys.argv[1])]))\n"
        "host, port = sys.argv[2].rsplit(':', 1)\n"
        "try:\n"
        "    socket.create_connection((host.removeprefix('http://'), int(port)), timeout=5)\n"
        "    print('connected')\n"
        "except OSError as exc:\n"
        "    print('refused', exc.errno)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path), base], capture_output=True, text=True, check=True
    )
    assert "connected" not in result.stdout and "refused 13" in result.stdout  # EACCES
    assert hits == []
