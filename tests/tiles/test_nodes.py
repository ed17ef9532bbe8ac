"""Two `geohub serve` nodes with their own data folders (no shared filesystem) over one PostGIS
database: a feature changed through node A is served by node B, tiles and TileJSON included,
within 1 s, with a new ETag and new bytes, whatever node B had cached."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass

import pytest
import requests
import shapely
from shapely.geometry import mapping, shape

from tests.cluster.harness import (
    LAYER,
    Node,
    a_parcel,
    demo_database,
    publisher_token,
    start_node,
    tile_of,
    tiles_url,
    version_token,
    wait_until_ready,
)

WITHIN_S = 1.0
Z = 16


@dataclass
class Cluster:
    a: Node
    b: Node
    token: str  # a publisher's API token, valid on both nodes (one records database)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two nodes over one database with the demo, nothing else (see tests/cluster/ for nginx, Redis)."""
    tmp = tmp_path_factory.mktemp("nodes")
    with ExitStack() as stack:
        url = stack.enter_context(demo_database("geohub_nodes"))
        settings = {"GEOHUB_DATABASE_URL": url, "GEOHUB_WORKERS": "2", "GEOHUB_LOG_LEVEL": "WARNING"}
        a = start_node(stack, "a", tmp / "node-a", settings)
        b = start_node(stack, "b", tmp / "node-b", settings)
        for node in (a, b):
            wait_until_ready(f"{node.base}/readyz", node.process, node.log)
        yield Cluster(a, b, publisher_token(url, tmp))


def test_a_change_through_node_a_is_served_by_node_b_within_a_second(cluster: Cluster) -> None:
    a, b = cluster.a, cluster.b
    parcel = a_parcel(b)
    tile = tile_of(parcel, Z)
    path = f"/tiles/{LAYER}/{Z}/{tile.x}/{tile.y}.mvt"
    old_url = tiles_url(b, LAYER)
    assert version_token(old_url) == version_token(tiles_url(a, LAYER))  # both nodes name the same version
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
    new_url = tiles_url(b, LAYER)
    assert version_token(new_url) != version_token(old_url)
    # each node runs 2 workers; the one that did not take the PATCH reads the versions within
    # `tiles.version_check_ms`, so both nodes name the new version within the second
    while version_token(tiles_url(a, LAYER)) != version_token(new_url):
        assert time.monotonic() - changed_at < WITHIN_S, "node A still names the old version"
        time.sleep(0.02)
    item = b.get(f"/collections/{LAYER}/items/{parcel['id']}?f=json").json()
    assert shape(item["geometry"]).equals_exact(moved, 1e-7)


def test_a_tile_asked_with_the_current_token_is_immutable_an_unknown_one_is_not_stored(
    cluster: Cluster,
) -> None:
    """(An older token's short max-age: tests/tiles/test_versions.py, where one process is asked.)"""
    b = cluster.b
    tile = tile_of(a_parcel(b), Z)
    template = tiles_url(b, LAYER)
    assert "?v=" in template
    current = requests.get(template.format(z=Z, x=tile.x, y=tile.y), timeout=30)
    assert current.status_code == 200
    assert "immutable" in current.headers["Cache-Control"]
    assert "max-age=31536000" in current.headers["Cache-Control"]
    unknown = b.get(f"/tiles/{LAYER}/{Z}/{tile.x}/{tile.y}.mvt?v=0123456789abcdef")
    assert unknown.status_code == 200 and unknown.content == current.content
    assert unknown.headers["Cache-Control"] == "no-store"
    plain = b.get(f"/tiles/{LAYER}/{Z}/{tile.x}/{tile.y}.mvt")
    assert "max-age=60" in plain.headers["Cache-Control"] and plain.headers["ETag"]
