"""The web map in Chromium, over every scenario: nothing but GeoHub is reached, nothing fails,
axe-core finds no serious or critical violation in any state a scenario scanned, and the
keyboard alone reaches every control with a visible focus (scenarios/a11y.cjs)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.webmap.conftest import scenario

BUDGET_SECONDS = 240  # the whole browser run: keep `make test` within its time


def test_every_scenario_ran(webmap_run: dict[str, Any]) -> None:
    failed = {name: result["error"] for name, result in webmap_run["scenarios"].items() if "error" in result}
    assert not failed
    assert sum(result["seconds"] for result in webmap_run["scenarios"].values()) < BUDGET_SECONDS


def test_pages_reach_geohub_alone_and_nothing_fails(webmap_run: dict[str, Any]) -> None:
    for name, result in webmap_run["scenarios"].items():
        assert result["requests"], name
        assert result["blocked"] == [], f"{name}: the page tried to reach another host"
        assert result["failed"] == [], name
        assert result["pageErrors"] == [], name
        assert [e for e in result["httpErrors"] if e["status"] >= 500] == [], name


def test_no_serious_accessibility_violation_in_any_state(webmap_run: dict[str, Any]) -> None:
    scanned = {
        f"{name}/{label}": violations
        for name, result in webmap_run["scenarios"].items()
        for label, violations in result["axe"].items()
    }
    assert len(scanned) >= 8
    assert {state: v for state, v in scanned.items() if v} == {}


def test_keyboard_reaches_every_control_with_a_visible_focus(webmap_run: dict[str, Any]) -> None:
    result = scenario(webmap_run, "a11y")
    assert {"layers", "search", "report", "myreports", "route", "list"} <= set(result["panels"])
    for walk_name, walk in result["walks"].items():
        assert "error" not in walk, walk_name
        assert walk["controls"] > 0, walk_name
        assert walk["unreached"] == [], walk_name
        assert walk["withoutFocusRing"] == [], walk_name


@pytest.mark.parametrize("state", ["map-ru-desktop", "map-kk-phone"])
def test_the_map_page_itself_is_scanned(webmap_run: dict[str, Any], state: str) -> None:
    assert state in scenario(webmap_run, "a11y")["axe"]
