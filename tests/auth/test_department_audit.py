"""GET /auth/audit on both backends: a publisher reads the audit trail of their department's
layers and no other's, page by page; admins read any department's; moderators none."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from geohub.settings import Settings
from tests.publishing.publishing import PublishingApp, publishing_app


@pytest.fixture
def hub(settings: Settings) -> Iterator[PublishingApp]:
    """dana (natural_resources) saves two mappings of waste_points, aigerim (land_relations) one
    of cadastre."""
    for published in publishing_app(settings):
        for user, layer, column in (
            ("dana", "waste_points", "recycling_"),
            ("aigerim", "cadastre", "landuse"),
            ("dana", "waste_points", "operatr"),
        ):
            saved = published.client.put(
                f"/collections/{layer}/mapping", json={"ignore": [column]}, headers=published.headers(user)
            )
            assert saved.status_code == 200, saved.json
        yield published


def trail(hub: PublishingApp, user: str | None, query: str = "") -> Any:
    headers = {**(hub.headers(user) if user else {}), "Accept-Language": "ru"}
    return hub.client.get(f"/auth/audit{query}", headers=headers)


def test_a_publisher_reads_their_department_s_layers_newest_first(hub: PublishingApp) -> None:
    answer = trail(hub, "dana")
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    entries = [e for e in answer.json["entries"] if e["action"] == "mapping.saved"]
    assert [(e["layer"], e["user"], e["detail"]["ignore"]) for e in entries] == [
        ("waste_points", "dana", ["operatr"]),
        ("waste_points", "dana", ["recycling_"]),
    ]
    layers = hub.app.extensions["geohub"].registry.layers
    assert {layers[e["layer"]].department for e in answer.json["entries"]} == {"natural_resources"}
    other = trail(hub, "aigerim").json["entries"]
    assert [e["layer"] for e in other if e["action"] == "mapping.saved"] == ["cadastre"]


def test_pages_follow_the_next_link(hub: PublishingApp) -> None:
    first = trail(hub, "dana", "?limit=1").json
    assert len(first["entries"]) == 1 and first["next"]
    second = hub.client.get(first["next"], headers=hub.headers("dana")).json
    assert second["entries"] and second["entries"][0]["id"] < first["entries"][0]["id"]


def test_an_admin_reads_every_department_or_one(hub: PublishingApp) -> None:
    every = {e["layer"] for e in trail(hub, "admin").json["entries"] if e["action"] == "mapping.saved"}
    assert every == {"waste_points", "cadastre"}
    one = trail(hub, "admin", "?department=land_relations").json["entries"]
    assert {e["layer"] for e in one if e["action"] == "mapping.saved"} == {"cadastre"}
    assert trail(hub, "admin", "?department=nowhere").status_code == 404


@pytest.mark.parametrize(("user", "status"), [(None, 401), ("marat", 403)])
def test_without_a_department_there_is_no_trail(hub: PublishingApp, user: str | None, status: int) -> None:
    answer = trail(hub, user)
    assert answer.status_code == status and answer.mimetype == "application/problem+json"


def test_a_publisher_cannot_read_another_department_by_asking(hub: PublishingApp) -> None:
    entries = trail(hub, "dana", "?department=land_relations").json["entries"]
    assert "cadastre" not in {e["layer"] for e in entries}
    assert trail(hub, "dana", "?foo=1").status_code == 400
