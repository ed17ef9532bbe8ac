"""The map in Chromium (tests/webmap/scenarios/map.cjs): tiles drawn in kk and ru on desktop and
phone, MapLibre's controls in the page language, layers switched off and on by their checkbox
(and kept in the URL over a reload), high contrast one switch away and remembered, a feature's
details labelled from its layer's schema, the list of what is in view, and the first load under
1 MB transferred, MapLibre included."""

from __future__ import annotations

from typing import Any

import pytest

from tests.webmap.conftest import scenario

FIRST_LOAD_BUDGET_BYTES = 1_000_000


@pytest.fixture(scope="module")
def result(webmap_run: dict[str, Any]) -> dict[str, Any]:
    return scenario(webmap_run, "map")


def test_the_first_load_transfers_under_one_megabyte(result: dict[str, Any]) -> None:
    assert result["firstLoadRequests"] > 10
    urls = [request["url"] for request in result["firstLoadLargest"]]
    assert any("maplibre-gl.mjs" in url for url in urls)  # MapLibre is counted, and its worker
    assert any("maplibre-gl-worker.mjs" in url for url in urls)
    assert result["firstLoadBytes"] < FIRST_LOAD_BUDGET_BYTES, result["firstLoadLargest"]


def test_the_map_draws_its_tiles_in_each_language_and_size(result: dict[str, Any]) -> None:
    assert result["tiles"]["kk"] > 5 and result["tiles"]["kkFailed"] == 0
    for drawn in (result["kkDesktop"]["drawn"], result["ruPhone"]["drawn"]):
        assert drawn["loaded"] and drawn["canvas"]
        assert drawn["features"] > 50  # overlay features rendered from the city tiles
    assert result["kkDesktop"]["lang"] == "kk" and result["ruPhone"]["lang"] == "ru"
    assert result["httpErrors"] == [] and result["pageErrors"] == [] and result["blocked"] == []


def test_the_map_and_its_controls_speak_the_page_language(result: dict[str, Any]) -> None:
    desktop = result["kkDesktop"]
    assert desktop["mapLabel"] == "Алматы картасы"
    assert desktop["zoomInLabel"] == "Үлкейту"
    assert desktop["attributionLabel"] == "Дереккөздерді көрсету немесе жасыру"
    assert desktop["canvasFocusable"]


def test_the_layer_list_has_a_labelled_switch_and_a_legend_for_each_overlay(result: dict[str, Any]) -> None:
    for listing in (result["kkLayers"], result["ruPhoneLayers"]):
        assert {"green_spaces", "districts", "reports", "accessibility", "addresses"} <= set(
            listing["groups"]
        )
        assert "districts_labels" not in listing["groups"]  # label points count with their districts
        assert listing["checkboxes"] == len(listing["groups"]) and listing["labelled"]
        assert listing["legendRows"] >= 2 * len(listing["groups"])
        assert listing["iconRows"] >= 5  # icons cut from the sprite
    assert any("Жаңартылды" in text for text in result["kkLayers"]["freshness"])
    assert any("Обновлено" in text and "Источник" in text for text in result["ruPhoneLayers"]["freshness"])


def test_a_layer_goes_off_and_on_by_its_checkbox_and_the_url_says_so(result: dict[str, Any]) -> None:
    toggle = result["kkToggle"]
    assert toggle["off"]["visibility"] == "none"
    assert "layers=" in toggle["off"]["hash"] and "green_spaces" not in toggle["off"]["hash"]
    assert toggle["on"]["visibility"] == "visible"
    assert "layers=" not in toggle["on"]["hash"]  # every layer shown again: nothing to say


def test_high_contrast_is_one_switch_away_and_remembered(result: dict[str, Any]) -> None:
    contrast = result["highContrast"]
    assert "high contrast" in contrast["style"]
    assert contrast["remembered"] == "1"
    assert contrast["legendRows"] > 0
    assert result["highlightInHighContrast"] and result["highlightBack"]  # overlays outlive a switch


def test_a_click_opens_the_details_labelled_in_the_page_language(result: dict[str, Any]) -> None:
    for details in (result["ruDetails"], result["ruPhoneDetails"]):
        assert details["point"] is not None
        assert details["layer"] == "Районы Алматы"
        assert details["heading"].endswith("район")
        assert {"Идентификатор", "Название"} <= set(details["labels"])  # the schema's titles
        assert not any(label.startswith("name_") for label in details["labels"])
        assert details["about"] == [
            "Слой",
            "Источник",
            "Последнее обновление",
            "Авторство",
            "Условия лицензии",
        ]
        assert any(link.endswith("?f=html&lang=ru") for link in details["links"])
        assert details["highlighted"]


def test_the_list_view_names_what_is_in_view(result: dict[str, Any]) -> None:
    for listing in (result["kkList"], result["kkPhoneList"]):
        assert listing["count"] > 20 and 0 < listing["items"] <= listing["count"]
        assert listing["countText"].startswith("Көрініп тұрған нысандар")
        assert any(group.startswith("Алматы аудандары") for group in listing["groups"])


def test_a_reload_keeps_the_position_the_layers_and_the_panel(result: dict[str, Any]) -> None:
    reload = result["reload"]
    assert reload["after"] == reload["before"]
    assert reload["centre"] == pytest.approx([76.9123, 43.2567], abs=1e-4)
    assert reload["zoom"] == pytest.approx(14.5)
    assert reload["greenSpaces"] == "none" and reload["districts"] == "visible"
    assert reload["panel"] == "panel-layers" and reload["checkbox"] is False


def test_screenshots_of_each_state(result: dict[str, Any]) -> None:
    names = {shot.rsplit("/", 1)[-1] for shot in result["screenshots"]}
    assert {
        "map-kk-desktop.png",
        "layers-ru-phone.png",
        "details-ru-desktop.png",
        "list-kk-phone.png",
    } <= names


def test_the_language_switch_reloads_in_place_and_is_remembered(result: dict[str, Any]) -> None:
    switched = result["languageSwitch"]
    assert switched["lang"] == "kk" and switched["title"] == "Карта қабаттары"
    assert switched["hash"] == result["reload"]["after"]
    assert "geohub_lang=kk" in switched["cookie"] and switched["stored"] == "kk"
