"""`geohub etl …` run as an operator runs it: sync (all, due, named), import a file, rebuild
from an OpenStreetMap extract, history, versions, rollback, and its errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.request
import uuid
from pathlib import Path

import pytest

from geohub.settings import Settings
from tests.conftest import DEMO_DATA
from tests.publishing.publishing import cadastre_rows, edited_cadastre, zipped_shapefile
from tests.test_cli import GEOHUB, free_port, run_geohub, wait_for


def test_sync_publishes_then_skips_unchanged_sources_and_due_respects_schedules(settings: Settings) -> None:
    first = run_geohub("etl", "sync", "districts", "cadastre", settings=settings)
    assert first.returncode == 0, first.stderr
    assert "2 layers (" in first.stdout and "2 published" in first.stdout
    assert "Syncing layers" in first.stderr  # the progress bar
    again = run_geohub("etl", "sync", "districts", "cadastre", settings=settings)
    assert "2 no changes" in again.stdout and "has not changed since version 1" in again.stdout
    due = run_geohub("etl", "sync", "--all", "--due", settings=settings)
    assert due.returncode == 0, due.stderr
    # synced a moment ago on a nightly schedule: only the 15 never-synced layers are due
    assert "15 layers (" in due.stdout and "15 published" in due.stdout
    assert run_geohub("etl", "sync", settings=settings).returncode == 2  # neither names nor --all
    unknown = run_geohub("etl", "sync", "nowhere", settings=settings)
    assert unknown.returncode == 2 and "nowhere" in unknown.stderr


def test_import_reports_each_bad_row_then_publish_and_rollback(settings: Settings, tmp_path: Path) -> None:
    assert run_geohub("etl", "sync", "districts", "cadastre", settings=settings).returncode == 0
    geometries, columns, edits = edited_cadastre()
    archive = zipped_shapefile(tmp_path, geometries, columns)
    staged = run_geohub("etl", "import", "cadastre", str(archive), settings=settings)
    assert staged.returncode == 0, staged.stderr
    assert "validated" in staged.stdout and "4 invalid" in staged.stdout
    for key in edits.invalid:
        assert f"({key}): " in staged.stdout
    import_id = staged.stdout.split()[1]
    refused = run_geohub("etl", "publish", "cadastre", import_id, settings=settings)
    assert refused.returncode == 2 and "invalidRows" in refused.stderr
    published = run_geohub("etl", "publish", "cadastre", import_id, "--skip-invalid", settings=settings)
    assert published.returncode == 0 and "published" in published.stdout
    versions = run_geohub("etl", "versions", "cadastre", settings=settings).stdout.splitlines()
    assert versions[0].startswith("* v2") and versions[1].startswith("  v1")
    rolled = run_geohub("etl", "rollback", "cadastre", "1", settings=settings)
    assert rolled.returncode == 0 and "version 1 is published (274 features)" in rolled.stdout
    history = run_geohub("etl", "history", "cadastre", settings=settings).stdout
    assert "published" in history and "geohub-cli" in history
    dry = run_geohub("etl", "import", "cadastre", str(archive), "--dry-run", settings=settings)
    assert "dry_run" in dry.stdout
    (tmp_path / "same").mkdir()
    identical = zipped_shapefile(tmp_path / "same", *cadastre_rows())
    same = run_geohub("etl", "import", "cadastre", str(identical), "--publish", settings=settings)
    assert "no_changes" in same.stdout


@pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="needs GDAL's ogr2ogr (Debian gdal-bin)")
def test_import_osm_rebuilds_every_osm_layer_and_identical_data_changes_nothing(settings: Settings) -> None:
    assert run_geohub("demo", "--no-serve", settings=settings).returncode == 0
    rebuilt = run_geohub("etl", "import-osm", str(DEMO_DATA / "almaty.osm.pbf"), settings=settings)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "17 layers (" in rebuilt.stdout and "17 no changes" in rebuilt.stdout
    not_pbf = run_geohub("etl", "import-osm", str(DEMO_DATA / "PROVENANCE.md"), settings=settings)
    assert not_pbf.returncode == 2 and "geohub: error:" in not_pbf.stderr


def _multipart(path: Path, fields: dict[str, str]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
        "Content-Type: application/zip\r\n\r\n".encode()
        + path.read_bytes()
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_demo_server_publishes_an_upload_from_its_forked_workers(settings: Settings, tmp_path: Path) -> None:
    """`geohub demo` loads the data, then gunicorn forks its workers: imports must still work there."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOHUB_")}
    env.update({"GEOHUB_DATA_DIR": str(settings.data_dir), "GEOHUB_PORT": str(port), "GEOHUB_WORKERS": "2"})
    if settings.database_url:
        env["GEOHUB_DATABASE_URL"] = settings.database_url
    server = subprocess.Popen([GEOHUB, "demo"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(f"http://127.0.0.1:{port}/readyz", timeout_s=180)
        assert (
            run_geohub(
                "users",
                "add",
                "aigerim",
                "--department",
                "land_relations",
                "--role",
                "publisher",
                settings=settings,
            ).returncode
            == 0
        )
        token = run_geohub("tokens", "create", "aigerim", settings=settings).stdout.strip()
        geometries, columns, _ = edited_cadastre()
        body, content_type = _multipart(
            zipped_shapefile(tmp_path, geometries, columns), {"onInvalid": "skip", "publish": "true"}
        )
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/collections/cadastre/imports",
            data=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            record = json.loads(response.read())
        assert response.status == 201 and record["status"] == "published", record
        items = json.loads(wait_for(f"http://127.0.0.1:{port}/collections/cadastre/items?limit=1&f=json"))
        assert items["numberMatched"] == 270
    finally:
        server.terminate()
        server.communicate(timeout=30)
