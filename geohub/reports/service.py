"""ReportService: file a report, offer nearby duplicates, support one, move it through its lifecycle.

Every write is one records transaction holding the report row, its history row and the audit
entry together (a report acknowledged is a report stored and audited). Staff moves need an
account: admins and moderators may move any report, publishers their own department's (the
department's staff, until a role of their own is needed). The citizen's confirm and reopen need
the secret handed out when the report was filed. A report's photos are stored in the filing's
transaction; anyone may see them once a moderator approved the report, staff who may work on it
before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select, update

from geohub.auth.audit import audit_entry
from geohub.auth.principal import ANONYMOUS, Principal, Role
from geohub.errors import (
    ConflictError,
    FieldError,
    ForbiddenError,
    InvalidDataError,
    InvalidRequestError,
    NotFoundError,
)
from geohub.layers.registry import LayerRegistry
from geohub.messages import N_, tr
from geohub.records import RecordsDatabase, utc_now
from geohub.reports.categories import Categories, Category
from geohub.reports.model import OPEN, Mover, Report, Status, StatusChange, mover_of
from geohub.reports.photos import Photo, prepare_photo
from geohub.reports.place import Districts, box_around, distance_m, locate
from geohub.reports.tables import create_report_tables, report_photos, report_status_changes, reports
from geohub.reports.tracking import new_report_secret, new_tracking_id, normal_tracking_id, secret_matches
from geohub.services import Services
from geohub.settings import Settings

MAX_DESCRIPTION_CHARS = 2000
MAX_COMMENT_CHARS = 2000
DUPLICATE_RADIUS_M = 30.0
CITIZEN_ROLE = "citizen"
REPORT_COLUMNS = [c for c in reports.c if c.name != "secret_hash"]


@dataclass(frozen=True)
class NewReport:
    """What a citizen files."""

    category: str
    description: str
    lon: float
    lat: float
    language: str = "en"
    contact_email: str | None = None
    contact_phone: str | None = None
    confirm_distinct: bool = False  # file even when an open report of the category is near
    photos: tuple[Photo, ...] = ()  # prepared (prepare_photos) before the filing's transaction


@dataclass(frozen=True)
class Nearby:
    report: Report
    distance_m: float


@dataclass(frozen=True)
class Filing:
    """The answer to a filing: the new report and its secret (shown once), or the nearby duplicates."""

    report: Report | None
    secret: str | None
    duplicates: list[Nearby]


@dataclass(frozen=True)
class PhotoFile:
    """A stored photo or thumbnail as it is served."""

    data: bytes
    media_type: str
    public: bool  # the report is approved: anyone may see it


class ReportService:
    """Reports in the records database; districts and addresses from the store."""

    def __init__(self, services: Services, categories: Categories) -> None:
        self._services = services
        self.categories = categories
        self._ready = False
        self._ready_lock = threading.Lock()
        self._districts = Districts()
        self._listeners: list[Callable[[Sequence[Report]], None]] = []

    @property
    def settings(self) -> Settings:
        """The whole settings (the reports' own section is `settings.reports`)."""
        return self._services.settings

    def on_change(self, listener: Callable[[Sequence[Report]], None]) -> None:
        """Call `listener` with the reports after each committed write that changed them (their
        new state): the public layer's tiles are dropped this way."""
        self._listeners.append(listener)

    def changed(self, *changed: Report) -> None:
        """Tell the listeners; every write calls it after its transaction committed."""
        for listener in self._listeners:
            listener(changed)

    @property
    def registry(self) -> LayerRegistry:
        return self._services.registry

    @property
    def records(self) -> RecordsDatabase:
        """The records database, its reports tables made on first use."""
        return self._records()

    # filing -----------------------------------------------------------------------------------
    def file(self, new: NewReport, remote_addr: str | None = None) -> Filing:
        """File a report, or offer the open reports of its category within 30 m instead."""
        category = self.category(new.category)
        description = new.description.strip()
        if not 1 <= len(description) <= MAX_DESCRIPTION_CHARS:
            raise InvalidRequestError(
                tr("Describe the problem in 1 to {max} characters.", max=MAX_DESCRIPTION_CHARS),
                [FieldError("description", tr("Give 1 to {max} characters.", max=MAX_DESCRIPTION_CHARS))],
            )
        self._check_photo_count(len(new.photos))
        self._check_in_city(new.lon, new.lat)
        if not new.confirm_distinct:
            duplicates = self.nearby(category.code, new.lon, new.lat)
            if duplicates:
                return Filing(None, None, duplicates)
        place = locate(self._services.store, self._services.registry, new.lon, new.lat, self._districts)
        if place.outside_city:  # in the city's box but in none of its districts
            raise InvalidDataError(
                tr("The place is outside the city's districts."),
                [FieldError("location", tr("This place is outside the city."))],
            )
        secret, secret_hash = new_report_secret()
        now = utc_now()
        values: dict[str, Any] = {
            "secret_hash": secret_hash,
            "category": category.code,
            "description": description,
            "lon": new.lon,
            "lat": new.lat,
            "district": place.district,
            "address": place.address,
            "department": category.routing.department_for(place.district),
            "status": Status.registered.value,
            "created_at": now,
            "updated_at": now,
            "due_at": now + category.target,
            "supporters": 0,
            "language": new.language,
            "contact_email": new.contact_email or None,
            "contact_phone": new.contact_phone or None,
        }
        records = self._records()
        with records.transaction() as conn:
            tracking_id = self._insert(conn, values)
            _record_change(conn, tracking_id, None, Status.registered, ANONYMOUS, "", now)
            _insert_photos(conn, tracking_id, new.photos, now)
            _audit(
                conn,
                ANONYMOUS,
                "report.create",
                {
                    "report": tracking_id,
                    "category": category.code,
                    "department": values["department"],
                    "photos": len(new.photos),
                },
                remote_addr,
            )
        stored = {k: v for k, v in values.items() if k not in ("secret_hash", "status")}
        report = Report(  # as stored: no need to read it back
            tracking_id=tracking_id, status=Status.registered, duplicate_of=None, approved_at=None, **stored
        )
        self.changed(report)
        return Filing(report, secret, [])

    def prepare_photos(self, uploads: Sequence[bytes]) -> tuple[Photo, ...]:
        """Check and re-encode a filing's photos (no transaction open): 400 for too many, then
        413, 415 or 422 for the first that cannot be kept."""
        self._check_photo_count(len(uploads))
        return tuple(prepare_photo(data, self._services.settings.reports) for data in uploads)

    def category(self, code: str) -> Category:
        """The category called `code`, or a 400 naming the field."""
        category = self.categories.get(code)
        if category is None:
            message = tr("There is no report category '{category}'.", category=code[:60])
            raise InvalidRequestError(message, [FieldError("category", message)])
        return category

    def nearby(self, category: str, lon: float, lat: float) -> list[Nearby]:
        """Open reports of `category` within 30 m of the point, nearest first."""
        minx, miny, maxx, maxy = box_around(lon, lat, DUPLICATE_RADIUS_M)
        rows = self._records().fetchall(
            select(*REPORT_COLUMNS).where(
                reports.c.category == category,
                reports.c.lat.between(miny, maxy),
                reports.c.lon.between(minx, maxx),
                reports.c.status.in_([s.value for s in OPEN]),
            )
        )
        found = [Nearby(r, distance_m(lon, lat, r.lon, r.lat)) for r in map(report_of_row, rows)]
        return sorted((n for n in found if n.distance_m <= DUPLICATE_RADIUS_M), key=lambda n: n.distance_m)

    # reading ------------------------------------------------------------------------------------
    def get(self, tracking_id: str) -> Report:
        """The report, or NotFoundError."""
        row = self._records().fetchone(
            select(*REPORT_COLUMNS).where(reports.c.tracking_id == _normal(tracking_id))
        )
        if row is None:
            raise _not_found(tracking_id)
        return report_of_row(row)

    def history(self, tracking_id: str) -> list[StatusChange]:
        """The report's moves, oldest first."""
        c = report_status_changes.c
        rows = self._records().fetchall(
            select(
                c.from_status,
                c.to_status,
                c.role,
                c.actor,
                c.at,
                c.comment,
                c.kind,
                c.department,
                c.related_report,
            )
            .where(c.tracking_id == _normal(tracking_id))
            .order_by(c.id)
        )
        return [
            StatusChange(
                from_status=None if from_status is None else Status(from_status),
                to_status=Status(to_status),
                role=role,
                actor=actor,
                at=at,
                comment=comment,
                kind=kind or "status",
                department=department,
                related_report=related,
            )
            for from_status, to_status, role, actor, at, comment, kind, department, related in map(
                tuple, rows
            )
        ]

    # photos ------------------------------------------------------------------------------------
    def may_see_photos(self, viewer: Principal, report: Report) -> bool:
        """Anyone once a moderator approved the report; before, staff who may work on it."""
        return report.approved_at is not None or may_work_on(viewer, report)

    def photo_positions(self, tracking_id: str) -> list[int]:
        """The positions (1, 2, …) of the report's photos."""
        c = report_photos.c
        rows = self._records().fetchall(
            select(c.position).where(c.tracking_id == _normal(tracking_id)).order_by(c.position)
        )
        return [int(row.position) for row in rows]

    def photo(self, tracking_id: str, position: int, viewer: Principal, thumbnail: bool = False) -> PhotoFile:
        """A photo of the report (or its thumbnail) if `viewer` may see it; 404 otherwise, as for
        a photo that does not exist."""
        report = self.get(tracking_id)
        c = report_photos.c
        row = self._records().fetchone(
            select(c.thumbnail if thumbnail else c.image, c.media_type).where(
                c.tracking_id == report.tracking_id, c.position == position
            )
        )
        if row is None or not self.may_see_photos(viewer, report):
            raise PhotoNotFoundError(
                tr("Report {report} has no photo {position}.", report=report.tracking_id, position=position)
            )
        return PhotoFile(bytes(row[0]), row.media_type, public=report.approved_at is not None)

    # writes ------------------------------------------------------------------------------------
    def support(self, tracking_id: str, remote_addr: str | None = None) -> Report:
        """Count one more citizen who has the same problem (open reports only)."""
        report = self.get(tracking_id)
        with self._records().transaction() as conn:
            changed = conn.execute(
                update(reports)
                .where(
                    reports.c.tracking_id == report.tracking_id,
                    reports.c.status.in_([s.value for s in OPEN]),
                )
                .values(supporters=reports.c.supporters + 1, updated_at=utc_now())
            ).rowcount
            if changed != 1:
                raise ConflictError(tr("Report {report} is no longer open.", report=report.tracking_id))
            _audit(conn, ANONYMOUS, "report.support", {"report": report.tracking_id}, remote_addr)
        supported = self.get(report.tracking_id)
        self.changed(supported)
        return supported

    def move(
        self,
        tracking_id: str,
        target: Status,
        actor: Principal,
        comment: str = "",
        duplicate_of: str | None = None,
        remote_addr: str | None = None,
    ) -> Report:
        """A staff move: accept, start, resolve, reject (with a reason) or mark a duplicate."""
        report = self.get(tracking_id)
        if not may_work_on(actor, report):
            raise ForbiddenError(tr("Only moderators and the department's staff may change this report."))
        if mover_of(report.status, target) is not Mover.staff:
            raise _illegal(report.status, target)
        comment = _checked_comment(comment)
        original = None
        if target is Status.rejected and not comment:
            raise InvalidRequestError(
                tr("Say why the report is rejected."), [FieldError("comment", tr("This field is required."))]
            )
        if target is Status.duplicate:
            original = self._original(report, duplicate_of)
        return self._apply(report, target, actor, comment, remote_addr, duplicate_of=original)

    def confirm(
        self, tracking_id: str, secret: str, comment: str = "", remote_addr: str | None = None
    ) -> Report:
        """The citizen confirms the resolution: resolved -> closed."""
        return self._citizen_move(tracking_id, secret, Status.closed, comment, remote_addr)

    def reopen(
        self, tracking_id: str, secret: str, comment: str = "", remote_addr: str | None = None
    ) -> Report:
        """The citizen rejects the resolution: resolved -> reopened."""
        return self._citizen_move(tracking_id, secret, Status.reopened, comment, remote_addr)

    # internals ---------------------------------------------------------------------------------
    def _citizen_move(
        self, tracking_id: str, secret: str, target: Status, comment: str, remote_addr: str | None
    ) -> Report:
        normal = _normal(tracking_id)
        row = self._records().fetchone(select(reports.c.secret_hash).where(reports.c.tracking_id == normal))
        if row is None:
            raise _not_found(tracking_id)
        if not secret_matches(row.secret_hash, secret):
            raise ForbiddenError(tr("The secret does not match this report."))
        report = self.get(normal)
        if mover_of(report.status, target) is not Mover.citizen:
            raise _illegal(report.status, target)
        return self._apply(report, target, ANONYMOUS, _checked_comment(comment), remote_addr)

    def _apply(
        self,
        report: Report,
        target: Status,
        actor: Principal,
        comment: str,
        remote_addr: str | None,
        duplicate_of: str | None = None,
    ) -> Report:
        now = utc_now()
        with self._records().transaction() as conn:
            changed = conn.execute(
                update(reports)
                .where(reports.c.tracking_id == report.tracking_id, reports.c.status == report.status.value)
                .values(status=target.value, updated_at=now, duplicate_of=duplicate_of or report.duplicate_of)
            ).rowcount
            if changed != 1:  # moved by someone else meanwhile
                raise _illegal(self.get(report.tracking_id).status, target)
            _record_change(conn, report.tracking_id, report.status, target, actor, comment, now)
            detail: dict[str, Any] = {
                "report": report.tracking_id,
                "from": report.status.value,
                "to": target.value,
            }
            if duplicate_of:
                detail["duplicateOf"] = duplicate_of
            _audit(conn, actor, "report.status", detail, remote_addr)
        moved = self.get(report.tracking_id)
        self.changed(moved)
        return moved

    def _original(self, report: Report, duplicate_of: str | None) -> str:
        if not duplicate_of:
            raise InvalidRequestError(
                tr("Name the report this one duplicates."),
                [FieldError("duplicateOf", tr("This field is required."))],
            )
        original = self.get(duplicate_of)
        if original.tracking_id == report.tracking_id:
            raise InvalidRequestError(tr("A report cannot duplicate itself."))
        return original.tracking_id

    def _check_photo_count(self, count: int) -> None:
        most = self._services.settings.reports.max_photos
        if count > most:
            message = tr("A report may carry at most {max} photos.", max=most)
            raise InvalidRequestError(message, [FieldError("photo", message)])

    def _check_in_city(self, lon: float, lat: float) -> None:
        min_lon, min_lat, max_lon, max_lat = self._services.settings.etl.city_bounds
        if not (min_lon <= lon <= max_lon and min_lat <= lat <= max_lat):
            raise InvalidDataError(
                tr(
                    "The place must be in the city: longitude {min_lon} to {max_lon}, "
                    "latitude {min_lat} to {max_lat}.",
                    min_lon=min_lon,
                    max_lon=max_lon,
                    min_lat=min_lat,
                    max_lat=max_lat,
                ),
                [FieldError("location", tr("This place is outside the city."))],
            )

    def _insert(self, conn: Connection, values: dict[str, Any]) -> str:
        """Insert under a fresh tracking id (a new one on the rare collision)."""
        records = self._records()
        while True:
            tracking_id = new_tracking_id()
            inserted = conn.execute(
                records.insert(reports)
                .values(tracking_id=tracking_id, **values)
                .on_conflict_do_nothing(index_elements=["tracking_id"])
                .returning(reports.c.tracking_id)
            ).scalar_one_or_none()
            if inserted is not None:
                return tracking_id

    def _records(self) -> RecordsDatabase:
        records = self._services.records
        if not self._ready:
            with self._ready_lock:
                if not self._ready:
                    with records.transaction() as conn:
                        create_report_tables(conn)
                    self._ready = True
        return records


def may_work_on(actor: Principal, report: Report) -> bool:
    """Admins and moderators work on any report, publishers (the department's staff) on their own."""
    if actor.role in (Role.admin, Role.moderator):
        return True
    return actor.role is Role.publisher and actor.department == report.department


def _checked_comment(comment: str) -> str:
    comment = comment.strip()
    if len(comment) > MAX_COMMENT_CHARS:
        raise InvalidRequestError(
            tr("A comment may have at most {max} characters.", max=MAX_COMMENT_CHARS),
            [
                FieldError(
                    "comment", tr("Give at most {max_length} characters.", max_length=MAX_COMMENT_CHARS)
                )
            ],
        )
    return comment


def _normal(tracking_id: str) -> str:
    normal = normal_tracking_id(tracking_id)
    if normal is None:
        raise _not_found(tracking_id)
    return normal


class ReportNotFoundError(NotFoundError):
    title, slug = N_("Report not found"), "report-not-found"


class PhotoNotFoundError(NotFoundError):
    title, slug = N_("Photo not found"), "photo-not-found"


def _not_found(tracking_id: str) -> NotFoundError:
    return ReportNotFoundError(tr("There is no report '{report}'.", report=tracking_id[:40]))


def _illegal(current: Status, target: Status) -> ConflictError:
    return ConflictError(
        tr(
            "A report that is {current} cannot become {target}.",
            current=STATUS_NAMES[current],
            target=STATUS_NAMES[target],
        )
    )


STATUS_NAMES = {  # as a message names them: "a report that is resolved cannot become accepted"
    Status.registered: tr("registered"),
    Status.accepted: tr("accepted"),
    Status.in_progress: tr("in progress"),
    Status.resolved: tr("resolved"),
    Status.closed: tr("closed"),
    Status.reopened: tr("reopened"),
    Status.rejected: tr("rejected"),
    Status.duplicate: tr("a duplicate"),
}


def _record_change(
    conn: Connection,
    tracking_id: str,
    from_status: Status | None,
    to_status: Status,
    actor: Principal,
    comment: str,
    at: datetime,
) -> None:
    conn.execute(
        report_status_changes.insert().values(
            tracking_id=tracking_id,
            from_status=None if from_status is None else from_status.value,
            to_status=to_status.value,
            role=actor.role.value if actor.role else CITIZEN_ROLE,
            actor=actor.user,
            at=at,
            comment=comment,
        )
    )


def _insert_photos(conn: Connection, tracking_id: str, photos: Sequence[Photo], at: datetime) -> None:
    if photos:
        conn.execute(
            report_photos.insert(),
            [
                {
                    "tracking_id": tracking_id,
                    "position": position,
                    "media_type": photo.media_type,
                    "image": photo.image,
                    "thumbnail": photo.thumbnail,
                    "width": photo.width,
                    "height": photo.height,
                    "created_at": at,
                }
                for position, photo in enumerate(photos, start=1)
            ],
        )


def _audit(
    conn: Connection, actor: Principal, action: str, detail: dict[str, Any], remote_addr: str | None
) -> None:
    """An audit_log entry in the same transaction as the change."""
    conn.execute(audit_entry(actor, action, None, detail, remote_addr))


def report_of_row(row: Row[Any]) -> Report:
    """The Report of a row selected with REPORT_COLUMNS."""
    m = row._mapping
    return Report(
        tracking_id=m["tracking_id"],
        category=m["category"],
        description=m["description"],
        lon=float(m["lon"]),
        lat=float(m["lat"]),
        district=m["district"],
        address=m["address"],
        department=m["department"],
        status=Status(m["status"]),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        due_at=m["due_at"],
        duplicate_of=m["duplicate_of"],
        supporters=int(m["supporters"]),
        language=m["language"],
        approved_at=m["approved_at"],
        contact_email=m["contact_email"],
        contact_phone=m["contact_phone"],
    )
