"""The workspace in Chromium, over every scenario of each backend: nothing but GeoHub is reached,
no request fails, no page error, no 5xx, axe-core finds no serious or critical violation in any
state a scenario scanned. The run's time is printed (`-s`), not asserted: speed is for benchmarks,
and a loaded machine must not fail a correct page."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _some_scenario_runs(workspace_run: dict[str, Any]) -> None:
    if not workspace_run["scenarios"]:
        pytest.skip(f"no scenario runs on {workspace_run['backend']} here")


def test_every_scenario_ran_to_its_end(workspace_run: dict[str, Any]) -> None:
    failed = {
        name: r.get("stack") or r["error"] for name, r in workspace_run["scenarios"].items() if "error" in r
    }
    assert not failed
    seconds = {name: round(r["seconds"], 1) for name, r in workspace_run["scenarios"].items()}
    print(f"workspace scenarios on {workspace_run['backend']}: {sum(seconds.values()):.1f} s {seconds}")


def test_pages_reach_geohub_alone_and_nothing_fails(workspace_run: dict[str, Any]) -> None:
    for name, result in workspace_run["scenarios"].items():
        assert result["requests"], name
        assert result["blocked"] == [], f"{name}: the page tried to reach another host"
        assert result["failed"] == [], name
        assert result["pageErrors"] == [], name
        assert [e for e in result["httpErrors"] if e["status"] >= 500] == [], name


def test_no_serious_accessibility_violation_in_any_state(workspace_run: dict[str, Any]) -> None:
    scanned = {
        f"{name}/{label}": violations
        for name, result in workspace_run["scenarios"].items()
        for label, violations in result["axe"].items()
    }
    assert all(result["axe"] for result in workspace_run["scenarios"].values())  # each scenario scans
    assert {state: v for state, v in scanned.items() if v} == {}


def test_the_keyboard_reaches_every_control_with_a_visible_focus(workspace_run: dict[str, Any]) -> None:
    walks = {
        f"{name}/{label}": walk
        for name, result in workspace_run["scenarios"].items()
        for label, walk in result.get("keyboard", {}).items()
    }
    if not walks:
        pytest.skip("no scenario walks the keyboard here")
    for state, walk in walks.items():
        assert walk["controls"] > 0, state
        assert walk["unreached"] == [], state
        assert walk["withoutFocusRing"] == [], state
