"""The publisher's flow in Chromium on both backends (scenarios/publish.cjs), issue 15's "Done
when": sign in, upload a zipped Shapefile whose `recycling_type` GDAL cut to `recycling_`, map it,
read the report in Russian, see the diff map's three kinds, publish, roll back; and the server
agrees: its versions, the saved mapping and the recycling types the published import carried."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from geohub.messages import translate
from tests.workspace.conftest import SCREENSHOTS, scenario
from tests.workspace.fixtures_publish import STRAY_KEY, TYPES, waste_points_shapefile

LAYER = "waste_points"


def server_json(run: dict[str, Any], path: str, role: str = "admin") -> Any:
    """GET `path` on the run's server as `role` (signing in as the browser did)."""
    base = run["server"].base_url
    account = run["accounts"][role]
    sign_in = urllib.request.Request(
        f"{base}/auth/tokens",
        data=json.dumps({"username": account["user"], "password": account["password"]}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(sign_in, timeout=30) as answer:
        token = json.load(answer)["token"]
    request = urllib.request.Request(f"{base}{path}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """The keys the Shapefile removes, changes and adds (made again as the fixture made it)."""
    _, changes = waste_points_shapefile(tmp_path_factory.mktemp("expected"))
    return changes


def test_the_publisher_sees_their_department_s_layers(workspace_run: dict[str, Any]) -> None:
    layers = scenario(workspace_run, "publish")["layers"]
    assert LAYER in layers and "cadastre" not in layers  # cadastre is land_relations'


def test_a_file_dropped_on_the_drop_zone_is_chosen(workspace_run: dict[str, Any]) -> None:
    dropped = scenario(workspace_run, "publish")["dropped"]
    assert dropped["over"] is True
    assert dropped["chosen"].startswith(translate("Chosen: {name} ({size})", "ru").split("{name}")[0])
    assert "waste-points-2026.zip" in dropped["chosen"]


def test_the_drop_zone_s_button_opens_the_file_chooser_from_the_keyboard(
    workspace_run: dict[str, Any],
) -> None:
    keyboard = scenario(workspace_run, "publish")["fileButton"]
    assert keyboard["focused"] == "pub-pick"
    assert "waste-points-2026.zip" in keyboard["chosen"]


def test_the_first_report_names_the_cut_column_in_russian(workspace_run: dict[str, Any]) -> None:
    result = scenario(workspace_run, "publish")
    first = result["firstReport"]
    assert result["progress"] == 100
    assert first["status"] == "validated"
    assert first["heading"] == translate("Report of import {n}", "ru").replace("{n}", str(first["import"]))
    assert [row["column"] for row in first["unmapped"]] == ["recycling_"]
    assert first["unmapped"][0]["chosen"] == "recycling_type"  # the suggestion, preselected
    assert "Shapefile" in first["unmapped"][0]["why"] and "обрезает" in first["unmapped"][0]["why"]
    assert first["schedule"] and "синхронизац" in first["schedule"]


def test_the_invalid_row_is_listed_in_russian_and_left_out_only_when_asked(
    workspace_run: dict[str, Any],
) -> None:
    result = scenario(workspace_run, "publish")
    [(row, key, field, reason)] = result["mappedReport"]["problems"]
    assert (row, key, field) == (
        translate("feature {number}", "ru").replace("{number}", "8"),
        STRAY_KEY,
        "geometry",
    )
    assert "за границами города" in reason
    refused = translate(
        "{count} rows of import {id} failed validation. Fix the source and import "
        "again, publish the valid rows (invalidRows: skip), or reject the import.",
        "ru",
    )
    assert result["refusedWithInvalidRow"] == refused.replace("{count}", "1").replace(
        "{id}", str(result["mappedReport"]["import"])
    )


def test_mapped_the_report_shows_every_change_and_the_first_import_is_rejected(
    workspace_run: dict[str, Any], expected: dict[str, list[str]]
) -> None:
    result = scenario(workspace_run, "publish")
    mapped = result["mappedReport"]
    assert mapped["unmapped"] == []
    assert mapped["listed"] == {change: len(keys) for change, keys in expected.items()}
    assert mapped["keys"]["changed"] == translate("Changed: {n}", "ru").replace(
        "{n}", str(len(expected["changed"]))
    )
    assert result["firstImportAfterMapping"] == "rejected"


def test_the_diff_map_draws_three_kinds_in_three_symbols(
    workspace_run: dict[str, Any], expected: dict[str, list[str]]
) -> None:
    diff = scenario(workspace_run, "publish")["diffMap"]
    assert diff["rendered"] == {change: len(keys) for change, keys in expected.items()}
    assert len(set(diff["icons"].values())) == 3


def test_publish_then_rollback_in_the_page(workspace_run: dict[str, Any]) -> None:
    result = scenario(workspace_run, "publish")
    before = [v["version"] for v in result["versions"]["before"] if v["current"]]
    published = [v["version"] for v in result["versions"]["afterPublish"] if v["current"]]
    assert published and before and published[0] > before[0]
    assert result["published"]["status"] == "published"
    note = next(v["note"] for v in result["versions"]["afterPublish"] if v["current"])
    assert note == translate("import {n} ({source})", "ru").format(
        n=result["mappedReport"]["import"], source="waste-points-2026.zip"
    )
    rollback = result["rollback"]
    assert rollback["dialog"]["text"] == translate("Publish version {version} again?", "ru").replace(
        "{version}", str(before[0])
    )
    assert rollback["dialog"]["focused"] == translate("Cancel", "ru")  # the safe answer first
    assert [v["version"] for v in rollback["versions"] if v["current"]] == before
    assert rollback["focused"] == "pub-versions-title"


def test_the_server_kept_the_published_version_the_mapping_and_the_recycling_types(
    workspace_run: dict[str, Any],
) -> None:
    result = scenario(workspace_run, "publish")
    versions = server_json(workspace_run, f"/collections/{LAYER}/versions")["versions"]
    current = [v["version"] for v in versions if v["current"]]
    published = next(v["version"] for v in result["versions"]["afterPublish"] if v["current"])
    assert current == [v["version"] for v in result["versions"]["before"] if v["current"]]
    assert published in [v["version"] for v in versions]
    mapping = server_json(workspace_run, f"/collections/{LAYER}/mapping")
    assert mapping["mapping"] == {"recycling_": "recycling_type"} and mapping["updatedBy"] == "ws-publisher"
    record = result["mappedReport"]["import"]
    imported = server_json(workspace_run, f"/collections/{LAYER}/imports/{record}")
    assert imported["status"] == "published" and imported["publishedVersion"] == published
    assert imported["columns"]["mapping"] == {"recycling_": "recycling_type"}
    changes = server_json(workspace_run, f"/collections/{LAYER}/imports/{record}/changes")
    kept = {
        f["properties"]["recycling_type"]
        for f in changes["features"]
        if f["properties"]["change"] != "removed"
    }
    assert kept == set(TYPES)
    live = server_json(workspace_run, f"/collections/{LAYER}/items?f=json&limit=100")
    assert {f["properties"].get("recycling_type") for f in live["features"]} == {None}  # rolled back


def test_the_audit_trail_shows_the_flow(workspace_run: dict[str, Any]) -> None:
    actions = scenario(workspace_run, "publish")["audit"]
    assert actions[:6] == [
        "layer.rollback",
        "layer.publish",
        "import.rejected",
        "import.validated",
        "mapping.saved",
        "import.validated",
    ]


def test_the_screenshots_are_in_their_language(workspace_run: dict[str, Any]) -> None:
    result = scenario(workspace_run, "publish")
    if workspace_run["backend"] != "geopackage":
        pytest.skip("the screenshots are taken on GeoPackage")
    for language in ("kk", "ru"):
        assert result["screens"][language] == [language, translate("My department's layers", language)]


@pytest.mark.parametrize("view", ["layers", "layer", "audit"])
@pytest.mark.parametrize("state", ["kk-phone", "ru-phone", "kk-desktop", "ru-desktop"])
def test_each_publisher_view_is_photographed(workspace_run: dict[str, Any], view: str, state: str) -> None:
    result = scenario(workspace_run, "publish")
    if workspace_run["backend"] != "geopackage":
        pytest.skip("the screenshots are taken on GeoPackage")
    assert str(SCREENSHOTS / f"{view}-{state}.png") in result["screenshots"]
    assert Path(SCREENSHOTS / f"{view}-{state}.png").stat().st_size > 10_000
