"""Proposing a new layer in the workspace and approving it, in Chromium (scenarios/proposals.cjs):
the publisher's upload becomes an inferred draft, a 422 is shown beside its field and in a summary
that links to it, the filled proposal is submitted, the admin sees it waiting first, cannot reject
it without a reason, approves it, and the layer is then in /collections and the web map's list."""

from __future__ import annotations

import json
from typing import Any
from urllib.request import Request, urlopen

from geohub.messages import translate
from tests.workspace.conftest import scenario

NAME = "proposals"
LAYER_ID = "recycling_containers"
TITLE_RU = "Контейнеры для вторсырья"


def test_publishers_and_admins_find_the_section(workspace_run: dict[str, Any]) -> None:
    result = scenario(workspace_run, NAME)
    assert "#/proposals" in result["nav"]
    assert result["listHeading"] == translate("New layer proposals", "ru")


def test_the_keyboard_file_button_uploads_with_a_progress_bar_and_opens_the_draft(
    workspace_run: dict[str, Any],
) -> None:
    result = scenario(workspace_run, NAME)
    assert result["progressShown"] is True
    assert result["number"] >= 1
    draft = result["draft"]
    assert draft["heading"].startswith(translate("Proposal {n}: {title}", "ru").split("{n}")[0])
    assert draft["status"] == translate("Draft", "ru")
    assert draft["editable"] is True
    announced = translate("The file is read. Proposal {n} is ready to complete.", "ru")
    assert result["announcedDraft"] == announced.replace("{n}", str(result["number"]))


def test_the_drop_zone_takes_one_file_at_a_time(workspace_run: dict[str, Any]) -> None:
    drop = scenario(workspace_run, NAME)["drop"]
    assert drop["over"] == "over" and drop["after"] == "idle"
    assert drop["status"] == translate("Drop one file at a time.", "ru")


def test_the_style_preview_draws_the_file_over_the_basemap(workspace_run: dict[str, Any]) -> None:
    preview = scenario(workspace_run, NAME)["preview"]
    assert preview["kind"] == "map" and preview["state"] in ("drawn", "idle")


def test_the_keyboard_reaches_every_field_of_the_form(workspace_run: dict[str, Any]) -> None:
    walks = scenario(workspace_run, NAME)["keyboard"]
    assert walks["draft"]["controls"] >= 50  # 4 attributes x 8 controls, and the rest of the form
    for walk in walks.values():
        assert walk["unreached"] == [] and walk["withoutFocusRing"] == []


def test_the_draft_is_inferred_from_the_file(workspace_run: dict[str, Any]) -> None:
    draft = scenario(workspace_run, NAME)["draft"]
    assert draft["id"] == LAYER_ID  # from the file name
    assert draft["geometry"].endswith(translate("Points", "ru"))
    types = {attribute["name"]: attribute["type"] for attribute in draft["attributes"]}
    assert types["ref"] == "string" and types["osm_id"] == "integer" and types["kind"] == "string"
    assert draft["key"] == "ref"  # the first column with unique, never empty values
    unique = translate("{name} (unique, never empty)", "ru").replace("{name}", "ref")
    assert unique in draft["keyOptions"]
    assert draft["template"] == "points"
    assert draft["colours"] >= 2
    assert draft["problems"], "a fresh draft lists what still blocks submitting (its titles)"


def test_the_form_is_labelled_and_says_the_language_of_each_text(workspace_run: dict[str, Any]) -> None:
    draft = scenario(workspace_run, NAME)["draft"]
    assert draft["langs"] == ["kk", "ru", "en"]
    assert draft["labels"] == [
        translate("Layer identifier", "ru"),
        translate("Title in Kazakh", "ru"),
        translate("Description in Russian", "ru"),
        translate("Key attribute", "ru"),
        translate("Style template", "ru"),
    ]


def test_a_refused_definition_is_shown_beside_the_field_and_in_a_summary_linking_to_it(
    workspace_run: dict[str, Any],
) -> None:
    result = scenario(workspace_run, NAME)
    refused = result["refused"]
    assert refused["summaryShown"] is True
    assert refused["focused"] == "prop-error-summary"
    assert "#prop-id" in refused["summaryLinks"]
    assert refused["idInvalid"] == "true"
    assert refused["idDescribedBy"].split()[0] == "prop-id-error"
    assert refused["idError"]
    assert result["linkFocused"] == "prop-id"


def test_the_filled_proposal_saves_and_submits(workspace_run: dict[str, Any]) -> None:
    result = scenario(workspace_run, NAME)
    saved = result["saved"]
    assert saved["summaryShown"] is False and saved["idInvalid"] is None
    assert saved["problems"] == []
    submitted = result["submitted"]
    assert submitted["status"] == translate("Waiting for approval", "ru")
    assert submitted["editable"] is False
    assert submitted["key"] == "ref" and submitted["id"] == LAYER_ID


def test_the_view_speaks_kazakh(workspace_run: dict[str, Any]) -> None:
    result = scenario(workspace_run, NAME)
    expected = translate("Proposal {n}: {title}", "kk")
    assert result["kkHeading"] == expected.format(n=result["number"], title="Қайта өңдеу контейнерлері")


def test_the_admin_sees_the_submitted_proposal_first(workspace_run: dict[str, Any]) -> None:
    admin = scenario(workspace_run, NAME)["adminList"]
    assert admin["firstSection"] == "prop-list-waiting"
    assert admin["waitingHeading"].startswith(translate("Waiting for approval", "ru"))
    assert scenario(workspace_run, NAME)["number"] in admin["waiting"]


def test_a_rejection_needs_a_reason(workspace_run: dict[str, Any]) -> None:
    refused = scenario(workspace_run, NAME)["rejectWithoutReason"]
    assert refused["error"] == translate("Write why the proposal is rejected.", "ru")
    assert refused["invalid"] == "true"
    assert refused["focused"] == "prop-reject-reason"


def test_a_rejected_proposal_shows_its_reason_and_can_be_corrected(workspace_run: dict[str, Any]) -> None:
    rejected = scenario(workspace_run, NAME)["rejected"]
    assert rejected["status"] == translate("Rejected", "ru")
    assert rejected["reason"] == "Укажите в описании, кто обслуживает контейнеры."
    assert rejected["editable"] is True


def test_the_approved_layer_links_to_the_map_and_its_collection(workspace_run: dict[str, Any]) -> None:
    approved = scenario(workspace_run, NAME)["approved"]
    assert approved["status"] == translate("Approved", "ru")
    links = approved["links"]
    assert f"layers={LAYER_ID}" in links["map"].split("#", 1)[1]
    assert links["collection"].endswith(f"/collections/{LAYER_ID}?f=html")
    assert TITLE_RU in links["mapText"]


def test_the_approved_layer_is_a_collection(workspace_run: dict[str, Any]) -> None:
    assert LAYER_ID in scenario(workspace_run, NAME)["collections"]


def test_the_web_map_lists_the_approved_layer(workspace_run: dict[str, Any]) -> None:
    result = scenario(workspace_run, NAME)
    assert TITLE_RU in result["mapLayerList"]
    assert f"layers={LAYER_ID}" in result["mapHash"]


def test_the_approved_layer_serves_the_file_renamed_and_hides_its_restricted_attribute(
    workspace_run: dict[str, Any],
) -> None:
    scenario(workspace_run, NAME)
    url = f"{workspace_run['server'].base_url}/collections/{LAYER_ID}/items?f=json&limit=100"
    with urlopen(Request(url, headers={"Accept": "application/geo+json"}), timeout=30) as answer:
        features = json.load(answer)["features"]
    assert len(features) == 7  # the demo's waste points, as the file had them
    # the column `kind` fills the attribute renamed container_kind
    assert {feature["properties"]["container_kind"] for feature in features} == {
        "recycling",
        "waste_disposal",
    }
    assert all(feature["properties"]["ref"].startswith("n") for feature in features)
    assert all("osm_id" not in feature["properties"] for feature in features)  # hidden from the public
