"""A row whose key is empty ("" or only whitespace) is invalid, in an import and in a Part 4 edit,
on both backends: it names the row and says why, and never reaches a version."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from geohub.publishing.service import SYSTEM, Actor, ImportOptions, ImportService
from geohub.settings import Settings
from geohub.sources.read import SourceData
from tests.publishing.publishing import LAYER, PublishingApp, cadastre_rows, publishing_app
from tests.publishing.test_item_edits import PARK

REASON = "is empty: every row needs a key"


@pytest.fixture
def hub(settings: Settings) -> Iterator[PublishingApp]:
    yield from publishing_app(settings)


def _feature(key: Any) -> dict[str, Any]:
    return {**PARK, "properties": {**PARK["properties"], "osm_ref": key}}


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_part4_edit_with_an_empty_key_is_refused(hub: PublishingApp, blank: str) -> None:
    before = hub.client.get(f"/collections/{LAYER}/items?limit=1").json["numberMatched"]
    created = hub.client.post(
        f"/collections/{LAYER}/items", json=_feature(blank), headers=hub.headers("aigerim")
    )
    assert created.status_code == 422, created.json
    assert created.json["errors"] == [{"field": "osm_ref", "message": REASON}]
    assert created.json["detail"] == f"feature 1: osm_ref {REASON}"
    ru = hub.client.post(
        f"/collections/{LAYER}/items?lang=ru", json=_feature(blank), headers=hub.headers("aigerim")
    ).json["detail"]
    assert ru != created.json["detail"] and "osm_ref" in ru
    by_id = {**PARK, "id": blank, "properties": {"land_use": "park"}}
    created = hub.client.post(f"/collections/{LAYER}/items", json=by_id, headers=hub.headers("aigerim"))
    assert created.status_code == 422 and created.json["errors"][0]["message"] == REASON, created.json
    replaced = hub.client.put(f"/collections/{LAYER}/items/%20", json=by_id, headers=hub.headers("aigerim"))
    assert replaced.status_code == 404, replaced.json  # no feature has a blank key to replace
    assert hub.client.get(f"/collections/{LAYER}/items?limit=1").json["numberMatched"] == before


def test_an_import_lists_rows_with_empty_keys_as_invalid(hub: PublishingApp) -> None:
    geometries, columns = cadastre_rows()
    columns["osm_ref"][0], columns["osm_ref"][1] = "", "  "
    data = SourceData(np.array(geometries, dtype=object), columns)
    services = hub.app.extensions["geohub"]
    record = ImportService(services, hub.app.extensions["geohub.tiles"].drop_changed_tiles).run(
        services.registry.get(LAYER),
        lambda: data,
        actor=Actor(SYSTEM),
        source="blank keys",
        options=ImportOptions(on_invalid="skip", force=True),
    )
    problems = {(p["row"], p["field"]): p["reason"] for p in record.to_json("en")["problems"]}
    assert problems[("feature 1", "osm_ref")] == REASON
    assert problems[("feature 2", "osm_ref")] == REASON
    assert record.report["counts"]["invalid"] == 2
