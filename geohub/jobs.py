"""Jobs that run on exactly one node at a time, whichever node's timer fires: the scheduled sync
of a layer, recovery of interrupted imports, pruning of old versions, the report desk's upkeep.

`run_once(settings, name)` holds the job's lock for the job's run. On PostGIS it is a session
`pg_try_advisory_lock` on a connection of the job's own, so every node sharing the database sees
it; on the embedded store (one machine) an `fcntl.flock` on `data_dir/locks/jobs/{name}.lock`, so
`geohub serve`'s workers and the command line there see it. Either is let go at the end of the
run, or by the operating system or the database server the moment the process dies (SIGKILL, OOM,
a lost machine): no clock, no stale lock. A process that does not get the lock skips the job.

The lock primitives here also serve the imports' own locks (publishing/import_locks.py).
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from geohub.errors import StorageUnavailableError
from geohub.messages import tr
from geohub.settings import Settings

log = logging.getLogger(__name__)

JOB_CLASS = 0x47484A42  # "GHJB": the first key of every job's advisory lock
SKIPPED = "skipped: running on another node"
WAIT_POLL_S = 0.25  # how often a job that waits for another process's run asks again


@contextmanager
def run_once(settings: Settings, name: str, wait_s: float = 0.0) -> Iterator[bool]:
    """Hold the lock of job `name` for the body; yields False (and logs it) when another process,
    on this node or another, is running the job (still, after waiting up to `wait_s` for it to
    end): the caller then skips it."""
    release = _claim(settings, name)
    deadline = time.monotonic() + wait_s
    while release is None and time.monotonic() < deadline:
        time.sleep(WAIT_POLL_S)
        release = _claim(settings, name)
    if release is None:
        log.info("job %s %s", name, SKIPPED)
        yield False
        return
    try:
        yield True
    finally:
        release()


def _claim(settings: Settings, name: str) -> Callable[[], None] | None:
    """A function releasing the job's lock, or None when another process holds it."""
    if settings.database_url:
        objid = zlib.crc32(name.encode()) - 2**31  # int4, the lock's second key
        connection = try_advisory_lock(
            settings.database_url, settings.storage.connect_timeout_s, JOB_CLASS, objid
        )
        return None if connection is None else lambda: release_advisory_lock(connection)
    path = settings.data_dir / "locks" / "jobs" / f"{re.sub(r'[^A-Za-z0-9_.-]', '-', name)}.lock"
    descriptor = try_file_lock(path)
    # the file stays: unlinking it would let a later process lock a new file while another
    # still waits to lock the old one
    return None if descriptor is None else lambda: os.close(descriptor)


def try_file_lock(path: Path) -> int | None:
    """An open descriptor holding an exclusive `flock` on `path` (created if missing), or None
    when another open file holds it (in this process or another)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    return descriptor


def try_advisory_lock(url: str, connect_timeout_s: float, classid: int, objid: int) -> Any:
    """A new autocommit connection holding `pg_try_advisory_lock(classid, objid)` (closing it lets
    go), or None when another session holds that lock."""
    import psycopg

    try:
        connection = psycopg.connect(url, autocommit=True, connect_timeout=max(1, round(connect_timeout_s)))
    except psycopg.Error as exc:
        raise StorageUnavailableError(tr("The database cannot be reached: {exc}", exc=exc)) from exc
    try:
        row = connection.execute("SELECT pg_try_advisory_lock(%s, %s)", (classid, objid)).fetchone()
    except psycopg.Error as exc:
        connection.close()
        raise StorageUnavailableError(tr("The database cannot be reached: {exc}", exc=exc)) from exc
    if row is None or not row[0]:
        connection.close()
        return None
    return connection


def release_advisory_lock(connection: Any) -> None:
    """Let go of the lock `try_advisory_lock` took, then close its connection. The unlock is asked for
    and answered first: a closed connection's session ends on the server a moment later, and a claim
    made at once could still find the lock held."""
    import psycopg

    try:
        connection.execute("SELECT pg_advisory_unlock_all()")
    except psycopg.Error:
        pass  # the session is gone already, and its locks with it
    finally:
        connection.close()
