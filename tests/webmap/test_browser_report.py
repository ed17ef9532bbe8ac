"""Search, reporting a problem and "my reports" in Chromium (scenarios/search.cjs, report.cjs):
every spelling of an address finds it and a pick flies there; a report filed end to end gets a
tracking number kept on the device, meets the duplicate offer when filed again, shows its status
in kk and ru and appears in the map's `reports` layer."""

from __future__ import annotations

import re
from typing import Any

import pytest

from geohub.messages import translate
from geohub.services import Services
from geohub.settings import Settings
from geohub.webmap.texts_report import page_config
from tests.webmap.conftest import SCREENSHOTS, scenario

TRACKING_ID = re.compile(r"^[0-9A-Z]{10}$")
SEARCH_SCREENSHOTS = ("search-ru-phone", "search-kk-desktop")
REPORT_SCREENSHOTS = (
    "report-ru-phone",
    "report-kk-desktop",
    "report-filed-ru-phone",
    "myreports-kk-phone",
    "myreports-ru-desktop",
)


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_the_page_offers_every_category_in_its_language(language: str) -> None:
    services = Services.from_settings(Settings())
    config = page_config(services, language)
    categories = {category["code"]: category for category in config["reportCategories"]}
    assert len(categories) == 11
    assert categories["missing_kerb_ramp"]["accessibility"] is True
    assert categories["missing_kerb_ramp"]["group"] == translate("Accessibility", language)
    assert categories["road_damage"]["group"] == translate("City upkeep", language)
    expected = {"kk": "Жолдың бүлінуі", "ru": "Повреждение дороги", "en": "Road damage"}[language]
    assert categories["road_damage"]["title"] == expected
    assert config["maxPhotos"] == 3 and config["maxPhotoBytes"] == 8 * 1024 * 1024


@pytest.mark.parametrize("query", ["Абая", "Abaya", "Абай даңғылы", "пр. Абая 10"])
def test_search_finds_each_spelling(webmap_run: dict[str, Any], query: str) -> None:
    labels = scenario(webmap_run, "search")["queries"][query]
    assert labels, query
    assert any("Абая" in label or "Абай" in label for label in labels)


def test_search_is_an_aria_combobox(webmap_run: dict[str, Any]) -> None:
    result = scenario(webmap_run, "search")
    combobox = result["combobox"]
    assert combobox["role"] == "combobox"
    assert combobox["listboxRole"] == "listbox"
    assert combobox["expanded"] == "true"
    assert combobox["activedescendant"] == "search-main-option-0"
    assert combobox["selected"] == 1
    assert combobox["label"] == translate("Address or place", "ru")
    assert result["escapeClosesList"]
    assert result["noResults"] == translate(
        "Nothing found. Check the spelling or write less, e.g. only the street.", "ru"
    )


def test_a_picked_place_is_flown_to_and_marked(webmap_run: dict[str, Any]) -> None:
    pick = scenario(webmap_run, "search")["pick"]
    assert pick["distanceM"] < 30
    assert pick["center"]["zoom"] >= 15
    assert pick["placeName"] == pick["inputValue"] == pick["firstLabel"] == pick["expected"]["label"]
    assert pick["marker"] == [pick["placeName"]]
    assert pick["actions"] == [
        translate(msgid, "kk") for msgid in ("Report a problem here", "Route from here", "Route to here")
    ]
    assert scenario(webmap_run, "search")["reportHere"] == pick["placeName"]


def test_a_report_is_filed_with_a_photo_and_kept_on_the_device(webmap_run: dict[str, Any]) -> None:
    result = scenario(webmap_run, "report")
    filed = result["filed"]
    assert TRACKING_ID.match(filed["trackingId"])
    assert filed["focused"] == "report-success-title"
    assert translate("{n} photos attached.", "ru").replace("{n}", "1") in filed["facts"]
    [stored] = [entry for entry in filed["stored"] if entry["trackingId"] == filed["trackingId"]]
    assert stored["secret"] and stored["category"] == "broken_street_light" and stored["photoCount"] == 1
    assert result["photoPreview"].endswith("street-light.png")
    assert result["placeDetail"]  # the district and the coordinates (or the nearest address)


def test_the_categories_are_grouped_with_accessibility_apart(webmap_run: dict[str, Any]) -> None:
    groups = {group["label"]: group["options"] for group in scenario(webmap_run, "report")["categoryOptions"]}
    assert set(groups) == {translate("City upkeep", "ru"), translate("Accessibility", "ru")}
    assert "missing_kerb_ramp" in groups[translate("Accessibility", "ru")]
    assert "road_damage" in groups[translate("City upkeep", "ru")]


def test_the_same_problem_again_is_offered_to_support(webmap_run: dict[str, Any]) -> None:
    result = scenario(webmap_run, "report")
    tracking_id = result["filed"]["trackingId"]
    assert any(tracking_id in card for card in result["duplicates"])
    assert result["duplicateFocus"] == "report-duplicates-title"
    assert tracking_id in result["supported"]


def test_an_empty_form_says_what_each_field_needs(webmap_run: dict[str, Any]) -> None:
    empty = scenario(webmap_run, "report")["emptySubmit"]
    assert empty["alert"] == translate("Please correct the marked fields.", "kk")
    assert empty["errors"] == [
        translate(msgid, "kk")
        for msgid in ("Choose the place of the problem.", "Choose a category.", "Describe the problem.")
    ]
    assert empty["focused"] == "report-pick-map"


def test_my_reports_shows_the_status_in_the_page_language(webmap_run: dict[str, Any]) -> None:
    result = scenario(webmap_run, "report")
    tracking_id = result["filed"]["trackingId"]
    [card] = [card for card in result["myReports"] if tracking_id in card["title"]]
    assert card["status"] == translate("Received", "kk")
    assert translate("Show on the map", "kk") in card["actions"]
    assert result["history"] and translate("Received", "ru") in result["history"][-1]


def test_a_report_moves_to_another_device_by_number_and_key(webmap_run: dict[str, Any]) -> None:
    result = scenario(webmap_run, "report")
    tracking_id = result["filed"]["trackingId"]
    assert result["forgotten"]["stored"] == len(result["storedAtEnd"]) - 1
    assert tracking_id in result["addedBack"]
    assert {"trackingId": tracking_id, "hasSecret": True} in result["storedAtEnd"]


def test_the_citizen_reopens_a_fix_then_confirms_the_next_one(webmap_run: dict[str, Any]) -> None:
    citizen = scenario(webmap_run, "report")["citizen"]
    assert citizen["asked"] and len(citizen["buttons"]) == 2
    assert citizen["buttons"][1] == translate("It is not fixed: reopen", "ru")
    assert citizen["afterReopen"] == "reopened"
    assert citizen["afterConfirm"] == "closed"
    assert citizen["badge"].strip()


def test_the_filed_report_appears_on_the_map(webmap_run: dict[str, Any]) -> None:
    on_map = scenario(webmap_run, "report")["onMap"]
    assert on_map["seen"], "the reports layer never drew the new report"
    assert on_map["markerLeft"] == 0  # the temporary marker goes once the layer has it


@pytest.mark.parametrize(
    ("name", "screenshots"), [("search", SEARCH_SCREENSHOTS), ("report", REPORT_SCREENSHOTS)]
)
def test_each_state_is_photographed_and_scanned(
    webmap_run: dict[str, Any], name: str, screenshots: tuple[str, ...]
) -> None:
    result = scenario(webmap_run, name)
    for shot in screenshots:
        assert (SCREENSHOTS / f"{shot}.png").is_file(), shot
    assert len(result["axe"]) >= 2
    assert {state: found for state, found in result["axe"].items() if found} == {}
    assert result["pageErrors"] == []
