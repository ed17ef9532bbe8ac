"""The bodies the reports API reads and writes, as pydantic models (wire names, for /openapi too)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from geohub.reports.service import MAX_COMMENT_CHARS, MAX_DESCRIPTION_CHARS

StatusName = Literal[
    "registered", "accepted", "in_progress", "resolved", "closed", "reopened", "rejected", "duplicate"
]  # model.Status


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Location(_Input):
    """A point in WGS 84 longitude and latitude."""

    lon: float = Field(ge=-180, le=180, examples=[76.9457])
    lat: float = Field(ge=-90, le=90, examples=[43.2383])


class ReportInput(_Input):
    """The body of `POST /reports`. `email` and `phone` are private: only staff will see them."""

    category: str = Field(min_length=1, max_length=60, examples=["broken_street_light"])
    description: str = Field(min_length=1, max_length=MAX_DESCRIPTION_CHARS)
    location: Location
    email: str | None = Field(None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(None, max_length=20, pattern=r"^\+?[0-9][0-9 ()-]{4,19}$")
    confirmDistinct: bool = Field(
        False, description="File even though an open report of the category is within 30 m."
    )


class CitizenAction(_Input):
    """The body of `POST /reports/{trackingId}/confirm` and `/reopen`."""

    secret: str = Field(min_length=1, max_length=100, description="The secret given when filing.")
    comment: str = Field("", max_length=MAX_COMMENT_CHARS)


class CategoryOut(BaseModel):
    code: str
    title: str


class DepartmentOut(BaseModel):
    id: str
    name: str


class Summary(BaseModel):
    """A report in short."""

    trackingId: str
    category: CategoryOut
    status: StatusName
    supporters: int


class NearbyReport(Summary):
    distanceM: float


class StatusChangeOut(BaseModel):
    """One entry; `by` is the role that made it (citizen, moderator, publisher, admin, system).
    `kind`: a status move, or what staff did (from == to): a reply, an assignment to another
    department, a merge, an approval; the comment is a staff reply's (never the citizen's, nor
    a note handing the report to another department)."""

    from_: StatusName | None = Field(alias="from")
    to: StatusName
    at: AwareDatetime
    by: str
    kind: Literal["status", "assign", "reply", "merge", "approve", "disapprove"] = "status"
    comment: str | None


class PhotoLink(BaseModel):
    """A photo of the report (JPEG, no metadata) and its thumbnail."""

    href: str
    thumbnail: str


class ReportStatus(Summary):
    """The public status of a report: no contact details, description or citizen comments.
    `photos` lists the photos the asker may see: everyone once a moderator approved the report."""

    location: Location
    district: str | None
    address: str | None
    department: DepartmentOut
    createdAt: AwareDatetime
    updatedAt: AwareDatetime
    dueAt: AwareDatetime
    overdue: bool
    duplicateOf: str | None
    history: list[StatusChangeOut]
    photos: list[PhotoLink]


class Filed(BaseModel):
    """A filed report: its tracking id, the secret to confirm or reopen it (shown once) and how
    many photos were stored with it."""

    filed: Literal[True]
    trackingId: str
    secret: str
    photoCount: int
    report: ReportStatus


class ReportForm(BaseModel):
    """`POST /reports` as multipart/form-data: the JSON body in the part `report`, photos in
    up to `reports.max_photos` parts named `photo` (JPEG, PNG or WebP)."""

    report: str = Field(description="The same JSON object as the application/json body.")
    photo: list[bytes] = Field(
        [], description="JPEG, PNG or WebP; stored re-encoded as JPEG without EXIF, GPS or other metadata."
    )


class DuplicateOffer(BaseModel):
    """Nothing filed: open reports of the category are within 30 m. Support one, or send again
    with `confirmDistinct: true`."""

    filed: Literal[False]
    duplicates: list[NearbyReport]
