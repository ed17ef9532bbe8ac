"""Which published version of each layer a node's tiles show, and each tileset's version token.

Nodes share no filesystem: a publish on one node cannot delete the tiles cached on another. Each
process therefore reads the published version of every layer (one small query of the versions
table, at most every `tiles.version_check_ms`) and keys its cached tiles, ETags and TileJSON tile
URLs by a token made from them: a tile of an older version is never served for a newer token,
whatever is on the disk.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from geohub.errors import StorageUnavailableError
from geohub.storage.base import FeatureStore
from geohub.tiles.tilesets import Tileset

TOKEN_LENGTH = 16  # hex digits of a version token
HISTORY_LENGTH = 32  # distinct published versions a process remembers (to know an older token)


@dataclass(frozen=True)
class VersionSnapshot:
    """Layer id -> published version number, as read at `read_at` (wall-clock seconds)."""

    versions: Mapping[str, int]
    read_at: float


def tileset_versions(tileset: Tileset, snapshot: VersionSnapshot) -> dict[str, int]:
    """The published version of each of the tileset's layers (0: nothing published yet)."""
    return {layer.id: snapshot.versions.get(layer.id, 0) for layer in tileset.layers}


def version_token(tileset: Tileset, versions: Mapping[str, int]) -> str:
    """The tileset's version token: its make-up (layers' definitions, the attributes its audience
    sees) and the published version of each of its layers, hashed."""
    return digest_token(tileset.digest, versions)


def digest_token(digest: str, versions: Mapping[str, int]) -> str:
    """The version token of a tileset's make-up digest and its layers' versions."""
    text = json.dumps([digest, sorted(versions.items())], separators=(",", ":"))
    return hashlib.sha1(text.encode()).hexdigest()[:TOKEN_LENGTH]


@dataclass
class PublishedVersions:
    """The published versions, read from the store at most every `interval_s`."""

    store: FeatureStore
    interval_s: float
    _snapshot: VersionSnapshot | None = field(default=None, repr=False)
    _checked_at: float = field(default=float("-inf"), repr=False)
    _reading: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # the distinct versions read lately, oldest first (the current ones last)
    _history: deque[VersionSnapshot] = field(default_factory=lambda: deque(maxlen=HISTORY_LENGTH), repr=False)

    def current(self) -> VersionSnapshot:
        """The versions as of at most `interval_s` ago. One thread reads; the others keep the
        snapshot they have meanwhile (or wait for the first one)."""
        snapshot = self._snapshot
        if snapshot is not None and time.monotonic() - self._checked_at < self.interval_s:
            return snapshot
        if snapshot is not None and not self._reading.acquire(blocking=False):
            return snapshot
        if snapshot is None:
            self._reading.acquire()
        try:
            if self._snapshot is not None and time.monotonic() - self._checked_at < self.interval_s:
                return self._snapshot
            return self._read()
        finally:
            self._reading.release()

    def within(self, age_s: float) -> VersionSnapshot:
        """The versions as of at most `age_s` ago (at most `interval_s`), read now if older."""
        age_s = min(age_s, self.interval_s)
        snapshot = self._snapshot
        if snapshot is not None and time.monotonic() - self._checked_at < age_s:
            return snapshot
        with self._reading:  # another thread may have read it meanwhile
            if self._snapshot is not None and time.monotonic() - self._checked_at < age_s:
                return self._snapshot
            return self._read()

    def history(self) -> list[VersionSnapshot]:
        """The distinct versions this process has read lately (each as first read), oldest first,
        the current ones last."""
        return list(self._history)

    def last(self) -> VersionSnapshot | None:
        """The snapshot held now, without reading the store."""
        return self._snapshot

    def refresh(self) -> VersionSnapshot:
        """Read the versions now (after a publish in this process)."""
        with self._reading:
            return self._read()

    def _read(self) -> VersionSnapshot:
        read_at = time.time()
        try:
            versions = self.store.published_versions()
        except StorageUnavailableError:
            if self._snapshot is None:
                raise
            return self._snapshot  # the store comes back later; keep what was known
        self._snapshot = VersionSnapshot(versions, read_at)
        if not self._history or self._history[-1].versions != versions:
            self._history.append(self._snapshot)
        self._checked_at = time.monotonic()
        return self._snapshot
