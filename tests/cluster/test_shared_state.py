"""The issue's set-up: two nodes, nginx (config/nginx-cluster.conf), a PostGIS primary with a streaming
replica the nodes read from, Redis. What one node writes or counts, the other node and nginx serve
or hold to: a PATCH through node A is served by node B and through nginx within 1 s (the TileJSON's
versioned tile URL, a cache HIT on a repeat); an app key's limit and use, and the sign-in limit, are
exact across the nodes (counted in Redis); the replica stopped, reads go on from the primary."""

from __future__ import annotations

import time
from collections.abc import Iterator
from itertools import cycle

import pytest
import requests
import shapely
from shapely.geometry import mapping, shape

from tests.cluster.harness import (
    LAYER,
    Cluster,
    Reader,
    a_parcel,
    accounts_of,
    needs_cluster,
    tile_of,
    tiles_url,
    version_token,
)
from tests.cluster.postgres import ReplicatedPostgres

pytestmark = needs_cluster

SIGN_IN_LIMIT = 4
CLUSTER_SETTINGS = {"GEOHUB_AUTH__SIGN_IN_RATE_LIMIT": f"{SIGN_IN_LIMIT}/minute"}
KEY_LIMIT = 20
WITHIN_S = 1.0
Z = 16
REPLICA_READS_S = 6.0  # reads in all; the replica is stopped after a third of them


@pytest.fixture(scope="module")
def cluster(replicated_cluster: Cluster) -> Cluster:
    return replicated_cluster


def _geometry(reader: Reader, feature_id: str) -> shapely.Geometry:
    answer = reader.get(f"/collections/{LAYER}/items/{feature_id}?f=json")
    assert answer.status_code == 200, answer.text
    return shape(answer.json()["geometry"])


def test_a_patch_through_node_a_is_served_by_node_b_and_nginx_within_a_second(cluster: Cluster) -> None:
    a, b, nginx = cluster.a, cluster.b, cluster.nginx
    parcel = a_parcel(nginx)
    tile = tile_of(parcel, Z)
    template = tiles_url(nginx, LAYER)
    assert template.startswith(nginx.base + "/")  # links follow the request through nginx
    old = template.format(z=Z, x=tile.x, y=tile.y).removeprefix(nginx.base)
    first, repeat = nginx.get(old), nginx.get(old)
    assert first.status_code == 200 and first.content
    assert first.headers["X-Cache-Status"] == "MISS"
    assert repeat.headers["X-Cache-Status"] == "HIT" and repeat.content == first.content
    assert "immutable" in repeat.headers["Cache-Control"]
    unversioned = old.split("?")[0]
    assert b.get(unversioned).content == first.content  # node B caches it in its own folder
    assert nginx.get(unversioned).headers["X-Cache-Status"] == "BYPASS"  # only versioned URLs kept

    moved = shapely.affinity.translate(shape(parcel["geometry"]), xoff=0.0002)
    edited = requests.patch(
        f"{a.base}/collections/{LAYER}/items/{parcel['id']}",
        json={"geometry": mapping(moved)},
        headers=cluster.auth(),
        timeout=60,
    )
    assert edited.status_code == 204, edited.text
    changed_at = time.monotonic()
    seen: dict[str, float] = {}
    fresh: list[requests.Response] = []

    def nginx_serves_the_new_tile() -> bool:
        """The TileJSON through nginx names a new token, and its tile URL gives the new tile."""
        url = tiles_url(nginx, LAYER)
        if version_token(url) == version_token(template):
            return False
        fresh.append(nginx.get(url.format(z=Z, x=tile.x, y=tile.y).removeprefix(nginx.base)))
        return fresh[-1].content != first.content

    checks = {
        "node B's feature": lambda: _geometry(b, parcel["id"]).equals_exact(moved, 1e-7),
        "nginx's feature": lambda: _geometry(nginx, parcel["id"]).equals_exact(moved, 1e-7),
        "node B's tile": lambda: b.get(unversioned).content != first.content,
        "nginx's TileJSON and tile": nginx_serves_the_new_tile,
    }
    while len(seen) < len(checks):
        for what, check in checks.items():
            if what not in seen and check():
                seen[what] = time.monotonic() - changed_at
        assert time.monotonic() - changed_at < WITHIN_S, f"within {WITHIN_S} s only {sorted(seen)}"
        time.sleep(0.02)
    print("after the PATCH on node A: " + ", ".join(f"{w} {s * 1000:.0f} ms" for w, s in seen.items()))
    new = fresh[-1]
    assert new.status_code == 200 and new.headers["X-Cache-Status"] == "MISS"
    assert "immutable" in new.headers["Cache-Control"]
    again = nginx.get(new.url.removeprefix(nginx.base))
    assert again.headers["X-Cache-Status"] == "HIT" and again.content == new.content
    assert new.content == b.get(unversioned).content  # nginx and node B: the same new tile


def test_an_app_keys_limit_and_use_are_exact_across_the_nodes_and_nginx(cluster: Cluster) -> None:
    with accounts_of(cluster.database_url, cluster.a.data_dir) as accounts:
        key = accounts.create_key("bus-app", rate_limit=f"{KEY_LIMIT}/minute")
    nginx = cluster.nginx
    tile = tile_of(a_parcel(nginx), 12)
    cached = tiles_url(nginx, LAYER).format(z=12, x=tile.x, y=tile.y).removeprefix(nginx.base)
    nginx.get(cached)
    assert nginx.get(cached).headers["X-Cache-Status"] == "HIT"  # yet a key's request reaches a node
    paths: Iterator[tuple[Reader, str]] = cycle(
        [
            (cluster.a, "/collections"),
            (cluster.b, "/collections"),
            (nginx, "/collections"),
            (nginx, cached),
        ]
    )
    statuses = []
    for _ in range(KEY_LIMIT + 10):
        reader, path = next(paths)
        answer = reader.get(path, **{"X-API-Key": key})
        statuses.append(answer.status_code)
        assert answer.headers.get("X-Cache-Status") in (None, "BYPASS"), path
    assert statuses.count(200) + statuses.count(204) == KEY_LIMIT, statuses
    assert statuses[KEY_LIMIT:] == [429] * 10, statuses
    assert nginx.get(cached).headers["X-Cache-Status"] == "HIT"  # readers without a key: still cached
    for node in cluster.nodes:
        usage = node.get("/developers/usage", **{"X-API-Key": key})
        assert usage.status_code == 200, usage.text
        assert usage.json()["today"] == KEY_LIMIT  # 429s are not counted


def test_the_sign_in_limit_holds_across_the_nodes(cluster: Cluster) -> None:
    targets = cycle([cluster.a.base, cluster.b.base, cluster.nginx.base])
    wrong = {"username": "nobody", "password": "not the password at all"}
    statuses = [
        requests.post(f"{next(targets)}/auth/tokens", json=wrong, timeout=30).status_code
        for _ in range(SIGN_IN_LIMIT + 2)
    ]
    assert statuses == [401] * SIGN_IN_LIMIT + [429, 429]


def test_reads_go_on_from_the_primary_when_the_replica_stops(
    cluster: Cluster, replicated: ReplicatedPostgres
) -> None:
    """The replica is stopped in the middle of reads through nginx and both nodes: none fails."""
    nginx = cluster.nginx
    parcel = a_parcel(nginx)
    tile = tile_of(parcel, Z)
    paths = cycle(
        [
            (nginx, f"/collections/{LAYER}/items/{parcel['id']}?f=json"),
            (cluster.a, f"/collections/{LAYER}/items?f=json&limit=5"),
            (cluster.b, f"/tiles/{LAYER}/{Z}/{tile.x}/{tile.y}.mvt"),
            (nginx, f"/collections/{LAYER}/items?f=json&limit=1&bbox=76.90,43.22,76.96,43.27"),
        ]
    )
    statuses: list[int] = []
    started = time.monotonic()
    try:
        while time.monotonic() - started < REPLICA_READS_S:
            if replicated.replica.running and time.monotonic() - started > REPLICA_READS_S / 3:
                replicated.replica.stop("immediate")
            reader, path = next(paths)
            statuses.append(reader.get(path).status_code)
        assert not replicated.replica.running
        failed = [s for s in statuses if s not in (200, 204)]
        print(f"{len(statuses)} reads while the replica stopped, {len(failed)} failed")
        assert not failed, failed
        ready = cluster.a.get("/readyz")  # still ready, on the primary; the replica named unhealthy
        assert ready.status_code == 200
        (replica,) = ready.json()["replicas"]
        assert replica["healthy"] is False and replica["state"] != "healthy", replica
        assert "@" not in replica["server"] and str(replicated.replica.port) in replica["server"]
    finally:
        if not replicated.replica.running:
            replicated.replica.start()
