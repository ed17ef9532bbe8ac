"""What staff see of a report: JSON for the queue and the case, CSV and GeoJSON for exports.

Unlike geohub/reports/public.py these carry the description, the citizen's comments, the staff
names of the history and (where asked for) the private contact details: only staff get them,
and never from a cache (`Cache-Control: no-store, private`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from geohub.layers.registry import LayerRegistry
from geohub.reports.categories import Categories
from geohub.reports.model import Report, StatusChange
from geohub.reports.public import iso

CSV_FIELDS = (
    "trackingId",
    "category",
    "status",
    "description",
    "lon",
    "lat",
    "district",
    "address",
    "department",
    "createdAt",
    "updatedAt",
    "dueAt",
    "overdue",
    "supporters",
    "duplicateOf",
    "approvedAt",
    "language",
)
CONTACT_FIELDS = ("email", "phone")
_FORMULA = re.compile(r"[=@\t\r]|[+-][^0-9 (]")


def staff_json(
    report: Report, categories: Categories, registry: LayerRegistry, language: str, now: datetime
) -> dict[str, Any]:
    """A queue item: everything staff need, the contact details included."""
    category = categories.get(report.category)
    department = registry.departments.get(report.department)
    return {
        "trackingId": report.tracking_id,
        "category": {
            "code": report.category,
            "title": category.title.in_language(language) if category else report.category,
        },
        "status": report.status.value,
        "description": report.description,
        "location": {"lon": report.lon, "lat": report.lat},
        "district": report.district,
        "address": report.address,
        "department": {
            "id": report.department,
            "name": department.name.in_language(language) if department else report.department,
        },
        "createdAt": iso(report.created_at),
        "updatedAt": iso(report.updated_at),
        "dueAt": iso(report.due_at),
        "overdue": report.is_overdue(now),
        "supporters": report.supporters,
        "duplicateOf": report.duplicate_of,
        "approved": report.approved_at is not None,
        "approvedAt": None if report.approved_at is None else iso(report.approved_at),
        "language": report.language,
        "contact": {"email": report.contact_email, "phone": report.contact_phone},
    }


def case_json(
    report: Report,
    history: list[StatusChange],
    categories: Categories,
    registry: LayerRegistry,
    language: str,
    now: datetime,
) -> dict[str, Any]:
    """The staff's case: the queue item and the whole history with staff names and every comment."""
    return {
        **staff_json(report, categories, registry, language, now),
        "history": [
            {
                "kind": change.kind,
                "from": None if change.from_status is None else change.from_status.value,
                "to": change.to_status.value,
                "at": iso(change.at),
                "by": change.role,
                "actor": change.actor,
                "comment": change.comment or None,
                "department": change.department,
                "relatedReport": change.related_report,
            }
            for change in history
        ],
    }


def csv_rows(reports: Iterable[Report], now: datetime, with_contacts: bool) -> Iterator[str]:
    """CSV text, a header line then one line per report (contacts only when asked for)."""
    fields = CSV_FIELDS + (CONTACT_FIELDS if with_contacts else ())
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for report in reports:
        writer.writerow(
            {name: _csv_value(value) for name, value in _flat(report, now, with_contacts).items()}
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def geojson_text(reports: Iterable[Report], now: datetime, with_contacts: bool) -> Iterator[str]:
    """A GeoJSON FeatureCollection, written a feature at a time."""
    yield '{"type": "FeatureCollection", "features": ['
    for number, report in enumerate(reports):
        properties = {k: v for k, v in _flat(report, now, with_contacts).items() if k not in ("lon", "lat")}
        feature = {
            "type": "Feature",
            "id": report.tracking_id,
            "geometry": {"type": "Point", "coordinates": [report.lon, report.lat]},
            "properties": properties,
        }
        yield ("," if number else "") + "\n" + json.dumps(feature, ensure_ascii=False)
    yield "\n]}\n"


def _flat(report: Report, now: datetime, with_contacts: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "trackingId": report.tracking_id,
        "category": report.category,
        "status": report.status.value,
        "description": report.description,
        "lon": report.lon,
        "lat": report.lat,
        "district": report.district,
        "address": report.address,
        "department": report.department,
        "createdAt": iso(report.created_at),
        "updatedAt": iso(report.updated_at),
        "dueAt": iso(report.due_at),
        "overdue": report.is_overdue(now),
        "supporters": report.supporters,
        "duplicateOf": report.duplicate_of,
        "approvedAt": None if report.approved_at is None else iso(report.approved_at),
        "language": report.language,
    }
    if with_contacts:
        row.update(email=report.contact_email, phone=report.contact_phone)
    return row


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and _FORMULA.match(value):  # no formula in a spreadsheet (+7 701… stays)
        return "'" + value
    return value
