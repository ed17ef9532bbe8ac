"""Report desk fixtures: an app on each backend with staff accounts, and reports filed quickly.

No layers are loaded: a report outside every district polygon has no district, which the desk
does not need (tests that filter by district set it in the database).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from geohub.app import create_app
from geohub.auth.http import accounts
from geohub.auth.principal import Role
from geohub.report_desk.routes import desk
from geohub.reports.routes import report_service
from geohub.reports.service import NewReport, ReportService
from geohub.reports.tables import report_status_changes, reports
from geohub.settings import Settings

CENTRE = (76.9457, 43.2383)
EMAIL, PHONE = "aigerim.private@example.kz", "+7 701 555 0199"
STAFF = {  # name -> role, department
    "admin": (Role.admin, None),
    "marat": (Role.moderator, None),
    "dana": (Role.publisher, "energy_utilities"),
    "aigerim": (Role.publisher, "land_relations"),
}


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    flask_app = create_app(
        Settings(
            data_dir=settings.data_dir,
            database_url=settings.database_url,
            log_level="WARNING",
            auth={"rate_limits_enabled": False},
        )
    )
    yield flask_app
    flask_app.extensions["geohub"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def service(app: Flask) -> ReportService:
    with app.app_context():
        upkeep = desk().upkeep_if_due()  # the hourly upkeep has run: a test's queue reads do not start it
        assert upkeep is not None
        upkeep.join()
        return report_service()


@pytest.fixture
def tokens(app: Flask) -> dict[str, dict[str, str]]:
    """The Authorization header of each staff account."""
    with app.app_context():
        found = accounts()
        for name, (role, department) in STAFF.items():
            found.add_user(name, role=role, department=department)
        return {name: {"Authorization": f"Bearer {found.create_token(name)}"} for name in STAFF}


def file_report(
    service: ReportService, category: str = "broken_street_light", east_m: float = 0.0, **changes: Any
) -> str:
    """File a report `east_m` metres east of the centre; its tracking id."""
    lon = CENTRE[0] + east_m / (111_320 * math.cos(math.radians(CENTRE[1])))
    new = NewReport(
        category=category,
        description=changes.pop("description", "The street light by the entrance is dark."),
        lon=lon,
        lat=CENTRE[1],
        contact_email=EMAIL,
        contact_phone=PHONE,
        confirm_distinct=True,
        **changes,
    )
    filing = service.file(new)
    assert filing.report is not None
    return filing.report.tracking_id


def set_report(service: ReportService, tracking_id: str, **values: Any) -> None:
    """Change a report's row directly (a test's way to move time)."""
    with service.records.transaction() as conn:
        conn.execute(update(reports).where(reports.c.tracking_id == tracking_id).values(**values))


def set_history_time(service: ReportService, tracking_id: str, to_status: str, at: datetime) -> None:
    """Date the report's moves into `to_status` back to `at`."""
    c = report_status_changes.c
    with service.records.transaction() as conn:
        conn.execute(
            update(report_status_changes)
            .where(c.tracking_id == tracking_id, c.to_status == to_status)
            .values(at=at)
        )
