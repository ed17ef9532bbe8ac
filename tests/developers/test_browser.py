"""The developers page in Debian's Chromium against a live `geohub serve`: axe-core finds no
serious violation, the keyboard reaches every control with a visible focus, a refused and then a
good registration, the key copied, its use per day remembered on this device; 360 px and desktop."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geohub.settings import PROJECT_ROOT
from tests.browser import run_browser_script
from tests.test_cli import GEOHUB, free_port, wait_for

SCRIPT = Path(__file__).with_name("browser_check.cjs")
SCREENSHOTS = PROJECT_ROOT / "var" / "screenshots" / "developers"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOHUB_")}
    env.update(
        {
            "GEOHUB_DATA_DIR": str(tmp_path_factory.mktemp("developers-live")),
            "GEOHUB_PORT": str(port),
            "GEOHUB_WORKERS": "1",
            "GEOHUB_LOG_LEVEL": "WARNING",
        }
    )
    server = subprocess.Popen([GEOHUB, "serve"], env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/readyz", timeout_s=60)
        yield run_browser_script(SCRIPT, {"base": base, "screenshotDir": str(SCREENSHOTS)}, timeout_s=300)
    finally:
        server.terminate()
        server.wait(timeout=30)


VIEWS = ("phone-ru", "desktop-kk")


def test_the_page_reaches_geohub_alone_without_errors(run: dict[str, Any]) -> None:
    assert (run["blocked"], run["pageErrors"], run["consoleErrors"]) == ([], [], [])
    assert run["keyInUrls"] == []  # the page sends the key in a header only


@pytest.mark.parametrize("view", VIEWS)
def test_no_serious_accessibility_violation_in_any_state(run: dict[str, Any], view: str) -> None:
    result = run["views"][view]
    for state in ("axeStart", "axeRefused", "axeKey", "axeUsage"):
        assert result[state] == [], (state, result[state])
    assert result["overflowX"] <= 0 and result["overflowXAfter"] <= 0  # nothing wider than the screen


@pytest.mark.parametrize("view", VIEWS)
def test_keyboard_reaches_every_control_with_a_visible_focus(run: dict[str, Any], view: str) -> None:
    stops = run["views"][view]["keyboard"]
    assert [stop for stop in stops if not stop["visible"]] == []
    ids = {stop["id"] for stop in stops}
    assert {"app-name", "app-email", "app-email-again", "app-terms", "usage-key", "usage-remember"} <= ids
    copied = {stop["copy"] for stop in stops if stop["copy"]}
    assert {"snippet-maplibre", "snippet-gdal-mvt"} <= copied


@pytest.mark.parametrize("view", VIEWS)
def test_registering_copying_and_reading_the_use(run: dict[str, Any], view: str) -> None:
    result = run["views"][view]
    assert result["refused"]["focused"] == "app-email-again" and result["refused"]["error"]
    assert result["keyShape"] and result["keyFocused"] == "new-key" and result["copied"]
    assert result["usageRows"] == 30
    assert result["rememberedAfterReload"]
