"""The citizen's loop through the HTTP API on both backends: file, follow, confirm or reopen."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from geohub.auth.audit import AuditLog
from geohub.auth.principal import Principal, Role
from geohub.reports.model import Status
from geohub.reports.service import ReportService
from geohub.settings import Settings
from tests.reports.conftest import EMAIL, HERE, PHONE, east_of, make_app, report_body

STAFF = Principal(user="dana", role=Role.publisher, department="energy_utilities")
MODERATOR = Principal(user="marat", role=Role.moderator)


def _file(client: FlaskClient, **changes: Any) -> TestResponse:
    return client.post("/reports", json=report_body(**changes))


def _private_data_absent(*responses: TestResponse) -> None:
    for response in responses:
        text = response.get_data(as_text=True)
        for private in (EMAIL, PHONE, "dana", "marat", "secret_hash"):
            assert private not in text, (private, response.request.path)


def _resolve(service: ReportService, tracking_id: str) -> None:
    service.move(tracking_id, Status.accepted, MODERATOR, "Passed to the lighting team.")
    service.move(tracking_id, Status.in_progress, STAFF)
    service.move(tracking_id, Status.resolved, STAFF, "The lamp is replaced.")


def test_citizen_files_follows_and_confirms(app: Flask, client: FlaskClient, service: ReportService) -> None:
    filed = client.post("/reports?lang=ru", json=report_body())
    assert filed.status_code == 201, filed.get_json()
    body = filed.get_json()
    tracking_id, secret = body["trackingId"], body["secret"]
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{10}", tracking_id)
    assert filed.headers["Location"] == f"/reports/{tracking_id}"
    assert filed.headers["Cache-Control"] == "no-store"
    report = body["report"]
    assert report["status"] == "registered"
    assert report["category"] == {"code": "broken_street_light", "title": "Не работает уличное освещение"}
    assert report["district"] == "medeu"  # the districts polygon holding the point
    assert report["address"] == "ул. Макатаева, 41"  # the register's nearest address, 10 m away
    assert report["department"]["id"] == "energy_utilities"
    assert report["overdue"] is False

    _resolve(service, tracking_id)
    resolved = client.get(f"/reports/{tracking_id.lower()}?lang=kk")  # ids read in any case
    assert resolved.get_json()["status"] == "resolved"
    assert resolved.get_json()["category"]["title"] == "Көше шамы жанбайды"

    confirmed = client.post(f"/reports/{tracking_id}/confirm", json={"secret": secret, "comment": "Thanks"})
    assert confirmed.status_code == 200, confirmed.get_json()
    final = client.get(f"/reports/{tracking_id}").get_json()
    assert final["status"] == "closed"
    assert [(m["from"], m["to"], m["by"]) for m in final["history"]] == [
        (None, "registered", "citizen"),
        ("registered", "accepted", "moderator"),
        ("accepted", "in_progress", "publisher"),
        ("in_progress", "resolved", "publisher"),
        ("resolved", "closed", "citizen"),
    ]
    assert final["history"][3]["comment"] == "The lamp is replaced."
    assert final["history"][4]["comment"] is None  # the citizen's own words stay private
    assert "description" not in final
    _private_data_absent(filed, resolved, confirmed, client.get(f"/reports/{tracking_id}"))

    stored = service.get(tracking_id)  # staff-side: the contact details are kept
    assert (stored.contact_email, stored.contact_phone) == (EMAIL, PHONE)
    with app.app_context():
        entries = AuditLog(app.extensions["geohub"].records).entries()
    audited = [
        (e.action, e.user, e.detail.get("to")) for e in reversed(entries) if e.action.startswith("report.")
    ]
    assert audited == [
        ("report.create", None, None),
        ("report.status", "marat", "accepted"),
        ("report.status", "dana", "in_progress"),
        ("report.status", "dana", "resolved"),
        ("report.status", None, "closed"),
    ]
    assert all(EMAIL not in str(e.detail) for e in entries)


def test_citizen_reopens_and_the_department_works_on(client: FlaskClient, service: ReportService) -> None:
    body = _file(client).get_json()
    _resolve(service, body["trackingId"])
    reopened = client.post(
        f"/reports/{body['trackingId']}/reopen", json={"secret": body["secret"], "comment": "Still dark"}
    )
    assert reopened.status_code == 200
    assert reopened.get_json()["status"] == "reopened"
    assert service.move(body["trackingId"], Status.in_progress, STAFF).status is Status.in_progress
    again = client.post(f"/reports/{body['trackingId']}/confirm", json={"secret": body["secret"]})
    assert again.status_code == 409  # in progress: nothing to confirm yet


def test_duplicate_is_offered_within_30_m_and_not_at_60_m(client: FlaskClient) -> None:
    first = _file(client).get_json()
    near = east_of(HERE, 20)
    offered = _file(client, location={"lon": near[0], "lat": near[1]})
    assert offered.status_code == 200
    duplicates = offered.get_json()["duplicates"]
    assert [d["trackingId"] for d in duplicates] == [first["trackingId"]]
    assert duplicates[0]["distanceM"] == pytest.approx(20, abs=0.5)
    _private_data_absent(offered)

    other_category = _file(client, category="overflowing_bin", location={"lon": near[0], "lat": near[1]})
    assert other_category.status_code == 201  # only the same category is a duplicate
    far = east_of(HERE, 60)
    assert _file(client, location={"lon": far[0], "lat": far[1]}).status_code == 201
    distinct = _file(client, location={"lon": near[0], "lat": near[1]}, confirmDistinct=True)
    assert distinct.status_code == 201

    supported = client.post(f"/reports/{first['trackingId']}/support")
    assert supported.status_code == 200
    assert supported.get_json()["supporters"] == 1
    assert client.get(f"/reports/{first['trackingId']}").get_json()["supporters"] == 1


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_bad_input_is_a_problem_in_the_request_language(
    client: FlaskClient, service: ReportService, language: str
) -> None:
    filed = _file(client).get_json()
    tracking_id = filed["trackingId"]
    outside = {"lon": 71.43, "lat": 51.13}  # Astana
    cases: list[tuple[TestResponse, int]] = [
        (client.post(f"/reports?lang={language}", json=report_body(category="potholes_on_mars")), 400),
        (client.post(f"/reports?lang={language}", json=report_body(location=outside)), 422),
        (client.post(f"/reports?lang={language}", json={**report_body(), "description": None}), 400),
        (client.post(f"/reports?lang={language}", json=report_body(description="x" * 2001)), 400),
        (client.post(f"/reports?lang={language}", json=report_body(description="   ")), 400),
        (client.post(f"/reports?lang={language}", data="not json", content_type="text/plain"), 400),
        (client.post(f"/reports/{tracking_id}/confirm?lang={language}", json={"secret": "guess"}), 403),
        (
            client.post(f"/reports/{tracking_id}/confirm?lang={language}", json={"secret": filed["secret"]}),
            409,
        ),
        (client.get(f"/reports/ZZZZZZZZZZ?lang={language}"), 404),
        (client.get(f"/reports/not-an-id?lang={language}"), 404),
        # in the city's box but in no district: the mountains south of the city
        (
            client.post(f"/reports?lang={language}", json=report_body(location={"lon": 76.6, "lat": 42.97})),
            422,
        ),
    ]
    for response, status in cases:
        problem = response.get_json()
        assert response.status_code == status, (response.request.path, problem)
        assert response.mimetype == "application/problem+json"
        assert response.headers["Content-Language"] == language
        assert problem["status"] == status and problem["detail"]
        if language != "en":
            assert re.search("[а-яәғқңөұүһі]", problem["detail"], re.IGNORECASE), problem["detail"]
    conflict = cases[7][0].get_json()["detail"]  # statuses are named in the request language too
    named = {"en": "is registered cannot become closed", "ru": "«зарегистрировано»", "kk": "«жабылған»"}
    assert named[language] in conflict
    assert service.get(tracking_id).status is Status.registered


def test_staff_moves_are_checked(client: FlaskClient, service: ReportService) -> None:
    from geohub.errors import ConflictError, ForbiddenError, InvalidRequestError, NotFoundError

    first = _file(client).get_json()["trackingId"]
    second = _file(client, confirmDistinct=True).get_json()["trackingId"]
    stranger = Principal(user="aliya", role=Role.publisher, department="social_welfare")
    with pytest.raises(ForbiddenError):
        service.move(first, Status.accepted, stranger)
    with pytest.raises(ConflictError):
        service.move(first, Status.resolved, STAFF)  # registered cannot jump to resolved
    with pytest.raises(InvalidRequestError):
        service.move(first, Status.rejected, MODERATOR, "  ")  # a reason is required
    with pytest.raises(NotFoundError):
        service.move(second, Status.duplicate, MODERATOR, duplicate_of="ZZZZZZZZZZ")
    merged = service.move(second, Status.duplicate, MODERATOR, duplicate_of=first.lower())
    assert (merged.status, merged.duplicate_of) == (Status.duplicate, first)
    assert client.post(f"/reports/{second}/support").status_code == 409  # no longer open
    rejected = service.move(first, Status.rejected, MODERATOR, "Not a public light: private yard.")
    assert rejected.status is Status.rejected


def test_accessibility_report_is_routed_by_district(client: FlaskClient) -> None:
    # inaccessible_entrance goes to social_welfare, but to architecture in medeu (the override)
    report = _file(client, category="inaccessible_entrance").get_json()["report"]
    assert (report["district"], report["department"]["id"]) == ("medeu", "architecture")


def test_filing_is_rate_limited_per_client(settings: Settings) -> None:
    app = make_app(settings)
    try:
        client = app.test_client()
        answers = [_file(client, confirmDistinct=True) for _ in range(11)]
        assert [a.status_code for a in answers] == [201] * 10 + [429]
        assert answers[-1].mimetype == "application/problem+json"
        assert client.get("/reports/ZZZZZZZZZZ").status_code == 404  # reading has only the app-wide limit
    finally:
        app.extensions["geohub"].close()
