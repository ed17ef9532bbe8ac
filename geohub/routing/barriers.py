"""Live barriers: open accessibility reports close the edges near them for the profiles they affect.

Read from the reports records at most every `MAX_AGE_S` seconds, and at once after a report
changes (the reports service tells its listeners); no rebuild of the network.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from geohub.records import RecordsDatabase
from geohub.reports.model import OPEN
from geohub.reports.tables import reports
from geohub.routing.graph import EdgeIndex
from geohub.routing.profiles import PROFILES, WHEELCHAIRS, WHEELED

RADIUS_M = 20.0
MAX_AGE_S = 5.0
# the accessibility categories (config/report_categories.yaml) and the profiles each one stops
AFFECTED: dict[str, frozenset[str]] = {
    "blocked_or_missing_ramp": WHEELED,
    "missing_kerb_ramp": WHEELED,
    "broken_elevator": WHEELCHAIRS,
    "inaccessible_entrance": WHEELCHAIRS,
    "blocked_pavement": frozenset(PROFILES),
}


@dataclass(frozen=True)
class Barrier:
    """An open report and the position it was filed at."""

    tracking_id: str
    category: str
    lon: float
    lat: float


class Barriers:
    """Open barrier reports, re-read when older than `max_age_s` or after a change, and the edges
    they close per network version and profile (worked out once per reading)."""

    def __init__(self, read: Callable[[], Sequence[Barrier]], max_age_s: float = MAX_AGE_S) -> None:
        self._read = read
        self._max_age_s = max_age_s
        self._barriers: Sequence[Barrier] = ()
        self._closed: dict[tuple[int, str], dict[int, Barrier]] = {}
        self._read_at = -math.inf
        self._lock = threading.Lock()

    def forget(self, *_: object) -> None:
        """Read again on next use (a report changed)."""
        self._read_at = -math.inf

    def current(self) -> Sequence[Barrier]:
        """The open barrier reports, at most `max_age_s` old."""
        if time.monotonic() - self._read_at >= self._max_age_s:
            with self._lock:
                if time.monotonic() - self._read_at >= self._max_age_s:
                    read_at = time.monotonic()
                    self._barriers = tuple(self._read())
                    self._closed = {}
                    self._read_at = read_at
        return self._barriers

    def closed_edges(self, index: EdgeIndex, profile_name: str) -> dict[int, Barrier]:
        """Edge → the report closing it, for `profile_name`."""
        barriers = self.current()
        key = (index.network.version, profile_name)
        closed = self._closed.get(key)
        if closed is None:
            closed = {}
            for barrier in barriers:
                if profile_name in AFFECTED.get(barrier.category, frozenset()):
                    for edge, _distance in index.near(barrier.lon, barrier.lat, RADIUS_M):
                        closed.setdefault(edge, barrier)
            self._closed[key] = closed
        return closed


def barrier_reader(
    records: Callable[[], RecordsDatabase], categories: Iterable[str]
) -> Callable[[], list[Barrier]]:
    """A reader of the open reports of `categories` (those of AFFECTED) from the reports records."""
    wanted = [code for code in categories if code in AFFECTED]

    def read() -> list[Barrier]:
        rows = records().fetchall(
            select(reports.c.tracking_id, reports.c.category, reports.c.lon, reports.c.lat).where(
                reports.c.category.in_(wanted), reports.c.status.in_([s.value for s in OPEN])
            )
        )
        return [Barrier(r.tracking_id, r.category, float(r.lon), float(r.lat)) for r in rows]

    return read
