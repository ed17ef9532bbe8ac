"""The web map in a real browser, once per test session: `geohub demo` + `geohub serve` over the
embedded GeoPackage, then every scenario of tests/webmap/scenarios in one Chromium run
(tests/webmap/browser.cjs). Tests read the report: `webmap_run["scenarios"]["route"]`.

`WEBMAP_SCENARIOS=route,search` runs only those scenarios (while working on one).
Screenshots go to var/screenshots/webmap/ (the README links a few, copied to docs/screenshots/).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from geohub.settings import PROJECT_ROOT
from tests.browser import once_per_test_run, run_browser_script
from tests.features.conftest import GEOHUB, LiveServer, LiveServers

BROWSER = Path(__file__).with_name("browser.cjs")
SCREENSHOTS = PROJECT_ROOT / "var" / "screenshots" / "webmap"
# All of a browser test's requests come from one address: the anonymous limit (1200/minute) is
# meant for many people, not for one browser opening the map dozens of times in a minute.
SERVER_SETTINGS = {"GEOHUB_AUTH__ANONYMOUS_RATE_LIMIT": "100000/minute"}


@pytest.fixture(scope="session")
def webmap_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live `geohub serve` over the demo data (GeoPackage)."""
    with ExitStack() as stack:
        servers = LiveServers(tmp_path_factory, stack, environment=SERVER_SETTINGS)
        yield servers.one("geopackage")


@pytest.fixture(scope="session")
def webmap_base(webmap_server: LiveServer) -> str:
    """The live server's public URL."""
    return webmap_server.base_url


def staff_token(server: LiveServer) -> str:
    """A moderator's token on the live server (made with the CLI, as an operator would): the
    scenarios move reports along as the city's staff do, for the citizen to confirm or reopen."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOHUB_")}
    env["GEOHUB_DATA_DIR"] = str(server.settings.data_dir)
    run = {"env": env, "capture_output": True, "text": True, "check": True, "timeout": 60}
    subprocess.run([GEOHUB, "users", "add", "webmap-moderator", "--role", "moderator"], **run)
    return subprocess.run([GEOHUB, "tokens", "create", "webmap-moderator"], **run).stdout.strip()


@pytest.fixture(scope="session")
def webmap_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The browser report of every scenario (see tests/webmap/browser.cjs): one run for the whole
    test run, whichever pytest worker asks first (its server serves it)."""
    only = [name for name in os.environ.get("WEBMAP_SCENARIOS", "").split(",") if name]

    def run() -> dict[str, Any]:
        with ExitStack() as stack:
            server = LiveServers(tmp_path_factory, stack, environment=SERVER_SETTINGS).one("geopackage")
            options = {
                "base": server.base_url,
                "screenshotDir": str(SCREENSHOTS),
                "only": only,
                "staffToken": staff_token(server),
            }
            return run_browser_script(BROWSER, options, timeout_s=900)

    return once_per_test_run("webmap-run", tmp_path_factory.getbasetemp().parent, run)


def scenario(run: dict[str, Any], name: str) -> dict[str, Any]:
    """One scenario's result; skipped when WEBMAP_SCENARIOS left it out, failed when it threw."""
    if name not in run["scenarios"]:
        pytest.skip(f"scenario {name} not run (WEBMAP_SCENARIOS)")
    result: dict[str, Any] = run["scenarios"][name]
    assert "error" not in result, f"scenario {name} failed: {result.get('stack') or result['error']}"
    return result
