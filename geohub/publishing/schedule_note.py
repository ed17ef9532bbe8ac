"""The `schedule` section of an import report: the layer's scheduled source, its next sync, and
what that sync will do to this import (publishing/sync.py never overwrites a person's version)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from geohub.layers.models import LayerDefinition
from geohub.layers.schedule import next_sync, schedule_zone
from geohub.messages import Message, stored, tr


def schedule_note(
    layer: LayerDefinition, *, synced: bool, now: datetime | None = None
) -> dict[str, Any] | None:
    """The section for an import of `layer` (`synced`: read from its declared source); None
    when the layer has no scheduled source."""
    source = layer.source
    if source is None or not source.schedule:
        return None
    due = next_sync(source.schedule, now or datetime.now(UTC))
    if due is None:
        return None
    local = due.astimezone(schedule_zone())
    when = _when(source.schedule)
    if synced:
        message = tr(
            "This layer is synced from {source} {when} (Almaty time); the next sync is on {day} at {time}.",
            source=source.label,
            when=when,
            day=local.date(),
            time=local.strftime("%H:%M"),
        )
    else:
        message = tr(
            "This layer is synced from {source} {when} (Almaty time); the next sync is on {day} at {time}. "
            "Once this import is published, no sync overwrites it: the sync stops and opens a "
            "conflict, and your department chooses which version to keep. If a sync changes the "
            "layer before this import is published, run the import again.",
            source=source.label,
            when=when,
            day=local.date(),
            time=local.strftime("%H:%M"),
        )
    return {
        "source": source.label,
        "schedule": source.schedule,
        "nextSync": due.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "message": stored(message),
    }


def _when(schedule: str) -> Message:
    """'every day at 03:00' for a daily schedule, else the cron expression itself."""
    minute, hour, day, month, weekday = schedule.split()
    if minute.isdigit() and hour.isdigit() and day == month == weekday == "*":
        time = f"{int(hour):02d}:{int(minute):02d}"
        return tr("every day at {time}", time=time)
    return tr("on the schedule '{schedule}'", schedule=schedule)
