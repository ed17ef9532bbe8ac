"""Cluster fixtures: the demo loaded once per session, and one cluster (2 nodes, Redis, nginx) per
module over its own copy of it, or over a private primary and its replica (`replicated_cluster`).
A module sets more node settings with a CLUSTER_SETTINGS dict."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from tests.cluster.harness import LAYER, Cluster, copied_database, demo_database, start_cluster, sync_layers
from tests.cluster.postgres import ReplicatedPostgres, replicated_postgres


@pytest.fixture(scope="session")
def demo_template() -> Iterator[str]:
    """A database with the Almaty demo loaded, only ever copied (nobody connects to it)."""
    with demo_database() as url:
        yield url


@pytest.fixture(scope="module")
def cluster(
    demo_template: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Cluster]:
    """Two nodes and nginx over a copy of the demo, stopped at the end of the module."""
    settings: dict[str, str] = getattr(request.module, "CLUSTER_SETTINGS", {})
    with ExitStack() as stack:
        url = stack.enter_context(copied_database(demo_template))
        yield start_cluster(stack, tmp_path_factory.mktemp("cluster"), url, settings=settings)


@pytest.fixture(scope="module")
def replicated() -> Iterator[ReplicatedPostgres]:
    """A private PostgreSQL primary with a real streaming replica of it (tests/cluster/postgres.py),
    stopped and deleted at the end of the module."""
    with replicated_postgres() as pair:
        yield pair


@pytest.fixture(scope="module")
def replicated_cluster(
    replicated: ReplicatedPostgres, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Cluster]:
    """The issue's whole set-up: two nodes and nginx over a private primary with `cadastre` synced
    in, reading from its streaming replica, rate limits in Redis; stopped at the end of the module."""
    settings: dict[str, str] = getattr(request.module, "CLUSTER_SETTINGS", {})
    tmp = tmp_path_factory.mktemp("replicated-cluster")
    with ExitStack() as stack:
        url = stack.enter_context(replicated.new_database())
        sync_layers(tmp / "sync", {"GEOHUB_DATABASE_URL": url, "GEOHUB_LOG_LEVEL": "WARNING"}, LAYER)
        replicas = [replicated.replica_url_of(url)]
        yield start_cluster(stack, tmp, url, replica_urls=replicas, settings=settings)
