"""Read-your-writes: who the current request writes as, and the WAL position each writer last wrote at.

After a write, the PostGIS store remembers the primary's WAL position (LSN) for the writer (the
signed-in account, or the client address of an anonymous request); that writer's reads go to a
replica only once it has replayed that far, as GitLab's database load balancing does. The
positions live in Redis when the rate limits use it, so every node sees them; otherwise in this
process's memory (bounded, expiring): a writer then reads its own writes through the process that
took them only. Who writes is a context variable, set per request by geohub/request_writer.py (or
by `writing_as` in a test), so the store needs no web framework. Outside one (commands, background
work) every read goes to the primary, as do all reads of a request that writes (`on_primary`):
what a write reads first must not be older than what it then changes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any, Protocol

REDIS_PREFIX = "geohub:wal-position:"  # + writer key: the LSN, as a decimal number of bytes
MAX_WRITERS = 10_000  # positions kept in memory; the oldest go first
log = logging.getLogger("geohub.storage")

# Keep the larger of two positions: two nodes may write for one writer at once.
_REMEMBER_LUA = """
local old = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > old then
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1
"""


@dataclass
class Writer:
    """The writer of the current request and the least WAL position its reads must see.

    `position` is looked up once per request (`recalled`); None when it cannot be told (Redis
    unreachable), and then every read of the request goes to the primary, as with `on_primary`.
    """

    key: str
    on_primary: bool = False
    position: int | None = 0
    recalled: bool = False


_writer: ContextVar[Writer | None] = ContextVar("geohub_writer", default=None)


def current_writer() -> Writer | None:
    """Who the current request (or command) writes as; None outside one."""
    return _writer.get()


def enter_writer(key: str, *, on_primary: bool = False) -> Token[Writer | None]:
    """Act as writer `key` until `leave_writer` is given the token (`on_primary`: read nothing
    from a replica meanwhile)."""
    return _writer.set(Writer(key, on_primary))


def leave_writer(token: Token[Writer | None]) -> None:
    _writer.reset(token)


@contextmanager
def writing_as(key: str, *, on_primary: bool = False) -> Iterator[Writer]:
    """Act as writer `key` inside the block (as a request does)."""
    token = enter_writer(key, on_primary=on_primary)
    try:
        writer = current_writer()
        assert writer is not None
        yield writer
    finally:
        leave_writer(token)


class WritePositions(Protocol):
    """Where writers' last WAL positions are kept for as long as a replica may lack them."""

    def remember(self, writer: str, position: int) -> None:
        """Keep `position` for `writer` unless a later one is kept already."""

    def recall(self, writer: str) -> int | None:
        """The writer's last position (0: none kept); None when it cannot be told."""


class MemoryPositions:
    """Positions in this process, each for `ttl_s` seconds, at most `max_writers` of them."""

    def __init__(
        self, ttl_s: float, max_writers: int = MAX_WRITERS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl_s = ttl_s
        self._max_writers = max_writers
        self._clock = clock
        self._kept: OrderedDict[str, tuple[int, float]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, writer: str, position: int) -> None:
        with self._lock:
            position = max(position, self._live(writer))
            self._kept[writer] = (position, self._clock() + self._ttl_s)
            self._kept.move_to_end(writer)
            while len(self._kept) > self._max_writers:
                self._kept.popitem(last=False)

    def recall(self, writer: str) -> int | None:
        with self._lock:
            return self._live(writer)

    def _live(self, writer: str) -> int:
        kept = self._kept.get(writer)
        if kept is None:
            return 0
        if kept[1] <= self._clock():
            del self._kept[writer]
            return 0
        return kept[0]


class RedisPositions:
    """Positions in Redis (`geohub:wal-position:<writer>`), shared by every worker and node.

    After Redis fails, it is left alone for `retry_after_s` (reads go to the primary meanwhile),
    so an unreachable Redis costs a request no connection attempt of its own.
    """

    def __init__(
        self,
        client: Any,
        ttl_s: float,
        prefix: str = REDIS_PREFIX,
        retry_after_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from redis.exceptions import RedisError

        self._client = client
        self._ttl_ms = max(1, int(ttl_s * 1000))
        self._prefix = prefix
        self._errors: tuple[type[Exception], ...] = (RedisError, OSError)
        self._remember = client.register_script(_REMEMBER_LUA)
        self._retry_after_s = retry_after_s
        self._clock = clock
        self._down_until = float("-inf")

    def remember(self, writer: str, position: int) -> None:
        if self._clock() < self._down_until:
            return
        try:
            self._remember(keys=[self._prefix + writer], args=[position, self._ttl_ms])
        except self._errors as exc:  # the write is done; its writer may read an older copy
            self._failed("cannot keep a WAL position in Redis", exc)

    def recall(self, writer: str) -> int | None:
        if self._clock() < self._down_until:
            return None
        try:
            found = self._client.get(self._prefix + writer)
        except self._errors as exc:
            self._failed("cannot read a WAL position from Redis, reading on the primary", exc)
            return None
        return 0 if found is None else int(found)

    def _failed(self, what: str, exc: Exception) -> None:
        log.warning("%s (next try in %.0f s): %s", what, self._retry_after_s, exc)
        self._down_until = self._clock() + self._retry_after_s


def write_positions(storage_uri: str, ttl_s: float) -> WritePositions:
    """Positions on the rate limits' Redis (`auth.rate_limit_storage_uri`), else in memory."""
    if not storage_uri.startswith(("redis://", "rediss://", "redis+sentinel://")):
        return MemoryPositions(ttl_s)
    from limits.storage import storage_from_string  # the same client options as the limiter's

    return RedisPositions(getattr(storage_from_string(storage_uri), "storage"), ttl_s)  # noqa: B009
