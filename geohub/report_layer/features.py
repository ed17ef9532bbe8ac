"""The public `reports` layer's features: what of each report anyone may see, as a FeatureTable.

Public: open and resolved reports, and closed ones for `reports.public_closed_days` after closing.
Rejected and duplicate reports are not shown (a rejection may be spam; a duplicate shows as its
original's supporters). No contact details, no staff names, and the citizen's text and photos
only once a moderator approved them (`approved_at`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, and_, func, or_, select

from geohub.layers.models import LayerDefinition
from geohub.layers.registry import LayerRegistry
from geohub.reports.categories import Categories
from geohub.reports.model import OPEN, Status
from geohub.reports.tables import report_photos, reports
from geohub.storage.base import FeatureTable
from geohub.storage.values import coerce_value

LANGUAGES = ("kk", "ru", "en")
SHOWN_WHILE_ACTIVE = tuple(s.value for s in (*OPEN, Status.resolved))


def public_rows(
    conn: Connection, now: datetime, closed_days: float, since: datetime | None = None
) -> tuple[list[Mapping[str, Any]], list[str]]:
    """The reports the public layer shows, with their approved photo counts, in tracking id order,
    and the tracking ids of reports it must not show. `since`: only reports changed from then on."""
    photos = (
        select(report_photos.c.tracking_id, func.count().label("photos"))
        .group_by(report_photos.c.tracking_id)
        .subquery()
    )
    c = reports.c
    statement = (
        select(
            c.tracking_id,
            c.category,
            c.status,
            c.lon,
            c.lat,
            c.district,
            c.address,
            c.department,
            c.created_at,
            c.updated_at,
            c.due_at,
            c.supporters,
            c.description,
            c.approved_at,
            func.coalesce(photos.c.photos, 0).label("photos"),
        )
        .select_from(reports.outerjoin(photos, photos.c.tracking_id == c.tracking_id))
        .order_by(c.tracking_id)
    )
    closed_since = now - timedelta(days=closed_days)
    if since is None:
        shown_sql = or_(
            c.status.in_(SHOWN_WHILE_ACTIVE),
            and_(c.status == Status.closed.value, c.updated_at >= closed_since),
        )
        return [dict(row._mapping) for row in conn.execute(statement.where(shown_sql))], []
    shown: list[Mapping[str, Any]] = []
    hidden: list[str] = []
    for row in conn.execute(statement.where(c.updated_at >= since)):
        status, updated_at = row.status, row.updated_at
        if status in SHOWN_WHILE_ACTIVE or (status == Status.closed.value and updated_at >= closed_since):
            shown.append(dict(row._mapping))
        else:
            hidden.append(row.tracking_id)
    return shown, hidden


def public_table(
    layer: LayerDefinition,
    rows: Sequence[Mapping[str, Any]],
    categories: Categories,
    registry: LayerRegistry,
) -> FeatureTable:
    """The rows as the layer's features, every value coerced to its attribute's type."""
    columns: dict[str, list[Any]] = {a.name: [] for a in layer.attributes}
    for row in rows:
        values = _public_values(row, categories, registry)
        for attribute in layer.attributes:
            columns[attribute.name].append(coerce_value(attribute.type, values.get(attribute.name)))
    geometries = shapely.points([row["lon"] for row in rows], [row["lat"] for row in rows])
    return FeatureTable(np.asarray(geometries, dtype=object).reshape(-1), columns)


def _public_values(row: Mapping[str, Any], categories: Categories, registry: LayerRegistry) -> dict[str, Any]:
    category = categories.get(row["category"])
    department = registry.departments.get(row["department"])
    approved = row["approved_at"] is not None
    values: dict[str, Any] = {
        "tracking_id": row["tracking_id"],
        "category": row["category"],
        "accessibility": bool(category and category.accessibility),
        "status": row["status"],
        "open": row["status"] in {s.value for s in OPEN},
        "district": row["district"],
        "address": row["address"],
        "department": row["department"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "due_at": row["due_at"],
        "supporters": row["supporters"],
        "description": row["description"] if approved else None,
        "photos": int(row["photos"]) if approved else 0,
    }
    for language in LANGUAGES:
        values[f"category_{language}"] = category.title.in_language(language) if category else None
        values[f"department_{language}"] = department.name.in_language(language) if department else None
    return values
