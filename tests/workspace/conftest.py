"""The workspace in a real browser: per backend, `geohub demo` + `geohub serve`, three accounts made
with the CLI (an admin, a publisher of natural_resources, a moderator), then every scenario of
tests/workspace/scenarios that names the backend in its `backends`, in one Chromium run
(tests/workspace/browser.cjs). Tests read the report with `scenario(workspace_run, "sign_in")`.

`WORKSPACE_SCENARIOS=sign_in,layers` runs only those scenarios (while working on one).
Test files for the scenarios are made by every tests/workspace/fixtures_*.py (`build(folder)`).
Screenshots go to var/screenshots/workspace/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import cache
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest

from geohub.settings import PROJECT_ROOT
from tests.browser import run_browser_script
from tests.features.conftest import GEOHUB, LiveServer, LiveServers

BROWSER = Path(__file__).with_name("browser.cjs")
SCREENSHOTS = PROJECT_ROOT / "var" / "screenshots" / "workspace"
# All of a browser run's requests come from one address, its sign-ins too
SERVER_SETTINGS = {
    "GEOHUB_AUTH__ANONYMOUS_RATE_LIMIT": "100000/minute",
    "GEOHUB_AUTH__SIGN_IN_RATE_LIMIT": "1000/minute",
}
# role -> (user name, department); each signs in with PASSWORDS[role]
ACCOUNTS: dict[str, tuple[str, str | None]] = {
    "admin": ("ws-admin", None),
    "publisher": ("ws-publisher", "natural_resources"),
    "moderator": ("ws-moderator", None),
}
PASSWORDS = {role: f"{role} of the workspace, 2026" for role in ACCOUNTS}
RUN_TIMEOUT_S = 600


def cli_environment(server: LiveServer) -> dict[str, str]:
    """The GEOHUB_* settings of the live server's data, for the command line beside it."""
    env = {"GEOHUB_DATA_DIR": str(server.settings.data_dir)}
    if server.settings.database_url:
        env["GEOHUB_DATABASE_URL"] = server.settings.database_url
    return env


def add_accounts(server: LiveServer) -> dict[str, dict[str, Any]]:
    """The accounts of ACCOUNTS on the live server, made with `geohub users add --password-prompt`
    as an operator would (in a new session: no terminal, so the prompt reads standard input)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOHUB_")}
    env.update(cli_environment(server))
    accounts = {}
    for role, (name, department) in ACCOUNTS.items():
        command = [GEOHUB, "users", "add", name, "--role", role, "--password-prompt"]
        if department:
            command += ["--department", department]
        password = PASSWORDS[role]
        subprocess.run(
            command,
            input=f"{password}\n{password}\n",
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
            start_new_session=True,
        )
        accounts[role] = {"user": name, "password": password, "role": role, "department": department}
    return accounts


def build_fixtures(folder: Path) -> dict[str, str]:
    """name -> path of every test file the fixtures_*.py modules make in `folder`."""
    files: dict[str, str] = {}
    for module_file in sorted(Path(__file__).parent.glob("fixtures_*.py")):
        module = import_module(f"tests.workspace.{module_file.stem}")
        made: dict[str, str] = module.build(folder)
        files.update(made)
    return files


@cache
def scenario_backends() -> dict[str, list[str]]:
    """Each scenario's name -> the backends it runs on (asked of browser.cjs)."""
    node = shutil.which("node")
    assert node, "node is needed to drive Chromium with playwright-core"
    listed = subprocess.run(
        [node, str(BROWSER), json.dumps({"list": True})],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    backends: dict[str, list[str]] = json.loads(listed.stdout)
    return backends


@dataclass
class WorkspaceRuns:
    """One browser run per backend, made when a test first asks for it."""

    servers: LiveServers
    fixtures_dir: Path
    only: list[str]
    _runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    _fixtures: dict[str, str] | None = None

    def wanted(self, backend: str) -> list[str]:
        """The scenarios to run on `backend`."""
        listed = scenario_backends()
        return [
            name
            for name, backends in listed.items()
            if backend in backends and (not self.only or name in self.only)
        ]

    def server(self, backend: str) -> LiveServer:
        """The backend's live server; both start at once when both have scenarios."""
        both = all(self.wanted(each) for each in ("geopackage", "postgis"))
        return self.servers(backend) if both else self.servers.one(backend)

    def of(self, backend: str) -> dict[str, Any]:
        """The browser report of `backend`'s scenarios (with the server and accounts used)."""
        if backend not in self._runs:
            names = self.wanted(backend)
            if not names:
                self._runs[backend] = {"scenarios": {}, "backend": backend}
                return self._runs[backend]
            if self._fixtures is None:
                self._fixtures = build_fixtures(self.fixtures_dir)
            server = self.server(backend)
            accounts = add_accounts(server)
            options = {
                "cli": {"geohub": GEOHUB, "env": cli_environment(server)},
                "base": server.base_url,
                "backend": backend,
                "screenshotDir": str(SCREENSHOTS),
                "only": names,
                "accounts": accounts,
                "fixtures": self._fixtures,
            }
            run = run_browser_script(BROWSER, options, timeout_s=RUN_TIMEOUT_S)
            self._runs[backend] = {**run, "backend": backend, "server": server, "accounts": accounts}
        return self._runs[backend]


@pytest.fixture(scope="session")
def workspace_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkspaceRuns]:
    """The browser runs of the session (see WorkspaceRuns)."""
    only = [name for name in os.environ.get("WORKSPACE_SCENARIOS", "").split(",") if name]
    with ExitStack() as stack:
        servers = LiveServers(tmp_path_factory, stack, environment=SERVER_SETTINGS)
        yield WorkspaceRuns(servers, tmp_path_factory.mktemp("workspace-fixtures"), only)


@pytest.fixture
def workspace_run(backend: str, workspace_runs: WorkspaceRuns) -> dict[str, Any]:
    """The browser report of every scenario on `backend` (`scenarios`, `server`, `accounts`)."""
    return workspace_runs.of(backend)


def scenario(run: dict[str, Any], name: str) -> dict[str, Any]:
    """One scenario's result; skipped when it does not run on this backend (or WORKSPACE_SCENARIOS
    left it out), failed when it threw."""
    if name not in run["scenarios"]:
        pytest.skip(f"scenario {name} does not run on {run['backend']} here")
    result: dict[str, Any] = run["scenarios"][name]
    assert "error" not in result, f"scenario {name} failed: {result.get('stack') or result['error']}"
    return result
