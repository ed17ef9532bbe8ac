"""A node dies under load behind nginx (config/nginx-cluster.conf): no GET fails, and a write the
dead node had taken is not sent to the other node.

LOAD_S seconds of reads through nginx (features, tiles rendered by the nodes, TileJSON, a tile
nginx keeps), node B frozen (SIGSTOP) halfway with reads and one write inside it, then killed with
its workers (SIGKILL: the machine died). Every GET must succeed (any status >= 400 or a broken
connection counts as a failure): the reads node B held are sent again to node A. The write is
answered 503 and never applied: the layer holds exactly the features the 201s created.
"""

from __future__ import annotations

import signal
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from itertools import count
from typing import Any

import requests

from tests.cluster.harness import LAYER, Cluster, a_parcel, needs_cluster, tile_of, tiles_url

pytestmark = needs_cluster

LOAD_S = 30.0  # the bounded load; node B dies at its middle
CLIENTS = 4
POSTS_TRIED = 12  # round robin: a write reaches the frozen node B long before this many
HELD_S = 8.0  # a write unanswered this long is held by frozen node B (node A answers in ~0.1-1 s)


def _read_paths(cluster: Cluster) -> list[str]:
    """What the load asks for: mostly things a node must answer, and one tile nginx keeps."""
    nginx = cluster.nginx
    tile = tile_of(a_parcel(nginx), 14)
    cached = tiles_url(nginx, LAYER).format(z=14, x=tile.x, y=tile.y).removeprefix(nginx.base)
    paths = [f"/collections/{LAYER}/items?f=json&limit=5&offset={offset}" for offset in range(0, 50, 5)]
    paths += [f"/tiles/city/14/{tile.x + dx}/{tile.y + dy}.mvt" for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
    paths += ["/collections", f"/tiles/{LAYER}.json", cached]
    return paths


class Load:
    """CLIENTS threads asking nginx for the paths in turn until told to stop; every outcome kept."""

    def __init__(self, base: str, paths: list[str]) -> None:
        self.base, self.paths = base, paths
        self.outcomes: Counter[str] = Counter()
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._next = count()
        self._threads = [threading.Thread(target=self._client) for _ in range(CLIENTS)]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _client(self) -> None:
        with requests.Session() as session:
            while not self._stop.is_set():
                path = self.paths[next(self._next) % len(self.paths)]
                try:
                    answer = session.get(self.base + path, timeout=60)
                    outcome = str(answer.status_code)
                    failed = answer.status_code >= 400
                except requests.RequestException as error:
                    outcome, failed = type(error).__name__, True
                with self._lock:
                    self.outcomes[outcome] += 1
                    if failed:
                        self.failures.append(f"{outcome} {path}")


def _number_of_features(cluster: Cluster) -> int:
    answer = cluster.a.get(f"/collections/{LAYER}/items?f=json&limit=1")
    assert answer.status_code == 200, answer.text
    matched: int = answer.json()["numberMatched"]
    return matched


def _park(request_id: str) -> dict[str, Any]:
    ring = [[76.945, 43.238], [76.946, 43.238], [76.946, 43.239], [76.945, 43.239], [76.945, 43.238]]
    return {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"osm_ref": f"w9{int(request_id[:8], 16)}", "land_use": "park"},
    }


def _write(cluster: Cluster, request_id: str) -> requests.Response:
    """A new feature, through nginx, named by its X-Request-ID in nginx's log."""
    return requests.post(
        f"{cluster.nginx.base}/collections/{LAYER}/items",
        json=_park(request_id),
        headers=cluster.auth() | {"X-Request-ID": request_id},
        timeout=120,
    )


def _write_into_frozen_node(cluster: Cluster, pool: ThreadPoolExecutor) -> tuple[str, Future[Any], list[str]]:
    """Writes until one stays unanswered (node B took it); the ones node A answered (201)."""
    answered: list[str] = []
    for _ in range(POSTS_TRIED):
        request_id = uuid.uuid4().hex
        sent = pool.submit(_write, cluster, request_id)
        try:
            answer = sent.result(timeout=HELD_S)
        except FutureTimeout:
            return request_id, sent, answered
        assert answer.status_code == 201, answer.text
        answered.append(request_id)
    raise AssertionError(f"none of {POSTS_TRIED} writes went to node B")


def test_a_node_killed_under_load_fails_no_get_and_its_write_is_not_sent_on(cluster: Cluster) -> None:
    a, b, nginx = cluster.a, cluster.b, cluster.nginx
    before = _number_of_features(cluster)
    started = time.monotonic()
    with Load(nginx.base, _read_paths(cluster)) as load, ThreadPoolExecutor(POSTS_TRIED) as pool:
        time.sleep(LOAD_S / 2)
        b.signal(signal.SIGSTOP)
        request_id, unanswered, answered = _write_into_frozen_node(cluster, pool)
        b.kill()
        refused = unanswered.result(timeout=60)
        time.sleep(max(0.0, started + LOAD_S - time.monotonic()))
    reads = sum(load.outcomes.values())
    print(f"{reads} GETs in {LOAD_S:.0f} s through nginx, node B killed halfway: {dict(load.outcomes)}")
    assert load.failures == [], load.failures[:20]
    assert reads > 100 and load.outcomes["200"] + load.outcomes["204"] == reads

    assert refused.status_code != 201, f"node A took more than {HELD_S} s to answer a write"
    assert refused.status_code == 503, refused.text
    assert refused.headers["Content-Type"] == "application/problem+json"
    writes = {entry["request_id"]: entry for entry in nginx.log_lines("POST ", len(answered) + 1)}
    assert writes[request_id]["upstream"] == b.address  # node B only: never sent on to node A
    assert all(writes[done]["upstream"] == a.address for done in answered)
    assert _number_of_features(cluster) == before + len(answered)  # the refused write: nowhere

    reads_log = nginx.log_lines("GET ", reads)
    retried = [e for e in reads_log if e["upstream"].startswith(b.address + ", ")]
    print(f"{len(retried)} GETs node B held or refused were answered by node A")
    assert retried and all(e["status"] in ("200", "204") for e in retried)
