"""The reads Open311 needs beyond ReportService: a filtered list, staff replies, photographed ids.

SQLAlchemy Core statements over the reports tables (the records database of `ReportService.records`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_, select

from geohub.open311.service_requests import RequestFilter
from geohub.records import RecordsDatabase
from geohub.reports.model import Report
from geohub.reports.service import CITIZEN_ROLE, REPORT_COLUMNS, report_of_row
from geohub.reports.tables import report_photos, report_status_changes, reports
from geohub.reports.tracking import normal_tracking_id


def find_reports(records: RecordsDatabase, wanted: RequestFilter) -> list[Report]:
    """The reports `wanted` selects, newest first, at most `wanted.limit`."""
    c = reports.c
    conditions: list[Any] = []
    if wanted.tracking_ids is not None:
        ids = {normal_tracking_id(given) for given in wanted.tracking_ids} - {None}
        conditions.append(c.tracking_id.in_(sorted(i for i in ids if i)))
    else:
        if wanted.categories is not None:
            conditions.append(c.category.in_(wanted.categories))
        if wanted.statuses is not None:
            conditions.append(c.status.in_(sorted(s.value for s in wanted.statuses)))
        if wanted.start is not None:
            conditions.append(c.created_at >= wanted.start)
        if wanted.end is not None:
            conditions.append(c.created_at <= wanted.end)
    statement = (
        select(*REPORT_COLUMNS)
        .where(*conditions)
        .order_by(c.created_at.desc(), c.tracking_id)
        .limit(wanted.limit)
    )
    return [report_of_row(row) for row in records.fetchall(statement)]


def staff_replies(records: RecordsDatabase, tracking_ids: Sequence[str]) -> dict[str, str]:
    """Each report's latest staff comment (a reply to the citizen, public); reports without one
    are left out. Citizens' comments may name people and are never shown."""
    if not tracking_ids:
        return {}
    c = report_status_changes.c
    rows = records.fetchall(
        select(c.tracking_id, c.comment)
        .where(
            c.tracking_id.in_(tracking_ids),
            c.role != CITIZEN_ROLE,
            c.comment != "",
            or_(c.kind.is_(None), c.kind != "assign"),  # a hand-over note is for staff (report_desk)
        )
        .order_by(c.id)
    )
    return {row.tracking_id: row.comment for row in rows}  # the last one of each report wins


def with_photos(records: RecordsDatabase, tracking_ids: Sequence[str]) -> set[str]:
    """Which of the reports have a first photo."""
    if not tracking_ids:
        return set()
    c = report_photos.c
    rows = records.fetchall(select(c.tracking_id).where(c.tracking_id.in_(tracking_ids), c.position == 1))
    return {row.tracking_id for row in rows}
