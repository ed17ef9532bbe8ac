"""App developer keys: create, authenticate, revoke, and count their use per day.

A key identifies an application (not a person): it raises the app's rate limit above the
anonymous one and lets the city see who uses its data. Use is counted in memory and written
in batches (`UsageCounter`), so a request with a key does not pay for a write.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from limits import parse_many

from geohub.auth.tokens import KEY_PREFIX, VerifiedCache, hash_secret, new_secret, parse_secret
from geohub.errors import InvalidRequestError, NotFoundError
from geohub.records import RecordsDatabase, from_stamp, to_stamp, utc_now

MAX_APP_NAME_CHARS = 200


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
        raise InvalidRequestError(f"'{rate_limit}' is not a rate limit like 1000/hour.")
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
            with self._records.transaction() as cursor:
                for (key_id, day), requests in sorted(pending.items()):
                    cursor.execute(
                        "INSERT INTO app_key_usage (key_id, day, requests) VALUES (%s, %s, %s) "
                        "ON CONFLICT (key_id, day) DO UPDATE "
                        "SET requests = app_key_usage.requests + excluded.requests",
                        (key_id, day, requests),
                    )
        except BaseException:
            with self._lock:
                self._pending.update(pending)  # try again with the next batch
            raise


class AppKeys:
    """The app_keys and app_key_usage tables (created by Accounts)."""

    def __init__(self, records: RecordsDatabase, clock: Callable[[], datetime] = utc_now) -> None:
        self._records = records
        self._clock = clock
        self._verified = VerifiedCache()
        self.usage = UsageCounter(records, clock)

    def create(self, app: str, *, rate_limit: str = "1000/hour", contact: str = "") -> str:
        """A new key for `app`; the plaintext is returned once and never stored."""
        app = app.strip()
        if not app or len(app) > MAX_APP_NAME_CHARS or len(contact) > MAX_APP_NAME_CHARS:
            raise InvalidRequestError(f"An app name needs 1 to {MAX_APP_NAME_CHARS} characters.")
        check_rate_limit(rate_limit)
        parsed, plaintext = new_secret(KEY_PREFIX)
        with self._records.transaction() as cursor:
            cursor.execute(
                "INSERT INTO app_keys (id, app, contact, hash, rate_limit, created_at) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                (parsed.id, app, contact, hash_secret(parsed.secret), rate_limit, to_stamp(self._clock())),
            )
        return plaintext

    def authenticate(self, key: str) -> AppKey | None:
        """The key's row when `key` is a current key; None when unknown, malformed or revoked."""
        parsed = parse_secret(key, KEY_PREFIX)
        if parsed is None:
            return None
        row = self._records.fetchone(f"SELECT {_KEY_COLUMNS}, hash FROM app_keys WHERE id = %s", (parsed.id,))
        if row is None or row[5]:
            return None
        if not self._verified.verify(key, row[6], parsed.secret):
            return None
        return _app_key(row)

    def get(self, key_id: str) -> AppKey:
        """The key with this id, or NotFoundError."""
        row = self._records.fetchone(f"SELECT {_KEY_COLUMNS} FROM app_keys WHERE id = %s", (key_id,))
        if row is None:
            raise NotFoundError(f"There is no app key '{key_id}'.")
        return _app_key(row)

    def revoke(self, key_id: str) -> AppKey:
        """Revoke a key; it stops working on the next request."""
        self.get(key_id)
        with self._records.transaction() as cursor:
            cursor.execute("UPDATE app_keys SET revoked = %s WHERE id = %s", (True, key_id))
        return self.get(key_id)

    def list_usage(self) -> list[KeyUsage]:
        """Every key with its requests today and in all, newest first (pending counts written first)."""
        self.usage.flush()
        today = self._clock().strftime("%Y-%m-%d")
        rows = self._records.fetchall(
            f"SELECT {_KEY_COLUMNS}, "
            "COALESCE(SUM(CASE WHEN u.day = %s THEN u.requests END), 0), COALESCE(SUM(u.requests), 0) "
            "FROM app_keys k LEFT JOIN app_key_usage u ON u.key_id = k.id "
            f"GROUP BY {_KEY_COLUMNS} ORDER BY k.created_at DESC, k.id",
            (today,),
        )
        return [KeyUsage(_app_key(row), int(row[6]), int(row[7])) for row in rows]

    def daily_usage(self, key_id: str, days: int = 30) -> list[tuple[str, int]]:
        """(UTC day, requests) of one key, the last `days` days that had any, newest first."""
        self.usage.flush()
        rows = self._records.fetchall(
            "SELECT day, requests FROM app_key_usage WHERE key_id = %s ORDER BY day DESC LIMIT %s",
            (key_id, days),
        )
        return [(str(day), int(requests)) for day, requests in rows]


_KEY_COLUMNS = "id, app, contact, rate_limit, created_at, revoked"  # no usage column shares a name


def _app_key(row: tuple[object, ...]) -> AppKey:
    created = from_stamp(str(row[4]))
    assert created is not None
    return AppKey(
        id=str(row[0]),
        app=str(row[1]),
        contact=str(row[2]),
        rate_limit=str(row[3]),
        created_at=created,
        revoked=bool(row[5]),
    )
