"""A report's lifecycle (the city's ITSM principle) and the Report record.

registered -> accepted -> in_progress -> resolved -> closed (the citizen confirms);
resolved -> reopened (the citizen rejects the resolution) -> in_progress;
any open status -> rejected (with a reason) or duplicate (of another report).
Staff make every move but the citizen's two from `resolved`; `TRANSITIONS` is the one table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Status(StrEnum):
    registered = "registered"
    accepted = "accepted"
    in_progress = "in_progress"
    resolved = "resolved"
    closed = "closed"
    reopened = "reopened"
    rejected = "rejected"
    duplicate = "duplicate"


class Mover(StrEnum):
    """Who may make a move: department staff and moderators, or the citizen with the secret."""

    staff = "staff"
    citizen = "citizen"


OPEN = frozenset({Status.registered, Status.accepted, Status.in_progress, Status.reopened})
FINAL = frozenset({Status.closed, Status.rejected, Status.duplicate})

TRANSITIONS: dict[tuple[Status, Status], Mover] = {
    (Status.registered, Status.accepted): Mover.staff,
    (Status.accepted, Status.in_progress): Mover.staff,
    (Status.reopened, Status.in_progress): Mover.staff,
    (Status.in_progress, Status.resolved): Mover.staff,
    (Status.resolved, Status.closed): Mover.citizen,
    (Status.resolved, Status.reopened): Mover.citizen,
    **{(status, Status.rejected): Mover.staff for status in OPEN},
    **{(status, Status.duplicate): Mover.staff for status in OPEN},
}


def mover_of(current: Status, target: Status) -> Mover | None:
    """Who may move a report from `current` to `target`; None when the move is not allowed."""
    return TRANSITIONS.get((current, target))


@dataclass(frozen=True)
class Report:
    """A stored report. `contact_email` and `contact_phone` are private: no public answer has them."""

    tracking_id: str
    category: str
    description: str
    lon: float
    lat: float
    district: str | None
    address: str | None
    department: str
    status: Status
    created_at: datetime
    updated_at: datetime
    due_at: datetime
    duplicate_of: str | None
    supporters: int
    language: str
    approved_at: datetime | None  # when a moderator made the description and photos public
    contact_email: str | None
    contact_phone: str | None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def is_overdue(self, now: datetime) -> bool:
        """Open and past its category's target time."""
        return self.is_open and now > self.due_at


@dataclass(frozen=True)
class StatusChange:
    """One entry of a report's history; `actor` is a staff account's name (private), `role` public.

    `kind` is `status` for a move, else what staff did (geohub/report_desk): `assign` (to
    `department`), `reply` (to the citizen), `merge` (with `related_report`; the merged one moves
    to duplicate), `approve` or `disapprove` (the description and photos made public or not);
    all but a merge leave the status as it was (from == to)."""

    from_status: Status | None
    to_status: Status
    role: str
    actor: str | None
    at: datetime
    comment: str
    kind: str = "status"
    department: str | None = None
    related_report: str | None = None
