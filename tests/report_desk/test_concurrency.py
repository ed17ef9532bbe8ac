"""Two staff at once on both backends: the one who acted on a stale read gets a 409, the report
keeps the first one's change (a compare-and-set, not a lost update)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from geohub.auth.principal import Principal, Role
from geohub.errors import ConflictError
from geohub.report_desk.desk import ReportDesk
from geohub.reports.model import Report, Status
from geohub.reports.service import ReportService
from geohub.settings import ReportsSettings
from tests.report_desk.conftest import file_report

MARAT = Principal(user="marat", role=Role.moderator)
ADMIN = Principal(user="admin", role=Role.admin)


def _meanwhile(service: ReportService, tracking_id: str, act: Callable[[], Any]) -> None:
    """Run `act` (another staff member's write) right after the next read of `tracking_id`."""
    read = service.get
    done: list[bool] = []

    def get_then_act(wanted: str) -> Report:
        report = read(wanted)
        if wanted == tracking_id and not done:
            done.append(True)
            act()
        return report

    service.get = get_then_act  # type: ignore[method-assign]


def test_a_stale_assignment_is_a_conflict(service: ReportService) -> None:
    desk = ReportDesk(service, ReportsSettings())
    report = file_report(service)
    _meanwhile(service, report, lambda: desk.assign(ADMIN, report, "social_welfare"))
    with pytest.raises(ConflictError):
        desk.assign(MARAT, report, "natural_resources")
    assert service.get(report).department == "social_welfare"
    assert [c.kind for c in service.history(report)] == ["status", "assign"]


def test_a_merge_into_a_report_closed_meanwhile_is_a_conflict(service: ReportService) -> None:
    desk = ReportDesk(service, ReportsSettings())
    merged, target = file_report(service), file_report(service, east_m=100)
    _meanwhile(service, target, lambda: service.move(target, Status.rejected, ADMIN, "Not ours."))
    with pytest.raises(ConflictError):
        desk.merge(MARAT, merged, target)
    assert service.get(merged).status is Status.registered  # the whole merge rolled back
    assert service.get(target).supporters == 0
