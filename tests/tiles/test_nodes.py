"""Two `geohub serve` nodes with their own data folders (no shared filesystem) over one PostGIS
database: a feature changed through node A is served by node B, tiles and TileJSON included,
within 1 s, with a new ETag and new bytes, whatever node B had cached."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import morecantile
import pytest
import requests
import shapely
from shapely.geometry import mapping, shape

from geohub.app import create_app
from geohub.settings import Settings
from geohub.tiles.tms import WEB_MERCATOR_QUAD
from tests.conftest import throwaway_database
from tests.features.conftest import GEOHUB, _clean_environment, _free_port, _wait_for, staff_token

LAYER = "cadastre"  # written by land_relations, the department of staff_token's publisher
WITHIN_S = 1.0
Z = 16


@dataclass
class Node:
    base: str
    data_dir: Path

    def get(self, path: str, **headers: str) -> requests.Response:
        return requests.get(self.base + path, headers={"Accept-Encoding": "identity", **headers}, timeout=30)


@dataclass
class Cluster:
    a: Node
    b: Node
    token: str  # a publisher's API token, valid on both nodes (one records database)


def _start(stack: ExitStack, data_dir: Path, database_url: str, *, load: bool) -> Node:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = _clean_environment() | {
        "GEOHUB_DATA_DIR": str(data_dir),
        "GEOHUB_DATABASE_URL": database_url,
        "GEOHUB_PORT": str(port),
        "GEOHUB_PUBLIC_URL": base,
        "GEOHUB_WORKERS": "2",
        "GEOHUB_LOG_LEVEL": "WARNING",
    }
    if load:
        loaded = subprocess.run(
            [GEOHUB, "demo", "--no-serve"], env=env, capture_output=True, text=True, timeout=300, check=False
        )
        assert loaded.returncode == 0, loaded.stderr[-3000:]
    log = data_dir / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen([GEOHUB, "serve"], env=env, stdout=sink, stderr=subprocess.STDOUT)

    def stop() -> None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    stack.callback(stop)
    _wait_for(f"{base}/readyz", process, log)
    return Node(base, data_dir)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with ExitStack() as stack:
        url = stack.enter_context(throwaway_database("geohub_nodes"))
        a = _start(stack, tmp_path_factory.mktemp("node-a"), url, load=True)
        b = _start(stack, tmp_path_factory.mktemp("node-b"), url, load=False)
        app = create_app(Settings(data_dir=a.data_dir, database_url=url, log_level="WARNING"))
        try:
            token = staff_token(app)
        finally:
            app.extensions["geohub"].close()
        yield Cluster(a, b, token)


def _a_parcel(node: Node) -> dict[str, Any]:
    answer = node.get(f"/collections/{LAYER}/items?f=json&limit=1&bbox=76.90,43.22,76.96,43.27")
    assert answer.status_code == 200, answer.text
    features: list[dict[str, Any]] = answer.json()["features"]
    assert features
    return features[0]


def _tile_of(feature: dict[str, Any]) -> morecantile.Tile:
    point = shape(feature["geometry"]).representative_point()
    return WEB_MERCATOR_QUAD.tile(point.x, point.y, Z)


def _tiles_url(node: Node, tileset: str) -> str:
    document = node.get(f"/tiles/{tileset}.json").json()
    url: str = document["tiles"][0]
    return url


def _token(url: str) -> str:
    return parse_qs(urlsplit(url).query)["v"][0]


def test_a_change_through_node_a_is_served_by_node_b_within_a_second(cluster: Cluster) -> None:
    a, b = cluster.a, cluster.b
    parcel = _a_parcel(b)
    tile = _tile_of(parcel)
    path = f"/tiles/{LAYER}/{Z}/{tile.x}/{tile.y}.mvt"
    old_url = _tiles_url(b, LAYER)
    assert _token(old_url) == _token(_tiles_url(a, LAYER))  # both nodes name the same version
    first = b.get(path)
    assert first.status_code == 200 and first.content
    assert b.get(path).headers["ETag"] == first.headers["ETag"]  # now from node B's own cache
    assert b.get(path, **{"If-None-Match": first.headers["ETag"]}).status_code == 304

    moved = shapely.affinity.translate(shape(parcel["geometry"]), xoff=0.0002)
    edited = requests.patch(
        f"{a.base}/collections/{LAYER}/items/{parcel['id']}",
        json={"geometry": mapping(moved)},
        headers={"Authorization": f"Bearer {cluster.token}"},
        timeout=60,
    )
    assert edited.status_code == 204, edited.text
    changed_at = time.monotonic()
    while True:
        answer = b.get(path)
        if answer.headers["ETag"] != first.headers["ETag"]:
            break
        assert time.monotonic() - changed_at < WITHIN_S, "node B still serves the old tile"
        time.sleep(0.02)
    seen_after_s = time.monotonic() - changed_at
    print(f"node B served the new tile {seen_after_s * 1000:.0f} ms after the PATCH on node A")
    assert seen_after_s < WITHIN_S
    assert answer.status_code == 200 and answer.content != first.content
    assert b.get(path, **{"If-None-Match": first.headers["ETag"]}).status_code == 200
    new_url = _tiles_url(b, LAYER)
    assert _token(new_url) != _token(old_url)
    # each node runs 2 workers; the one that did not take the PATCH reads the versions within
    # `tiles.version_check_ms`, so both nodes name the new version within the second
    while _token(_tiles_url(a, LAYER)) != _token(new_url):
        assert time.monotonic() - changed_at < WITHIN_S, "node A still names the old version"
        time.sleep(0.02)
    item = b.get(f"/collections/{LAYER}/items/{parcel['id']}?f=json").json()
    assert shape(item["geometry"]).equals_exact(moved, 1e-7)


def test_a_tile_asked_with_the_current_token_is_immutable_an_older_one_is_short_lived(
    cluster: Cluster,
) -> None:
    b = cluster.b
    tile = _tile_of(_a_parcel(b))
    template = _tiles_url(b, LAYER)
    assert "?v=" in template
    current = requests.get(template.format(z=Z, x=tile.x, y=tile.y), timeout=30)
    assert current.status_code == 200
    assert "immutable" in current.headers["Cache-Control"]
    assert "max-age=31536000" in current.headers["Cache-Control"]
    older = b.get(f"/tiles/{LAYER}/{Z}/{tile.x}/{tile.y}.mvt?v=0123456789abcdef")
    assert older.status_code == 200 and older.content
    assert "immutable" not in older.headers["Cache-Control"]
    assert "max-age=60" in older.headers["Cache-Control"]
    plain = b.get(f"/tiles/{LAYER}/{Z}/{tile.x}/{tile.y}.mvt")
    assert "max-age=60" in plain.headers["Cache-Control"] and plain.headers["ETag"]
