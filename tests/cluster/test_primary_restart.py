"""The PostgreSQL primary restarts under a running node: /readyz says 503 while it is away and 200
again once it is back, no answer in between is a 500, nothing written before is lost, and the
node takes writes again.

The primary and its streaming replica are private PostgreSQL 15 servers (tests/cluster/postgres.py)
on free ports, never the machine's own on 5432, with the `cadastre` layer synced into a new
database; one node with 2 workers reading from the replica, writing to the primary.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from shapely.geometry import shape

from geohub.settings import StorageSettings
from tests.cluster.harness import (
    LAYER,
    Node,
    needs_cluster,
    node_environment,
    publisher_token,
    start_node,
    sync_layers,
    wait_until_ready,
)
from tests.cluster.postgres import PostgresServer, ReplicatedPostgres
from tests.publishing.test_item_edits import PARK

pytestmark = needs_cluster

FEATURE: dict[str, Any] = PARK  # a new park, written before the restart

AWAY_WITHIN_S = 10.0  # the node notices the primary is gone (its next query fails)
BACK_WITHIN_S = 30.0
# a replica further behind than replica_max_lag_ms is skipped, found out every replica_check_ms
REPLICA_BOUND_S = (StorageSettings().replica_max_lag_ms + StorageSettings().replica_check_ms) / 1000 + 0.5


@dataclass
class Single:
    """One node over the private primary, and a publisher's token."""

    node: Node
    primary: PostgresServer
    token: str


@pytest.fixture(scope="module")
def single(replicated: ReplicatedPostgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Single]:
    """A node over a new database on the private primary (its replica is left alone), `cadastre`
    synced into it."""
    tmp = tmp_path_factory.mktemp("primary-restart")
    with ExitStack() as stack:
        url = stack.enter_context(replicated.new_database())
        replicas = [replicated.replica_url_of(url)]
        settings = node_environment(url, replicas, {"GEOHUB_STORAGE__CONNECT_TIMEOUT_S": "1"})
        sync_layers(tmp / "sync", settings, LAYER)
        node = start_node(stack, "a", tmp / "node-a", settings)
        wait_until_ready(f"{node.base}/readyz", node.process, node.log)
        yield Single(node, replicated.primary, publisher_token(url, tmp))


def _poll(node: Node, path: str, wanted: int, within_s: float) -> tuple[list[int], requests.Response]:
    """Ask for `path` until it answers `wanted` or `within_s` pass: every status seen, the last answer."""
    seen: list[int] = []
    deadline = time.monotonic() + within_s
    while True:
        answer = node.get(path)
        seen.append(answer.status_code)
        if answer.status_code == wanted:
            return seen, answer
        assert time.monotonic() < deadline, f"{path} never answered {wanted}: {seen}"
        time.sleep(0.05)


def test_readyz_is_503_while_the_primary_restarts_then_200_and_nothing_written_is_lost(
    single: Single,
) -> None:
    node = single.node
    written = requests.post(
        f"{node.base}/collections/{LAYER}/items",
        json=FEATURE,
        headers={"Authorization": f"Bearer {single.token}"},
        timeout=60,
    )
    assert written.status_code == 201, written.text
    feature_id = written.json()["created"][0]
    item = f"/collections/{LAYER}/items/{feature_id}?f=json"
    count = node.get(f"/collections/{LAYER}/items?f=json&limit=1").json()["numberMatched"]

    single.primary.stop("fast")
    away, down = _poll(node, "/readyz", 503, AWAY_WITHIN_S)
    assert down.json()["status"] == "unavailable" and down.headers["Cache-Control"] == "no-store"
    assert node.get(item).status_code in (200, 503)  # a read while it is away: never a 500

    single.primary.start()
    back, _ = _poll(node, "/readyz", 200, BACK_WITHIN_S)
    assert set(away + back) <= {200, 503}, away + back
    # once /readyz says 200, no request fails: the pooled connections the restart broke are
    # checked as they are taken (psycopg_pool's check_connection, SQLAlchemy's pre-ping) and
    # replaced, on every worker
    found = node.get(item)
    counted = node.get(f"/collections/{LAYER}/items?f=json&limit=1")
    writes = _rename(single, feature_id, "Жаңа саябақ 2", within_s=5)
    print(f"after the restart: /readyz {back}, reads {found.status_code} {counted.status_code}, {writes}")
    assert (found.status_code, counted.status_code, writes) == (200, 200, [204]), found.text + counted.text
    answer: dict[str, Any] = found.json()
    assert answer["properties"]["name"] == FEATURE["properties"]["name"]
    assert shape(answer["geometry"]).equals(shape(FEATURE["geometry"]))  # stored as a MultiPolygon
    assert counted.json()["numberMatched"] == count
    written_at = time.monotonic()
    as_writer = node.get(item, Authorization=f"Bearer {single.token}")
    assert as_writer.json()["properties"]["name"] == "Жаңа саябақ 2"  # its writer reads it at once
    while node.get(item).json()["properties"]["name"] != "Жаңа саябақ 2":  # others: from a replica
        assert time.monotonic() - written_at < REPLICA_BOUND_S, "the replica still serves the old name"
        time.sleep(0.02)
    print(f"other readers see the write after {time.monotonic() - written_at:.2f} s")


def _rename(single: Single, feature_id: str, name: str, within_s: float) -> list[int]:
    """PATCH the feature's name until it is done (204) or `within_s` pass: every status seen."""
    seen: list[int] = []
    deadline = time.monotonic() + within_s
    while not seen or seen[-1] != 204:
        assert time.monotonic() < deadline, f"the write never went through: {seen}"
        seen.append(
            requests.patch(
                f"{single.node.base}/collections/{LAYER}/items/{feature_id}",
                json={"properties": {"name": name}},
                headers={"Authorization": f"Bearer {single.token}"},
                timeout=60,
            ).status_code
        )
    return seen
