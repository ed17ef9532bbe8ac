"""What anyone with a tracking id may see of a report: JSON with no personal data.

Left out: the contact details, the description and the citizen's comments (free text a citizen
wrote may name people; the public layer will show it only once a moderator approved it), and
staff names (a move says the role that made it: moderator, publisher, admin or citizen).
Staff comments are replies to the citizen and are shown. Photos are linked only for whoever
may see them (ReportService.may_see_photos): everyone once a moderator approved the report.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geohub.layers.registry import LayerRegistry
from geohub.reports.categories import Categories
from geohub.reports.model import Report, StatusChange
from geohub.reports.service import CITIZEN_ROLE, Nearby


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def report_json(
    report: Report,
    history: list[StatusChange],
    categories: Categories,
    registry: LayerRegistry,
    language: str,
    now: datetime,
    photos: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """The status of a report in `language`; `photos` are the links (href, thumbnail) the asker may follow."""
    return {
        **summary_json(report, categories, language),
        "location": {"lon": report.lon, "lat": report.lat},
        "district": report.district,
        "address": report.address,
        "department": {
            "id": report.department,
            "name": _department_name(registry, report.department, language),
        },
        "createdAt": iso(report.created_at),
        "updatedAt": iso(report.updated_at),
        "dueAt": iso(report.due_at),
        "overdue": report.is_overdue(now),
        "duplicateOf": report.duplicate_of,
        "history": [_change_json(change) for change in history],
        "photos": photos or [],
    }


def nearby_json(nearby: Nearby, categories: Categories, language: str) -> dict[str, Any]:
    """A duplicate offered to a citizen about to file."""
    return {**summary_json(nearby.report, categories, language), "distanceM": round(nearby.distance_m, 1)}


def summary_json(report: Report, categories: Categories, language: str) -> dict[str, Any]:
    """A report in short: tracking id, category, status, supporters."""
    category = categories.get(report.category)
    title = category.title.in_language(language) if category else report.category
    return {
        "trackingId": report.tracking_id,
        "category": {"code": report.category, "title": title},
        "status": report.status.value,
        "supporters": report.supporters,
    }


def _change_json(change: StatusChange) -> dict[str, Any]:
    return {
        "from": None if change.from_status is None else change.from_status.value,
        "to": change.to_status.value,
        "at": iso(change.at),
        "by": change.role,
        "kind": change.kind,
        "comment": None if change.role == CITIZEN_ROLE or change.kind == "assign" else change.comment or None,
    }


def _department_name(registry: LayerRegistry, department_id: str, language: str) -> str:
    department = registry.departments.get(department_id)
    return department.name.in_language(language) if department else department_id
