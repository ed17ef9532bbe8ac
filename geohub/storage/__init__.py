"""Storage: one FeatureStore protocol, a GeoPackage and a PostGIS implementation."""

from __future__ import annotations

from geohub.settings import Settings
from geohub.storage.base import FeatureStore


def open_store(settings: Settings) -> FeatureStore:
    """The store the settings ask for: PostGIS when a database URL is set (with its read replicas
    when there are any), else GeoPackage."""
    if settings.database_url and settings.database_replica_urls:
        from geohub.storage.postgis_replicas import ReplicatedPostgisStore
        from geohub.storage.replicas import position_ttl_s
        from geohub.storage.writers import write_positions

        positions = write_positions(settings.auth.rate_limit_storage_uri, position_ttl_s(settings.storage))
        return ReplicatedPostgisStore(
            settings.database_url, settings.database_replica_urls, settings.storage, positions
        )
    if settings.database_url:
        from geohub.storage.postgis import PostgisStore

        return PostgisStore(settings.database_url, settings.storage)
    from geohub.storage.geopackage import GeopackageStore

    return GeopackageStore(settings.data_dir / "geohub.gpkg")


def replica_status(store: FeatureStore) -> list[dict[str, object]] | None:
    """Each read replica's health (server, healthy, state), when the store reads from replicas."""
    if store.backend != "postgis":
        return None  # the embedded store: nothing of PostgreSQL is imported
    from geohub.storage.postgis_replicas import ReplicatedPostgisStore

    return store.replicas.status() if isinstance(store, ReplicatedPostgisStore) else None
