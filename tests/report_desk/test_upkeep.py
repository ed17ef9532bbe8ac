"""Upkeep on both backends: resolved reports close by themselves, contacts go after retention."""

from __future__ import annotations

import threading
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from geohub.auth.audit import AuditLog
from geohub.auth.principal import Principal, Role
from geohub.records import utc_now
from geohub.report_desk.routes import desk
from geohub.report_desk.upkeep import erase_contacts, run_upkeep
from geohub.reports.model import Status
from geohub.reports.service import ReportService
from geohub.settings import ReportsSettings
from tests.report_desk.conftest import EMAIL, file_report, set_history_time

STAFF = Principal(user="dana", role=Role.publisher, department="energy_utilities")
SETTINGS = ReportsSettings(auto_close_after_days=14, contact_retention_days=90)


def _resolve(service: ReportService, tracking_id: str) -> None:
    for status in (Status.accepted, Status.in_progress, Status.resolved):
        service.move(tracking_id, status, STAFF)


def test_upkeep_closes_after_the_set_time_and_erases_contacts_after_retention(service: ReportService) -> None:
    old, recent, rejected = (file_report(service, east_m=metres) for metres in (0, 100, 200))
    _resolve(service, old)
    _resolve(service, recent)
    service.move(rejected, Status.rejected, STAFF, "Not ours.")
    now = utc_now()
    set_history_time(service, old, "resolved", now - timedelta(days=15))
    set_history_time(service, recent, "resolved", now - timedelta(days=13))
    set_history_time(service, rejected, "rejected", now - timedelta(days=89))
    heard: list[str] = []
    service.on_change(lambda reports: heard.extend(r.tracking_id for r in reports))

    done = run_upkeep(service, SETTINGS, now)
    assert (done.closed, done.erased) == (1, 0)
    assert heard == [old]
    assert [service.get(r).status for r in (old, recent)] == [Status.closed, Status.resolved]
    last = service.history(old)[-1]
    assert (last.from_status, last.to_status, last.role, last.actor) == (
        Status.resolved,
        Status.closed,
        "system",
        None,
    )
    assert service.get(rejected).contact_email == EMAIL  # 89 days: kept

    set_history_time(service, rejected, "rejected", now - timedelta(days=91))
    set_history_time(service, old, "closed", now - timedelta(days=91))
    assert run_upkeep(service, SETTINGS, now) == type(done)(closed=0, erased=2)
    assert (service.get(rejected).contact_email, service.get(rejected).contact_phone) == (None, None)
    assert service.get(recent).contact_email == EMAIL
    entries = AuditLog(service.records).entries()
    erased = [e.detail for e in entries if e.action == "report.contacts_erase"]
    assert erased == [{"count": 2, "by": "system"}]
    assert EMAIL not in str([e.detail for e in entries])
    assert run_upkeep(service, SETTINGS, now) == type(done)(closed=0, erased=0)  # nothing left to do

    assert erase_contacts(service, tracking_ids=[recent], via="cli") == 1  # named: whatever its status
    assert service.get(recent).contact_email is None


def test_reading_a_queue_runs_the_upkeep_at_most_hourly(
    app: Flask, client: FlaskClient, service: ReportService, tokens: dict[str, dict[str, str]]
) -> None:
    first, second = file_report(service), file_report(service, east_m=100)
    _resolve(service, first)
    _resolve(service, second)
    set_history_time(service, first, "resolved", utc_now() - timedelta(days=15))
    with app.app_context():
        found = desk()
    found._upkeep_due = 0.0  # an hour since this process's last run
    assert client.get("/reports", headers=tokens["dana"]).status_code == 200
    for thread in threading.enumerate():
        if thread.name == "geohub-report-upkeep":
            thread.join()  # it runs off the request
    assert service.get(first).status is Status.closed  # default auto_close_after_days: 14
    set_history_time(service, second, "resolved", utc_now() - timedelta(days=15))
    assert client.get("/reports", headers=tokens["dana"]).status_code == 200
    assert found.upkeep_if_due() is None  # not again within the hour
    assert service.get(second).status is Status.resolved
