"""The landing page and collection documents carry ETag and Last-Modified, answer 304 while
current, and change with a publish; staff's are their own (another ETag, private)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from geohub.settings import Settings
from tests.publishing.publishing import LAYER, PublishingApp, publishing_app
from tests.publishing.test_item_edits import PARK

PATHS = ["/", "/collections", f"/collections/{LAYER}", f"/collections/{LAYER}?f=html"]


@pytest.fixture
def hub(settings: Settings) -> Iterator[PublishingApp]:
    yield from publishing_app(settings)


def _status(hub: PublishingApp, path: str, **headers: str) -> int:
    return hub.client.get(path, headers=headers).status_code


def test_documents_answer_304_until_a_publish(hub: PublishingApp) -> None:
    first = {path: hub.client.get(path) for path in PATHS}
    for path, answer in first.items():
        assert answer.status_code == 200 and "no-cache" in answer.headers["Cache-Control"]
        etag, modified = answer.headers["ETag"], answer.headers["Last-Modified"]
        assert _status(hub, path, **{"If-None-Match": etag}) == 304, path
        assert _status(hub, path, **{"If-Modified-Since": modified}) == 304, path
        assert _status(hub, path, **{"If-None-Match": etag, "Accept-Language": "kk"}) == 200, path
    time.sleep(1.05)  # Last-Modified has whole seconds
    edit = hub.client.post(f"/collections/{LAYER}/items", json=PARK, headers=hub.headers("aigerim"))
    assert edit.status_code == 201
    for path, answer in first.items():
        assert _status(hub, path, **{"If-None-Match": answer.headers["ETag"]}) == 200, path
        assert _status(hub, path, **{"If-Modified-Since": answer.headers["Last-Modified"]}) == 200, path


def test_staff_documents_have_their_own_etag_and_are_private(hub: PublishingApp) -> None:
    for path in PATHS:
        public = hub.client.get(path)
        staff = hub.client.get(path, headers=hub.headers("aigerim"))
        assert public.headers["ETag"] != staff.headers["ETag"]
        assert (
            "private" in staff.headers["Cache-Control"] and "private" not in public.headers["Cache-Control"]
        )
        assert _status(hub, path, **{"If-None-Match": staff.headers["ETag"]}) == 200
        assert (
            hub.client.get(
                path, headers={**hub.headers("aigerim"), "If-None-Match": staff.headers["ETag"]}
            ).status_code
            == 304
        )
