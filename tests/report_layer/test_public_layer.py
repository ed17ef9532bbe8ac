"""The public `reports` layer: follows the reports records, shows no personal data, drops only the
tiles a changed report touches, and cannot be written any other way."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import mapbox_vector_tile
import morecantile
from flask import Flask
from flask.testing import FlaskClient

from geohub.auth.principal import Principal, Role
from geohub.report_layer.publisher import ReportLayerPublisher
from geohub.report_layer.sync import sync_report_layer
from geohub.reports.model import Status
from geohub.reports.service import ReportService
from geohub.tiles.service import TileService
from tests.reports.conftest import EMAIL, HERE, PHONE, east_of, report_body

MODERATOR = Principal(user="marat", role=Role.moderator)
FAR = east_of(HERE, 3000)  # another part of the city: its tiles must stay cached
TEXT = "The street light by the entrance has been dark for a week."


def _publisher(app: Flask) -> ReportLayerPublisher:
    publisher: ReportLayerPublisher = app.extensions["geohub.report_layer"]
    return publisher


def _file(client: FlaskClient, where: tuple[float, float] = HERE, **changes: Any) -> str:
    body = report_body(location={"lon": where[0], "lat": where[1]}, confirmDistinct=True, **changes)
    answer = client.post("/reports", json=body)
    assert answer.status_code == 201, answer.json
    return str(answer.json["trackingId"])


def _items(client: FlaskClient) -> dict[str, dict[str, Any]]:
    answer = client.get("/collections/reports/items?limit=100")
    assert answer.status_code == 200, answer.json
    return {f["id"]: f["properties"] for f in answer.json["features"]}


def _tile(point: tuple[float, float], z: int = 16) -> tuple[int, int, int]:
    tile = morecantile.tms.get("WebMercatorQuad").tile(point[0], point[1], z)
    return (tile.z, tile.x, tile.y)


def _tile_reports(client: FlaskClient, tile: tuple[int, int, int]) -> dict[str, dict[str, Any]]:
    z, x, y = tile
    answer = client.get(f"/tiles/city/{z}/{x}/{y}.mvt")
    assert answer.status_code in (200, 204)
    layer = mapbox_vector_tile.decode(answer.data).get("reports", {"features": []}) if answer.data else None
    features = layer["features"] if layer else []
    return {f["properties"]["tracking_id"]: f["properties"] for f in features}


def test_the_layer_follows_the_reports_and_drops_only_their_tiles(
    app: Flask, client: FlaskClient, service: ReportService
) -> None:
    near, far = _tile(HERE), _tile(FAR)
    first = _file(client)
    _file(client, FAR, category="road_damage")
    assert _publisher(app).flush()
    items = _items(client)
    assert items[first]["status"] == "registered" and items[first]["open"] is True
    assert (
        items[first]["category_ru"] == "Не работает уличное освещение" and items[first]["district"] == "medeu"
    )
    assert items[first]["description"] is None and items[first]["photos"] == 0  # not approved
    assert _tile_reports(client, near)[first]["status"] == "registered"
    assert _tile_reports(client, far)  # both tiles now cached
    cache = app.extensions["geohub.tiles"].cache
    assert cache.read("city", "public", *near) is not None and cache.read("city", "public", *far) is not None

    service.move(first, Status.accepted, MODERATOR)
    service.move(first, Status.in_progress, MODERATOR)
    assert _publisher(app).flush()
    assert cache.read("city", "public", *near) is None  # the changed report's tile went …
    assert cache.read("city", "public", *far) is not None  # … and only that one
    assert _tile_reports(client, near)[first]["status"] == "in_progress"
    assert _items(client)[first]["status"] == "in_progress"


def test_nothing_personal_is_public(app: Flask, client: FlaskClient) -> None:
    _file(client)
    assert _publisher(app).flush()
    z, x, y = _tile(HERE)
    public = [
        client.get("/collections/reports/items?limit=100").data,
        client.get("/collections/reports/items?f=csv&limit=100").data,
        client.get(f"/tiles/city/{z}/{x}/{y}.mvt").data,
        client.get(f"/tiles/reports/{z}/{x}/{y}.mvt").data,
        client.get("/collections/reports").data,
        client.get("/collections/reports/queryables").data,
    ]
    for body in public:
        for private in (EMAIL, PHONE, TEXT, "marat"):
            assert private.encode() not in body


def test_approved_text_shows_and_rejected_reports_leave(
    app: Flask, client: FlaskClient, service: ReportService
) -> None:
    kept, dropped = _file(client), _file(client, east_of(HERE, 100))
    with service._records().transaction() as conn:  # a moderator's approval (report_desk sets it)
        from geohub.records import utc_now
        from geohub.reports.tables import reports

        now = utc_now()
        conn.execute(
            reports.update().where(reports.c.tracking_id == kept).values(approved_at=now, updated_at=now)
        )
    service.move(dropped, Status.rejected, MODERATOR, "A private yard, not a street.")
    assert _publisher(app).flush()
    items = _items(client)
    assert items[kept]["description"] == TEXT and dropped not in items


def test_closed_reports_stay_for_the_set_days(
    app: Flask, client: FlaskClient, service: ReportService
) -> None:
    tracking_id = _file(client)
    for status in (Status.accepted, Status.in_progress, Status.resolved):
        service.move(tracking_id, status, MODERATOR)
    secret_free = service.get(tracking_id)
    assert secret_free.status is Status.resolved
    services = app.extensions["geohub"]
    tiles: TileService = app.extensions["geohub.tiles"]
    with service._records().transaction() as conn:
        from geohub.reports.tables import reports

        conn.execute(reports.update().where(reports.c.tracking_id == tracking_id).values(status="closed"))
    assert _publisher(app).flush()
    sync_report_layer(services, service.categories, tiles.drop_changed_tiles)
    assert _items(client)[tracking_id]["status"] == "closed"
    services.settings.reports.public_closed_days = 0
    synced = sync_report_layer(services, service.categories, tiles.drop_changed_tiles)
    assert synced is not None and synced.changes.removed == 1
    assert tracking_id not in _items(client)


def test_a_sync_without_changes_writes_nothing(
    app: Flask, client: FlaskClient, service: ReportService
) -> None:
    _file(client)
    assert _publisher(app).flush()
    services = app.extensions["geohub"]
    before = services.store.current_version("reports")
    again = sync_report_layer(services, service.categories, app.extensions["geohub.tiles"].drop_changed_tiles)
    assert again is not None and not again.changes.any and again.version == before.version
    assert services.store.current_version("reports") == before


def test_the_layer_cannot_be_uploaded_or_edited(app: Flask, client: FlaskClient) -> None:
    from geohub.auth.http import accounts as app_accounts

    with app.app_context():
        accounts = app_accounts()
        accounts.add_user("admin", role=Role.admin, department=None)
        token = accounts.create_token("admin")
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(HERE)}, "properties": {}}
    answer = client.post(
        "/collections/reports/items",
        data=json.dumps(feature),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/geo+json"},
    )
    assert answer.status_code == 409 and "reports" in answer.json["detail"], answer.json


def test_a_sync_after_the_first_reads_only_what_changed(
    app: Flask, client: FlaskClient, service: ReportService
) -> None:
    from geohub.report_layer.sync import ReportLayerSync

    services, tiles = app.extensions["geohub"], app.extensions["geohub.tiles"]
    filed = [_file(client, east_of(HERE, 50 * n)) for n in range(4)]
    _publisher(app).stop()  # the app's own syncs would race this test's
    syncs = ReportLayerSync(services, service.categories, tiles.drop_changed_tiles)
    first = syncs.sync()
    assert first is not None and first.reports_read == 4 and not first.changes.any
    ReportLayerSync.CHANGE_MARGIN = timedelta(0)  # no transaction is in flight here
    try:
        service.support(filed[0])
        second = syncs.sync()
        assert second is not None and second.reports_read == 1
        assert (second.changes.changed, second.changes.added, second.changes.removed) == (1, 0, 0)
        service.move(filed[1], Status.rejected, MODERATOR, "Not the city's light.")
        third = syncs.sync()
        assert third is not None and third.reports_read == 1 and third.changes.removed == 1
    finally:
        ReportLayerSync.CHANGE_MARGIN = timedelta(seconds=5)
    assert _items(client)[filed[0]]["supporters"] == 1 and filed[1] not in _items(client)


def test_a_hostile_description_is_only_ever_text(
    app: Flask, client: FlaskClient, service: ReportService
) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    tracking_id = _file(client, description=hostile)
    with service._records().transaction() as conn:  # approved, so the public pages show it
        from geohub.records import utc_now
        from geohub.reports.tables import reports

        now = utc_now()
        conn.execute(
            reports.update()
            .where(reports.c.tracking_id == tracking_id)
            .values(approved_at=now, updated_at=now)
        )
    service.changed(service.get(tracking_id))
    assert _publisher(app).flush()
    pages = [
        client.get("/collections/reports/items?f=html&limit=100"),
        client.get(f"/collections/reports/items/{tracking_id}?f=html"),
        client.get(f"/open311/v2/requests/{tracking_id}.xml"),
    ]
    for page in pages:
        assert page.status_code == 200, page.request.path
        assert b"<script>alert" not in page.data and b"<img src=x" not in page.data, page.request.path
    assert b"&lt;script&gt;" in pages[1].data  # shown, as text
    assert (
        client.get(f"/collections/reports/items/{tracking_id}").json["properties"]["description"] == hostile
    )
