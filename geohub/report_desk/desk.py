"""ReportDesk: what department staff and moderators do with reports besides moving their status.

Who may do what (publishers ARE their department's staff; there is no role of its own):
- the queue and a report's case: admins and moderators any department's, publishers their own;
- reply to the citizen: whoever may work on the report (its department's publishers, moderators,
  admins); the reply is shown in the public history as the role, never the staff name;
- assign to another department, merge, approve: moderators and admins only. A publisher given a
  report that is not its department's does not pass it on itself: it replies or asks a moderator,
  who sees every queue (a department could otherwise push work out of sight).
Each write is one transaction holding the report row, its history row and the audit entry, with a
compare-and-set on what it read (two staff at once: one wins, the other gets a 409); after the
commit the service's listeners hear of the changed reports.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, update

from geohub.auth.audit import audit_entry
from geohub.auth.principal import Principal, Role
from geohub.errors import ConflictError, FieldError, ForbiddenError, InvalidRequestError
from geohub.messages import tr
from geohub.records import utc_now
from geohub.report_desk.queue import QueueFilter, QueuePage, find_page
from geohub.report_desk.upkeep import Upkeep, run_upkeep
from geohub.reports.model import FINAL, OPEN, Report, Status, StatusChange
from geohub.reports.service import MAX_COMMENT_CHARS, STATUS_NAMES, ReportService, may_work_on
from geohub.reports.tables import report_status_changes, reports
from geohub.settings import ReportsSettings

UPKEEP_EVERY_S = 3600.0  # upkeep when a queue is read (off the request), at most this often per process
MAX_DUPLICATE_HOPS = 50
log = logging.getLogger("geohub.reports")


class ReportDesk:
    """The staff's work on reports, over a ReportService."""

    def __init__(self, service: ReportService, settings: ReportsSettings) -> None:
        self.service = service
        self.settings = settings
        self._upkeep_lock = threading.Lock()
        self._upkeep_due = 0.0  # time.monotonic() of the next opportunistic upkeep

    # reading -----------------------------------------------------------------------------------
    def queue(self, actor: Principal, queue: QueueFilter) -> QueuePage:
        """A page of the queue `actor` may see: publishers their department's (the default)."""
        require_staff(actor)
        if actor.role is Role.publisher:
            if queue.department is None:
                queue = replace(queue, department=actor.department)
            elif queue.department != actor.department:
                raise ForbiddenError(tr("Publishers see only their own department's reports."))
        if queue.department is not None:
            self.check_department(queue.department)
        if queue.category is not None:
            self.service.category(queue.category)
        self.upkeep_if_due()
        return find_page(self.service.records, queue, utc_now())

    def case(self, actor: Principal, tracking_id: str) -> tuple[Report, list[StatusChange]]:
        """The report with its private details and whole history, for staff who may work on it."""
        report = self._workable(actor, tracking_id)
        return report, self.service.history(report.tracking_id)

    def check_department(self, department: str) -> None:
        """400 naming `department` when layers/departments.yaml has no such department."""
        if department not in self.service.registry.departments:
            message = tr("There is no department '{department}'.", department=department[:60])
            raise InvalidRequestError(message, [FieldError("department", message)])

    # writes ------------------------------------------------------------------------------------
    def assign(
        self,
        actor: Principal,
        tracking_id: str,
        department: str,
        comment: str = "",
        remote_addr: str | None = None,
    ) -> Report:
        """Hand the report to another department (moderators and admins)."""
        require_moderator(actor)
        self.check_department(department)
        report = self.service.get(tracking_id)
        if report.status in FINAL:
            raise ConflictError(tr("Report {report} is no longer open.", report=report.tracking_id))
        if report.department == department:
            raise ConflictError(
                tr(
                    "Report {report} is already with {department}.",
                    report=report.tracking_id,
                    department=department,
                )
            )
        comment = checked_comment(comment)
        now = utc_now()
        with self.service.records.transaction() as conn:
            _compare_and_set(
                conn,
                report,
                [
                    reports.c.department == report.department,
                    reports.c.status.not_in([s.value for s in FINAL]),
                ],
                department=department,
                updated_at=now,
            )
            _note(conn, report, "assign", actor, now, comment, department=department)
            detail = {"report": report.tracking_id, "from": report.department, "to": department}
            conn.execute(audit_entry(actor, "report.assign", None, detail, remote_addr))
        return self._changed(report.tracking_id)

    def reply(
        self, actor: Principal, tracking_id: str, comment: str, remote_addr: str | None = None
    ) -> Report:
        """A staff reply to the citizen, shown in the public history as the staff's role."""
        report = self._workable(actor, tracking_id)
        comment = checked_comment(comment)
        if not comment:
            raise InvalidRequestError(
                tr("Write the reply."), [FieldError("comment", tr("This field is required."))]
            )
        now = utc_now()
        with self.service.records.transaction() as conn:
            _compare_and_set(conn, report, [], updated_at=now)
            _note(conn, report, "reply", actor, now, comment)
            detail = {"report": report.tracking_id, "chars": len(comment)}
            conn.execute(audit_entry(actor, "report.reply", None, detail, remote_addr))
        return self._changed(report.tracking_id)

    def approve(
        self, actor: Principal, tracking_id: str, approved: bool, remote_addr: str | None = None
    ) -> Report:
        """Make the description and photos public (approved) or private again (moderators and admins)."""
        require_moderator(actor)
        report = self.service.get(tracking_id)
        if (report.approved_at is not None) == approved:
            return report  # already so: nothing to record
        now = utc_now()
        was = reports.c.approved_at.is_(None) if approved else reports.c.approved_at.is_not(None)
        with self.service.records.transaction() as conn:
            _compare_and_set(conn, report, [was], approved_at=now if approved else None, updated_at=now)
            _note(conn, report, "approve" if approved else "disapprove", actor, now)
            detail = {"report": report.tracking_id, "approved": approved}
            conn.execute(audit_entry(actor, "report.approve", None, detail, remote_addr))
        return self._changed(report.tracking_id)

    def merge(self, actor: Principal, tracking_id: str, into: str, remote_addr: str | None = None) -> Report:
        """The report becomes a duplicate of `into` (or the report `into` duplicates) and its
        supporters, with its own citizen, count for that one (moderators and admins)."""
        require_moderator(actor)
        report = self.service.get(tracking_id)
        target = self._root(self.service.get(into))
        if target.tracking_id == report.tracking_id:
            message = tr("A report cannot duplicate itself.")
            raise InvalidRequestError(message, [FieldError("into", message)])
        if report.status not in OPEN:
            raise ConflictError(
                tr(
                    "A report that is {current} cannot become {target}.",
                    current=STATUS_NAMES[report.status],
                    target=STATUS_NAMES[Status.duplicate],
                )
            )
        if target.status not in OPEN:
            raise ConflictError(tr("Report {report} is no longer open.", report=target.tracking_id))
        added = report.supporters + 1
        now = utc_now()
        with self.service.records.transaction() as conn:
            _compare_and_set(
                conn,
                report,
                [reports.c.status == report.status.value],
                status=Status.duplicate.value,
                duplicate_of=target.tracking_id,
                updated_at=now,
            )
            _compare_and_set(
                conn,
                target,
                [reports.c.status.in_([s.value for s in OPEN])],
                supporters=reports.c.supporters + added,
                updated_at=now,
            )
            conn.execute(  # its own duplicates now point at the root too
                update(reports)
                .where(reports.c.duplicate_of == report.tracking_id)
                .values(duplicate_of=target.tracking_id)
            )
            _note(conn, report, "merge", actor, now, to_status=Status.duplicate, related=target.tracking_id)
            _note(conn, target, "merge", actor, now, related=report.tracking_id)
            detail = {"report": report.tracking_id, "into": target.tracking_id, "supporters": added}
            conn.execute(audit_entry(actor, "report.merge", None, detail, remote_addr))
        merged = self.service.get(report.tracking_id)
        self.service.changed(merged, self.service.get(target.tracking_id))
        return merged

    # upkeep ------------------------------------------------------------------------------------
    def upkeep_if_due(self) -> threading.Thread | None:
        """Start the upkeep in a thread of its own when this process has not run it for an hour
        (a cheap check otherwise), so the queue's reader does not wait for it; None when not due."""
        if time.monotonic() < self._upkeep_due or not self._upkeep_lock.acquire(blocking=False):
            return None
        try:
            self._upkeep_due = time.monotonic() + UPKEEP_EVERY_S
            thread = threading.Thread(target=self._upkeep, name="geohub-report-upkeep", daemon=True)
            thread.start()
            return thread
        finally:
            self._upkeep_lock.release()

    def _upkeep(self) -> Upkeep | None:
        try:
            return run_upkeep(self.service, self.settings)
        except Exception:  # logged; the next hour tries again
            log.exception("report upkeep failed")
            return None

    # internals ---------------------------------------------------------------------------------
    def _workable(self, actor: Principal, tracking_id: str) -> Report:
        require_staff(actor)
        report = self.service.get(tracking_id)
        if not may_work_on(actor, report):
            raise ForbiddenError(tr("Only moderators and the department's staff may change this report."))
        return report

    def _root(self, report: Report) -> Report:
        """The report at the end of a chain of duplicates."""
        for _ in range(MAX_DUPLICATE_HOPS):
            if report.status is not Status.duplicate or report.duplicate_of is None:
                break
            report = self.service.get(report.duplicate_of)
        return report

    def _changed(self, tracking_id: str) -> Report:
        changed = self.service.get(tracking_id)
        self.service.changed(changed)
        return changed


STAFF_ROLES = frozenset({Role.admin, Role.moderator, Role.publisher})


def require_staff(actor: Principal) -> None:
    """403 unless `actor` is staff: an admin, a moderator or a publisher with a department."""
    if actor.role not in STAFF_ROLES or (actor.role is Role.publisher and not actor.department):
        raise ForbiddenError(tr("Only moderators and department staff may work on reports."))


def require_moderator(actor: Principal) -> None:
    """403 unless `actor` is a moderator or an admin."""
    if actor.role not in (Role.admin, Role.moderator):
        raise ForbiddenError(tr("Only moderators and administrators may do this."))


def checked_comment(comment: str) -> str:
    """The comment stripped; 400 when longer than 2000 characters."""
    comment = comment.strip()
    if len(comment) > MAX_COMMENT_CHARS:
        message = tr("Give at most {max_length} characters.", max_length=MAX_COMMENT_CHARS)
        raise InvalidRequestError(
            tr("A comment may have at most {max} characters.", max=MAX_COMMENT_CHARS),
            [FieldError("comment", message)],
        )
    return comment


def _compare_and_set(conn: Connection, report: Report, still: list[Any], **values: Any) -> None:
    """UPDATE the report where it is still as read (`still`); 409 when someone changed it meanwhile."""
    changed = conn.execute(
        update(reports).where(reports.c.tracking_id == report.tracking_id, *still).values(**values)
    ).rowcount
    if changed != 1:
        raise ConflictError(
            tr("Report {report} was changed meanwhile: read it again.", report=report.tracking_id)
        )


def _note(
    conn: Connection,
    report: Report,
    kind: str,
    actor: Principal,
    at: datetime,
    comment: str = "",
    to_status: Status | None = None,
    department: str | None = None,
    related: str | None = None,
) -> None:
    """One history row of `kind`: the status stays unless `to_status` says otherwise."""
    conn.execute(
        report_status_changes.insert().values(
            tracking_id=report.tracking_id,
            from_status=report.status.value,
            to_status=(to_status or report.status).value,
            role=actor.role.value if actor.role else "system",
            actor=actor.user,
            at=at,
            comment=comment,
            kind=kind,
            department=department,
            related_report=related,
        )
    )
