"""A sync conflict seen and resolved in the workspace (scenarios/conflict.cjs, GeoPackage): the
sync that met the publisher's edit stopped, the layer list and the layer's page say so in Russian,
and keeping the edit resolves it on the server."""

from __future__ import annotations

from typing import Any

from geohub.messages import translate
from tests.workspace.conftest import scenario
from tests.workspace.test_browser_publish import server_json


def test_the_sync_stops_on_the_publisher_s_edit(workspace_run: dict[str, Any]) -> None:
    result = scenario(workspace_run, "conflict")
    assert result["edited"] == 204
    assert result["sync"]["status"] == 3, result["sync"]["stdout"]  # waits on a conflict


def test_the_layer_list_flags_the_open_conflict(workspace_run: dict[str, Any]) -> None:
    flag = scenario(workspace_run, "conflict")["flag"]
    assert flag == translate("Open sync conflicts: {n}", "ru").replace("{n}", "1")


def test_the_layer_page_explains_it_in_russian_and_offers_both_choices(workspace_run: dict[str, Any]) -> None:
    conflict = scenario(workspace_run, "conflict")["conflict"]
    assert conflict["heading"] == translate("Sync conflicts: {n}", "ru").replace("{n}", "1")
    assert "после последней синхронизации" in conflict["message"]
    assert conflict["choices"] == ["take-source", "keep-mine"]


def test_keeping_the_edit_resolves_the_conflict_on_the_server(workspace_run: dict[str, Any]) -> None:
    result = scenario(workspace_run, "conflict")
    assert result["dialog"] == translate("Keep your version and reject the source's data?", "ru")
    assert result["resolved"] == translate("The conflict is resolved.", "ru")
    [conflict] = server_json(workspace_run, "/collections/landfills/conflicts")["conflicts"]
    assert conflict["status"] == "resolved" and conflict["resolution"] == "keep-mine"
    assert conflict["resolvedBy"] == workspace_run["accounts"]["publisher"]["user"]
