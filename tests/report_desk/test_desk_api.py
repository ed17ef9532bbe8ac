"""The staff side over HTTP on both backends: queues, moves, replies, assign, merge, approval."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient

from geohub.auth.audit import AuditLog
from geohub.records import utc_now
from geohub.reports.service import ReportService
from tests.report_desk.conftest import EMAIL, PHONE, file_report, set_report


def _queue(client: FlaskClient, headers: dict[str, str], query: str = "") -> dict:  # type: ignore[type-arg]
    answer = client.get(f"/reports{query}", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    assert answer.headers["Cache-Control"] == "no-store, private"
    return answer.get_json()  # type: ignore[no-any-return]


def test_department_staff_work_their_queue_and_reply(
    client: FlaskClient, service: ReportService, tokens: dict[str, dict[str, str]]
) -> None:
    report = file_report(service)
    dana, aigerim = tokens["dana"], tokens["aigerim"]

    queue = _queue(client, dana, "?lang=ru")
    (item,) = queue["reports"]
    assert item["trackingId"] == report and item["status"] == "registered"
    assert item["category"] == {"code": "broken_street_light", "title": "Не работает уличное освещение"}
    assert item["contact"] == {"email": EMAIL, "phone": PHONE}
    assert item["description"] == "The street light by the entrance is dark."
    assert (item["department"]["id"], item["overdue"], item["approved"]) == ("energy_utilities", False, False)
    assert queue["numberMatched"] == 1 and queue["counts"] == {"registered": 1} and queue["overdue"] == 0

    assert _queue(client, aigerim)["reports"] == []  # another department's publisher does not see it
    assert client.get("/reports?department=energy_utilities", headers=aigerim).status_code == 403
    assert client.get(f"/reports/{report}/case", headers=aigerim).status_code == 403
    moved_by_other = client.post(f"/reports/{report}/status", json={"status": "accepted"}, headers=aigerim)
    assert moved_by_other.status_code == 403
    assert (
        client.post(f"/reports/{report}/replies", json={"comment": "Hi"}, headers=aigerim).status_code == 403
    )
    anonymous = client.get("/reports")
    assert anonymous.status_code == 401 and anonymous.mimetype == "application/problem+json"
    assert client.get(f"/reports/{report}/case").status_code == 401

    for status in ("accepted", "in_progress"):
        moved = client.post(f"/reports/{report}/status", json={"status": status}, headers=dana)
        assert moved.status_code == 200, moved.get_json()
        assert moved.get_json()["status"] == status
    replied = client.post(
        f"/reports/{report}/replies", json={"comment": "A crew comes on Monday."}, headers=dana
    )
    assert replied.status_code == 201, replied.get_json()
    resolved = client.post(
        f"/reports/{report}/status", json={"status": "resolved", "comment": "Lamp replaced."}, headers=dana
    )
    assert resolved.status_code == 200

    case = client.get(f"/reports/{report}/case", headers=dana).get_json()
    assert [(h["kind"], h["to"], h["by"], h["actor"]) for h in case["history"]] == [
        ("status", "registered", "citizen", None),
        ("status", "accepted", "publisher", "dana"),
        ("status", "in_progress", "publisher", "dana"),
        ("reply", "in_progress", "publisher", "dana"),
        ("status", "resolved", "publisher", "dana"),
    ]
    public = client.get(f"/reports/{report}")
    history = public.get_json()["history"]
    assert (history[3]["kind"], history[3]["by"]) == ("reply", "publisher")
    assert history[3]["comment"] == "A crew comes on Monday."
    assert "dana" not in public.get_data(as_text=True) and EMAIL not in public.get_data(as_text=True)
    assert _queue(client, dana, "?status=registered,accepted")["numberMatched"] == 0
    assert _queue(client, dana, "?status=resolved")["counts"] == {"resolved": 1}


def test_moderator_assigns_merges_and_approves(
    client: FlaskClient,
    app,
    service: ReportService,
    tokens: dict[str, dict[str, str]],  # type: ignore[no-untyped-def]
) -> None:
    first, second, third = (file_report(service, east_m=metres) for metres in (0, 100, 200))
    marat, dana = tokens["marat"], tokens["dana"]
    service.support(second)
    service.support(second)

    refused = client.post(f"/reports/{first}/assign", json={"department": "natural_resources"}, headers=dana)
    assert refused.status_code == 403  # publishers do not pass reports on
    assigned = client.post(
        f"/reports/{first}/assign",
        json={"department": "natural_resources", "comment": "Trees over the lamp."},
        headers=marat,
    )
    assert assigned.status_code == 200, assigned.get_json()
    entry = assigned.get_json()["history"][-1]
    assert (entry["kind"], entry["department"], entry["actor"]) == ("assign", "natural_resources", "marat")
    assert client.get(f"/reports/{first}/case", headers=dana).status_code == 403
    assert _queue(client, marat, "?department=natural_resources")["numberMatched"] == 1
    public_entry = client.get(f"/reports/{first}").get_json()["history"][-1]
    assert (public_entry["kind"], public_entry["by"], public_entry["comment"]) == (
        "assign",
        "moderator",
        None,
    )
    open311 = client.get(f"/open311/v2/requests/{first}.json")  # status_notes: staff replies only
    assert open311.status_code == 200 and "Trees over the lamp" not in open311.get_data(as_text=True)

    merged = client.post(f"/reports/{second}/merge", json={"into": first}, headers=marat)
    assert merged.status_code == 200, merged.get_json()
    assert (merged.get_json()["status"], merged.get_json()["duplicateOf"]) == ("duplicate", first)
    assert service.get(first).supporters == 3  # two supporters and the second report's own citizen
    again = client.post(f"/reports/{third}/merge", json={"into": second}, headers=marat)
    assert again.get_json()["duplicateOf"] == first  # a duplicate's root, not the duplicate
    assert service.get(first).supporters == 4
    target_history = client.get(f"/reports/{first}/case", headers=marat).get_json()["history"]
    assert [(h["kind"], h["relatedReport"]) for h in target_history[-2:]] == [
        ("merge", second),
        ("merge", third),
    ]

    approved = client.post(f"/reports/{first}/approval", json={"approved": True}, headers=marat)
    assert approved.status_code == 200 and approved.get_json()["approved"] is True
    assert service.get(first).approved_at is not None
    assert client.post(f"/reports/{first}/approval", json={"approved": True}, headers=dana).status_code == 403
    withdrawn = client.post(f"/reports/{first}/approval", json={"approved": False}, headers=marat)
    assert withdrawn.get_json()["approved"] is False and service.get(first).approved_at is None

    with app.app_context():
        entries = AuditLog(service.records).entries()
    actions = [(e.action, e.user) for e in entries if e.action.startswith("report.") and e.user]
    assert ("report.assign", "marat") in actions and ("report.merge", "marat") in actions
    assert [e.detail for e in entries if e.action == "report.assign"] == [
        {"report": first, "from": "energy_utilities", "to": "natural_resources"}
    ]


def test_overdue_flag_filter_sort_and_links(
    client: FlaskClient, service: ReportService, tokens: dict[str, dict[str, str]]
) -> None:
    late, on_time = file_report(service), file_report(service, east_m=100)
    set_report(service, late, due_at=utc_now() - timedelta(hours=1), district="medeu")
    dana = tokens["dana"]

    overdue = _queue(client, dana, "?overdue=true")
    assert [r["trackingId"] for r in overdue["reports"]] == [late]
    assert overdue["reports"][0]["overdue"] is True and overdue["overdue"] == 1
    assert [r["trackingId"] for r in _queue(client, dana, "?overdue=false")["reports"]] == [on_time]
    assert [r["trackingId"] for r in _queue(client, dana, "?district=medeu")["reports"]] == [late]
    assert [r["trackingId"] for r in _queue(client, dana, "?sort=-created")["reports"]] == [on_time, late]
    assert [r["trackingId"] for r in _queue(client, dana, "?sort=due")["reports"]] == [late, on_time]

    first = _queue(client, dana, "?limit=1&status=registered&status=accepted")
    assert first["numberMatched"] == 2 and first["numberReturned"] == 1
    links = {link["rel"]: link["href"] for link in first["links"]}
    assert "prev" not in links and "offset=1" in links["next"] and "status=accepted" in links["next"]
    second = _queue(client, dana, links["next"].removeprefix("/reports"))
    assert [r["trackingId"] for r in second["reports"]] == [on_time]
    assert "next" not in {link["rel"] for link in second["links"]}
    all_departments = _queue(client, tokens["admin"])
    assert all_departments["numberMatched"] == 2 and all_departments["counts"] == {"registered": 2}
