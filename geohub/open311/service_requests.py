"""Open311 service requests: GeoHub reports in the standard's fields, and the list filters.

GeoHub's statuses become Open311's two: the open ones (registered, accepted, in progress,
reopened) are `open`, the rest `closed` (a resolved report waits only for the citizen's word);
`geohub_status` keeps the exact one. Never in an answer: contact details, names, staff names.
The description is shown only once a moderator approved it (`approved_at`), as on the public layer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from geohub.errors import InvalidRequestError
from geohub.layers.models import Department
from geohub.messages import Message, tr
from geohub.reports.categories import Categories
from geohub.reports.model import OPEN, Report, Status
from geohub.reports.public import iso
from geohub.reports.service import STATUS_NAMES, Nearby

MAX_REQUESTS = 1000  # the spec's most results of one GET requests
WINDOW = timedelta(days=90)  # the spec's default and widest requested_datetime range
MAX_DATE_CHARS = 40
STATUS_GROUPS: dict[str, frozenset[Status]] = {
    "open": frozenset(OPEN),
    "closed": frozenset(Status) - OPEN,
}


@dataclass(frozen=True)
class RequestFilter:
    """Which reports GET requests lists: by ids alone, or by categories, statuses and dates."""

    tracking_ids: tuple[str, ...] | None = None  # given: every other criterion is ignored (spec)
    categories: tuple[str, ...] | None = None
    statuses: frozenset[Status] | None = None
    start: datetime | None = None
    end: datetime | None = None
    limit: int = MAX_REQUESTS


def open311_status(status: Status) -> str:
    """`open` or `closed`."""
    return "open" if status in OPEN else "closed"


def parse_filter(
    ids: str | None,
    service_codes: str | None,
    statuses: str | None,
    start_date: str | None,
    end_date: str | None,
    categories: Categories,
    now: datetime,
) -> RequestFilter:
    """The filter the query parameters ask for: 400 naming the parameter when one is wrong."""
    if ids is not None:
        listed = tuple(dict.fromkeys(_listed(ids)))
        if len(listed) > MAX_REQUESTS:
            message = tr("service_request_id may list at most {max} requests.", max=MAX_REQUESTS)
            raise InvalidRequestError(message)
        return RequestFilter(tracking_ids=listed)
    start, end = _window(start_date, end_date, now)
    return RequestFilter(
        categories=None if service_codes is None else _codes(service_codes, categories),
        statuses=None if statuses is None else _statuses(statuses),
        start=start,
        end=end,
    )


def _codes(service_codes: str, categories: Categories) -> tuple[str, ...]:
    codes = tuple(_listed(service_codes))
    for code in codes:
        if categories.get(code) is None:
            raise InvalidRequestError(tr("There is no service '{service_code}'.", service_code=code[:60]))
    return codes


def _statuses(statuses: str) -> frozenset[Status]:
    names = _listed(statuses)
    for name in names:
        if name not in STATUS_GROUPS:
            raise InvalidRequestError(tr("A status is open or closed, not '{status}'.", status=name[:20]))
    return frozenset().union(*(STATUS_GROUPS[name] for name in names))


def _window(start_date: str | None, end_date: str | None, now: datetime) -> tuple[datetime, datetime]:
    """requested_datetime from start to end: 90 days up to now unless the dates say otherwise."""
    end = _moment("end_date", end_date) if end_date else now
    start = _moment("start_date", start_date) if start_date else end - WINDOW
    if start > end:
        raise InvalidRequestError(tr("start_date must not be after end_date."))
    if end - start > WINDOW:
        raise InvalidRequestError(
            tr("start_date and end_date may span at most {days} days.", days=WINDOW.days)
        )
    return start, end


def request_json(
    report: Report,
    categories: Categories,
    departments: Mapping[str, Department],
    language: str,
    status_notes: str | None,
    media_url: str | None,
) -> dict[str, Any]:
    """One report as an Open311 service request, titled in `language`."""
    category = categories.get(report.category)
    department = departments.get(report.department)
    approved = report.approved_at is not None
    fields: dict[str, Any] = {
        "service_request_id": report.tracking_id,
        "status": open311_status(report.status),
        "status_notes": status_notes or None,
        "service_name": category.title.in_language(language) if category else report.category,
        "service_code": report.category,
        "description": report.description if approved else None,
        "agency_responsible": department.name.in_language(language) if department else report.department,
        "service_notice": _notice(report).render(language),
        "requested_datetime": _w3(report.created_at),
        "updated_datetime": _w3(report.updated_at),
        "expected_datetime": _w3(report.due_at),
        "address": report.address,
        "zipcode": "",
        "lat": report.lat,
        "long": report.lon,
        "geohub_status": report.status.value,
    }
    if approved and media_url:
        fields["media_url"] = media_url
    return fields


def filed_json(report: Report, secret: str, nearby: Sequence[Nearby], language: str) -> dict[str, Any]:
    """The answer to a POST: the id (also the token), a notice about a report nearby, the secret."""
    notice = None
    if nearby:
        notice = tr(
            "An open report of this service is {distance} m away: {report}. Moderators may merge the two.",
            distance=round(nearby[0].distance_m),
            report=nearby[0].report.tracking_id,
        ).render(language)
    return {
        "service_request_id": report.tracking_id,
        "token": report.tracking_id,
        "service_notice": notice,
        "account_id": None,
        "geohub_secret": secret,  # shown once: confirm or reopen at /reports/{id}/confirm|reopen
    }


def _notice(report: Report) -> Message:
    if report.status is Status.duplicate and report.duplicate_of:
        return tr("A duplicate of request {report}.", report=report.duplicate_of)
    if report.status is Status.resolved:
        return tr("Resolved; the citizen may still reopen it.")
    return tr("GeoHub status: {status}.", status=STATUS_NAMES[report.status])


def _w3(moment: datetime) -> str:
    """A moment as Open311 clients parse it: UTC to the second (2026-12-07T09:30:00Z)."""
    return iso(moment.replace(microsecond=0))


def _listed(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _moment(name: str, value: str) -> datetime:
    """An ISO 8601 date-time (a date alone is its midnight; without an offset, UTC)."""
    try:
        if len(value) > MAX_DATE_CHARS:
            raise ValueError(value)
        moment = datetime.fromisoformat(value.strip())
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        if not 1970 <= moment.year <= 9000:  # and so the 90 days before and after it exist
            raise ValueError(value)
    except (ValueError, OverflowError):
        raise InvalidRequestError(
            tr(
                "{name} '{value}' is not an ISO 8601 date-time like 2026-12-01T00:00:00Z.",
                name=name,
                value=value[:MAX_DATE_CHARS],
            )
        ) from None
    return moment
