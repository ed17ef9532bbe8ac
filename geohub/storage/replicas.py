"""PostgreSQL read replicas: which one may answer a read, from their health and WAL positions.

A background thread checks, every `storage.replica_check_ms`, the primary's WAL position
(`pg_current_wal_lsn()`) and then each replica's replay position (`pg_last_wal_replay_lsn()`).
A replica's lag is how long ago the oldest WAL it has not replayed was written, read off the
primary's positions of the last checks; a replica that cannot be reached, errs, is no standby
or lags more than `storage.replica_max_lag_ms` is skipped. A request's reads (not a writing
request's, nor any outside a request: geohub/storage/writers.py) pick, round robin, a healthy
replica that has replayed at least
- what the request's writer last wrote (read-your-writes), and
- this process's floor: its own writes made outside a request, and the position of the last
  read of the published versions, so a tile rendered after that read is never of an older
  version than the token it is cached under;
else the primary. Nothing here runs per request but a comparison of numbers (and, with Redis,
one GET of the writer's position).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from geohub.settings import StorageSettings
from geohub.storage.postgis import check_if_signalled
from geohub.storage.writers import WritePositions, current_writer

PRIMARY_POSITION_SQL = "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"
REPLICA_POSITION_SQL = "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() - '0/0'::pg_lsn"
# what a read just saw: a replica's replay position, or the primary's WAL position
SERVER_POSITION_SQL = (
    "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END"
    " - '0/0'::pg_lsn"
)
MIN_CHECK_GAP_S = 0.01  # a read that finds no replica far enough wakes the checker, at most this often
# connection lost, server shutting down or starting, recovery conflict: try the primary instead
RETRIED_STATES = frozenset({"57P01", "57P02", "57P03", "40001"})
log = logging.getLogger("geohub.storage")


class ReplicaFailedError(Exception):
    """A read failed on a replica for a reason the primary does not share; read there instead."""


def replay_lag_s(samples: Sequence[tuple[float, int]], position: int, now: float) -> float | None:
    """How long ago the oldest WAL a replica at `position` lacks was written, given the primary's
    (time, position) samples, oldest first: 0 when it has the newest; None when it lacks even
    the oldest (it lags more than the samples reach back)."""
    lacking_since: float | None = None
    for at, primary_position in reversed(samples):
        if primary_position <= position:
            return 0.0 if lacking_since is None else now - lacking_since
        lacking_since = at
    return None


def lost_connection(exc: psycopg.Error) -> bool:
    """Whether a failed read says the server is gone (or going), rather than the query is wrong."""
    state = exc.sqlstate
    return state is None or state.startswith("08") or state in RETRIED_STATES


def server_name(url: str) -> str:
    """host:port/database of a URL, without the user or password (for logs)."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}"


class Replica:
    """One read replica: its pool, and what the last check found."""

    def __init__(self, url: str, pool: ConnectionPool[Any], connect_timeout_s: float) -> None:
        self.url = url
        self.name = server_name(url)
        self.pool = pool
        self.position = 0  # WAL replayed, as last seen
        self.healthy = False
        self.checked_at = float("-inf")  # monotonic time of the last check
        self._reported: bool | None = None  # the health last logged
        self.state = "not checked yet"  # why it is (un)healthy, as last found
        self._timeout = max(1, int(connect_timeout_s))
        self._conn: psycopg.Connection[Any] | None = None  # the checker's own

    def check(self, samples: Sequence[tuple[float, int]], max_lag_s: float) -> None:
        """Read the replay position; healthy when reached, a standby and not lagging too much."""
        was_healthy = self.healthy
        try:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(self.url, autocommit=True, connect_timeout=self._timeout)
            row = self._conn.execute(REPLICA_POSITION_SQL).fetchone()
        except psycopg.Error as exc:
            self.close_check_connection()
            self._set(False, f"unreachable ({str(exc).strip().splitlines()[0] if str(exc) else exc})")
            return
        now = time.monotonic()
        if row is None or not row[0] or row[1] is None:
            self._set(False, "not a standby (promoted?)")
            return
        self.position = max(self.position, int(row[1]))
        lag_s = replay_lag_s(samples, self.position, now)
        self.checked_at = now
        if lag_s is None or lag_s > max_lag_s:
            self._set(False, "lagging")
            return
        self._set(True, "healthy")
        if not was_healthy:
            self.pool.check()  # connections broken while it was away are replaced now

    def _set(self, healthy: bool, why: str) -> None:
        self.state = why
        if healthy != self._reported:
            log.log(logging.INFO if healthy else logging.WARNING, "replica %s: %s", self.name, why)
            self._reported = healthy
        self.healthy = healthy

    def failed(self, exc: BaseException) -> None:
        """A read lost its connection: skip this replica until a check finds it back."""
        if self.healthy:
            log.warning("replica %s: a read failed (%s); reading on the primary", self.name, exc)
            self._reported = False
        self.healthy = False
        self.state = "a read failed"

    def close_check_connection(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class ReplicaSet:
    """The replicas of one store, checked in the background, and the choice of one per read."""

    def __init__(
        self,
        urls: Sequence[str],
        primary: ConnectionPool[Any],
        settings: StorageSettings,
        positions: WritePositions,
        configure: Callable[[psycopg.Connection[Any]], None],
    ) -> None:
        self.interval_s = settings.replica_check_ms / 1000
        self.max_lag_s = settings.replica_max_lag_ms / 1000
        self.stale_after_s = stale_after_s(settings)  # a status older than this is not believed
        self.positions = positions
        self.replicas = [
            Replica(
                url,
                ConnectionPool(
                    url,
                    min_size=0,  # no reconnecting in the background while a replica is away
                    max_size=settings.pool_max_size,
                    kwargs={"connect_timeout": max(1, int(settings.connect_timeout_s))},
                    configure=configure,
                    check=check_if_signalled,  # a restart's broken connections replaced
                    open=False,
                ),
                settings.connect_timeout_s,
            )
            for url in urls
        ]
        for replica in self.replicas:
            replica.pool.open(wait=False)
        self._primary = primary
        self._timeout_s = settings.connect_timeout_s
        self._samples: deque[tuple[float, int]] = deque()
        self._floor = 0
        self._turn = 0
        self._lock = threading.Lock()
        self._checking = threading.Lock()
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._keep_checking, name="geohub-replicas", daemon=True)
        self._thread.start()

    def status(self) -> list[dict[str, object]]:
        """Each replica as readiness reports it: its server (no credentials), whether reads use
        it, and why (healthy, lagging, unreachable…)."""
        now = time.monotonic()
        return [
            {
                "server": r.name,
                "healthy": r.healthy and now - r.checked_at <= self.stale_after_s,
                "state": r.state,
            }
            for r in self.replicas
        ]

    # choosing ---------------------------------------------------------------------------------
    def choose(self) -> Replica | None:
        """A healthy replica that has replayed what this read must see, or None (the primary)."""
        needed = self._needed_position()
        if needed is None:
            return None
        now = time.monotonic()
        healthy = [r for r in self.replicas if r.healthy and now - r.checked_at <= self.stale_after_s]
        ready = [r for r in healthy if r.position >= needed]
        if len(ready) < len(healthy):
            self._wake.set()  # it may have caught up since its last check
        if not ready:
            return None
        self._turn += 1
        return ready[self._turn % len(ready)]

    def _needed_position(self) -> int | None:
        """The least position the read must see; None: the primary's (no request, or a writing one)."""
        writer = current_writer()
        if writer is None or writer.on_primary:
            return None
        if not writer.recalled:
            writer.recalled = True
            recalled = self.positions.recall(writer.key)
            writer.position = None if recalled is None else max(writer.position or 0, recalled)
        return None if writer.position is None else max(self._floor, writer.position)

    # what reads and writes saw ------------------------------------------------------------------
    def wrote(self, position: int) -> None:
        """After a write committed at `position`: its writer (or, outside a request, every read of
        this process) reads on a replica only once that replica has replayed it."""
        writer = current_writer()
        if writer is None:
            self._raise_floor(position)
            return
        if writer.position is not None:
            writer.position = max(writer.position, position)
        self.positions.remember(writer.key, position)

    def saw(self, replica: Replica | None, position: int) -> None:
        """A read of the published versions saw the database at `position` (on `replica`, or on
        the primary): later reads of this process read nothing older."""
        if replica is not None:
            replica.position = max(replica.position, position)
        self._raise_floor(position)

    def failed(self, replica: Replica, exc: BaseException) -> ReplicaFailedError:
        """Skip `replica` until a check finds it back; the error that sends the read to the primary."""
        replica.failed(exc)
        self._wake.set()
        return ReplicaFailedError(replica.name)

    def _raise_floor(self, position: int) -> None:
        with self._lock:
            self._floor = max(self._floor, position)

    # checking ---------------------------------------------------------------------------------
    def check(self) -> None:
        """Check the primary's position, then every replica (one round, now)."""
        with self._checking:
            started = time.monotonic()
            try:
                with self._primary.connection(timeout=self._timeout_s) as conn:
                    row = conn.execute(PRIMARY_POSITION_SQL).fetchone()
            except (psycopg.Error, PoolTimeout) as exc:
                log.warning("replica check: the primary cannot be read: %s", exc)
                return
            assert row is not None
            self._samples.append((started, int(row[0])))
            # samples reach back further than the max lag: lacking the oldest means lagging more
            while self._samples[0][0] < started - self.max_lag_s - 2 * self.interval_s:
                self._samples.popleft()
            for replica in self.replicas:
                replica.check(self._samples, self.max_lag_s)

    def _keep_checking(self) -> None:
        while not self._closing.is_set():
            try:
                self.check()
            except Exception:  # the checker must outlive any one failure; reads fall back meanwhile
                log.exception("replica check failed")
            if self._closing.wait(MIN_CHECK_GAP_S):
                break
            self._wake.wait(max(0.0, self.interval_s - MIN_CHECK_GAP_S))
            self._wake.clear()

    def close(self) -> None:
        self._closing.set()
        self._wake.set()
        self._thread.join(timeout=max(5.0, self._timeout_s * 2))
        for replica in self.replicas:
            replica.close_check_connection()
            replica.pool.close()


def stale_after_s(settings: StorageSettings) -> float:
    """How old a replica's checked status may be and still be believed (a stalled checker sends
    reads to the primary)."""
    return max(1.0, 4 * settings.replica_check_ms / 1000)


def position_ttl_s(settings: StorageSettings) -> float:
    """How long a writer's position must be kept: afterwards every replica a read may use has
    replayed it (lagging at most the max lag, checked at most `stale_after_s` ago)."""
    check_s = settings.replica_check_ms / 1000
    return settings.replica_max_lag_ms / 1000 + stale_after_s(settings) + 2 * check_s + 1.0
