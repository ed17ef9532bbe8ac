"""Whether an import is still running, from its lock rather than a clock.

A running import holds a lock keyed by its id for as long as it runs, taken before its `running`
record becomes visible to anyone (in the transaction that writes it). The operating system or
the database server lets go of it the moment the process dies, however it dies (SIGKILL, OOM,
a lost machine). So an import whose lock can be taken is not running: recovery takes the lock,
checks the record is still `running`, and cleans up while it holds it (two recoveries never
clean the same import).

- Embedded store: `fcntl.flock` on `data_dir/locks/imports/{id}.lock`. The embedded store is one
  machine's file, shared by `geohub serve`'s worker processes and the command line there.
- PostGIS: a session-level `pg_advisory_lock` on a connection of the import's own, so every
  machine sharing the database sees it; the server drops it when that connection closes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Protocol

from geohub.errors import StorageUnavailableError
from geohub.jobs import release_advisory_lock, try_advisory_lock, try_file_lock
from geohub.messages import tr
from geohub.settings import Settings

LOCK_CLASS = 0x47484249  # "GHBI": the first key of every import's advisory lock
OBJECT_KEYS = 2**31  # the second key is an int4: import ids wrap around after two billion


class HeldLock(Protocol):
    def release(self) -> None:
        """Let go of the lock (closing the file or the connection that holds it)."""


class ImportLocks(Protocol):
    def claim(self, import_id: int) -> HeldLock | None:
        """The import's lock if no live process holds it (the import ended or died), else None."""

    def hold(self, import_id: int) -> HeldLock:
        """The lock of an import that is starting (its id is new: nobody else holds it)."""


def import_locks(settings: Settings) -> ImportLocks:
    """Advisory locks in the database on PostGIS, file locks under `data_dir` otherwise."""
    if settings.database_url:
        return AdvisoryLocks(settings.database_url, settings.storage.connect_timeout_s)
    return FileLocks(settings.data_dir / "locks" / "imports")


def _held(locks: ImportLocks, import_id: int) -> HeldLock:
    lock = locks.claim(import_id)
    if lock is None:
        raise StorageUnavailableError(
            tr("The lock of import {import_id} is held by another process.", import_id=str(import_id))
        )
    return lock


class FileLock:
    def __init__(self, path: Path, descriptor: int) -> None:
        self.path, self._descriptor = path, descriptor

    def release(self) -> None:
        self.path.unlink(missing_ok=True)  # before unlocking: a claimer that opened it re-checks the record
        os.close(self._descriptor)


class FileLocks:
    """One lock file per import; `flock` locks belong to the open file, so they also tell two
    imports of one process apart."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def claim(self, import_id: int) -> FileLock | None:
        path = self.folder / f"{import_id}.lock"
        descriptor = try_file_lock(path)
        return None if descriptor is None else FileLock(path, descriptor)

    def hold(self, import_id: int) -> HeldLock:
        return _held(self, import_id)


class AdvisoryLock:
    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def release(self) -> None:
        release_advisory_lock(self._connection)


class AdvisoryLocks:
    """`pg_try_advisory_lock(LOCK_CLASS, id)`, each held on a connection of its own."""

    def __init__(self, url: str, connect_timeout_s: float) -> None:
        self.url, self.connect_timeout_s = url, connect_timeout_s

    def claim(self, import_id: int) -> AdvisoryLock | None:
        connection = try_advisory_lock(self.url, self.connect_timeout_s, LOCK_CLASS, import_id % OBJECT_KEYS)
        return None if connection is None else AdvisoryLock(connection)

    def hold(self, import_id: int) -> HeldLock:
        return _held(self, import_id)
