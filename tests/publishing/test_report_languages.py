"""An import report speaks the reader's language, row by row: the same stored report read in
kk, ru and en, its numbers written the language's way; a rollback refusal in Russian."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest

from geohub.settings import Settings
from tests.publishing.publishing import LAYER, PublishingApp, publishing_app

LINES = [
    "osm_ref,land_use,lon,lat",
    "w920000001,park,76.945,43.238",
    "w920000002,park,abc,43.238",
    "w920000003,park,76.946",
    "w920000004,,76.947,43.239",
]


@pytest.fixture
def hub(settings: Settings) -> Iterator[PublishingApp]:
    yield from publishing_app(settings)


def _report(hub: PublishingApp, location: str, language: str) -> dict[str, Any]:
    response: Any = hub.client.get(location, headers={**hub.headers("aigerim"), "Accept-Language": language})
    assert response.status_code == 200
    assert (
        response.headers["Content-Language"] == language if "Content-Language" in response.headers else True
    )
    report: dict[str, Any] = response.json
    return report


def test_the_same_report_reads_in_each_language_row_by_row(hub: PublishingApp) -> None:
    created: Any = hub.client.post(
        f"/collections/{LAYER}/imports",
        data={"file": (io.BytesIO("\n".join(LINES).encode()), "parcels.csv"), "dryRun": "true"},
        headers={**hub.headers("aigerim"), "Accept-Language": "ru"},
        content_type="multipart/form-data",
    )
    assert created.status_code == 201, created.json
    location = created.headers["Location"]
    english, russian, kazakh = (_report(hub, location, language) for language in ("en", "ru", "kk"))

    reasons = {(p["row"], p["field"], p["reason"]) for p in english["problems"]}
    assert ("line 3", "geometry", "lon 'abc' is not a number") in reasons
    assert ("line 5", "land_use", "is required") in reasons
    assert "invalid of 4 rows" in english["message"]

    assert {p["row"] for p in russian["problems"]} == {f"строка {n}" for n in range(2, 6)}
    assert {p["row"] for p in kazakh["problems"]} == {f"{n}-жол" for n in range(2, 6)}
    for translated in (russian, kazakh):
        assert [p["field"] for p in translated["problems"]] == [p["field"] for p in english["problems"]]
        for problem, original in zip(translated["problems"], english["problems"], strict=True):
            assert problem["reason"] != original["reason"]
            assert not any(word in problem["reason"] for word in ("is not", "required", "values"))
        assert any("abc" in p["reason"] for p in translated["problems"])
        assert "valid" not in translated["message"]
    # what the upload answered (asked in Russian) is the Russian reading of the same record
    assert created.json["problems"] == russian["problems"]


def test_a_report_counts_in_the_languages_way(hub: PublishingApp) -> None:
    rows = ["osm_ref,land_use,lon,lat"] + [f"w9{i:08d},park,76.94{i % 10},43.23{i % 7}" for i in range(1200)]
    created: Any = hub.client.post(
        f"/collections/{LAYER}/imports",
        data={"file": (io.BytesIO("\n".join(rows).encode()), "parcels.csv"), "dryRun": "true"},
        headers=hub.headers("aigerim"),
        content_type="multipart/form-data",
    )
    assert created.status_code == 201, created.json
    location = created.headers["Location"]
    assert "1,200" in _report(hub, location, "en")["message"]
    assert "1\u00a0200" in _report(hub, location, "ru")["message"]
    assert "1\u00a0200" in _report(hub, location, "kk")["message"]


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_a_rollback_refusal_is_a_4xx_in_each_language(hub: PublishingApp, language: str) -> None:
    for body in ({"version": 99}, {"version": "one"}, {"version": 1}):
        response: Any = hub.client.post(
            f"/collections/{LAYER}/rollback",
            json=body,
            headers={**hub.headers("aigerim"), "Accept-Language": language},
        )
        assert 400 <= response.status_code < 500, response.json
        assert response.headers["Content-Language"] == language
        detail = response.json["detail"]
        assert detail and (language == "en") == detail.isascii()
