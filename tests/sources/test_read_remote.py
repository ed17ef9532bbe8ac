"""Remote sources against real servers: a local http.server, a real GeoHub (OAPIF), local PostgreSQL."""

from __future__ import annotations

import functools
import http.server
import json
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import ClassVar

import psycopg
import pyogrio
import pytest
import shapely

from geohub.errors import InvalidDataError, UploadTooLargeError
from geohub.layers.models import Source
from geohub.sources.read import ReadLimits, read_source
from geohub.sources.remote import read_url
from tests.features.conftest import LiveServer, LiveServers
from tests.sources.read_samples import (
    addresses_shapefile_zip,
    almaty_addresses,
    almaty_buildings,
    project,
    write_layer,
)

WFS_SERVER = Path(__file__).parents[1] / "data" / "etl" / "wfs_server.py"

# http(s) files ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def file_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A local http.server over a folder of sample files: (base URL, folder)."""
    folder = tmp_path_factory.mktemp("served")
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", folder
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_url_of_a_zipped_shapefile(
    file_server: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, folder = file_server
    archive = addresses_shapefile_zip(tmp_path, crs="EPSG:32643")
    (folder / "addresses.zip").write_bytes(archive.read_bytes())
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    data = read_source(Source(kind="url", url=f"{base}/addresses.zip"), tmp_path)
    assert list(scratch.iterdir()) == []  # the download and its unpacked files are gone
    points, _ = almaty_addresses()
    assert data.source_crs == "EPSG:32643"
    assert float(shapely.hausdorff_distance(data.geometries, points).max()) < 1e-7


def test_url_without_a_file_suffix_is_read_by_its_content(
    file_server: tuple[str, Path], tmp_path: Path
) -> None:
    base, folder = file_server
    points, fields = almaty_addresses()
    write_layer(folder / "export.geojson", points, fields)
    (folder / "export.geojson").rename(folder / "download")
    data = read_source(Source(kind="url", url=f"{base}/download"), tmp_path)
    assert len(data) == len(points)


def test_url_over_the_size_cap_is_413(file_server: tuple[str, Path], tmp_path: Path) -> None:
    base, folder = file_server
    (folder / "big.csv").write_text("lon,lat\n" + "76.9,43.2\n" * 1000)
    with pytest.raises(UploadTooLargeError, match=r"big.csv is \d+ bytes; at most 100 bytes are fetched"):
        read_url(Source(kind="url", url=f"{base}/big.csv"), limits=ReadLimits(), max_bytes=100)


@pytest.mark.parametrize(
    ("path", "message"), [("missing.gpkg", "answered HTTP 404"), ("", "cannot be fetched")]
)
def test_url_errors(file_server: tuple[str, Path], tmp_path: Path, path: str, message: str) -> None:
    base, _ = file_server
    url = f"{base}/{path}" if path else "http://127.0.0.1:9/none.csv"  # port 9: nothing listens
    with pytest.raises(InvalidDataError, match=message):
        read_source(Source(kind="url", url=url), tmp_path)


# OGC API – Features from a real GeoHub ------------------------------------------------------------


@pytest.fixture(scope="module")
def geohub_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A real `geohub serve` over the demo data on the embedded store, in its own process.

    (Apart, as in production: the sandboxed reader runs in a process of its own either way.)
    """
    with ExitStack() as stack:
        yield LiveServers(tmp_path_factory, stack).one("geopackage")


@pytest.mark.parametrize("layer_id", ["districts", "parking", "buildings"])
def test_oapif_collection_reads_what_the_store_holds(
    geohub_server: LiveServer, tmp_path: Path, layer_id: str
) -> None:
    data = read_source(Source(kind="oapif", url=geohub_server.base_url, layer=layer_id), tmp_path)
    stored = {f.id: f for f in geohub_server.stored(layer_id)}
    key = geohub_server.services.registry.get(layer_id).key
    assert len(data) == len(stored)
    for index, feature_id in enumerate(data.columns[key]):
        assert shapely.equals_exact(data.geometries[index], stored[str(feature_id)].geometry, tolerance=1e-9)
    assert data.row_problems == {}


def test_oapif_unknown_collection_lists_them(geohub_server: LiveServer, tmp_path: Path) -> None:
    with pytest.raises(InvalidDataError, match=r"has no layer 'parcels'; it has: .*buildings"):
        read_source(Source(kind="oapif", url=geohub_server.base_url, layer="parcels"), tmp_path)


# WFS ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wfs_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """tests/data/etl/wfs_server.py over a GML 3.2 file GDAL wrote in UTM 43N, in its own process."""
    folder = tmp_path_factory.mktemp("wfs")
    points, fields = almaty_addresses()
    pyogrio.raw.write(
        folder / "addresses.gml",
        shapely.to_wkb(project(points, "EPSG:32643")),
        list(fields.values()),
        list(fields),
        layer="addresses",
        driver="GML",
        geometry_type="Point",
        crs="EPSG:32643",
        dataset_options={
            "FORMAT": "GML3.2",
            "TARGET_NAMESPACE": "http://geohub.almaty.kz/almaty",
            "PREFIX": "almaty",
        },
    )
    server = subprocess.Popen(
        [sys.executable, str(WFS_SERVER), str(folder), "addresses"], stdout=subprocess.PIPE, text=True
    )
    assert server.stdout is not None
    port = server.stdout.readline().strip()
    yield f"http://127.0.0.1:{port}/wfs"
    server.terminate()
    server.wait(timeout=10)


def test_wfs_feature_type_in_utm(wfs_url: str, tmp_path: Path) -> None:
    data = read_source(Source(kind="wfs", url=wfs_url, layer="almaty:addresses"), tmp_path)
    points, fields = almaty_addresses()
    assert data.source_crs == "EPSG:32643"
    assert float(shapely.hausdorff_distance(data.geometries, points).max()) < 1e-7
    assert data.columns["street"] == [s or None for s in fields["street"].tolist()]


# PostgreSQL ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def parcels_database(postgis_url: str) -> str:
    """A schema with real footprints stored in UTM 43N, under a Cyrillic mixed-case table name."""
    buildings = almaty_buildings()
    utm = project(buildings, "EPSG:32643")
    with psycopg.connect(postgis_url, autocommit=True) as conn:
        conn.execute('DROP SCHEMA IF EXISTS "Cadastre" CASCADE')
        conn.execute('CREATE SCHEMA "Cadastre"')
        conn.execute(
            'CREATE TABLE "Cadastre"."Участки" (id serial PRIMARY KEY, "Кадастровый номер" text, '
            "area numeric(12, 2), registered date, geom geometry(MultiPolygon, 32643))"
        )
        for index, polygon in enumerate(utm):
            conn.execute(
                'INSERT INTO "Cadastre"."Участки" ("Кадастровый номер", area, registered, geom) '
                "VALUES (%s, %s, '2026-01-15', ST_GeomFromWKB(%s, 32643))",
                [f"20-311-0{index:02d}", round(float(polygon.area), 2), shapely.to_wkb(polygon)],
            )
        conn.execute('CREATE TABLE "Cadastre".no_geometry (id int)')
    return postgis_url


def test_postgresql_table_in_utm(parcels_database: str, tmp_path: Path) -> None:
    data = read_source(Source(kind="postgresql", url=parcels_database, layer="Cadastre.Участки"), tmp_path)
    buildings = almaty_buildings()
    assert data.source_crs == "EPSG:32643"
    assert list(data.columns) == ["id", "Кадастровый номер", "area", "registered"]
    order = [i - 1 for i in data.columns["id"]]
    assert float(shapely.hausdorff_distance(data.geometries, buildings[order]).max()) < 1e-7
    assert isinstance(data.columns["area"][0], float)
    assert str(data.columns["registered"][0]) == "2026-01-15"


def test_postgresql_sql_with_the_url_from_the_environment(
    parcels_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CADASTRE_DB", parcels_database)
    source = Source(
        kind="postgresql",
        url="env:CADASTRE_DB",
        sql='SELECT "Кадастровый номер" AS number, ST_Transform(geom, 4326) AS geom '
        'FROM "Cadastre"."Участки" WHERE id <= 3',
    )
    data = read_source(source, tmp_path)
    assert data.source_crs == "EPSG:4326"
    assert sorted(data.columns["number"]) == ["20-311-000", "20-311-001", "20-311-002"]


@pytest.mark.parametrize(
    ("url", "layer", "message"),
    [
        ("env:GEOHUB_ETL_NOT_SET", "x", "the environment variable GEOHUB_ETL_NOT_SET is not set"),
        (None, "Cadastre.missing", "cannot be read: relation .* does not exist"),
        (None, "Cadastre.no_geometry", "has no geometry column"),
        ("postgresql://127.0.0.1:9/none", "x", "cannot be read"),
    ],
)
def test_postgresql_errors(
    parcels_database: str, tmp_path: Path, url: str | None, layer: str, message: str
) -> None:
    source = Source(kind="postgresql", url=url or parcels_database, layer=layer)
    with pytest.raises(InvalidDataError, match=message):
        read_source(source, tmp_path)


class RedirectingHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(302)
        self.send_header("Location", "http://169.254.169.254/latest/meta-data?token=x")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_url_source_follows_no_redirect(tmp_path: Path) -> None:
    """A source reaches only the URL its definition names: a redirect is refused, not followed."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RedirectingHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/parking.geojson"
        target = re.escape("HTTP 302, a redirect to http://169.254.169.254/latest/meta-data:")
        with pytest.raises(InvalidDataError, match=target):
            read_source(Source(kind="url", url=url), tmp_path)
    finally:
        server.shutdown()
        server.server_close()


class _Elsewhere(http.server.BaseHTTPRequestHandler):
    """Another host a hostile service would send GeoHub to: counts what reaches it."""

    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "application/geo+json")
        self.end_headers()
        self.wfile.write(b'{"type": "FeatureCollection", "features": []}')

    def log_message(self, format: str, *args: object) -> None:
        pass


class _HostileOapif(http.server.BaseHTTPRequestHandler):
    """A small OGC API – Features service whose items page links its next page on another host."""

    elsewhere = ""

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        items = {"rel": "items", "href": f"{base}/collections/parks/items", "type": "application/geo+json"}
        feature = {
            "type": "Feature",
            "id": "a",
            "properties": {"name": "Park"},
            "geometry": {"type": "Point", "coordinates": [76.9, 43.2]},
        }
        next_page = {"rel": "next", "href": f"{self.elsewhere}/stolen?page=2", "type": "application/geo+json"}
        bodies = {
            "/": {"links": [{"rel": "data", "href": f"{base}/collections", "type": "application/json"}]},
            "/conformance": {"conformsTo": ["http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"]},
            "/collections": {"collections": [{"id": "parks", "links": [items]}]},
            "/collections/parks": {"id": "parks", "links": [items]},
            "/collections/parks/items": {
                "type": "FeatureCollection",
                "features": [feature],
                "links": [next_page],
            },
        }
        body = bodies.get(self.path.split("?")[0])
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(body or {}).encode())

    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(handler: type[http.server.BaseHTTPRequestHandler], stack: ExitStack) -> str:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stack.callback(server.server_close)
    stack.callback(server.shutdown)
    return f"http://127.0.0.1:{server.server_address[1]}"


def test_oapif_source_reaches_only_its_own_host(tmp_path: Path) -> None:
    """GDAL follows a service's `next` link wherever it points; GeoHub's reader reaches only the
    host and port of the URL in the layer definition."""
    _Elsewhere.hits = []
    with ExitStack() as stack:
        _HostileOapif.elsewhere = _serve(_Elsewhere, stack)
        url = _serve(_HostileOapif, stack)
        plain = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys, pyogrio; pyogrio.read_info(sys.argv[1], layer='parks', "
                "force_feature_count=True)",
                f"OAPIF:{url}",
            ],
            capture_output=True,
            check=False,
            timeout=60,
        )
        assert plain.returncode == 0 and _Elsewhere.hits == ["/stolen?page=2"]  # GDAL alone goes there
        _Elsewhere.hits = []
        expected = re.escape(f"sent GeoHub on to {_HostileOapif.elsewhere}/stolen, which is not the host")
        with pytest.raises(InvalidDataError, match=expected):
            read_source(Source(kind="oapif", url=url, layer="parks"), tmp_path)
        assert _Elsewhere.hits == []
