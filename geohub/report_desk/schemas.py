"""The bodies and query of the staff reports API, as pydantic models (wire names, for /openapi too)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from geohub.openapi.models import Language
from geohub.reports.schemas import CategoryOut, DepartmentOut, Location, StatusName
from geohub.reports.service import MAX_COMMENT_CHARS


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QueueQuery(BaseModel):
    """A page of the staff's queue."""

    department: str | None = Field(None, description="Department id; publishers: only their own (default).")
    status: str | None = Field(
        None, description="Statuses, comma-separated or the parameter repeated (default: every status)."
    )
    overdue: Literal["true", "false"] | None = Field(None, description="Only reports past (or not past) due.")
    category: str | None = None
    district: str | None = None
    sort: str | None = Field(
        None,
        pattern=r"^-?(due|created|updated|supporters)$",
        description="due (default), created, updated or supporters; '-' for descending.",
    )
    limit: int | None = Field(None, ge=1, le=500)
    offset: int | None = Field(None, ge=0)
    lang: Language | None = None


class StatusInput(_Input):
    """The body of `POST /reports/{trackingId}/status`."""

    status: StatusName
    comment: str = Field("", max_length=MAX_COMMENT_CHARS, description="Required to reject.")
    duplicateOf: str | None = Field(None, max_length=40, description="Required for `duplicate`.")


class AssignInput(_Input):
    """The body of `POST /reports/{trackingId}/assign` (moderators and admins)."""

    department: str = Field(min_length=1, max_length=60, examples=["energy_utilities"])
    comment: str = Field("", max_length=MAX_COMMENT_CHARS)


class ReplyInput(_Input):
    """The body of `POST /reports/{trackingId}/replies`: shown to the citizen as the staff's role."""

    comment: str = Field(min_length=1, max_length=MAX_COMMENT_CHARS)


class MergeInput(_Input):
    """The body of `POST /reports/{trackingId}/merge` (moderators and admins)."""

    into: str = Field(min_length=1, max_length=40, description="The report this one duplicates.")


class ApprovalInput(_Input):
    """The body of `POST /reports/{trackingId}/approval` (moderators and admins)."""

    approved: bool = Field(description="Make the description and photos public (true) or not (false).")


class Contact(BaseModel):
    email: str | None
    phone: str | None


class StaffReport(BaseModel):
    """A report as staff see it: its description and the citizen's private contact details too."""

    trackingId: str
    category: CategoryOut
    status: StatusName
    description: str
    location: Location
    district: str | None
    address: str | None
    department: DepartmentOut
    createdAt: AwareDatetime
    updatedAt: AwareDatetime
    dueAt: AwareDatetime
    overdue: bool
    supporters: int
    duplicateOf: str | None
    approved: bool
    approvedAt: AwareDatetime | None
    language: str
    contact: Contact


class QueueLink(BaseModel):
    href: str
    rel: str
    type: str


class Queue(BaseModel):
    """A page of the queue with the counts for its filter."""

    reports: list[StaffReport]
    numberMatched: int
    numberReturned: int
    counts: dict[str, int] = Field(description="Reports per status (department, category, district applied).")
    overdue: int = Field(description="Open reports past their target time, of the statuses asked for.")
    links: list[QueueLink]


class CaseEntry(BaseModel):
    """One entry of a report's history as staff see it."""

    kind: Literal["status", "assign", "reply", "merge", "approve", "disapprove"]
    from_: StatusName | None = Field(alias="from")
    to: StatusName
    at: AwareDatetime
    by: str = Field(description="The role: citizen, publisher, moderator, admin or system.")
    actor: str | None = Field(description="The staff account's name (private).")
    comment: str | None
    department: str | None
    relatedReport: str | None


class Case(StaffReport):
    """A report with its whole history (staff only)."""

    history: list[CaseEntry]
