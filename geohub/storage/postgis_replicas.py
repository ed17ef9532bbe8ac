"""ReplicatedPostgisStore: PostgisStore whose layer reads go to read replicas when they may.

Writes, the reads inside them, the ETL's reads (a version being imported, its digests) and
anything PostgreSQL-only (`connection()`, pgRouting) stay on the primary. The reads of published
data — features, counts, tiles, versions, extents, schemas and the published-versions poll — are
routed: geohub/storage/replicas.py picks a replica that is healthy and has replayed what the read
must see, else the primary. A read whose replica fails under it (connection lost, server shutting
down, a conflict with recovery) is made once more on the primary: a dead replica is never an error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from geohub.errors import GeoHubError
from geohub.layers.models import LayerDefinition
from geohub.settings import StorageSettings
from geohub.storage.base import Bbox, Feature, FeaturePage, FeatureQuery, LayerVersion, TileRequest
from geohub.storage.postgis import PostgisStore, session_setup
from geohub.storage.replicas import (
    PRIMARY_POSITION_SQL,
    SERVER_POSITION_SQL,
    Replica,
    ReplicaFailedError,
    ReplicaSet,
    lost_connection,
    position_ttl_s,
)
from geohub.storage.writers import MemoryPositions, WritePositions

T = TypeVar("T")


@dataclass(frozen=True)
class _Route:
    """Where the routed read running in this context reads: a replica, or the primary (None)."""

    replica: Replica | None


_route: ContextVar[_Route | None] = ContextVar("geohub_read_route", default=None)


class ReplicatedPostgisStore(PostgisStore):
    """PostgisStore over a primary and its streaming read replicas."""

    def __init__(
        self,
        database_url: str,
        replica_urls: Sequence[str],
        settings: StorageSettings | None = None,
        positions: WritePositions | None = None,
    ) -> None:
        """`positions`: where writers' WAL positions are kept (default: this process's memory)."""
        settings = settings or StorageSettings()
        self._replicas: ReplicaSet | None = None  # set-up (in PostgisStore) runs on the primary
        super().__init__(database_url, settings)
        self._replicas = ReplicaSet(
            replica_urls,
            self._pool,
            settings,
            positions or MemoryPositions(position_ttl_s(settings)),
            session_setup(settings.statement_timeout_ms),
        )

    @property
    def replicas(self) -> ReplicaSet:
        assert self._replicas is not None
        return self._replicas

    def close(self) -> None:
        if self._replicas is not None:
            self._replicas.close()
        super().close()

    # where a connection comes from ---------------------------------------------------------
    @contextmanager
    def _connection(
        self, writing: bool = False, pool: ConnectionPool[Any] | None = None
    ) -> Iterator[psycopg.Connection[Any]]:
        """The routed read's replica, else the primary; a write's WAL position is remembered."""
        route = _route.get()
        if not writing and pool is None and route is not None and route.replica is not None:
            with self._replica_connection(route.replica) as conn:
                yield conn
            return
        with super()._connection(writing, pool) as conn:
            yield conn
        if writing and self._replicas is not None:
            with super()._connection() as conn:  # after the commit: its position or a later one
                row = conn.execute(PRIMARY_POSITION_SQL).fetchone()
            self._replicas.wrote(int(row[0]) if row else 0)

    @contextmanager
    def _replica_connection(self, replica: Replica) -> Iterator[psycopg.Connection[Any]]:
        """A connection to `replica`; when the replica fails under the read, ReplicaFailedError."""
        try:
            with super()._connection(pool=replica.pool) as conn:
                yield conn
        except GeoHubError as exc:
            cause = exc.__cause__  # the database's own error (PostgisStore chains it)
            if isinstance(cause, PoolTimeout) or (
                isinstance(cause, psycopg.Error) and lost_connection(cause)
            ):
                if isinstance(cause, psycopg.errors.SerializationFailure):  # a conflict with recovery
                    raise ReplicaFailedError(replica.name) from exc
                raise self.replicas.failed(replica, cause) from exc
            raise

    def _routed(self, read: Callable[..., T], *args: Any) -> T:
        """`read(*args)` on a replica when one may answer it, else (or when that replica fails
        meanwhile) on the primary; the reads it makes go where it goes."""
        if _route.get() is not None:
            return read(*args)
        replica = self.replicas.choose()
        token = _route.set(_Route(replica))
        try:
            if replica is not None:
                try:
                    return read(*args)
                except ReplicaFailedError:
                    _route.set(_Route(None))
            return read(*args)
        finally:
            _route.reset(token)

    # the reads of published data ---------------------------------------------------------
    def query(self, layer: LayerDefinition, query: FeatureQuery) -> FeaturePage:
        return self._routed(super().query, layer, query)

    def get(self, layer: LayerDefinition, feature_id: str) -> Feature:
        return self._routed(super().get, layer, feature_id)

    def count(self, layer: LayerDefinition, query: FeatureQuery | None = None) -> int:
        return self._routed(super().count, layer, query)

    def versions(self, layer_id: str) -> list[LayerVersion]:
        return self._routed(super().versions, layer_id)

    def current_version(self, layer_id: str) -> LayerVersion | None:
        return self._routed(super().current_version, layer_id)

    def extent(self, layer_id: str) -> Bbox | None:
        return self._routed(super().extent, layer_id)

    def stored_schema(self, layer_id: str) -> dict[str, str]:
        return self._routed(super().stored_schema, layer_id)

    def render_tile(self, request: TileRequest) -> bytes:
        return self._routed(super().render_tile, request)

    def published_versions(self) -> dict[str, int]:
        return self._routed(self._published_versions)

    def _published_versions(self) -> dict[str, int]:
        """The versions, then the position of the server that answered (at least what they saw):
        later reads of this process go where that much has been replayed."""
        versions = super().published_versions()
        with self._connection() as conn:
            row = conn.execute(SERVER_POSITION_SQL).fetchone()
        route = _route.get()
        self.replicas.saw(route.replica if route else None, int(row[0]) if row else 0)
        return versions
