"""The accessible route in a real browser (tests/webmap/scenarios/route.cjs): a manual-wheelchair
route planned end to end, its text view equal to the API's answer, a shared link in Kazakh, and a
limit no route meets answered in the page's language."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

from tests.webmap.conftest import scenario

CYRILLIC = re.compile(r"[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]")
SCREENSHOTS = ("route-ru-phone", "route-kk-desktop", "route-text-ru-desktop", "route-text-kk-phone")


def metres(value: float) -> str:
    """A distance as the page writes it in Russian: whole metres, rounded half up as JS does."""
    return f"{math.floor(value + 0.5)} м"


@pytest.fixture(scope="module")
def route(webmap_run: dict[str, Any]) -> dict[str, Any]:
    return scenario(webmap_run, "route")


def test_a_wheelchair_route_is_drawn_on_the_map_with_its_warnings(route: dict[str, Any]) -> None:
    assert route["limitsPrefilled"] == {"up": "6", "kerb": "3", "steps": True}
    drawn = route["map"]
    assert drawn["type"] == "LineString" and drawn["vertices"] >= 2
    assert {"overlay-route-line", "overlay-route-warning", "overlay-route-label"} <= set(drawn["layers"])
    assert drawn["dashed"] != "null"  # warning stretches: dashed, not only another colour
    answer = route["api"]["body"]["properties"]
    assert route["api"]["status"] == 200 and answer["profile"] == "manual_wheelchair"
    assert drawn["warningStretches"] <= len(answer["warnings"])
    assert route["markers"][0].startswith("Начало: ") and route["markers"][1].startswith("Пункт назначения: ")


def test_the_summary_chart_and_steps_say_the_route_in_russian(route: dict[str, Any]) -> None:
    panel = route["panel"]
    terms = [row["term"] for row in panel["summary"]]
    assert terms == ["Расстояние", "Время", "Перепад высот", "Предупреждения"]
    answer = route["api"]["body"]["properties"]
    assert panel["summary"][0]["value"] == metres(answer["distance_m"])
    assert panel["summary"][3]["value"] == str(len(answer["warnings"]))
    assert route["announced"].startswith("Маршрут найден: ")
    chart = panel["chart"]
    assert chart["role"] == "img" and CYRILLIC.search(chart["label"]) and chart["drawn"]
    assert "%" in chart["summary"] and CYRILLIC.search(chart["summary"])
    assert [step["distance"] for step in panel["steps"]] == [s["distance_m"] for s in answer["instructions"]]
    assert all(step["button"] for step in panel["steps"])
    assert len(panel["warnings"]) == len(answer["warnings"])
    assert all(key in panel["hash"] for key in ("profile=manual_wheelchair", "from=", "to="))


def test_the_text_view_lists_the_same_steps_as_the_api(route: dict[str, Any]) -> None:
    text = route["text"]
    instructions = route["api"]["body"]["properties"]["instructions"]
    assert text["visible"] and text["pressed"] == "true"
    assert len(text["steps"]) == len(instructions)
    for shown, step in zip(text["steps"], instructions, strict=True):
        assert shown["distance"] == step["distance_m"]
        assert shown["text"].startswith(step["text"])
        if step["distance_m"] > 0:
            assert metres(step["distance_m"]) in shown["text"]
    assert text["lists"] == 1 and text["interactive"] == 0  # plain text, nothing to operate
    assert text["paragraphs"][0].startswith("Маршрут от «")


def test_a_shared_link_shows_the_same_route_in_kazakh(route: dict[str, Any]) -> None:
    kk = route["kk"]
    assert kk["map"]["type"] == "LineString" and kk["profileChecked"]
    assert [s["distance"] for s in kk["panel"]["steps"]] == [s["distance"] for s in route["panel"]["steps"]]
    assert kk["panel"]["summary"][0]["term"] == "Қашықтық"
    assert len(kk["text"]["steps"]) == len(route["text"]["steps"]) and kk["text"]["visible"]
    assert kk["text"]["steps"][-1]["text"] != route["text"]["steps"][-1]["text"]  # "You have arrived." in kk


def test_a_strict_limit_gives_the_localized_no_route_message(route: dict[str, Any]) -> None:
    shown, problem = route["noRoute"], route["noRouteApi"]
    assert problem["status"] == 422 and problem["body"]["constraint"] == "max_incline_up"
    assert shown["role"] == "alert" and shown["answerHidden"]
    assert shown["text"][0] == "Маршрут не найден"
    assert shown["text"][1] == problem["body"]["detail"] and CYRILLIC.search(shown["text"][1])
    assert shown["relaxedOnMap"] == ["relaxed"]  # the route without the limit, for the user to judge
    assert shown["text"][2].startswith("Без этого ограничения есть маршрут длиной ")
    assert "Наибольший подъём" in shown["text"][3]  # the limit to loosen, named in the form's words
    assert shown["invalid"] == "true" and shown["focused"] == "route-limit-max_incline_up"


def test_a_reported_barrier_is_avoided_listed_and_marked(route: dict[str, Any]) -> None:
    avoided = route["avoided"]
    assert avoided["filed"]["status"] == 201 and avoided["status"] == 200
    tracking_id = avoided["filed"]["trackingId"]
    assert len(avoided["listed"]) == 1 and tracking_id in avoided["listed"][0]
    assert any(tracking_id in label for label in avoided["markers"])


def test_route_pages_pass_axe_and_reach_only_geohub(route: dict[str, Any]) -> None:
    assert route["axe"] and all(not found for found in route["axe"].values()), route["axe"]
    assert not route["blocked"] and not route["pageErrors"]
    unexpected = [e for e in route["httpErrors"] if e["status"] != 422 or "/api/route?" not in e["url"]]
    unexpected = [e for e in unexpected if e["status"] != 404 or "/api/geocode/reverse" not in e["url"]]
    assert not unexpected
    names = {path.rsplit("/", 1)[-1] for path in route["screenshots"]}
    assert {f"{name}.png" for name in SCREENSHOTS} <= names
