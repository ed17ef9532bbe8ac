"""A department's queue of reports: one page in a chosen order, and the counts per status.

The counts are one grouped query over the department's rows (the `reports_queue` index on
department, status, due_at holds everything it reads); numberMatched comes from them unless a
category or district narrows the page, which the counts then also apply.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, not_, or_, select

from geohub.errors import FieldError, InvalidRequestError
from geohub.layers.models import SLUG
from geohub.messages import tr
from geohub.records import RecordsDatabase
from geohub.reports.model import OPEN, Report, Status
from geohub.reports.service import REPORT_COLUMNS, report_of_row
from geohub.reports.tables import reports

MAX_PAGE = 500
DEFAULT_PAGE = 50
SORTS = {
    "due": reports.c.due_at,
    "created": reports.c.created_at,
    "updated": reports.c.updated_at,
    "supporters": reports.c.supporters,
}
_OPEN_VALUES = sorted(s.value for s in OPEN)


@dataclass(frozen=True)
class QueueFilter:
    """Which reports, in which order, which page. Empty `statuses`: every status."""

    department: str | None = None
    statuses: tuple[Status, ...] = ()
    overdue: bool | None = None
    category: str | None = None
    district: str | None = None
    sort: str = "due"
    descending: bool = False
    limit: int = DEFAULT_PAGE
    offset: int = 0


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue, what matched in all, and per-status counts for the filter."""

    reports: list[Report]
    number_matched: int
    counts: dict[str, int]  # status -> reports (department, category and district applied)
    overdue: int  # open reports past their target time, of the statuses asked for
    filter: QueueFilter = field(repr=False)


def parse_statuses(values: Sequence[str]) -> tuple[Status, ...]:
    """Statuses from repeated and comma-separated values; 400 naming an unknown one."""
    statuses: list[Status] = []
    for value in values:
        for name in filter(None, (part.strip() for part in value.split(","))):
            if name not in Status.__members__:
                message = tr("There is no report status '{status}'.", status=name[:40])
                raise InvalidRequestError(message, [FieldError("status", message)])
            if Status(name) not in statuses:
                statuses.append(Status(name))
    return tuple(statuses)


def parse_sort(value: str | None) -> tuple[str, bool]:
    """`due`, `-created`…: the sort key and whether it is descending; 400 for another."""
    if not value:
        return "due", False
    descending = value.startswith("-")
    key = value[1:] if descending else value
    if key not in SORTS:
        message = tr("sort must be one of {sorts}, with '-' for descending.", sorts=", ".join(SORTS))
        raise InvalidRequestError(message, [FieldError("sort", message)])
    return key, descending


def parse_district(value: str | None) -> str | None:
    """A district id (a snake_case slug such as `medeu`) or None; 400 for anything else."""
    if not value:
        return None
    if not SLUG.match(value):
        message = tr("district must be a district id such as medeu, not '{value}'.", value=value[:40])
        raise InvalidRequestError(message, [FieldError("district", message)])
    return value


def parse_page(limit: str | None, offset: str | None) -> tuple[int, int]:
    """limit (1..500, default 50) and offset (≥ 0); 400 for anything else."""
    page_limit = _whole(limit, "limit", DEFAULT_PAGE, 1, MAX_PAGE)
    return page_limit, _whole(offset, "offset", 0, 0, None)


def _whole(value: str | None, name: str, default: int, low: int, high: int | None) -> int:
    if value is None or value == "":
        return default
    number = int(value) if value.isdigit() and len(value) < 10 else -1
    if number < low or (high is not None and number > high):
        message = (
            tr("{name} must be a whole number from {low} to {high}.", name=name, low=low, high=high)
            if high is not None
            else tr("{name} must be a whole number of at least {low}.", name=name, low=low)
        )
        raise InvalidRequestError(message, [FieldError(name, message)])
    return number


def find_page(records: RecordsDatabase, queue: QueueFilter, now: datetime) -> QueuePage:
    """The page of reports `queue` asks for, with numberMatched and the counts."""
    scope = _scope(queue)
    rows = records.fetchall(select(reports.c.status, func.count()).where(*scope).group_by(reports.c.status))
    counts = {str(status): int(count) for status, count in map(tuple, rows)}
    late_rows = records.fetchall(  # a range of the queue index per open status
        select(reports.c.status, func.count())
        .where(*scope, reports.c.status.in_(_OPEN_VALUES), reports.c.due_at < now)
        .group_by(reports.c.status)
    )
    late = {str(status): int(count) for status, count in map(tuple, late_rows)}
    asked = [s.value for s in queue.statuses] or list(counts)
    overdue = sum(late.get(s, 0) for s in asked)
    if queue.overdue is None:
        matched = sum(counts.get(s, 0) for s in asked)
    elif queue.overdue:
        matched = overdue
    else:
        matched = sum(counts.get(s, 0) for s in asked) - overdue
    found: list[Report] = []
    if matched > queue.offset:
        statement = select(*REPORT_COLUMNS).where(*scope, *_narrowing(queue, now))
        found = [report_of_row(row) for row in records.fetchall(_ordered(statement, queue))]
    return QueuePage(found, matched, counts, overdue, queue)


def iter_reports(records: RecordsDatabase, queue: QueueFilter, now: datetime) -> Iterator[Report]:
    """Every report the filter matches, in its order, read a page of 500 at a time (for exports)."""
    statement = select(*REPORT_COLUMNS).where(*_scope(queue), *_narrowing(queue, now))
    offset = 0
    while True:
        page = replace(queue, limit=MAX_PAGE, offset=offset)
        rows = records.fetchall(_ordered(statement, page))
        yield from map(report_of_row, rows)
        if len(rows) < MAX_PAGE:
            return
        offset += MAX_PAGE


def _scope(queue: QueueFilter) -> list[ColumnElement[bool]]:
    scope: list[ColumnElement[bool]] = []
    if queue.department is not None:
        scope.append(reports.c.department == queue.department)
    if queue.category is not None:
        scope.append(reports.c.category == queue.category)
    if queue.district is not None:
        scope.append(reports.c.district == queue.district)
    return scope


def _narrowing(queue: QueueFilter, now: datetime) -> list[ColumnElement[bool]]:
    narrowing: list[ColumnElement[bool]] = []
    if queue.statuses:
        narrowing.append(reports.c.status.in_([s.value for s in queue.statuses]))
    overdue_now = and_(reports.c.status.in_(_OPEN_VALUES), reports.c.due_at < now)
    if queue.overdue is True:
        narrowing.append(overdue_now)
    elif queue.overdue is False:
        narrowing.append(or_(not_(reports.c.status.in_(_OPEN_VALUES)), reports.c.due_at >= now))
    return narrowing


def _ordered(statement: Any, queue: QueueFilter) -> Any:
    order = SORTS[queue.sort]
    return (
        statement.order_by(order.desc() if queue.descending else order, reports.c.tracking_id)
        .limit(queue.limit)
        .offset(queue.offset)
    )
