"""Open311 GeoReport v2 through the Flask test client on both backends: services, filing,
reading back as JSON and XML, filters, tokens, and errors in the spec's format."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import timedelta
from io import BytesIO
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import update
from werkzeug.test import TestResponse

from geohub.auth.accounts import Accounts
from geohub.auth.principal import Principal, Role
from geohub.records import utc_now
from geohub.reports.model import Status
from geohub.reports.service import ReportService
from geohub.reports.tables import reports
from geohub.settings import Settings
from tests.reports.conftest import EMAIL, HERE, PHONE, east_of, make_app, report_body

V2 = "/open311/v2"
MODERATOR = Principal(user="marat", role=Role.moderator)
STAFF = Principal(user="dana", role=Role.publisher, department="energy_utilities")
NAMES = ("Aigerim", "Nurlanova")
ACCESSIBILITY = {
    "blocked_pavement",
    "inaccessible_entrance",
    "blocked_or_missing_ramp",
    "missing_kerb_ramp",
    "broken_elevator",
}


def _form(**changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "service_code": "broken_street_light",
        "lat": str(HERE[1]),
        "long": str(HERE[0]),
        "description": "The street light by the entrance has been dark for a week.",
        "email": EMAIL,
        "phone": PHONE,
        "first_name": NAMES[0],
        "last_name": NAMES[1],
        "device_id": "phone-1",
        "media_url": "http://192.0.2.1/photo.jpg",
    }
    form.update(changes)
    return {name: value for name, value in form.items() if value is not None}


def _xml(response: TestResponse) -> ET.Element:
    assert response.content_type == "text/xml; charset=utf-8"
    assert response.data.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.data)


def _fields(element: ET.Element) -> dict[str, str | None]:
    return {child.tag: child.text for child in element}


def _no_private_data(*responses: TestResponse) -> None:
    for response in responses:
        text = response.get_data(as_text=True)
        for private in (EMAIL, PHONE, *NAMES, "marat", "dana", "secret_hash", "192.0.2.1"):
            assert private not in text, (private, response.request.path)


def _approve(service: ReportService, tracking_id: str) -> None:
    with service.records.transaction() as conn:
        conn.execute(
            update(reports).where(reports.c.tracking_id == tracking_id).values(approved_at=utc_now())
        )


def test_services_are_the_categories_in_the_request_language(client: FlaskClient) -> None:
    listed = client.get(f"{V2}/services.json", headers={"Accept-Language": "kk"})
    assert listed.status_code == 200
    assert listed.content_type == "application/json; charset=utf-8"
    assert listed.headers["Access-Control-Allow-Origin"] == "*"
    services = {s["service_code"]: s for s in listed.get_json()}
    assert len(services) == 11
    light = services["broken_street_light"]
    assert light["service_name"] == "Көше шамы жанбайды"
    assert (light["metadata"], light["type"]) == (False, "realtime")
    assert "Broken street light" in light["keywords"] and "Не работает уличное освещение" in light["keywords"]
    assert {code for code, s in services.items() if s["group"] == "Қолжетімділік"} == ACCESSIBILITY

    root = _xml(client.get(f"{V2}/services.xml?lang=ru"))
    assert root.tag == "services"
    as_xml = {s.findtext("service_code"): _fields(s) for s in root.findall("service")}
    assert as_xml["broken_street_light"]["service_name"] == "Не работает уличное освещение"
    assert as_xml["broken_street_light"]["metadata"] == "false"
    assert as_xml["broken_elevator"]["group"] == "Доступность"

    definition = client.get(f"{V2}/services/broken_street_light.json").get_json()
    assert definition == {"service_code": "broken_street_light", "attributes": []}
    root = _xml(client.get(f"{V2}/services/broken_street_light.xml?jurisdiction_id=almaty.kz"))
    assert (root.tag, root.findtext("service_code")) == ("service_definition", "broken_street_light")


def test_discovery_names_the_endpoint_and_its_formats(client: FlaskClient) -> None:
    document = client.get(f"{V2}/discovery.json").get_json()
    [endpoint] = document["endpoints"]
    assert endpoint["url"] == f"http://localhost{V2}"
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = _xml(client.get(f"{V2}/discovery.xml"))
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == endpoint["formats"]


def test_a_client_files_reads_back_and_filters(client: FlaskClient, service: ReportService) -> None:
    filed = client.post(f"{V2}/requests.json", data=_form())
    assert filed.status_code == 200, filed.get_data(as_text=True)
    assert filed.headers["Cache-Control"] == "no-store"
    [answer] = filed.get_json()
    tracking_id = answer["service_request_id"]
    assert answer["token"] == tracking_id
    assert answer["service_notice"] is None and answer["account_id"] is None
    secret = answer["geohub_secret"]
    stored = service.get(tracking_id)
    assert (stored.contact_email, stored.contact_phone, stored.category) == (
        EMAIL,
        PHONE,
        "broken_street_light",
    )

    one = client.get(f"{V2}/requests/{tracking_id}.json?lang=ru")
    [request] = one.get_json()
    assert request["status"] == "open" and request["geohub_status"] == "registered"
    assert request["service_name"] == "Не работает уличное освещение"
    assert request["agency_responsible"] == "Управление энергетики и коммунального хозяйства"
    assert request["description"] is None  # not yet approved by a moderator
    assert request["address"] == "ул. Макатаева, 41" and request["zipcode"] == ""
    assert (request["lat"], request["long"]) == (pytest.approx(HERE[1]), pytest.approx(HERE[0]))
    assert request["requested_datetime"].endswith("Z") and "media_url" not in request

    service.move(tracking_id, Status.accepted, MODERATOR, "Passed to the lighting team.")
    _approve(service, tracking_id)
    root = _xml(client.get(f"{V2}/requests/{tracking_id}.xml"))
    assert root.tag == "service_requests"
    as_xml = _fields(root.find("request"))  # type: ignore[arg-type]
    assert as_xml["service_request_id"] == tracking_id
    assert as_xml["status_notes"] == "Passed to the lighting team."
    assert as_xml["description"] == "The street light by the entrance has been dark for a week."
    assert float(as_xml["long"] or 0) == pytest.approx(HERE[0])

    other = client.post(
        f"{V2}/requests.json", data=_form(service_code="road_damage", description="A pothole.")
    )
    other_id = other.get_json()[0]["service_request_id"]
    service.move(other_id, Status.rejected, MODERATOR, "Not city land.")

    def ids(query: str) -> list[str]:
        response = client.get(f"{V2}/requests.json?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return [r["service_request_id"] for r in response.get_json()]

    assert ids("") == [other_id, tracking_id]  # newest first, the last 90 days
    assert ids("service_code=broken_street_light") == [tracking_id]
    assert ids("status=closed") == [other_id]
    assert ids("status=open&service_code=road_damage") == []
    assert ids("status=open,closed") == [other_id, tracking_id]
    tomorrow = (utc_now() + timedelta(days=1)).date().isoformat()
    assert ids(f"start_date={tomorrow}T00:00:00Z&end_date={tomorrow}T12:00:00%2B05:00") == []
    assert ids("start_date=2026-01-01T00:00:00Z&end_date=2026-02-01T00:00:00Z") == []
    assert ids(f"service_request_id={tracking_id.lower()},ZZZZZZZZZZ&status=closed") == [tracking_id]

    tokens = client.get(f"{V2}/tokens/{tracking_id}.json")
    assert tokens.get_json() == [{"service_request_id": tracking_id, "token": tracking_id}]
    root = _xml(client.get(f"{V2}/tokens/{tracking_id}.xml"))
    assert root.findtext("request/token") == tracking_id

    # the secret works at GeoHub's own reports API
    service.move(tracking_id, Status.in_progress, STAFF)
    service.move(tracking_id, Status.resolved, STAFF, "The lamp is replaced.")
    confirmed = client.post(f"/reports/{tracking_id}/confirm", json={"secret": secret})
    assert confirmed.status_code == 200, confirmed.get_json()
    assert client.get(f"{V2}/requests/{tracking_id}.json").get_json()[0]["status"] == "closed"

    _no_private_data(
        filed,
        other,
        one,
        client.get(f"{V2}/requests.json"),
        client.get(f"{V2}/requests.xml"),
        client.get(f"{V2}/requests/{tracking_id}.xml"),
    )


def test_a_filing_near_an_open_report_is_filed_and_names_it(client: FlaskClient) -> None:
    first = client.post(f"{V2}/requests.json", data=_form()).get_json()[0]["service_request_id"]
    near = east_of(HERE, 20)
    second = client.post(  # multipart, as form-posting clients with a photo field send it
        f"{V2}/requests.xml?lang=ru",
        data=_form(lat=str(near[1]), long=str(near[0])),
        content_type="multipart/form-data",
    )
    assert second.status_code == 200, second.get_data(as_text=True)
    request = _fields(_xml(second).find("request"))  # type: ignore[arg-type]
    assert request["service_request_id"] not in (None, first)
    assert request["service_notice"] == (
        f"Открытое обращение по этой услуге есть в 20 м: {first}. Модераторы могут объединить их."
    )
    far = east_of(HERE, 60)
    third = client.post(f"{V2}/requests.json", data=_form(lat=str(far[1]), long=str(far[0])))
    assert third.get_json()[0]["service_notice"] is None


ERRORS = [
    # (method, path, form, status)
    ("POST", "/requests.json", _form(service_code="no_such_service"), 400),
    ("POST", "/requests.json", _form(lat=None, long=None, address_string="ул. Абая, 10"), 400),
    ("POST", "/requests.xml", _form(long=None), 400),
    ("POST", "/requests.json", _form(lat="north"), 400),
    ("POST", "/requests.json", _form(lat="nan"), 400),
    ("POST", "/requests.json", _form(description=None), 400),
    ("POST", "/requests.json", _form(email="not an address"), 400),
    ("POST", "/requests.json", _form(lat="51.1", long="71.4"), 422),  # Astana: outside the city
    ("POST", "/requests.json", _form(api_key="gh_not_a_key"), 403),
    ("POST", "/requests.json", _form(jurisdiction_id="astana.kz"), 404),
    ("GET", "/services.json?jurisdiction_id=astana.kz", None, 404),
    ("GET", "/services/no_such_service.json", None, 404),
    ("GET", "/requests.json?start_date=yesterday", None, 400),
    ("GET", "/requests.json?end_date=2026-13-01T00:00:00Z", None, 400),
    ("GET", "/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", None, 400),
    ("GET", "/requests.json?start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z", None, 400),
    ("GET", "/requests.json?status=pending", None, 400),
    ("GET", "/requests.json?service_code=no_such_service", None, 400),
    ("GET", "/requests/ZZZZZZZZZZ.json", None, 404),
    ("GET", "/requests/not-an-id.xml", None, 404),
    ("GET", "/tokens/ZZZZZZZZZZ.json", None, 404),
    ("GET", "/services.csv", None, 404),
    ("GET", "/nothing.json", None, 404),
    ("DELETE", "/requests.json", None, 405),
]


@pytest.mark.parametrize("language", ["en", "kk"])
def test_errors_are_in_the_spec_format_in_the_request_language(client: FlaskClient, language: str) -> None:
    for method, path, form, status in ERRORS:
        response = client.open(f"{V2}{path}", method=method, data=form, headers={"Accept-Language": language})
        where = f"{method} {path} {form}"
        assert response.status_code == status, (where, response.get_data(as_text=True))
        assert response.headers["Content-Language"] == language, where
        if path.split("?")[0].endswith(".xml"):
            root = _xml(response)
            assert root.tag == "errors", where
            [error] = root.findall("error")
            code, description = error.findtext("code"), error.findtext("description") or ""
        else:
            assert response.content_type == "application/json; charset=utf-8", where
            [error] = response.get_json()
            code, description = str(error["code"]), error["description"]
        assert code == str(status), where
        assert description and "Traceback" not in description, where
        if language == "kk":
            assert any("\u0400" <= ch <= "\u04ff" for ch in description), (where, description)
        _no_private_data(response)


def test_the_messages_say_what_is_wrong(client: FlaskClient) -> None:
    def description(response: TestResponse) -> str:
        return str(response.get_json()[0]["description"])

    no_place = client.post(f"{V2}/requests.json", data=_form(lat=None, long=None, address_string="ул. Абая"))
    assert "lat and long" in description(no_place)
    assert "not .csv" in description(client.get(f"{V2}/services.csv"))
    assert "almaty.kz" in description(client.get(f"{V2}/services.json?jurisdiction_id=x"))
    assert "lat" in description(client.post(f"{V2}/requests.json", data=_form(lat="north")))


def test_an_api_key_when_given_must_be_a_valid_app_key(app: Flask, client: FlaskClient) -> None:
    key = Accounts(app.extensions["geohub"].records).create_key("Almaty311 app")
    accepted = client.post(f"{V2}/requests.json", data=_form(api_key=key))
    assert accepted.status_code == 200, accepted.get_data(as_text=True)
    refused = client.post(f"{V2}/requests.xml", data=_form(api_key=key[:-2] + "xx"))
    assert refused.status_code == 403
    assert _xml(refused).findtext("error/code") == "403"


def test_filing_is_rate_limited_per_client_in_the_spec_format(settings: Settings) -> None:
    app = make_app(settings)
    try:
        client = app.test_client()
        answers = [client.post(f"{V2}/requests.json", data=_form()) for _ in range(11)]
        assert [a.status_code for a in answers] == [200] * 10 + [429]
        assert answers[-1].get_json()[0]["code"] == 429
        assert int(answers[-1].headers["Retry-After"]) >= 1
        assert client.get(f"{V2}/requests.json").status_code == 200  # reading has only the app-wide limit
    finally:
        app.extensions["geohub"].close()


def test_control_characters_do_not_break_the_xml(client: FlaskClient, service: ReportService) -> None:
    filed = client.post(f"{V2}/requests.json", data=_form(description="Dark\x01 lamp <b>&amp;</b>"))
    tracking_id = filed.get_json()[0]["service_request_id"]
    _approve(service, tracking_id)
    root = _xml(client.get(f"{V2}/requests/{tracking_id}.xml"))
    assert root.findtext("request/description") == "Dark lamp <b>&amp;</b>"


def test_media_url_is_the_first_photo_once_the_report_is_approved(
    client: FlaskClient, service: ReportService
) -> None:
    photo = BytesIO()
    Image.new("RGB", (64, 48), (220, 20, 20)).save(photo, "PNG")
    form = {
        "report": json.dumps(report_body(confirmDistinct=True)),
        "photo": [(BytesIO(photo.getvalue()), "lamp.png", "image/png")],
    }
    filed = client.post("/reports", data=form, content_type="multipart/form-data")
    assert filed.status_code == 201, filed.get_json()
    tracking_id = filed.get_json()["trackingId"]
    before = client.get(f"{V2}/requests/{tracking_id}.json").get_json()[0]
    assert "media_url" not in before  # not public before a moderator approved it

    _approve(service, tracking_id)
    [request] = client.get(f"{V2}/requests.json?service_request_id={tracking_id}").get_json()
    assert request["media_url"] == f"http://localhost/reports/{tracking_id}/photos/1"
    served = client.get(request["media_url"].removeprefix("http://localhost"))
    assert (served.status_code, served.mimetype) == (200, "image/jpeg")
    root = _xml(client.get(f"{V2}/requests/{tracking_id}.xml"))
    assert root.findtext("request/media_url") == request["media_url"]
