"""App developer keys: create, authenticate, revoke, and count their use per day.

A key identifies an application (not a person): it raises the app's rate limit above the
anonymous one and lets the city see who uses its data. Use is counted in memory and written
in batches (`UsageCounter`), so a request with a key does not pay for a write; with Redis
configured, every request adds one to the key's Redis hash at once (`RedisUsageCounter`), exact
across workers and machines.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from limits import parse_many
from sqlalchemy import Row, case, func, select, update

from geohub.auth.tokens import KEY_PREFIX, VerifiedCache, hash_secret, new_secret, parse_secret
from geohub.errors import InvalidRequestError, NotFoundError
from geohub.messages import tr
from geohub.records import RecordsDatabase, utc_now
from geohub.records.tables import app_key_usage, app_keys

MAX_APP_NAME_CHARS = 200
DEFAULT_RATE_LIMIT = "1000/hour"
USAGE_DAYS = 30  # the days of use a key's holder sees
REDIS_USAGE_PREFIX = "geohub:key-usage:"  # + key id: a hash of UTC day -> requests


@dataclass(frozen=True)
class AppKey:
    """An app developer key's row (never its secret)."""

    id: str
    app: str
    contact: str
    rate_limit: str
    created_at: datetime
    revoked: bool


@dataclass(frozen=True)
class KeyUsage:
    """A key with the requests it made today and in all (UTC days)."""

    key: AppKey
    today: int
    total: int


def check_rate_limit(rate_limit: str) -> str:
    """The rate limit if it is one `limits` understands (`1000/hour`, `10 per minute`)."""
    try:
        parsed = parse_many(rate_limit)
    except ValueError:
        parsed = []
    if not parsed or len(rate_limit) > 100:
        raise InvalidRequestError(
            tr("'{rate_limit}' is not a rate limit like 1000/hour.", rate_limit=rate_limit)
        )
    return rate_limit


class UsageCounter:
    """Requests per key per UTC day, kept in memory and added to the table in batches.

    Counts of the last `flush_interval_s` seconds live only in this process: a crash loses them.
    """

    def __init__(
        self, records: RecordsDatabase, clock: Callable[[], datetime], flush_interval_s: float = 10.0
    ) -> None:
        self._records = records
        self._clock = clock
        self.flush_interval_s = flush_interval_s
        self._pending: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()

    def count(self, key_id: str, requests: int = 1) -> None:
        """Count requests of a key today; writes the batch when the interval has passed."""
        day = self._clock().strftime("%Y-%m-%d")
        with self._lock:
            self._pending[(key_id, day)] += requests
            due = time.monotonic() - self._last_flush >= self.flush_interval_s
        if due:
            self.flush()

    def flush(self) -> None:
        """Add the pending counts to the table (one transaction)."""
        with self._lock:
            pending, self._pending = self._pending, Counter()
            self._last_flush = time.monotonic()
        if not pending:
            return
        try:
            with self._records.transaction() as conn:
                for (key_id, day), requests in sorted(pending.items()):
                    insert = self._records.insert(app_key_usage).values(
                        key_id=key_id, day=day, requests=requests
                    )
                    conn.execute(
                        insert.on_conflict_do_update(
                            index_elements=[app_key_usage.c.key_id, app_key_usage.c.day],
                            set_={"requests": app_key_usage.c.requests + insert.excluded.requests},
                        )
                    )
        except BaseException:
            with self._lock:
                self._pending.update(pending)  # try again with the next batch
            raise

    def unwritten(self, key_ids: list[str]) -> dict[str, dict[str, int]]:
        """Nothing once flushed: the table holds every count."""
        self.flush()
        return {}


class RedisUsageCounter:
    """Requests per key per UTC day in Redis: one hash per key (`geohub:key-usage:<id>`, field = day).

    Each request is one HINCRBY, atomic, so workers and machines sharing the Redis count exactly.
    Counts a process wrote to the table before Redis was configured are still added on reading.
    """

    def __init__(self, client: Any, clock: Callable[[], datetime], prefix: str = REDIS_USAGE_PREFIX) -> None:
        self._client = client
        self._clock = clock
        self._prefix = prefix

    def count(self, key_id: str, requests: int = 1) -> None:
        """Add requests of a key today, at once."""
        self._client.hincrby(self._prefix + key_id, self._clock().strftime("%Y-%m-%d"), requests)

    def flush(self) -> None:
        """Nothing waits: every count is written when made."""

    def unwritten(self, key_ids: list[str]) -> dict[str, dict[str, int]]:
        """key id -> {day: requests} held in Redis (not in the table)."""
        pipeline = self._client.pipeline(transaction=False)
        for key_id in key_ids:
            pipeline.hgetall(self._prefix + key_id)
        return {
            key_id: {_text(day): int(requests) for day, requests in found.items()}
            for key_id, found in zip(key_ids, pipeline.execute(), strict=True)
        }


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def redis_usage_counter(
    storage_uri: str, clock: Callable[[], datetime] = utc_now
) -> RedisUsageCounter | None:
    """A Redis counter on the rate limits' Redis (`auth.rate_limit_storage_uri`); None for `memory://`."""
    if not storage_uri.startswith(("redis://", "rediss://", "redis+sentinel://")):
        return None
    from limits.storage import storage_from_string  # the same client options as the limiter's

    return RedisUsageCounter(getattr(storage_from_string(storage_uri), "storage"), clock)  # noqa: B009


class UsageCounting(Protocol):
    """Where a key's requests are counted: `UsageCounter` (the table) or `RedisUsageCounter`."""

    def count(self, key_id: str, requests: int = 1) -> None: ...

    def flush(self) -> None: ...

    def unwritten(self, key_ids: list[str]) -> dict[str, dict[str, int]]: ...


class AppKeys:
    """The app_keys and app_key_usage tables (created by Accounts)."""

    def __init__(self, records: RecordsDatabase, clock: Callable[[], datetime] = utc_now) -> None:
        self._records = records
        self._clock = clock
        self._verified = VerifiedCache()
        self.usage: UsageCounting = UsageCounter(records, clock)

    def count_in(self, counter: UsageCounting) -> None:
        """Count use in `counter` from now on (Redis, when the rate limits use it)."""
        self.usage.flush()
        self.usage = counter

    def create(self, app: str, *, rate_limit: str = DEFAULT_RATE_LIMIT, contact: str = "") -> str:
        """A new key for `app`; the plaintext is returned once and never stored."""
        app = app.strip()
        if not app or len(app) > MAX_APP_NAME_CHARS or len(contact) > MAX_APP_NAME_CHARS:
            raise InvalidRequestError(
                tr(
                    "An app name needs 1 to {max_app_name_chars} characters.",
                    max_app_name_chars=MAX_APP_NAME_CHARS,
                )
            )
        check_rate_limit(rate_limit)
        parsed, plaintext = new_secret(KEY_PREFIX)
        with self._records.transaction() as conn:
            conn.execute(
                app_keys.insert().values(
                    id=parsed.id,
                    app=app,
                    contact=contact,
                    hash=hash_secret(parsed.secret),
                    rate_limit=rate_limit,
                    created_at=self._clock(),
                )
            )
        return plaintext

    def authenticate(self, key: str) -> AppKey | None:
        """The key's row when `key` is a current key; None when unknown, malformed or revoked."""
        parsed = parse_secret(key, KEY_PREFIX)
        if parsed is None:
            return None
        row = self._records.fetchone(select(*_KEY_COLUMNS, app_keys.c.hash).where(app_keys.c.id == parsed.id))
        if row is None or row.revoked:
            return None
        if not self._verified.verify(key, row.hash, parsed.secret):
            return None
        return _app_key(row)

    def get(self, key_id: str) -> AppKey:
        """The key with this id, or NotFoundError."""
        row = self._records.fetchone(select(*_KEY_COLUMNS).where(app_keys.c.id == key_id))
        if row is None:
            raise NotFoundError(tr("There is no app key '{key_id}'.", key_id=str(key_id)))
        return _app_key(row)

    def revoke(self, key_id: str) -> AppKey:
        """Revoke a key; it stops working on the next request."""
        self.get(key_id)
        with self._records.transaction() as conn:
            conn.execute(update(app_keys).where(app_keys.c.id == key_id).values(revoked=True))
        return self.get(key_id)

    def list_usage(self) -> list[KeyUsage]:
        """Every key with its requests today and in all, newest first (pending counts written first)."""
        self.usage.flush()
        today = self._clock().strftime("%Y-%m-%d")
        usage = app_key_usage
        rows = self._records.fetchall(
            select(
                *_KEY_COLUMNS,
                func.coalesce(func.sum(case((usage.c.day == today, usage.c.requests))), 0).label("today"),
                func.coalesce(func.sum(usage.c.requests), 0).label("total"),
            )
            .join_from(app_keys, usage, usage.c.key_id == app_keys.c.id, isouter=True)
            .group_by(*_KEY_COLUMNS)
            .order_by(app_keys.c.created_at.desc(), app_keys.c.id)
        )
        extra = self.usage.unwritten([row.id for row in rows])
        return [
            KeyUsage(
                _app_key(row),
                int(row.today) + extra.get(row.id, {}).get(today, 0),
                int(row.total) + sum(extra.get(row.id, {}).values()),
            )
            for row in rows
        ]

    def daily_usage(self, key_id: str, days: int = USAGE_DAYS) -> list[tuple[str, int]]:
        """(UTC day, requests) of one key, the last `days` days that had any, newest first."""
        extra = self.usage.unwritten([key_id]).get(key_id, {})
        rows = self._records.fetchall(
            select(app_key_usage.c.day, app_key_usage.c.requests)
            .where(app_key_usage.c.key_id == key_id)
            .order_by(app_key_usage.c.day.desc())
            .limit(days)
        )
        counts = Counter({str(row.day): int(row.requests) for row in rows})
        counts.update(extra)
        return sorted(counts.items(), reverse=True)[:days]

    def usage_by_day(self, key_id: str, days: int = USAGE_DAYS) -> list[tuple[str, int]]:
        """(UTC day, requests) of one key for each of the last `days` days to today, oldest first."""
        counts = dict(self.daily_usage(key_id, days))
        today = self._clock().date()
        span = [(today - timedelta(days=back)).isoformat() for back in range(days - 1, -1, -1)]
        return [(day, counts.get(day, 0)) for day in span]


_KEY_COLUMNS = (
    app_keys.c.id,
    app_keys.c.app,
    app_keys.c.contact,
    app_keys.c.rate_limit,
    app_keys.c.created_at,
    app_keys.c.revoked,
)


def _app_key(row: Row[Any]) -> AppKey:
    return AppKey(
        id=row.id,
        app=row.app,
        contact=row.contact,
        rate_limit=row.rate_limit,
        created_at=row.created_at,
        revoked=bool(row.revoked),
    )


def url_with_key(url: str, key: str) -> str:
    """`url` with the app key as its `key` query parameter (replacing one it had)."""
    parts = urlsplit(url)
    query = [(name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True) if name != "key"]
    query.append(("key", key))
    # MapLibre fills {z}/{x}/{y} in TileJSON tile URLs: the braces stay as they are
    return urlunsplit(parts._replace(query=urlencode(query, safe="{}")))


def tilejson_with_key(document: dict[str, Any], key: str) -> dict[str, Any]:
    """A TileJSON document whose tile URLs carry the caller's key (MapLibre passes it on)."""
    return document | {"tiles": [url_with_key(url, key) for url in document.get("tiles", [])]}


def style_with_key(style: dict[str, Any], key: str, base_url: str) -> dict[str, Any]:
    """A MapLibre style whose sources on this server (TileJSON `url`, `tiles`) carry the key."""
    own = f"{base_url}/tiles/"
    sources = {}
    for name, source in style.get("sources", {}).items():
        source = dict(source)
        if str(source.get("url", "")).startswith(own):
            source["url"] = url_with_key(source["url"], key)
        if "tiles" in source:
            source["tiles"] = [url_with_key(u, key) if u.startswith(own) else u for u in source["tiles"]]
        sources[name] = source
    return style | {"sources": sources}
