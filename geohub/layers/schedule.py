"""Source schedules: five-field cron expressions (`Source.schedule`) read in Almaty time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter


def schedule_zone() -> tzinfo:
    """Almaty's time zone, in which source schedules are read (UTC+5 when tzdata is missing)."""
    try:
        return ZoneInfo("Asia/Almaty")
    except ZoneInfoNotFoundError:
        return timezone(timedelta(hours=5), "Asia/Almaty")


def next_sync(schedule: str | None, after: datetime) -> datetime | None:
    """When a cron `schedule` (Almaty time) next fires after `after`, in UTC; None without one."""
    if not schedule:
        return None
    local = after.astimezone(schedule_zone())
    due: datetime = croniter(schedule, local).get_next(datetime)
    return due.astimezone(UTC)
