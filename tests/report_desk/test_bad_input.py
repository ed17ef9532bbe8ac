"""Bad input to the staff reports API is a 4xx problem+json on both backends, never a 500."""

from __future__ import annotations

from flask.testing import FlaskClient

from geohub.auth.principal import Principal, Role
from geohub.reports.model import Status
from geohub.reports.service import ReportService
from tests.report_desk.conftest import file_report

BAD_QUERIES = [
    "?status=bogus",
    "?status=registered,nothing",
    "?sort=name",
    "?sort=--due",
    "?limit=0",
    "?limit=10000",
    "?limit=ten",
    "?offset=-1",
    "?department=nowhere",
    "?category=no_such_category",
    "?overdue=maybe",
    "?colour=red",
    "?district=medeu%00",
    "?category=%00",
]


def test_bad_input_is_a_problem(
    client: FlaskClient, service: ReportService, tokens: dict[str, dict[str, str]]
) -> None:
    report, closed = file_report(service), file_report(service, east_m=100)
    service.move(closed, Status.rejected, Principal(user="marat", role=Role.moderator), "Not a city matter.")
    marat, dana = tokens["marat"], tokens["dana"]
    refused = {query: client.get(f"/reports{query}", headers=marat) for query in BAD_QUERIES}
    assert {q: r.status_code for q, r in refused.items()} == dict.fromkeys(BAD_QUERIES, 400)
    assert all(r.mimetype == "application/problem+json" for r in refused.values())
    assert refused["?status=bogus"].get_json()["errors"][0]["field"] == "status"

    posts = [
        ("status", {"status": "flying"}, 400),
        ("status", {"status": "resolved"}, 409),  # registered cannot become resolved
        ("status", {"status": "rejected"}, 400),  # a rejection needs its reason
        ("status", {"status": "accepted", "extra": 1}, 400),
        ("replies", {"comment": "x" * 2001}, 400),
        ("replies", {"comment": ""}, 400),
        ("replies", {"comment": "   "}, 400),
        ("assign", {"department": "nowhere"}, 400),
        ("assign", {"department": "energy_utilities"}, 409),  # already there
        ("assign", {"department": "natural_resources", "comment": "x" * 2001}, 400),
        ("merge", {"into": report}, 400),  # into itself
        ("merge", {"into": closed}, 409),  # into a report no longer open
        ("merge", {"into": "NOSUCHREPORT"}, 404),
        ("approval", {"approved": "perhaps"}, 400),
        ("approval", {}, 400),
    ]
    for action, body, status in posts:
        answer = client.post(f"/reports/{report}/{action}", json=body, headers=marat)
        assert answer.status_code == status, (action, body, answer.get_json())
        assert answer.mimetype == "application/problem+json"
    assert client.post(f"/reports/{report}/replies", data="not json", headers=dana).status_code == 400
    assert (
        client.post("/reports/NOSUCHREPORT/replies", json={"comment": "Hi"}, headers=dana).status_code == 404
    )
    assert client.get("/reports/NOSUCHREPORT/case", headers=dana).status_code == 404
    assert client.post(f"/reports/{closed}/merge", json={"into": report}, headers=marat).status_code == 409
    assert service.get(report).status is Status.registered  # nothing above changed it
