"""Live barriers: open accessibility reports close the edges near them for the profiles they affect.

Read from the reports records at most every `MAX_AGE_S` seconds, and at once after a report
changes (the reports service tells its listeners); no rebuild of the network.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from geohub.reports.model import OPEN
from geohub.reports.tables import reports
from geohub.routing.graph import EdgeIndex

RADIUS_M = 20.0
MAX_AGE_S = 5.0
WHEELED = frozenset({"manual_wheelchair", "electric_wheelchair", "walker", "stroller"})
WHEELCHAIRS = frozenset({"manual_wheelchair", "electric_wheelchair"})
ALL = frozenset({*WHEELED, "low_vision", "pedestrian"})
AFFECTED: dict[str, frozenset[str]] = {
    "blocked_or_missing_ramp": WHEELED,
    "missing_kerb_ramp": WHEELED,
    "broken_elevator": WHEELCHAIRS,
    "inaccessible_entrance": WHEELCHAIRS,
    "blocked_pavement": ALL,
}


@dataclass(frozen=True)
class Barrier:
    """An open report and the position it was filed at."""

    tracking_id: str
    category: str
    lon: float
    lat: float


class Barriers:
    """Open barrier reports, re-read when older than MAX_AGE_S or after a change."""

    def __init__(self, read: Callable[[], Sequence[Barrier]]) -> None:
        self._read = read
        self._barriers: Sequence[Barrier] = ()
        self._read_at = -MAX_AGE_S
        self._lock = threading.Lock()

    def forget(self, *_: object) -> None:
        """Read again on next use (a report changed)."""
        self._read_at = -MAX_AGE_S

    def current(self) -> Sequence[Barrier]:
        """The open barrier reports, at most MAX_AGE_S old."""
        if time.monotonic() - self._read_at >= MAX_AGE_S:
            with self._lock:
                now = time.monotonic()
                if now - self._read_at >= MAX_AGE_S:
                    self._barriers = tuple(self._read())
                    self._read_at = now
        return self._barriers

    def closed_edges(self, index: EdgeIndex, profile_name: str) -> dict[int, Barrier]:
        """Edge → the report closing it, for `profile_name`."""
        closed: dict[int, Barrier] = {}
        for barrier in self.current():
            if profile_name in AFFECTED.get(barrier.category, frozenset()):
                for edge, _distance in index.near(barrier.lon, barrier.lat, RADIUS_M):
                    closed.setdefault(edge, barrier)
        return closed


def barrier_reader(
    records: Callable[[], object], categories: Sequence[str] | None = None
) -> Callable[[], list[Barrier]]:
    """A reader of the open reports of the barrier categories from the reports records."""
    wanted = list(categories or AFFECTED)

    def read() -> list[Barrier]:
        database = records()
        rows = database.fetchall(  # type: ignore[attr-defined]
            select(reports.c.tracking_id, reports.c.category, reports.c.lon, reports.c.lat).where(
                reports.c.category.in_(wanted), reports.c.status.in_([s.value for s in OPEN])
            )
        )
        return [Barrier(r.tracking_id, r.category, float(r.lon), float(r.lat)) for r in rows]

    return read
