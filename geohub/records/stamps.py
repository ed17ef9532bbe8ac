"""Moments as the records tables store them: fixed-width ISO 8601 UTC text.

`2026-03-01T09:30:00.000000Z` sorts and compares as text and reads back the same from SQLite
and PostgreSQL; `Stamp` is the column type that writes and reads it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Dialect, Text
from sqlalchemy.types import TypeDecorator


def utc_now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def to_stamp(moment: datetime) -> str:
    """The stored text of a moment (fixed width, UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_stamp(text: str | None) -> datetime | None:
    """A stored timestamp read back as an aware UTC datetime."""
    return None if text is None else datetime.fromisoformat(text)


class Stamp(TypeDecorator[datetime]):
    """A TEXT column holding a moment: aware datetimes in, aware UTC datetimes out."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        return None if value is None else to_stamp(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return from_stamp(value)
