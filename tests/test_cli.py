"""The `geohub` command: demo, layers, check and serve, run as a user runs them."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from geohub.settings import PROJECT_ROOT, Settings

GEOHUB = str(Path(sys.executable).parent / "geohub")


def run_geohub(
    *args: str, settings: Settings, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOHUB_")}
    env["GEOHUB_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        env["GEOHUB_DATABASE_URL"] = settings.database_url
    env.update(extra_env or {})
    return subprocess.run([GEOHUB, *args], env=env, capture_output=True, text=True, timeout=120, check=False)


def test_demo_then_layers_prints_non_zero_counts(settings: Settings) -> None:
    loaded = run_geohub("demo", "--no-serve", settings=settings)
    assert loaded.returncode == 0, loaded.stderr
    assert "17 imported" in loaded.stdout
    listing = run_geohub("layers", settings=settings)
    assert listing.returncode == 0, listing.stderr
    rows = {line.split()[0]: line.split() for line in listing.stdout.splitlines()[1:]}
    assert rows["buildings"][3] == "8,061"
    assert rows["reports"][3] == "0"  # published from the citizen reports: none in the demo
    assert all(int(row[3].replace(",", "")) > 0 for layer_id, row in rows.items() if layer_id != "reports")
    again = run_geohub("demo", "--no-serve", settings=settings)
    assert "0 imported, 17 unchanged" in again.stdout


def test_check_reports_settings_definitions_and_storage(settings: Settings) -> None:
    result = run_geohub("check", settings=settings)
    assert result.returncode == 0, result.stderr
    assert "layer definitions: ok (18 layers" in result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GEOHUB_PORT": "http"}, "GEOHUB_PORT"),
        ({"GEOHUB_DATABSE_URL": "postgresql://x"}, "GEOHUB_DATABSE_URL"),
        ({"GEOHUB_DATABASE_URL": "postgresql://127.0.0.1:1/nothing"}, "PostGIS cannot be reached"),
    ],
)
def test_bad_settings_stop_with_one_line(tmp_path: Path, env: dict[str, str], message: str) -> None:
    result = run_geohub("check", settings=Settings(data_dir=tmp_path), extra_env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]
    assert lines[0].startswith("geohub: error:")


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("ru_RU.UTF-8", "Нет связи с PostGIS"),
        ("kk_KZ.UTF-8", "PostGIS-ке қосылу мүмкін емес"),
        ("C.UTF-8", "PostGIS cannot be reached"),
    ],
)
def test_a_command_fails_in_the_operators_language(tmp_path: Path, locale: str, expected: str) -> None:
    unreachable = {"GEOHUB_DATABASE_URL": "postgresql://127.0.0.1:1/nothing", "LANG": locale, "LC_ALL": ""}
    result = run_geohub("check", settings=Settings(data_dir=tmp_path), extra_env=unreachable)
    assert result.returncode == 2
    assert result.stderr.startswith(f"geohub: error: storage: {expected}"), result.stderr


def test_broken_layer_definition_stops_serve_with_one_line(tmp_path: Path) -> None:
    layers = tmp_path / "layers"
    shutil.copytree(PROJECT_ROOT / "layers", layers)
    broken = layers / "parking.yaml"
    broken.write_text(
        broken.read_text(encoding="utf-8").replace("geometry_type: MultiPolygon", "geometry_type: Blob")
    )
    result = run_geohub(
        "serve", settings=Settings(data_dir=tmp_path), extra_env={"GEOHUB_LAYERS_DIR": str(layers)}
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "parking.yaml: geometry_type" in lines[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, timeout_s: float = 30) -> bytes:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return bytes(response.read())
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serve_runs_several_workers_over_one_store(settings: Settings) -> None:
    assert run_geohub("demo", "--no-serve", settings=settings).returncode == 0
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOHUB_")}
    env.update({"GEOHUB_DATA_DIR": str(settings.data_dir), "GEOHUB_PORT": str(port), "GEOHUB_WORKERS": "2"})
    if settings.database_url:
        env["GEOHUB_DATABASE_URL"] = settings.database_url
    server = subprocess.Popen([GEOHUB, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        ready = wait_for(f"http://127.0.0.1:{port}/readyz")
        assert b'"status":"ready"' in ready
        for _ in range(20):  # spread over both workers
            assert b"buildings" in wait_for(f"http://127.0.0.1:{port}/collections")
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    workers = {line for line in stderr.decode().splitlines() if "Booting worker" in line}
    assert len(workers) == 2


def test_check_of_an_empty_store_warns_and_names_its_data_dir(tmp_path: Path) -> None:
    result = run_geohub("check", settings=Settings(data_dir=tmp_path / "elsewhere"))
    assert result.returncode == 0, result.stderr
    assert f"data_dir {tmp_path / 'elsewhere'}" in result.stdout
    assert "warning: the store is empty" in result.stderr
    assert str(tmp_path / "elsewhere") in result.stderr


def test_serve_on_another_port_links_to_itself_without_public_url(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOHUB_")}
    env.update({"GEOHUB_DATA_DIR": str(tmp_path), "GEOHUB_WORKERS": "1", "GEOHUB_LOG_LEVEL": "WARNING"})
    server = subprocess.Popen([GEOHUB, "serve", "--port", str(port)], env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz")
        tilejson = json.loads(wait_for(f"{base}/tiles/city.json"))
        style = json.loads(wait_for(f"{base}/styles/city.json"))
        collection = json.loads(wait_for(f"{base}/collections/parking"))
    finally:
        server.terminate()
        server.wait(timeout=30)
    hrefs = [
        *tilejson["tiles"],
        *(source["url"] for source in style["sources"].values() if "url" in source),
        *(link["href"] for link in collection["links"] if link["rel"] != "license"),
    ]
    assert len(hrefs) > 5
    assert all(href.startswith((f"{base}/", f"{base}?")) for href in hrefs), hrefs
