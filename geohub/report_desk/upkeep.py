"""Report upkeep: close resolved reports nobody confirmed, erase contacts past their retention.

(a) A report resolved more than `reports.auto_close_after_days` ago closes by itself: its history
says role `system`, the audit log `report.status` by the system. (b) The e-mail and phone of a
report closed, rejected or a duplicate for more than `reports.contact_retention_days` are erased;
the audit log says how many, never the contacts. Both count from the history's move into the
status, not from `updated_at` (a staff reply must not restart the clock). Run by `geohub reports
upkeep` (the systemd timer geohub-reports-upkeep.timer) and at most hourly when a queue is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, ScalarSelect, func, or_, select, update

from geohub.auth.audit import audit_entry
from geohub.auth.principal import ANONYMOUS
from geohub.jobs import run_once
from geohub.records import utc_now
from geohub.reports.model import FINAL, Status
from geohub.reports.service import ReportService
from geohub.reports.tables import report_status_changes, reports
from geohub.settings import ReportsSettings

SYSTEM_ROLE = "system"
CLOSE_BATCH = 200  # reports closed per transaction
_FINAL_VALUES = sorted(s.value for s in FINAL)


@dataclass(frozen=True)
class Upkeep:
    """What one upkeep run did."""

    closed: int
    erased: int
    skipped: bool = False  # another process, on this node or another, was running it


def run_upkeep(service: ReportService, settings: ReportsSettings, now: datetime | None = None) -> Upkeep:
    """Auto-close and erase contacts, as of `now`; in one process at a time on any node
    (geohub/jobs.py): while another runs it, this one skips it."""
    now = now or utc_now()
    with run_once(service.settings, "reports upkeep") as mine:
        if not mine:
            return Upkeep(closed=0, erased=0, skipped=True)
        closed = close_resolved(service, now - timedelta(days=settings.auto_close_after_days), now)
        erased = erase_contacts(service, now - timedelta(days=settings.contact_retention_days))
        return Upkeep(closed=len(closed), erased=erased)


def close_resolved(service: ReportService, resolved_before: datetime, now: datetime) -> list[str]:
    """Close the reports resolved before `resolved_before`; their tracking ids."""
    records = service.records
    rows = records.fetchall(
        select(reports.c.tracking_id).where(
            reports.c.status == Status.resolved.value,
            _last_move_into([Status.resolved.value]) < resolved_before,
        )
    )
    ids = [tracking_id for (tracking_id,) in map(tuple, rows)]
    closed: list[str] = []
    for first in range(0, len(ids), CLOSE_BATCH):  # short transactions: filings wait little
        with records.transaction() as conn:
            closed += [t for t in ids[first : first + CLOSE_BATCH] if _close(conn, t, now)]
    if closed:
        service.changed(*(service.get(tracking_id) for tracking_id in closed))
    return closed


def _close(conn: Connection, tracking_id: str, now: datetime) -> bool:
    """Close one resolved report with its history row and audit entry; False when it is no longer
    resolved (the citizen confirmed or reopened it meanwhile)."""
    changed = conn.execute(
        update(reports)
        .where(reports.c.tracking_id == tracking_id, reports.c.status == Status.resolved.value)
        .values(status=Status.closed.value, updated_at=now)
    ).rowcount
    if changed != 1:
        return False
    conn.execute(
        report_status_changes.insert().values(
            tracking_id=tracking_id,
            from_status=Status.resolved.value,
            to_status=Status.closed.value,
            role=SYSTEM_ROLE,
            at=now,
            comment="",
            kind="status",
        )
    )
    detail = {"report": tracking_id, "from": "resolved", "to": "closed", "by": SYSTEM_ROLE}
    conn.execute(audit_entry(ANONYMOUS, "report.status", None, detail, None))
    return True


def erase_contacts(
    service: ReportService,
    final_before: datetime | None = None,
    tracking_ids: Sequence[str] = (),
    via: str = SYSTEM_ROLE,
) -> int:
    """Erase the e-mail and phone of the named reports (any status), or else of every report
    closed, rejected or a duplicate before `final_before`; how many had any."""
    if not tracking_ids and final_before is None:
        raise ValueError("name reports or a moment")
    named = [service.get(tracking_id).tracking_id for tracking_id in tracking_ids]  # 404 for unknown
    where: list[Any] = [or_(reports.c.contact_email.is_not(None), reports.c.contact_phone.is_not(None))]
    if named:
        where.append(reports.c.tracking_id.in_(named))
    else:
        where += [reports.c.status.in_(_FINAL_VALUES), _last_move_into(_FINAL_VALUES) < final_before]
    with service.records.transaction() as conn:
        erased = conn.execute(
            update(reports).where(*where).values(contact_email=None, contact_phone=None)
        ).rowcount
        if erased:
            detail: dict[str, Any] = {"count": erased, "by": via}
            if named:
                detail["reports"] = named
            conn.execute(audit_entry(ANONYMOUS, "report.contacts_erase", None, detail, None))
    return int(erased)


def _last_move_into(statuses: Iterable[str]) -> ScalarSelect[Any]:
    """The moment of the report's latest move into one of `statuses` (correlated)."""
    c = report_status_changes.c
    return (
        select(func.max(c.at))
        .where(c.tracking_id == reports.c.tracking_id, c.to_status.in_(list(statuses)))
        .scalar_subquery()
    )
