"""Done when: a layer proposed by a publisher and approved by an admin is served by every worker of a
2-worker `geohub serve`, with no restart. Each request carries its own X-Request-ID and a fresh
connection; the server's access log names the worker process (pid) that answered it."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from geohub.auth.accounts import Accounts
from geohub.auth.principal import Role
from geohub.records import open_records
from geohub.settings import Settings
from tests.browser import run_browser_script
from tests.proposals.conftest import TITLES
from tests.proposals.files import geojson_file
from tests.test_cli import GEOHUB, free_port, wait_for

LAYER = "street_trees"
LEGEND_SCRIPT = Path(__file__).with_name("legend.cjs")
WITHIN_S = 5.0  # both workers serve the new layer this soon after the approval (refresh: 1 s)


@dataclass
class Server:
    base: str
    log: Path
    process: subprocess.Popen[bytes]

    def get(self, path: str) -> tuple[int, str]:
        """GET on a new connection; the status and the request id it was logged under."""
        request_id = uuid.uuid4().hex
        with requests.Session() as session:  # a fresh connection each time: any worker may take it
            answer = session.get(
                self.base + path, headers={"X-Request-ID": request_id, "Connection": "close"}, timeout=30
            )
        return answer.status_code, request_id

    def answered_by(self) -> dict[str, tuple[int, int]]:
        """Request id -> (worker pid, status), from the access log lines written so far."""
        found = {}
        for line in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
            if not line.startswith("{"):
                continue
            entry = json.loads(line)
            if entry.get("logger") == "geohub.access" and "request_id" in entry:
                found[entry["request_id"]] = (int(entry["pid"]), int(entry["status"]))
        return found

    def pids_answering(self, path: str, status: int, timeout_s: float) -> set[int]:
        """Ask until two worker processes answered `path` with `status` (or time runs out)."""
        asked: list[str] = []
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            asked.append(self.get(path)[1])
            time.sleep(0.02)
            logged = self.answered_by()
            pids = {logged[i][0] for i in asked if i in logged and logged[i][1] == status}
            if len(pids) == 2:
                return pids
        logged = self.answered_by()
        return {logged[i][0] for i in asked if i in logged and logged[i][1] == status}


@pytest.fixture
def server(settings: Settings, tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "GEOHUB_DATA_DIR": str(settings.data_dir),
        "GEOHUB_PORT": str(port),
        "GEOHUB_WORKERS": "2",
        "GEOHUB_LOG_LEVEL": "INFO",
    }
    if settings.database_url:
        env["GEOHUB_DATABASE_URL"] = settings.database_url
    log = tmp_path / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen([GEOHUB, "serve"], env=env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        wait_for(f"http://127.0.0.1:{port}/readyz", timeout_s=60)
        yield Server(f"http://127.0.0.1:{port}", log, process)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _tokens(settings: Settings) -> dict[str, str]:
    records = open_records(settings)
    accounts = Accounts(records)
    accounts.add_user("admin", role=Role.admin, department=None)
    accounts.add_user("dana", role=Role.publisher, department="natural_resources")
    tokens = {name: accounts.create_token(name) for name in ("admin", "dana")}
    records.close()
    return tokens


def _call(server: Server, method: str, path: str, token: str, **options: Any) -> dict[str, Any]:
    answer = requests.request(
        method, server.base + path, headers={"Authorization": f"Bearer {token}"}, timeout=120, **options
    )
    assert answer.status_code in (200, 201), answer.text
    return dict(answer.json())


def test_an_approved_layer_is_served_by_both_workers_without_a_restart(
    server: Server, settings: Settings, tmp_path: Path
) -> None:
    tokens = _tokens(settings)
    before = server.pids_answering(f"/collections/{LAYER}", 404, timeout_s=20)
    assert len(before) == 2, "both workers answer, the layer still unknown"

    path = geojson_file(tmp_path)
    with path.open("rb") as stream:
        draft = _call(server, "POST", "/layer-proposals", tokens["dana"], files={"file": (path.name, stream)})
    number = draft["id"]
    definition = {**draft["definition"], **TITLES, "style": {"template": "points", "colour": "#762a83"}}
    _call(server, "PUT", f"/layer-proposals/{number}", tokens["dana"], json={"definition": definition})
    _call(server, "POST", f"/layer-proposals/{number}/submit", tokens["dana"])
    approved = _call(server, "POST", f"/layer-proposals/{number}/approve", tokens["admin"])
    assert approved["layer"] == LAYER
    approved_at = time.monotonic()

    after = server.pids_answering(f"/collections/{LAYER}/items", 200, timeout_s=WITHIN_S)
    took_s = time.monotonic() - approved_at
    assert after == before, f"both workers, the same processes as before the approval ({took_s:.1f} s)"
    assert server.process.poll() is None
    items = requests.get(f"{server.base}/collections/{LAYER}/items?f=json", timeout=30).json()
    assert items["numberMatched"] == 6

    # the web map lists it with the legend its generated style gives (#762a83 = rgb(118, 42, 131))
    map_page = run_browser_script(LEGEND_SCRIPT, {"base": server.base, "layer": LAYER}, timeout_s=180)
    assert map_page["blocked"] == [] and map_page["pageErrors"] == []
    assert map_page["items"] == 1 and map_page["label"] == "Street trees"
    assert map_page["legend"] == [
        {"text": "Street trees", "kind": "swatch swatch-circle", "colour": "rgb(118, 42, 131)"}
    ]
