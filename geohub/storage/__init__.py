"""Storage: one FeatureStore protocol, a GeoPackage and a PostGIS implementation."""

from __future__ import annotations

from geohub.settings import Settings
from geohub.storage.base import FeatureStore


def open_store(settings: Settings) -> FeatureStore:
    """The store the settings ask for: PostGIS when a database URL is set, else GeoPackage."""
    if settings.database_url:
        from geohub.storage.postgis import PostgisStore

        return PostgisStore(settings.database_url, settings.storage)
    from geohub.storage.geopackage import GeopackageStore

    return GeopackageStore(settings.data_dir / "geohub.gpkg")
