"""A version number beyond 64 bits names no version: a 404 on both backends, never a 500
(SQLite cannot bind such an integer)."""

from __future__ import annotations

import pytest

from geohub.errors import VersionNotFoundError
from geohub.storage.base import FeatureStore

HUGE = [2**63, 10**25, -(2**63) - 1]


@pytest.mark.parametrize("version", HUGE)
def test_version_beyond_64_bits_is_not_found(store: FeatureStore, version: int) -> None:
    for call in (
        lambda: store.version_digests("buildings", version),
        lambda: store.publish_version("buildings", version),
        lambda: store.delete_version("buildings", version),
    ):
        with pytest.raises(VersionNotFoundError):
            call()
