"""The proposal workflow over HTTP on both backends: who may do what, and in which status."""

from __future__ import annotations

from sqlalchemy import select

from geohub.records.tables import audit_log
from tests.proposals.conftest import Hub
from tests.proposals.files import geopackage_file, zipped_shapefile


def test_a_publisher_proposes_for_their_department_from_a_file(hub: Hub) -> None:
    answer = hub.propose("dana", zipped_shapefile(hub.folder))
    assert answer.status_code == 201
    proposal = answer.get_json()
    assert answer.headers["Location"].endswith(f"/layer-proposals/{proposal['id']}")
    assert proposal["status"] == "draft"
    assert proposal["department"] == "natural_resources" and proposal["proposedBy"] == "dana"
    assert proposal["file"]["features"] == 6
    assert [c["name"] for c in proposal["file"]["columns"]][-1] == "inspector_"
    assert {p["field"] for p in proposal["problems"]} >= {"title.kk", "title.ru", "description.en"}


def test_the_draft_and_its_file_are_kept_until_decided(hub: Hub) -> None:
    proposal = hub.draft()
    kept = list((hub.app.extensions["geohub"].settings.data_dir / "proposals").glob("*/*"))
    assert [path.name for path in kept] == ["street_trees.geojson"]
    assert (
        hub.client.delete(f"/layer-proposals/{proposal['id']}", headers=hub.headers("dana")).status_code
        == 204
    )
    assert not list((hub.app.extensions["geohub"].settings.data_dir / "proposals").glob("*/*"))
    again = hub.client.get(f"/layer-proposals/{proposal['id']}", headers=hub.headers("dana")).get_json()
    assert again["status"] == "withdrawn"


def test_anonymous_requests_are_asked_to_sign_in(hub: Hub) -> None:
    proposal = hub.draft()
    for method, path in [
        ("GET", "/layer-proposals"),
        ("GET", f"/layer-proposals/{proposal['id']}"),
        ("PUT", f"/layer-proposals/{proposal['id']}"),
        ("POST", f"/layer-proposals/{proposal['id']}/submit"),
        ("POST", f"/layer-proposals/{proposal['id']}/approve"),
        ("POST", f"/layer-proposals/{proposal['id']}/reject"),
        ("DELETE", f"/layer-proposals/{proposal['id']}"),
        ("POST", "/layer-proposals"),
    ]:
        answer = hub.client.open(path, method=method, json={})
        assert answer.status_code == 401, (method, path)
        assert answer.content_type == "application/problem+json"


def test_a_publisher_of_another_department_finds_no_proposal(hub: Hub) -> None:
    proposal = hub.draft("dana")
    number = proposal["id"]
    assert hub.client.get(f"/layer-proposals/{number}", headers=hub.headers("aigerim")).status_code == 404
    assert hub.complete(proposal, "aigerim").status_code == 404
    assert hub.act(number, "submit", "aigerim").status_code == 404
    assert hub.client.delete(f"/layer-proposals/{number}", headers=hub.headers("aigerim")).status_code == 404
    listed = hub.client.get("/layer-proposals", headers=hub.headers("aigerim")).get_json()
    assert listed == {"proposals": []}
    for user in ("admin", "marat", "dana"):
        listed = hub.client.get("/layer-proposals", headers=hub.headers(user)).get_json()
        assert [p["id"] for p in listed["proposals"]] == [number], user


def test_a_publisher_proposes_only_for_their_own_department(hub: Hub) -> None:
    answer = hub.propose("dana", geopackage_file(hub.folder), department="land_relations")
    assert answer.status_code == 403


def test_a_moderator_cannot_propose(hub: Hub) -> None:
    assert hub.propose("marat", geopackage_file(hub.folder)).status_code == 403


def test_an_admin_chooses_the_department(hub: Hub) -> None:
    missing = hub.propose("admin", geopackage_file(hub.folder))
    assert missing.status_code == 400
    assert [e["field"] for e in missing.get_json()["errors"]] == ["department"]
    unknown = hub.propose("admin", geopackage_file(hub.folder), department="nowhere")
    assert unknown.status_code == 400
    chosen = hub.propose("admin", geopackage_file(hub.folder), department="land_relations")
    assert chosen.status_code == 201 and chosen.get_json()["department"] == "land_relations"


def test_a_publisher_cannot_approve_or_reject(hub: Hub) -> None:
    number = hub.submitted()["id"]
    assert hub.act(number, "approve", "dana").status_code == 403
    assert hub.act(number, "reject", "dana", {"reason": "no"}).status_code == 403
    assert hub.act(number, "approve", "marat").status_code == 403


def test_an_invalid_definition_is_refused_with_every_problem_in_the_readers_language(hub: Hub) -> None:
    proposal = hub.draft()
    definition = {
        **proposal["definition"],
        "id": "Trees!",
        "style": {"template": "areas", "colour": "#123456"},
    }
    answer = hub.client.put(
        f"/layer-proposals/{proposal['id']}",
        json={"definition": definition},
        headers=hub.headers("dana", "ru"),
    )
    assert answer.status_code == 422
    problem = answer.get_json()
    fields = {e["field"] for e in problem["errors"]}
    assert {"id", "title.kk", "title.ru", "description.kk", "style.template", "style.colour"} <= fields
    assert "ошиб" in problem["detail"].lower()
    assert any("латинскими" in e["message"] for e in problem["errors"] if e["field"] == "id")
    unchanged = hub.client.get(f"/layer-proposals/{proposal['id']}", headers=hub.headers("dana")).get_json()
    assert unchanged["definition"] == proposal["definition"]


def test_an_incomplete_draft_cannot_be_submitted(hub: Hub) -> None:
    proposal = hub.draft()
    answer = hub.act(proposal["id"], "submit", "dana")
    assert answer.status_code == 422
    assert {"title.kk", "title.ru"} <= {e["field"] for e in answer.get_json()["errors"]}


def test_a_rejection_needs_a_reason_and_the_department_may_submit_again(hub: Hub) -> None:
    number = hub.submitted()["id"]
    for body in ({}, {"reason": "  "}, {"reason": 7}):
        assert hub.act(number, "reject", "admin", body).status_code == 400
    rejected = hub.act(number, "reject", "admin", {"reason": "Add the species in Kazakh"})
    assert rejected.status_code == 200
    body = rejected.get_json()
    assert (body["status"], body["reason"], body["decidedBy"]) == (
        "rejected",
        "Add the species in Kazakh",
        "admin",
    )
    assert hub.act(number, "approve", "admin").status_code == 409  # not submitted
    assert hub.complete(body, "dana", keywords=["trees"]).status_code == 200
    assert hub.act(number, "submit", "dana").get_json()["status"] == "submitted"


def test_a_submitted_proposal_cannot_be_edited(hub: Hub) -> None:
    proposal = hub.submitted()
    assert hub.complete(proposal, "dana").status_code == 409


def test_approving_twice_is_a_conflict(hub: Hub) -> None:
    approved = hub.approved()
    assert approved["status"] == "approved" and approved["layer"] == "street_trees"
    again = hub.act(approved["id"], "approve", "admin")
    assert again.status_code == 409
    assert (
        hub.client.delete(f"/layer-proposals/{approved['id']}", headers=hub.headers("dana")).status_code
        == 409
    )
    assert hub.act(approved["id"], "reject", "admin", {"reason": "late"}).status_code == 409


def test_a_withdrawn_proposal_cannot_be_approved(hub: Hub) -> None:
    number = hub.submitted()["id"]
    assert hub.client.delete(f"/layer-proposals/{number}", headers=hub.headers("dana")).status_code == 204
    assert hub.act(number, "approve", "admin").status_code == 409
    assert "street_trees" not in hub.app.extensions["geohub"].registry.layers


def test_an_open_proposal_holds_its_id(hub: Hub) -> None:
    first = hub.draft()
    second = hub.draft()
    assert first["definition"]["id"] == "street_trees"
    assert second["definition"]["id"] != "street_trees"  # suggested around the first
    taken = hub.complete(second, id="street_trees")
    assert taken.status_code == 422
    assert [e["field"] for e in taken.get_json()["errors"]] == ["id"]


def test_every_step_is_in_the_audit_log(hub: Hub) -> None:
    number = hub.approved()["id"]
    rows = hub.app.extensions["geohub"].records.fetchall(select(audit_log.c.action, audit_log.c.detail))
    actions = [row.action for row in rows if f'"proposal": {number}' in row.detail]
    assert actions == ["proposal.create", "proposal.submit", "proposal.approve"]


def test_unknown_status_filter_is_a_400(hub: Hub) -> None:
    answer = hub.client.get("/layer-proposals?status=pending", headers=hub.headers("admin"))
    assert answer.status_code == 400


def test_templates_are_listed(hub: Hub) -> None:
    body = hub.client.get("/layer-templates").get_json()
    assert [t["id"] for t in body["templates"]] == ["points", "lines", "areas"]
    assert "#1b7837" in body["colours"]


def test_bad_uploads_are_refused_like_imports(hub: Hub) -> None:
    mislabelled = hub.folder / "trees.geojson"
    mislabelled.write_text("tree_id,lon,lat\nT1,76.9,43.2\n")
    assert hub.propose("dana", mislabelled).status_code == 422
    empty = hub.folder / "empty.geojson"
    empty.write_text('{"type": "FeatureCollection", "features": []}')
    assert hub.propose("dana", empty).status_code == 422
    bare = hub.folder / "trees.shp"
    bare.write_bytes(b"\x00\x00\x27\x0a" + bytes(96))
    assert hub.propose("dana", bare).status_code == 422
    none = hub.client.post("/layer-proposals", data={}, headers=hub.headers("dana"))
    assert none.status_code == 400
    for answer in (none,):
        assert answer.content_type == "application/problem+json"
    assert hub.client.get("/layer-proposals", headers=hub.headers("dana")).get_json() == {"proposals": []}
    assert not list((hub.app.extensions["geohub"].settings.data_dir / "proposals").glob("*/*"))


def test_ids_of_layers_styles_tilesets_and_routes_are_taken(hub: Hub) -> None:
    proposal = hub.draft()
    for taken in ("cadastre", "reports", "city", "basemap", "hillshade", "api", "tiles"):
        answer = hub.complete(proposal, id=taken)
        assert answer.status_code == 422, taken
        assert [e["field"] for e in answer.get_json()["errors"]] == ["id"], taken
