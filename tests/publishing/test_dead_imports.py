"""A killed import is found dead from its lock, not from a clock: the very next import (an
upload, or any `geohub etl` command) or look at the import history marks it interrupted, drops
what it staged and deletes the folder its upload was waiting in, at once, on both backends.
Upload folders of live processes stay."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from geohub.publishing.imports import ImportRecord, ImportRecords
from geohub.publishing.service import ImportService, uploads_dir
from geohub.settings import PROJECT_ROOT, Settings
from tests.features.conftest import GEOHUB
from tests.publishing.publishing import LAYER, PublishingApp, cadastre_rows, publishing_app, zipped_shapefile

RENAMED = "DEAD-IMPORT-B"


@pytest.fixture
def hub(settings: Settings) -> Iterator[PublishingApp]:
    yield from publishing_app(settings)


def _environment(settings: Settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOHUB_")}
    env |= {"GEOHUB_DATA_DIR": str(settings.data_dir), "GEOHUB_LOG_LEVEL": "WARNING"}
    if settings.database_url:
        env["GEOHUB_DATABASE_URL"] = settings.database_url
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    return env


def _archives(folder: Path) -> list[Path]:
    """The cadastre as a zipped Shapefile twice: as it is, and with every second parcel renamed."""
    geometries, columns = cadastre_rows()
    first = zipped_shapefile(_made(folder / "a"), geometries, columns)
    columns["name"] = [RENAMED if i % 2 else name for i, name in enumerate(columns["name"])]
    return [first, zipped_shapefile(_made(folder / "b"), geometries, columns)]


def _made(folder: Path) -> Path:
    folder.mkdir(parents=True)
    return folder


def _upload_folder(settings: Settings) -> Path | None:
    """The folder of an upload waiting to be read (the only one: nothing else uploads)."""
    found = next((settings.data_dir / "uploads").glob("**/upload-*/*.zip"), None)
    return None if found is None else found.parent


def _kill_mid_import(
    settings: Settings, hub: PublishingApp, archives: list[Path]
) -> tuple[ImportRecord, Path]:
    """Start uploads in another process, SIGKILL it while one of its imports is running with its
    file on disk; return that import and the folder of its upload."""
    records = ImportRecords(hub.app.extensions["geohub"].records)
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.publishing.upload_child", *map(str, archives)],
        env=_environment(settings),
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and child.poll() is None:
            running = records.running()
            if running and _upload_folder(settings) is not None:
                child.send_signal(signal.SIGKILL)
                break
            time.sleep(0.005)
    finally:
        if child.poll() is None and time.monotonic() >= deadline:
            child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL, child.stderr.read() if child.stderr else ""
    killed = records.running()
    assert len(killed) == 1, "the kill landed between two imports"  # rare: the test polls every 5 ms
    folder = _upload_folder(settings)
    assert folder is not None, "the upload's file is on disk"
    return killed[0], folder


def _staged_versions(hub: PublishingApp, record: ImportRecord) -> list[int]:
    store = hub.app.extensions["geohub"].store
    return [v.version for v in store.versions(LAYER) if v.note.startswith(f"import {record.id} (")]


def _next_upload(hub: PublishingApp, archive: Path) -> None:
    with archive.open("rb") as file:
        answer = hub.client.post(
            f"/collections/{LAYER}/imports", data={"file": (file, archive.name)}, headers=hub.headers("admin")
        )
    assert answer.status_code == 201, answer.json


def _next_command(settings: Settings) -> None:
    done = subprocess.run(
        [GEOHUB, "etl", "sync", "districts"],
        env=_environment(settings),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.parametrize("next_call", ["upload", "command", "history"])
def test_the_next_import_cleans_up_a_killed_one_at_once(
    hub: PublishingApp, settings: Settings, tmp_path: Path, next_call: str
) -> None:
    archives = _archives(tmp_path / "archives")
    killed, folder = _kill_mid_import(settings, hub, archives)
    if next_call == "upload":
        _next_upload(hub, archives[0])
    elif next_call == "command":
        _next_command(settings)
    else:  # a publisher looking at the import sees it interrupted, not running
        seen = hub.client.get(f"/collections/{LAYER}/imports/{killed.id}", headers=hub.headers("admin"))
        assert seen.json["status"] == "interrupted"
    records = ImportRecords(hub.app.extensions["geohub"].records)
    after = records.get(LAYER, killed.id)
    assert after.status == "interrupted", after
    assert not folder.exists()
    assert [v for v in _staged_versions(hub, killed) if v != _current(hub)] == []  # nothing it staged is left
    assert records.running() == []


def _current(hub: PublishingApp) -> int | None:
    current = hub.app.extensions["geohub"].store.current_version(LAYER)
    return None if current is None else current.version


def test_upload_folders_of_live_processes_stay(hub: PublishingApp, settings: Settings) -> None:
    """Only a dead process's folder goes: this process's own and a live process's stay."""
    mine = uploads_dir(settings) / "upload-mine"
    mine.mkdir()
    legacy = settings.data_dir / "uploads" / "upload-left-by-an-older-release"
    legacy.mkdir()
    script = (
        "import os, signal, sys, time; from pathlib import Path; "
        "from geohub.publishing.service import uploads_dir; from geohub.settings import Settings; "
        "folder = uploads_dir(Settings(data_dir=Path(sys.argv[1]))) / f'upload-{os.getpid()}'; "
        "folder.mkdir(); print(folder, flush=True); "
        "os.kill(os.getpid(), signal.SIGKILL) if sys.argv[2] == 'die' else time.sleep(60)"
    )

    def child(fate: str) -> tuple[subprocess.Popen[str], Path]:
        process = subprocess.Popen(
            [sys.executable, "-c", script, str(settings.data_dir), fate],
            env=_environment(settings),
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        return process, Path(process.stdout.readline().strip())

    dead, dead_folder = child("die")
    dead.wait(timeout=30)
    live, live_folder = child("live")
    try:
        with hub.app.app_context():
            ImportService(
                hub.app.extensions["geohub"], hub.app.extensions["geohub.tiles"].drop_changed_tiles
            ).recover_interrupted()
        assert not dead_folder.exists() and not legacy.exists()
        assert live_folder.is_dir() and mine.is_dir()
    finally:
        live.kill()
        live.wait(timeout=30)
