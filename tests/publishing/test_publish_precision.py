"""Publishing drops the cached tiles of what the import's report called changed, no more: a whole
layer sent again through a projected CRS (every geometry's last bits differ) with one parcel
changed drops that parcel's tiles only, not those of every parcel whose bits moved."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from geohub.settings import Settings
from geohub.storage.base import Bbox
from tests.publishing.publishing import LAYER, PublishingApp, cadastre_rows, publishing_app, zipped_shapefile


@pytest.fixture
def hub(settings: Settings) -> Iterator[PublishingApp]:
    yield from publishing_app(settings)


def test_a_reprojected_upload_with_one_change_drops_only_that_features_tiles(
    hub: PublishingApp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    geometries, columns = cadastre_rows()
    columns["land_use"][0] = "allotments" if columns["land_use"][0] != "allotments" else "orchard"
    archive = zipped_shapefile(tmp_path, geometries, columns)  # through UTM 43N and back
    tiles = hub.app.extensions["geohub.tiles"]
    dropped: list[list[Bbox]] = []
    drop = tiles.drop_changed_tiles

    def recording(layer_id: str, boxes: list[Bbox]) -> int:
        dropped.append(boxes)
        return drop(layer_id, boxes)

    monkeypatch.setattr(tiles, "drop_changed_tiles", recording)
    hub.app.extensions.pop("geohub.imports", None)  # the import service is built anew with it
    with archive.open("rb") as stream:
        staged = hub.client.post(
            f"/collections/{LAYER}/imports",
            data={"file": (stream, archive.name)},
            headers=hub.headers("aigerim"),
            content_type="multipart/form-data",
        ).json
    assert staged["status"] == "validated", staged
    changes = staged["changes"]
    print("the report:", {k: v for k, v in changes.items() if not k.endswith("Keys")})
    assert changes["added"] == changes["removed"] == 0, changes
    assert geometries and changes["changed"] < 10, changes  # the one edited, and any the upload repaired
    published = hub.client.post(
        f"/collections/{LAYER}/imports/{staged['id']}/publish", json={}, headers=hub.headers("aigerim")
    )
    assert published.status_code == 200, published.json
    [boxes] = dropped
    # the old and the new box of each feature the report called changed; none of the others
    assert len(boxes) == 2 * changes["changed"], (len(boxes), changes["changed"])
