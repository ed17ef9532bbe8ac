"""`geohub etl …` run as an operator runs it: sync (all, due, named), import a file, rebuild
from an OpenStreetMap extract, history, versions, rollback, and its errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from geohub.settings import Settings
from tests.conftest import DEMO_DATA
from tests.publishing.publishing import cadastre_rows, edited_cadastre, zipped_shapefile
from tests.test_cli import run_geohub


def test_sync_publishes_then_skips_unchanged_sources_and_due_respects_schedules(settings: Settings) -> None:
    first = run_geohub("etl", "sync", "districts", "cadastre", settings=settings)
    assert first.returncode == 0, first.stderr
    assert "2 layers (" in first.stdout and "2 published" in first.stdout
    assert "Syncing layers" in first.stderr  # the progress bar
    again = run_geohub("etl", "sync", "districts", "cadastre", settings=settings)
    assert "2 no changes" in again.stdout and "has not changed since version 1" in again.stdout
    due = run_geohub("etl", "sync", "--all", "--due", settings=settings)
    assert due.returncode == 0, due.stderr
    # synced a moment ago on a nightly schedule: only the 14 never-synced layers are due
    assert "14 layers (" in due.stdout and "14 published" in due.stdout
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
    assert "16 layers (" in rebuilt.stdout and "16 no changes" in rebuilt.stdout
    not_pbf = run_geohub("etl", "import-osm", str(DEMO_DATA / "PROVENANCE.md"), settings=settings)
    assert not_pbf.returncode == 2 and "geohub: error:" in not_pbf.stderr
