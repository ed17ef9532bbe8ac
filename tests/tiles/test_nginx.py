"""config/nginx.conf in front of a real `geohub serve`: cached tiles from disk, the rest proxied.

One GeoHub (embedded store, demo data, one JSON access-log line per request on stderr) and one
nginx (foreground, its own prefix, the rendered config) per module, both on free ports. Each
test asks for tiles nobody asked for before, so it sees the miss and then the hit.
"""

from __future__ import annotations

import getpass
import gzip
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from geohub.security_headers import SECURITY_HEADERS
from geohub.services import Services
from geohub.settings import PROJECT_ROOT, Settings
from geohub.tiles.service import tile_cache_root
from geohub.tiles.tms import WEB_MERCATOR_QUAD

NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")  # not on a user's PATH
GEOHUB = str(Path(sys.executable).parent / "geohub")
TEMPLATE = PROJECT_ROOT / "config" / "nginx.conf"
MVT = "application/vnd.mapbox-vector-tile"
CENTRE = (76.945, 43.255)  # central Almaty: tiles with features at every zoom

pytestmark = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (`make system-deps` installs it)"
)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> list[str]:
        return self.headers.get_all(name) or []


@dataclass
class Proxy:
    """nginx on `port` in front of GeoHub on `geohub_port`, and where each one logs."""

    port: int
    geohub_port: int
    cache_root: Path
    geohub_log: Path
    access_log: Path

    def get(self, path: str, headers: dict[str, str] | None = None, method: str = "GET") -> Answer:
        """One request sent as is (no client-side path normalisation) to nginx."""
        return _request(self.port, path, headers, method)

    def geohub_requests(self, path: str) -> int:
        """How many requests for `path` GeoHub logged (one JSON line per request)."""
        count = 0
        for line in self.geohub_log.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # gunicorn's own lines
            if (
                isinstance(entry, dict)
                and entry.get("logger") == "geohub.access"
                and entry.get("path") == path
            ):
                count += 1
        return count

    def nginx_upstreams(self, path: str, count: int) -> list[str]:
        """The `upstream=` field of nginx's access-log lines for `path`, once there are `count` of
        them (the log is buffered: flushed within a second)."""
        deadline = time.monotonic() + 10
        while True:
            lines = [line for line in self.access_log.read_text().splitlines() if f" {path} HTTP/" in line]
            if len(lines) >= count or time.monotonic() > deadline:
                return sorted(line.split("upstream=")[1].split()[0] for line in lines)
            time.sleep(0.2)


def _request(port: int, path: str, headers: dict[str, str] | None = None, method: str = "GET") -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(
    port: int, path: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float = 60
) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if process.poll() is not None:
            raise RuntimeError(
                f"{process.args[0]} exited with {process.returncode}:\n{log.read_text()[-3000:]}"
            )
        try:
            if _request(port, path).status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing answered {path} on port {port}:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def render_config(listen: str, upstream: str, cache_root: Path, user: str) -> str:
    """config/nginx.conf with its placeholders filled."""
    text = TEMPLATE.read_text(encoding="utf-8")
    for name, value in {
        "@LISTEN@": listen,
        "@GEOHUB_UPSTREAM@": upstream,
        "@CACHE_ROOT@": str(cache_root),
        "@USER@": user,
    }.items():
        assert name in text, f"{name} is not in {TEMPLATE}"
        text = text.replace(name, value)
    assert not re.search(r"@[A-Z_]+@", text), "a placeholder was left unfilled"
    return text


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    """`geohub demo --no-serve` + `geohub serve`, and nginx with config/nginx.conf in front of it."""
    tmp = tmp_path_factory.mktemp("nginx")
    data_dir, prefix = tmp / "data", tmp / "nginx"
    (prefix / "logs").mkdir(parents=True)
    (tmp / "empty.toml").touch()
    port, geohub_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("GEOHUB_")}
    env |= {
        "GEOHUB_CONFIG": str(tmp / "empty.toml"),
        "GEOHUB_DATA_DIR": str(data_dir),
        "GEOHUB_HOST": "127.0.0.1",
        "GEOHUB_PORT": str(geohub_port),
        "GEOHUB_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "GEOHUB_WORKERS": "2",
        "GEOHUB_LOG_LEVEL": "INFO",  # the access log lines tell which requests reached GeoHub
    }
    loaded = subprocess.run(
        [GEOHUB, "demo", "--no-serve"], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    cache_root = tile_cache_root(Services.from_settings(Settings(data_dir=data_dir, database_url=None)))
    config = tmp / "nginx.conf"
    config.write_text(
        render_config(f"127.0.0.1:{port}", f"127.0.0.1:{geohub_port}", cache_root, getpass.getuser())
    )
    geohub_log, nginx_log = tmp / "geohub.log", prefix / "logs" / "stderr.log"
    with geohub_log.open("wb") as sink:
        geohub = subprocess.Popen([GEOHUB, "serve"], env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        _wait_for(geohub_port, "/readyz", geohub, geohub_log)
        assert NGINX is not None
        with nginx_log.open("wb") as sink:
            nginx = subprocess.Popen(
                [NGINX, "-p", f"{prefix}/", "-c", str(config), "-g", "daemon off;"],
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait_for(port, "/healthz", nginx, nginx_log)
            yield Proxy(port, geohub_port, cache_root, geohub_log, prefix / "logs" / "access.log")
        finally:
            _stop(nginx)
    finally:
        _stop(geohub)


def tile_path(tileset: str, z: int, lon: float = CENTRE[0], lat: float = CENTRE[1]) -> tuple[str, Path]:
    """The URL path of the tile at (lon, lat) and its file below the cache root (the anonymous
    public's: the only ones nginx serves)."""
    tile = WEB_MERCATOR_QUAD.tile(lon, lat, z)
    file = Path(tileset, "public", str(z), str(tile.x), f"{tile.y}.mvt")
    return f"/tiles/{tileset}/{z}/{tile.x}/{tile.y}.mvt", file


def test_miss_goes_to_geohub_then_nginx_serves_the_cached_file(proxy: Proxy) -> None:
    path, file = tile_path("city", 14)
    assert not (proxy.cache_root / file).exists()
    first = proxy.get(path)
    assert first.status == 200 and first.body
    assert proxy.geohub_requests(path) == 1
    assert (proxy.cache_root / file).read_bytes() == first.body  # GeoHub rendered and cached it
    second = proxy.get(path)
    assert second.status == 200
    assert second.body == first.body
    assert proxy.geohub_requests(path) == 1  # GeoHub never saw the second request
    assert proxy.nginx_upstreams(path, 2) == ["-", f"127.0.0.1:{proxy.geohub_port}"]  # "-": nginx alone
    direct = _request(proxy.geohub_port, path)  # and it is what GeoHub itself answers
    assert direct.status == 200 and direct.body == second.body


def test_cached_tile_has_geohub_headers(proxy: Proxy) -> None:
    path, _ = tile_path("basemap", 13)
    from_geohub, from_file = proxy.get(path), proxy.get(path)
    assert proxy.geohub_requests(path) == 1
    for answer in (from_geohub, from_file):
        assert answer.status == 200
        assert answer.header("Content-Type") == [MVT]
        assert answer.header("Cache-Control") == ["public, max-age=60"]
        assert answer.header("Access-Control-Allow-Origin") == ["*"]
        assert len(answer.header("ETag")) == 1
    assert "ETag" in from_file.header("Access-Control-Expose-Headers")[0]
    etag = from_file.header("ETag")[0]
    revalidated = proxy.get(path, {"If-None-Match": etag})
    assert revalidated.status == 304
    assert revalidated.header("ETag") == [etag]
    assert revalidated.header("Cache-Control") == ["public, max-age=60"]
    assert proxy.geohub_requests(path) == 1


def test_cached_tile_is_gzipped_for_clients_that_accept_it(proxy: Proxy) -> None:
    path, file = tile_path("city", 15)
    proxy.get(path)
    assert (proxy.cache_root / file).is_file()
    answer = proxy.get(path, {"Accept-Encoding": "gzip"})
    assert answer.status == 200
    assert answer.header("Content-Encoding") == ["gzip"]
    assert "Accept-Encoding" in ", ".join(answer.header("Vary"))
    assert answer.header("Content-Type") == [MVT]
    assert gzip.decompress(answer.body) == (proxy.cache_root / file).read_bytes()
    assert proxy.geohub_requests(path) == 1


def test_empty_tile_is_204_from_geohub_then_an_empty_200_from_nginx(proxy: Proxy) -> None:
    path, file = tile_path("city", 14, lon=-170.0, lat=-60.0)  # the southern Pacific: no data
    first = proxy.get(path)
    assert first.status == 204 and first.body == b""
    assert (proxy.cache_root / file).stat().st_size == 0  # an empty file is an empty tile
    second = proxy.get(path)
    # stock nginx cannot tell an empty file from another: an empty 200 (see config/nginx.conf)
    assert second.status == 200 and second.body == b""
    assert second.header("Content-Length") == ["0"]
    assert second.header("Content-Type") == [MVT]
    assert second.header("Cache-Control") == ["public, max-age=60"]
    assert second.header("Access-Control-Allow-Origin") == ["*"]
    assert proxy.geohub_requests(path) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/tiles/../../../../../../etc/passwd",
        "/../etc/passwd",
        "/tiles/city/14/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/tiles/city/../../../secret.txt",
        "/tiles/%2e%2e/%2e%2e/secret.txt",
        "/tiles/city/13/5985/..%2f..%2f..%2f..%2fsecret.txt",
        "/tiles/city/13/5985/..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/tiles/city/13/..%5c..%5c..%5csecret.txt",
    ],
)
def test_paths_climbing_out_of_the_cache_are_refused(proxy: Proxy, path: str) -> None:
    secret = proxy.cache_root.parent / "secret.txt"  # beside the cache root, in GeoHub's data_dir
    secret.write_text("root:SECRET")
    answer = proxy.get(path)
    assert answer.status in (400, 404)  # 400: nginx (climbs above "/"); 404: GeoHub
    assert answer.header("Content-Type") == ["application/problem+json"]
    assert json.loads(answer.body)["status"] == answer.status
    assert b"SECRET" not in answer.body and b"root:" not in answer.body


def test_temporary_files_and_folders_of_the_cache_are_not_served(proxy: Proxy) -> None:
    path, file = tile_path("basemap", 14)
    proxy.get(path)
    folder = proxy.cache_root / file.parent
    (folder / ".k3j9x2.tmp").write_bytes(b"SECRET half-written tile")
    url_folder = path.rsplit("/", 1)[0]
    for hidden in (f"{url_folder}/.k3j9x2.tmp", f"{url_folder}/%2ek3j9x2.tmp"):
        answer = proxy.get(hidden)
        assert answer.status == 404, hidden
        assert answer.header("Content-Type") == ["application/problem+json"]
        assert b"SECRET" not in answer.body
        assert proxy.geohub_requests(hidden.replace("%2e", ".")) == 0  # refused by nginx itself
    for listing in (f"{url_folder}/", f"{url_folder.rsplit('/', 1)[0]}/", "/tiles/", "/"):
        answer = proxy.get(listing)
        assert file.name.encode() not in answer.body, listing
        assert b"Index of" not in answer.body, listing
    assert proxy.get(f"{path}.tmp").status == 404


def test_everything_else_is_proxied_to_geohub(proxy: Proxy) -> None:
    collections = proxy.get("/collections", {"X-Request-ID": "nginx-test-1"})
    assert collections.status == 200
    assert {c["id"] for c in json.loads(collections.body)["collections"]} >= {"buildings", "districts"}
    assert collections.header("Access-Control-Allow-Origin") == ["*"]  # GeoHub's, not doubled
    assert collections.header("X-Request-ID") == ["nginx-test-1"]
    assert proxy.geohub_requests("/collections") == 1
    tilejson = proxy.get("/tiles/city.json")
    assert tilejson.status == 200
    assert json.loads(tilejson.body)["tiles"]
    beyond = proxy.get("/tiles/city/23/0/0.mvt")  # past the tileset's maxzoom: GeoHub's 404
    assert beyond.status == 404
    assert json.loads(beyond.body)["type"].endswith("/tile-not-found")
    assert proxy.geohub_requests("/tiles/city/23/0/0.mvt") == 1
    path, _ = tile_path("city", 12)
    preflight = proxy.get(
        path, {"Origin": "https://example.org", "Access-Control-Request-Method": "GET"}, method="OPTIONS"
    )
    assert preflight.status == 200
    assert "GET" in preflight.header("Access-Control-Allow-Methods")[0]
    assert proxy.geohub_requests(path) == 1


def test_the_citizens_map_works_behind_nginx(proxy: Proxy) -> None:
    page = proxy.get("/", {"Accept": "text/html,application/xhtml+xml", "Accept-Encoding": "gzip"})
    assert page.status == 200 and page.header("Content-Type")[0].startswith("text/html")
    html = (
        gzip.decompress(page.body).decode()
        if page.header("Content-Encoding") == ["gzip"]
        else page.body.decode()
    )
    assert 'id="map"' in html and "<script>" not in html  # no inline script: the CSP allows none
    assets = {urlsplit(url).path for url in re.findall(r'(?:src|href)="([^"#]+\.(?:m?js|css))"', html)}
    assert {"/app/main.js", "/app/app.css"} <= assets and any("maplibre-gl" in a for a in assets)
    for asset in sorted(assets):
        answer = proxy.get(asset, {"Accept-Encoding": "gzip"})
        assert answer.status == 200, asset
        assert answer.header("Content-Encoding") == ["gzip"], asset  # compressed once, by GeoHub
        assert answer.header("ETag") and answer.header("Cache-Control"), asset
        for name, value in SECURITY_HEADERS.items():
            assert answer.header(name) == [value], (asset, name)
    api = proxy.get("/", {"Accept": "application/json"})
    assert api.status == 200 and json.loads(api.body)["links"]  # API clients keep the landing page


def test_every_answer_has_geohubs_security_headers_once(proxy: Proxy) -> None:
    path, _ = tile_path("city", 13)
    answers = {
        "tile from GeoHub": proxy.get(path),
        "cached tile": proxy.get(path),
        "proxied page": proxy.get("/collections?f=html"),
        "proxied error": proxy.get("/collections/nope"),
        "nginx's 404": proxy.get("/tiles/.hidden"),
        "nginx's 400": proxy.get("/../etc/passwd"),
    }
    assert proxy.geohub_requests(path) == 1  # the second answer came from the file
    for what, answer in answers.items():
        for name, value in SECURITY_HEADERS.items():
            assert answer.header(name) == [value], (what, name)
        assert answer.header("Server") == ["nginx"], what  # no version, never gunicorn
